/* stats.c - names for counter labels: RFC mnemonics and the registry of
 * record and cluster names. */
#include "base/stats.h"

#include <stdlib.h>
#include <string.h>

/* Append-only, main thread only (see stats.h): no lock. */
static struct {
	char *record[STATS_PAIRS_MAX];
	char *cluster[STATS_PAIRS_MAX];
	unsigned npairs;
	char *rec[STATS_RECORDS_MAX];
	unsigned nrecs;
} reg = {.npairs = 1, .nrecs = 1};

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
	reg.record[reg.npairs] = r;
	reg.cluster[reg.npairs] = c;
	return (uint16_t)reg.npairs++;
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
	reg.rec[reg.nrecs] = r;
	return (uint16_t)reg.nrecs++;
}

unsigned stats_pair_count(void)
{
	return reg.npairs;
}

unsigned stats_record_count(void)
{
	return reg.nrecs;
}

void stats_pair_names(unsigned slot, const char **record, const char **cluster)
{
	*record = slot > 0 && slot < reg.npairs ? reg.record[slot] : "other";
	*cluster = slot > 0 && slot < reg.npairs ? reg.cluster[slot] : "other";
}

const char *stats_record_name(unsigned slot)
{
	return slot > 0 && slot < reg.nrecs ? reg.rec[slot] : "other";
}

void stats_registry_free(void)
{
	for (unsigned i = 1; i < reg.npairs; i++) {
		free(reg.record[i]);
		free(reg.cluster[i]);
	}
	for (unsigned i = 1; i < reg.nrecs; i++)
		free(reg.rec[i]);
	reg.npairs = 1;
	reg.nrecs = 1;
}

static const struct {
	uint16_t type;
	const char *name;
} qtypes[STATS_QT_N] = {
    [STATS_QT_A] = {1, "A"},          [STATS_QT_NS] = {2, "NS"},
    [STATS_QT_CNAME] = {5, "CNAME"},  [STATS_QT_SOA] = {6, "SOA"},
    [STATS_QT_PTR] = {12, "PTR"},     [STATS_QT_MX] = {15, "MX"},
    [STATS_QT_TXT] = {16, "TXT"},     [STATS_QT_AAAA] = {28, "AAAA"},
    [STATS_QT_SRV] = {33, "SRV"},     [STATS_QT_DS] = {43, "DS"},
    [STATS_QT_HTTPS] = {65, "HTTPS"}, [STATS_QT_ANY] = {255, "ANY"},
    [STATS_QT_AXFR] = {252, "AXFR"},  [STATS_QT_IXFR] = {251, "IXFR"},
    [STATS_QT_OTHER] = {0, "other"},
};

enum stats_qtype stats_qtype_of(uint16_t qtype)
{
	switch (qtype) {
	case 1:
		return STATS_QT_A;
	case 2:
		return STATS_QT_NS;
	case 5:
		return STATS_QT_CNAME;
	case 6:
		return STATS_QT_SOA;
	case 12:
		return STATS_QT_PTR;
	case 15:
		return STATS_QT_MX;
	case 16:
		return STATS_QT_TXT;
	case 28:
		return STATS_QT_AAAA;
	case 33:
		return STATS_QT_SRV;
	case 43:
		return STATS_QT_DS;
	case 65:
		return STATS_QT_HTTPS;
	case 251:
		return STATS_QT_IXFR;
	case 252:
		return STATS_QT_AXFR;
	case 255:
		return STATS_QT_ANY;
	default:
		return STATS_QT_OTHER;
	}
}

const char *stats_qtype_name(enum stats_qtype qt)
{
	return qt < STATS_QT_N ? qtypes[qt].name : "other";
}

const char *stats_rcode_name(unsigned rcode)
{
	static const char *const names[STATS_RCODE_N] = {
	    "NOERROR", "FORMERR",   "SERVFAIL", "NXDOMAIN",  "NOTIMP",
	    "REFUSED", "YXDOMAIN",  "YXRRSET",  "NXRRSET",   "NOTAUTH",
	    "NOTZONE", "DSOTYPENI", "RCODE12",  "RCODE13",   "RCODE14",
	    "RCODE15", "BADVERS",   "BADKEY",   "BADTIME",   "BADMODE",
	    "BADNAME", "BADALG",    "BADTRUNC", "BADCOOKIE",
	};
	return rcode < STATS_RCODE_N ? names[rcode] : "other";
}
