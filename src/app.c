/* Opening the backends in the traced namespace, and undoing all of it on
 * every exit path. What the kernel cleans up by itself (the owned table)
 * needs nothing; what outlives us (the nf_log binding, legacy TRACE
 * rules) is put back by app_close(), registered with on_exit() before the
 * first such change. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "app.h"
#include "arm.h"
#include "arm_xt.h"
#include "assemble.h"
#include "story.h"
#include "caps.h"
#include "path_end.h"
#include "snapshots.h"
#include "ct.h"
#include "nl_log.h"
#include "nl_sock.h"
#include "rules_nft.h"
#include "rules_xt.h"
#include "statedir.h"
#include <linux/netfilter.h>	/* after the libc headers it clashes with */

/* What outlives us (the nf_log binding, legacy TRACE rules) must be
 * undone on every way out, and two of them are not calls of ours:
 * exit(), called by die() and by libraries (libnftables 1.0.6 exits
 * when it cannot open a socket), and a fatal signal. Neither needs a
 * global to find the app. exit() runs on_exit() handlers, which get
 * the pointer they were registered with; a signal handler gets only the
 * signal, but it runs on the stack sigaltstack() gave its thread, one
 * of the app's own (fatal_stack), and the head of that stack names it.
 * The handlers run after main() returns, so the app lives as long as
 * the process (main.c and probe.c keep it static). */
static void close_at_exit(int status, void *app)
{
	(void)status;
	app_close(app);
}

/* ---- fatal signals ----------------------------------------------- */

/* What a crash must still undo. SIGKILL cannot be caught: for it the
 * state file and the locks under /run/iptables-trace let the next run or
 * --cleanup repair. Signals that ask us to stop (SIGTERM, SIGQUIT,
 * SIGUSR1, ...) are main.c's: they end the loop and app_close() undoes
 * everything. The ones here mean the process is broken (a bad pointer,
 * abort(), a trap): the heap, stdio and our own state may be corrupt,
 * so the handler does only async-signal-safe work on what app_open()
 * prepared: nl_log_emergency_restore() writes the saved logger names to
 * the sysctl files opened at start (pwrite) and unlinks the state file.
 * Then the previous action runs: a fault returns to the faulting
 * instruction and faults again, a signal someone sent is raised again.
 * TRACE rules cannot be removed without running iptables-legacy; their
 * lock dies with us, so the next run or --cleanup removes them. */
static const int fatal_signals[APP_N_FATAL] = { SIGSEGV, SIGBUS, SIGILL,
						SIGFPE, SIGABRT, SIGTRAP, SIGSYS };

#define FATAL_STACK_MAGIC 0x6970747466617461ULL	/* "ipttfata" */

struct fatal_stack_head {
	uint64_t magic;
	struct app *app;
};

/* The app whose stack this handler runs on, or NULL: the stack is
 * another one (someone else's, or none: threads do not inherit it, so
 * each of ours sets its own, use_signal_stack()). The signal frame is
 * built at the top of the stack, so its head stays as written. */
static struct app *app_of_signal_stack(void)
{
	const struct fatal_stack_head *h;
	stack_t ss;

	if (sigaltstack(NULL, &ss) < 0 || (ss.ss_flags & SS_DISABLE) ||
	    !ss.ss_sp || ss.ss_size != sizeof(((struct app *)0)->fatal_stack[0]))
		return NULL;
	h = ss.ss_sp;
	if (h->magic != FATAL_STACK_MAGIC ||
	    (h->app->fatal_stack[0] != ss.ss_sp && h->app->fatal_stack[1] != ss.ss_sp))
		return NULL;
	return h->app;
}

/* This thread's signal stack: app's stack number which, its head naming
 * the app. Also what a stack overflow's SIGSEGV needs. The one it had
 * goes to *old. */
static void use_signal_stack(struct app *app, int which, stack_t *old)
{
	stack_t ss = { .ss_sp = app->fatal_stack[which],
		       .ss_size = sizeof(app->fatal_stack[which]) };
	struct fatal_stack_head head = { FATAL_STACK_MAGIC, app };

	memcpy(app->fatal_stack[which], &head, sizeof(head));
	sigaltstack(&ss, old);
}

