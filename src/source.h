/* A source of trace events, behind one table of calls.
 *
 * A source turns what the kernel sends into struct trace_event, and
 * says in the event what it means (kind, verdict, rule identity), so
 * nothing after it asks which source an event came from. The plan
 * (backend.c) lists the sources to open; app.c opens them, and the
 * loops poll and drain them without knowing one from another.
 *
 * A new source is a file that defines its ops; here its declaration,
 * its enum ev_source value and its traits; and its entry in
 * backend_plan(). */
#ifndef IPTT_SOURCE_H
#define IPTT_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct trace_event;

/* Which source an event came from: event.h's ev->source. */
enum ev_source {
	EV_SRC_NFT,		/* NFNLGRP_NFTRACE: native nft and iptables-nft */
	EV_SRC_XT,		/* nfnetlink_log group 0: legacy x_tables TRACE */
	EV_SRC_N
};

/* What a source's events mean, as data: the stages after the sources
 * read these, never which source an event came from. */
struct ev_traits {
	/* Its table is an x_tables one: rules by 1-based position in the
	 * legacy ruleset, in iptables syntax; "legacy" in the output. */
	bool legacy;
	/* One packet's events share ev->id; else only the packet's key
	 * (addresses, ports) joins them to the others. */
	bool by_id;
	/* A base chain's walk starts with the event that carries the
	 * headers; else with an event in a built-in chain. */
	bool walk_by_headers;
	/* The event names the rule, not its verdict: that is read from
	 * the rule's text, and a "return"/"policy" at a position inside
	 * the chain is an unconditional rule there. */
	bool verdict_in_rule;
	/* The first event of a walk carries the link-layer header and the
	 * input port of a bridged frame. */
	bool ll_header;
};

static inline const struct ev_traits *source_traits(enum ev_source src)
{
	static const struct ev_traits traits[EV_SRC_N] = {
		[EV_SRC_NFT] = { .by_id = true, .walk_by_headers = true,
				 .ll_header = true },
		[EV_SRC_XT] = { .legacy = true, .verdict_in_rule = true },
	};

	return &traits[src < EV_SRC_N ? src : EV_SRC_NFT];
}

/* What the kernel dropped on a source's socket. */
struct source_loss {
	unsigned long lost;	/* events lost, counted exactly */
	unsigned long overruns;	/* overruns, each of an unknown number */
};

typedef void (*source_cb)(const struct trace_event *ev, void *data);

/* An event's receive time (ev->ts), read from the clock once for each
 * SOURCE_STAMP_EVERY events of a drain: a clock read per event was 3%
 * of our CPU in a burst. The later events of a stamp were read a few
 * microseconds after it, never before: a rule replaced meanwhile is
 * still taken as one they may have met (nft_replaced.h). */
#define SOURCE_STAMP_EVERY	32

static inline void source_stamp(struct timespec *stamp, int count)
{
	if (count % SOURCE_STAMP_EVERY == 0)
		clock_gettime(CLOCK_REALTIME, stamp);
}

/* How to open a source. */
struct source_opts {
	/* the namespace dies with us (a probe's copy), so nothing needs
	 * recording for a killed run's repair */
	bool ephemeral;
	int rcvbuf;	/* bytes of receive buffer (nl_sock_events_rcvbuf) */
};

struct source_ops {
	enum ev_source kind;	/* of every event it makes */
	/* Open in the current network namespace (enter it first).
	 * Returns NULL with errno set. */
	void *(*open)(const struct source_opts *o);
	/* Why open() failed with err, in words for the user: writes the
	 * sentence to msg and returns the exit code. */
	int (*open_error)(int err, char *msg, size_t size);
	/* Nonblocking; poll it for POLLIN. */
	int (*fd)(const void *h);
	/* Read what is queued without blocking, at most max datagrams,
	 * calling cb for each event; what the kernel dropped is added to
	 * *loss (pass the same one every time). *empty: the queue was read
	 * to its end. Returns the number of events read, or -1 with errno
	 * set. */
	int (*drain)(void *h, source_cb cb, void *data,
		     struct source_loss *loss, size_t max, bool *empty);
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
