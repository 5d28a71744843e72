/* iptables-trace: parse, arm, listen, and print one story per packet.
 * Only this file talks to the user about errors. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arm.h"
#include "assemble.h"
#include "cli.h"
#include "ct.h"
#include "netns.h"
#include "nl_trace.h"
#include "out_json.h"
#include "out_text.h"
#include "rules_nft.h"
#include "story.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

struct app {
	struct config cfg;
	struct filter_prog prog;
	struct arm *arm;
	struct nl_trace *trace;
	struct rules_nft *rules;
	struct assembler *assembler;
	struct resolver resolver;
	struct text_opts text;
	struct json_opts json;
	unsigned long packets, events, lost;
	bool output_closed;		/* stdout's reader went away */
	bool failed;
};

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "iptables-trace: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* CAP_NET_ADMIN is bit 12 of the effective set. */
static bool have_net_admin(void)
{
	char line[256];
	unsigned long long caps = 0;
	bool found = false;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1) {
			found = true;
			break;
		}
	fclose(f);
	return found ? (caps >> 12) & 1 : geteuid() == 0;
}

static void emit(const struct block *b, void *data)
{
	struct app *app = data;
	struct story s;

	if (app->output_closed || app->failed)
		return;
	if (app->cfg.count && app->packets >= app->cfg.count)
		return;
	if (story_build(&s, b, &app->resolver) < 0) {
		story_free(&s);
		app->failed = true;
		return;
	}
	if (app->cfg.json) {
		if (out_json_story(stdout, &s, &app->json) < 0)
			app->output_closed = true;
	} else {
		out_text_story(stdout, &s, &app->text);
	}
	story_free(&s);
	app->packets++;
	if (fflush(stdout) == EOF || ferror(stdout))
		app->output_closed = true;
}

static bool ends_path(const struct block *b, const struct trace_event *ev,
		      void *data)
{
	struct app *app = data;

	return story_ends_path(b, ev, &app->resolver);
}

static bool starts_packet(const struct trace_event *ev, void *data)
{
	(void)data;
	return story_starts_packet(ev);
}

static void on_event(const struct trace_event *ev, void *data)
{
	struct app *app = data;

	app->events++;
	if (asm_add(app->assembler, ev) < 0)
		app->failed = true;
}

static void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
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

static bool kernel_lacks(int e)
{
	return e == EOPNOTSUPP || e == EPROTONOSUPPORT || e == EAFNOSUPPORT ||
	       e == ENOENT || e == EINVAL;
}

static void arm_tracing(struct app *app)
{
	const struct config *c = &app->cfg;
	struct arm_spec spec = {
		.prog = &app->prog, .in_iface = c->filter.in_iface,
		.hook_prerouting = c->hook_prerouting, .hook_output = c->hook_output,
		.ipv4 = c->ipv4, .ipv6 = c->ipv6,
		.limit_rate = c->limit_rate, .limit_unit = c->limit_unit,
		.limit_burst = c->limit_burst,
	};
	const char *what = "";

	app->trace = nl_trace_open();
	if (!app->trace) {
		if (kernel_lacks(errno))
			die(EXIT_KERNEL, "this kernel has no nf_tables trace events "
			    "(need nf_tables with NFNLGRP_NFTRACE): %s", strerror(errno));
		die(errno == EPERM ? EXIT_PRIVILEGE : EXIT_RUNTIME,
		    "subscribing to nf_tables trace events: %s", strerror(errno));
	}
	app->arm = arm_install(&spec, &what);
	if (!app->arm) {
		if (errno == EPERM)
			die(EXIT_PRIVILEGE, "%s: permission denied (need CAP_NET_ADMIN "
			    "in the traced namespace)", what);
		if (kernel_lacks(errno))
			die(EXIT_KERNEL, "%s: %s; this kernel lacks nf_tables tracing, "
			    "owner tables (5.12+) or the xt bpf match", what,
			    strerror(errno));
		die(EXIT_RUNTIME, "%s: %s", what, strerror(errno));
	}
}

