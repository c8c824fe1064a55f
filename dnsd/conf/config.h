/* config.h - the INI configuration (SPEC section 2), parsed and checked.
 * config.c is the only user of inih. A struct config is immutable once
 * config_load returns it; the snapshot builder reads it, and it owns all of
 * its memory (one arena). */
#ifndef DNSD_CONFIG_H
#define DNSD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/compat.h"
#include "base/diag.h"
#include "dns/dname.h"
#include "base/log.h"

struct arena;

/* An address with optional port as written "1.2.3.4:53" or "[::1]:53". */
struct config_sockaddr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[64]; /* as the operator wrote it, for logs */
	unsigned line;
};

/* A network prefix: family AF_INET or AF_INET6, address bytes in network
 * order (4 or 16 used), host bits beyond prefix cleared. */
struct config_prefix {
	int family;
	uint8_t addr[16];
	unsigned prefix;
};

/* [server] dnstap (SPEC 10): where dnstap messages go, if anywhere. */
enum config_dnstap {
	CONFIG_DNSTAP_OFF,
	CONFIG_DNSTAP_UNIX,
	CONFIG_DNSTAP_FILE
};

struct config_server {
	struct config_sockaddr *listen;
	size_t nlisten;
	unsigned threads;     /* 0 = one per CPU, resolved by the server */
	unsigned udp_payload; /* 512..4096 */
	unsigned tcp_idle_timeout_ms;
	unsigned tcp_max_clients;
	bool ecs;
	const char *geoip; /* resolved path, or NULL */
	unsigned geoip_line;
	bool has_control;
	struct config_sockaddr control;
	const char *user; /* or NULL */
	/* SPEC 7: the UNIX socket for dnsdctl's write commands, and where
	 * administrative overrides are kept. Resolved paths, or NULL. */
	const char *control_socket;
	const char *state_file;
	unsigned user_line;
	enum log_level log_level;
	unsigned rrl; /* responses/s per client network, 0 = off */
	unsigned rrl_slip;
	struct config_prefix *explain; /* empty list: nobody ("none") */
	size_t nexplain;
	enum config_dnstap dnstap;
	const char *dnstap_path;     /* resolved; NULL when off */
	const char *dnstap_identity; /* NULL: the host name */
	const char *dnstap_version;  /* NULL: dnsd's version */
};

/* A DNSSEC key pair of a zone (SPEC 9): `key` lines sign, `publish`
 * lines only put their DNSKEY in the zone (rollovers). */
struct config_zone_key {
	const char *path; /* resolved; without the .key/.private suffix */
	unsigned line;
	bool publish;
};

struct config_zone {
	const char *name;            /* as written in the section header */
	uint8_t dname[DNAME_MAXLEN]; /* lower case */
	size_t dname_len;
	const char *file;   /* resolved against the INI file's folder */
	unsigned line;      /* of the section header */
	unsigned file_line; /* of the file key */
	const char *ini;    /* the INI file's path, for errors at file_line */
	const struct config_zone_key *keys; /* key, then publish, as written */
	size_t nkeys;
};

enum check_type { CHECK_HTTP, CHECK_HTTPS, CHECK_TCP };

struct config_check {
	const char *name; /* "default" for the built-in profile */
	unsigned line;    /* 0 for the built-in profile */
	enum check_type type;
	uint16_t port;
	const char *path; /* starts with "/" */
	/* Host header as written (config_parse_host accepted it; for https
	 * also the TLS server name), or NULL = the member's address. */
	const char *host;
	uint64_t expect[10]; /* bitmap of accepted status codes 0..639 */
	const char *body;    /* substring, or NULL */
	unsigned interval_ms;
	unsigned timeout_ms; /* < interval_ms */
	unsigned rise;
	unsigned fall;
	bool verify_tls;
	/* Addition: a CA bundle for https, or NULL. Read when the file is
	 * loaded (checks run after privileges are dropped, and a reload
	 * reads it again): ca_pem holds its ca_pem_len bytes, NUL ended. */
	const char *ca_file;
	const char *ca_pem;
	size_t ca_pem_len;
	uint64_t ca_pem_hash; /* FNV-1a of ca_pem, for probe identity */
};

/* True when status is accepted by the profile's expect list. */
bool config_check_expects(const struct config_check *c, unsigned status);

