/* zone.c - master file reading with ldns, fed record by record to zonedb. */
#include "zone/zone.h"
#include "base/arena.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

/* How much of a bad record's first line to quote in an error. */
#define ZONE_QUOTE_MAX 60

struct zone_reader {
	const struct config_zone *cz;
	FILE *fp;
	struct diag *diag;
	struct zdb_builder *b;
	ldns_buffer *rdata;
	char *line; /* getline buffer */
	size_t line_cap;
	unsigned lineno; /* line where the next record starts */
	size_t errors;
};

static void zone_error(struct zone_reader *zr, unsigned line, const char *what,
                       const char *text)
{
	char quote[ZONE_QUOTE_MAX + 4];
	size_t n = 0;
	if (text != NULL) {
		/* The first line of the record, trimmed, so the operator
		 * sees which record is meant. */
		while (*text == ' ' || *text == '\t')
			text++;
		n = strcspn(text, "\r\n");
		while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
			n--;
	}
	if (n == 0) {
		diag_add(zr->diag, zr->cz->file, line, "%s", what);
	} else {
		if (n > ZONE_QUOTE_MAX) {
			memcpy(quote, text, ZONE_QUOTE_MAX);
			memcpy(quote + ZONE_QUOTE_MAX, "...", 4);
		} else {
			memcpy(quote, text, n);
			quote[n] = '\0';
		}
		diag_add(zr->diag, zr->cz->file, line, "%s: \"%s\"", what,
		         quote);
	}
	zr->errors++;
}

/* Skip blank and comment-only lines ourselves: ldns skips them too but
 * counts them into the line of the record that follows, and we want the
 * line where the record starts. Leaves the stream at the start of the next
 * record's first line and returns true, or false at the end of the file. */
static bool zone_next_record(struct zone_reader *zr, long *start)
{
	for (;;) {
		long pos = ftell(zr->fp);
		ssize_t n = getline(&zr->line, &zr->line_cap, zr->fp);
		if (n < 0 || pos < 0)
			return false;
		const char *p = zr->line;
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (*p != '\0' && *p != '\n' && *p != ';') {
			if (fseek(zr->fp, pos, SEEK_SET) != 0)
				return false;
			*start = pos;
			return true;
		}
		if (zr->line[n - 1] == '\n')
			zr->lineno++;
	}
}

/* Count the newlines ldns consumed since start, so the next record's line
 * is exact whatever ldns does with comments inside parentheses. */
static void zone_count_lines(struct zone_reader *zr, long start)
{
	long end = ftell(zr->fp);
	char buf[4096];
	if (end < 0 || fseek(zr->fp, start, SEEK_SET) != 0)
		return;
	long left = end - start;
	while (left > 0) {
		size_t want =
		    left > (long)sizeof(buf) ? sizeof(buf) : (size_t)left;
		size_t got = fread(buf, 1, want, zr->fp);
		if (got == 0)
			break;
		for (size_t i = 0; i < got; i++)
			if (buf[i] == '\n')
				zr->lineno++;
		left -= (long)got;
	}
}

/* Convert one parsed RR to wire and hand it to the builder. */
static void zone_add_rr(struct zone_reader *zr, const ldns_rr *rr,
                        unsigned line)
{
	ldns_rr_class cls = ldns_rr_get_class(rr);
	if (cls != LDNS_RR_CLASS_IN) {
		char *s = ldns_rr_class2str(cls);
		char what[64];
		snprintf(what, sizeof(what),
		         "class %s is not supported, only IN", s ? s : "?");
		free(s);
		zone_error(zr, line, what, zr->line);
		return;
	}
	const ldns_rdf *owner = ldns_rr_owner(rr);
	ldns_buffer_clear(zr->rdata);
	/* Uncompressed, in the case written: RFC 3597 section 4 forbids
	 * compressing names in RDATA of types we do not know. */
	if (ldns_rr_rdata2buffer_wire(zr->rdata, rr) != LDNS_STATUS_OK ||
	    ldns_buffer_position(zr->rdata) > UINT16_MAX) {
		zone_error(zr, line, "RDATA too long", zr->line);
		return;
	}
	if (owner == NULL) {
		zone_error(zr, line, "record without an owner name", zr->line);
		return;
	}
	if (zdb_builder_add(zr->b, ldns_rdf_data(owner), ldns_rdf_size(owner),
	                    (uint16_t)ldns_rr_get_type(rr), ldns_rr_ttl(rr),
	                    ldns_buffer_begin(zr->rdata),
	                    (uint16_t)ldns_buffer_position(zr->rdata), line,
	                    zr->diag) < 0)
		zr->errors++;
}

