/* schema.c - the key table of each section (name, type, default, range,
 * setter), the section table, and what runs them: the one section opener,
 * applying a key's row to its value, defaults and required keys.
 *
 * The tables are the single source of truth for names, types, defaults
 * and ranges: a default is applied by running the key's own parser on its
 * default text, so conf/dnsd.ini, the tests and the code cannot disagree
 * about what a default means. Adding a key = a row here, a field in
 * config.h, a paragraph in conf/dnsd.ini and a test. */
#include "conf/parser.h"

#include <stdio.h>
#include <string.h>

/* One macro per row type keeps each row on one line. */
#define K_UINT(n, off, def, lo, hi)                                            \
	{                                                                      \
		n, CK_UINT, 0, off, def, lo, hi, 0, 0                          \
	}
#define K_U16(n, off, def, lo, hi)                                             \
	{                                                                      \
		n, CK_U16, 0, off, def, lo, hi, 0, 0                           \
	}
#define K_U32(n, off, def, lo, hi)                                             \
	{                                                                      \
		n, CK_U32, 0, off, def, lo, hi, 0, 0                           \
	}
#define K_DUR(n, off, def, lo, hi)                                             \
	{                                                                      \
		n, CK_DURATION, 0, off, def, lo, hi, 0, 0                      \
	}
#define K_BOOL(n, off, def)                                                    \
	{                                                                      \
		n, CK_BOOL, 0, off, def, 0, 0, 0, 0                            \
	}
#define K_STR(n, off)                                                          \
	{                                                                      \
		n, CK_STRING, 0, off, 0, 0, 0, 0, 0                            \
	}
#define K_PATH(n, off, fl)                                                     \
	{                                                                      \
		n, CK_PATH, fl, off, 0, 0, 0, 0, 0                             \
	}
#define K_ENUM(n, off, def, e)                                                 \
	{                                                                      \
		n, CK_ENUM, 0, off, def, 0, 0, e, 0                            \
	}
#define K_FUNC(n, set, def, fl)                                                \
	{                                                                      \
		n, CK_FUNC, fl, 0, def, 0, 0, 0, set                           \
	}

#define SRV(f) offsetof(struct config_pserver, pub.f)
#define ZON(f) offsetof(struct config_pzone, pub.f)
#define CHK(f) offsetof(struct config_pcheck, pub.f)
#define CLU(f) offsetof(struct config_pcluster, pub.f)
#define REC(f) offsetof(struct config_precord, pub.f)

/* clang-format off */
static const struct config_key config_server_keys[] = {
	K_FUNC("listen", config_set_listen, "0.0.0.0:53, [::]:53", KEY_REPEAT),
	/* More UDP workers than this is a typo, not a machine. */
	K_UINT("threads", SRV(threads), "0", 0, 1024),
	/* RFC 6891 section 6.2.5: below 512 is treated as 512; 4096 is the
	 * usual ceiling; 1232 avoids IP fragmentation (DNS flag day 2020). */
	K_UINT("udp_payload", SRV(udp_payload), "1232", 512, 4096),
	/* 100ms..1h: shorter cuts slow clients off mid-query, longer only
	 * holds file descriptors. */
	K_DUR("tcp_idle_timeout", SRV(tcp_idle_timeout_ms), "10s", 100,
	      3600000),
	K_UINT("tcp_max_clients", SRV(tcp_max_clients), "1024", 1, 1000000),
	K_BOOL("ecs", SRV(ecs), "yes"),
	K_PATH("geoip", SRV(geoip), 0),
	K_FUNC("control", config_set_control, NULL, 0),
	K_STR("user", SRV(user)),
	K_PATH("control_socket", SRV(control_socket), 0),
	K_PATH("state_file", SRV(state_file), 0),
	K_FUNC("log_level", config_set_log_level, "info", 0),
	K_UINT("rrl", SRV(rrl), "0", 0, 1000000),
	/* Knot DNS allows 0..100 for its slip too. */
	K_UINT("rrl_slip", SRV(rrl_slip), "2", 0, 100),
	K_FUNC("explain", config_set_explain, "127.0.0.0/8, ::1/128", 0),
	K_FUNC("dnstap", config_set_dnstap, NULL, 0),
	/* No default text: the host name and DNSD_VERSION, filled in by
	 * dnsd/dnstap when the sink is built. */
	K_STR("dnstap_identity", SRV(dnstap_identity)),
	K_STR("dnstap_version", SRV(dnstap_version)),
};

