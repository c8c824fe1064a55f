/* admin_file.c - the state file of the override table (SPEC 7). A text
 * file, so an operator can read it (and, with dnsd stopped, fix it):
 *
 *   dnsd-admin 1
 *   TARGET<TAB>STATE<TAB>SINCE_MS<TAB>UNTIL_MS<TAB>REASON
 *
 * The first line is the format's version: a dnsd that does not know it
 * refuses to start rather than guess. */
#include "snapshot/admin.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ADMIN_FILE_MAGIC "dnsd-admin 1"

static int admin_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The folder of path, for the fsync that makes the rename durable. */
static int admin_open_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t n = (size_t)(slash - path);
	if (n == 0)
		n = 1; /* "/file" */
	if (n >= sizeof(dir))
		return -1;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int admin_save(const struct admin_table *t, const char *path, char *err,
               size_t errlen)
{
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	size_t cap = 64 + t->n * (ADMIN_TARGET_MAX + ADMIN_REASON_MAX + 64);
	char *buf = malloc(cap);
	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	size_t len = (size_t)snprintf(buf, cap, "%s\n", ADMIN_FILE_MAGIC);
	for (size_t i = 0; i < t->n && len < cap; i++) {
		const struct admin_override *o = t->v[i];
		len +=
		    (size_t)snprintf(buf + len, cap - len,
		                     "%s\t%s\t%" PRId64 "\t%" PRId64 "\t%s\n",
		                     o->t.text, admin_state_name(o->state),
		                     o->since_ms, o->until_ms, o->reason);
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
		         strerror(errno));
		free(buf);
		return -1;
	}
	/* fsync before rename: after a crash the file is the old or the
	 * new table, never an empty or half-written one. */
	if (len >= cap || admin_write_all(fd, buf, len) != 0 ||
	    fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
		         strerror(errno));
		close(fd);
		unlink(tmp);
		free(buf);
		return -1;
	}
	free(buf);
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot replace %s: %s", path,
		         strerror(errno));
		unlink(tmp);
		return -1;
	}
	int dfd = admin_open_dir(path);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

static int admin_parse_i64(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0)
		return -1;
	*out = v;
	return 0;
}

/* One "TARGET\tSTATE\tSINCE\tUNTIL\tREASON" line into o. */
static int admin_parse_line(char *line, struct admin_override *o, char *err,
                            size_t errlen)
{
	char *f[5];
	int n = 0;
	f[n++] = line;
	for (char *p = line; *p != '\0' && n < 5; p++)
		if (*p == '\t') {
			*p = '\0';
			f[n++] = p + 1;
		}
	if (n != 5) {
		snprintf(err, errlen, "want 5 tab-separated fields, found %d",
		         n);
		return -1;
	}
	memset(o, 0, sizeof(*o));
	if (admin_parse_target(f[0], &o->t, err, errlen) != 0)
		return -1;
	if (strcmp(f[1], "drain") == 0) {
		o->state = LB_ADMIN_DRAIN;
	} else if (strcmp(f[1], "force-up") == 0) {
		o->state = LB_ADMIN_FORCE_UP;
	} else {
		snprintf(err, errlen, "unknown state \"%.32s\"", f[1]);
		return -1;
	}
	if (admin_parse_i64(f[2], &o->since_ms) != 0 ||
	    admin_parse_i64(f[3], &o->until_ms) != 0) {
		snprintf(err, errlen, "bad time \"%.32s\" or \"%.32s\"", f[2],
		         f[3]);
		return -1;
	}
	if (!admin_reason_ok(f[4])) {
		snprintf(err, errlen,
		         "reason too long or with control characters");
		return -1;
	}
	memcpy(o->reason, f[4], strlen(f[4]) + 1);
	return 0;
}

/* The whole file into a NUL-terminated buffer, bounded. */
static char *admin_read_file(const char *path, size_t *len, int *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	struct stat st = {0};
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)ADMIN_STATE_MAX_BYTES) {
		*err = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		close(fd);
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t n = 0;
	while (buf != NULL && n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	*err = buf == NULL ? ENOMEM : errno;
	close(fd);
	if (buf == NULL || n != (size_t)st.st_size) {
		free(buf);
		if (*err == 0)
			*err = EIO;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int admin_load(struct admin_table *t, const char *path, struct diag *diag)
{
	size_t len = 0;
	int e = 0;
	char *buf = admin_read_file(path, &len, &e);
	if (buf == NULL) {
		if (e == ENOENT)
			return 0; /* first start: nothing kept yet */
		diag_add(diag, path, 0, "cannot read the state file: %s",
		         strerror(e));
		return -1;
	}
	size_t errors = diag->count;
	unsigned lineno = 0;
	char *p = buf;
	while (*p != '\0') {
		char *nl = strchr(p, '\n');
		if (nl == NULL) {
			diag_add(diag, path, lineno + 1,
			         "truncated line (no newline): the file was "
			         "not written by dnsd");
			break;
		}
		*nl = '\0';
		lineno++;
		if (lineno == 1) {
			if (strcmp(p, ADMIN_FILE_MAGIC) != 0) {
				diag_add(diag, path, 1,
				         "not a dnsd state file (want first "
				         "line \"%s\")",
				         ADMIN_FILE_MAGIC);
				break;
			}
		} else if (*p != '\0' && *p != '#') {
			struct admin_override o;
			char err[256];
			if (admin_parse_line(p, &o, err, sizeof(err)) != 0)
				diag_add(diag, path, lineno, "%s", err);
			else if (admin_find(t, &o.t) != NULL)
				diag_add(diag, path, lineno,
				         "second override of %s", o.t.text);
			else if (admin_put(t, &o) != 0)
				diag_add(diag, path, lineno, "out of memory");
		}
		p = nl + 1;
	}
	if (lineno == 0 && diag->count == errors)
		diag_add(diag, path, 0,
		         "empty state file (dnsd always writes a header)");
	free(buf);
	if (diag->count != errors) {
		for (size_t i = 0; i < t->n; i++)
			free(t->v[i]);
		t->n = 0;
		return -1;
	}
	return 0;
}