/* $TTL, $ORIGIN and the rest (RFC 1035 section 5.1, RFC 2308 section 4)
 * are handled here rather than by ldns, which takes a bad $TTL for 0 and a
 * relative $ORIGIN for an absolute one. The line is zr->line, consumed. */
static void zone_directive(struct zone_reader *zr, unsigned line,
                           ldns_rdf **origin, uint32_t *ttl)
{
	char *copy = strdup(zr->line);
	char *save = NULL;
	if (copy == NULL) {
		zone_error(zr, line, "out of memory", NULL);
		return;
	}
	char *semi = strchr(copy, ';');
	if (semi != NULL)
		*semi = '\0';
	const char *dir = strtok_r(copy, " \t\r\n", &save);
	const char *arg = strtok_r(NULL, " \t\r\n", &save);
	const char *extra = strtok_r(NULL, " \t\r\n", &save);
	if (strcasecmp(dir, "$TTL") == 0) {
		const char *end = NULL;
		uint32_t v = arg ? ldns_str2period(arg, &end) : 0;
		if (arg == NULL || extra != NULL || end == arg || *end != '\0')
			zone_error(zr, line, "$TTL needs one TTL value",
			           zr->line);
		else
			*ttl = v;
	} else if (strcasecmp(dir, "$ORIGIN") == 0) {
		ldns_rdf *o = arg ? ldns_dname_new_frm_str(arg) : NULL;
		/* A relative $ORIGIN is relative to the current one. */
		if (o != NULL && !ldns_dname_str_absolute(arg) &&
		    ldns_dname_cat(o, *origin) != LDNS_STATUS_OK) {
			ldns_rdf_deep_free(o);
			o = NULL;
		}
		if (o == NULL || extra != NULL) {
			zone_error(zr, line, "$ORIGIN needs one domain name",
			           zr->line);
			ldns_rdf_deep_free(o);
		} else {
			ldns_rdf_deep_free(*origin);
			*origin = o;
		}
	} else if (strcasecmp(dir, "$INCLUDE") == 0) {
		zone_error(zr, line,
		           "$INCLUDE is not supported; put the "
		           "records in this file",
		           NULL);
	} else {
		char what[80];
		snprintf(what, sizeof(what), "unknown directive %.40s", dir);
		zone_error(zr, line, what, NULL);
	}
	free(copy);
}

static void zone_read(struct zone_reader *zr)
{
	ldns_rdf *origin =
	    ldns_dname_new_frm_data((uint16_t)zr->cz->dname_len, zr->cz->dname);
	ldns_rdf *prev = NULL;
	/* Without $TTL, ldns falls back to its default of 3600 s. */
	uint32_t default_ttl = 0;
	long start;

	if (origin == NULL) {
		zone_error(zr, 0, "out of memory", NULL);
		return;
	}
	while (zone_next_record(zr, &start)) {
		ldns_rr *rr = NULL;
		unsigned line = zr->lineno;
		if (zr->line[0] == '$') {
			ssize_t n = getline(&zr->line, &zr->line_cap, zr->fp);
			if (n <= 0)
				break;
			zone_directive(zr, line, &origin, &default_ttl);
			if (zr->line[n - 1] == '\n')
				zr->lineno++;
			continue;
		}
		int ldns_line = (int)line;
		ldns_status s = ldns_rr_new_frm_fp_l(
		    &rr, zr->fp, &default_ttl, &origin, &prev, &ldns_line);
		long after = ftell(zr->fp);
		zone_count_lines(zr, start);
		switch (s) {
		case LDNS_STATUS_OK:
			zone_add_rr(zr, rr, line);
			break;
		case LDNS_STATUS_SYNTAX_EMPTY:
			break;
		case LDNS_STATUS_SYNTAX_TTL:
		case LDNS_STATUS_SYNTAX_ORIGIN:
		case LDNS_STATUS_SYNTAX_INCLUDE:
			/* Directives start a line and zone_directive took
			 * them; ldns sees one only after "(" or the like. */
			zone_error(zr, line, "misplaced directive", zr->line);
			break;
		default:
			zone_error(zr, line, ldns_get_errorstr_by_id(s),
			           zr->line);
			break;
		}
		ldns_rr_free(rr);
		if (after == start) {
			/* ldns consumed nothing: skip the line so the loop
			 * always moves on. */
			if (getline(&zr->line, &zr->line_cap, zr->fp) < 0)
				break;
			zr->lineno++;
		}
	}
	if (ferror(zr->fp))
		zone_error(zr, zr->lineno, strerror(errno), NULL);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
}

