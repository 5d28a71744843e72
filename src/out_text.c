#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fate_names.h"
#include "log_line.h"
#include "out_text.h"
#include "safe_text.h"
#include "summary.h"
#include "text_copy.h"

#define C_RESET	"\033[0m"
#define C_GREEN	"\033[32m"
#define C_RED	"\033[31m"
#define C_BLUE	"\033[34m"
#define C_DIM	"\033[2m"
#define C_BOLD	"\033[1m"

/* The escape for a colour the name tables give; NULL: none. */
static const char *escape(enum name_color c)
{
	switch (c) {
	case NC_GREEN: return C_GREEN;
	case NC_RED: return C_RED;
	case NC_BLUE: return C_BLUE;
	case NC_NONE: break;
	}
	return NULL;
}

/* "ACCEPT", "jump CHAIN", "continue" ... */
static void put_verdict(FILE *f, const struct story_step *st)
{
	const struct verdict_name *n = verdict_lookup(st->verdict);

	if (n->takes_target && st->target) {
		fputs(n->name, f);
		fputc(' ', f);
		fput_visible(st->target, f);
	} else {
		fputs(step_verdict_name(st), f);
	}
}

/* "table chain", names made harmless */
static void put_where(FILE *f, const struct story_step *st, bool backend)
{
	if (backend)
		fputs(out_backend(st), f);
	fput_visible(st->table, f);
	fputc(' ', f);
	fput_visible(st->chain, f);
}

/* " (#12) ", by hand: fprintf was a tenth of a step's cost */
static void put_pos(FILE *f, unsigned int pos)
{
	char buf[TEXT_UINT_MAX + 5] = " (#";
	size_t n = 3 + text_uint(buf + 3, pos);

	buf[n++] = ')';
	buf[n++] = ' ';
	fwrite(buf, 1, n, f);
}

/* Piece by piece into f: formatting the line into a string first, to
 * write it through fput_visible after, was a fifth of our CPU. What
 * comes from the namespace goes through fput_visible; the rest is ours. */
void out_text_step(FILE *f, const struct story_step *st, bool verbose)
{
	switch (st->kind) {
	case STEP_RULE:
		if (st->pos) {
			put_where(f, st, true);
			put_pos(f, st->pos);
			fput_visible(st->text ? st->text : "(rule text unavailable)", f);
			fputs(out_stale(st), f);
		} else {
			put_where(f, st, false);
			fprintf(f, " (handle %llu, no longer in the ruleset)",
				(unsigned long long)st->handle);
		}
		fputs(" => ", f);
		put_verdict(f, st);
		if (verbose && st->has_handle)
			fprintf(f, " [handle %llu verdict %d]",
				(unsigned long long)st->handle, st->verdict);
		break;
	case STEP_POLICY:
		put_where(f, st, true);
		fputc(' ', f);
		put_verdict(f, st);
		break;
	case STEP_RETURN:
		put_where(f, st, true);
		fputs(" return", f);
		break;
	case STEP_PACKET:
		break;
	}
}

static void packet_line(char *buf, size_t size, const struct pkt_view *v)
{
	if (v->decoded)
		log_line(buf, size, &v->hdrs, v->in, v->out, &v->meta);
	else
		snprintf(buf, size, "IN=%s OUT=%s (headers not decoded)", v->in, v->out);
}

static void print_timestamp(FILE *f, const struct timespec *ts)
{
	struct tm tm;

	localtime_r(&ts->tv_sec, &tm);
	fprintf(f, "%02d:%02d:%02d.%06ld ", tm.tm_hour, tm.tm_min, tm.tm_sec,
		ts->tv_nsec / 1000);
}

/* A line of a block: indent and colour, then its text, then reset. */
static void line_start(FILE *f, const char *col)
{
	fputs("  ", f);
	if (col)
		fputs(col, f);
}

static void line_end(FILE *f, const char *col)
{
	if (col)
		fputs(C_RESET, f);
	fputc('\n', f);
}

/* a line built as a string, its names made harmless */
static void put_line(FILE *f, const char *col, const char *text)
{
	line_start(f, col);
	fput_visible(text ? text : "(out of memory)", f);
	line_end(f, col);
}

