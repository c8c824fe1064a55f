/* zone.c - master files read with Knot's libzscanner (the only user of it),
 * fed record by record to the zonedb builder as the scanner streams them.
 *
 * libzscanner 3.2 parses records and RDATA; this file owns what happens
 * between records, where the scanner stops after each one: blank and
 * comment lines are passed over, and the directives are taken here
 * ($ORIGIN relative to the current origin, $TTL checked against RFC 2181
 * section 8, $INCLUDE with a depth limit and cycle check, anything else an
 * error), as are the class field (CLASS1 is IN, RFC 3597 section 5; other
 * classes an error) and the resynchronisation after a bad record, so one
 * pass reports every error at the line where its record starts. */
#include "zone/zone.h"
#include "base/arena.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libzscanner/scanner.h>

/* How much of a bad record's first line to quote in an error. */
#define ZONE_QUOTE_MAX 60
/* $INCLUDE nesting: the zone file is level 0. NSD and BIND have limits of
 * the same order; ten levels is more than any real layout needs. */
#define ZONE_INCLUDE_DEPTH 10
/* A file larger than this is refused rather than read (1M names take
 * about 40 MB). */
#define ZONE_FILE_MAX ((size_t)1 << 32)
/* RFC 2181 section 8: a TTL is an unsigned number from 0 to 2^31 - 1. */
#define ZONE_TTL_MAX 2147483647u
/* Without $TTL a record without a TTL gets this (the ldns default the
 * loader had before). */
#define ZONE_DEFAULT_TTL 3600u

/* One file being read: the zone file or one it includes. */
struct zone_file {
	const char *path;
	char *buf; /* whole content, writable (private mapping or malloc) */
	size_t len;
	bool mapped;
	dev_t dev;
	ino_t ino;
	unsigned depth;
	const struct zone_file *parent;
};

struct zone_reader {
	const struct config_zone *cz;
	struct diag *diag;
	struct zdb_builder *b;
	size_t errors;
};

/* Where the scanner is in one file, between records. */
struct zone_pos {
	const struct zone_file *f;
	zs_scanner_t *s;
	int cs_main;   /* the scanner's state at the start of a line */
	const char *p; /* a line end ('\n') or the start of the file */
	uint64_t line; /* the line p lies on */
	bool at_start; /* p is the start of the file, not a line end */
	uint8_t origin[DNAME_MAXLEN];
	size_t origin_len;
};

static int zone_read_file(struct zone_reader *zr, const char *path,
                          const uint8_t *origin, size_t origin_len,
                          uint32_t ttl, const struct zone_file *parent,
                          unsigned line);

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* An error at line of file f; text, when not NULL, is the start of the
 * record's first line, quoted (trimmed, shortened) so the operator sees
 * which record is meant. */
