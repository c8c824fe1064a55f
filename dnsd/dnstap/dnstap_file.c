/* dnstap_file.c - a file sink's fstrm_rdwr: open, writev, close. libfstrm
 * still writes the Frame Streams framing and control frames through it. */
#include "dnstap/dnstap_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fstrm.h>

struct dnstap_file {
	char *path;
	int fd;
};

static fstrm_res dnstap_file_open(void *obj)
{
	struct dnstap_file *f = obj;
	if (f->fd >= 0)
		return fstrm_res_success;
	/* Truncated: a file sink starts a new capture, as fstrm's own. */
	f->fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	return f->fd >= 0 ? fstrm_res_success : fstrm_res_failure;
}

static fstrm_res dnstap_file_close(void *obj)
{
	struct dnstap_file *f = obj;
	if (f->fd < 0)
		return fstrm_res_failure;
	int rc = close(f->fd);
	f->fd = -1;
	return rc == 0 ? fstrm_res_success : fstrm_res_failure;
}

/* All of iov, resuming after short writes (a full disk ends it). */
static fstrm_res dnstap_file_write(void *obj, const struct iovec *iov,
                                   int iovcnt)
{
	struct dnstap_file *f = obj;
	struct iovec local[IOV_MAX];
	if (f->fd < 0 || iovcnt < 0 || iovcnt > IOV_MAX)
		return fstrm_res_failure;
	memcpy(local, iov, (size_t)iovcnt * sizeof(*iov));
	struct iovec *v = local;
	while (iovcnt > 0) {
		ssize_t n = writev(f->fd, v, iovcnt);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fstrm_res_failure;
		while (iovcnt > 0 && (size_t)n >= v->iov_len) {
			n -= (ssize_t)v->iov_len;
			v++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			v->iov_base = (char *)v->iov_base + n;
			v->iov_len -= (size_t)n;
		}
	}
	return fstrm_res_success;
}

static fstrm_res dnstap_file_destroy(void *obj)
{
	struct dnstap_file *f = obj;
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	free(f);
	return fstrm_res_success;
}

struct fstrm_writer *dnstap_file_writer(const char *path,
                                        const struct fstrm_writer_options *w)
{
	struct dnstap_file *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->fd = -1;
	f->path = strdup(path);
	struct fstrm_rdwr *rw = f->path ? fstrm_rdwr_init(f) : NULL;
	if (rw == NULL) {
		free(f->path);
		free(f);
		return NULL;
	}
	/* From here rw owns f (its destroy method frees it). No read
	 * method: a file is a one-way stream, without the handshake. */
	fstrm_rdwr_set_destroy(rw, dnstap_file_destroy);
	fstrm_rdwr_set_open(rw, dnstap_file_open);
	fstrm_rdwr_set_close(rw, dnstap_file_close);
	fstrm_rdwr_set_write(rw, dnstap_file_write);
	struct fstrm_writer *out = fstrm_writer_init(w, &rw);
	if (out == NULL && rw != NULL)
		fstrm_rdwr_destroy(&rw);
	return out;
}
