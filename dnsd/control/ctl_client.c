/* ctl_client.c - dnsdctl's control socket client and INI lookup. */
#include "control/ctl_client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <ini.h>

#include "control/ctl_proto.h"

/* A response longer than this is not from dnsd (the admin list of
 * thousands of overrides fits). */
#define CTL_CLIENT_MAX_RESPONSE (16u << 20)

struct ctl_ini {
	char *control;
	char *socket;
	bool oom;
};

static char *ctl_ini_value(const char *v)
{
	/* dnsd's reader ends a value at " ;" (SPEC 2); inih may not. */
	size_t n = strlen(v);
	const char *c = strstr(v, " ;");
	if (c != NULL)
		n = (size_t)(c - v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	return strndup(v, n);
}

static int ctl_ini_handler(void *user, const char *section, const char *name,
                           const char *value)
{
	struct ctl_ini *ci = user;
	if (strcmp(section, "server") != 0)
		return 1;
	char **slot = strcmp(name, "control") == 0          ? &ci->control
	              : strcmp(name, "control_socket") == 0 ? &ci->socket
	                                                    : NULL;
	if (slot == NULL)
		return 1;
	free(*slot);
	*slot = ctl_ini_value(value);
	ci->oom |= *slot == NULL;
	return 1;
}

int ctl_client_ini(const char *path, char **control, char **control_socket,
                   char *err, size_t errlen)
{
	struct ctl_ini ci = {0};
	*control = *control_socket = NULL;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		         strerror(errno));
		return -1;
	}
	int rc = ini_parse_file(f, ctl_ini_handler, &ci);
	fclose(f);
	if (rc != 0 || ci.oom) {
		/* dnsd -t tells the details; here only what we need. */
		if (rc > 0)
			snprintf(err, errlen,
			         "%s:%d: cannot parse (dnsd -t -c %s "
			         "shows why)",
			         path, rc, path);
		else
			snprintf(err, errlen, "cannot read %s", path);
		free(ci.control);
		free(ci.socket);
		return -1;
	}
	if (ci.socket != NULL && ci.socket[0] != '/') {
		/* Relative to the INI file's folder, as dnsd resolves it. */
		const char *slash = strrchr(path, '/');
		if (slash != NULL) {
			size_t dl = (size_t)(slash - path);
			size_t n = dl + 1 + strlen(ci.socket) + 1;
			char *abs = malloc(n);
			if (abs == NULL) {
				snprintf(err, errlen, "out of memory");
				free(ci.control);
				free(ci.socket);
				return -1;
			}
			snprintf(abs, n, "%.*s/%s", (int)dl, path, ci.socket);
			free(ci.socket);
			ci.socket = abs;
		}
	}
	*control = ci.control;
	*control_socket = ci.socket;
	return 0;
}

static long ctl_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 +
	       (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

static int ctl_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket path too long: %s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	int e = errno;
	close(fd);
	struct stat st;
	if (e == ENOENT)
		snprintf(err, errlen,
		         "control socket %s does not exist (is dnsd running, "
		         "with control_socket set to it?)",
		         path);
	else if (e == EACCES || e == EPERM)
		snprintf(err, errlen,
		         "permission denied on control socket %s (run as "
		         "root, dnsd's user or a member of the socket's "
		         "group)",
		         path);
	else if (e == ECONNREFUSED)
		snprintf(err, errlen,
		         "nobody answers on control socket %s (dnsd is not "
		         "running?)",
		         path);
	else if (e == ENOTSOCK ||
	         (stat(path, &st) == 0 && !S_ISSOCK(st.st_mode)))
		snprintf(err, errlen, "%s is not a socket", path);
	else
		snprintf(err, errlen, "cannot connect to control socket %s: %s",
		         path, strerror(e));
	return -1;
}

/* Everything until the server closes, bounded in time and size. */
static char *ctl_read_all(int fd, const struct timespec *deadline, size_t *len,
                          char *err, size_t errlen)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf != NULL) {
		long left = ctl_ms_left(deadline);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			snprintf(err, errlen, "dnsd did not answer in time");
			free(buf);
			return NULL;
		}
		if (n + 1 >= cap) {
			if (cap >= CTL_CLIENT_MAX_RESPONSE) {
				snprintf(err, errlen, "response too big");
				free(buf);
				return NULL;
			}
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		/* A refusal is written before the request was read: the
		 * close may reset the connection after the answer. */
		if (r < 0 && errno == ECONNRESET && n > 0)
			r = 0;
		if (r < 0) {
			snprintf(err, errlen, "reading from dnsd: %s",
			         strerror(errno));
			free(buf);
			return NULL;
		}
		if (r == 0) {
			buf[n] = '\0';
			*len = n;
			return buf;
		}
		n += (size_t)r;
	}
	free(buf);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

int ctl_client_call(const char *path, const char *const *lines, size_t n,
                    int timeout_s, bool *ok, char **body, char *err,
                    size_t errlen)
{
	*body = NULL;
	size_t rlen = strlen(CTL_PROTO_MAGIC) + 2;
	for (size_t i = 0; i < n; i++) {
		if (strchr(lines[i], '\n') != NULL) {
			snprintf(err, errlen,
			         "arguments must not hold newlines");
			return -1;
		}
		rlen += strlen(lines[i]) + 1;
	}
	if (rlen > CTL_MAX_REQUEST || n > CTL_MAX_ARGS) {
		snprintf(err, errlen, "request too big (at most %d targets)",
		         CTL_MAX_ARGS - 3);
		return -1;
	}
	char *req = malloc(rlen + 1);
	if (req == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t off = (size_t)sprintf(req, "%s\n", CTL_PROTO_MAGIC);
	for (size_t i = 0; i < n; i++)
		off += (size_t)sprintf(req + off, "%s\n", lines[i]);
	req[off++] = '\n';
	int fd = ctl_connect(path, err, errlen);
	if (fd < 0) {
		free(req);
		return -1;
	}
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_s;
	/* A refusal (permission, busy) arrives without reading the
	 * request: a failed write is not the end, the response says why. */
	for (size_t w = 0; w < off;) {
		ssize_t r = send(fd, req + w, off - w, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		w += (size_t)r;
	}
	free(req);
	size_t len = 0;
	char *resp = ctl_read_all(fd, &deadline, &len, err, errlen);
	close(fd);
	if (resp == NULL)
		return -1;
	char *nl = strchr(resp, '\n');
	if (nl == NULL) {
		snprintf(err, errlen,
		         "%s closed the connection without an answer", path);
		free(resp);
		return -1;
	}
	*nl = '\0';
	if (strcmp(resp, CTL_PROTO_OK) == 0) {
		*ok = true;
	} else if (strcmp(resp, CTL_PROTO_ERROR) == 0) {
		*ok = false;
	} else {
		snprintf(err, errlen,
		         "%s is not a dnsd control socket of this version "
		         "(it said \"%.40s\")",
		         path, resp);
		free(resp);
		return -1;
	}
	memmove(resp, nl + 1, len - (size_t)(nl + 1 - resp) + 1);
	*body = resp;
	return 0;
}
