/* arena.h - bump allocator: a snapshot is built in one arena, freed whole. */
#ifndef DNSD_ARENA_H
#define DNSD_ARENA_H

#include <stddef.h>
#include "base/compat.h"

struct arena;

/* A new empty arena, or NULL when out of memory. */
struct arena *arena_new(void);
/* size bytes, zeroed, aligned to 16; NULL when out of memory. Not
 * thread-safe: one builder thread owns an arena until it is published. */
void *arena_alloc(struct arena *a, size_t size) DNSD_WARN_UNUSED;
void *arena_memdup(struct arena *a, const void *p, size_t size);
char *arena_strdup(struct arena *a, const char *s);
/* Bytes obtained from the system, for logs and metrics. */
size_t arena_footprint(const struct arena *a);
/* Move every block of src into dst (freed with it) and free src: a zone
 * built in an arena of its own, on another thread, joins the snapshot's. */
void arena_adopt(struct arena *dst, struct arena *src);
/* Free every block; a NULL arena is ignored. */
void arena_free(struct arena *a);

#endif
