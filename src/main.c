/* iptables-trace: parse, arm, listen, and print one story per packet.
 * Errors reach the user only through die() (report.c), from here and
 * from app.c; the modules below return -1 with errno. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>

#include "mono_time.h"
#include "app.h"
#include "arm.h"
#include "arm_xt.h"
#include "assemble.h"
#include "caps.h"
#include "ifname.h"
#include "netns.h"
#include "probe.h"
#include "path_end.h"
#include "rules_nft.h"
#include "snapshots.h"
#include "sock_drops.h"
#include "story.h"

#include <linux/netfilter.h>

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* With fd 0, 1 or 2 closed, the first socket opened would take its
 * number and packet text would be written into it: hold them open on
 * /dev/null before anything else is opened. */
static void hold_std_fds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		int got;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		got = open("/dev/null", O_RDWR);
		if (got != fd)
			_exit(EXIT_RUNTIME);	/* no /dev/null: nowhere to say so */
	}
}

/* stdout failed: a reader that went away (EPIPE) is a normal end,
 * anything else (ENOSPC, EIO) is an error, reported at exit. */
static void output_failed(struct app *app, int err)
{
	app->output_closed = true;
	if (err != EPIPE && !app->output_errno)
		app->output_errno = err ? err : EIO;
}

/* iptables' interface names: "eth+" is every name starting with eth. */
static bool iface_matches(const char *pattern, const char *name)
{
	size_t n = strlen(pattern);

	if (n && pattern[n - 1] == '+')
		return !strncmp(pattern, name, n - 1);
	return !strcmp(pattern, name);
}

/* --verdict and -o: is this a packet the user asked for? -o asks for
 * the interface the packet left by: the fate's, or the last one a
 * chain saw. */
static bool wanted(const struct config *c, const struct story *s)
{
	const char *out = s->fate.out[0] ? s->fate.out : s->last_oif;

	if (c->verdicts && !(c->verdicts & (1u << s->fate.kind)))
		return false;
	if (c->filter.out_iface) {
		if ((out[0] && iface_matches(c->filter.out_iface, out)) ==
		    c->filter.not_out_iface)
			return false;
	}
	return true;
}

static void emit(const struct block *b, void *data)
{
	struct app *app = data;
	struct story s;

	if (app->output_closed || app->failed)
		return;
	/* Every listener in the namespace gets every traced packet: a
	 * colleague's run or a user's nftrace rule chose this one, unless
	 * our own rule marked it too. */
	if (app->arm && !b->started)
		return;
	app->received++;
	if (app->cfg.count && app->packets >= app->cfg.count)
		return;
	if (app_build_story(app, b, &s) < 0)
		return;
	if (!wanted(&app->cfg, &s)) {
		story_free(&s);
		return;
	}
	errno = 0;
	if (out_story(app->out_ops, stdout, &s, &app->out) < 0) {
		story_free(&s);
		output_failed(app, errno);
		return;
	}
	if (app->cfg.summary && summary_add(&app->summary, &s, &app->resolver) < 0)
		app->failed = true;
	story_free(&s);
	app->packets++;
	/* a write error inside the story left its errno behind */
	if (ferror(stdout))
		output_failed(app, errno);
}

/* Once per batch of stories, not per story: a burst prints thousands
 * between two polls, and a write each was a tenth of our CPU there. */
static void flush_output(struct app *app)
{
	if (!app->output_closed && (fflush(stdout) == EOF || ferror(stdout)))
		output_failed(app, errno);
}

static bool ends_path(const struct block *b, const struct trace_event *ev,
		      void *data)
{
	struct app *app = data;

	return path_ends(b, ev, &app->resolver);
}

/* A block with legacy steps waits, a bounded time, for a check of the
 * legacy rules newer than its events, when one cannot run at once. */
static long hold_ms(const struct block *b, void *data)
{
	struct app *app = data;

	/* every story waits for the legacy tables' first read */
	if (app->legacy_reading)
		return 20;
	if (!b->has_xt || (app->arm && !b->started))
		return 0;
	return snapshots_hold_ms(&app->resolver, &b->last);
}

