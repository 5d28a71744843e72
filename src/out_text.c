#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fate_names.h"
#include "log_line.h"
#include "out_text.h"
#include "safe_text.h"
#include "summary.h"
#include "textbuf.h"

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
static void put_verdict(struct textbuf *t, const struct story_step *st)
{
	const struct verdict_name *n = verdict_lookup(st->verdict);

	if (n->takes_target && st->target) {
		tb_puts(t, n->name);
		tb_putc(t, ' ');
		tb_visible(t, st->target);
	} else {
		tb_puts(t, step_verdict_name(st));
	}
}

/* "table chain", names made harmless */
static void put_where(struct textbuf *t, const struct story_step *st, bool backend)
{
	if (backend)
		tb_puts(t, out_backend(st));
	tb_visible(t, st->table);
	tb_putc(t, ' ');
	tb_visible(t, st->chain);
}

/* Piece by piece: formatting the line into a string first, to make it
 * harmless after, was a fifth of our CPU. What comes from the
 * namespace goes through tb_visible; the rest is ours. */
static void put_step(struct textbuf *t, const struct story_step *st, bool verbose)
{
	switch (st->kind) {
	case STEP_RULE:
		put_where(t, st, st->pos != 0);
		if (st->pos) {
			tb_puts(t, " (#");
			tb_uint(t, st->pos);
			tb_puts(t, ") ");
			tb_visible(t, st->text ? st->text : "(rule text unavailable)");
			tb_puts(t, out_stale(st));
		} else {
			tb_puts(t, " (handle ");
			tb_uint(t, st->handle);
			tb_puts(t, ", no longer in the ruleset)");
		}
		tb_puts(t, " => ");
		put_verdict(t, st);
		if (verbose && st->has_handle) {
			char v[64];

			snprintf(v, sizeof(v), " [handle %llu verdict %d]",
				 (unsigned long long)st->handle, st->verdict);
			tb_puts(t, v);
		}
		break;
	case STEP_POLICY:
		put_where(t, st, true);
		tb_putc(t, ' ');
		put_verdict(t, st);
		break;
	case STEP_RETURN:
		put_where(t, st, true);
		tb_puts(t, " return");
		break;
	case STEP_PACKET:
		break;
	}
}

void out_text_step(FILE *f, const struct story_step *st, bool verbose)
{
	struct textbuf t;

	tb_init(&t, f);
	put_step(&t, st, verbose);
	tb_flush(&t);
}

static void packet_line(char *buf, size_t size, const struct pkt_view *v)
{
	if (v->decoded)
		log_line(buf, size, &v->hdrs, v->in, v->out, &v->meta);
	else
		snprintf(buf, size, "IN=%s OUT=%s (headers not decoded)", v->in, v->out);
}

static void put_timestamp(struct textbuf *t, const struct timespec *ts)
{
	char buf[32];
	struct tm tm;

	localtime_r(&ts->tv_sec, &tm);
	snprintf(buf, sizeof(buf), "%02d:%02d:%02d.%06ld ", tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000);
	tb_puts(t, buf);
}

/* A line of a block: indent and colour, then its text, then reset. */
static void line_start(struct textbuf *t, const char *col)
{
	tb_puts(t, "  ");
	if (col)
		tb_puts(t, col);
}

static void line_end(struct textbuf *t, const char *col)
{
	if (col)
		tb_puts(t, C_RESET);
	tb_putc(t, '\n');
}

/* a line built as a string, its names made harmless */
static void put_line(struct textbuf *t, const char *col, const char *text)
{
	line_start(t, col);
	tb_visible(t, text ? text : "(out of memory)");
	line_end(t, col);
}

/* The story goes out in one piece (text_end), gathered in c->priv. The
 * packet line; with colour it stands out: blocks are easy to find. */
