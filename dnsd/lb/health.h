/* health.h - the published health table: the probe targets of one snapshot
 * and one "up" byte each. The probe thread (probes/) writes the bytes; the
 * answer path reads them without locks. It lives here, below the snapshot
 * and the probes, so that both depend on it and neither on the other. */
#ifndef DNSD_HEALTH_H
#define DNSD_HEALTH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf/config.h"

/* One thing to probe: an (address, check profile) pair. Members of several
 * clusters with the same address and profile share one target. */
struct probe_target {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	char addr_text[48];               /* inet_ntop form */
	const struct config_check *check; /* never NULL */
	const char *cluster; /* first cluster holding it, for logs */
	/* Identity across reloads: address + every field of the profile.
	 * A reload keeps the state of a target whose key is unchanged. */
	const char *key;
};

/* What the last check of a target said, for /status and logs. */
struct probe_status {
	bool checked; /* false before the first check */
	bool ok;
	bool up;
	char detail[96]; /* "HTTP 200", "timeout after 2000 ms", ... */
	double duration_ms;
	struct timespec at;    /* CLOCK_REALTIME of the last check */
	struct timespec since; /* CLOCK_REALTIME of the last state change */
	uint64_t failures;     /* failed checks since the target appeared */
};

/* The targets of one snapshot. Built by the snapshot builder (immutable
 * except for up[]), freed with the snapshot. */
struct probe_set {
	struct probe_target *targets;
	uint32_t n;
	/* up[i]: 1 when target i counts as healthy. Written only by the probe
	 * thread (relaxed stores), read by workers (relaxed loads). */
	_Atomic uint8_t *up;
};

static inline bool probe_set_up(const struct probe_set *s, uint32_t i)
{
	return atomic_load_explicit(&s->up[i], memory_order_relaxed) != 0;
}

#endif
