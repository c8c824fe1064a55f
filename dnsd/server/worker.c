/* worker.c - the UDP hot loop. Allocates only at start. */
#include "server/worker.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "answer/rrl.h"
#include "dnstap/dnstap.h"

/* 32 datagrams per syscall: amortises the recvmmsg/sendmmsg cost over a
 * burst while keeping one batch's latency tiny (buffers: 32 x 8 KiB). */
#define WORKER_BATCH 32
/* Queries larger than this are not DNS queries we answer (the largest
 * sane query is a name, a type and an OPT with a few options). */
#define WORKER_RECV_MAX 4096
/* udp_payload's upper bound (SPEC 2). */
#define WORKER_SEND_MAX 4096
/* Room for one IP_PKTINFO or IPV6_PKTINFO control message. */
#define WORKER_CMSG_MAX                                                        \
	CMSG_SPACE(sizeof(struct in6_pktinfo) > sizeof(struct in_pktinfo)      \
	               ? sizeof(struct in6_pktinfo)                            \
	               : sizeof(struct in_pktinfo))

struct worker_bufs {
	struct mmsghdr in[WORKER_BATCH];
	struct mmsghdr out[WORKER_BATCH];
	struct iovec in_iov[WORKER_BATCH];
	struct iovec out_iov[WORKER_BATCH];
	struct sockaddr_storage addr[WORKER_BATCH];
	_Alignas(struct cmsghdr) uint8_t in_cmsg[WORKER_BATCH][WORKER_CMSG_MAX];
	_Alignas(
	    struct cmsghdr) uint8_t out_cmsg[WORKER_BATCH][WORKER_CMSG_MAX];
	uint8_t in_buf[WORKER_BATCH][WORKER_RECV_MAX];
	uint8_t out_buf[WORKER_BATCH][WORKER_SEND_MAX];
	/* Each reply's rcode and TC bit, counted once sendmmsg took it. */
	uint16_t out_rcode[WORKER_BATCH];
	bool out_tc[WORKER_BATCH];
	struct rrl_table rrl;
	struct answer_cache cache;
	struct client_geo_cache geocache;
};

int worker_init(struct worker *w, struct server *srv, unsigned index, int fd,
                bool pktinfo)
{
	memset(w, 0, sizeof(*w));
	w->srv = srv;
	w->index = index;
	w->fd = fd;
	w->pktinfo = pktinfo;
	w->bufs = calloc(1, sizeof(*w->bufs));
	if (w->bufs == NULL)
		return -1;
	socklen_t llen = sizeof(w->local);
	if (getsockname(fd, (struct sockaddr *)&w->local, &llen) != 0)
		w->local.ss_family = AF_UNSPEC;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	answer_ctx_init(&w->actx, &w->stats,
	                (uint64_t)ts.tv_nsec ^ ((uint64_t)index << 32) ^
	                    (uint64_t)getpid());
	struct worker_bufs *b = w->bufs;
	w->actx.cache = &b->cache;
	w->actx.geocache = &b->geocache;
	/* Its pages are touched only by DO=1 queries to signed zones. */
	w->actx.signer = dnssec_signer_new();
	if (w->actx.signer == NULL)
		return -1;
	for (int i = 0; i < WORKER_BATCH; i++) {
		b->in_iov[i].iov_base = b->in_buf[i];
		b->in_iov[i].iov_len = WORKER_RECV_MAX;
		b->out_iov[i].iov_base = b->out_buf[i];
	}
	return 0;
}

/* Copy the query's destination address into the reply's control message
 * so the reply leaves from the address the client asked (a wildcard socket
 * would otherwise pick any local address). Returns the control length. */
static size_t reply_pktinfo(struct msghdr *in, uint8_t *out)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(in); c != NULL;
	     c = CMSG_NXTHDR(in, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;
			struct cmsghdr *o = (struct cmsghdr *)(void *)out;
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			struct cmsghdr *o = (struct cmsghdr *)(void *)out;
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
	}
	return 0;
}

/* Send the batch's n replies, and count those the kernel took: the
 * response counters say what left the socket. */
