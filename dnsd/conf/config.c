/* config.c - loads the INI configuration (SPEC section 2): sets up the
 * parser, has ini_reader.c read the file, checks.c resolve it, and copies
 * the result into one struct config in its own arena. parser.h says which
 * file does what. */
#include "conf/config.h"
#include "base/arena.h"
#include "conf/parser.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copy the public part of each pending object into the final array. */
static void *config_collect(struct config_parser *p, const struct config_vec *v,
                            size_t size, size_t pub_off, size_t pub_size)
{
	char *out = config_alloc(p, (v->n + 1) * pub_size);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		memcpy(out + i * pub_size,
		       (char *)v->items + i * size + pub_off, pub_size);
	return out;
}

static void config_finish(struct config_parser *p)
{
	struct config *cfg = p->cfg;

	if (p->server == NULL) {
		p->server = config_new_server(p);
		if (p->server == NULL)
			return;
	}
	struct config_pserver *s = p->server;
	config_apply_defaults(p, config_sectdef(SECT_SERVER), s, &s->h);
	s->pub.listen = s->listen.items;
	s->pub.nlisten = s->listen.n;
	s->pub.explain = s->explain.items;
	s->pub.nexplain = s->explain.n;
	s->pub.geoip_line = config_seen(SECT_SERVER, &s->h, "geoip");
	s->pub.user_line = config_seen(SECT_SERVER, &s->h, "user");
	cfg->server = s->pub;

	config_finish_zones(p);
	config_finish_checks(p);
	config_finish_clusters(p);
	config_finish_records(p);
	config_finish_networks(p);
	if (p->oom)
		return;

	static const enum config_sect named[] = {SECT_ZONE, SECT_CHECK,
	                                         SECT_CLUSTER, SECT_RECORD};
	for (size_t i = 0; i < DNSD_ARRAY_LEN(named); i++) {
		const struct config_sectdef *sd = config_sectdef(named[i]);
		const struct config_vec *v =
		    (const struct config_vec *)((const char *)p + sd->vec_off);
		*(void **)((char *)cfg + sd->out_off) =
		    config_collect(p, v, sd->size, sd->pub_off, sd->pub_size);
		*(size_t *)((char *)cfg + sd->nout_off) = v->n;
	}
	cfg->networks =
	    config_collect(p, &p->networks, sizeof(struct config_pnetwork),
	                   offsetof(struct config_pnetwork, pub),
	                   sizeof(struct config_network));
	cfg->nnetworks = p->networks.n;
	if (p->oom)
		return;
	for (size_t i = 0; i < cfg->nclusters; i++) {
		const struct config_pcluster *c =
		    CONFIG_AT(p->clusters, struct config_pcluster, i);
		cfg->clusters[i].check =
		    c->check_none ? NULL : &cfg->checks[c->check_index];
	}
}

static const char *config_dirname(struct config_parser *p, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return ".";
	if (slash == path)
		return "/";
	size_t n = (size_t)(slash - path);
	char *d = config_alloc(p, n + 1);
	if (d != NULL)
		memcpy(d, path, n);
	return d;
}

static int config_load_impl(const char *path, struct config **out,
                            struct diag *diag, bool keep_partial);

int config_load(const char *path, struct config **out, struct diag *diag)
{
	return config_load_impl(path, out, diag, false);
}

int config_load_partial(const char *path, struct config **out,
                        struct diag *diag)
{
	return config_load_impl(path, out, diag, true);
}

static int config_load_impl(const char *path, struct config **out,
                            struct diag *diag, bool keep_partial)
{
	struct config_parser p;
	size_t before = diag->count;
	int rc = -1;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.diag = diag;
	p.path = path;
	p.arena = arena_new();
	if (p.arena == NULL) {
		diag_add(diag, path, 0, "out of memory");
		return -1;
	}
	p.cfg = config_alloc(&p, sizeof(*p.cfg));
	if (p.cfg == NULL)
		goto out;
	p.cfg->arena = p.arena;
	p.cfg->path = config_strdup(&p, path);
	p.cfg->dir = config_dirname(&p, path);
	if (p.oom)
		goto out;

	/* checks[0]: the built-in profile for clusters without a check key. */
	struct config_pcheck *d = config_vec_push(&p, &p.checks, sizeof(*d));
	size_t old;
	if (d == NULL)
		goto out;
	d->pub.name = "default";
	d->h.label = "[check default]";
	config_map_put(&p, &p.check_map, "default", 7, 0, &old);

	p.fp = fopen(path, "r");
	if (p.fp == NULL) {
		char eb[128];
		diag_add(diag, path, 0, "cannot open: %s",
		         strerror_r(errno, eb, sizeof(eb)));
		goto out;
	}
	(void)config_ini_read(&p);
	config_finish(&p);
	if (p.oom)
		diag_add(diag, path, 0, "out of memory");
	if (diag->count == before)
		rc = 0;
out:
	if (p.fp != NULL)
		fclose(p.fp);
	free(p.buf);
	if (rc == 0 || (keep_partial && !p.oom && p.cfg != NULL &&
	                diag->count > before && p.read_ok)) {
		*out = p.cfg;
	} else {
		if (p.oom && diag->count == before)
			diag_add(diag, path, 0, "out of memory");
		arena_free(p.arena);
	}
	return rc;
}

void config_free(struct config *cfg)
{
	if (cfg != NULL)
		arena_free(cfg->arena);
}
