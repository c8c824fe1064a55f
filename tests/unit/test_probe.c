/* test_probe.c - the real prober against fake backends (child processes
 * on loopback): readiness, rise/fall timeliness, http/https/tcp checks,
 * state carried across adopts, the bound on checks in flight. Every wait
 * is bounded. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "base/version.h"
#include "probes/probe.h"

/* Targets of one set: 200 for the concurrency tests, a few elsewhere. */
#define MAXT 200

/* Every duration below is multiplied by this: 1, or 10 under valgrind
 * (make valgrind), which slows curl's first transfer past 100 ms. */
static unsigned scale = 1;
/* The fast profile of most tests: checks every 200 ms, 100 ms timeout. */
#define FAST_INTERVAL (200 * scale)
#define FAST_TIMEOUT  (100 * scale)
#define FAST_RISE     2
#define FAST_FALL     2
/* SPEC 4: out within fall x interval + timeout + 1 s, back within
 * rise x interval + timeout + 1 s. The tests assert exactly these. */
#define SPEC_DOWN_MS(c)                                                        \
	((c)->fall * (c)->interval_ms + (c)->timeout_ms + 1000 * scale)
#define SPEC_UP_MS(c)                                                          \
	((c)->rise * (c)->interval_ms + (c)->timeout_ms + 1000 * scale)
/* Readiness is bounded by the longest timeout plus the prober's 500 ms
 * watchdog grace; 1 s more for a loaded machine. */
#define READY_MS(timeout) ((timeout) + 500 + 1000 * scale)

static char fake_backend[PATH_MAX];

/* What a failed assertion leaves running, for the teardown: the prober
 * (it still writes into the test's static sets) and child processes. */
static struct prober *running_prober;
static pid_t children[8];

struct backend {
	pid_t pid;
	int n;
	char addr[4][64]; /* "127.0.0.11:45541", "[::1]:40000" */
};

/* A probe_set built by hand, as the snapshot builder would. */
struct tset {
	struct probe_set set;
	struct probe_target targets[MAXT];
	_Atomic uint8_t up[MAXT];
	struct config_check checks[MAXT];
	char keys[MAXT][256];
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Read lines from fd until n are in, or the deadline passes. */
static int read_lines(int fd, char lines[][64], int n, int64_t deadline)
{
	int got = 0;
	size_t len = 0;
	while (got < n) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return -1;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r <= 0)
			return -1;
		if (ch == '\n') {
			lines[got][len] = '\0';
			got++;
			len = 0;
		} else if (len < 63) {
			lines[got][len++] = ch;
		}
	}
	return 0;
}

static pid_t spawn(char *const argv[], int out_fd, const char *dir)
{
	pid_t pid = fork();
	if (pid > 0) {
		for (size_t i = 0; i < DNSD_ARRAY_LEN(children); i++) {
			if (children[i] == 0) {
				children[i] = pid;
				break;
			}
		}
	}
	if (pid != 0)
		return pid;
	/* A crashed test must not leave backends behind. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	if (out_fd >= 0)
		dup2(out_fd, 1);
	else
		dup2(null, 1);
	if (getenv("TEST_PROBE_VERBOSE") == NULL)
		dup2(null, 2);
	if (dir != NULL && chdir(dir) < 0)
		_exit(127);
	execvp(argv[0], argv);
	_exit(127);
}

/* Start a fake backend listening on each of listen[] (port 0: any), with
 * extra options; it prints the bound addresses, read within 5 s. */
static void backend_start(struct backend *b, const char *const *listen, int n,
                          const char *const *opts)
{
	char *argv[32];
	int a = 0;
	argv[a++] = strdup(fake_backend);
	for (int i = 0; i < n; i++) {
		argv[a++] = strdup("-l");
		argv[a++] = strdup(listen[i]);
	}
	for (int i = 0; opts != NULL && opts[i] != NULL; i++)
		argv[a++] = strdup(opts[i]);
	argv[a] = NULL;
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	b->pid = spawn(argv, pfd[1], NULL);
	close(pfd[1]);
	for (int i = 0; i < a; i++)
		free(argv[i]);
	assert_true(b->pid > 0);
	b->n = n;
	int rc = read_lines(pfd[0], b->addr, n, now_ms() + 5000);
	close(pfd[0]);
	assert_int_equal(rc, 0);
}

static void child_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	for (size_t i = 0; i < DNSD_ARRAY_LEN(children); i++)
		if (children[i] == pid)
			children[i] = 0;
	kill(pid, SIGTERM);
	for (int i = 0; i < 300; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void backend_stop(struct backend *b)
{
	child_stop(b->pid);
	b->pid = 0;
}

/* "127.0.0.11:45541" or "[::1]:4000" into address text and port. */
static void split_addr(const char *s, char *ip, size_t size, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	assert_non_null(colon);
	const char *start = s[0] == '[' ? s + 1 : s;
	size_t len = (size_t)(colon - start) - (s[0] == '[' ? 1 : 0);
	assert_true(len < size);
	memcpy(ip, start, len);
	ip[len] = '\0';
	*port = (uint16_t)atoi(colon + 1);
}

/* GET /control?query on a backend's listener; asserts 200. */
static void control(const char *addr, const char *query)
{
	char url[256];
	snprintf(url, sizeof(url), "http://%s/control?%s", addr, query);
	CURL *h = curl_easy_init();
	assert_non_null(h);
	FILE *sink = fopen("/dev/null", "w");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	fclose(sink);
	assert_int_equal(rc, CURLE_OK);
	assert_int_equal(status, 200);
}

static void expect_code(struct config_check *c, unsigned code)
{
	c->expect[code / 64] |= 1ull << (code % 64);
}

static void check_init(struct config_check *c, enum check_type type,
                       uint16_t port, unsigned interval, unsigned timeout,
                       unsigned rise, unsigned fall)
{
	memset(c, 0, sizeof(*c));
	c->name = "test";
	c->type = type;
	c->port = port;
	c->path = "/health";
	expect_code(c, 200);
	c->interval_ms = interval;
	c->timeout_ms = timeout;
	c->rise = rise;
	c->fall = fall;
	c->verify_tls = true;
}

static void fast_check(struct config_check *c, enum check_type type,
                       uint16_t port)
{
	check_init(c, type, port, FAST_INTERVAL, FAST_TIMEOUT, FAST_RISE,
	           FAST_FALL);
}

static void tset_init(struct tset *s)
{
	memset(s, 0, sizeof(*s));
	s->set.targets = s->targets;
	s->set.up = s->up;
}

/* Add target i at ip, probed with s->checks[i] (filled by the caller);
 * the key covers the address and every field of the profile. */
static uint32_t tset_add(struct tset *s, const char *ip, const char *cluster)
{
	uint32_t i = s->set.n++;
	assert_true(i < MAXT);
	struct probe_target *t = &s->targets[i];
	const struct config_check *c = &s->checks[i];
	t->family = strchr(ip, ':') != NULL ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(t->family, ip, t->addr), 1);
	snprintf(t->addr_text, sizeof(t->addr_text), "%s", ip);
	t->check = c;
	t->cluster = cluster;
	int len = snprintf(s->keys[i], sizeof(s->keys[i]),
	                   "%s|%d|%u|%s|%s|%s|%u|%u|%u|%u|%d|%s", ip,
	                   (int)c->type, c->port, c->path,
	                   c->host ? c->host : "-", c->body ? c->body : "-",
	                   c->interval_ms, c->timeout_ms, c->rise, c->fall,
	                   (int)c->verify_tls, c->ca_file ? c->ca_file : "-");
	for (size_t w = 0; w < DNSD_ARRAY_LEN(c->expect); w++)
		len += snprintf(s->keys[i] + len, sizeof(s->keys[i]) - len,
		                "|%llx", (unsigned long long)c->expect[w]);
	t->key = s->keys[i];
	atomic_store(&s->up[i], 0xee); /* neither 0 nor 1: must be written */
	return i;
}

/* Wait until target i of s is `want`; returns the ms it took, or -1
 * after bound_ms. */
static int64_t wait_state(const struct tset *s, uint32_t i, bool want,
                          int64_t bound_ms)
{
	int64_t start = now_ms();
	for (;;) {
		int64_t el = now_ms() - start;
		if (probe_set_up(&s->set, i) == want)
			return el;
		if (el > bound_ms)
			return -1;
		sleep_ms(5);
	}
}

/* Hold a state for ms: checks keep running but nothing flips. */
static void assert_stays(const struct tset *s, uint32_t i, bool want,
                         unsigned ms)
{
	int64_t end = now_ms() + ms;
	while (now_ms() < end) {
		assert_int_equal(probe_set_up(&s->set, i), want);
		sleep_ms(10);
	}
}

static struct prober *prober_up(void)
{
	struct prober *p = prober_new();
	assert_non_null(p);
	running_prober = p;
	assert_int_equal(prober_start(p), 0);
	return p;
}

static void prober_down(struct prober *p)
{
	prober_free(p);
	running_prober = NULL;
}

/* Descriptors held by test_no_fd to exhaust the process's table, and what
 * it changed, undone by the teardown if an assertion cuts it short. */
static int nofd_fds[1024];
static int nofd_n;
static struct rlimit nofd_saved_limit;
static bool nofd_limited;
static int nofd_saved_stderr = -1;

/* Take every descriptor left under the limit; returns the errno that
 * stopped it (EMFILE when the table is full). */
static int nofd_take_all(void)
{
	while (nofd_n < (int)DNSD_ARRAY_LEN(nofd_fds)) {
		int fd = dup(0);
		if (fd < 0)
			return errno;
		nofd_fds[nofd_n++] = fd;
	}
	return 0;
}

static void nofd_release(void)
{
	while (nofd_n > 0)
		close(nofd_fds[--nofd_n]);
	if (nofd_limited)
		setrlimit(RLIMIT_NOFILE, &nofd_saved_limit);
	nofd_limited = false;
	if (nofd_saved_stderr >= 0) {
		dup2(nofd_saved_stderr, STDERR_FILENO);
		close(nofd_saved_stderr);
		nofd_saved_stderr = -1;
	}
}

static int teardown(void **unused)
{
	(void)unused;
	nofd_release();
	prober_down(running_prober);
	for (size_t i = 0; i < DNSD_ARRAY_LEN(children); i++)
		child_stop(children[i]);
	return 0;
}

/* Adopt and check that every up byte was written; returns the ms. */
static int64_t adopt(struct prober *p, struct tset *s)
{
	int64_t t0 = now_ms();
	assert_int_equal(prober_adopt(p, &s->set), 0);
	int64_t el = now_ms() - t0;
	for (uint32_t i = 0; i < s->set.n; i++) {
		uint8_t v = atomic_load(&s->up[i]);
		assert_true(v == 0 || v == 1);
	}
	return el;
}

static void assert_detail(struct prober *p, uint32_t i, bool ok,
                          const char *detail)
{
	struct probe_status st;
	prober_status(p, i, &st);
	assert_true(st.checked);
	if (st.ok != ok || strcmp(st.detail, detail) != 0)
		print_message(
		    "target %u: ok=%d detail \"%s\", want %d \"%s\"\n", i,
		    st.ok, st.detail, ok, detail);
	assert_int_equal(st.ok, ok);
	assert_string_equal(st.detail, detail);
}

/* Two statuses are the same record: field by field (padding aside). */
static void assert_same_status(const struct probe_status *a,
                               const struct probe_status *b)
{
	assert_int_equal(a->checked, b->checked);
	assert_int_equal(a->ok, b->ok);
	assert_int_equal(a->up, b->up);
	assert_string_equal(a->detail, b->detail);
	assert_true(a->duration_ms == b->duration_ms);
	assert_int_equal(a->at.tv_sec, b->at.tv_sec);
	assert_int_equal(a->at.tv_nsec, b->at.tv_nsec);
	assert_int_equal(a->since.tv_sec, b->since.tv_sec);
	assert_int_equal(a->since.tv_nsec, b->since.tv_nsec);
	assert_int_equal(a->failures, b->failures);
}

/* A port on 127.0.0.1 with nothing listening (bound, then closed). */
static uint16_t closed_port(const char *ip)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET};
	inet_pton(AF_INET, ip, &sin.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	socklen_t len = sizeof(sin);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	close(fd);
	return ntohs(sin.sin_port);
}

