/* qpace.c - a paced UDP DNS query sender for benchmarks: sends queries at
 * a fixed rate, matches answers by ID and reports per-query latency
 * percentiles, losses and rcodes; or (-w) polls a starting server once a
 * millisecond and reports when it first answers (cold start).
 *
 *   qpace -s ADDR -p PORT -d FILE [-r QPS] [-n COUNT] [-l SECONDS]
 *         [-e] [-D] [-E CODE:HEX] [-k SOCKETS] [-t TIMEOUT_MS] [-w [-a]]
 *
 * FILE holds dnsperf-style lines "NAME TYPE"; they are sent in order, over
 * and over. Every run is bounded: at most COUNT queries (default 10,000)
 * and at most SECONDS of sending (default 60), then TIMEOUT_MS (default
 * 1000) for the last answers. -D sets the DNSSEC OK bit (implies -e).
 * Results go to stdout as key=value lines. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns/dname.h"

/* IDs are 16 bits: 65,536 queries in flight at most. At the rates this
 * tool is for (a few thousand per second) that is over ten seconds of
 * queries, far beyond any timeout. */
#define QP_IDS       65536
#define QP_MAX_LINES 100000   /* a query file larger than this is a mistake */
#define QP_MAX_COUNT 50000000 /* bound on -n: the latency array is 8 B each */
#define QP_MAX_SECS  3600
#define QP_MAX_SOCKS 64
#define QP_QUERY_MAX 512
#define QP_BATCH     64   /* answers read per recvmmsg */
#define QP_EDNS_SIZE 1232 /* the usual EDNS buffer size (DNS flag day 2020) */

struct qp_query {
	uint8_t wire[QP_QUERY_MAX];
	size_t len;
};

struct qp_slot {
	int64_t sent_ns; /* 0 = free */
	uint32_t seq;
};

static volatile sig_atomic_t qp_stop;

static void qp_on_signal(int sig)
{
	(void)sig;
	qp_stop = 1;
}

static int64_t qp_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void qp_usage(void)
{
	fprintf(
	    stderr,
	    "usage: qpace -s ADDR -p PORT -d FILE [-r QPS] [-n COUNT] "
	    "[-l SECONDS]\n"
	    "             [-e] [-D] [-E CODE:HEX] [-k SOCKETS] [-t TIMEOUT_MS] "
	    "[-w [-a]]\n"
	    "  -r  queries per second (default 5000)\n"
	    "  -n  stop after COUNT queries (default 10000)\n"
	    "  -l  stop sending after SECONDS (default 60)\n"
	    "  -e  add an EDNS(0) OPT record; -E adds an option to it\n"
	    "  -k  spread queries over this many sockets (default 1)\n"
	    "  -t  wait this long for answers after the last query\n"
	    "  -w  cold-start mode: one query (the file's first) every "
	    "1 ms until\n"
	    "      the first NOERROR answer with records, at most -l "
	    "seconds\n"
	    "  -a  with -w: any response counts (for the reflector)\n");
	exit(2);
}

static int qp_type(const char *s)
{
	static const struct {
		const char *name;
		int type;
	} types[] = {{"A", 1},    {"NS", 2},   {"CNAME", 5}, {"SOA", 6},
	             {"PTR", 12}, {"MX", 15},  {"TXT", 16},  {"AAAA", 28},
	             {"SRV", 33}, {"ANY", 255}};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(s, types[i].name) == 0)
			return types[i].type;
	if (strncasecmp(s, "TYPE", 4) == 0) {
		char *end;
		long v = strtol(s + 4, &end, 10);
		if (*end == '\0' && v > 0 && v < 65536)
			return (int)v;
	}
	return -1;
}

