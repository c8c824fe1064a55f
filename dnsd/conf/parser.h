/* parser.h - the INI loader's private state, shared by the files of conf/.
 * Nothing outside dnsd/conf includes it: the public API is config.h.
 *
 * How a load runs (config.c orchestrates):
 * - ini_reader.c feeds inih one cleaned-up line at a time, counting lines
 *   and opening sections itself, and hands each KEY = VALUE to the key
 *   table (schema.c);
 * - schema.c holds one table per section (name, type, default, range,
 *   setter) and runs a key's row on its value; setters.c holds the setters
 *   of keys that are not a plain type; values.c the value parsers;
 * - checks.c resolves what refers to other sections once the whole file is
 *   read (clusters, checks, zones), so sections may come in any order;
 * - config.c copies the pending objects into the final struct config.
 * All memory is the configuration's arena: nothing is freed one by one. */
#ifndef DNSD_CONF_PARSER_H
#define DNSD_CONF_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/compat.h"
#include "conf/config.h"

/* More keys than any section has; raise it when a table grows past it. */
#define CONFIG_KEYS_MAX 24
/* Names of clusters and checks end up in metric labels and JSON: keep them
 * to a safe alphabet and a sane length. */
#define CONFIG_NAME_MAX 63

enum config_sect {
	SECT_NONE, /* before the first section header */
	SECT_SKIP, /* unknown or broken header: its keys are ignored */
	SECT_SERVER,
	SECT_ZONE,
	SECT_CHECK,
	SECT_CLUSTER,
	SECT_RECORD,
	SECT_NETWORKS,
};

/* An arena-backed growable array; old copies stay in the arena until it is
 * freed, which costs at most as much again and needs no cleanup. */
struct config_vec {
	void *items;
	size_t n;
	size_t cap;
};

#define CONFIG_AT(vec, type, i) (&((type *)(vec).items)[i])

/* Name (bytes) -> index, open addressing, in the arena. */
struct config_map_ent {
	const void *key;
	size_t len;
	size_t val;
};

struct config_map {
	struct config_map_ent *ents;
	size_t cap;
	size_t n;
};

/* What every section object carries while it is being read; always the
 * first member of a pending object, so one opener serves every section. */
struct config_obj {
	const char *label; /* "[cluster eu-west]", for messages */
	unsigned line;     /* of the section header, 0 = built in */
	bool ignored;      /* duplicate or bad name: not indexed */
	unsigned seen[CONFIG_KEYS_MAX]; /* line of each key's first use */
	bool bad[CONFIG_KEYS_MAX];      /* its value was rejected */
};

struct config_pserver {
	struct config_obj h;
	struct config_server pub;
	struct config_vec listen;  /* struct config_sockaddr */
	struct config_vec explain; /* struct config_prefix */
};

struct config_pzone {
	struct config_obj h;
	struct config_zone pub;
	struct config_vec keys; /* struct config_zone_key */
};

struct config_pcheck {
	struct config_obj h;
	struct config_check pub;
};

struct config_pcluster {
	struct config_obj h;
	struct config_cluster pub;
	struct config_vec members; /* struct config_member */
	const char *check_name;    /* NULL: default profile or none */
	bool check_none;
	size_t check_index;
};

/* One name of a record's clusters key, with the line that listed it:
 * the key may be repeated, so a long list fits inih's line limit. */
struct config_pname {
	const char *name;
	unsigned line;
};

struct config_precord {
	struct config_obj h;
	struct config_record pub;
	struct config_vec names; /* struct config_pname, the clusters keys */
};

struct config_pnetwork {
	struct config_network pub;
	const char *cluster_name; /* NULL for LAT, LON */
};

struct config_parser {
	struct config *cfg;
	struct arena *arena;
	struct diag *diag;
	const char *path;
	FILE *fp;
	bool read_ok; /* the whole file was read (errors or not) */
	char *buf;
	size_t bufcap;
	unsigned line;
	bool oom;

	enum config_sect kind;
	size_t cur; /* index of the current object in its vector */