static void on_fatal(int sig, siginfo_t *info, void *ctx)
{
	struct app *app = app_of_signal_stack();
	int e = errno;
	size_t i;

	(void)ctx;
	if (!app) {
		/* not ours to undo: let the default action run */
		signal(sig, SIG_DFL);
		errno = e;
		if (info->si_code <= 0)
			raise(sig);
		return;
	}
	if (app->fatal_armed) {
		app->fatal_armed = 0;
		for (i = 0; i < app->n_sources; i++)
			if (app->sources[i].ops->emergency)
				app->sources[i].ops->emergency(app->sources[i].h);
	}
	for (i = 0; i < APP_N_FATAL; i++)
		if (fatal_signals[i] == sig)
			sigaction(sig, &app->fatal_old[i], NULL);
	errno = e;
	if (info->si_code <= 0)		/* sent: kill, raise, abort */
		raise(sig);
}

static void catch_fatal_signals(struct app *app)
{
	struct sigaction sa;
	size_t i;

	use_signal_stack(app, 0, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fatal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < APP_N_FATAL; i++)
		sigaction(fatal_signals[i], &sa, &app->fatal_old[i]);
}

static bool kernel_lacks(int e)
{
	return e == EOPNOTSUPP || e == EPROTONOSUPPORT || e == EAFNOSUPPORT ||
	       e == ENOENT || e == EINVAL;
}

static bool denied(int e)
{
	return e == EPERM || e == EACCES;
}

/* iptables-legacy and its save tool open a raw socket: without
 * CAP_NET_RAW they fail with "Permission denied (you must be root)". */
static void need_net_raw(const char *what)
{
	if (!caps_have(CAP_NET_RAW))
		die(EXIT_PRIVILEGE, "%s needs CAP_NET_RAW as well as CAP_NET_ADMIN "
		    "(iptables-legacy opens a raw socket); run as root", what);
}

static void plan_backends(struct app *app)
{
	struct backend_info bi;

	if (backend_probe(&bi) < 0) {
		if (denied(errno))
			die(EXIT_PRIVILEGE, "reading the legacy table list in "
			    "/proc/net/ip_tables_names: %s; run as root "
			    "(CAP_NET_ADMIN alone cannot read it)", strerror(errno));
		if (errno == EINTR)
			die(EXIT_RUNTIME, "looking at the namespace's firewall: the "
			    "nf_tables ruleset kept changing while it was read; "
			    "try again");
		die(EXIT_RUNTIME, "looking at the namespace's firewall: %s",
		    strerror(errno));
	}
	if (backend_plan(&bi, app->cfg.backend, &app->plan) < 0) {
		if (app->cfg.backend == BACKEND_NFT)
			die(EXIT_KERNEL, "--backend=nft: this kernel or namespace has no "
			    "usable nf_tables");
		die(EXIT_KERNEL, "--backend=legacy: this kernel has no legacy "
		    "x_tables (ip_tables); use --backend=nft");
	}
	if (app->cfg.trace_rules) {
		if (!bi.xt_kernel4 && !bi.xt_kernel6)
			die(EXIT_KERNEL, "--trace-rules needs legacy x_tables, which "
			    "this kernel lacks");
		backend_plan_trace_rules(&app->plan);
	}
	app->backend_name = app->plan.arm_xt ? "legacy, TRACE rules" :
			    app->plan.listen_nft && app->plan.listen_xt ? "nft+legacy" :
			    app->plan.listen_xt ? "legacy" : "nft";
	/* iptables syntax for iptables-nft tables, also for those created
	 * while we trace (Docker starting): iptables-nft-save runs only
	 * when a table of iptables' names changes. */
	app->resolver.syntax = app->cfg.syntax;
	if (app->cfg.syntax != SYNTAX_NFT && (app->plan.listen_nft || app->plan.arm_nft))
		app->resolver.iptnft = rules_xt_open(XT_NFT);
}

