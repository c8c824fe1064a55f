/* worker.h - one UDP worker thread: its own SO_REUSEPORT socket, buffers,
 * RNG and counters; recvmmsg -> answer -> sendmmsg in batches. */
#ifndef DNSD_WORKER_H
#define DNSD_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "answer/answer.h"
#include "server/server.h"
#include "dns/stats.h"

struct worker_bufs;

struct worker {
	struct stats stats; /* first: its own cache lines */
	struct server *srv;
	unsigned index; /* qsbr reader slot */
	int fd;
	bool pktinfo; /* socket is a wildcard: reply from dst */
	struct sockaddr_storage local; /* the socket's address, for dnstap */
	pthread_t thread;
	bool started;
	struct answer_ctx actx;
	struct worker_bufs *bufs;
};

/* Prepare w for fd (owned by the worker from now on) and allocate its
 * buffers. Returns 0 or -1. Main thread, before start. */
int worker_init(struct worker *w, struct server *srv, unsigned index, int fd,
                bool pktinfo);
/* Start the thread. Returns 0 or -errno. */
int worker_start(struct worker *w);
/* Wake a worker blocked in recvmmsg so it sees srv->stopping. */
void worker_wake(struct worker *w);
/* Join (if started) and free buffers, close the socket. */
void worker_destroy(struct worker *w);

#endif