static void zone_error(struct zone_reader *zr, const struct zone_file *f,
                       uint64_t line, const char *what, const char *text)
{
	char quote[ZONE_QUOTE_MAX + 4];
	size_t n = 0;
	const char *end = f->buf + f->len;
	if (text != NULL) {
		while (text < end && is_blank(*text))
			text++;
		const char *nl = memchr(text, '\n', (size_t)(end - text));
		n = (size_t)((nl ? nl : end) - text);
		while (n > 0 && (is_blank(text[n - 1]) || text[n - 1] == '\r'))
			n--;
	}
	unsigned l = line > UINT_MAX ? UINT_MAX : (unsigned)line;
	if (n == 0) {
		diag_add(zr->diag, f->path, l, "%s", what);
	} else {
		size_t q = n > ZONE_QUOTE_MAX ? ZONE_QUOTE_MAX : n;
		/* Control characters would reach the terminal as written. */
		for (size_t i = 0; i < q; i++) {
			unsigned char c = (unsigned char)text[i];
			quote[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
		}
		memcpy(quote + q, n > q ? "..." : "", n > q ? 4 : 1);
		diag_add(zr->diag, f->path, l, "%s: \"%s\"", what, quote);
	}
	zr->errors++;
}

/* A TTL as RFC 1035 writes it, or with BIND's units ("1h30m", RFC 2308
 * section 4 examples): *out is the value in seconds, saturated at
 * UINT64_MAX. Returns 0, or -1 when the text is not a TTL. */
static int zone_parse_ttl(const char *s, size_t n, uint64_t *out)
{
	uint64_t total = 0;
	size_t i = 0;
	if (n == 0)
		return -1;
	while (i < n) {
		uint64_t v = 0;
		size_t digits = 0;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
			v = v > (UINT64_MAX - 9) / 10
			        ? UINT64_MAX
			        : v * 10 + (uint64_t)(s[i] - '0');
		if (digits == 0)
			return -1;
		uint64_t mul = 1;
		if (i < n) {
			switch (s[i] | 0x20) {
			case 's':
				mul = 1;
				break;
			case 'm':
				mul = 60;
				break;
			case 'h':
				mul = 3600;
				break;
			case 'd':
				mul = 86400;
				break;
			case 'w':
				mul = 604800;
				break;
			default:
				return -1;
			}
			i++;
		} else if (total != 0) {
			return -1; /* "1h30" has no unit on its last part */
		}
		v = v > UINT64_MAX / mul ? UINT64_MAX : v * mul;
		total = total > UINT64_MAX - v ? UINT64_MAX : total + v;
	}
	*out = total;
	return 0;
}

/* The end of the record starting at q: the first line end outside
 * parentheses and quotes, or the end of the file. *line counts the line
 * ends passed on the way; *open_quote (when not NULL) says whether a line
 * ended inside a quoted string. Used to skip a bad record whole. */
static const char *zone_record_end(const struct zone_file *f, const char *q,
                                   uint64_t *line, bool *open_quote)
{
	const char *end = f->buf + f->len;
	unsigned depth = 0;
	bool quoted = false;
	while (q < end) {
		char c = *q;
		if (c == '\n') {
			if (quoted && open_quote != NULL)
				*open_quote = true;
			quoted = false;
			if (depth == 0)
				return q;
			(*line)++;
		} else if (c == '\\' && q + 1 < end && q[1] != '\n') {
			q++;
		} else if (c == '"') {
			quoted = !quoted;
		} else if (!quoted && c == ';') {
			const char *nl = memchr(q, '\n', (size_t)(end - q));
			q = nl ? nl : end;
			continue;
		} else if (!quoted && c == '(') {
			depth++;
		} else if (!quoted && c == ')' && depth > 0) {
			depth--;
		}
		q++;
	}
	if (quoted && open_quote != NULL)
		*open_quote = true;
	return end;
}

/* Set the scanner to go on at nl, a line end on line `line`, in its
 * start-of-line state: after a directive taken here or a skipped record.
 * Returns false when nl is the end of the file. */
static bool zone_resume(struct zone_pos *zp, const char *nl, uint64_t line)
{
	const char *end = zp->f->buf + zp->f->len;
	zs_scanner_t *s = zp->s;
	zp->p = nl;
	zp->line = line;
	zp->at_start = false;
	if (nl >= end)
		return false;
	s->cs = zp->cs_main;
	s->top = 0;
	s->multiline = false;
	s->long_string = false;
	s->comma_list = false;
	s->r_data_tail = 0;
	s->error.fatal = false;
	s->error.code = ZS_OK;
	if (zs_set_input_string(s, nl, (size_t)(end - nl)) != 0)
		return false;
	s->line_counter = line;
	return true;
}

/* The next word of a directive line from *t (up to e): a quoted string
 * without its quotes, or a run of non-blank characters with backslash
 * escapes kept for dname_from_str. Stops at a comment. */
static bool zone_word(const char **t, const char *e, const char **w, size_t *wn)
{
	const char *p = *t;
	while (p < e && is_blank(*p))
		p++;
	if (p >= e || *p == ';' || *p == '\r') {
		*t = p;
		return false;
	}
	if (*p == '"') {
		const char *close = memchr(p + 1, '"', (size_t)(e - p - 1));
		if (close == NULL)
			close = e; /* reported by the caller as unterminated */
		*w = p;
		*wn = (size_t)(close - p);
		*t = close < e ? close + 1 : e;
		return true;
	}
	*w = p;
	while (p < e && !is_blank(*p) && *p != ';' && *p != '\r') {
		if (*p == '\\' && p + 1 < e)
			p++;
		p++;
	}
	*wn = (size_t)(p - *w);
	*t = p;
	return true;
}

/* A domain name word of a directive, relative to origin unless it ends in
 * an unescaped dot. Returns the wire length or -1. */
static int zone_word_dname(const char *w, size_t wn, const uint8_t *origin,
                           size_t origin_len, uint8_t out[DNAME_MAXLEN])
{
	char text[DNAME_STRLEN * 4 + 2];
	if (wn == 0 || wn >= sizeof(text) || *w == '"')
		return -1;
	memcpy(text, w, wn);
	text[wn] = '\0';
	if (wn == 1 && w[0] == '@') {
		memcpy(out, origin, origin_len);
		return (int)origin_len;
	}
	int n = dname_from_str(text, out);
	if (n < 0)
		return -1;
	/* Absolute when the last dot is not escaped. */
	size_t bs = 0;
	for (size_t i = wn - 1; i > 0 && w[i - 1] == '\\'; i--)
		bs++;
	bool absolute = w[wn - 1] == '.' && bs % 2 == 0;
	if (absolute)
		return n;
	if ((size_t)n - 1 + origin_len > DNAME_MAXLEN)
		return -1;
	memcpy(out + n - 1, origin, origin_len);
	return (int)((size_t)n - 1 + origin_len);
}

/* $TTL, $ORIGIN, $INCLUDE on the line at q (line number line), which
 * ends at e. */
static void zone_directive(struct zone_reader *zr, struct zone_pos *zp,
                           const char *q, const char *e, uint64_t line)
{
	const struct zone_file *f = zp->f;
	const char *t = q;
	const char *dir = NULL, *arg = NULL, *arg2 = NULL, *extra = NULL;
	size_t dn = 0, an = 0, an2 = 0, xn = 0;
	(void)zone_word(&t, e, &dir, &dn);
	bool has_arg = zone_word(&t, e, &arg, &an);
	bool has_arg2 = has_arg && zone_word(&t, e, &arg2, &an2);
	bool has_extra = has_arg2 && zone_word(&t, e, &extra, &xn);
	(void)extra;
	(void)xn;
	char what[128];

	if (dn == 4 && strncasecmp(dir, "$TTL", 4) == 0) {
		uint64_t v = 0;
		if (!has_arg || has_arg2 || zone_parse_ttl(arg, an, &v) != 0) {
			zone_error(zr, f, line, "$TTL needs one TTL value", q);
		} else if (v > ZONE_TTL_MAX) {
			snprintf(what, sizeof(what),
			         "$TTL %.*s is above 2^31-1 (RFC 2181 "
			         "section 8)",
			         (int)(an > 20 ? 20 : an), arg);
			zone_error(zr, f, line, what, NULL);
		} else {
			zp->s->default_ttl = (uint32_t)v;
		}
	} else if (dn == 7 && strncasecmp(dir, "$ORIGIN", 7) == 0) {
		uint8_t o[DNAME_MAXLEN];
		int n = has_arg && !has_arg2
		            ? zone_word_dname(arg, an, zp->origin,
		                              zp->origin_len, o)
		            : -1;
		if (n < 0) {
			zone_error(zr, f, line, "$ORIGIN needs one domain name",
			           q);
		} else {
			memcpy(zp->origin, o, (size_t)n);
			zp->origin_len = (size_t)n;
			memcpy(zp->s->zone_origin, o, (size_t)n);
			zp->s->zone_origin_length = (uint32_t)n;
		}
	} else if (dn == 8 && strncasecmp(dir, "$INCLUDE", 8) == 0) {
		uint8_t o[DNAME_MAXLEN];
		int n = (int)zp->origin_len;
		memcpy(o, zp->origin, zp->origin_len);
		if (has_arg2)
			n = zone_word_dname(arg2, an2, zp->origin,
			                    zp->origin_len, o);
		if (!has_arg || has_extra || n < 0) {
			zone_error(zr, f, line,
			           "$INCLUDE needs a file name and an optional "
			           "origin",
			           q);
			return;
		}
		bool quoted = *arg == '"';
		if (quoted && (arg + an >= e || arg[an] != '"')) {
			zone_error(zr, f, line, "unterminated quoted string",
			           q);
			return;
		}
		const char *name = quoted ? arg + 1 : arg;
		size_t nn = quoted ? an - 1 : an;
		/* RFC 1035 section 5.1 leaves relative names to the
		 * implementation: like Knot and NSD, relative to the
		 * directory of the file that includes. */
		const char *slash = strrchr(f->path, '/');
		size_t dirlen = name[0] == '/' || slash == NULL
		                    ? 0
		                    : (size_t)(slash - f->path) + 1;
		if (nn == 0 || memchr(name, '\0', nn) != NULL) {
			zone_error(zr, f, line, "$INCLUDE needs a file name",
			           q);
			return;
		}
		char *full = malloc(dirlen + nn + 1);
		if (full == NULL) {
			zone_error(zr, f, line, "out of memory", NULL);
			return;
		}
		memcpy(full, f->path, dirlen);
		memcpy(full + dirlen, name, nn);
		full[dirlen + nn] = '\0';
		(void)zone_read_file(
		    zr, full, o, (size_t)n, zp->s->default_ttl, f,
		    line > UINT_MAX ? UINT_MAX : (unsigned)line);
		free(full);
		/* The includer's origin and TTL hold again after it (RFC
		 * 1035 section 5.1); the builder goes back to this file. */
		if (zdb_builder_set_file(zr->b, f->path) != 0)
			zone_error(zr, f, line, "out of memory", NULL);
	} else {
		snprintf(what, sizeof(what), "unknown directive %.*s",
		         (int)(dn > 40 ? 40 : dn), dir);
		zone_error(zr, f, line, what, NULL);
	}
}

/* Which class a word of a record's first fields names, or NULL when it is
 * not a class (a TTL or the type). CLASS1 is IN (RFC 3597 section 5). */
static const char *zone_class_word(const char *w, size_t n)
{
	static const char *const classes[] = {"IN", "CH",   "CS",
	                                      "HS", "NONE", "ANY"};
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (n == strlen(classes[i]) &&
		    strncasecmp(w, classes[i], n) == 0)
			return classes[i];
	if (n > 5 && strncasecmp(w, "CLASS", 5) == 0) {
		for (size_t i = 5; i < n; i++)
			if (w[i] < '0' || w[i] > '9')
				return NULL;
		return "CLASS";
	}
	return NULL;
}

/* The TTL and class fields of the record at q: a TTL above 2^31-1 is an
 * error; libzscanner 3.2 knows only the class "IN", so CLASS1 is rewritten
 * to IN in place and any other class is an error. Returns false when the
 * record is in error (and is to be skipped). */
static bool zone_check_fields(struct zone_reader *zr, const struct zone_file *f,
                              char *q, uint64_t line)
{
	const char *end = f->buf + f->len;
	char *t = q;
	if (!is_blank(*t)) /* the owner */
		while (t < end && !is_blank(*t) && *t != '\n' && *t != '(' &&
		       *t != ';') {
			if (*t == '\\' && t + 1 < end)
				t++;
			t++;
		}
	/* TTL and class come in either order, each at most once. */
	for (int k = 0; k < 2; k++) {
		while (t < end && is_blank(*t))
			t++;
		char *w = t;
		while (t < end && ((*t >= '0' && *t <= '9') ||
		                   ((*t | 0x20) >= 'a' && (*t | 0x20) <= 'z')))
			t++;
		size_t n = (size_t)(t - w);
		uint64_t ttl;
		if (n == 0)
			return true;
		if (w[0] >= '0' && w[0] <= '9') {
			/* The TTL: the scanner takes any 32-bit value and
			 * says only "bigger than 32 bits" past that. */
			if (zone_parse_ttl(w, n, &ttl) == 0 &&
			    ttl > ZONE_TTL_MAX) {
				char what[80];
				snprintf(what, sizeof(what),
				         "TTL %.*s is above 2^31-1 (RFC 2181 "
				         "section 8)",
				         (int)(n > 20 ? 20 : n), w);
				zone_error(zr, f, line, what, q);
				return false;
			}
			continue;
		}
		const char *c = zone_class_word(w, n);
		if (c == NULL)
			return true; /* the type: the fields are over */
		if (strcmp(c, "IN") == 0)
			continue; /* a TTL may follow the class */
		if (n == 6 && strncasecmp(w, "CLASS1", 6) == 0) {
			memcpy(w, "IN    ", 6);
			continue;
		}
		char what[80];
		snprintf(what, sizeof(what),
		         "class %.*s is not supported, only IN", (int)n, w);
		zone_error(zr, f, line, what, q);
		return false;
	}
	return true;
}

/* Pass over blank lines, comment lines and directives after zp->p to the
 * first line of the next record: *rec and *rec_line. Returns false at the
 * end of the file. */
static bool zone_next_record(struct zone_reader *zr, struct zone_pos *zp,
                             char **rec, uint64_t *rec_line)
{
	const struct zone_file *f = zp->f;
	char *end = f->buf + f->len;
	char *q = (char *)(uintptr_t)zp->p;
	uint64_t line = zp->line;
	bool skipped = false; /* the scanner must not see what was taken */
	if (!zp->at_start) {
		if (q >= end)
			return false;
		q++; /* past the line end */
		line++;
	}
	for (;;) {
		if (q >= end) {
			/* Nothing but blanks and directives is left. */
			return false;
		}
		char *nl = memchr(q, '\n', (size_t)(end - q));
		char *e = nl ? nl : end;
		char *t = q;
		while (t < e && (is_blank(*t) || *t == '\r'))
			t++;
		if (t == e || *t == ';') {
			/* blank or comment only */
		} else if (*q == '$') {
			zone_directive(zr, zp, q, e, line);
			skipped = true;
		} else if (!zone_check_fields(zr, f, q, line)) {
			uint64_t l = line;
			e = (char *)(uintptr_t)zone_record_end(f, q, &l, NULL);
			line = l;
			skipped = true;
		} else {
			break;
		}
		if (e >= end)
			return false;
		q = e + 1;
		line++;
	}
	if (skipped && !zone_resume(zp, q - 1, line - 1))
		return false;
	*rec = q;
	*rec_line = line;
	return true;
}

/* Hand the record the scanner has just parsed to the builder. */
static void zone_add(struct zone_reader *zr, const struct zone_file *f,
                     const zs_scanner_t *s, const char *rec, uint64_t line)
{
	unsigned l = line > UINT_MAX ? UINT_MAX : (unsigned)line;
	if (s->r_ttl > ZONE_TTL_MAX) {
		char what[80];
		snprintf(what, sizeof(what),
		         "TTL %" PRIu32 " is above 2^31-1 (RFC 2181 section 8)",
		         s->r_ttl);
		zone_error(zr, f, line, what, rec);
		return;
	}
	if (s->r_owner_length > DNAME_MAXLEN || s->r_data_length > UINT16_MAX) {
		zone_error(zr, f, line, "record too long", rec);
		return;
	}
	/* Names in RDATA come uncompressed and in the case written: RFC
	 * 3597 section 4 forbids compressing them in types we do not know. */
	if (zdb_builder_add(zr->b, s->r_owner, s->r_owner_length, s->r_type,
	                    s->r_ttl, s->r_data, (uint16_t)s->r_data_length, l,
	                    zr->diag) < 0)
		zr->errors++;
}

/* True when the scanner is still inside f's text (not in the one-byte
 * final block it parses after the end). */
static bool zone_in_file(const struct zone_file *f, const zs_scanner_t *s)
{
	uintptr_t c = (uintptr_t)s->input.current;
	uintptr_t b = (uintptr_t)f->buf;
	return f->len > 0 && c >= b && c <= b + f->len;
}

static void zone_scan(struct zone_reader *zr, struct zone_pos *zp)
{
	const struct zone_file *f = zp->f;
	zs_scanner_t *s = zp->s;
	char *rec;
	uint64_t rec_line;
	if (f->len == 0 || zs_set_input_string(s, f->buf, f->len) != 0)
		return;
	while (zone_next_record(zr, zp, &rec, &rec_line)) {
		if (zs_parse_record(s) != 0 && s->state != ZS_STATE_ERROR)
			break;
		if (s->state == ZS_STATE_DATA) {
			zone_add(zr, f, s, rec, rec_line);
		} else if (s->state == ZS_STATE_ERROR ||
		           s->state == ZS_STATE_INCLUDE) {
			/* The scanner stops at the line of the fault; the
			 * record is skipped whole from its first line. */
			uint64_t l = rec_line;
			bool open_quote = false;
			const char *e =
			    zone_record_end(f, rec, &l, &open_quote);
			zone_error(zr, f, rec_line,
			           s->state == ZS_STATE_INCLUDE
			               ? "misplaced directive"
			           : open_quote ? "unterminated quoted string"
			                        : zs_strerror(s->error.code),
			           rec);
			if (!zone_resume(zp, e, l))
				break;
			continue;
		} else {
			break; /* the end */
		}
		if (!zone_in_file(f, s))
			break; /* the record ended the file */
		zp->p = s->input.current;
		zp->line = s->line_counter;
		zp->at_start = false;
	}
}

/* The whole content of fd in a writable buffer: a private mapping for a
 * regular file (pages stay shared with the page cache until written),
 * else read into memory. Returns 0 or an errno value. */
static int zone_map(struct zone_file *f, int fd, const struct stat *st)
{
	if (S_ISREG(st->st_mode)) {
		if ((uint64_t)st->st_size > ZONE_FILE_MAX)
			return EFBIG;
		f->len = (size_t)st->st_size;
		if (f->len == 0)
			return 0;
		void *m = mmap(NULL, f->len, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			return errno;
		(void)madvise(m, f->len, MADV_SEQUENTIAL);
		f->buf = m;
		f->mapped = true;
		return 0;
	}
	size_t cap = 0;
	for (;;) {
		if (f->len == cap) {
			if (cap >= ZONE_FILE_MAX)
				return EFBIG;
			cap = cap ? cap * 2 : 65536;
			char *nb = realloc(f->buf, cap);
			if (nb == NULL)
				return ENOMEM;
			f->buf = nb;
		}
		ssize_t n = read(fd, f->buf + f->len, cap - f->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return 0;
		f->len += (size_t)n;
	}
}

/* CR LF line ends become " LF": a blank is what the scanner skips
 * anyway, and the length (so every offset) stays the same. */
static void zone_fix_crlf(struct zone_file *f)
{
	if (f->len == 0)
		return; /* buf may be NULL */
	char *p = f->buf, *end = f->buf + f->len;
	while (p < end && (p = memchr(p, '\r', (size_t)(end - p))) != NULL) {
		if (p + 1 == end || p[1] == '\n')
			*p = ' ';
		p++;
	}
}

/* The error for a file that cannot be read: at the $INCLUDE line of the
 * includer, or at the INI file key for the zone file itself (SPEC 1). */
static void zone_open_error(struct zone_reader *zr, const char *path,
                            const struct zone_file *parent, unsigned line,
                            const char *why)
{
	const struct config_zone *cz = zr->cz;
	if (parent != NULL)
		diag_add(zr->diag, parent->path, line,
		         "cannot open included file %s: %s", path, why);
	else if (cz->ini != NULL && cz->file_line > 0)
		diag_add(zr->diag, cz->ini, cz->file_line,
		         "cannot open zone file %s for [zone %s]: %s", path,
		         cz->name, why);
	else
		diag_add(zr->diag, path, 0, "cannot open zone file: %s", why);
	zr->errors++;
}

/* Read one file into the builder. Returns -1 when it could not be read
 * at all (the error is reported), else 0 (its own errors counted). */
static int zone_read_file(struct zone_reader *zr, const char *path,
                          const uint8_t *origin, size_t origin_len,
                          uint32_t ttl, const struct zone_file *parent,
                          unsigned line)
{
	int ret = 0;
	struct zone_file f = {.path = path, .parent = parent};
	char eb[128];
	struct stat st;
	f.depth = parent ? parent->depth + 1 : 0;
	if (f.depth > ZONE_INCLUDE_DEPTH) {
		diag_add(zr->diag, parent->path, line,
		         "$INCLUDE of %s: more than %d levels of $INCLUDE",
		         path, ZONE_INCLUDE_DEPTH);
		zr->errors++;
		return -1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		zone_open_error(zr, path, parent, line,
		                strerror_r(errno, eb, sizeof(eb)));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* An included file must be a file: not a device or a FIFO that
	 * would never end. */
	if (parent != NULL && !S_ISREG(st.st_mode)) {
		close(fd);
		zone_open_error(zr, path, parent, line, "not a regular file");
		return -1;
	}
	f.dev = st.st_dev;
	f.ino = st.st_ino;
	for (const struct zone_file *a = parent; a != NULL; a = a->parent)
		if (a->dev == f.dev && a->ino == f.ino) {
			close(fd);
			diag_add(zr->diag, parent->path, line,
			         "$INCLUDE cycle: %s is already being read "
			         "(included from %s)",
			         path,
			         a->parent ? a->parent->path : "the zone");
			zr->errors++;
			return -1;
		}
	int err = zone_map(&f, fd, &st);
	close(fd);
	zs_scanner_t *s = NULL;
	if (err != 0) {
		zone_open_error(zr, path, parent, line,
		                strerror_r(err, eb, sizeof(eb)));
		ret = -1;
		goto done;
	}
	zone_fix_crlf(&f);
	if (zdb_builder_set_file(zr->b, path) != 0)
		goto oom;
	/* The scanner holds two 64 KiB buffers and more: one per file on
	 * the heap, not on the stack. */
	s = malloc(sizeof(*s));
	if (s == NULL || zs_init(s, ".", 1 /* IN */, ttl) != 0) {
		free(s);
		s = NULL;
		goto oom;
	}
	struct zone_pos zp = {.f = &f,
	                      .s = s,
	                      .cs_main = s->cs,
	                      .p = f.buf,
	                      .line = 1,
	                      .at_start = true};
	memcpy(zp.origin, origin, origin_len);
	zp.origin_len = origin_len;
	memcpy(s->zone_origin, origin, origin_len);
	s->zone_origin_length = (uint32_t)origin_len;
	zone_scan(zr, &zp);
	goto done;
oom:
	diag_add(zr->diag, path, 0, "out of memory");
	zr->errors++;
done:
	if (s != NULL) {
		zs_deinit(s);
		free(s);
	}
	if (f.mapped)
		munmap(f.buf, f.len);
	else
		free(f.buf);
	return ret;
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
	struct zone_reader zr = {.cz = cz, .diag = diag};
	*out = NULL;
	zr.b = zdb_builder_new(cz->dname, cz->dname_len, cz->name, cz->file);
	if (zr.b == NULL) {
		diag_add(diag, cz->file, 0, "out of memory");
		return -1;
	}
	/* A zone file that cannot be read is one error, without the
	 * missing SOA and NS that would follow from it. */
	if (zone_read_file(&zr, cz->file, cz->dname, cz->dname_len,
	                   ZONE_DEFAULT_TTL, NULL, 0) != 0) {
		zdb_builder_abort(zr.b);
		return -1;
	}
	if (zdb_builder_set_file(zr.b, cz->file) != 0)
		zr.errors++;
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
		return 0;
	}
	return -1;
}