static void send_all(struct worker *w, unsigned n)
{
	struct worker_bufs *b = w->bufs;
	unsigned sent = 0;
	while (sent < n) {
		int r = (int)syscall(SYS_sendmmsg, w->fd, b->out + sent,
		                     n - sent, 0);
		if (r > 0) {
			for (unsigned i = sent; i < sent + (unsigned)r; i++)
				answer_count_sent(&w->stats, b->out_rcode[i],
				                  b->out_tc[i]);
			sent += (unsigned)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else {
			/* The first message failed (unreachable client, say):
			 * skip it, keep the rest of the batch. */
			sent++;
		}
	}
}

/* Issue 10: a source port of a UDP service that answers any datagram
 * (echo 7 RFC 862, discard 9 RFC 863, daytime 13 RFC 867, qotd 17 RFC
 * 865, chargen 19 RFC 864, time 37 RFC 868, NTP 123, SSDP 1900, memcached
 * 11211), or 0 (RFC 768: no reply expected). A query "from" one is a
 * spoofed packet aimed at a reflection loop between that service and us:
 * one packet would bounce until something drops it. Never 53: servers
 * legitimately query from it. The common case (an ephemeral port above
 * 1900 other than 11211) costs two comparisons. */
static bool worker_reflector_port(const struct sockaddr_storage *ss)
{
	uint16_t port;
	if (ss->ss_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	else if (ss->ss_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	else
		return false;
	if (port > 1900 && port != 11211)
		return false;
	switch (port) {
	case 0:
	case 7:
	case 9:
	case 13:
	case 17:
	case 19:
	case 37:
	case 123:
	case 1900:
	case 11211:
		return true;
	default:
		return false;
	}
}

/* Our address for a query: the socket's, or for a wildcard socket the
 * destination the kernel reported (IP_PKTINFO), with the socket's port. */
static const struct sockaddr *worker_local(const struct worker *w,
                                           struct msghdr *h,
                                           struct sockaddr_storage *out)
{
	if (!w->pktinfo)
		return (const struct sockaddr *)&w->local;
	*out = w->local;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL;
	     c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    w->local.ss_family == AF_INET) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in *)out)->sin_addr = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		           c->cmsg_type == IPV6_PKTINFO &&
		           w->local.ss_family == AF_INET6) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in6 *)out)->sin6_addr = pi.ipi6_addr;
		}
	}
	return (const struct sockaddr *)out;
}

/* The dnstap hook (SPEC 10): query i as received and its reply (len
 * bytes in out slot nout, 0 = none) as it will be sent. */
static void worker_tap(struct worker *w, struct dnstap_sink *tap, int i,
                       unsigned nout, size_t len, const struct timespec *qt)
{
	struct worker_bufs *b = w->bufs;
	struct sockaddr_storage local;
	struct dnstap_event ev = {
	    .tcp = false,
	    .client = (const struct sockaddr *)&b->addr[i],
	    .local = worker_local(w, &b->in[i].msg_hdr, &local),
	    .query = b->in_buf[i],
	    .qlen = b->in[i].msg_len,
	    .resp = b->out_buf[nout],
	    .rlen = len,
	    .qtime = *qt,
	};
	if (len > 0)
		clock_gettime(CLOCK_REALTIME, &ev.rtime);
	dnstap_log(tap, w->index, &ev, &w->stats);
}