static const struct config_key config_zone_keys[] = {
	K_PATH("file", ZON(file), KEY_REQUIRED),
	/* SPEC 9: key pairs; checked (and read) when the zone is loaded. */
	K_FUNC("key", config_set_zone_key, NULL, KEY_REPEAT),
	K_FUNC("publish", config_set_zone_publish, NULL, KEY_REPEAT),
};

static const struct config_enum config_check_types[] = {
	{"http", CHECK_HTTP},
	{"https", CHECK_HTTPS},
	{"tcp", CHECK_TCP},
	{NULL, 0},
};

static const struct config_key config_check_keys[] = {
	K_ENUM("type", CHK(type), "http", config_check_types),
	/* No default text: 80 or 443 by type, set once the file is read. */
	K_U16("port", CHK(port), NULL, 1, 65535),
	K_FUNC("path", config_set_check_path, "/health", 0),
	K_FUNC("host", config_set_check_host, NULL, 0),
	K_FUNC("expect", config_set_expect, "200", 0),
	K_STR("body", CHK(body)),
	/* 100ms..1h: faster probing loads the backends for no gain in
	 * detection; slower is no longer a health check. */
	K_DUR("interval", CHK(interval_ms), "5s", 100, 3600000),
	K_DUR("timeout", CHK(timeout_ms), "2s", 10, 3600000),
	/* 100 consecutive results is minutes to hours: a typo beyond. */
	K_UINT("rise", CHK(rise), "2", 1, 100),
	K_UINT("fall", CHK(fall), "3", 1, 100),
	K_BOOL("verify_tls", CHK(verify_tls), "yes"),
	K_FUNC("ca_file", config_set_ca_file, NULL, 0),
};

static const struct config_key config_cluster_keys[] = {
	K_FUNC("location", config_set_location, NULL, 0),
	K_FUNC("member", config_set_member, NULL, KEY_REPEAT | KEY_REQUIRED),
	K_FUNC("check", config_set_cluster_check, NULL, 0),
	K_UINT("min_healthy", CLU(min_healthy), "1", 1, 65535),
};

static const struct config_enum config_policies[] = {
	{"geo", LB_POLICY_GEO},
	{"weighted", LB_POLICY_WEIGHTED},
	{"failover", LB_POLICY_FAILOVER},
	{NULL, 0},
};

static const struct config_enum config_all_downs[] = {
	{"serve", LB_ALL_DOWN_SERVE},
	{"nodata", LB_ALL_DOWN_NODATA},
	{"servfail", LB_ALL_DOWN_SERVFAIL},
	{NULL, 0},
};

static const struct config_key config_record_keys[] = {
	K_ENUM("policy", REC(policy), "geo", config_policies),
	/* Repeatable: the lines append, in order (a long list does not fit
	 * one INI line). */
	K_FUNC("clusters", config_set_clusters, NULL,
	       KEY_REPEAT | KEY_REQUIRED),
	/* RFC 2181 section 8: a TTL is at most 2^31 - 1. */
	K_U32("ttl", REC(ttl), "30", 0, 2147483647),
	/* 64 addresses already overflow a 1232-byte UDP answer for AAAA. */
	K_UINT("answers", REC(answers), "1", 1, 64),
	K_ENUM("all_down", REC(all_down), "serve", config_all_downs),
};
/* clang-format on */