/* ------------------------------------------------------------------ */

static void test_lifecycle(void **unused)
{
	(void)unused;
	prober_free(NULL);
	struct prober *p = prober_new();
	assert_non_null(p);
	static struct tset s;
	tset_init(&s);
	/* not started: refuses rather than blocking forever */
	assert_int_equal(prober_adopt(p, &s.set), -1);
	prober_free(p);

	/* an explicit bound holds; before start nothing is decided */
	p = prober_new();
	assert_non_null(p);
	assert_int_equal(prober_concurrency(p), 0);
	prober_set_concurrency(p, 3);
	assert_int_equal(prober_start(p), 0);
	assert_int_equal(prober_concurrency(p), 3);
	prober_set_concurrency(p, 5); /* too late: ignored */
	assert_int_equal(prober_concurrency(p), 3);
	prober_free(p);

	p = prober_up();
	/* the default: a quarter of the open-file limit, 16 to 4096 */
	assert_in_range(prober_concurrency(p), 16, 4096);
	assert_true(adopt(p, &s) <
	            1000 * scale); /* empty set: nothing to wait for */
	struct probe_status st;
	prober_status(p, 0, &st);
	assert_false(st.checked); /* out of range reads as unchecked */
	prober_down(p);
}

/* SPEC 4 readiness: adopt returns with every new target's first result
 * in up[], so the first answers are already right. */
static void test_readiness(void **unused)
{
	(void)unused;
	struct backend a, b;
	const char *la[] = {"127.0.0.11:0"}, *lb[] = {"127.0.0.12:0"};
	const char *ob[] = {"-s", "503", NULL};
	backend_start(&a, la, 1, NULL);
	backend_start(&b, lb, 1, ob);

	static struct tset s;
	tset_init(&s);
	char ip[64];
	uint16_t port;
	split_addr(a.addr[0], ip, sizeof(ip), &port);
	fast_check(&s.checks[0], CHECK_HTTP, port);
	tset_add(&s, "127.0.0.11", "local");
	split_addr(b.addr[0], ip, sizeof(ip), &port);
	fast_check(&s.checks[1], CHECK_HTTP, port);
	tset_add(&s, "127.0.0.12", "local");
	fast_check(&s.checks[2], CHECK_HTTP, closed_port("127.0.0.13"));
	tset_add(&s, "127.0.0.13", "local");

	struct prober *p = prober_up();
	int64_t ms = adopt(p, &s);
	print_message("readiness round of 3 took %lld ms\n", (long long)ms);
	assert_true(ms <= READY_MS(FAST_TIMEOUT));
	assert_true(probe_set_up(&s.set, 0));
	assert_false(probe_set_up(&s.set, 1));
	assert_false(probe_set_up(&s.set, 2));
	assert_detail(p, 0, true, "HTTP 200");
	assert_detail(p, 1, false, "HTTP 503");
	assert_detail(p, 2, false, "connection refused");

	struct probe_status st;
	prober_status(p, 1, &st);
	assert_false(st.up);
	assert_true(st.failures >= 1);
	assert_true(st.since.tv_sec > 0);
	assert_true(st.duration_ms >= 0 && st.duration_ms < 2000);

	/* checks keep running: states hold, counters grow */
	assert_stays(&s, 0, true, 3 * FAST_INTERVAL);
	assert_stays(&s, 1, false, FAST_INTERVAL);
	struct probe_metrics m;
	prober_metrics(p, &m);
	assert_true(m.count >= 6);
	assert_int_equal(m.hist[PROBE_HIST_N], m.count);
	for (int i = 1; i <= PROBE_HIST_N; i++)
		assert_true(m.hist[i] >= m.hist[i - 1]); /* cumulative */
	assert_true(m.sum_seconds > 0);

	prober_down(p);
	backend_stop(&a);
	backend_stop(&b);
}

