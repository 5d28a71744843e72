/* The print layer: one walk over a story (out.c) that calls the
 * format's out_ops in the story's order, and the sentences every format
 * shares (the fate and the header changes). A format says how each part
 * looks; it reads the story only, never an event or a block. */
#ifndef IPTT_OUT_H
#define IPTT_OUT_H

#include <stdbool.h>
#include <stdio.h>
#include "out_format.h"
#include "story.h"

struct summary;

/* Every format's options; each reads the ones it knows. */
struct out_opts {
	bool color, timestamps, verbose;	/* text */
	unsigned int quiet_ms;		/* the "fate unknown" sentence */
	const char *netns;		/* JSON; NULL: the tool's own namespace */
	/* JSON, --probe: "probe" or "answer" (the copy's answer to it), and
	 * the probe's number (1-based); NULL outside a probe */
	const char *probe_role;
	unsigned int probe;
};

/* What each call gets: where to write, the story, the options, and
 * the format's own state for this story (begin sets it, end frees it). */
struct out_ctx {
	FILE *f;
	const struct story *s;
	const struct out_opts *o;
	void *priv;
};

/* begin; then in the story's order its packet versions, steps, and
 * header changes (each before the step it was seen before); then the
 * order note and conntrack when there are any, the fate, and end. */
struct out_ops {
	int (*begin)(struct out_ctx *c);		/* -1: nothing written */
	void (*packet)(struct out_ctx *c, const struct story_step *st);
	void (*step)(struct out_ctx *c, const struct story_step *st);
	/* line: out_change_line() of ch, or of the change ch is joined to
	 * (its port, shown on the address's line); NULL on ENOMEM */
	void (*change)(struct out_ctx *c, const struct story_change *ch,
		       const char *line);
	void (*order_note)(struct out_ctx *c, const char *note);
	void (*conntrack)(struct out_ctx *c, const struct story_ct *ct);
	/* line: out_fate_line(); NULL on ENOMEM */
	void (*fate)(struct out_ctx *c, const char *line);
	int (*end)(struct out_ctx *c);		/* -1: writing failed */
	/* --summary at exit; -1 when writing failed */
	int (*summary)(FILE *f, const struct summary *sm, struct resolver *r);
};

/* Print s through ops. Returns 0, or -1 when it could not be written. */
int out_story(const struct out_ops *ops, FILE *f, const struct story *s,
	      const struct out_opts *o);

/* The shared sentences, as lines of any length without indentation,
 * colour or escaping (malloc'd; NULL on ENOMEM). The fate:
 * "=> DROP by policy of filter INPUT". A header change:
 * "DNAT by nat PREROUTING (#1): 203.0.113.1:2222 -> 10.77.2.20:22". */
char *out_fate_line(const struct story *s, unsigned int quiet_ms);
char *out_change_line(const struct story_change *c);

/* A line of any length (rule texts have no limit: 7.6 KB was seen).
 * NULL only on ENOMEM. */
char *out_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Legacy (x_tables) tables read "legacy nat", as native ones of other
 * families read "inet fw": the two backends' "filter FORWARD" differ. */
static inline const char *out_backend(const struct story_step *st)
{
	return st->legacy ? "legacy " : "";
}

static inline const char *out_stale(const struct story_step *st)
{
	return st->stale ? " (text may be stale)" : "";
}

#endif
