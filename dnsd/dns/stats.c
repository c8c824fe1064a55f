/* stats.c - names for counter labels: RFC mnemonics and the registry of
 * record and cluster names. */
#include "dns/stats.h"

#include "dns/consts.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Append-only, one writer at a time (see stats.h): no lock. A slot is
 * filled before the release store of the count that covers it, so a
 * reader that acquires the count sees whole strings. */
static struct {
	char *record[STATS_PAIRS_MAX];
	char *cluster[STATS_PAIRS_MAX];
	_Atomic unsigned npairs;
	char *rec[STATS_RECORDS_MAX];
	_Atomic unsigned nrecs;
	char *zone[STATS_ZONES_MAX];
	_Atomic uint64_t zone_built[STATS_ZONES_MAX];
	_Atomic unsigned nzones;
} reg = {.npairs = 1, .nrecs = 1, .nzones = 1};

uint16_t stats_zone_slot(const char *zone)
{
	for (unsigned i = 1; i < reg.nzones; i++)
		if (strcmp(reg.zone[i], zone) == 0)
			return (uint16_t)i;
	if (reg.nzones >= STATS_ZONES_MAX)
		return 0;
	char *z = strdup(zone);
	if (z == NULL)
		return 0;
	unsigned slot = reg.nzones;
	reg.zone[slot] = z;
	atomic_store_explicit(&reg.nzones, slot + 1, memory_order_release);
	return (uint16_t)slot;
}

void stats_zone_add_built(unsigned slot, uint64_t n)
{
	if (slot < STATS_ZONES_MAX)
		atomic_fetch_add_explicit(&reg.zone_built[slot], n,
		                          memory_order_relaxed);
}

uint64_t stats_zone_built(unsigned slot)
{
	return slot < STATS_ZONES_MAX
	           ? atomic_load_explicit(&reg.zone_built[slot],
	                                  memory_order_relaxed)
	           : 0;
}

unsigned stats_zone_count(void)
{
	return atomic_load_explicit(&reg.nzones, memory_order_acquire);
}

const char *stats_zone_name(unsigned slot)
{
	return slot == 0 ? "other" : reg.zone[slot];
}

uint16_t stats_pair_slot(const char *record, const char *cluster)
{
	for (unsigned i = 1; i < reg.npairs; i++)
		if (strcmp(reg.record[i], record) == 0 &&
		    strcmp(reg.cluster[i], cluster) == 0)
			return (uint16_t)i;
	if (reg.npairs >= STATS_PAIRS_MAX)
		return 0;
	char *r = strdup(record), *c = strdup(cluster);
	if (r == NULL || c == NULL) {
		free(r);
		free(c);
		return 0;
	}
	unsigned slot = reg.npairs;
	reg.record[slot] = r;
	reg.cluster[slot] = c;
	atomic_store_explicit(&reg.npairs, slot + 1, memory_order_release);
	return (uint16_t)slot;
}

uint16_t stats_record_slot(const char *record)
{
	for (unsigned i = 1; i < reg.nrecs; i++)
		if (strcmp(reg.rec[i], record) == 0)
			return (uint16_t)i;
	if (reg.nrecs >= STATS_RECORDS_MAX)
		return 0;
	char *r = strdup(record);
	if (r == NULL)
		return 0;
	unsigned slot = reg.nrecs;
	reg.rec[slot] = r;
	atomic_store_explicit(&reg.nrecs, slot + 1, memory_order_release);
	return (uint16_t)slot;
}

unsigned stats_pair_count(void)
{
	return atomic_load_explicit(&reg.npairs, memory_order_acquire);
}

unsigned stats_record_count(void)
{
	return atomic_load_explicit(&reg.nrecs, memory_order_acquire);
}

void stats_pair_names(unsigned slot, const char **record, const char **cluster)
{
	bool in =
	    slot > 0 && slot < STATS_PAIRS_MAX && slot < stats_pair_count();
	*record = in ? reg.record[slot] : "other";
	*cluster = in ? reg.cluster[slot] : "other";
}

const char *stats_record_name(unsigned slot)
{
	bool in =
	    slot > 0 && slot < STATS_RECORDS_MAX && slot < stats_record_count();
	return in ? reg.rec[slot] : "other";
}

void stats_registry_free(void)
{
	for (unsigned i = 1; i < reg.npairs; i++) {
		free(reg.record[i]);
		free(reg.cluster[i]);
	}
	for (unsigned i = 1; i < reg.nrecs; i++)
		free(reg.rec[i]);
	for (unsigned i = 1; i < reg.nzones; i++)
		free(reg.zone[i]);
	reg.npairs = 1;
	reg.nrecs = 1;
	reg.nzones = 1;
}

/* The types counted by name, in enum order; names come from the one type
 * table (dns/consts.c). */
static const uint16_t qtypes[STATS_QT_OTHER] = {
    [STATS_QT_A] = DNS_TYPE_A,         [STATS_QT_NS] = DNS_TYPE_NS,
    [STATS_QT_CNAME] = DNS_TYPE_CNAME, [STATS_QT_SOA] = DNS_TYPE_SOA,
    [STATS_QT_PTR] = DNS_TYPE_PTR,     [STATS_QT_MX] = DNS_TYPE_MX,
    [STATS_QT_TXT] = DNS_TYPE_TXT,     [STATS_QT_AAAA] = DNS_TYPE_AAAA,
    [STATS_QT_SRV] = DNS_TYPE_SRV,     [STATS_QT_DS] = DNS_TYPE_DS,
    [STATS_QT_HTTPS] = DNS_TYPE_HTTPS, [STATS_QT_ANY] = DNS_TYPE_ANY,
    [STATS_QT_AXFR] = DNS_TYPE_AXFR,   [STATS_QT_IXFR] = DNS_TYPE_IXFR,
};

enum stats_qtype stats_qtype_of(uint16_t qtype)
{
	/* Per query: a switch (a jump table), not a scan of qtypes[]. */
	switch (qtype) {
	case DNS_TYPE_A:
		return STATS_QT_A;
	case DNS_TYPE_NS:
		return STATS_QT_NS;
	case DNS_TYPE_CNAME:
		return STATS_QT_CNAME;
	case DNS_TYPE_SOA:
		return STATS_QT_SOA;
	case DNS_TYPE_PTR:
		return STATS_QT_PTR;
	case DNS_TYPE_MX:
		return STATS_QT_MX;
	case DNS_TYPE_TXT:
		return STATS_QT_TXT;
	case DNS_TYPE_AAAA:
		return STATS_QT_AAAA;
	case DNS_TYPE_SRV:
		return STATS_QT_SRV;
	case DNS_TYPE_DS:
		return STATS_QT_DS;
	case DNS_TYPE_HTTPS:
		return STATS_QT_HTTPS;
	case DNS_TYPE_ANY:
		return STATS_QT_ANY;
	case DNS_TYPE_AXFR:
		return STATS_QT_AXFR;
	case DNS_TYPE_IXFR:
		return STATS_QT_IXFR;
	default:
		return STATS_QT_OTHER;
	}
}

const char *stats_qtype_name(enum stats_qtype qt)
{
	return qt < STATS_QT_OTHER ? dns_type_mnemonic(qtypes[qt]) : "other";
}

const char *stats_rcode_name(unsigned rcode)
{
	const char *name = dns_rcode_mnemonic(rcode);

	return rcode < STATS_RCODE_N && name != NULL ? name : "other";
}
