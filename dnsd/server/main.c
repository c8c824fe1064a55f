/* main.c - wires dnsd together: command line, start-up, threads, signals,
 * reload and stop. The only file that knows every part. */
#include <errno.h>
#include <grp.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf/config.h"
#include "control/control.h"
#include "control/ctl_commands.h"
#include "control/ctl_socket.h"
#include "base/diag.h"
#include "base/log.h"
#include "dnstap/dnstap.h"
#include "server/fdlimit.h"
#include "server/net.h"
#include "server/reload.h"
#include "probes/probe.h"
#include "base/qsbr.h"
#include "server/server.h"
#include "snapshot/snapshot.h"
#include "dns/stats.h"
#include "server/tcp.h"
#include "base/version.h"
#include "server/worker.h"

/* Exit codes, SPEC section 1. */
#define EXIT_CONFIG  1
#define EXIT_USAGE   2
#define EXIT_RUNTIME 3

/* SPEC 1: in-flight TCP answers get at most 5 s at stop. */
#define STOP_GRACE_SEC 5
#define TCP_BACKLOG    256
/* The control endpoint serves a few scrapers and operators. */
#define CONTROL_BACKLOG 32
/* At stop, dnstap gets this long (as TCP answers, SPEC 1) to hand what is
 * queued to its collector or file (a file sink is flushed in milliseconds;
 * a collector that stopped reading would otherwise hold the exit). */
#define DNSTAP_STOP_WAIT_MS 5000

struct dnsd {
	const char *config_path;
	struct server srv;
	struct event_base *base;
	struct worker *workers;
	unsigned nworkers;
	struct tcp_server *tcp;
	struct prober *prober;
	struct control *control;
	struct reloader *reloader;
	int control_fd; /* bound before the privilege drop, or -1 */
	unsigned threads;
	unsigned long fd_limit;   /* RLIMIT_NOFILE in force, after raising */
	unsigned control_max;     /* control connections, fixed at start */
	struct admin_table admin; /* SPEC 7: the operator's overrides */
	struct ctl_commands *commands;
	struct ctl_socket *ctl_sock;
	int ctl_fd; /* the control socket, bound before the drop, or -1 */
	struct event *sig_hup, *sig_term, *sig_int, *stop_timer;
	/* SPEC 9: RRSIGs are valid 14 days and renewed when fewer than 7
	 * remain. A snapshot's static signatures date from its build, so
	 * the resign timer rebuilds it (the normal reload: the old one
	 * serves until the new one is signed) once it is 7 days old. */
	struct event *resign_timer;
	int64_t resign_due; /* 0: nothing signed */
	bool stopping;
};

/* libevent's own fatal errors (a socketpair it cannot make, say) would
 * exit 1, the code of a configuration error: they are runtime failures. */
static void on_libevent_fatal(int err)
{
	log_error("server", "libevent: fatal error %d (see the line above)",
	          err);
	_exit(EXIT_RUNTIME);
}

/* How often the main thread looks whether the signatures are due. */
#define RESIGN_CHECK_SEC 3600
#define RESIGN_AFTER_SEC (7 * 86400)

static void usage(FILE *f)
{
	fprintf(f, "usage: dnsd -c FILE      serve in the foreground\n"
	           "       dnsd -t -c FILE   check FILE and its zones, exit\n"
	           "       dnsd -V           print the version\n");
}

static int check_config(const char *path)
{
	struct diag diag;
	struct snapshot *s = NULL;
	diag_init(&diag);
	int rc = snapshot_build(path, &s, &diag);
	if (rc == 0 && s->cfg->server.state_file != NULL) {
		/* The state file is read at start too: check it now. */
		struct admin_table t;
		admin_table_init(&t);
		rc = admin_load(&t, s->cfg->server.state_file, &diag);
		admin_table_free(&t);
		if (rc != 0)
			snapshot_free(s);
	}
	if (rc == 0 && s->cfg->server.user != NULL &&
	    getpwnam(s->cfg->server.user) == NULL) {
		/* The start would fail there after loading everything. */
		diag_add(&diag, path, s->cfg->server.user_line,
		         "user %s does not exist; create it or remove `user` "
		         "from [server]",
		         s->cfg->server.user);
		snapshot_free(s);
		rc = -1;
	}
	/* Errors, or the warnings of a good file (stdout still says ok). */
	diag_print(&diag);
	if (rc == 0) {
		printf("%s: ok\n", path);
		snapshot_free(s);
	}
	diag_free(&diag);
	return rc == 0 ? 0 : EXIT_CONFIG;
}

