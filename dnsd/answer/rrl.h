/* rrl.h - response rate limiting (SPEC 2 `rrl`, `rrl_slip`): a token bucket
 * per client network (/24 IPv4, /56 IPv6) in a per-thread table, so no
 * lock and no shared cache line. Only UDP is limited: a TCP client has
 * proven its address. */
#ifndef DNSD_RRL_H
#define DNSD_RRL_H

#include <stdint.h>
#include <sys/socket.h>

#include "base/compat.h"

/* 8192 buckets, 32 bytes each: 256 KiB per worker. A collision hands the
 * slot to the newer network (with a full bucket), so a flood from one
 * network stays limited while a table full of spoofed sources degrades
 * to "not limited" rather than to limiting innocent clients. */
#define RRL_SLOTS 8192

struct rrl_bucket {
	uint64_t hi, lo;  /* the client network, family in lo's low bits */
	uint32_t last_ms; /* when tokens were last refilled */
	int32_t tokens;   /* thousandths of a response */
	uint32_t limited; /* responses limited so far, for the slip */
	uint32_t pad;
};

struct rrl_table {
	struct rrl_bucket b[RRL_SLOTS];
};

enum rrl_action {
	RRL_PASS, /* send the response */
	RRL_DROP, /* send nothing */
	RRL_SLIP, /* send it truncated (TC=1, no answer): a real client
	           * retries over TCP, a spoofed victim gets little */
};

/* Charge one response to the client at src at time now_ms (a monotonic
 * millisecond clock). rate is responses per second (> 0); slip is "every
 * slip-th limited response slips", 0 = drop all. Owner thread only. */
enum rrl_action rrl_check(struct rrl_table *t, const struct sockaddr *src,
                          uint32_t now_ms, unsigned rate, unsigned slip);

/* Cut a response down to its header and question with TC=1 and no
 * records (RFC 1035 4.1.1; the client retries over TCP). Returns the new
 * length, or 0 when resp does not hold a well-formed question. */
size_t rrl_slip_response(uint8_t *resp, size_t len);

#endif
