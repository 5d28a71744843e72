/* The running program's state, shared by main.c (the loop, printing)
 * and app.c (opening and closing the backends). */
#ifndef IPTT_APP_H
#define IPTT_APP_H

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdbool.h>
#include <stdint.h>
#include "backend.h"
#include "cli.h"
#include "filter.h"
#include "out.h"
#include "resolver.h"
#include "source.h"
#include "story_kernel.h"
#include "summary.h"

/* An open source, and what its events are for. */
struct app_source {
	const struct source_ops *ops;
	void *h;
	bool marks_only;		/* see struct plan_source */
	struct app *app;		/* for the drain callback */
};

#define APP_N_FATAL	7	/* app.c's fatal signals */

struct app {
	struct config cfg;
	struct filter_prog prog;
	struct backend_plan plan;
	const char *backend_name;	/* for the armed line */
	/* --trace-rules: when to look next whether our TRACE rules are
	 * still there. Nothing armed, no tick: poll sleeps until something
	 * happens. */
	struct timespec next_check;
	struct arm *arm;		/* owned nf_tables table */
	struct arm_xt *arm_xt;		/* legacy TRACE rules (fallback) */
	struct app_source sources[BACKEND_MAX_SOURCES];	/* the plan's, open */
	unsigned int n_sources;
	int sources_fd;			/* epoll of their fds: POLLIN when one has
					 * events; -1 when none is open */
	struct assembler *assembler;
	struct resolver resolver;
	struct story_kernel kernel;	/* the story's lookups */
	const struct out_ops *out_ops;	/* of cfg.format */
	struct out_opts out;
	struct summary summary;		/* --summary */
	unsigned long packets, events;
	unsigned long received;		/* our packets that reached emit() */
	uint64_t marked;		/* packets our rules marked (counters) */
	bool have_marked;		/* ... when the kernel told us */
	struct source_loss loss;	/* what the kernel dropped, all sources */
	bool check_failed;		/* the last TRACE rules check could not ask */
	bool output_closed;		/* stdout's reader went away */
	int output_errno;		/* why writing stdout failed, if not EPIPE */
	bool failed;
	bool ephemeral_ns;		/* in a probe's copy: it dies with us, so
					 * nothing needs recording for repair */
	/* For a fatal signal's handler (app.c): whether the sources'
	 * emergency undo is still due, the actions it replaced, and a
	 * stack of its own for a stack overflow's SIGSEGV. */
	volatile sig_atomic_t fatal_armed;
	/* The legacy tables' first read runs in a thread of its own
	 * (app_read_rules), so that events are read meanwhile as they
	 * come; r->legacy is the thread's until app_rules_ready. */
	pthread_t legacy_thread;
	int legacy_efd;			/* readable when it is done; -1 */
	bool legacy_reading;
	bool legacy_settle;		/* the tables moved since arming: drain,
					 * then the stale cut-off (app.c) */
	int legacy_ret, legacy_errno;
	bool closed;			/* app_close() has run, or is running */
	struct sigaction fatal_old[APP_N_FATAL];
	/* [0] the main thread's, [1] the legacy reader's */
	char fatal_stack[2][64 * 1024] __attribute__((aligned(16)));
};

/* Report an error in one line and exit; app_close() undoes setup. */
void __attribute__((noreturn, format(printf, 2, 3)))
die(int code, const char *fmt, ...);

/* app.c: open rule readers, listeners and tracing for app->cfg, or
 * die with a clear message. Everything opened is undone by app_close(),
 * which also runs from exit(). */
void app_open(struct app *app, const struct asm_ops *ops);
/* Read the rulesets (chains; rules and text come when shown). Once
 * tracing is armed: events queue meanwhile, and arming never waits. */
void app_read_rules(struct app *app);
/* The first read of the legacy tables is done (app->legacy_efd was
 * readable, or the run ends): take it in, and when the tables moved
 * since arming drain every source and mark what came so far as
 * possibly stale. Not from within the assembler's callbacks. */
void app_rules_ready(struct app *app);
void app_close(struct app *app);
/* --trace-rules: are our TRACE rules still there? Puts back what
 * someone else deleted and says so on stderr, one line per check that
 * found something. Every ARM_XT_CHECK_MS from the loop. */
void app_check_trace_rules(struct app *app);
/* The story of a finished block, from snapshots brought up to date
 * now (snapshots_prepare_block). Returns 0, or -1 with app->failed set (s is freed then). */
int app_build_story(struct app *app, const struct block *b, struct story *s);
/* Read every source until all are empty, handing each event to the
 * assembler; a loss marks the open blocks cut. Returns 0, or -1 when a
 * source failed. For the tracing loop and the probe alike: they poll
 * app->sources_fd. */
int app_drain(struct app *app);
/* --cleanup: remove leftover legacy TRACE rules of killed runs. */
int app_cleanup_leftovers(void);

#endif