/* Checks that may be in flight for s: one per target, at most what the
 * prober runs at once. */
static unsigned plan_probes(const struct dnsd *d, const struct snapshot *s)
{
	unsigned probes = s->probes.n;
	if (d->prober != NULL && probes > prober_concurrency(d->prober))
		probes = prober_concurrency(d->prober);
	return probes;
}

/* Share the open-file limit out for configuration s (fdlimit.h). */
static void plan_fds(const struct dnsd *d, const struct snapshot *s,
                     struct fdlimit_plan *plan)
{
	const struct config_server *cfg = &s->cfg->server;
	unsigned probes = plan_probes(d, s);
	struct fdlimit_need need = {
	    .udp_sockets = d->threads * (unsigned)cfg->nlisten,
	    .tcp_listeners = (unsigned)cfg->nlisten,
	    .control = cfg->has_control ? 1 : 0,
	    .control_max = CONTROL_MAX_CLIENTS,
	    .probes = probes,
	    .tcp_max_clients = cfg->tcp_max_clients,
	};
	fdlimit_plan(&need, d->fd_limit, plan);
}

/* Once at start and after a reload that changes the sums: the limit is
 * short, so say by how much and what gives way. */
static void warn_fds(const struct fdlimit_plan *plan, const struct snapshot *s,
                     unsigned probes)
{
	log_warn("server",
	         "open-file limit %lu is below the %lu this configuration "
	         "needs (tcp_max_clients %u + %u checks + %u control "
	         "connections + %u sockets and reserve): DNS TCP clients are "
	         "capped at %u and control connections at %u; raise the "
	         "limit to %lu (ulimit -n, systemd LimitNOFILE=) or lower "
	         "tcp_max_clients",
	         plan->limit, plan->full, s->cfg->server.tcp_max_clients,
	         probes, s->cfg->server.has_control ? CONTROL_MAX_CLIENTS : 0,
	         plan->fixed, plan->tcp_clients, plan->control_max, plan->full);
}

/* After a reload was published: what only the main thread may change. */
static void reload_applied(void *arg, const struct snapshot *s)
{
	struct dnsd *d = arg;
	struct fdlimit_plan plan;
	plan_fds(d, s, &plan);
	if (!plan.enough)
		warn_fds(&plan, s, plan_probes(d, s));
	tcp_server_configure(d->tcp, &s->cfg->server, plan.tcp_clients);
	d->resign_due = s->nkeysets > 0 ? s->built + RESIGN_AFTER_SEC : 0;
}

static void on_resign_timer(evutil_socket_t fd, short what, void *arg)
{
	struct dnsd *d = arg;
	(void)fd;
	(void)what;
	if (d->stopping || d->resign_due == 0 ||
	    (int64_t)time(NULL) < d->resign_due)
		return;
	log_info("server", "dnssec: signatures are 7 days old, re-signing "
	                   "(reload)");
	reloader_request(d->reloader);
}

static void stop_done(void *arg)
{
	struct dnsd *d = arg;
	event_base_loopexit(d->base, NULL);
}

static void stop(struct dnsd *d, int sig)
{
	if (d->stopping)
		return;
	d->stopping = true;
	log_info("server", "stopping on %s", strsignal(sig));
	atomic_store(&d->srv.stopping, true);
	for (unsigned i = 0; i < d->nworkers; i++)
		worker_wake(&d->workers[i]);
	struct timeval grace = {STOP_GRACE_SEC, 0};
	event_add(d->stop_timer, &grace);
	tcp_server_stop(d->tcp, stop_done, d);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct dnsd *d = arg;
	(void)what;
	if (sig == SIGHUP) {
		if (!d->stopping)
			reloader_request(d->reloader);
	} else {
		stop(d, (int)sig);
	}
}