/* 503 takes the member down within the SPEC bound, 200 brings it back
 * within its bound, and neither flips before fall/rise checks. */
static void test_down_and_up(void **unused)
{
	(void)unused;
	struct backend a;
	const char *la[] = {"127.0.0.11:0"};
	backend_start(&a, la, 1, NULL);
	static struct tset s;
	tset_init(&s);
	char ip[64];
	uint16_t port;
	split_addr(a.addr[0], ip, sizeof(ip), &port);
	fast_check(&s.checks[0], CHECK_HTTP, port);
	tset_add(&s, ip, "local");
	const struct config_check *c = &s.checks[0];

	struct prober *p = prober_up();
	adopt(p, &s);
	assert_true(probe_set_up(&s.set, 0));

	for (int round = 0; round < 2; round++) {
		control(a.addr[0], "status=503");
		int64_t down = wait_state(&s, 0, false, 3 * SPEC_DOWN_MS(c));
		print_message("time to down: %lld ms (SPEC bound %u ms)\n",
		              (long long)down, SPEC_DOWN_MS(c));
		assert_true(down >= 0);
		assert_true(down <= SPEC_DOWN_MS(c));
		/* fall = 2: one failed check cannot be enough */
		assert_true(down >= (FAST_FALL - 1) * FAST_INTERVAL -
		                        FAST_TIMEOUT - 50);
		assert_detail(p, 0, false, "HTTP 503");

		control(a.addr[0], "status=200");
		int64_t up = wait_state(&s, 0, true, 3 * SPEC_UP_MS(c));
		print_message("time to up: %lld ms (SPEC bound %u ms)\n",
		              (long long)up, SPEC_UP_MS(c));
		assert_true(up >= 0);
		assert_true(up <= SPEC_UP_MS(c));
		assert_detail(p, 0, true, "HTTP 200");
	}
	struct probe_status st;
	prober_status(p, 0, &st);
	assert_true(st.failures >= 4);
	prober_down(p);
	backend_stop(&a);
}

/* A reply slower than the timeout is a failure, at readiness and later. */
static void test_timeout(void **unused)
{
	(void)unused;
	struct backend a, b;
	const char *la[] = {"127.0.0.11:0"}, *lb[] = {"127.0.0.12:0"};
	char delay[32], timeout_detail[64];
	snprintf(delay, sizeof(delay), "%u", 10 * FAST_TIMEOUT);
	snprintf(timeout_detail, sizeof(timeout_detail), "timeout after %u ms",
	         FAST_TIMEOUT);
	const char *ob[] = {"-d", delay, NULL};
	backend_start(&a, la, 1, NULL);
	backend_start(&b, lb, 1, ob);
	static struct tset s;
	tset_init(&s);
	char ip[64];
	uint16_t port;
	split_addr(a.addr[0], ip, sizeof(ip), &port);
	fast_check(&s.checks[0], CHECK_HTTP, port);
	tset_add(&s, "127.0.0.11", "local");
	split_addr(b.addr[0], ip, sizeof(ip), &port);
	fast_check(&s.checks[1], CHECK_HTTP, port);
	tset_add(&s, "127.0.0.12", "local");

	struct prober *p = prober_up();
	int64_t ms = adopt(p, &s);
	assert_true(ms <= READY_MS(FAST_TIMEOUT));
	assert_true(probe_set_up(&s.set, 0));
	assert_false(probe_set_up(&s.set, 1));
	assert_detail(p, 1, false, timeout_detail);

	snprintf(delay, sizeof(delay), "delay=%u", 4 * FAST_TIMEOUT);
	control(a.addr[0], delay);
	const struct config_check *c = &s.checks[0];
	int64_t down = wait_state(&s, 0, false, 3 * SPEC_DOWN_MS(c));
	print_message("time to down (slow reply): %lld ms\n", (long long)down);
	assert_true(down >= 0 && down <= SPEC_DOWN_MS(c));
	assert_detail(p, 0, false, timeout_detail);
	struct probe_status st;
	prober_status(p, 0, &st);
	/* curl gave up near the timeout, not at the watchdog */
	assert_true(st.duration_ms >= 0.9 * FAST_TIMEOUT &&
	            st.duration_ms < FAST_TIMEOUT + 300);

	control(a.addr[0], "delay=0");
	assert_true(wait_state(&s, 0, true, SPEC_UP_MS(c)) >= 0);
	prober_down(p);
	backend_stop(&a);
	backend_stop(&b);
}

static void test_body(void **unused)
{
	(void)unused;
	struct backend a;
	const char *la[] = {"127.0.0.11:0"};
	const char *oa[] = {"-b", "all is ok here", NULL};
	backend_start(&a, la, 1, oa);
	static struct tset s;
	tset_init(&s);
	char ip[64];
	uint16_t port;
	split_addr(a.addr[0], ip, sizeof(ip), &port);
	fast_check(&s.checks[0], CHECK_HTTP, port);
	s.checks[0].body = "ok";
	tset_add(&s, ip, "local");
	fast_check(&s.checks[1], CHECK_HTTP, port);
	s.checks[1].body = "is ok";
	tset_add(&s, ip, "local");
	fast_check(&s.checks[2], CHECK_HTTP, port);
	s.checks[2].body = "healthy";
	tset_add(&s, ip, "local");
	/* a wrong path is a 404 */
	fast_check(&s.checks[3], CHECK_HTTP, port);
	s.checks[3].path = "/nope";
	tset_add(&s, ip, "local");

	struct prober *p = prober_up();
	adopt(p, &s);
	assert_true(probe_set_up(&s.set, 0));
	assert_true(probe_set_up(&s.set, 1));
	assert_false(probe_set_up(&s.set, 2));
	assert_false(probe_set_up(&s.set, 3));
	assert_detail(p, 2, false, "HTTP 200 but body lacks \"healthy\"");
	assert_detail(p, 3, false, "HTTP 404");

	control(a.addr[0], "body=nothing%20here");
	const struct config_check *c = &s.checks[0];
	assert_true(wait_state(&s, 0, false, SPEC_DOWN_MS(c)) >= 0);
	assert_detail(p, 0, false, "HTTP 200 but body lacks \"ok\"");
	control(a.addr[0], "body=healthy%20and%20ok");
	assert_true(wait_state(&s, 2, true, SPEC_UP_MS(c)) >= 0);
	assert_true(wait_state(&s, 0, true, SPEC_UP_MS(c)) >= 0);
	prober_down(p);
	backend_stop(&a);
}

/* Issue 10: a body that never ends, or a 1 GiB Content-Length, is not
 * read to the end: the check is decided once the status fails, the body
 * pattern is found, 64 KiB are in without it, or (no pattern) the headers
 * are in. Every result must arrive far sooner than the timeout, which
 * the old prober waited out on every one of these. */
