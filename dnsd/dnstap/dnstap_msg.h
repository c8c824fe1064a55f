/* dnstap_msg.h - one dnstap frame (a packed Dnstap protobuf holding one
 * AUTH_QUERY or AUTH_RESPONSE Message), encoded with protobuf-c from the
 * schema in dnstap.proto. The only user of the generated code. */
#ifndef DNSD_DNSTAP_MSG_H
#define DNSD_DNSTAP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "dnstap/dnstap_ring.h"

/* What a hook knows about one exchange. */
struct dnstap_event {
	bool tcp;
	const struct sockaddr *client; /* AF_INET or AF_INET6 */
	const struct sockaddr *local;  /* our address, or NULL if unknown */
	const uint8_t *query;
	size_t qlen;
	const uint8_t *resp; /* NULL/0: no response (dropped) */
	size_t rlen;
	struct timespec qtime, rtime; /* CLOCK_REALTIME */
};

/* Server identity and version, in every frame: packed once per sink
 * (dnstap_msg_prefix) and copied in front of each frame's Message. */
struct dnstap_who {
	const char *identity;
	const char *version;
	uint8_t *prefix; /* Dnstap{identity, version, type} packed */
	size_t prefix_len;
};

/* Pack who's constant part into who->prefix (malloc'ed; the caller frees
 * it). Returns 0 or -1. Not on the answer path. */
int dnstap_msg_prefix(struct dnstap_who *who);

enum dnstap_kind { DNSTAP_AUTH_QUERY, DNSTAP_AUTH_RESPONSE };

/* Encode the frame of kind for ev into room reserved in r (the protobuf-c
 * structs live on the stack; nothing allocates). Returns the frame, its
 * length in *len and its slot in *slot, or NULL when r is full. r's
 * producer thread only. */
uint8_t *dnstap_msg_encode(const struct dnstap_who *who,
                           const struct dnstap_event *ev, enum dnstap_kind kind,
                           struct dnstap_ring *r, struct dnstap_slot **slot,
                           size_t *len);

#endif
