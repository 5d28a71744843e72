/* A source of trace events, behind one table of calls.
 *
 * A source turns what the kernel sends into struct trace_event, and
 * says in the event what it means (kind, verdict, rule identity), so
 * nothing after it asks which source an event came from. The plan
 * (backend.c) lists the sources to open; app.c opens them, and the
 * loops poll and drain them without knowing one from another.
 *
 * A new source is a file that defines its ops, its declaration below,
 * and its entry in backend_plan(). */
#ifndef IPTT_SOURCE_H
#define IPTT_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

struct trace_event;

/* What the kernel dropped on a source's socket. */
struct source_loss {
	unsigned long lost;	/* events lost, counted exactly */
	unsigned long overruns;	/* overruns, each of an unknown number */
};

typedef void (*source_cb)(const struct trace_event *ev, void *data);

struct source_ops {
	/* Open in the current network namespace (enter it first).
	 * ephemeral: the namespace dies with us (a probe's copy), so
	 * nothing needs recording for a killed run's repair. Returns
	 * NULL with errno set. */
	void *(*open)(bool ephemeral);
	/* Why open() failed with err, in words for the user: writes the
	 * sentence to msg and returns the exit code. */
	int (*open_error)(int err, char *msg, size_t size);
	/* Nonblocking; poll it for POLLIN. */
	int (*fd)(const void *h);
	/* Read what is queued without blocking, calling cb for each
	 * event; what the kernel dropped is added to *loss (pass the same
	 * one every time). Returns the number of events read, or -1 with
	 * errno set. */
	int (*drain)(void *h, source_cb cb, void *data, struct source_loss *loss);
	/* Undo what open() changed that outlives the process, and free.
	 * Returns 0, or -1 with errno set when undoing failed (it was
	 * freed all the same); close_what then names what failed. */
	int (*close)(void *h);
	const char *close_what;
	/* For a fatal signal's handler, async-signal-safe: undo what
	 * outlives us with what open() prepared. NULL when nothing does. */
	void (*emergency)(void *h);
};

extern const struct source_ops nl_trace_source;	/* nl_trace.c */
extern const struct source_ops nl_log_source;		/* nl_log_recv.c */

#endif
