/* parser.c - the loader's errors, arena memory and small containers. */
#include "conf/parser.h"
#include "base/arena.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* One message at PATH:LINE, an error or a warning. */
static void config_report(struct config_parser *p, unsigned line, bool warn,
                          const char *fmt, va_list ap)
{
	char msg[768];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (warn)
		diag_warn(p->diag, p->path, line, "%s", msg);
	else
		diag_add(p->diag, p->path, line, "%s", msg);
}

void config_err(struct config_parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	config_report(p, line, false, fmt, ap);
	va_end(ap);
}

void config_warn(struct config_parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	config_report(p, line, true, fmt, ap);
	va_end(ap);
}

void *config_alloc(struct config_parser *p, size_t size)
{
	void *m = arena_alloc(p->arena, size);
	if (m == NULL)
		p->oom = true;
	return m;
}

char *config_strdup(struct config_parser *p, const char *s)
{
	char *d = arena_strdup(p->arena, s);
	if (d == NULL)
		p->oom = true;
	return d;
}

void *config_vec_push(struct config_parser *p, struct config_vec *v,
                      size_t size)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		void *items = config_alloc(p, cap * size);
		if (items == NULL)
			return NULL;
		if (v->n > 0)
			memcpy(items, v->items, v->n * size);
		v->items = items;
		v->cap = cap;
	}
	void *e = (char *)v->items + v->n * size;
	memset(e, 0, size);
	v->n++;
	return e;
}

static size_t config_hash(const void *key, size_t len)
{
	/* FNV-1a, as dname_hash: keys are short. */
	const unsigned char *k = key;
	size_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= k[i];
		h *= 16777619u;
	}
	return h;
}

static struct config_map_ent *config_map_slot(struct config_map_ent *ents,
                                              size_t cap, const void *key,
                                              size_t len)
{
	size_t i = config_hash(key, len) & (cap - 1);
	while (ents[i].key != NULL &&
	       !(ents[i].len == len && memcmp(ents[i].key, key, len) == 0))
		i = (i + 1) & (cap - 1);
	return &ents[i];
}

bool config_map_get(const struct config_map *m, const void *key, size_t len,
                    size_t *val)
{
	if (m->cap == 0)
		return false;
	struct config_map_ent *e = config_map_slot(m->ents, m->cap, key, len);
	if (e->key == NULL)
		return false;
	*val = e->val;
	return true;
}

int config_map_put(struct config_parser *p, struct config_map *m,
                   const void *key, size_t len, size_t val, size_t *old)
{
	if (config_map_get(m, key, len, old))
		return 1;
	if ((m->n + 1) * 2 > m->cap) {
		/* Half full at most keeps probe runs short. */
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct config_map_ent *ents =
		    config_alloc(p, cap * sizeof(*ents));
		if (ents == NULL)
			return 0;
		for (size_t i = 0; i < m->cap; i++) {
			if (m->ents[i].key == NULL)
				continue;
			*config_map_slot(ents, cap, m->ents[i].key,
			                 m->ents[i].len) = m->ents[i];
		}
		m->ents = ents;
		m->cap = cap;
	}
	struct config_map_ent *e = config_map_slot(m->ents, m->cap, key, len);
	e->key = key;
	e->len = len;
	e->val = val;
	m->n++;
	return 0;
}

/* A relative path is taken from the INI file's folder, as NSD and Knot do,
 * so that "dnsd -c /etc/dnsd/dnsd.ini" works from any working directory. */
const char *config_resolve(struct config_parser *p, const char *path)
{
	const char *dir = p->cfg->dir;
	if (path[0] == '/' || strcmp(dir, ".") == 0)
		return config_strdup(p, path);
	size_t dl = strlen(dir), pl = strlen(path);
	char *r = config_alloc(p, dl + 1 + pl + 1);
	if (r == NULL)
		return NULL;
	memcpy(r, dir, dl);
	r[dl] = '/';
	memcpy(r + dl + 1, path, pl + 1);
	return r;
}

const char *config_label(struct config_parser *p, const char *type,
                         const char *name)
{
	size_t n = strlen(type) + strlen(name) + 4;
	char *l = config_alloc(p, n);
	if (l != NULL)
		snprintf(l, n, "[%s %s]", type, name);
	return l;
}
