/* reflector.c - the floor under every UDP DNS server on this machine: reads
 * datagrams in batches (recvmmsg), sets the QR bit and sends each back to
 * where it came from (sendmmsg). No parsing, no lookup: what it costs per
 * query is the kernel's UDP path plus two system calls per batch, which no
 * DNS server can beat. Used by tools/bench.py as "the limit".
 *
 *   reflector -l ADDR:PORT [-T THREADS] [-t SECONDS]
 *
 * Each thread has its own SO_REUSEPORT socket on the address, as dnsd's
 * workers do. Stops on SIGTERM/SIGINT or after SECONDS (default 3600). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define RF_BATCH       32 /* as dnsd's worker: same syscall amortisation */
#define RF_BUF         4096
#define RF_MAX_THREADS 64
#define RF_MAX_SECS    86400

struct rf_thread {
	pthread_t tid;
	int fd;
	uint64_t packets;
};

static atomic_int rf_stop;
static int64_t rf_deadline;

static void rf_on_signal(int sig)
{
	(void)sig;
	atomic_store(&rf_stop, 1);
}

static int64_t rf_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int rf_split(const char *spec, char *host, size_t hostlen, char *port,
                    size_t portlen)
{
	const char *colon = strrchr(spec, ':');
	if (colon == NULL)
		return -1;
	const char *h = spec;
	size_t hl = (size_t)(colon - spec);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl == 0 || hl >= hostlen || strlen(colon + 1) >= portlen)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	snprintf(port, portlen, "%s", colon + 1);
	return 0;
}

static int rf_socket(const char *spec)
{
	char host[128], port[16];
	if (rf_split(spec, host, sizeof(host), port, sizeof(port)) != 0) {
		fprintf(stderr, "reflector: bad address %s\n", spec);
		return -1;
	}
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM,
	                         .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
	struct addrinfo *ai;
	int rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		fprintf(stderr, "reflector: %s: %s\n", spec, gai_strerror(rc));
		return -1;
	}
	int fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	int one = 1;
	/* A timeout so each thread notices the stop flag and deadline. */
	struct timeval tv = {0, 100000};
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		fprintf(stderr, "reflector: %s: %s\n", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static void *rf_run(void *arg)
{
	struct rf_thread *t = arg;
	static _Thread_local uint8_t bufs[RF_BATCH][RF_BUF];
	struct sockaddr_storage addr[RF_BATCH];
	struct iovec iov[RF_BATCH];
	struct mmsghdr in[RF_BATCH], out[RF_BATCH];
	while (!atomic_load(&rf_stop) && rf_now() < rf_deadline) {
		for (int i = 0; i < RF_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = RF_BUF;
			in[i].msg_hdr =
			    (struct msghdr){.msg_name = &addr[i],
			                    .msg_namelen = sizeof(addr[i]),
			                    .msg_iov = &iov[i],
			                    .msg_iovlen = 1};
		}
		/* Block for the first datagram, then take what is queued. */
		int n = recvmmsg(t->fd, in, RF_BATCH, MSG_WAITFORONE, NULL);
		if (n <= 0)
			continue;
		int m = 0;
		for (int i = 0; i < n; i++) {
			if (in[i].msg_len < 12 || (bufs[i][2] & 0x80))
				continue; /* not a query: never reflect */
			bufs[i][2] |= 0x80;
			out[m] = in[i];
			out[m].msg_hdr.msg_iov->iov_len = in[i].msg_len;
			m++;
		}
		for (int done = 0; done < m;) {
			int s = sendmmsg(t->fd, out + done,
			                 (unsigned)(m - done), 0);
			if (s <= 0)
				break;
			done += s;
		}
		t->packets += (uint64_t)m;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *listen_spec = NULL;
	long threads = 1, secs = 3600;
	int c;
	while ((c = getopt(argc, argv, "l:T:t:h")) != -1) {
		switch (c) {
		case 'l':
			listen_spec = optarg;
			break;
		case 'T':
			threads = strtol(optarg, NULL, 10);
			break;
		case 't':
			secs = strtol(optarg, NULL, 10);
			break;
		default:
			listen_spec = NULL;
			optind = argc;
			threads = 0;
			break;
		}
	}
	if (listen_spec == NULL || threads < 1 || threads > RF_MAX_THREADS ||
	    secs < 1 || secs > RF_MAX_SECS) {
		fprintf(stderr, "usage: reflector -l ADDR:PORT [-T THREADS] "
		                "[-t SECONDS]\n");
		return 2;
	}
	struct sigaction sa = {.sa_handler = rf_on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rf_deadline = rf_now() + (int64_t)secs * 1000000000LL;

	static struct rf_thread ts[RF_MAX_THREADS];
	for (long i = 0; i < threads; i++) {
		ts[i].fd = rf_socket(listen_spec);
		if (ts[i].fd < 0)
			return 3;
	}
	for (long i = 0; i < threads; i++)
		if (pthread_create(&ts[i].tid, NULL, rf_run, &ts[i]) != 0) {
			fprintf(stderr, "reflector: pthread_create failed\n");
			return 3;
		}
	uint64_t total = 0;
	for (long i = 0; i < threads; i++) {
		pthread_join(ts[i].tid, NULL);
		total += ts[i].packets;
		close(ts[i].fd);
	}
	fprintf(stderr, "reflector: %llu datagrams reflected\n",
	        (unsigned long long)total);
	return 0;
}