static void test_body_unbounded(void **unused)
{
	(void)unused;
	struct backend a, b, c;
	const char *la[] = {"127.0.0.11:0"}, *lb[] = {"127.0.0.12:0"},
	           *lc[] = {"127.0.0.13:0"};
	const char *oa[] = {"-b", "all is ok here", "-S", "endless", NULL};
	const char *ob[] = {"-b", "all is ok here", "-S", "huge", NULL};
	const char *oc[] = {"-s", "503", "-S", "endless", NULL};
	backend_start(&a, la, 1, oa);
	backend_start(&b, lb, 1, ob);
	backend_start(&c, lc, 1, oc);
	/* A timeout long enough that "well before it" is unmistakable even
	 * on a loaded machine; checks come once, at readiness. */
	const unsigned timeout = 4000 * scale;
	static struct tset s;
	tset_init(&s);
	const struct backend *backends[] = {&a, &b};
	const char *bodies[] = {"ok", "healthy", NULL};
	for (int k = 0; k < 2; k++) {
		char ip[64];
		uint16_t port;
		split_addr(backends[k]->addr[0], ip, sizeof(ip), &port);
		for (int j = 0; j < 3; j++) {
			uint32_t i = s.set.n;
			check_init(&s.checks[i], CHECK_HTTP, port, 10 * timeout,
			           timeout, 1, 1);
			s.checks[i].body = bodies[j];
			tset_add(&s, ip, "local");
		}
	}
	char ip[64];
	uint16_t port;
	split_addr(c.addr[0], ip, sizeof(ip), &port);
	check_init(&s.checks[6], CHECK_HTTP, port, 10 * timeout, timeout, 1, 1);
	s.checks[6].body = "ok";
	tset_add(&s, ip, "local");

	struct prober *p = prober_up();
	int64_t ms = adopt(p, &s);
	print_message("readiness of 7 unbounded bodies: %lld ms (timeout "
	              "%u ms)\n",
	              (long long)ms, timeout);
	for (uint32_t i = 0; i < s.set.n; i++) {
		struct probe_status st;
		prober_status(p, i, &st);
		print_message("  target %u body %s: %.1f ms, %s\n", i,
		              s.checks[i].body ? s.checks[i].body : "(none)",
		              st.duration_ms, st.detail);
	}
	const char *lacks =
	    "HTTP 200 but body lacks \"healthy\" in its first 64 KiB";
	for (int k = 0; k < 2; k++) {
		assert_detail(p, 3 * k + 0, true, "HTTP 200");
		assert_detail(p, 3 * k + 1, false, lacks);
		assert_detail(p, 3 * k + 2, true, "HTTP 200");
	}
	assert_detail(p, 6, false, "HTTP 503");
	for (uint32_t i = 0; i < s.set.n; i++) {
		struct probe_status st;
		prober_status(p, i, &st);
		assert_true(st.duration_ms < timeout / 2);
		assert_int_equal(probe_set_up(&s.set, i), st.ok);
	}
	assert_true(ms < timeout / 2);
	prober_down(p);
	backend_stop(&a);
	backend_stop(&b);
	backend_stop(&c);
}

/* SPEC 8: every http(s) check says "dnsd/VERSION (NAME)", NAME the host
 * name; the backend answers 400 to any other User-Agent. */
static void test_user_agent(void **unused)
{
	(void)unused;
	struct backend a;
	const char *la[] = {"127.0.0.11:0"};
	backend_start(&a, la, 1, NULL);
	char host[256], query[512];
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	/* URL-encode all but letters and digits: host names are plain. */
	int n = snprintf(query, sizeof(query), "agent=dnsd%%2F%s%%20%%28",
	                 DNSD_VERSION);
	for (const char *q = host; *q != '\0' && n < 400; q++)
		n += snprintf(query + n, sizeof(query) - n,
		              (*q >= 'a' && *q <= 'z') ||
		                      (*q >= 'A' && *q <= 'Z') ||
		                      (*q >= '0' && *q <= '9')
		                  ? "%c"
		                  : "%%%02X",
		              (unsigned char)*q);
	snprintf(query + n, sizeof(query) - n, "%%29");
	control(a.addr[0], query);

	static struct tset s;
	tset_init(&s);
	char ip[64];
	uint16_t port;
	split_addr(a.addr[0], ip, sizeof(ip), &port);
	fast_check(&s.checks[0], CHECK_HTTP, port);
	tset_add(&s, ip, "local");
	struct prober *p = prober_up();
	adopt(p, &s);
	assert_detail(p, 0, true, "HTTP 200");

	/* The backend does refuse another agent: the check above is not
	 * passing by accident. */
	control(a.addr[0], "agent=curl");
	const struct config_check *c = &s.checks[0];
	assert_true(wait_state(&s, 0, false, SPEC_DOWN_MS(c)) >= 0);
	assert_detail(p, 0, false, "HTTP 400");
	prober_down(p);
	backend_stop(&a);
}

/* Issue 10: with no descriptor left (EMFILE), the prober's socket() calls
 * fail; that says nothing about the members, so they must stay up, the
 * skipped checks count as late, one line says so, and checking resumes
 * once descriptors are back. */
static void test_no_fd(void **unused)
{
	(void)unused;
	struct backend a;
	const char *la[] = {"127.0.0.11:0"};
	backend_start(&a, la, 1, NULL);
	static struct tset s;
	tset_init(&s);
	char ip[64];
	uint16_t port;
	split_addr(a.addr[0], ip, sizeof(ip), &port);
	fast_check(&s.checks[0], CHECK_HTTP, port);
	tset_add(&s, ip, "local");
	fast_check(&s.checks[1], CHECK_TCP, port);
	tset_add(&s, ip, "local");
	struct prober *p = prober_up();
	adopt(p, &s);
	assert_true(probe_set_up(&s.set, 0));
	assert_true(probe_set_up(&s.set, 1));

	/* The prober's log goes to a pipe, read at the end; a full pipe
	 * drops lines rather than blocking the probe thread. */
	int logp[2];
	assert_int_equal(pipe(logp), 0);
	fcntl(logp[1], F_SETFL, O_NONBLOCK);
	nofd_saved_stderr = dup(STDERR_FILENO);
	assert_true(nofd_saved_stderr >= 0);
	dup2(logp[1], STDERR_FILENO);
	close(logp[1]);

	/* A low limit keeps the exhaustion cheap: then take every
	 * descriptor left under it. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &nofd_saved_limit), 0);
	struct rlimit low = nofd_saved_limit;
	if (low.rlim_cur > 256)
		low.rlim_cur = 256;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	nofd_limited = true;
	assert_int_equal(nofd_take_all(), EMFILE);

	struct probe_metrics m0, m1;
	prober_metrics(p, &m0);
	/* Past the SPEC's bound for going down, by far: both stay up. A
	 * check in flight while the table filled still holds its socket;
	 * when it closes it, that descriptor would serve every later check
	 * (one at a time), so the loop takes back whatever comes free. */
	const struct config_check *c = &s.checks[0];
	int64_t end = now_ms() + 2 * SPEC_DOWN_MS(c);
	while (now_ms() < end) {
		assert_int_equal(nofd_take_all(), EMFILE);
		assert_true(probe_set_up(&s.set, 0));
		assert_true(probe_set_up(&s.set, 1));
		sleep_ms(2);
	}
	prober_metrics(p, &m1);
	nofd_release();

	char logs[16384];
	ssize_t n = read(logp[0], logs, sizeof(logs) - 1);
	close(logp[0]);
	logs[n > 0 ? n : 0] = '\0';
	int lines = 0;
	for (const char *q = logs;
	     (q = strstr(q, "no descriptor for health checks")) != NULL; q++)
		lines++;
	print_message("out of descriptors for %u ms: %llu checks skipped, "
	              "%llu late, %d log lines, members up: %d %d\n",
	              2 * SPEC_DOWN_MS(c),
	              (unsigned long long)(m1.no_fd - m0.no_fd),
	              (unsigned long long)(m1.late - m0.late), lines,
	              probe_set_up(&s.set, 0), probe_set_up(&s.set, 1));
	assert_true(m1.no_fd - m0.no_fd >= 4);
	assert_true(m1.late - m0.late >= m1.no_fd - m0.no_fd);
	/* Rate-limited: one line per 10 s, and the hold is shorter. */
	assert_int_equal(lines, 1);
	assert_non_null(strstr(logs, "no descriptor for health checks (no "
	                             "descriptor: Too many open files)"));

	/* Descriptors are back: checks run again and see a real failure. */
	backend_stop(&a);
	assert_true(wait_state(&s, 0, false, SPEC_DOWN_MS(c)) >= 0);
	assert_true(wait_state(&s, 1, false, SPEC_DOWN_MS(c)) >= 0);
	prober_down(p);
}