	struct config_pserver *server;     /* NULL until [server] or the end */
	struct config_pserver *server_dup; /* a second [server], checked only */
	unsigned networks_line;
	struct config_vec zones;    /* struct config_pzone */
	struct config_vec checks;   /* struct config_pcheck, [0] = default */
	struct config_vec clusters; /* struct config_pcluster */
	struct config_vec records;  /* struct config_precord */
	struct config_vec networks; /* struct config_pnetwork */
	struct config_map zone_map, check_map, cluster_map, record_map;
	struct config_map network_map;
};

/* --- the key table (schema.c) --- */

enum config_ktype {
	CK_UINT,     /* unsigned */
	CK_U16,      /* uint16_t */
	CK_U32,      /* uint32_t */
	CK_DURATION, /* unsigned milliseconds; min and max in ms */
	CK_BOOL,
	CK_STRING, /* const char *, copied into the arena */
	CK_PATH,   /* const char *, resolved against the INI's folder */
	CK_ENUM,   /* an int-sized enum, by name */
	CK_FUNC,   /* the key's own setter */
};

#define KEY_REPEAT   1u /* may be given more than once */
#define KEY_REQUIRED 2u /* error at the section line when missing */

struct config_enum {
	const char *name;
	int value;
};

/* A setter parses value into obj (the section's pending object) and returns
 * 0, or -1 with a reason in why ("must be ..."). */
typedef int (*config_setter)(struct config_parser *p, void *obj,
                             const char *value, char *why, size_t whylen);

struct config_key {
	const char *name;
	enum config_ktype type;
	unsigned flags;  /* KEY_* */
	size_t off;      /* of the field in the pending object */
	const char *def; /* default as written in the INI, NULL = none */
	unsigned long long min, max;
	const struct config_enum *enums;
	config_setter set;
};

/* How a section's name is checked and indexed. */
enum config_naming {
	NAMING_NONE,  /* [server], [networks]: no name, one per file */
	NAMING_IDENT, /* [check NAME]: config_name_ok; key = the name */
	NAMING_DNAME, /* [zone NAME]: a domain name; key = lower-case wire */
};

struct config_sectdef {
	const char *name;
	enum config_sect kind;
	enum config_naming naming;
	const struct config_key *keys;
	size_t nkeys;
	/* Named sections: "invalid WHAT name \"N\"HINT"; a reserved name is
	 * refused as invalid; exact refuses a wildcard first label. */
	const char *what;
	const char *hint;
	const char *reserved;
	bool exact;
	/* Where their pending objects live, and the fields the opener sets in
	 * one (offsets in the pending object). */
	size_t vec_off; /* struct config_vec in struct config_parser */
	size_t map_off; /* struct config_map in struct config_parser */
	size_t size;
	size_t name_off;      /* const char * */
	size_t line_off;      /* unsigned */
	size_t dname_off;     /* uint8_t[DNAME_MAXLEN], NAMING_DNAME only */
	size_t dname_len_off; /* size_t, NAMING_DNAME only */
	/* The public part of a pending object, and the array and count in
	 * struct config it is copied to once the file is read. */
	size_t pub_off;
	size_t pub_size;
	size_t out_off;  /* T * in struct config */
	size_t nout_off; /* size_t in struct config */
};

/* The section's definition, or NULL. */
const struct config_sectdef *config_sectdef(enum config_sect kind);

/* Open the section of header line s ("[type name]", comment gone; s is
 * changed). Sets p->kind and p->cur; errors go to diag. */
void config_open_section(struct config_parser *p, char *s);

/* Run KEY = VALUE of the current section at p->line (or a [networks]
 * line): checks, applies, and reports every problem. */
void config_run_key(struct config_parser *p, const char *key,
                    const char *value);

/* Fill every key the object did not set from its default text. */
void config_apply_defaults(struct config_parser *p,
                           const struct config_sectdef *sd, void *obj,
                           const struct config_obj *h);

/* Report each KEY_REQUIRED key the object lacks, at its header line. */
void config_required(struct config_parser *p, const struct config_sectdef *sd,
                     const struct config_obj *h);

/* Line where the object first set key name, or 0. */
unsigned config_seen(enum config_sect kind, const struct config_obj *h,
                     const char *name);

/* A new [server] object (a second one is checked, then dropped). */
struct config_pserver *config_new_server(struct config_parser *p);

/* --- setters of the keys that are not a plain type (setters.c) --- */