static void __attribute__((noreturn))
legacy_read_failed(const struct resolver *r)
{
	if (rules_xt_error(r->legacy))
		die(EXIT_RUNTIME, "reading the legacy rules: %s",
		    rules_xt_error(r->legacy));
	die(errno == ENOENT ? EXIT_KERNEL :
	    denied(errno) ? EXIT_PRIVILEGE : EXIT_RUNTIME,
	    "reading the legacy rules with iptables-legacy-save: %s%s",
	    strerror(errno), errno == ENOENT ?
	    " (install the iptables package)" : "");
}

static void open_rules(struct app *app)
{
	struct resolver *r = &app->resolver;

	if (app->plan.listen_nft || app->plan.arm_nft) {
		r->nft = rules_nft_open();
		if (!r->nft) {
			if (kernel_lacks(errno))
				die(EXIT_KERNEL, "this kernel has no nf_tables: %s",
				    strerror(errno));
			die(EXIT_RUNTIME, "opening the nf_tables ruleset reader: %s",
			    strerror(errno));
		}
	}
	if (app->plan.listen_xt) {
		need_net_raw("tracing legacy tables");
		/* read before the first story (snapshots_legacy_load) */
		r->legacy = rules_xt_open(XT_LEGACY);
		if (!r->legacy)
			legacy_read_failed(r);
	}
	snapshots_bind(r);
	/* Without conntrack lookups the story keeps the trace's CT
	 * attributes; only SNAT stays invisible. */
	r->ct = ct_open();
}

static struct arm_spec arm_spec(const struct app *app)
{
	const struct config *c = &app->cfg;

	return (struct arm_spec){
		.prog = &app->prog, .in_iface = c->filter.in_iface,
		.out_iface = c->filter.out_iface,
		.not_in_iface = c->filter.not_in_iface,
		.not_out_iface = c->filter.not_out_iface,
		.hook_prerouting = c->hook_prerouting, .hook_output = c->hook_output,
		.ipv4 = c->ipv4, .ipv6 = c->ipv6,
		.limit_rate = c->limit_rate, .limit_unit = c->limit_unit,
		.limit_burst = c->limit_burst, .follow = c->follow,
		/* legacy tables report no conntrack state */
		.ct_chains = app->plan.listen_xt,
	};
}

static void open_nft(struct app *app)
{
	struct arm_spec spec = arm_spec(app);
	const char *what = "";

	if (!app->plan.arm_nft)
		return;
	if ((app->arm = arm_install(&spec, &what))) {
		app->resolver.n_l4 = arm_l4_hints(app->arm, app->resolver.l4_handle,
						  app->resolver.l4_proto);
		snprintf(app->resolver.l4_table, sizeof(app->resolver.l4_table),
			 "%s", arm_table_name(app->arm));
		if (arm_uses_xt_bpf(app->arm))
			fprintf(stderr, "iptables-trace: the filter uses BPF the native "
				"translation does not cover; falling back to the xt bpf "
				"match, which other tools print with warnings\n");
		return;
	}
	if (errno == EPERM)
		die(EXIT_PRIVILEGE, "%s: permission denied (need CAP_NET_ADMIN in the "
		    "traced namespace)", what);
	if (kernel_lacks(errno))
		die(EXIT_KERNEL, "%s: %s; this kernel lacks nf_tables tracing, owner "
		    "tables (5.12+) or the xt bpf match", what, strerror(errno));
	die(EXIT_RUNTIME, "%s: %s", what, strerror(errno));
}

static void open_legacy(struct app *app)
{
	struct arm_spec spec = arm_spec(app);
	char err[512] = "";

	if (!app->plan.arm_xt)
		return;
	/* Rules of killed runs would trace packets nobody asked for. */
	arm_xt_cleanup(false, NULL, err, sizeof(err));
	app->arm_xt = arm_xt_install(&spec, err, sizeof(err));
	if (!app->arm_xt)
		die(errno == ENOENT ? EXIT_KERNEL : EXIT_RUNTIME,
		    "inserting the legacy TRACE rules: %s", err[0] ? err : strerror(errno));
}