/* expect: a class (2xx) versus a list. */
static void test_expect(void **unused)
{
	(void)unused;
	struct backend a;
	const char *la[] = {"127.0.0.11:0"};
	const char *oa[] = {"-s", "204", NULL};
	backend_start(&a, la, 1, oa);
	static struct tset s;
	tset_init(&s);
	char ip[64];
	uint16_t port;
	split_addr(a.addr[0], ip, sizeof(ip), &port);
	fast_check(&s.checks[0], CHECK_HTTP, port); /* 2xx */
	for (unsigned code = 200; code < 300; code++)
		expect_code(&s.checks[0], code);
	tset_add(&s, ip, "local");
	fast_check(&s.checks[1], CHECK_HTTP, port); /* 200 only */
	tset_add(&s, ip, "local");
	fast_check(&s.checks[2], CHECK_HTTP, port); /* 200, 204 */
	expect_code(&s.checks[2], 204);
	tset_add(&s, ip, "local");

	struct prober *p = prober_up();
	adopt(p, &s);
	assert_true(probe_set_up(&s.set, 0));
	assert_false(probe_set_up(&s.set, 1));
	assert_true(probe_set_up(&s.set, 2));
	assert_detail(p, 0, true, "HTTP 204");
	assert_detail(p, 1, false, "HTTP 204");

	control(a.addr[0], "status=299");
	const struct config_check *c = &s.checks[0];
	assert_true(wait_state(&s, 2, false, SPEC_DOWN_MS(c)) >= 0);
	assert_stays(&s, 0, true, 2 * FAST_INTERVAL);
	control(a.addr[0], "status=302");
	assert_true(wait_state(&s, 0, false, SPEC_DOWN_MS(c)) >= 0);
	assert_detail(p, 0, false, "HTTP 302"); /* not followed */
	prober_down(p);
	backend_stop(&a);
}

static void test_tcp(void **unused)
{
	(void)unused;
	struct backend a;
	const char *la[] = {"127.0.0.11:0"};
	backend_start(&a, la, 1, NULL);
	char ip[64];
	uint16_t port;
	split_addr(a.addr[0], ip, sizeof(ip), &port);

	/* A listener whose accept queue is full drops SYNs: a connect that
	 * neither succeeds nor fails, i.e. a timeout. */
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET};
	inet_pton(AF_INET, "127.0.0.14", &sin.sin_addr);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 0), 0);
	socklen_t slen = sizeof(sin);
	getsockname(lfd, (struct sockaddr *)&sin, &slen);
	int fillers[3];
	for (int i = 0; i < 3; i++) {
		fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		(void)connect(fillers[i], (struct sockaddr *)&sin, sizeof(sin));
	}
	sleep_ms(100);

	static struct tset s;
	tset_init(&s);
	fast_check(&s.checks[0], CHECK_TCP, port);
	tset_add(&s, ip, "local");
	fast_check(&s.checks[1], CHECK_TCP, closed_port("127.0.0.13"));
	tset_add(&s, "127.0.0.13", "local");
	fast_check(&s.checks[2], CHECK_TCP, ntohs(sin.sin_port));
	tset_add(&s, "127.0.0.14", "local");

	struct prober *p = prober_up();
	int64_t ms = adopt(p, &s);
	assert_true(ms <= READY_MS(FAST_TIMEOUT));
	assert_true(probe_set_up(&s.set, 0));
	assert_false(probe_set_up(&s.set, 1));
	assert_false(probe_set_up(&s.set, 2));
	assert_detail(p, 0, true, "connected");
	assert_detail(p, 1, false, "connection refused");
	char timeout_detail[64];
	snprintf(timeout_detail, sizeof(timeout_detail), "timeout after %u ms",
	         FAST_TIMEOUT);
	assert_detail(p, 2, false, timeout_detail);

	/* the listener goes away: down within the SPEC bound */
	backend_stop(&a);
	const struct config_check *c = &s.checks[0];
	int64_t down = wait_state(&s, 0, false, 3 * SPEC_DOWN_MS(c));
	print_message("tcp time to down: %lld ms\n", (long long)down);
	assert_true(down >= 0 && down <= SPEC_DOWN_MS(c));
	assert_detail(p, 0, false, "connection refused");
	prober_down(p);
	for (int i = 0; i < 3; i++)
		close(fillers[i]);
	close(lfd);
}

/* A second adopt with the same keys keeps state without re-checking; a
 * changed key gets a fresh readiness check. Slow profile, so that no
 * periodic check can land inside the test's windows. */
static void test_keep_state(void **unused)
{
	(void)unused;
	struct backend a;
	const char *la[] = {"127.0.0.11:0", "127.0.0.12:0"};
	const char *oa[] = {"-s", "200", NULL};
	backend_start(&a, la, 2, oa);
	char ip0[64], ip1[64];
	uint16_t port0, port1;
	split_addr(a.addr[0], ip0, sizeof(ip0), &port0);
	split_addr(a.addr[1], ip1, sizeof(ip1), &port1);
	control(a.addr[1], "status=503");

	static struct tset s1, s2, s3;
	tset_init(&s1);
	check_init(&s1.checks[0], CHECK_HTTP, port0, 60000, 1000 * scale, 2, 3);
	tset_add(&s1, ip0, "one");
	check_init(&s1.checks[1], CHECK_HTTP, port1, 60000, 1000 * scale, 2, 3);
	tset_add(&s1, ip1, "two");

	struct prober *p = prober_up();
	adopt(p, &s1);
	assert_true(probe_set_up(&s1.set, 0));
	assert_false(probe_set_up(&s1.set, 1));
	struct probe_status before0, before1;
	prober_status(p, 0, &before0);
	prober_status(p, 1, &before1);

	/* the backends flip; a fresh check would see it */
	control(a.addr[0], "status=503");
	control(a.addr[1], "status=200");

	/* same keys, new memory, other order, plus one new target */
	tset_init(&s2);
	s2.checks[0] = s1.checks[1];
	tset_add(&s2, ip1, "two");
	s2.checks[1] = s1.checks[0];
	tset_add(&s2, ip0, "one");
	check_init(&s2.checks[2], CHECK_HTTP, port0, 60000, 1000 * scale, 2, 3);
	s2.checks[2].path = "/nope";
	tset_add(&s2, ip0, "one");
	int64_t ms = adopt(p, &s2);
	print_message("adopt with carried targets took %lld ms\n",
	              (long long)ms);
	assert_false(probe_set_up(&s2.set, 0)); /* kept: down */
	assert_true(probe_set_up(&s2.set, 1));  /* kept: up */
	assert_false(probe_set_up(&s2.set, 2)); /* new: checked, 404 */
	struct probe_status after0, after1;
	prober_status(p, 0, &after0);
	prober_status(p, 1, &after1);
	/* the status moved with its target, untouched (no new check) */
	assert_same_status(&after0, &before1);
	assert_same_status(&after1, &before0);
	assert_detail(p, 2, false, "HTTP 404");

	/* target "one" gets another profile (rise 3): a new key, a fresh
	 * check, which now says 503 */
	tset_init(&s3);
	check_init(&s3.checks[0], CHECK_HTTP, port0, 60000, 1000 * scale, 3, 3);
	tset_add(&s3, ip0, "one");
	s3.checks[1] = s1.checks[1];
	tset_add(&s3, ip1, "two");
	adopt(p, &s3);
	assert_false(probe_set_up(&s3.set, 0));
	assert_detail(p, 0, false, "HTTP 503");
	assert_false(probe_set_up(&s3.set, 1)); /* still carried */
	prober_status(p, 1, &after1);
	assert_same_status(&after1, &before1);

	prober_down(p);
	backend_stop(&a);
}