/* Each is a config_setter. */
#define CONFIG_SETTER(name)                                                    \
	int name(struct config_parser *p, void *obj, const char *value,        \
	         char *why, size_t whylen)
CONFIG_SETTER(config_set_listen);
CONFIG_SETTER(config_set_control);
CONFIG_SETTER(config_set_log_level);
CONFIG_SETTER(config_set_explain);
CONFIG_SETTER(config_set_dnstap);
CONFIG_SETTER(config_set_check_path);
CONFIG_SETTER(config_set_check_host);
CONFIG_SETTER(config_set_expect);
CONFIG_SETTER(config_set_ca_file);
CONFIG_SETTER(config_set_location);
CONFIG_SETTER(config_set_member);
CONFIG_SETTER(config_set_cluster_check);
CONFIG_SETTER(config_set_clusters);
CONFIG_SETTER(config_set_zone_key);
CONFIG_SETTER(config_set_zone_publish);

/* A [networks] line: CIDR = CLUSTER or CIDR = LAT, LON. */
void config_network_line(struct config_parser *p, const char *cidr,
                         const char *value);

/* --- the INI file (ini_reader.c, the only user of inih) --- */

/* Read p->fp to the end, running every key. Returns 0, or -1 when inih or
 * the stream failed (already reported). */
int config_ini_read(struct config_parser *p);

/* --- cross-checks once the whole file is read (checks.c) --- */

void config_finish_zones(struct config_parser *p);
void config_finish_checks(struct config_parser *p);
void config_finish_clusters(struct config_parser *p);
void config_finish_records(struct config_parser *p);
void config_finish_networks(struct config_parser *p);

/* --- parser state: errors, memory, containers (parser.c) --- */

void config_err(struct config_parser *p, unsigned line, const char *fmt, ...)
    DNSD_PRINTF(3, 4);
/* A warning at line: said, but the load still succeeds. */
void config_warn(struct config_parser *p, unsigned line, const char *fmt, ...)
    DNSD_PRINTF(3, 4);
/* Arena memory; NULL (and p->oom set) when out of memory. */
void *config_alloc(struct config_parser *p, size_t size);
char *config_strdup(struct config_parser *p, const char *s);
/* A zeroed new element at the end of v, or NULL when out of memory. */
void *config_vec_push(struct config_parser *p, struct config_vec *v,
                      size_t size);
bool config_map_get(const struct config_map *m, const void *key, size_t len,
                    size_t *val);
/* Insert key -> val; the key bytes must outlive the map (arena). Returns 0,
 * or 1 with the existing value in *old when the key is already there. */
int config_map_put(struct config_parser *p, struct config_map *m,
                   const void *key, size_t len, size_t val, size_t *old);
/* path taken from the INI file's folder when relative. */
const char *config_resolve(struct config_parser *p, const char *path);
/* "[type name]" in the arena, for messages. */
const char *config_label(struct config_parser *p, const char *type,
                         const char *name);

/* --- value parsers for the loader (values.c; the public ones are in
 * config.h) --- */

bool config_is_space(char c);
/* Trim s[0..len) of blanks; returns the start, *len updated. */
const char *config_trim(const char *s, size_t *len);
/* Strict decimal: digits only, no sign, no blanks. Returns 0 or -1. */
int config_parse_ull(const char *s, unsigned long long *out);
/* Milliseconds as an operator would write them: "5s", "500ms", "2m". */
void config_fmt_ms(unsigned long long ms, char *buf, size_t len);
/* A cluster or check name: letters, digits, '-', '_', '.'. */
bool config_name_ok(const char *s);
/* "LAT, LON" in decimal degrees. Returns 0, or -1 with a reason. */
int config_parse_location(const char *s, double *lat, double *lon, char *why,
                          size_t whylen);
/* As config_parse_prefix, but says why: -1 syntax, -2 host bits set. */
int config_prefix_parse(const char *s, struct config_prefix *out);

/* Split a comma-separated list: calls fn on each trimmed item (a NUL
 * terminated copy). An empty item is an error. Returns 0 or -1. */
typedef int (*config_item_fn)(struct config_parser *p, void *obj,
                              const char *item, char *why, size_t whylen);
int config_each_item(struct config_parser *p, void *obj, const char *value,
                     config_item_fn fn, char *why, size_t whylen);

#endif
