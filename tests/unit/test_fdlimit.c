/* test_fdlimit.c - the open-file budget (server/fdlimit.h): how the limit
 * is shared out, and the accept() pause (server/accept_pause.h) on a real
 * listener driven out of descriptors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "server/accept_pause.h"
#include "server/fdlimit.h"

static const struct fdlimit_need need = {
    .udp_sockets = 4,
    .tcp_listeners = 2,
    .control = 1,
    .control_max = 64,
    .probes = 10,
    .tcp_max_clients = 1024,
};

static void test_plan_enough(void **unused)
{
	(void)unused;
	struct fdlimit_plan p;
	fdlimit_plan(&need, 65536, &p);
	assert_true(p.can_start);
	assert_true(p.enough);
	assert_int_equal(p.tcp_clients, 1024);
	assert_int_equal(p.control_max, 64);
	/* 7 sockets + start + slack, then checks, control, clients. */
	assert_int_equal(p.fixed, 7 + FDLIMIT_START + FDLIMIT_SLACK);
	assert_int_equal(p.full, p.fixed + 10 + 64 + 1024);
	fdlimit_plan(&need, p.full, &p);
	assert_true(p.enough);
	fdlimit_plan(&need, p.full - 1, &p);
	assert_false(p.enough);
}

static void test_plan_short(void **unused)
{
	(void)unused;
	struct fdlimit_plan p;
	/* 1024: what is left after the fixed part and the checks goes a
	 * quarter to control (at most its cap), the rest to TCP; the total
	 * never passes the limit. */
	fdlimit_plan(&need, 1024, &p);
	assert_true(p.can_start);
	assert_false(p.enough);
	assert_int_equal(p.control_max, 64);
	assert_int_equal(p.fixed + 10 + p.control_max + p.tcp_clients, 1024);
	fdlimit_plan(&need, 64, &p);
	unsigned left = 64 - p.fixed - 10;
	assert_int_equal(p.control_max, left / 4);
	assert_int_equal(p.tcp_clients, left - left / 4);
	/* Too small to start: below the sockets and what start-up opens. */
	fdlimit_plan(&need, 12, &p);
	assert_false(p.can_start);
	assert_int_equal(p.start, 7 + FDLIMIT_START);
	assert_int_equal(p.tcp_clients, 0);
	assert_int_equal(p.control_max, 1);
	fdlimit_plan(&need, p.start, &p);
	assert_true(p.can_start);
}

static void test_plan_no_control(void **unused)
{
	(void)unused;
	struct fdlimit_need n = need;
	n.control = 0;
	struct fdlimit_plan p;
	fdlimit_plan(&n, 65536, &p);
	assert_int_equal(p.control_max, 0);
	assert_int_equal(p.full, 6 + FDLIMIT_START + FDLIMIT_SLACK + 10 + 1024);
}

static unsigned accepted;

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
                      struct sockaddr *sa, int salen, void *arg)
{
	(void)l;
	(void)sa;
	(void)salen;
	(void)arg;
	accepted++;
	close(fd);
}

/* Run base for ms milliseconds. */
static void run_for(struct event_base *base, long ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* A listener with a client waiting and no descriptor left: accept()
 * fails with EMFILE. Without the pause libevent retries at once, for
 * ever (issue 10: 2.8 million log lines in 5 s); with it, a few retries a
 * second, and the waiting client is served once a descriptor is free. */
static void test_accept_pause_emfile(void **unused)
{
	(void)unused;
	struct event_base *base = event_base_new();
	assert_non_null(base);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(lfd >= 0);
	struct sockaddr_in sin = {.sin_family = AF_INET};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 8), 0);
	socklen_t slen = sizeof(sin);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &slen), 0);
	struct evconnlistener *l = evconnlistener_new(
	    base, on_accept, NULL, LEV_OPT_CLOSE_ON_FREE, -1, lfd);
	assert_non_null(l);
	struct accept_pause *ap = accept_pause_new(base, l, "test");
	assert_non_null(ap);

	int cfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(cfd >= 0);
	assert_int_equal(connect(cfd, (struct sockaddr *)&sin, sizeof(sin)), 0);

	/* Use up every descriptor under a low soft limit. */
	struct rlimit saved, low;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	low.rlim_cur = 64;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	int fill[64];
	int nfill = 0;
	while (nfill < 64) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0)
			break;
		fill[nfill++] = fd;
	}
	accepted = 0;
	run_for(base, 1000);
	unsigned long failures = accept_pause_count(ap);
	/* One attempt per 200 ms pause: about 5 in a second. */
	assert_true(failures >= 1);
	assert_true(failures <= 10);
	assert_int_equal(accepted, 0);

	/* A descriptor free again: the client is accepted after the pause. */
	close(fill[--nfill]);
	run_for(base, 500);
	assert_int_equal(accepted, 1);

	while (nfill > 0)
		close(fill[--nfill]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);

	/* Held: a new client waits in the backlog until released. */
	accept_pause_hold(ap, true);
	int c2 = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(c2, (struct sockaddr *)&sin, sizeof(sin)), 0);
	run_for(base, 300);
	assert_int_equal(accepted, 1);
	accept_pause_hold(ap, false);
	run_for(base, 100);
	assert_int_equal(accepted, 2);

	close(cfd);
	close(c2);
	accept_pause_free(ap);
	evconnlistener_free(l);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plan_enough),
	    cmocka_unit_test(test_plan_short),
	    cmocka_unit_test(test_plan_no_control),
	    cmocka_unit_test(test_accept_pause_emfile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