/* The plan's listeners, before arming: the events of our first packets
 * must find the sockets there. One epoll set holds their fds, so the
 * loops poll one fd whatever the sources are. */
static void open_sources(struct app *app)
{
	struct source_opts opts = {
		.ephemeral = app->ephemeral_ns,
		.rcvbuf = nl_sock_events_rcvbuf(app->cfg.buffer_mib),
	};
	unsigned int i;

	app->sources_fd = epoll_create1(EPOLL_CLOEXEC);
	if (app->sources_fd < 0)
		die(EXIT_RUNTIME, "epoll_create1: %s", strerror(errno));
	for (i = 0; i < app->plan.n_sources; i++) {
		const struct plan_source *p = &app->plan.sources[i];
		struct app_source *src = &app->sources[i];
		struct epoll_event ee = { .events = EPOLLIN };
		char msg[512];
		void *h = p->ops->open(&opts);

		if (!h) {
			int code = p->ops->open_error(errno, msg, sizeof(msg));

			die(code, "%s", msg);
		}
		*src = (struct app_source){ p->ops, h, p->marks_only, app };
		app->n_sources++;
		app->fatal_armed = 1;
		if (epoll_ctl(app->sources_fd, EPOLL_CTL_ADD, p->ops->fd(h), &ee) < 0)
			die(EXIT_RUNTIME, "epoll_ctl: %s", strerror(errno));
	}
}

/* The legacy tables' first read (snapshots_legacy_load), in a thread
 * of its own: it touches r->legacy only, which nothing else does until
 * app_join_rules. Signals stay with the main thread, but for those
 * that mean this one is broken. */
static void *legacy_reader(void *arg)
{
	struct app *app = arg;
	uint64_t one = 1;
	stack_t old;

	/* a fault here, or a fatal signal sent to the process that lands
	 * here, still undoes what outlives us (on_fatal). The thread's own
	 * signal stack comes back before it ends: the sanitizers unmap
	 * whatever stack a thread has when it exits. */
	use_signal_stack(app, 1, &old);
	app->legacy_ret = snapshots_legacy_load(&app->resolver);
	sigaltstack(&old, NULL);
	app->legacy_errno = errno;
	/* written once: the counter cannot be full. Should it fail, the
	 * run's end still joins (app_rules_ready after the loop). */
	if (write(app->legacy_efd, &one, sizeof(one)) < 0) {
	}
	return NULL;
}

static bool start_legacy_reader(struct app *app)
{
	sigset_t all, old;
	bool ok;

	app->legacy_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (app->legacy_efd < 0)
		return false;
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ok = pthread_create(&app->legacy_thread, NULL, legacy_reader, app) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!ok) {
		close(app->legacy_efd);
		app->legacy_efd = -1;
	}
	return ok;
}

/* After arming and the armed line (snapshots_start says why). The
 * legacy tables are read meanwhile: iptables-legacy-save takes 0.3 s
 * and 120 MB at 100k rules, and the armed line no longer waits for it,
 * nor does the reading of events. Stories wait for it (hold_ms, and
 * app_build_story joins it). When the tables changed between arming
 * and the read (note_legacy_start), a packet traced before the read
 * may have crossed rules it does not show: app_rules_ready marks every
 * block begun by the end of the read as possibly stale there. */
void app_read_rules(struct app *app)
{
	struct resolver *r = &app->resolver;

	if (r->legacy) {
		app->legacy_reading = start_legacy_reader(app);
		if (!app->legacy_reading) {
			/* no thread: read now, events wait in the sockets */
			app->legacy_ret = snapshots_legacy_load(r);
			app->legacy_errno = errno;
			app->legacy_reading = true;	/* for app_join_rules */
			app->legacy_thread = pthread_self();
			app_rules_ready(app);
		}
	}
	/* iptables-nft text is read chain by chain as rules are shown;
	 * without the tool the rules keep their nft text. */
	snapshots_start(r);
}