static int qp_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "CODE:HEX" as dnsperf's -E takes it, to an option in wire form. */
static int qp_parse_option(const char *s, uint8_t *out, size_t cap,
                           size_t *outlen)
{
	char *end;
	long code = strtol(s, &end, 10);
	if (end == s || *end != ':' || code < 0 || code > 65535)
		return -1;
	const char *hex = end + 1;
	size_t n = strlen(hex);
	if (n % 2 != 0 || 4 + n / 2 > cap)
		return -1;
	out[0] = (uint8_t)(code >> 8);
	out[1] = (uint8_t)code;
	out[2] = (uint8_t)((n / 2) >> 8);
	out[3] = (uint8_t)(n / 2);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = qp_hex(hex[2 * i]), lo = qp_hex(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[4 + i] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = 4 + n / 2;
	return 0;
}

/* -D: the DO bit in every query's OPT record (RFC 3225). */
static bool qp_dnssec_ok;

static int qp_build(struct qp_query *q, const char *name, int type, bool edns,
                    const uint8_t *opt, size_t optlen)
{
	uint8_t *b = q->wire;
	memset(b, 0, 12);
	b[5] = 1; /* QDCOUNT */
	b[11] = edns ? 1 : 0;
	int n = dname_from_str(name, b + 12);
	if (n < 0)
		return -1;
	size_t p = 12 + (size_t)n;
	b[p++] = (uint8_t)(type >> 8);
	b[p++] = (uint8_t)type;
	b[p++] = 0;
	b[p++] = 1; /* class IN */
	if (edns) {
		if (p + 11 + optlen > QP_QUERY_MAX)
			return -1;
		b[p++] = 0; /* root owner */
		b[p++] = 0;
		b[p++] = 41; /* OPT, RFC 6891 section 6.1.2 */
		b[p++] = QP_EDNS_SIZE >> 8;
		b[p++] = QP_EDNS_SIZE & 0xff;
		b[p++] = 0; /* extended rcode, version, flags (DO = 0x8000) */
		b[p++] = 0;
		b[p++] = qp_dnssec_ok ? 0x80 : 0;
		b[p++] = 0;
		b[p++] = (uint8_t)(optlen >> 8);
		b[p++] = (uint8_t)optlen;
		memcpy(b + p, opt, optlen);
		p += optlen;
	}
	q->len = p;
	return 0;
}

static struct qp_query *qp_load(const char *path, bool edns, const uint8_t *opt,
                                size_t optlen, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "qpace: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	struct qp_query *qs = NULL;
	size_t cap = 0, count = 0;
	char line[1024];
	unsigned lineno = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		char name[512], tname[32];
		if (line[0] == '#' || line[0] == ';' ||
		    sscanf(line, "%511s %31s", name, tname) != 2)
			continue;
		int type = qp_type(tname);
		if (count == QP_MAX_LINES || type < 0) {
			fprintf(stderr, "qpace: %s:%u: %s\n", path, lineno,
			        type < 0 ? "unknown type" : "too many lines");
			goto fail;
		}
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			struct qp_query *nq = realloc(qs, cap * sizeof(*qs));
			if (nq == NULL)
				goto fail;
			qs = nq;
		}
		if (qp_build(&qs[count], name, type, edns, opt, optlen) != 0) {
			fprintf(stderr, "qpace: %s:%u: bad name\n", path,
			        lineno);
			goto fail;
		}
		count++;
	}
	fclose(f);
	if (count == 0) {
		fprintf(stderr, "qpace: %s: no queries\n", path);
		free(qs);
		return NULL;
	}
	*n = count;
	return qs;
fail:
	fclose(f);
	free(qs);
	return NULL;
}

