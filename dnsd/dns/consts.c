/* consts.c - the one table of type and rcode mnemonics. */
#include "dns/consts.h"

#include <stdio.h>

#include "base/compat.h"

static const struct {
	uint16_t type;
	const char *name;
} type_names[] = {
    {1, "A"},           {2, "NS"},      {3, "MD"},          {4, "MF"},
    {5, "CNAME"},       {6, "SOA"},     {7, "MB"},          {8, "MG"},
    {9, "MR"},          {10, "NULL"},   {11, "WKS"},        {12, "PTR"},
    {13, "HINFO"},      {14, "MINFO"},  {15, "MX"},         {16, "TXT"},
    {17, "RP"},         {18, "AFSDB"},  {19, "X25"},        {20, "ISDN"},
    {21, "RT"},         {22, "NSAP"},   {23, "NSAP-PTR"},   {24, "SIG"},
    {25, "KEY"},        {26, "PX"},     {27, "GPOS"},       {28, "AAAA"},
    {29, "LOC"},        {30, "NXT"},    {33, "SRV"},        {35, "NAPTR"},
    {36, "KX"},         {37, "CERT"},   {38, "A6"},         {39, "DNAME"},
    {41, "OPT"},        {42, "APL"},    {43, "DS"},         {44, "SSHFP"},
    {45, "IPSECKEY"},   {46, "RRSIG"},  {47, "NSEC"},       {48, "DNSKEY"},
    {49, "DHCID"},      {50, "NSEC3"},  {51, "NSEC3PARAM"}, {52, "TLSA"},
    {53, "SMIMEA"},     {55, "HIP"},    {59, "CDS"},        {60, "CDNSKEY"},
    {61, "OPENPGPKEY"}, {62, "CSYNC"},  {63, "ZONEMD"},     {64, "SVCB"},
    {65, "HTTPS"},      {99, "SPF"},    {104, "NID"},       {105, "L32"},
    {106, "L64"},       {107, "LP"},    {108, "EUI48"},     {109, "EUI64"},
    {249, "TKEY"},      {250, "TSIG"},  {251, "IXFR"},      {252, "AXFR"},
    {253, "MAILB"},     {254, "MAILA"}, {255, "ANY"},       {256, "URI"},
    {257, "CAA"},       {32768, "TA"},  {32769, "DLV"},
};

const char *dns_type_mnemonic(uint16_t type)
{
	for (size_t i = 0; i < DNSD_ARRAY_LEN(type_names); i++)
		if (type_names[i].type == type)
			return type_names[i].name;
	return NULL;
}

const char *dns_type_name(uint16_t type, char *buf, size_t buflen)
{
	const char *name = dns_type_mnemonic(type);

	if (buflen == 0)
		return "";
	if (name != NULL)
		snprintf(buf, buflen, "%s", name);
	else /* RFC 3597 section 5: the generic mnemonic for the rest */
		snprintf(buf, buflen, "TYPE%u", (unsigned)type);
	return buf;
}

const char *dns_rcode_mnemonic(unsigned rcode)
{
	static const char *const names[] = {
	    "NOERROR", "FORMERR",   "SERVFAIL", "NXDOMAIN",  "NOTIMP",
	    "REFUSED", "YXDOMAIN",  "YXRRSET",  "NXRRSET",   "NOTAUTH",
	    "NOTZONE", "DSOTYPENI", "RCODE12",  "RCODE13",   "RCODE14",
	    "RCODE15", "BADVERS",   "BADKEY",   "BADTIME",   "BADMODE",
	    "BADNAME", "BADALG",    "BADTRUNC", "BADCOOKIE",
	};
	return rcode < DNSD_ARRAY_LEN(names) ? names[rcode] : NULL;
}