struct config_member {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	char text[48];   /* canonical text form (inet_ntop) */
	unsigned weight; /* 0..1000, 0 = drain */
	unsigned line;
};

struct config_cluster {
	const char *name;
	unsigned line;
	bool has_location;
	double lat, lon; /* degrees */
	struct config_member *members;
	size_t nmembers;
	const struct config_check *check; /* NULL when check = none */
	unsigned min_healthy;
};

/* Most clusters one [record] may list (lb.c orders them on the stack). */
#define CONFIG_RECORD_MAX_CLUSTERS 64

enum lb_policy { LB_POLICY_GEO, LB_POLICY_WEIGHTED, LB_POLICY_FAILOVER };
enum lb_all_down {
	LB_ALL_DOWN_SERVE,
	LB_ALL_DOWN_NODATA,
	LB_ALL_DOWN_SERVFAIL
};

struct config_record {
	const char *name;            /* as written in the section header */
	uint8_t dname[DNAME_MAXLEN]; /* lower case */
	size_t dname_len;
	unsigned line;
	size_t zone; /* index into config.zones holding the name */
	enum lb_policy policy;
	size_t *clusters; /* indexes into config.clusters, listed order */
	size_t nclusters;
	uint32_t ttl;
	unsigned answers; /* >= 1 */
	enum lb_all_down all_down;
};

struct config_network {
	struct config_prefix net;
	bool is_cluster; /* CIDR = CLUSTER, else CIDR = LAT, LON */
	size_t cluster;
	double lat, lon;
	unsigned line;
};

struct config {
	struct arena *arena; /* owns everything below */
	const char *path;    /* the INI path as given */
	const char *dir;     /* its folder, for relative paths */
	struct config_server server;
	struct config_zone *zones;
	size_t nzones;
	struct config_check *checks; /* [0] is the built-in default profile */
	size_t nchecks;
	struct config_cluster *clusters;
	size_t nclusters;
	struct config_record *records;
	size_t nrecords;
	struct config_network *networks;
	size_t nnetworks;
};

/* Parse and check the INI file at path. Every error found is added to diag
 * as "PATH:LINE: message" (all of them, not just the first). Returns 0 and
 * sets *out, or -1 with *out NULL. Any thread; touches no global state. */
int config_load(const char *path, struct config **out, struct diag *diag);

/* Like config_load, but when the file was read and only had errors, the
 * partial configuration is returned too (with -1), so that dnsd -t can
 * also check the zone files it names. Never for serving. */
int config_load_partial(const char *path, struct config **out,
                        struct diag *diag);

void config_free(struct config *cfg);

/* Parse a duration: integer with unit ms, s, m, h or d; bare integer =
 * seconds.
 * Returns 0 and milliseconds in *ms, or -1. */
int config_parse_duration(const char *s, unsigned *ms);
/* The same in 64 bits, for dnsdctl's --for (days fit). */
int config_parse_duration_ms(const char *s, uint64_t *ms);
/* yes/no, true/false, on/off, 1/0. Returns 0 or -1. */
int config_parse_bool(const char *s, bool *out);
/* "1.2.3.4:53", "[::1]:53"; default_port when none is given (0 = a port is
 * required). Returns 0 or -1. */
int config_parse_sockaddr(const char *s, uint16_t default_port,
                          struct config_sockaddr *out);
/* The host key of [check], split: a host name (LDH labels, the last one
 * starting with a letter so that no URL parser reads it as an IPv4
 * number), an IPv4 address or an IPv6 address in brackets, then an
 * optional ":PORT". name is the name or the address without brackets. */
struct config_host {
	char name[256];
	int family;    /* 0 for a name, else AF_INET or AF_INET6 */
	uint16_t port; /* 0 when none was given */
};
/* Returns 0, or -1 with a reason in why ("must ..."). */
int config_parse_host(const char *s, struct config_host *out, char *why,
                      size_t whylen);
/* "10.0.0.0/8", "2001:db8::/32", or a bare address (full length). */
int config_parse_prefix(const char *s, struct config_prefix *out);
/* True when addr (family, bytes) lies inside p. */
bool config_prefix_match(const struct config_prefix *p, int family,
                         const uint8_t *addr);

#endif
