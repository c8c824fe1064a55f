/* ini_reader.c - the INI file through inih (its only user): a reader that
 * counts lines and cleans them up, and the handler that runs each key.
 *
 * config_read_line() is the reader handed to ini_parse_stream(). It counts
 * lines (Debian's inih gives the handler none), drops comments itself so
 * the result does not depend on how the library was built, opens sections
 * itself (inih does not tell the handler about a section without keys, and
 * we need the header's line), strips leading blanks (an indented line would
 * otherwise be glued to the previous key as an inih continuation) and hides
 * ':' in the key part (inih would split "2001:db8::/32 = eu" at the first
 * ':'). config_handle() puts the ':' back and runs the key. */
#include "conf/parser.h"

#include <ini.h>
#include <stdio.h>
#include <string.h>

/* Stands in for ':' in a key while inih splits the line (see above). */
#define CONFIG_COLON '\x01'

static int config_handle(void *user, const char *section, const char *name,
                         const char *value)
{
	struct config_parser *p = user;
	char key[256];
	(void)section; /* we track sections ourselves, with their lines */

	snprintf(key, sizeof(key), "%s", name);
	for (char *c = key; *c != '\0'; c++)
		if (*c == CONFIG_COLON)
			*c = ':';
	config_run_key(p, key, value);
	return 1;
}

/* The reader handed to ini_parse_stream (fgets-like): returns the next line
 * that holds a key, cleaned up; handles everything else itself. */
static char *config_read_line(char *str, int num, void *stream)
{
	struct config_parser *p = stream;
	for (;;) {
		ssize_t n = getline(&p->buf, &p->bufcap, p->fp);
		if (n < 0)
			return NULL;
		p->line++;
		char *s = p->buf;
		if (memchr(s, '\0', (size_t)n) != NULL) {
			config_err(p, p->line, "line holds a NUL byte");
			continue;
		}
		/* A UTF-8 byte order mark, as editors on Windows write. */
		if (p->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
			s += 3;
		while (config_is_space(*s))
			s++;
		if (*s == '\0' || *s == ';' || *s == '#')
			continue;
		/* " ;" starts a comment after a value (SPEC section 2). */
		for (char *c = s + 1; *c != '\0'; c++) {
			if (*c == ';' && (c[-1] == ' ' || c[-1] == '\t')) {
				*c = '\0';
				break;
			}
		}
		size_t len = strlen(s);
		while (len > 0 && config_is_space(s[len - 1]))
			s[--len] = '\0';
		if (*s == '[') {
			config_open_section(p, s);
			continue;
		}
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			config_err(p, p->line,
			           "expected KEY = VALUE, got \"%s\"", s);
			continue;
		}
		char *kend = eq;
		while (kend > s && config_is_space(kend[-1]))
			kend--;
		if (kend == s) {
			config_err(p, p->line, "no key before '='");
			continue;
		}
		for (char *c = s; c < eq; c++)
			if (*c == ':')
				*c = CONFIG_COLON;
		/* inih needs room for "\n\0" and one more (ini.h). */
		if (num < 3 || len > (size_t)num - 3) {
			config_err(p, p->line,
			           "line is too long (at most %d characters); "
			           "split a list over repeated keys",
			           num - 3);
			continue;
		}
		memcpy(str, s, len);
		str[len] = '\n';
		str[len + 1] = '\0';
		return str;
	}
}

int config_ini_read(struct config_parser *p)
{
	size_t before = p->diag->count;
	int r = ini_parse_stream(config_read_line, p, config_handle, p);
	p->read_ok = !ferror(p->fp);
	if (ferror(p->fp)) {
		diag_add(p->diag, p->path, 0, "read error");
		return -1;
	}
	if (r > 0 && p->diag->count == before) {
		/* Our reader should leave inih nothing to reject. */
		diag_add(p->diag, p->path, 0, "syntax error reported by inih");
		return -1;
	}
	if (r < 0) {
		diag_add(p->diag, p->path, 0, "inih failed (%d)", r);
		return -1;
	}
	return 0;
}
