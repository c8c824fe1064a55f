/* flap.c - the rise/fall state machine of one target (see flap.h). */
#include "probes/flap.h"

bool flap_record(struct flap *f, bool ok, unsigned rise, unsigned fall)
{
	if (!f->known) {
		/* No history to smooth yet: the first result is the state, so
		 * a member that is down at start is never answered. */
		f->known = true;
		f->up = ok;
		f->streak = 0;
		return true;
	}
	if (ok == f->up) {
		/* A result agreeing with the state breaks any streak against
		 * it: rise and fall count consecutive results only. */
		f->streak = 0;
		return false;
	}
	unsigned need = f->up ? fall : rise;
	if (need == 0)
		need = 1; /* the config forbids 0; never stick in one state */
	if (++f->streak < need)
		return false;
	f->up = ok;
	f->streak = 0;
	return true;
}