int zone_load(const struct config_zone *cz, struct arena *arena,
              struct diag *diag, const struct zdb_zone **out)
{
	return zone_load_with(cz, NULL, 0, arena, diag, out);
}

int zone_load_with(const struct config_zone *cz,
                   const struct config_record *const *reserve, size_t nreserve,
                   struct arena *arena, struct diag *diag,
                   const struct zdb_zone **out)
{
	return zone_load_ext(cz, reserve, nreserve, NULL, 0, arena, diag, out);
}

int zone_load_ext(const struct config_zone *cz,
                  const struct config_record *const *reserve, size_t nreserve,
                  const struct zone_extra_rr *extra, size_t nextra,
                  struct arena *arena, struct diag *diag,
                  const struct zdb_zone **out)
{
	struct zone_reader zr = {.cz = cz, .diag = diag, .lineno = 1};
	int ret = -1;
	*out = NULL;

	zr.fp = fopen(cz->file, "r");
	if (zr.fp == NULL) {
		char eb[128];
		const char *why = strerror_r(errno, eb, sizeof(eb));
		/* The operator fixes this in the INI file: point at the file
		 * key there (SPEC section 1), when the zone came from one. */
		if (cz->ini != NULL && cz->file_line > 0)
			diag_add(diag, cz->ini, cz->file_line,
			         "cannot open zone file %s for [zone %s]: %s",
			         cz->file, cz->name, why);
		else
			diag_add(diag, cz->file, 0, "cannot open zone file: %s",
			         why);
		return -1;
	}
	zr.b = zdb_builder_new(cz->dname, cz->dname_len, cz->name, cz->file);
	/* RDATA is at most 65535 bytes; the buffer grows if ever needed. */
	zr.rdata = ldns_buffer_new(4096);
	if (zr.b == NULL || zr.rdata == NULL) {
		diag_add(diag, cz->file, 0, "out of memory");
		zdb_builder_abort(zr.b);
		goto done;
	}
	zone_read(&zr);
	for (size_t i = 0; i < nextra; i++) {
		/* Line 0: an error about them is about the zone as a whole. */
		if (zdb_builder_add(zr.b, cz->dname, cz->dname_len,
		                    extra[i].type, extra[i].ttl, extra[i].rdata,
		                    extra[i].rdlen, 0, diag) < 0)
			zr.errors++;
	}
	for (size_t i = 0; i < nreserve; i++) {
		if (zdb_builder_reserve(zr.b, reserve[i]->dname,
		                        reserve[i]->dname_len) < 0) {
			diag_add(diag, cz->file, 0, "record %s: out of memory",
			         reserve[i]->name);
			zr.errors++;
		}
	}
	/* Check the whole zone even after syntax errors, so one run shows
	 * every problem; but a zone with errors is never used. */
	const struct zdb_zone *z = NULL;
	if (zdb_builder_finish(zr.b, arena, diag, &z) == 0 && zr.errors == 0) {
		*out = z;
		ret = 0;
	}
done:
	if (zr.rdata != NULL)
		ldns_buffer_free(zr.rdata);
	free(zr.line);
	fclose(zr.fp);
	return ret;
}