/* Take the first read in (waiting for it): safe within the assembler's
 * callbacks, so no drain here; until app_rules_ready drains, a moved
 * table makes every block's legacy text "may be stale". */
static void app_join_rules(struct app *app)
{
	struct resolver *r = &app->resolver;

	if (!app->legacy_reading)
		return;
	if (!pthread_equal(app->legacy_thread, pthread_self()))
		pthread_join(app->legacy_thread, NULL);
	app->legacy_reading = false;
	if (app->legacy_efd >= 0)
		close(app->legacy_efd);
	app->legacy_efd = -1;
	if (app->legacy_ret < 0) {
		errno = app->legacy_errno;
		legacy_read_failed(r);
	}
	snapshots_bind(r);
	if (rules_xt_moved_since_start(r->legacy)) {
		app->legacy_settle = true;
		rules_xt_set_unsure_until(r->legacy,
					  &(struct timespec){ .tv_sec = LONG_MAX });
	}
}

void app_rules_ready(struct app *app)
{
	struct timespec now;

	app_join_rules(app);
	if (!app->legacy_settle)
		return;
	app->legacy_settle = false;
	/* every event sent before the read ended is in after this */
	if (app_drain(app) < 0)
		app->failed = true;
	clock_gettime(CLOCK_MONOTONIC, &now);
	rules_xt_set_unsure_until(app->resolver.legacy, &now);
}

/* Before tracing is in effect: what the legacy tables hold, to be
 * compared with the first read (app_read_rules). Our own TRACE rules
 * change legacy raw, so with them it comes after them: from the first
 * one on, packets may be traced. */
static void note_legacy_start(struct app *app)
{
	if (app->resolver.legacy && rules_xt_note_start(app->resolver.legacy) < 0)
		die(denied(errno) ? EXIT_PRIVILEGE : EXIT_RUNTIME,
		    "reading the legacy tables' sizes: %s", strerror(errno));
}

/* What killed runs left here: their nf_log binding (a run that binds
 * nf_log itself repairs it in nl_log_open()), and state files of
 * namespaces that are gone. */
static void repair_leftovers(struct app *app)
{
	char what[160];

	if (!app->plan.listen_xt && nl_log_recover(what, sizeof(what)) > 0)
		fprintf(stderr, "iptables-trace: put back the nf_log logger%s that a "
			"killed run left bound to nfnetlink_log (%s)\n",
			strchr(what, ',') ? "s" : "", what);
	statedir_gc();
}

void app_open(struct app *app, const struct asm_ops *ops)
{
	app->sources_fd = -1;
	app->legacy_efd = -1;
	app->closed = false;
	story_kernel_init(&app->kernel);
	if (on_exit(close_at_exit, app) != 0)
		die(EXIT_RUNTIME, "out of memory");
	catch_fatal_signals(app);
	plan_backends(app);
	open_rules(app);
	app->assembler = asm_new(ops, app->cfg.quiet_ms);
	if (!app->assembler)
		die(EXIT_RUNTIME, "out of memory");
	open_sources(app);
	if (!app->plan.arm_xt)
		note_legacy_start(app);
	open_nft(app);
	open_legacy(app);
	if (app->plan.arm_xt)
		note_legacy_start(app);
	if (!app->ephemeral_ns)
		repair_leftovers(app);
}

/* What outlives us first (the nf_log binding), in the order opened. */
static void close_sources(struct app *app)
{
	unsigned int i;

	for (i = 0; i < app->n_sources; i++) {
		struct app_source *src = &app->sources[i];

		if (src->ops->close(src->h) < 0)
			fprintf(stderr, "iptables-trace: %s: %s\n",
				src->ops->close_what, strerror(errno));
	}
	app->n_sources = 0;
	if (app->sources_fd >= 0)
		close(app->sources_fd);
	app->sources_fd = -1;
}