static void on_stop_timer(evutil_socket_t fd, short what, void *arg)
{
	struct dnsd *d = arg;
	(void)fd;
	(void)what;
	log_warn("server",
	         "stop: %u TCP clients still open after %d s, "
	         "closing them",
	         tcp_server_clients(d->tcp), STOP_GRACE_SEC);
	event_base_loopexit(d->base, NULL);
}

static int drop_privileges(const char *user)
{
	struct passwd *pw = getpwnam(user);
	if (pw == NULL) {
		log_error("server",
		          "user %s does not exist; create it or "
		          "remove `user` from [server]",
		          user);
		return -1;
	}
	/* Started as that user already (systemd's User=): nothing to drop,
	 * and setgroups would fail without CAP_SETGID. */
	if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid &&
	    getgid() == pw->pw_gid) {
		log_info("server", "running as user %s", user);
		return 0;
	}
	if (setgroups(1, &pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		log_error("server", "cannot become user %s: %s", user,
		          strerror(errno));
		return -1;
	}
	log_info("server", "running as user %s", user);
	return 0;
}

/* Bind every socket before starting anything, so a bad address fails the
 * start cleanly (exit 3) with nothing to undo but fds. */
static int open_sockets(struct dnsd *d, const struct config_server *cfg,
                        unsigned threads, int **tcp_fds)
{
	d->nworkers = 0;
	/* aligned_alloc: each worker's counters start on their own cache
	 * line (struct stats is cache-line aligned). */
	size_t wsize =
	    ((size_t)threads * cfg->nlisten + 1) * sizeof(*d->workers);
	d->workers = aligned_alloc(DNSD_CACHELINE, wsize);
	if (d->workers != NULL)
		memset(d->workers, 0, wsize);
	*tcp_fds = calloc(cfg->nlisten + 1, sizeof(int));
	if (d->workers == NULL || *tcp_fds == NULL)
		return -ENOMEM;
	for (size_t a = 0; a < cfg->nlisten; a++) {
		const struct config_sockaddr *addr = &cfg->listen[a];
		int fd = net_tcp_listener(addr, TCP_BACKLOG);
		if (fd < 0) {
			log_error("server", "listen %s (tcp): %s", addr->text,
			          strerror(-fd));
			return fd;
		}
		(*tcp_fds)[a] = fd;
		for (unsigned t = 0; t < threads; t++) {
			fd = net_udp_socket(addr);
			if (fd < 0) {
				log_error("server", "listen %s (udp): %s",
				          addr->text, strerror(-fd));
				return fd;
			}
			struct worker *w = &d->workers[d->nworkers];
			if (worker_init(w, &d->srv, d->nworkers, fd,
			                net_is_wildcard(addr)) != 0) {
				close(fd);
				return -ENOMEM;
			}
			d->nworkers++;
		}
	}
	return 0;
}

/* The control endpoint (SPEC 6) on the main base, reading every thread's
 * counters and the prober. Its socket was bound before the privilege
 * drop, so a port below 1024 works too. */
static int start_control(struct dnsd *d, const struct config_server *cfg,
                         time_t started)
{
	size_t n = d->nworkers + 1;
	const struct stats **st = calloc(n, sizeof(*st));
	if (st == NULL)
		return -1;
	for (unsigned i = 0; i < d->nworkers; i++)
		st[i] = &d->workers[i].stats;
	st[d->nworkers] = tcp_server_stats(d->tcp);
	struct control_sources src = {
	    .srv = &d->srv,
	    .stats = st,
	    .nstats = n,
	    .prober = d->prober,
	    .started = started,
	    .qsbr_slot = d->nworkers,
	    .max_clients = d->control_max,
	    .address = cfg->control.text,
	};
	d->control = control_new(d->base, d->control_fd, &src);
	d->control_fd = -1; /* owned (or closed) by control_new */
	free(st);
	if (d->control == NULL)
		return -1;
	log_info("server", "control endpoint on http://%s/", cfg->control.text);
	return 0;
}

/* Raise the open-file limit, and refuse to start (exit 3, SPEC 1) when
 * it cannot even hold the sockets and what start-up opens: libevent would
 * die half-way with its own message and exit 1, the code of a
 * configuration error. */