static bool have_ipv6(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd < 0)
		return false;
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
	s6.sin6_addr = in6addr_loopback;
	bool ok = bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0;
	close(fd);
	return ok;
}

static void test_ipv6(void **unused)
{
	(void)unused;
	if (!have_ipv6()) {
		print_message("no IPv6 loopback here: skipped\n");
		skip();
	}
	struct backend a;
	const char *la[] = {"[::1]:0"};
	const char *oa[] = {"-H", "health.example", NULL};
	backend_start(&a, la, 1, oa);
	char ip[64];
	uint16_t port;
	split_addr(a.addr[0], ip, sizeof(ip), &port);
	assert_string_equal(ip, "::1");
	static struct tset s;
	tset_init(&s);
	fast_check(&s.checks[0], CHECK_HTTP, port);
	tset_add(&s, "::1", "six");
	fast_check(&s.checks[1], CHECK_HTTP, port);
	s.checks[1].host = "health.example";
	tset_add(&s, "::1", "six");
	fast_check(&s.checks[2], CHECK_TCP, port);
	tset_add(&s, "::1", "six");

	/* the backend wants Host: health.example; the member's address as
	 * Host gets 421 */
	struct prober *p = prober_up();
	adopt(p, &s);
	assert_false(probe_set_up(&s.set, 0));
	assert_true(probe_set_up(&s.set, 1));
	assert_true(probe_set_up(&s.set, 2));
	assert_detail(p, 0, false, "HTTP 421");
	assert_detail(p, 1, true, "HTTP 200");
	assert_detail(p, 2, true, "connected");
	control(a.addr[0], "host=");
	assert_true(wait_state(&s, 0, true, SPEC_UP_MS(&s.checks[0])) >= 0);
	control(a.addr[0], "status=500");
	assert_true(wait_state(&s, 0, false, SPEC_DOWN_MS(&s.checks[0])) >= 0);
	assert_true(wait_state(&s, 1, false, SPEC_DOWN_MS(&s.checks[1])) >= 0);
	assert_stays(&s, 2, true, FAST_INTERVAL);
	prober_down(p);
	backend_stop(&a);
}

/* Issue 10: host is sent only as the Host header, as written (a port
 * included), and the check goes to the member's address whatever host
 * says: "x@127.0.0.17" in a URL would be a user name and a check of
 * 127.0.0.17 (a decoy that answers 200 to anything), so a profile with
 * such a host (the loader refuses it; this one is built by hand) fails
 * instead of passing by asking someone else. */
static void test_host_header(void **unused)
{
	(void)unused;
	struct backend a, b;
	const char *la[] = {"127.0.0.16:0"};
	const char *oa[] = {"-H", "www.example.com:8080", NULL};
	backend_start(&a, la, 1, oa);
	char ip[64], decoy[64];
	uint16_t port;
	split_addr(a.addr[0], ip, sizeof(ip), &port);
	snprintf(decoy, sizeof(decoy), "127.0.0.17:%u", port);
	const char *lb[] = {decoy};
	backend_start(&b, lb, 1, NULL);

	static struct tset s;
	tset_init(&s);
	fast_check(&s.checks[0], CHECK_HTTP, port);
	s.checks[0].host = "www.example.com:8080";
	tset_add(&s, ip, "member");
	fast_check(&s.checks[1], CHECK_HTTP, port);
	s.checks[1].host = "www.example.com"; /* not what it wants */
	tset_add(&s, ip, "member");
	char evil[64];
	snprintf(evil, sizeof(evil), "x@127.0.0.17");
	fast_check(&s.checks[2], CHECK_HTTP, port);
	s.checks[2].host = evil;
	tset_add(&s, ip, "member");
	fast_check(&s.checks[3], CHECK_HTTPS, port);
	s.checks[3].host = evil;
	s.checks[3].verify_tls = false;
	tset_add(&s, ip, "member");

	struct prober *p = prober_up();
	adopt(p, &s);
	assert_true(probe_set_up(&s.set, 0));
	assert_detail(p, 0, true, "HTTP 200");
	assert_false(probe_set_up(&s.set, 1));
	assert_detail(p, 1, false, "HTTP 421");
	struct probe_status st;
	for (uint32_t i = 2; i < 4; i++) {
		assert_false(probe_set_up(&s.set, i));
		prober_status(p, i, &st);
		print_message("host %s (%s): %s\n", evil,
		              i == 2 ? "http" : "https", st.detail);
		assert_null(strstr(st.detail, "HTTP 200"));
	}
	prober_down(p);
	backend_stop(&b);
	backend_stop(&a);
}