static int text_begin(struct out_ctx *c)
{
	const struct story *s = c->s;
	struct textbuf *t = malloc(sizeof(*t));
	char pkt[1024];

	if (!t)
		return -1;
	tb_init(t, c->f);
	c->priv = t;
	if (c->o->color)
		tb_puts(t, C_BOLD);
	if (c->o->timestamps)
		put_timestamp(t, &s->ts);
	if (s->have_first) {
		packet_line(pkt, sizeof(pkt), &s->first);
		tb_visible(t, pkt);
	} else {
		tb_puts(t, "(packet headers not captured)");
	}
	if (c->o->verbose) {
		snprintf(pkt, sizeof(pkt), " [trace id %08x]", s->id);
		tb_puts(t, pkt);
	}
	if (c->o->color)
		tb_puts(t, C_RESET);
	tb_putc(t, '\n');
	return 0;
}

/* the change lines say what changed; -v shows it all */
static void text_packet(struct out_ctx *c, const struct story_step *st)
{
	struct textbuf *t = c->priv;
	char pkt[1024];

	if (!c->o->verbose)
		return;
	packet_line(pkt, sizeof(pkt), &st->pkt);
	line_start(t, c->o->color ? C_DIM : NULL);
	tb_puts(t, "packet now: ");
	tb_visible(t, pkt);
	line_end(t, c->o->color ? C_DIM : NULL);
}

static void text_step(struct out_ctx *c, const struct story_step *st)
{
	struct textbuf *t = c->priv;
	bool color = c->o->color;
	const char *col;
	char *l;

	if (c->o->verbose && st->miss_from) {
		l = st->miss_to > st->miss_from ?
		    out_line("%s%s %s (#%u-#%u did not match)", out_backend(st),
			     st->table, st->chain, st->miss_from, st->miss_to) :
		    out_line("%s%s %s (#%u did not match)", out_backend(st),
			     st->table, st->chain, st->miss_from);
		put_line(t, color ? C_DIM : NULL, l);
		free(l);
	}
	col = color && st->kind != STEP_RETURN ?
	      escape(verdict_lookup(st->verdict)->color) : NULL;
	line_start(t, col);
	put_step(t, st, c->o->verbose);
	line_end(t, col);
}

/* a port change joined to its address change is on that line */
static void text_change(struct out_ctx *c, const struct story_change *ch,
			const char *line)
{
	if (!ch->joined)
		put_line(c->priv, NULL, line);
}

static void text_order_note(struct out_ctx *c, const char *note)
{
	char *l = out_line("(order unknown: %s)", note);

	put_line(c->priv, NULL, l);
	free(l);
}

static void text_conntrack(struct out_ctx *c, const struct story_ct *ct)
{
	char status[128], orig[128], reply[128];
	struct textbuf *t = c->priv;

	line_start(t, NULL);
	tb_puts(t, "conntrack: ");
	if (ct->have_state && (ct->state & CT_ST_INVALID)) {
		tb_puts(t, "invalid (conntrack gave the packet no entry)");
		line_end(t, NULL);
		return;
	}
	ct_status_text(status, sizeof(status), ct->status);
	if (ct->have_state) {
		tb_puts(t, ct_state_name(ct->state));
		tb_puts(t, ", ");
	}
	tb_puts(t, ct->dir ? "reply direction" : "original direction");
	if (status[0]) {
		tb_puts(t, ", status ");
		tb_puts(t, status);
	}
	if (ct->have_entry && (ct->entry.status & (CT_S_SRC_NAT | CT_S_DST_NAT))) {
		ct_tuple_text(orig, sizeof(orig), &ct->entry.orig);
		ct_tuple_text(reply, sizeof(reply), &ct->entry.reply);
		tb_puts(t, "; original ");
		tb_puts(t, orig);
		tb_puts(t, ", reply ");
		tb_puts(t, reply);
	}
	/* not what the packet saw: a first packet's entry is confirmed,
	 * and has its reply, by the time we ask */
	if (ct->looked_up_later)
		tb_puts(t, " (state unknown: the entry as looked up after the "
			"packet passed)");
	line_end(t, NULL);
}

static void text_fate(struct out_ctx *c, const char *line)
{
	put_line(c->priv, c->o->color ?
		 escape(fate_name(c->s->fate.kind)->color) : NULL, line);
}

/* a blank line between packets */
static int text_end(struct out_ctx *c)
{
	struct textbuf *t = c->priv;
	int ret;

	tb_putc(t, '\n');
	ret = tb_flush(t);
	free(t);
	c->priv = NULL;
	return ret;
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