static bool fds_enough_to_start(struct dnsd *d, const struct snapshot *s)
{
	unsigned long before = 0;
	d->fd_limit = fdlimit_raise(&before);
	if (d->fd_limit > before)
		log_info("server", "open-file limit raised from %lu to %lu",
		         before, d->fd_limit);
	struct fdlimit_plan plan;
	plan_fds(d, s, &plan);
	if (plan.can_start)
		return true;
	log_error("server",
	          "open-file limit %lu is too small to start: %u UDP and %zu "
	          "TCP sockets%s and %d for the event loops, the probe thread "
	          "and files need %lu, and serving this configuration in "
	          "full %lu; raise the limit (ulimit -n, systemd "
	          "LimitNOFILE=)",
	          plan.limit, d->threads * (unsigned)s->cfg->server.nlisten,
	          s->cfg->server.nlisten,
	          s->cfg->server.has_control ? ", the control socket" : "",
	          FDLIMIT_START, plan.start, plan.full);
	return false;
}

static void log_stale_override(void *arg, const struct admin_override *o)
{
	(void)arg;
	log_info("admin", "override %s %s expired while dnsd was stopped",
	         admin_state_name(o->state), o->t.text);
}

/* SPEC 7: overrides kept by the last run, read before serving. A state
 * file that cannot be read is a configuration error: starting without
 * the drains an operator set would send traffic to members under
 * maintenance. */
static int load_admin(struct dnsd *d, struct snapshot *snap)
{
	const char *file = snap->cfg->server.state_file;
	if (file != NULL) {
		struct diag diag;
		diag_init(&diag);
		if (admin_load(&d->admin, file, &diag) != 0) {
			diag_log(&diag, "config");
			log_error("config",
			          "state file %s: %zu error(s), not starting "
			          "(fix or remove it)",
			          file, diag.count);
			diag_free(&diag);
			return -1;
		}
		diag_free(&diag);
		admin_expire(&d->admin, admin_now_ms(), log_stale_override,
		             NULL);
		for (size_t i = 0; i < d->admin.n; i++) {
			const struct admin_override *o = d->admin.v[i];
			size_t n = admin_target_each(snap, &o->t, NULL, NULL);
			log_info("admin",
			         "kept override: %s %s (%zu member%s)%s%s",
			         admin_state_name(o->state), o->t.text, n,
			         n == 1 ? "" : "s", o->reason[0] ? ": " : "",
			         o->reason);
		}
	}
	admin_apply(&d->admin, snap);
	d->srv.admin = &d->admin;
	return 0;
}