/* The whole of a file, NUL ended; the caller frees it. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = calloc(1, 65536);
	assert_non_null(buf);
	*len = fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

/* https against openssl s_server -WWW with a self-signed certificate. */
static void test_https(void **unused)
{
	(void)unused;
	char dir[] = "/tmp/test_probe.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
	         "cd %s && openssl req -x509 -newkey ec -pkeyopt "
	         "ec_paramgen_curve:prime256v1 -nodes -keyout key.pem "
	         "-out cert.pem -days 2 -subj /CN=probe.test "
	         "-addext subjectAltName=DNS:probe.test >/dev/null 2>&1 && "
	         "echo ok > health",
	         dir);
	assert_int_equal(system(cmd), 0);
	char out[PATH_MAX], cert[PATH_MAX];
	snprintf(out, sizeof(out), "%s/s_server.out", dir);
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(ofd >= 0);
	char a0[] = "openssl", a1[] = "s_server", a2[] = "-WWW",
	     a3[] = "-accept", a4[] = "127.0.0.15:0", a5[] = "-cert",
	     a6[] = "cert.pem", a7[] = "-key", a8[] = "key.pem";
	char *argv[] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, NULL};
	pid_t srv = spawn(argv, ofd, dir);
	close(ofd);
	assert_true(srv > 0);

	/* s_server prints "ACCEPT 127.0.0.15:PORT" once it listens. */
	uint16_t port = 0;
	for (int64_t end = now_ms() + 10000; port == 0 && now_ms() < end;) {
		FILE *f = fopen(out, "r");
		char line[256];
		while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
			const char *at = strstr(line, "ACCEPT 127.0.0.15:");
			if (at != NULL)
				port = (uint16_t)atoi(at + 18);
		}
		if (f != NULL)
			fclose(f);
		if (port == 0)
			sleep_ms(20);
	}
	assert_true(port != 0);

	/* s_server answers one connection at a time: a roomy timeout. */
	static struct tset s;
	tset_init(&s);
	check_init(&s.checks[0], CHECK_HTTPS, port, 5000 * scale, 2000 * scale,
	           2, 2);
	s.checks[0].verify_tls = false;
	tset_add(&s, "127.0.0.15", "tls");
	check_init(&s.checks[1], CHECK_HTTPS, port, 5000 * scale, 2000 * scale,
	           2, 2);
	/* The CA as the loader hands it over, from memory: the file is
	 * gone before the first check (issue 10: the checks run after the
	 * privilege drop, when the file may be out of reach). */
	size_t pem_len;
	char *pem = slurp(cert, &pem_len);
	s.checks[1].ca_file = cert;
	s.checks[1].ca_pem = pem;
	s.checks[1].ca_pem_len = pem_len;
	s.checks[1].host = "probe.test";
	tset_add(&s, "127.0.0.15", "tls");
	check_init(&s.checks[2], CHECK_HTTPS, port, 5000 * scale, 2000 * scale,
	           2, 2);
	s.checks[2].host = "probe.test"; /* system CAs: untrusted */
	s.checks[2].ca_file = NULL;
	tset_add(&s, "127.0.0.15", "tls");
	check_init(&s.checks[3], CHECK_HTTPS, port, 5000 * scale, 2000 * scale,
	           2, 2);
	s.checks[3].ca_pem = pem; /* trusted, but the name is the IP */
	s.checks[3].ca_pem_len = pem_len;
	tset_add(&s, "127.0.0.15", "tls");
	check_init(&s.checks[4], CHECK_HTTPS, port, 5000 * scale, 2000 * scale,
	           2, 2);
	s.checks[4].verify_tls = false;
	s.checks[4].body = "ok";
	tset_add(&s, "127.0.0.15", "tls");
	/* A host with a port: the certificate is still checked against the
	 * name (CONNECT_TO pins the connection), the port only goes into
	 * the Host header. */
	static char host_port[32];
	snprintf(host_port, sizeof(host_port), "probe.test:%u", port);
	check_init(&s.checks[5], CHECK_HTTPS, port, 5000 * scale, 2000 * scale,
	           2, 2);
	s.checks[5].ca_pem = pem;
	s.checks[5].ca_pem_len = pem_len;
	s.checks[5].host = host_port;
	tset_add(&s, "127.0.0.15", "tls");
	/* ... and against the name it gives: another name fails. */
	check_init(&s.checks[6], CHECK_HTTPS, port, 5000 * scale, 2000 * scale,
	           2, 2);
	s.checks[6].ca_pem = pem;
	s.checks[6].ca_pem_len = pem_len;
	s.checks[6].host = "other.test";
	tset_add(&s, "127.0.0.15", "tls");
	assert_int_equal(unlink(cert), 0);

	struct prober *p = prober_up();
	int64_t ms = adopt(p, &s);
	print_message("https readiness took %lld ms\n", (long long)ms);
	assert_true(ms <= READY_MS(2000 * scale));
	assert_true(probe_set_up(&s.set, 0));
	assert_true(probe_set_up(&s.set, 1));
	assert_false(probe_set_up(&s.set, 2));
	assert_false(probe_set_up(&s.set, 3));
	assert_true(probe_set_up(&s.set, 4));
	assert_true(probe_set_up(&s.set, 5));
	assert_false(probe_set_up(&s.set, 6));
	assert_detail(p, 0, true, "HTTP 200");
	assert_detail(p, 1, true, "HTTP 200");
	assert_detail(p, 5, true, "HTTP 200");
	struct probe_status st;
	prober_status(p, 2, &st);
	print_message("untrusted: %s\n", st.detail);
	assert_null(strstr(st.detail, "HTTP"));
	assert_true(strlen(st.detail) > 0);
	prober_status(p, 3, &st);
	print_message("name mismatch: %s\n", st.detail);
	assert_null(strstr(st.detail, "HTTP"));
	prober_status(p, 6, &st);
	print_message("another host name: %s\n", st.detail);
	assert_null(strstr(st.detail, "HTTP"));
	prober_down(p);
	free(pem);

	child_stop(srv);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* prober_free cancels checks in flight (http waiting on a slow reply,
 * tcp waiting on a dropped SYN) promptly and cleanly. */
static void test_free_in_flight(void **unused)
{
	(void)unused;
	struct backend a;
	const char *la[] = {"127.0.0.11:0"};
	backend_start(&a, la, 1, NULL);
	char ip[64];
	uint16_t port;
	split_addr(a.addr[0], ip, sizeof(ip), &port);
	static struct tset s;
	tset_init(&s);
	for (int i = 0; i < 4; i++) {
		check_init(&s.checks[i], CHECK_HTTP, port, 300 * scale,
		           250 * scale, 2, 2);
		s.checks[i].interval_ms += (unsigned)i; /* distinct keys */
		tset_add(&s, ip, "local");
	}
	struct prober *p = prober_up();
	adopt(p, &s);
	for (uint32_t i = 0; i < s.set.n; i++)
		assert_true(probe_set_up(&s.set, i));
	control(a.addr[0], "delay=60000");
	sleep_ms(400 * scale); /* every target has a check waiting */
	int64_t t0 = now_ms();
	prober_down(p);
	int64_t ms = now_ms() - t0;
	print_message("prober_free with checks in flight: %lld ms\n",
	              (long long)ms);
	assert_true(ms < 1000 * scale);
	backend_stop(&a);
}

/* The concurrency tests: 200 targets over four listeners of one backend
 * (127.0.0.21-24), with a small bound on checks in flight. */
#define MANY       200
#define MANY_CAP   8
#define MANY_ROUND ((MANY + MANY_CAP - 1) / MANY_CAP) /* waves of checks */

static struct prober *prober_up_capped(unsigned cap)
{
	struct prober *p = prober_new();
	assert_non_null(p);
	running_prober = p;
	prober_set_concurrency(p, cap);
	assert_int_equal(prober_start(p), 0);
	assert_int_equal(prober_concurrency(p), cap);
	return p;
}

/* n targets spread over the backend's listeners; the interval differs by
 * a millisecond from one to the next, so that every key is distinct. */
static void many_targets(struct tset *s, const struct backend *b, unsigned n,
                         unsigned interval, unsigned timeout)
{
	tset_init(s);
	for (unsigned i = 0; i < n; i++) {
		char ip[64];
		uint16_t port;
		split_addr(b->addr[i % (unsigned)b->n], ip, sizeof(ip), &port);
		check_init(&s->checks[i], CHECK_HTTP, port, interval + i,
		           timeout, 2, 2);
		tset_add(s, ip, "many");
	}
}

static void many_backend(struct backend *b, const char *const *opts)
{
	const char *l[] = {"127.0.0.21:0", "127.0.0.22:0", "127.0.0.23:0",
	                   "127.0.0.24:0"};
	backend_start(b, l, 4, opts);
}

/* A set far larger than the bound: the readiness round runs in waves of
 * at most MANY_CAP checks and still finishes quickly against answering
 * members, and then every periodic check starts on time. */