static int qp_socket(const char *addr, const char *port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM,
	                         .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
	struct addrinfo *ai;
	int rc = getaddrinfo(addr, port, &hints, &ai);
	if (rc != 0) {
		fprintf(stderr, "qpace: %s port %s: %s\n", addr, port,
		        gai_strerror(rc));
		return -1;
	}
	int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		fprintf(stderr, "qpace: socket: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	/* A large buffer so a burst of answers is not dropped by us. */
	int sz = 4 << 20;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	freeaddrinfo(ai);
	return fd;
}

static int qp_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static double qp_pct(const int64_t *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return (double)v[i] / 1000.0;
}

/* Cold start: poll with the first query once a millisecond. */
static int qp_wait(int fd, const struct qp_query *q, int64_t limit_ns, bool any)
{
	uint8_t pkt[QP_QUERY_MAX], in[4096];
	memcpy(pkt, q->wire, q->len);
	int64_t start = qp_now(), deadline = start + limit_ns;
	uint16_t id = 0;
	unsigned sent = 0;
	printf("ready=1\n");
	fflush(stdout);
	while (!qp_stop && qp_now() < deadline) {
		id++;
		pkt[0] = (uint8_t)(id >> 8);
		pkt[1] = (uint8_t)id;
		if (send(fd, pkt, q->len, 0) >= 0)
			sent++;
		int64_t next = qp_now() + 1000000;
		for (;;) {
			int64_t now = qp_now();
			if (now >= next)
				break;
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			struct timespec ts = {0, (long)(next - now)};
			if (ppoll(&pfd, 1, &ts, NULL) <= 0)
				continue;
			ssize_t n = recv(fd, in, sizeof(in), 0);
			/* NOERROR with at least one answer record (a server
			 * still loading may answer SERVFAIL or REFUSED). */
			if (n >= 12 && (in[2] & 0x80) &&
			    (any ||
			     ((in[3] & 0x0f) == 0 && (in[6] | in[7]) != 0))) {
				int64_t t = qp_now();
				printf("first_answer_ns=%lld\nwaited_ms=%.3f\n"
				       "polls=%u\n",
				       (long long)t, (double)(t - start) / 1e6,
				       sent);
				return 0;
			}
		}
	}
	printf("first_answer_ns=0\npolls=%u\n", sent);
	return 1;
}

int main(int argc, char **argv)
{
	const char *server = "127.0.0.1", *port = NULL, *file = NULL;
	double rate = 5000;
	long count = 10000, secs = 60, timeout_ms = 1000, nsocks = 1;
	bool edns = false, wait_mode = false, any = false;
	uint8_t opt[256];
	size_t optlen = 0;
	int c;
	while ((c = getopt(argc, argv, "s:p:d:r:n:l:eDE:k:t:wah")) != -1) {
		switch (c) {
		case 's':
			server = optarg;
			break;
		case 'p':
			port = optarg;
			break;
		case 'd':
			file = optarg;
			break;
		case 'r':
			rate = strtod(optarg, NULL);
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 'l':
			secs = strtol(optarg, NULL, 10);
			break;
		case 'e':
			edns = true;
			break;
		case 'D':
			edns = true;
			qp_dnssec_ok = true;
			break;
		case 'E': {
			size_t n;
			if (qp_parse_option(optarg, opt + optlen,
			                    sizeof(opt) - optlen, &n) != 0) {
				fprintf(stderr, "qpace: bad -E %s\n", optarg);
				return 2;
			}
			optlen += n;
			edns = true;
			break;
		}
		case 'k':
			nsocks = strtol(optarg, NULL, 10);
			break;
		case 't':
			timeout_ms = strtol(optarg, NULL, 10);
			break;
		case 'w':
			wait_mode = true;
			break;
		case 'a':
			any = true;
			break;
		default:
			qp_usage();
		}
	}
	if (port == NULL || file == NULL || rate < 1 || rate > 10000000 ||
	    count < 1 || count > QP_MAX_COUNT || secs < 1 ||
	    secs > QP_MAX_SECS || nsocks < 1 || nsocks > QP_MAX_SOCKS ||
	    timeout_ms < 1 || timeout_ms > 60000)
		qp_usage();

	/* Wake-ups within microseconds, not the default 50 us slack. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	signal(SIGINT, qp_on_signal);
	signal(SIGTERM, qp_on_signal);

	size_t nq;
	struct qp_query *qs = qp_load(file, edns, opt, optlen, &nq);
	if (qs == NULL)
		return 2;
	int fds[QP_MAX_SOCKS];
	for (long i = 0; i < nsocks; i++) {
		fds[i] = qp_socket(server, port);
		if (fds[i] < 0)
			return 2;
	}
	if (wait_mode)
		return qp_wait(fds[0], &qs[0], (int64_t)secs * 1000000000LL,
		               any);

	struct qp_slot *slots = calloc(QP_IDS, sizeof(*slots));
	int64_t *lat = malloc((size_t)count * sizeof(*lat));
	if (slots == NULL || lat == NULL) {
		free(slots);
		free(lat);
		return 2;
	}
	uint64_t rcodes[16] = {0};
	uint64_t sent = 0, answered = 0, late = 0, empty = 0, unmatched = 0;
	uint64_t send_err = 0, busy = 0;
	int64_t period = (int64_t)(1e9 / rate);
	int64_t start = qp_now();
	int64_t send_end = start + (int64_t)secs * 1000000000LL;
	int64_t timeout_ns = (int64_t)timeout_ms * 1000000LL;
	uint8_t pkt[QP_QUERY_MAX];
	uint16_t next_id = (uint16_t)(start ^ getpid());
	static uint8_t inbuf[QP_BATCH][1024];
	struct mmsghdr msgs[QP_BATCH];
	struct iovec iov[QP_BATCH];
	int64_t last_send = start;

	struct pollfd pfds[QP_MAX_SOCKS];
	for (long i = 0; i < nsocks; i++)
		pfds[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};

	for (;;) {
		int64_t now = qp_now();
		bool sending =
		    !qp_stop && sent < (uint64_t)count && now < send_end;
		if (!sending && (answered + late >= sent ||
		                 now > last_send + timeout_ns || qp_stop))
			break;
		/* Send every query whose time has come (catching up after a
		 * slow wake-up keeps the average rate). */
		while (sending && start + (int64_t)sent * period <= now &&
		       sent < (uint64_t)count) {
			const struct qp_query *q = &qs[sent % nq];
			/* Skip IDs still in flight (only on huge backlogs). */
			unsigned tries = 0;
			while (slots[next_id].sent_ns != 0 &&
			       now - slots[next_id].sent_ns < timeout_ns &&
			       tries++ < QP_IDS)
				next_id++;
			if (tries >= QP_IDS) {
				busy++;
				break;
			}
			memcpy(pkt, q->wire, q->len);
			pkt[0] = (uint8_t)(next_id >> 8);
			pkt[1] = (uint8_t)next_id;
			int fd = fds[sent % (uint64_t)nsocks];
			slots[next_id].sent_ns = qp_now();
			slots[next_id].seq = (uint32_t)sent;
			if (send(fd, pkt, q->len, 0) < 0)
				send_err++;
			last_send = slots[next_id].sent_ns;
			next_id++;
			sent++;
		}
		/* Read answers until the next send is due. */
		int64_t wake = sending ? start + (int64_t)sent * period
		                       : last_send + timeout_ns;
		now = qp_now();
		if (wake > now) {
			struct timespec ts = {
			    (time_t)((wake - now) / 1000000000),
			    (long)((wake - now) % 1000000000)};
			if (ppoll(pfds, (nfds_t)nsocks, &ts, NULL) <= 0)
				continue;
		}
		for (long s = 0; s < nsocks; s++) {
			for (int i = 0; i < QP_BATCH; i++) {
				iov[i].iov_base = inbuf[i];
				iov[i].iov_len = sizeof(inbuf[i]);
				msgs[i].msg_hdr = (struct msghdr){
				    .msg_iov = &iov[i], .msg_iovlen = 1};
			}
			int n = recvmmsg(fds[s], msgs, QP_BATCH, MSG_DONTWAIT,
			                 NULL);
			int64_t t = qp_now();
			for (int i = 0; i < n; i++) {
				const uint8_t *r = inbuf[i];
				if (msgs[i].msg_len < 12 || !(r[2] & 0x80)) {
					unmatched++;
					continue;
				}
				uint16_t id = (uint16_t)(r[0] << 8 | r[1]);
				if (slots[id].sent_ns == 0) {
					unmatched++;
					continue;
				}
				int64_t d = t - slots[id].sent_ns;
				slots[id].sent_ns = 0;
				if (d > timeout_ns) {
					late++;
					continue;
				}
				lat[answered++] = d;
				rcodes[r[3] & 0x0f]++;
				if ((r[6] | r[7]) == 0)
					empty++;
			}
		}
	}
	int64_t end = qp_now();
	qsort(lat, answered, sizeof(*lat), qp_cmp);
	double dur = (double)(last_send - start) / 1e9;
	printf("sent=%llu\nanswered=%llu\nlost=%llu\nlate=%llu\n"
	       "unmatched=%llu\nsend_errors=%llu\nid_busy=%llu\n",
	       (unsigned long long)sent, (unsigned long long)answered,
	       (unsigned long long)(sent - answered), (unsigned long long)late,
	       (unsigned long long)unmatched, (unsigned long long)send_err,
	       (unsigned long long)busy);
	printf("rate=%.1f\nduration_s=%.3f\n",
	       dur > 0 ? (double)(sent - 1) / dur : 0.0,
	       (double)(end - start) / 1e9);
	printf("noerror=%llu\nnxdomain=%llu\nservfail=%llu\nrefused=%llu\n"
	       "other_rcode=%llu\nno_answer_records=%llu\n",
	       (unsigned long long)rcodes[0], (unsigned long long)rcodes[3],
	       (unsigned long long)rcodes[2], (unsigned long long)rcodes[5],
	       (unsigned long long)(answered - rcodes[0] - rcodes[3] -
	                            rcodes[2] - rcodes[5]),
	       (unsigned long long)empty);
	printf("p50_us=%.1f\np90_us=%.1f\np99_us=%.1f\np999_us=%.1f\n"
	       "max_us=%.1f\n",
	       qp_pct(lat, answered, 0.50), qp_pct(lat, answered, 0.90),
	       qp_pct(lat, answered, 0.99), qp_pct(lat, answered, 0.999),
	       answered ? (double)lat[answered - 1] / 1000.0 : 0.0);
	free(lat);
	free(slots);
	free(qs);
	for (long i = 0; i < nsocks; i++)
		close(fds[i]);
	return 0;
}