static int serve(const char *path)
{
	struct dnsd d = {.config_path = path, .control_fd = -1, .ctl_fd = -1};
	struct diag diag;
	struct snapshot *snap = NULL;
	int *tcp_fds = NULL;
	int rc = EXIT_RUNTIME;

	diag_init(&diag);
	if (snapshot_build(path, &snap, &diag) != 0) {
		diag_log(&diag, "config");
		log_error("config", "%s: %zu error(s), not starting", path,
		          diag.count);
		diag_free(&diag);
		return EXIT_CONFIG;
	}
	diag_log(&diag, "config"); /* its warnings */
	diag_free(&diag);
	const struct config_server *cfg = &snap->cfg->server;
	d.resign_due = snap->nkeysets > 0 ? snap->built + RESIGN_AFTER_SEC : 0;
	log_set_level(cfg->log_level);
	admin_table_init(&d.admin);
	if (load_admin(&d, snap) != 0) {
		snapshot_free(snap);
		admin_table_free(&d.admin);
		return EXIT_CONFIG;
	}

	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads =
	    cfg->threads ? cfg->threads : (unsigned)(ncpu > 0 ? ncpu : 1);
	d.threads = threads;
	if (!fds_enough_to_start(&d, snap))
		goto out;
	signal(SIGPIPE, SIG_IGN);
	d.base = event_base_new();
	if (d.base == NULL) {
		log_error("server", "cannot create the event loop: %s",
		          strerror(errno));
		goto out;
	}
	if (open_sockets(&d, cfg, threads, &tcp_fds) != 0)
		goto out;
	if (cfg->has_control) {
		d.control_fd = net_tcp_listener(&cfg->control, CONTROL_BACKLOG);
		if (d.control_fd < 0) {
			log_error("server", "control %s: %s", cfg->control.text,
			          strerror(-d.control_fd));
			goto out;
		}
	}
	if (cfg->control_socket != NULL) {
		char err[512];
		d.ctl_fd = ctl_socket_bind(cfg->control_socket, cfg->user, err,
		                           sizeof(err));
		if (d.ctl_fd < 0) {
			log_error("server", "%s", err);
			goto out;
		}
	}
	if (cfg->user != NULL && drop_privileges(cfg->user) != 0) {
		rc = EXIT_CONFIG;
		goto out;
	}
	d.prober = prober_new();
	if (d.prober == NULL || prober_start(d.prober) != 0) {
		log_error("probe", "cannot start the probe thread");
		goto out;
	}
	if (snap->probes.n > 0)
		log_info("probe",
		         "checking %u member(s) before serving, "
		         "at most %u at once",
		         snap->probes.n, prober_concurrency(d.prober));
	if (prober_adopt(d.prober, &snap->probes) != 0) {
		log_error("probe", "readiness checks failed to run");
		goto out;
	}
	/* Readers: every worker, plus the main thread answering TCP. */
	if (qsbr_init(&d.srv.qsbr, d.nworkers + 1) != 0)
		goto out;
	/* dnstap: one input queue per qsbr slot (workers, then TCP). */
	d.srv.dnstap_queues = d.nworkers + 1;
	struct dnstap_sink *tap = NULL;
	if (dnstap_sink_new(cfg, d.srv.dnstap_queues, &tap) != 0)
		goto out;
	atomic_store(&d.srv.dnstap, tap);
	atomic_store(&d.srv.snapshot, snap);
	snap = NULL;
	const char **names = calloc(cfg->nlisten + 1, sizeof(*names));
	if (names == NULL)
		goto out;
	for (size_t a = 0; a < cfg->nlisten; a++)
		names[a] = cfg->listen[a].text;
	d.tcp = tcp_server_new(d.base, &d.srv, d.nworkers, tcp_fds, names,
	                       cfg->nlisten);
	free(names);
	free(tcp_fds);
	tcp_fds = NULL;
	if (d.tcp == NULL)
		goto out;
	struct fdlimit_plan plan;
	const struct snapshot *first = server_snapshot(&d.srv);
	plan_fds(&d, first, &plan);
	if (!plan.enough)
		warn_fds(&plan, first, plan_probes(&d, first));
	d.control_max = plan.control_max;
	tcp_server_configure(d.tcp, cfg, plan.tcp_clients);
	/* The first load counts as a successful one for the metrics. */
	time_t started = time(NULL);
	atomic_store(&d.srv.last_reload_ok, (int64_t)started);
	if (cfg->has_control && start_control(&d, cfg, started) != 0) {
		log_error("server", "cannot start the control endpoint");
		goto out;
	}

	d.reloader = reloader_new(d.base, &d.srv, d.nworkers, d.prober, path,
	                          reload_applied, &d);
	if (d.reloader == NULL) {
		log_error("server", "cannot start the reload thread");
		goto out;
	}
	/* The paths live in the first snapshot's config, which a reload
	 * frees: the socket and the commands copy the first run's. */
	d.commands =
	    ctl_commands_new(d.base, &d.srv, d.nworkers, cfg->state_file);
	if (d.commands == NULL)
		goto out;
	ctl_commands_set_reloader(d.commands, d.reloader);
	if (d.ctl_fd >= 0) {
		d.ctl_sock =
		    ctl_socket_new(d.base, d.ctl_fd, cfg->control_socket,
		                   ctl_commands_handle, d.commands);
		d.ctl_fd = -1;
		if (d.ctl_sock == NULL)
			goto out;
		log_info("server", "control socket on %s", cfg->control_socket);
	}

	d.sig_hup = evsignal_new(d.base, SIGHUP, on_signal, &d);
	d.sig_term = evsignal_new(d.base, SIGTERM, on_signal, &d);
	d.sig_int = evsignal_new(d.base, SIGINT, on_signal, &d);
	d.stop_timer = evtimer_new(d.base, on_stop_timer, &d);
	d.resign_timer = event_new(d.base, -1, EV_PERSIST, on_resign_timer, &d);
	if (!d.sig_hup || !d.sig_term || !d.sig_int || !d.stop_timer ||
	    !d.resign_timer)
		goto out;
	struct timeval resign_every = {RESIGN_CHECK_SEC, 0};
	event_add(d.resign_timer, &resign_every);
	event_add(d.sig_hup, NULL);
	event_add(d.sig_term, NULL);
	event_add(d.sig_int, NULL);

	for (unsigned i = 0; i < d.nworkers; i++) {
		int err = worker_start(&d.workers[i]);
		if (err != 0) {
			log_error("server", "cannot start worker: %s",
			          strerror(-err));
			atomic_store(&d.srv.stopping, true);
			goto out;
		}
	}
	const struct snapshot *live = server_snapshot(&d.srv);
	for (size_t a = 0; a < live->cfg->server.nlisten; a++)
		log_info("server", "listening on %s (udp x%u, tcp)",
		         live->cfg->server.listen[a].text, threads);
	log_info("server", "dnsd %s serving %zu zone(s) from %s", DNSD_VERSION,
	         live->nzones, path);

	event_base_dispatch(d.base);
	rc = 0;
	log_info("server", "stopped");
out:
	if (rc != 0)
		atomic_store(&d.srv.stopping, true);
	/* The socket first (its file goes), then the commands, which
	 * unhook themselves from the reloader. */
	ctl_socket_free(d.ctl_sock);
	ctl_commands_free(d.commands);
	if (d.ctl_fd >= 0)
		close(d.ctl_fd);
	/* First: a reload in progress still publishes through the workers'
	 * qsbr slots and the prober. */
	reloader_free(d.reloader);
	for (unsigned i = 0; i < d.nworkers; i++)
		worker_wake(&d.workers[i]);
	for (unsigned i = 0; i < d.nworkers; i++)
		worker_destroy(&d.workers[i]);
	/* Sockets opened before a failure have no worker yet. */
	free(d.workers);
	if (tcp_fds != NULL) {
		for (size_t a = 0; a < cfg->nlisten; a++)
			if (tcp_fds[a] > 0)
				close(tcp_fds[a]);
		free(tcp_fds);
	}
	control_free(d.control);
	if (d.control_fd >= 0)
		close(d.control_fd);
	tcp_server_free(d.tcp);
	/* Every thread that logs is gone: flush and free. */
	dnstap_sink_free(atomic_load(&d.srv.dnstap), DNSTAP_STOP_WAIT_MS);
	prober_free(d.prober);
	if (d.sig_hup)
		event_free(d.sig_hup);
	if (d.sig_term)
		event_free(d.sig_term);
	if (d.sig_int)
		event_free(d.sig_int);
	if (d.stop_timer)
		event_free(d.stop_timer);
	if (d.resign_timer)
		event_free(d.resign_timer);
	if (d.base)
		event_base_free(d.base);
	snapshot_free(snap);
	snapshot_free(atomic_load(&d.srv.snapshot));
	qsbr_destroy(&d.srv.qsbr);
	admin_table_free(&d.admin);
	return rc;
}

int main(int argc, char **argv)
{
	const char *config = NULL;
	bool check = false;
	int opt;

	while ((opt = getopt(argc, argv, "c:tVh")) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 't':
			check = true;
			break;
		case 'V':
			printf("dnsd %s\n", DNSD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (config == NULL || optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (check) {
		int crc = check_config(config);
		stats_registry_free();
		return crc;
	}
	event_set_fatal_callback(on_libevent_fatal);
	if (prober_global_init() != 0) {
		log_error("server", "cannot initialise libcurl");
		return EXIT_RUNTIME;
	}
#ifdef __GLIBC__
	/* Loading a big zone grows and frees large builder arrays; with
	 * glibc's fixed 128 KiB trim threshold (fixed once any library
	 * calls mallopt, as the TLS stack does) every free shrinks the heap
	 * and the next growth faults it back in: a 1M-name zone loaded 6x
	 * slower than under dnsd -t. Keep 64 MiB of freed top for reuse. */
	mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	mallopt(M_TOP_PAD, 16 * 1024 * 1024);
#endif
	int rc = serve(config);
	prober_global_cleanup();
	stats_registry_free();
	return rc;
}