static void setup_signals(void)
{
	struct sigaction sa;

	/* Every signal whose default is to end the process, except the
	 * ones that mean it is broken (app.c): stop, and undo it all. */
	static const int stop_signals[] = {
		SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM,
		SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGPWR, SIGIO, SIGSTKFLT,
	};
	size_t i;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	for (i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaction(stop_signals[i], &sa, NULL);
	for (sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaction(sig, &sa, NULL);
	/* A closed pipe shows up as EPIPE from fflush instead. */
	signal(SIGPIPE, SIG_IGN);
}

static void compile_filter(struct app *app)
{
	char err[512];

	switch (filter_compile(&app->cfg.filter, &app->prog, err, sizeof(err))) {
	case FILTER_OK:
		return;
	case FILTER_BAD_ARG:
		die(EXIT_USAGE, "%s", err);
	case FILTER_BAD_EXPR:
		die(EXIT_USAGE, "invalid filter '%s': %s", app->prog.text, err);
	case FILTER_TOO_LONG:
		die(EXIT_USAGE, "filter '%s' is too long: %s; simplify it",
		    app->prog.text, err);
	}
}

static void enter_netns(const char *name)
{
	if (netns_enter(name) == 0)
		return;
	switch (errno) {
	case ENOENT:
		die(EXIT_NETNS, "unknown network namespace '%s' (see 'ip netns list', "
		    "or give a path such as /proc/PID/ns/net)", name);
	case EPERM:
	case EACCES:
		die(EXIT_PRIVILEGE, "not allowed to enter network namespace '%s': "
		    "run as root", name);
	case EINVAL:
		die(EXIT_NETNS, "'%s' is not a network namespace", name);
	default:
		die(EXIT_NETNS, "cannot enter network namespace '%s': %s", name,
		    strerror(errno));
	}
}

/* -i and -o name interfaces of the traced namespace: a typo would trace
 * nothing, silently. iptables' "eth+" may match interfaces made later. */
static void check_iface_exists(const char *opt, const char *name,
			       const char *netns)
{
	char list[1024];
	size_t n = strlen(name);

	if (!name || (n && name[n - 1] == '+') || if_nametoindex(name))
		return;
	ifname_list(list, sizeof(list));
	die(EXIT_USAGE, "%s %s: no such interface in %s%s (it has: %s)", opt, name,
	    netns ? "network namespace " : "this network namespace", netns ? netns : "",
	    list);
}

static long ms_left(const struct timespec *deadline)
{
	return -ts_ms_since(deadline);
}

static int poll_timeout(struct app *app, const struct timespec *deadline)
{
	long t = asm_next_timeout(app->assembler), left;

	if (app->arm_xt) {
		left = ms_left(&app->next_check);
		if (left < 0)
			left = 0;
		if (t < 0 || left < t)
			t = left;
	}

	if (app->cfg.timeout > 0) {
		left = ms_left(deadline);
		if (left < 0)
			left = 0;
		if (t < 0 || left < t)
			t = left;
	}
	return (int)t;
}

static bool done(struct app *app, const struct timespec *deadline)
{
	return stop_signal || app->output_closed || app->failed ||
	       (app->cfg.count && app->packets >= app->cfg.count) ||
	       (app->cfg.timeout > 0 && ms_left(deadline) <= 0);
}

static void run(struct app *app)
{
	struct timespec deadline;
	/* pfd[2] is stdout with no events: poll still reports POLLERR for
	 * a pipe whose reader closed (| head) and POLLHUP for a hung-up
	 * terminal or socket, so we stop at once instead of at the next
	 * matching packet. A file or /dev/null reports nothing. */
	struct pollfd pfd[4] = { { -1, POLLIN, 0 }, { -1, POLLIN, 0 },
				 { STDOUT_FILENO, 0, 0 }, { -1, POLLIN, 0 } };

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)app->cfg.timeout;
	deadline.tv_nsec += (long)((app->cfg.timeout - (double)(time_t)app->cfg.timeout) * 1e9);
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	/* poll skips negative fds: a backend not in use costs nothing */
	pfd[0].fd = app->sources_fd;
	if (app->resolver.nft)
		pfd[1].fd = rules_nft_fd(app->resolver.nft);
	clock_gettime(CLOCK_MONOTONIC, &app->next_check);
	ts_add_ms(&app->next_check, ARM_XT_CHECK_MS);

	while (!done(app, &deadline)) {
		int n;

		/* pfd[3]: the legacy tables' first read is done */
		pfd[3].fd = app->legacy_reading ? app->legacy_efd : -1;
		n = poll(pfd, 4, poll_timeout(app, &deadline));
		if (n < 0 && errno != EINTR) {
			app->failed = true;
			break;
		}
		if ((n > 0 && (pfd[3].revents & POLLIN)) || app->legacy_settle)
			app_rules_ready(app);
		if (n > 0 && (pfd[2].revents & (POLLERR | POLLHUP))) {
			app->output_closed = true;	/* the reader went away */
			break;
		}
		/* Ruleset news first, so the rules a packet met are known;
		 * read only when events came that may need them. */
		if (n > 0 && (pfd[1].revents & POLLIN))
			snapshots_news(&app->resolver);
		if (n > 0 && (pfd[0].revents & POLLIN))
			snapshots_before_events(&app->resolver);
		/* after a timeout too: a block may wait for a socket to be
		 * found empty (asm_source_read) */
		if (app_drain(app) < 0) {
			app->failed = true;
			break;
		}
		asm_flush(app->assembler, false);
		flush_output(app);
		/* a story waited for the read: settle it now, not in a flush */
		if (app->legacy_settle)
			app_rules_ready(app);
		if (app->arm_xt && ms_left(&app->next_check) <= 0) {
			app_check_trace_rules(app);
			clock_gettime(CLOCK_MONOTONIC, &app->next_check);
			ts_add_ms(&app->next_check, ARM_XT_CHECK_MS);
		}
	}
	/* How many packets were marked, before the last read: the events
	 * of every packet counted by then are queued. */
	if (app->arm)
		app->have_marked = arm_marked(app->arm, &app->marked) == 0;
	/* Events already queued when we were told to stop belong to
	 * packets that crossed the firewall: read and print them too,
	 * once the legacy tables' first read is in. */
	app_rules_ready(app);
	snapshots_before_events(&app->resolver);
	if (!app->output_closed && !app->failed && app_drain(app) == 0)
		asm_flush(app->assembler, true);
	flush_output(app);
}

/* Packets our rules marked whose start never reached us: a lost event
 * loses its packet. -1 when the counters could not be read. */
static long long packets_lost(const struct app *app)
{
	if (!app->have_marked)
		return -1;
	return app->marked > app->received ?
	       (long long)(app->marked - app->received) : 0;
}

/* The kernel does not say how many nf_tables events an overrun cost:
 * then the count is a floor, and the summary says so. */
/* Events lost: what the assembler refused to hold (asm_set_max_held),
 * and the kernel's drops on our sockets, exactly; false when a socket
 * cannot tell, and only the overruns and NFLOG gaps seen are known
 * (*lost is then the assembler's part only). */
static bool exact_losses(const struct app *app, unsigned long *lost)
{
	unsigned long d, kernel = 0;
	unsigned int i;

	*lost = asm_dropped(app->assembler);
	for (i = 0; i < app->n_sources; i++) {
		const struct app_source *src = &app->sources[i];

		if (sock_drops(src->ops->fd(src->h), &d) < 0)
			return false;
		kernel += d;
	}
	*lost += kernel;
	return true;
}

/* Called with the sockets still open: the losses are counted on them. */
static void print_summary(const struct app *app, bool exact, unsigned long lost)
{
	if (!exact)
		lost += app->loss.lost + app->loss.overruns;
	fprintf(stderr, "iptables-trace: %lu packets traced, %lu events, %s%lu "
		"events lost", app->packets, app->events,
		!exact && app->loss.overruns ? "at least " : "", lost);
	if (app->have_marked) {
		unsigned long skipped = app->received - app->packets;

		/* received can pass marked only through a packet that our
		 * start event named twice; say what was shown */
		fprintf(stderr, "; %lu of %llu traced packets shown", app->packets,
			(unsigned long long)(app->marked > app->received ?
					     app->marked : app->received));
		if (packets_lost(app) > 0)
			fprintf(stderr, ", %lld lost", packets_lost(app));
		if (skipped)
			fprintf(stderr, ", %lu left out by --verdict, -o or --count",
				skipped);
	}
	if (app->loss.overruns)
		fprintf(stderr, " (the receive buffer overflowed %lu time%s; trace "
			"fewer packets with a filter or --limit, or raise "
			"--buffer-size)", app->loss.overruns,
			app->loss.overruns == 1 ? "" : "s");
	fputc('\n', stderr);
}

/* --probe, --probe-file: parse, then the same checks as tracing, then
 * probe.c does the rest in a copy of the namespace. */
static int probe_main(int argc, char **argv)
{
	struct probe_opts o = { 0 };
	char err[600];
	int code;

	if (probe_parse_cmdline(argc, argv, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "iptables-trace: %s; see iptables-trace --help\n", err);
		probe_opts_free(&o);
		return EXIT_USAGE;
	}
	if (o.file && probe_read_file(&o, err, sizeof(err)) < 0) {
		fprintf(stderr, "iptables-trace: %s\n", err);
		probe_opts_free(&o);
		return EXIT_USAGE;
	}
	if (!caps_have(CAP_NET_ADMIN) || !caps_have(CAP_SYS_ADMIN))
		die(EXIT_PRIVILEGE, "--probe makes a network namespace: it needs root "
		    "(CAP_SYS_ADMIN and CAP_NET_ADMIN); run it with sudo");
	if (o.netns)
		enter_netns(o.netns);
	code = probe_run(&o);
	probe_opts_free(&o);
	return code;
}

int main(int argc, char **argv)
{
	static struct app app;	/* app.c's on_exit handler runs after main */
	struct asm_ops ops = {
		.ends_path = ends_path, .emit = emit, .hold_ms = hold_ms,
		.data = &app,
	};
	unsigned long lost;
	bool exact;
	int code;
	const char *nc, *term;

	hold_std_fds();
	if (probe_wanted(argc, argv))
		return probe_main(argc, argv);
	cli_parse(argc, argv, &app.cfg);
	compile_filter(&app);
	if (!caps_have(CAP_NET_ADMIN))
		die(EXIT_PRIVILEGE, "tracing needs root or CAP_NET_ADMIN; run it with sudo");
	if (app.cfg.netns)
		enter_netns(app.cfg.netns);
	if (app.cfg.cleanup)
		return app_cleanup_leftovers();
	if (app.cfg.filter.in_iface)
		check_iface_exists("-i", app.cfg.filter.in_iface, app.cfg.netns);
	if (app.cfg.filter.out_iface)
		check_iface_exists("-o", app.cfg.filter.out_iface, app.cfg.netns);
	setup_signals();

	app.out_ops = out_ops_for(app.cfg.format);
	/* auto: a terminal that can show it, and no NO_COLOR (no-color.org) */
	nc = getenv("NO_COLOR");
	term = getenv("TERM");
	app.out.color = app.cfg.color == COLOR_ALWAYS ||
			(app.cfg.color == COLOR_AUTO && isatty(STDOUT_FILENO) &&
			 !(nc && *nc) && !(term && !strcmp(term, "dumb")));
	app.out.timestamps = app.cfg.timestamps;
	app.out.verbose = app.cfg.verbose;
	app.out.quiet_ms = app.cfg.quiet_ms;
	app.out.netns = app.cfg.netns;

	app_open(&app, &ops);
	/* Set-up is done: from here on only the netlink reads, the save
	 * tools and the undoing at exit remain (caps.c says which). */
	if (caps_drop_after_setup() < 0)
		die(EXIT_RUNTIME, "giving up capabilities after set-up: %s",
		    strerror(errno));
	if (!app.cfg.quiet) {
		char what[FILTER_DESCRIBE_SIZE];

		fprintf(stderr, "iptables-trace: tracing %s (backend %s) ... press "
			"Ctrl-C to stop\n", filter_describe(&app.cfg.filter,
			&app.prog, what, sizeof(what)), app.backend_name);
	}
	app_read_rules(&app);

	run(&app);
	app.summary.traced = app.have_marked ? (long long)app.marked : -1;
	app.summary.lost = packets_lost(&app);
	/* after the last packet, while the rule snapshots are still open */
	if (app.cfg.summary && !app.output_closed && !app.failed) {
		snapshots_prepare_summary(&app.resolver, &app.summary);
		errno = 0;
		if (app.out_ops->summary(stdout, &app.summary, &app.resolver) < 0 ||
		    fflush(stdout) == EOF)
			output_failed(&app, errno);
	}
	summary_free(&app.summary);

	code = app.failed || app.output_errno ? EXIT_RUNTIME : EXIT_OK;
	if (app.failed)
		fprintf(stderr, "iptables-trace: stopped on an internal error: %s\n",
			strerror(errno));
	exact = exact_losses(&app, &lost);
	app_close(&app);
	if (app.output_errno)
		fprintf(stderr, "iptables-trace: writing output: %s\n",
			strerror(app.output_errno));
	else if (!app.output_closed && !app.cfg.quiet)
		print_summary(&app, exact, lost);
	return code;
}