void app_close(struct app *app)
{
	char err[512];

	/* once: exit() from within, or on_exit after main's call */
	if (app->closed)
		return;
	app->closed = true;
	/* the legacy reader uses the rules reader closed below */
	if (app->legacy_reading &&
	    !pthread_equal(app->legacy_thread, pthread_self()))
		pthread_join(app->legacy_thread, NULL);
	app->legacy_reading = false;
	if (app->legacy_efd >= 0)
		close(app->legacy_efd);
	app->legacy_efd = -1;
	/* First what outlives us, then what the kernel would undo anyway. */
	if (arm_xt_remove(app->arm_xt, err, sizeof(err)) < 0)
		fprintf(stderr, "iptables-trace: removing the legacy TRACE rules: %s\n",
			err);
	else if (arm_xt_made_tables(app->arm_xt))
		fprintf(stderr, "iptables-trace: the legacy raw table (%s) that the "
			"TRACE rules needed stays, empty: x_tables cannot delete "
			"a table\n", arm_xt_made_tables(app->arm_xt));
	arm_xt_free(app->arm_xt);
	app->fatal_armed = 0;
	close_sources(app);
	arm_remove(app->arm);
	asm_free(app->assembler);
	app->resolver.view = (struct rules_view){ 0 };
	rules_nft_close(app->resolver.nft);
	rules_xt_close(app->resolver.legacy);
	rules_xt_close(app->resolver.iptnft);
	ct_close(app->resolver.ct);
	story_kernel_close(&app->kernel);
	cli_free(&app->cfg);
	app->arm_xt = NULL;
	app->arm = NULL;
	app->assembler = NULL;
}

void app_check_trace_rules(struct app *app)
{
	struct arm_xt_repair r;
	bool failed;

	/* the legacy reader is the reader's until it is done */
	if (!app->arm_xt || !app->resolver.legacy || app->legacy_reading)
		return;
	failed = arm_xt_repair(app->arm_xt, app->resolver.legacy, &r) < 0;
	/* once, not every second */
	if (failed && !app->check_failed)
		fprintf(stderr, "iptables-trace: looking for our TRACE rules in "
			"legacy raw: %s\n", strerror(errno));
	app->check_failed = failed;
	if (r.put_back[0])
		fprintf(stderr, "iptables-trace: our TRACE rules in raw %s were "
			"removed by someone else; put back\n", r.put_back);
	if (r.failed[0])
		fprintf(stderr, "iptables-trace: our TRACE rules in raw %s were "
			"removed by someone else; putting them back failed, "
			"retrying: %.*s\n", r.failed, (int)strcspn(r.err, "\n"),
			r.err);
}

/* Without the rights, arm_xt_cleanup would see no raw table (the list
 * in /proc is for root) and report "removed 0": refuse instead. */
static void cleanup_allowed(void)
{
	int v6;

	need_net_raw("--cleanup");
	for (v6 = 0; v6 < 2; v6++) {
		FILE *f = fopen(xt_names_path(v6), "re");

		if (f)
			fclose(f);
		else if (denied(errno))
			die(EXIT_PRIVILEGE, "--cleanup: reading %s: %s; run as root",
			    xt_names_path(v6), strerror(errno));
	}
}

int app_cleanup_leftovers(void)
{
	unsigned int removed = 0, files;
	char err[512] = "", what[160];
	int r;

	cleanup_allowed();

	if (arm_xt_cleanup(false, &removed, err, sizeof(err)) < 0)
		die(errno == ENOENT ? EXIT_KERNEL : EXIT_RUNTIME,
		    "removing leftover TRACE rules: %s", err[0] ? err : strerror(errno));
	fprintf(stderr, "iptables-trace: removed %u leftover TRACE rule%s\n",
		removed, removed == 1 ? "" : "s");
	r = nl_log_recover(what, sizeof(what));
	if (r < 0)
		die(EXIT_RUNTIME, "putting back the nf_log logger a killed run left "
		    "bound: %s", strerror(errno));
	if (r > 0)
		fprintf(stderr, "iptables-trace: put back the nf_log logger%s that a "
			"killed run left bound to nfnetlink_log (%s)\n",
			strchr(what, ',') ? "s" : "", what);
	files = statedir_gc();
	if (files)
		fprintf(stderr, "iptables-trace: removed %u state file%s of killed "
			"runs from %s\n", files, files == 1 ? "" : "s", statedir_path());
	return EXIT_OK;
}