/* The packet line; with colour it stands out: blocks are easy to find. */
static int text_begin(struct out_ctx *c)
{
	const struct story *s = c->s;
	char pkt[1024];

	if (c->o->color)
		fputs(C_BOLD, c->f);
	if (c->o->timestamps)
		print_timestamp(c->f, &s->ts);
	if (s->have_first) {
		packet_line(pkt, sizeof(pkt), &s->first);
		fput_visible(pkt, c->f);
	} else {
		fputs("(packet headers not captured)", c->f);
	}
	if (c->o->verbose)
		fprintf(c->f, " [trace id %08x]", s->id);
	if (c->o->color)
		fputs(C_RESET, c->f);
	fputc('\n', c->f);
	return 0;
}

/* the change lines say what changed; -v shows it all */
static void text_packet(struct out_ctx *c, const struct story_step *st)
{
	char pkt[1024];

	if (!c->o->verbose)
		return;
	packet_line(pkt, sizeof(pkt), &st->pkt);
	fprintf(c->f, "  %spacket now: ", c->o->color ? C_DIM : "");
	fput_visible(pkt, c->f);
	fprintf(c->f, "%s\n", c->o->color ? C_RESET : "");
}

static void text_step(struct out_ctx *c, const struct story_step *st)
{
	bool color = c->o->color;
	const char *col;
	char *l;

	if (c->o->verbose && st->miss_from) {
		l = st->miss_to > st->miss_from ?
		    out_line("%s%s %s (#%u-#%u did not match)", out_backend(st),
			     st->table, st->chain, st->miss_from, st->miss_to) :
		    out_line("%s%s %s (#%u did not match)", out_backend(st),
			     st->table, st->chain, st->miss_from);
		put_line(c->f, color ? C_DIM : NULL, l);
		free(l);
	}
	col = color && st->kind != STEP_RETURN ?
	      escape(verdict_lookup(st->verdict)->color) : NULL;
	line_start(c->f, col);
	out_text_step(c->f, st, c->o->verbose);
	line_end(c->f, col);
}

/* a port change joined to its address change is on that line */
static void text_change(struct out_ctx *c, const struct story_change *ch,
			const char *line)
{
	if (!ch->joined)
		put_line(c->f, NULL, line);
}

static void text_order_note(struct out_ctx *c, const char *note)
{
	char *l = out_line("(order unknown: %s)", note);

	put_line(c->f, NULL, l);
	free(l);
}

static void text_conntrack(struct out_ctx *c, const struct story_ct *ct)
{
	char status[128], orig[128], reply[128];
	FILE *f = c->f;

	fputs("  conntrack: ", f);
	if (ct->have_state && (ct->state & CT_ST_INVALID)) {
		fputs("invalid (conntrack gave the packet no entry)\n", f);
		return;
	}
	ct_status_text(status, sizeof(status), ct->status);
	if (ct->have_state)
		fprintf(f, "%s, ", ct_state_name(ct->state));
	fputs(ct->dir ? "reply direction" : "original direction", f);
	if (status[0])
		fprintf(f, ", status %s", status);
	if (ct->have_entry && (ct->entry.status & (CT_S_SRC_NAT | CT_S_DST_NAT))) {
		ct_tuple_text(orig, sizeof(orig), &ct->entry.orig);
		ct_tuple_text(reply, sizeof(reply), &ct->entry.reply);
		fprintf(f, "; original %s, reply %s", orig, reply);
	}
	/* not what the packet saw: a first packet's entry is confirmed,
	 * and has its reply, by the time we ask */
	if (ct->looked_up_later)
		fputs(" (state unknown: the entry as looked up after the packet "
		      "passed)", f);
	fputc('\n', f);
}

static void text_fate(struct out_ctx *c, const char *line)
{
	put_line(c->f, c->o->color ?
		 escape(fate_name(c->s->fate.kind)->color) : NULL, line);
}

/* a blank line between packets */
static int text_end(struct out_ctx *c)
{
	fputc('\n', c->f);
	return 0;
}

const struct out_ops out_text_ops = {
	.begin = text_begin,
	.packet = text_packet,
	.step = text_step,
	.change = text_change,
	.order_note = text_order_note,
	.conntrack = text_conntrack,
	.fate = text_fate,
	.end = text_end,
	.summary = summary_print_text,
};
