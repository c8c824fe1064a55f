/* flap.h - the rise/fall state machine of one target, pure and tiny:
 * "fall" consecutive failures take an up target down, "rise" consecutive
 * successes bring a down target up; the first result sets the state. */
#ifndef DNSD_FLAP_H
#define DNSD_FLAP_H

#include <stdbool.h>

struct flap {
	bool known; /* false until the first result */
	bool up;
	unsigned streak; /* consecutive results against the current state */
};

/* Record one check result. Returns true when the state changed (including
 * the first result). */
bool flap_record(struct flap *f, bool ok, unsigned rise, unsigned fall);

#endif
