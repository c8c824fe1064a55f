/* arena.c - bump allocation in large blocks, freed together. */
#include "base/arena.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* 64 KiB blocks: big enough that a large zone costs few malloc calls, small
 * enough that a tiny configuration does not waste memory. */
#define ARENA_BLOCK (64 * 1024)
#define ARENA_ALIGN 16

struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
	struct arena_block *head;
	size_t footprint;
};

struct arena *arena_new(void)
{
	return calloc(1, sizeof(struct arena));
}

void *arena_alloc(struct arena *a, size_t size)
{
	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (size == 0)
		size = ARENA_ALIGN;
	struct arena_block *b = a->head;
	bool fresh = false;
	if (b == NULL || b->size - b->used < size) {
		/* Oversized requests get a block of their own. */
		size_t bsize = size > ARENA_BLOCK / 4 ? size : ARENA_BLOCK;
		/* An oversized block is all one allocation: calloc gets
		 * it zeroed from fresh pages without a second pass. */
		fresh = size > ARENA_BLOCK / 4;
		b = fresh ? calloc(1, sizeof(*b) + bsize)
		          : malloc(sizeof(*b) + bsize);
		if (b == NULL)
			return NULL;
		b->size = bsize;
		b->used = 0;
		a->footprint += sizeof(*b) + bsize;
		if (a->head != NULL && size > ARENA_BLOCK / 4) {
			/* Keep filling the current block after this one. */
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	void *p = b->data + b->used;
	b->used += size;
	if (!fresh)
		memset(p, 0, size);
	return p;
}

void *arena_memdup(struct arena *a, const void *p, size_t size)
{
	void *d = arena_alloc(a, size);
	if (d != NULL && size > 0)
		memcpy(d, p, size);
	return d;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_memdup(a, s, strlen(s) + 1);
}

size_t arena_footprint(const struct arena *a)
{
	return a->footprint;
}

void arena_adopt(struct arena *dst, struct arena *src)
{
	if (src == NULL)
		return;
	struct arena_block *last = src->head;
	if (last != NULL) {
		while (last->next != NULL)
			last = last->next;
		/* Behind dst's head, which stays the block being filled. */
		if (dst->head != NULL) {
			last->next = dst->head->next;
			dst->head->next = src->head;
		} else {
			dst->head = src->head;
		}
	}
	dst->footprint += src->footprint;
	free(src);
}

void arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	struct arena_block *b = a->head;
	while (b != NULL) {
		struct arena_block *n = b->next;
		free(b);
		b = n;
	}
	free(a);
}