static void test_concurrency(void **unused)
{
	(void)unused;
	struct backend a;
	many_backend(&a, NULL);
	static struct tset s;
	/* 200 targets every second: 200 checks/s through 8 slots. */
	many_targets(&s, &a, MANY, 1000 * scale, FAST_TIMEOUT);

	struct prober *p = prober_up_capped(MANY_CAP);
	int64_t ms = adopt(p, &s);
	print_message("readiness round of %d through %d slots: %lld ms\n", MANY,
	              MANY_CAP, (long long)ms);
	/* The documented bound, ceil(new / N) x (timeout + 0.5 s)... */
	assert_true(ms <= MANY_ROUND * (FAST_TIMEOUT + 500) + 1000 * scale);
	/* ...and what answering members actually take: about one timeout. */
	assert_true(ms <= READY_MS(FAST_TIMEOUT));
	for (uint32_t i = 0; i < s.set.n; i++)
		assert_true(probe_set_up(&s.set, i));

	struct probe_metrics m0, m1;
	prober_metrics(p, &m0);
	/* one check each (and perhaps a first periodic one already) */
	assert_in_range(m0.count, MANY, MANY + MANY_CAP);
	assert_int_equal(m0.late, 0);
	sleep_ms(3000 * scale);
	prober_metrics(p, &m1);
	uint64_t checks = m1.count - m0.count;
	print_message("%llu checks in 3 s, %llu late\n",
	              (unsigned long long)checks,
	              (unsigned long long)(m1.late - m0.late));
	/* 3 intervals: about 3 checks per target, every one on time. */
	assert_true(checks >= 2 * MANY && checks <= 4 * MANY);
	assert_int_equal(m1.late, 0);
	for (uint32_t i = 0; i < s.set.n; i++)
		assert_true(probe_set_up(&s.set, i));
	prober_down(p);
	backend_stop(&a);
}

/* Members that never answer: each wave of the readiness round lasts one
 * timeout, so the round takes ceil(new / N) timeouts, no fewer (the bound
 * holds) and not many more (the waves follow each other at once). */
static void test_concurrency_hanging(void **unused)
{
	(void)unused;
	struct backend a;
	char delay[32];
	snprintf(delay, sizeof(delay), "%u", 20 * FAST_TIMEOUT);
	const char *oa[] = {"-d", delay, NULL};
	many_backend(&a, oa);
	static struct tset s;
	unsigned n = 5 * MANY_CAP;
	many_targets(&s, &a, n, 60000, FAST_TIMEOUT);

	struct prober *p = prober_up_capped(MANY_CAP);
	int64_t ms = adopt(p, &s);
	unsigned waves = n / MANY_CAP;
	print_message("readiness round of %u hanging members through %d "
	              "slots: %lld ms (%u waves of %u ms)\n",
	              n, MANY_CAP, (long long)ms, waves, FAST_TIMEOUT);
	assert_true(ms >= (int64_t)(waves * FAST_TIMEOUT * 9 / 10));
	assert_true(ms <= (int64_t)(waves * (FAST_TIMEOUT + 500)));
	char timeout_detail[64];
	snprintf(timeout_detail, sizeof(timeout_detail), "timeout after %u ms",
	         FAST_TIMEOUT);
	for (uint32_t i = 0; i < s.set.n; i++) {
		assert_false(probe_set_up(&s.set, i));
		assert_detail(p, i, false, timeout_detail);
	}
	prober_down(p);
	backend_stop(&a);
}

/* One slot, 20 members that hang until their 100 ms timeout, each due
 * every second: 20 checks/s wanted, 10/s possible. Checks wait for the
 * slot longer and longer, and those waiting over a second count as late:
 * the metric sees an overloaded prober. */
static void test_late_when_saturated(void **unused)
{
	(void)unused;
	struct backend a;
	char delay[32];
	snprintf(delay, sizeof(delay), "%u", 20 * FAST_TIMEOUT);
	const char *oa[] = {"-d", delay, NULL};
	many_backend(&a, oa);
	static struct tset s;
	many_targets(&s, &a, 20, 1000 * scale, FAST_TIMEOUT);
	struct prober *p = prober_up_capped(1);
	int64_t ms = adopt(p, &s);
	assert_true(ms >= 20 * FAST_TIMEOUT * 9 / 10); /* one at a time */
	struct probe_metrics m;
	prober_metrics(p, &m);
	assert_int_equal(m.late, 0);
	sleep_ms(4000 * scale);
	prober_metrics(p, &m);
	print_message("one slot, 20 hanging members: %llu checks, %llu late\n",
	              (unsigned long long)m.count, (unsigned long long)m.late);
	assert_true(m.late > 0);
	prober_down(p);
	backend_stop(&a);
}

/* prober_free with every slot holding a hanging check and the rest of a
 * large set waiting for one: nothing runs to completion, it returns at
 * once. */
static void test_free_saturated(void **unused)
{
	(void)unused;
	struct backend a;
	many_backend(&a, NULL);
	static struct tset s;
	/* Every 400 ms with a 5 s timeout: once the backend hangs, 8 checks
	 * hold the slots and the other 192 targets queue up behind them. */
	many_targets(&s, &a, MANY, 400 * scale, 5000 * scale);
	struct prober *p = prober_up_capped(MANY_CAP);
	adopt(p, &s);
	for (int i = 0; i < a.n; i++)
		control(a.addr[i], "delay=60000");
	sleep_ms(1000 * scale); /* two intervals: every target is due */
	int64_t t0 = now_ms();
	prober_down(p);
	int64_t ms = now_ms() - t0;
	print_message("prober_free, %d slots hanging, the rest waiting: "
	              "%lld ms\n",
	              MANY_CAP, (long long)ms);
	assert_true(ms < 1000 * scale);
	backend_stop(&a);
}

int main(void)
{
	const char *env = getenv("FAKE_BACKEND");
	if (env != NULL) {
		snprintf(fake_backend, sizeof(fake_backend), "%s", env);
	} else {
		/* build/tests/test_probe -> build/fake_backend */
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			return 1;
		self[n] = '\0';
		for (int up = 0; up < 2; up++) {
			char *slash = strrchr(self, '/');
			if (slash != NULL)
				*slash = '\0';
		}
		if (strlen(self) + sizeof("/fake_backend") >
		    sizeof(fake_backend))
			return 1;
		memcpy(fake_backend, self, strlen(self));
		strcat(fake_backend, "/fake_backend");
	}
	if (access(fake_backend, X_OK) != 0) {
		fprintf(stderr, "test_probe: %s not found (make it first)\n",
		        fake_backend);
		return 1;
	}
	const char *preload = getenv("LD_PRELOAD");
	if (preload != NULL && strstr(preload, "vgpreload") != NULL)
		scale = 10;
	const char *env_scale = getenv("TEST_PROBE_SCALE");
	if (env_scale != NULL && atoi(env_scale) > 0)
		scale = (unsigned)atoi(env_scale);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_lifecycle, teardown),
	    cmocka_unit_test_teardown(test_readiness, teardown),
	    cmocka_unit_test_teardown(test_down_and_up, teardown),
	    cmocka_unit_test_teardown(test_timeout, teardown),
	    cmocka_unit_test_teardown(test_body, teardown),
	    cmocka_unit_test_teardown(test_body_unbounded, teardown),
	    cmocka_unit_test_teardown(test_user_agent, teardown),
	    cmocka_unit_test_teardown(test_no_fd, teardown),
	    cmocka_unit_test_teardown(test_expect, teardown),
	    cmocka_unit_test_teardown(test_tcp, teardown),
	    cmocka_unit_test_teardown(test_keep_state, teardown),
	    cmocka_unit_test_teardown(test_ipv6, teardown),
	    cmocka_unit_test_teardown(test_host_header, teardown),
	    cmocka_unit_test_teardown(test_https, teardown),
	    cmocka_unit_test_teardown(test_free_in_flight, teardown),
	    cmocka_unit_test_teardown(test_concurrency, teardown),
	    cmocka_unit_test_teardown(test_concurrency_hanging, teardown),
	    cmocka_unit_test_teardown(test_late_when_saturated, teardown),
	    cmocka_unit_test_teardown(test_free_saturated, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