/* Offsets of what the opener fills in a named section's pending object. */
#define NAMED(type, vec, map)                                                  \
	.vec_off = offsetof(struct config_parser, vec),                        \
	.map_off = offsetof(struct config_parser, map), .size = sizeof(type),  \
	.name_off = offsetof(type, pub.name),                                  \
	.line_off = offsetof(type, pub.line), .pub_off = offsetof(type, pub),  \
	.pub_size = sizeof(((type *)0)->pub),                                  \
	.out_off = offsetof(struct config, vec),                               \
	.nout_off = offsetof(struct config, n##vec)
#define DNAMED(type, vec, map)                                                 \
	NAMED(type, vec, map), .dname_off = offsetof(type, pub.dname),         \
	                       .dname_len_off = offsetof(type, pub.dname_len)
#define KEYS(t)    .keys = (t), .nkeys = DNSD_ARRAY_LEN(t)
#define IDENT_HINT "letters, digits, '-', '_', '.'"

static const struct config_sectdef config_sections[] = {
    {.name = "server", .kind = SECT_SERVER, KEYS(config_server_keys)},
    {.name = "zone",
     .kind = SECT_ZONE,
     .naming = NAMING_DNAME,
     KEYS(config_zone_keys),
     .what = "zone",
     .hint = "",
     DNAMED(struct config_pzone, zones, zone_map)},
    {.name = "check",
     .kind = SECT_CHECK,
     .naming = NAMING_IDENT,
     KEYS(config_check_keys),
     .what = "check profile",
     .hint = " (" IDENT_HINT "; not \"none\")",
     .reserved = "none",
     NAMED(struct config_pcheck, checks, check_map)},
    {.name = "cluster",
     .kind = SECT_CLUSTER,
     .naming = NAMING_IDENT,
     KEYS(config_cluster_keys),
     .what = "cluster",
     .hint = " (" IDENT_HINT ")",
     NAMED(struct config_pcluster, clusters, cluster_map)},
    {.name = "record",
     .kind = SECT_RECORD,
     .naming = NAMING_DNAME,
     KEYS(config_record_keys),
     .what = "record",
     .hint = "",
     /* A wildcard owner would only ever match the literal "*" name:
      * load-balanced answers are given at exact names (SPEC 3). */
     .exact = true,
     DNAMED(struct config_precord, records, record_map)},
    {.name = "networks", .kind = SECT_NETWORKS},
};

_Static_assert(DNSD_ARRAY_LEN(config_server_keys) <= CONFIG_KEYS_MAX,
               "raise CONFIG_KEYS_MAX");
_Static_assert(DNSD_ARRAY_LEN(config_check_keys) <= CONFIG_KEYS_MAX,
               "raise CONFIG_KEYS_MAX");
_Static_assert(sizeof(enum check_type) == sizeof(int) &&
                   sizeof(enum lb_policy) == sizeof(int) &&
                   sizeof(enum lb_all_down) == sizeof(int),
               "CK_ENUM stores an int");
/* The opener and config_current find the header at the object's start. */
_Static_assert(offsetof(struct config_pserver, h) == 0 &&
                   offsetof(struct config_pzone, h) == 0 &&
                   offsetof(struct config_pcheck, h) == 0 &&
                   offsetof(struct config_pcluster, h) == 0 &&
                   offsetof(struct config_precord, h) == 0,
               "struct config_obj first");

const struct config_sectdef *config_sectdef(enum config_sect kind)
{
	for (size_t i = 0; i < DNSD_ARRAY_LEN(config_sections); i++)
		if (config_sections[i].kind == kind)
			return &config_sections[i];
	return NULL;
}

/* ----------------------------------------------------------------------
 * Running a key
 */

static int config_apply(struct config_parser *p, const struct config_key *k,
                        void *obj, const char *value, char *why, size_t whylen)
{
	void *field = (char *)obj + k->off;
	unsigned long long v;
	char lo[32], hi[32];

	switch (k->type) {
	case CK_UINT:
	case CK_U16:
	case CK_U32:
		if (config_parse_ull(value, &v) < 0 || v < k->min ||
		    v > k->max) {
			snprintf(why, whylen,
			         "must be an integer from %llu to %llu", k->min,
			         k->max);
			return -1;
		}
		if (k->type == CK_UINT)
			*(unsigned *)field = (unsigned)v;
		else if (k->type == CK_U16)
			*(uint16_t *)field = (uint16_t)v;
		else
			*(uint32_t *)field = (uint32_t)v;
		return 0;
	case CK_DURATION: {
		unsigned ms;
		if (config_parse_duration(value, &ms) < 0 || ms < k->min ||
		    ms > k->max) {
			config_fmt_ms(k->min, lo, sizeof(lo));
			config_fmt_ms(k->max, hi, sizeof(hi));
			snprintf(why, whylen,
			         "must be a duration from %s to %s (like "
			         "500ms, 2s, 1m)",
			         lo, hi);
			return -1;
		}
		*(unsigned *)field = ms;
		return 0;
	}
	case CK_BOOL:
		if (config_parse_bool(value, (bool *)field) < 0) {
			snprintf(why, whylen, "must be yes or no");
			return -1;
		}
		return 0;
	case CK_STRING:
		*(const char **)field = config_strdup(p, value);
		return 0;
	case CK_PATH:
		*(const char **)field = config_resolve(p, value);
		return 0;
	case CK_ENUM: {
		size_t o = 0;
		for (const struct config_enum *e = k->enums; e->name; e++) {
			if (strcmp(e->name, value) == 0) {
				*(int *)field = e->value;
				return 0;
			}
		}
		o += (size_t)snprintf(why, whylen, "must be one of");
		for (const struct config_enum *e = k->enums; e->name; e++) {
			if (o < whylen)
				o += (size_t)snprintf(
				    why + o, whylen - o, "%s %s",
				    e == k->enums ? "" : ",", e->name);
		}
		return -1;
	}
	case CK_FUNC:
		return k->set(p, obj, value, why, whylen);
	}
	snprintf(why, whylen, "unknown key type");
	return -1;
}

unsigned config_seen(enum config_sect kind, const struct config_obj *h,
                     const char *name)
{
	const struct config_sectdef *sd = config_sectdef(kind);
	for (size_t i = 0; i < sd->nkeys; i++)
		if (strcmp(sd->keys[i].name, name) == 0)
			return h->seen[i];
	return 0;
}

void config_apply_defaults(struct config_parser *p,
                           const struct config_sectdef *sd, void *obj,
                           const struct config_obj *h)
{
	for (size_t i = 0; i < sd->nkeys; i++) {
		const struct config_key *k = &sd->keys[i];
		char why[256];
		/* A rejected value falls back to the default too, so later
		 * checks (timeout < interval) do not pile on a second error. */
		if ((h->seen[i] != 0 && !h->bad[i]) || k->def == NULL)
			continue;
		unsigned saved = p->line;
		p->line = 0;
		if (config_apply(p, k, obj, k->def, why, sizeof(why)) < 0)
			config_err(p, h->line,
			           "bad built-in default for %s: %s", k->name,
			           why);
		p->line = saved;
	}
}

void config_required(struct config_parser *p, const struct config_sectdef *sd,
                     const struct config_obj *h)
{
	for (size_t i = 0; i < sd->nkeys; i++) {
		if ((sd->keys[i].flags & KEY_REQUIRED) && h->seen[i] == 0)
			config_err(p, h->line, "%s has no %s key", h->label,
			           sd->keys[i].name);
	}
}

/* ----------------------------------------------------------------------
 * Sections
 */

#define FIELD(obj, off, type) ((type *)(void *)((char *)(obj) + (off)))

static struct config_vec *config_sect_vec(struct config_parser *p,
                                          const struct config_sectdef *sd)
{
	return FIELD(p, sd->vec_off, struct config_vec);
}

/* The pending object of the current section, or NULL. */
static struct config_obj *config_current(struct config_parser *p,
                                         const struct config_sectdef *sd)
{
	if (sd->kind == SECT_SERVER)
		return p->server_dup ? &p->server_dup->h : &p->server->h;
	if (sd->naming == NAMING_NONE)
		return NULL;
	struct config_vec *v = config_sect_vec(p, sd);
	return (struct config_obj *)((char *)v->items + p->cur * sd->size);
}

struct config_pserver *config_new_server(struct config_parser *p)
{
	struct config_pserver *s = config_alloc(p, sizeof(*s));
	if (s != NULL)
		s->h.label = "[server]";
	return s;
}

static void config_dup_section(struct config_parser *p, const char *label,
                               unsigned first)
{
	if (first > 0)
		config_err(p, p->line,
		           "duplicate section %s (first at line %u)", label,
		           first);
	else
		config_err(p, p->line, "duplicate section %s", label);
}

/* Why name cannot name this section, or NULL; for NAMING_DNAME the
 * lower-case wire name goes to dname. */
static bool config_name_valid(const struct config_sectdef *sd, const char *name,
                              uint8_t *dname, size_t *dname_len)
{
	if (sd->naming == NAMING_IDENT)
		return config_name_ok(name) &&
		       (sd->reserved == NULL ||
		        strcmp(name, sd->reserved) != 0);
	int n = dname_from_str(name, dname);
	if (n < 0)
		return false;
	*dname_len = (size_t)n;
	dname_tolower(dname, dname, *dname_len);
	return true;
}

/* [type name] of a named section: a new pending object, its name checked
 * and indexed. A built-in object of that name (line 0: [check default])
 * is taken over by its first section instead. */
static void config_open_named(struct config_parser *p,
                              const struct config_sectdef *sd, const char *name)
{
	struct config_vec *vec = config_sect_vec(p, sd);
	struct config_map *map = FIELD(p, sd->map_off, struct config_map);
	uint8_t dname[DNAME_MAXLEN];
	size_t dlen = 0, old;
	bool valid = config_name_valid(sd, name, dname, &dlen);
	const void *key = sd->naming == NAMING_DNAME ? (const void *)dname
	                                             : (const void *)name;
	size_t klen = sd->naming == NAMING_DNAME ? dlen : strlen(name);

	if (valid && config_map_get(map, key, klen, &old)) {
		struct config_obj *b =
		    (struct config_obj *)((char *)vec->items + old * sd->size);
		if (b->line == 0) {
			b->line = p->line;
			b->label = config_label(p, sd->name, name);
			*FIELD(b, sd->line_off, unsigned) = p->line;
			p->cur = old;
			return;
		}
	}
	char *obj = config_vec_push(p, vec, sd->size);
	if (obj == NULL)
		return;
	struct config_obj *h = (struct config_obj *)obj;
	p->cur = vec->n - 1;
	h->line = p->line;
	h->label = config_label(p, sd->name, name);
	const char *copy = config_strdup(p, name);
	*FIELD(obj, sd->name_off, const char *) = copy;
	*FIELD(obj, sd->line_off, unsigned) = p->line;
	if (!valid) {
		config_err(p, p->line, "invalid %s name \"%s\"%s", sd->what,
		           name, sd->hint);
		h->ignored = true;
		return;
	}
	if (sd->naming == NAMING_DNAME) {
		/* The map's key must live as long as the arena. */
		key = memcpy(FIELD(obj, sd->dname_off, uint8_t), dname, dlen);
		*FIELD(obj, sd->dname_len_off, size_t) = dlen;
		if (sd->exact && dname[0] == 1 && dname[1] == '*') {
			config_err(p, p->line,
			           "%s name \"%s\" is a wildcard; "
			           "load-balanced names must be exact",
			           sd->what, name);
			h->ignored = true;
			return;
		}
	} else {
		key = copy;
	}
	if (key != NULL &&
	    config_map_put(p, map, key, klen, p->cur, &old) == 1) {
		const struct config_obj *first =
		    (const struct config_obj *)((char *)vec->items +
		                                old * sd->size);
		config_dup_section(p, h->label, first->line);
		h->ignored = true;
	}
}

/* [server] and [networks]: one each per file. */
static void config_open_single(struct config_parser *p,
                               const struct config_sectdef *sd)
{
	if (sd->kind == SECT_NETWORKS) {
		if (p->networks_line != 0)
			config_dup_section(p, "[networks]", p->networks_line);
		else
			p->networks_line = p->line;
		return;
	}
	struct config_pserver *s = config_new_server(p);
	if (s == NULL) {
		p->kind = SECT_SKIP;
		return;
	}
	s->h.line = p->line;
	if (p->server != NULL) {
		config_dup_section(p, "[server]", p->server->h.line);
		/* Still check its keys, into an object nobody uses. */
		p->server_dup = s;
		return;
	}
	p->server = s;
	p->server_dup = NULL;
}

void config_open_section(struct config_parser *p, char *s)
{
	size_t len = strlen(s);
	p->kind = SECT_SKIP;
	if (s[len - 1] != ']') {
		config_err(p, p->line, "section header %s has no closing ']'",
		           s);
		return;
	}
	s[len - 1] = '\0';
	len -= 2;
	const char *in = config_trim(s + 1, &len);
	char *body = s + 1;
	memmove(body, in, len);
	body[len] = '\0';

	char *name = body;
	while (*name != '\0' && !config_is_space(*name))
		name++;
	if (*name != '\0') {
		*name++ = '\0';
		while (config_is_space(*name))
			name++;
	}

	const struct config_sectdef *sd = NULL;
	for (size_t i = 0; i < DNSD_ARRAY_LEN(config_sections); i++)
		if (strcmp(config_sections[i].name, body) == 0)
			sd = &config_sections[i];
	if (sd == NULL) {
		config_err(p, p->line, "unknown section [%s%s%s]", body,
		           *name ? " " : "", name);
		return;
	}
	bool named = sd->naming != NAMING_NONE;
	if (named && *name == '\0') {
		config_err(p, p->line, "section [%s] needs a name: [%s NAME]",
		           body, body);
		return;
	}
	if (!named && *name != '\0') {
		config_err(p, p->line, "section [%s] takes no name", body);
		return;
	}
	p->kind = sd->kind;
	if (named)
		config_open_named(p, sd, name);
	else
		config_open_single(p, sd);
	if (p->oom)
		p->kind = SECT_SKIP;
}

void config_run_key(struct config_parser *p, const char *key, const char *value)
{
	char why[320];

	if (p->kind == SECT_SKIP)
		return;
	if (p->kind == SECT_NONE) {
		config_err(p, p->line, "key \"%s\" is outside any section",
		           key);
		return;
	}
	if (p->kind == SECT_NETWORKS) {
		if (*value == '\0')
			config_err(p, p->line,
			           "network %s in [networks] has no value",
			           key);
		else
			config_network_line(p, key, value);
		return;
	}

	const struct config_sectdef *sd = config_sectdef(p->kind);
	struct config_obj *h = sd != NULL ? config_current(p, sd) : NULL;
	if (h == NULL)
		return;
	size_t i;
	for (i = 0; i < sd->nkeys; i++)
		if (strcmp(sd->keys[i].name, key) == 0)
			break;
	if (i == sd->nkeys) {
		config_err(p, p->line, "unknown key \"%s\" in %s", key,
		           h->label);
		return;
	}
	const struct config_key *k = &sd->keys[i];
	if (h->seen[i] != 0 && !(k->flags & KEY_REPEAT)) {
		config_err(p, p->line,
		           "duplicate key \"%s\" in %s (first at line %u)", key,
		           h->label, h->seen[i]);
		return;
	}
	if (h->seen[i] == 0)
		h->seen[i] = p->line;
	if (*value == '\0') {
		h->bad[i] = true;
		config_err(p, p->line, "key \"%s\" in %s has no value", key,
		           h->label);
		return;
	}
	why[0] = '\0';
	if (config_apply(p, k, h, value, why, sizeof(why)) < 0) {
		h->bad[i] = true;
		config_err(p, p->line, "invalid %s \"%s\" in %s: %s", key,
		           value, h->label, why);
	}
}
