/* stats.c - names for counter labels (RFC mnemonics). */
#include "stats.h"

static const struct {
	uint16_t type;
	const char *name;
} qtypes[STATS_QT_N] = {
	[STATS_QT_A] = {1, "A"},	 [STATS_QT_NS] = {2, "NS"},
	[STATS_QT_CNAME] = {5, "CNAME"}, [STATS_QT_SOA] = {6, "SOA"},
	[STATS_QT_PTR] = {12, "PTR"},	 [STATS_QT_MX] = {15, "MX"},
	[STATS_QT_TXT] = {16, "TXT"},	 [STATS_QT_AAAA] = {28, "AAAA"},
	[STATS_QT_SRV] = {33, "SRV"},	 [STATS_QT_DS] = {43, "DS"},
	[STATS_QT_HTTPS] = {65, "HTTPS"}, [STATS_QT_ANY] = {255, "ANY"},
	[STATS_QT_AXFR] = {252, "AXFR"}, [STATS_QT_IXFR] = {251, "IXFR"},
	[STATS_QT_OTHER] = {0, "other"},
};

enum stats_qtype stats_qtype_of(uint16_t qtype)
{
	switch (qtype) {
	case 1: return STATS_QT_A;
	case 2: return STATS_QT_NS;
	case 5: return STATS_QT_CNAME;
	case 6: return STATS_QT_SOA;
	case 12: return STATS_QT_PTR;
	case 15: return STATS_QT_MX;
	case 16: return STATS_QT_TXT;
	case 28: return STATS_QT_AAAA;
	case 33: return STATS_QT_SRV;
	case 43: return STATS_QT_DS;
	case 65: return STATS_QT_HTTPS;
	case 251: return STATS_QT_IXFR;
	case 252: return STATS_QT_AXFR;
	case 255: return STATS_QT_ANY;
	default: return STATS_QT_OTHER;
	}
}

const char *stats_qtype_name(enum stats_qtype qt)
{
	return qt < STATS_QT_N ? qtypes[qt].name : "other";
}

const char *stats_rcode_name(unsigned rcode)
{
	static const char *const names[STATS_RCODE_N] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
		"NOTZONE", "DSOTYPENI", "RCODE12", "RCODE13", "RCODE14",
		"RCODE15", "BADVERS", "BADKEY", "BADTIME", "BADMODE",
		"BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE",
	};
	return rcode < STATS_RCODE_N ? names[rcode] : "other";
}