int app_build_story(struct app *app, const struct block *b, struct story *s)
{
	bool fresh;

	/* every read the story needs, now: story_build only looks */
	app_join_rules(app);
	fresh = snapshots_prepare_block(&app->resolver, b);

	if (story_build(s, b, &app->resolver, fresh, &app->kernel.lk) == 0)
		return 0;
	story_free(s);
	app->failed = true;
	return -1;
}

/* Does ev start a packet we traced (our arming rule firing)? */
static bool starts_packet(const struct app *app, const struct trace_event *ev)
{
	/* the rules naming an IPv6 upper protocol match marked packets */
	if ((ev->has & EV_HAS_HANDLE) &&
	    arm_l4_hint(app->arm, ev->table, ev->family, ev->handle))
		return false;
	return path_starts_packet(ev, app->arm ? arm_table_name(app->arm) : NULL);
}

static void take_event(const struct trace_event *ev, void *data)
{
	const struct app_source *src = data;
	struct app *app = src->app;
	/* once per event: the assembler reads the answer, never asks */
	bool ours = starts_packet(app, ev);

	/* Only the steps of the backends asked for; of nf_tables, at least
	 * our own rule's, which marks our packets. */
	if (src->marks_only && !ours)
		return;
	app->events++;
	if ((ev->has & EV_HAS_CT) && (ev->has & EV_HAS_NFPROTO) &&
	    (ev->nfproto == NFPROTO_IPV4 || ev->nfproto == NFPROTO_IPV6))
		app->resolver.ct_seen[ev->nfproto == NFPROTO_IPV6] = true;
	if (asm_add(app->assembler, ev, ours) < 0)
		app->failed = true;
}

/* Datagrams read from one source in one round. Unbounded, a flood that
 * outruns us is never read to its end: the round never ends, and every
 * block stays held up to the assembler's bound (64 MB of events, page
 * faults and cache misses for all of them). */
#define DRAIN_BATCH	256

/* Read every source, a batch from each per round, until all are empty
 * or eight rounds are done: a packet's legacy events sit on the NFLOG
 * socket while its nft events are read, and a block must not be
 * finished before they are in. */
int app_drain(struct app *app)
{
	int got, rounds = 0;
	struct timespec start, start_rt;
	unsigned int i;

	/* bounded, so a flood cannot hold finished blocks back forever */
	do {
		bool all_empty = true;

		got = 0;
		clock_gettime(CLOCK_MONOTONIC, &start);
		clock_gettime(CLOCK_REALTIME, &start_rt);
		asm_round(app->assembler, &start);
		for (i = 0; i < app->n_sources; i++) {
			struct app_source *src = &app->sources[i];
			struct source_loss had = app->loss;
			bool empty;
			int n;

			/* its starts ran too far ahead of the other socket */
			if (asm_read_ahead(app->assembler, src->ops->kind)) {
				all_empty = false;
				continue;
			}
			n = src->ops->drain(src->h, take_event, src, &app->loss,
					    DRAIN_BATCH, &empty);

			if (n < 0)
				return -1;
			if (app->loss.overruns != had.overruns ||
			    app->loss.lost != had.lost)
				asm_mark_cut(app->assembler, src->ops->kind);
			got += n;
			all_empty &= empty;
			/* Read to its end after the round began: every event
			 * it sent before then is in. A block waits for the
			 * sockets its other events may still sit on, each on
			 * its own: waiting for a round that finds them all
			 * empty held every block back for as long as a burst
			 * lasted, or until the quiet time emitted it without
			 * the legacy steps still queued. */
			asm_source_read(app->assembler, src->ops->kind, empty);
		}
		if (all_empty)
			snapshots_drained(&app->resolver, &start_rt);
	} while (got && !app->failed && ++rounds < 8);
	return 0;
}