/* The debug query log line for a packet dropped before answer_query. */
static void worker_log_drop(struct worker *w, bool trace,
                            const struct sockaddr *src, const char *why)
{
	if (trace) {
		w->actx.last.answered = false;
		answer_log_query(&w->actx, src, false, why);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct worker_bufs *b = w->bufs;
	struct server *srv = w->srv;

	/* The kernel rewrites only msg_namelen, msg_controllen and msg_flags
	 * of the headers it fills, so everything else is set once here and
	 * just those fields of the headers the last batch used are reset
	 * below: at low load a batch is one packet, and resetting all 32
	 * would cost more than answering it. */
	for (int i = 0; i < WORKER_BATCH; i++) {
		struct msghdr *h = &b->in[i].msg_hdr;
		h->msg_name = &b->addr[i];
		h->msg_namelen = sizeof(b->addr[i]);
		h->msg_iov = &b->in_iov[i];
		h->msg_iovlen = 1;
		h->msg_control = w->pktinfo ? b->in_cmsg[i] : NULL;
		h->msg_controllen = w->pktinfo ? WORKER_CMSG_MAX : 0;
		h->msg_flags = 0;
	}
	int used = 0;
	while (!atomic_load_explicit(&srv->stopping, memory_order_relaxed)) {
		for (int i = 0; i < used; i++) {
			struct msghdr *h = &b->in[i].msg_hdr;
			h->msg_namelen = sizeof(b->addr[i]);
			h->msg_controllen = w->pktinfo ? WORKER_CMSG_MAX : 0;
			h->msg_flags = 0;
		}
		/* The raw system call: glibc's recvmmsg and sendmmsg are
		 * thread cancellation points and pay for it on every call;
		 * workers are never cancelled. */
		int n = (int)syscall(SYS_recvmmsg, w->fd, b->in, WORKER_BATCH,
		                     MSG_WAITFORONE, NULL);
		used = n > 0 ? n : 0;
		if (n <= 0)
			continue; /* timeout, EINTR, or woken by shutdown */

		qsbr_online(&srv->qsbr, w->index);
		const struct snapshot *snap = server_snapshot(srv);
		unsigned rrl = snap->cfg->server.rrl;
		unsigned slip = snap->cfg->server.rrl_slip;
		uint32_t now_ms = 0;
		if (rrl > 0) {
			/* One clock read per batch: the coarse clock is a vDSO
			 * read, and millisecond precision is all RRL needs. */
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
			now_ms = (uint32_t)((uint64_t)ts.tv_sec * 1000 +
			                    (uint64_t)ts.tv_nsec / 1000000);
		}
		/* SPEC 10: the query log costs one test per batch when off. */
		bool trace = log_enabled(LOG_LEVEL_DEBUG);
		w->actx.trace = trace;
		/* dnstap: off costs this load and one test per query. */
		struct dnstap_sink *tap = server_dnstap(srv);
		struct timespec qtime;
		if (tap != NULL)
			clock_gettime(CLOCK_REALTIME, &qtime);
		unsigned nout = 0;
		for (int i = 0; i < n; i++) {
			struct msghdr *h = &b->in[i].msg_hdr;
			const struct sockaddr *src =
			    (const struct sockaddr *)&b->addr[i];
			/* shutdown() at stop wakes the worker with an empty
			 * "datagram" that has no sender: not a query, and its
			 * address slot still holds the previous one. */
			if (h->msg_namelen == 0)
				continue;
			if (h->msg_flags & MSG_TRUNC) {
				stats_inc(&w->stats.dropped);
				worker_log_drop(w, trace, src, "too long");
				continue;
			}
			if (worker_reflector_port(&b->addr[i])) {
				stats_inc(&w->stats.reflection_dropped);
				worker_log_drop(w, trace, src,
				                "source port of a reflecting "
				                "service");
				continue;
			}
			size_t len = answer_query(
			    &w->actx, snap, b->in_buf[i], b->in[i].msg_len,
			    b->out_buf[nout], WORKER_SEND_MAX, false, src);
			const char *note = NULL;
			bool tc = w->actx.tc;
			if (len > 0 && rrl > 0) {
				enum rrl_action act =
				    rrl_check(&b->rrl, src, now_ms, rrl, slip);
				if (act != RRL_PASS)
					stats_inc(&w->stats.rrl_limited);
				if (act == RRL_DROP) {
					len = 0;
					note = "dropped by rrl";
				} else if (act == RRL_SLIP) {
					len = rrl_slip_response(
					    b->out_buf[nout], len);
					tc = true;
					note = "slipped by rrl (TC=1)";
				}
			}
			if (trace)
				answer_log_query(&w->actx, src, false, note);
			/* Not a datagram of 0 bytes: shutdown() wakes a
			 * worker at stop with one of those. */
			if (tap != NULL && b->in[i].msg_len > 0)
				worker_tap(w, tap, i, nout, len, &qtime);
			if (len == 0)
				continue;
			b->out_rcode[nout] = w->actx.rcode;
			b->out_tc[nout] = tc;
			struct msghdr *o = &b->out[nout].msg_hdr;
			b->out_iov[nout].iov_len = len;
			o->msg_name = &b->addr[i];
			o->msg_namelen = h->msg_namelen;
			o->msg_iov = &b->out_iov[nout];
			o->msg_iovlen = 1;
			o->msg_flags = 0;
			o->msg_controllen = 0;
			o->msg_control = NULL;
			if (w->pktinfo) {
				size_t cl = reply_pktinfo(h, b->out_cmsg[nout]);
				if (cl > 0) {
					o->msg_control = b->out_cmsg[nout];
					o->msg_controllen = cl;
				}
			}
			nout++;
		}
		qsbr_offline(&srv->qsbr, w->index);
		if (nout > 0)
			send_all(w, nout);
	}
	return NULL;
}

int worker_start(struct worker *w)
{
	int err = pthread_create(&w->thread, NULL, worker_main, w);
	if (err != 0)
		return -err;
	w->started = true;
	return 0;
}

void worker_wake(struct worker *w)
{
	/* On Linux, shutdown() on a UDP socket wakes a blocked receive. */
	(void)shutdown(w->fd, SHUT_RD);
}

void worker_destroy(struct worker *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = false;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->bufs);
	w->bufs = NULL;
	dnssec_signer_free(w->actx.signer);
	w->actx.signer = NULL;
}
