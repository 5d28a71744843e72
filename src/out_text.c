#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fate_names.h"
#include "out_text.h"
#include "safe_text.h"

#define C_RESET	"\033[0m"
#define C_GREEN	"\033[32m"
#define C_RED	"\033[31m"
#define C_BLUE	"\033[34m"
#define C_DIM	"\033[2m"
#define C_BOLD	"\033[1m"

/* A line of any length: rule texts have no limit (7.6 KB was seen). NULL
 * only on ENOMEM. */
static char *line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *line(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

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
static void verdict_text(char *buf, size_t size, const struct story_step *st)
{
	const struct verdict_name *n = verdict_lookup(st->verdict);

	if (n->takes_target && st->target)
		snprintf(buf, size, "%s %s", n->name, st->target);
	else
		snprintf(buf, size, "%s", step_verdict_name(st));
}

/* Legacy (x_tables) tables read "legacy nat", as native ones of other
 * families read "inet fw": the two backends' "filter FORWARD" differ. */
static const char *backend(const struct story_step *st)
{
	return st->legacy ? "legacy " : "";
}

static const char *stale(const struct story_step *st)
{
	return st->stale ? " (text may be stale)" : "";
}

char *out_text_step(const struct story_step *st, bool verbose)
{
	char v[300], extra[64] = "";

	verdict_text(v, sizeof(v), st);
	switch (st->kind) {
	case STEP_RULE:
		if (verbose && st->has_handle)
			snprintf(extra, sizeof(extra), " [handle %llu verdict %d]",
				 (unsigned long long)st->handle, st->verdict);
		if (st->pos)
			return line("%s%s %s (#%u) %s%s => %s%s", backend(st),
				    st->table, st->chain, st->pos,
				    st->text ? st->text : "(rule text unavailable)",
				    stale(st), v, extra);
		return line("%s %s (handle %llu, no longer in the ruleset) => %s%s",
			    st->table, st->chain,
			    (unsigned long long)st->handle, v, extra);
	case STEP_POLICY:
		return line("%s%s %s %s", backend(st), st->table, st->chain, v);
	case STEP_RETURN:
		return line("%s%s %s return", backend(st), st->table, st->chain);
	case STEP_PACKET:
		break;
	}
	return line("%s", "");
}

static void packet_line(char *buf, size_t size, const struct pkt_view *v)
{
	if (v->decoded)
		decode_log_line(buf, size, &v->hdrs, v->in, v->out, v->mark);
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

/* "DNAT by nat PREROUTING (#1): 203.0.113.1:2222 -> 10.77.2.20:22",
 * "TTL by mangle forward (#1): TTL 64 -> 5" */
char *out_text_change(const struct story_change *c)
{
	char what[2 * sizeof(c->ep_from) + 16];

	if (c->ep_from[0])
		snprintf(what, sizeof(what), "%s -> %s", c->ep_from, c->ep_to);
	else
		snprintf(what, sizeof(what), "%s %s -> %s", c->field, c->from, c->to);
	if (!c->by)
		return line("%s by conntrack%s: %s", c->what, c->note, what);
	return line("%s by %s%s %s (#%u): %s", c->what, backend(c->by),
		    c->by->table, c->by->chain, c->by->pos, what);
}

char *out_text_fate(const struct story *s, unsigned int quiet_ms)
{
	const struct story_fate *f = &s->fate;
	const struct story_step *by = f->by;

	switch (f->kind) {
	case FATE_DROP:
	case FATE_REJECT:
	case FATE_QUEUE:
	case FATE_STOLEN:
		if (by->kind == STEP_POLICY)
			return line("=> %s by policy of %s%s %s", fate_name(f->kind)->text,
				    backend(by), by->table, by->chain);
		return line("=> %s by %s%s %s (#%u) %s%s", fate_name(f->kind)->text,
			    backend(by), by->table, by->chain, by->pos,
			    by->text ? by->text : "(rule text unavailable)",
			    stale(by));
	case FATE_NOROUTE:
		if (by)
			return line("=> DROP by routing: %s, after %s%s %s "
				    "accepted it", f->why, backend(by), by->table,
				    by->chain);
		return line("=> DROP by routing: %s; no chain in this "
			    "namespace saw the packet", f->why);
	case FATE_LOCAL:
		return line("=> %s", fate_name(f->kind)->text);
	case FATE_FORWARDED:
	case FATE_BRIDGED:
	case FATE_SENT:
		if (f->out[0])
			return line("=> %s out %s", fate_name(f->kind)->text, f->out);
		return line("=> %s", fate_name(f->kind)->text);
	case FATE_ACCEPTED:
		return line("=> ACCEPT by %s%s %s; no later chain saw the "
			    "packet", backend(by), by->table, by->chain);
	case FATE_UNTOUCHED:
		return line("=> ACCEPT: no chain in this namespace saw "
			    "the packet");
	case FATE_UNKNOWN:
		if (f->cut)
			return line("=> fate unknown: events of this packet were lost "
				    "(the receive buffer overflowed)");
		if (f->why[0])
			return line("=> fate unknown: %s", f->why);
		break;
	}
	return line("=> fate unknown: no verdict followed %s%s %s "
		    "within %u ms", by ? backend(by) : "", by ? by->table : "?",
		    by ? by->chain : "?", quiet_ms);
}

static void print_ct(FILE *f, const struct story_ct *c)
{
	char status[128], orig[128], reply[128];

	if (!c->have_state && !c->have_entry)
		return;
	fputs("  conntrack: ", f);
	if (c->have_state && (c->state & CT_ST_INVALID)) {
		fputs("invalid (conntrack gave the packet no entry)\n", f);
		return;
	}
	ct_status_text(status, sizeof(status), c->status);
	if (c->have_state)
		fprintf(f, "%s, ", ct_state_name(c->state));
	fputs(c->dir ? "reply direction" : "original direction", f);
	if (status[0])
		fprintf(f, ", status %s", status);
	if (c->have_entry && (c->entry.status & (CT_S_SRC_NAT | CT_S_DST_NAT))) {
		ct_tuple_text(orig, sizeof(orig), &c->entry.orig);
		ct_tuple_text(reply, sizeof(reply), &c->entry.reply);
		fprintf(f, "; original %s, reply %s", orig, reply);
	}
	/* not what the packet saw: a first packet's entry is confirmed,
	 * and has its reply, by the time we ask */
	if (c->looked_up_later)
		fputs(" (state unknown: the entry as looked up after the packet "
		      "passed)", f);
	fputc('\n', f);
}

/* indent, colour, the line with its names made harmless, reset */
static void put_line(FILE *f, const char *indent, const char *col,
		     const char *text)
{
	fputs(indent, f);
	if (col)
		fputs(col, f);
	fput_visible(text ? text : "(out of memory)", f);
	if (col)
		fputs(C_RESET, f);
	fputc('\n', f);
}

static void print_changes(FILE *f, const struct story *s, size_t after)
{
	size_t i;

	for (i = 0; i < s->nchanges; i++)
		if (s->changes[i].after == after && !s->changes[i].joined) {
			char *l = out_text_change(&s->changes[i]);

			put_line(f, "  ", NULL, l);
			free(l);
		}
}

static const char *fate_color(const struct story *s, bool color)
{
	return color ? escape(fate_name(s->fate.kind)->color) : NULL;
}

void out_text_story(FILE *f, const struct story *s, const struct text_opts *o)
{
	char pkt[1024];
	char *l;
	size_t i;

	/* With colour, the packet line stands out: blocks are easy to find. */
	if (o->color)
		fputs(C_BOLD, f);
	if (o->timestamps)
		print_timestamp(f, &s->ts);
	if (s->have_first) {
		packet_line(pkt, sizeof(pkt), &s->first);
		fput_visible(pkt, f);
	} else {
		fputs("(packet headers not captured)", f);
	}
	if (o->verbose)
		fprintf(f, " [trace id %08x]", s->id);
	if (o->color)
		fputs(C_RESET, f);
	fputc('\n', f);
	for (i = 0; i < s->nsteps; i++) {
		const struct story_step *st = &s->steps[i];

		print_changes(f, s, i);
		if (st->kind == STEP_PACKET) {
			/* the change lines say what changed; -v shows it all */
			if (!o->verbose)
				continue;
			packet_line(pkt, sizeof(pkt), &st->pkt);
			fprintf(f, "  %spacket now: ", o->color ? C_DIM : "");
			fput_visible(pkt, f);
			fprintf(f, "%s\n", o->color ? C_RESET : "");
			continue;
		}
		if (o->verbose && st->miss_from) {
			l = st->miss_to > st->miss_from ?
			    line("%s%s %s (#%u-#%u did not match)", backend(st),
				 st->table, st->chain, st->miss_from,
				 st->miss_to) :
			    line("%s%s %s (#%u did not match)", backend(st),
				 st->table, st->chain, st->miss_from);
			put_line(f, "  ", o->color ? C_DIM : NULL, l);
			free(l);
		}
		l = out_text_step(st, o->verbose);
		put_line(f, "  ", o->color && st->kind != STEP_RETURN ?
			 escape(verdict_lookup(st->verdict)->color) : NULL, l);
		free(l);
	}
	print_changes(f, s, s->nsteps);
	if (s->order_note[0]) {
		l = line("(order unknown: %s)", s->order_note);
		put_line(f, "  ", NULL, l);
		free(l);
	}
	print_ct(f, &s->ct);
	l = out_text_fate(s, o->quiet_ms);
	put_line(f, "  ", fate_color(s, o->color), l);
	free(l);
	fputc('\n', f);
}