static void open_pipeline(struct app *app)
{
	struct asm_ops ops = {
		.ends_path = ends_path, .starts_packet = starts_packet,
		.emit = emit, .data = app,
	};

	app->rules = rules_nft_open();
	if (!app->rules) {
		if (kernel_lacks(errno))
			die(EXIT_KERNEL, "this kernel has no nf_tables: %s", strerror(errno));
		die(EXIT_RUNTIME, "opening the nf_tables ruleset reader: %s",
		    strerror(errno));
	}
	/* Read the ruleset once now, not when the first packet arrives. */
	rules_nft_get(app->rules);
	app->resolver.nft = app->rules;
	/* Without conntrack lookups the story still has the trace's CT
	 * attributes; SNAT just stays invisible. */
	app->resolver.ct = ct_open();
	app->resolver.syntax = app->cfg.syntax;
	app->assembler = asm_new(&ops, app->cfg.quiet_ms);
	if (!app->assembler)
		die(EXIT_RUNTIME, "out of memory");
}

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 +
	       (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

static int poll_timeout(struct app *app, const struct timespec *deadline)
{
	long t = asm_next_timeout(app->assembler), left;

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
	struct pollfd pfd[2];

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)app->cfg.timeout;
	deadline.tv_nsec += (long)((app->cfg.timeout - (double)(time_t)app->cfg.timeout) * 1e9);
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pfd[0].fd = nl_trace_fd(app->trace);
	pfd[0].events = POLLIN;
	pfd[1].fd = rules_nft_fd(app->rules);
	pfd[1].events = POLLIN;

	while (!done(app, &deadline)) {
		int n = poll(pfd, 2, poll_timeout(app, &deadline));

		if (n < 0 && errno != EINTR) {
			app->failed = true;
			break;
		}
		/* Ruleset news first, so the rules a packet met are known. */
		if (n > 0 && (pfd[1].revents & POLLIN))
			rules_nft_changed(app->rules);
		if (n > 0 && (pfd[0].revents & POLLIN) &&
		    nl_trace_drain(app->trace, on_event, app, &app->lost) < 0) {
			app->failed = true;
			break;
		}
		asm_flush(app->assembler, false);
	}
	/* Print what is pending, unless the reader is gone. */
	if (!app->output_closed && !app->failed)
		asm_flush(app->assembler, true);
}

int main(int argc, char **argv)
{
	struct app app;
	const char *nc;

	memset(&app, 0, sizeof(app));
	cli_parse(argc, argv, &app.cfg);
	compile_filter(&app);
	if (!have_net_admin())
		die(EXIT_PRIVILEGE, "tracing needs root or CAP_NET_ADMIN; run it with sudo");
	if (app.cfg.netns)
		enter_netns(app.cfg.netns);
	setup_signals();

	nc = getenv("NO_COLOR");
	app.text.color = isatty(STDOUT_FILENO) && !app.cfg.color_never &&
			 !(nc && *nc);
	app.text.timestamps = app.cfg.timestamps;
	app.text.verbose = app.cfg.verbose;
	app.text.quiet_ms = app.cfg.quiet_ms;
	app.json.netns = app.cfg.netns;
	app.json.quiet_ms = app.cfg.quiet_ms;

	open_pipeline(&app);
	arm_tracing(&app);
	fprintf(stderr, "iptables-trace: tracing %s (backend nft) ... press Ctrl-C "
		"to stop\n", filter_describe(&app.cfg.filter, &app.prog));

	run(&app);

	arm_remove(app.arm);
	nl_trace_close(app.trace);
	if (!app.output_closed)
		fprintf(stderr, "iptables-trace: %lu packets traced, %lu events, "
			"%lu events lost\n", app.packets, app.events, app.lost);
	asm_free(app.assembler);
	rules_nft_close(app.rules);
	ct_close(app.resolver.ct);
	cli_free(&app.cfg);
	if (app.failed) {
		fprintf(stderr, "iptables-trace: stopped on an internal error: %s\n",
			strerror(errno));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}
