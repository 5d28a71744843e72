/* The one walk over a story, and the sentences both formats share: the
 * fate line (JSON's fate "text" is the same words) and the change
 * lines. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fate_names.h"
#include "out.h"
#include "text_fmt.h"

/* Formatted on the stack, then copied once: vasprintf starts at 100
 * bytes and grows its buffer with realloc, twice for a usual line. */
char *out_line(const char *fmt, ...)
{
	char buf[512], *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = text_vfmt(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	if ((size_t)n < sizeof(buf))
		return strdup(buf);
	if (!(s = malloc((size_t)n + 1)))
		return NULL;
	va_start(ap, fmt);
	text_vfmt(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* "DNAT by nat PREROUTING (#1): 203.0.113.1:2222 -> 10.77.2.20:22",
 * "TTL by mangle forward (#1): TTL 64 -> 5" */
char *out_change_line(const struct story_change *c)
{
	char what[2 * sizeof(c->ep_from) + 16];

	if (c->ep_from[0])
		text_fmt(what, sizeof(what), "%s -> %s", c->ep_from, c->ep_to);
	else
		text_fmt(what, sizeof(what), "%s %s -> %s", c->field, c->from, c->to);
	if (!c->by)
		return out_line("%s by conntrack%s: %s", c->what, c->note, what);
	return out_line("%s by %s%s %s (#%u): %s", c->what, out_backend(c->by),
			c->by->table, c->by->chain, c->by->pos, what);
}

char *out_fate_line(const struct story *s, unsigned int quiet_ms)
{
	const struct story_fate *f = &s->fate;
	const struct story_step *by = f->by;
	const char *words = fate_name(f->kind)->text;

	switch (f->kind) {
	case FATE_DROP:
	case FATE_REJECT:
	case FATE_QUEUE:
	case FATE_STOLEN:
		if (by->kind == STEP_POLICY)
			return out_line("=> %s by policy of %s%s %s", words,
					out_backend(by), by->table, by->chain);
		return out_line("=> %s by %s%s %s (#%u) %s%s", words,
				out_backend(by), by->table, by->chain, by->pos,
				by->text ? by->text : "(rule text unavailable)",
				out_stale(by));
	case FATE_NOROUTE:
		if (by)
			return out_line("=> DROP by routing: %s, after %s%s %s "
					"accepted it", f->why, out_backend(by),
					by->table, by->chain);
		return out_line("=> DROP by routing: %s; no chain in this "
				"namespace saw the packet", f->why);
	case FATE_LOCAL:
		return out_line("=> %s", words);
	case FATE_ACCEPTED:
		return out_line("=> ACCEPT by %s%s %s; no later chain saw the "
				"packet", out_backend(by), by->table, by->chain);
	case FATE_UNTOUCHED:
		return out_line("=> ACCEPT: no chain in this namespace saw "
				"the packet");
	case FATE_UNKNOWN:
		if (f->cut && !f->why[0])
			return out_line("=> fate unknown: events of this packet "
					"were lost (the receive buffer overflowed)");
		if (f->why[0])
			return out_line("=> fate unknown: %s", f->why);
		break;
	default:
		/* forwarded, bridged, sent: the table's words and where the
		 * packet went; a new fate kind too, until it needs more */
		if (f->out[0])
			return out_line("=> %s out %s", words, f->out);
		return out_line("=> %s", words);
	}
	return out_line("=> fate unknown: no verdict followed %s%s %s "
			"within %u ms", by ? out_backend(by) : "",
			by ? by->table : "?", by ? by->chain : "?", quiet_ms);
}

/* Hand ops the changes seen before step `before` (SIZE_MAX: all that
 * are left), from index i on; returns the index after them. Changes
 * are in step order (story.h), so each is handed once, in order. */
static size_t changes_before(struct out_ctx *c, const struct out_ops *ops,
			     size_t i, size_t before)
{
	const struct story *s = c->s;

	for (; i < s->nchanges && s->changes[i].after <= before; i++) {
		const struct story_change *head = &s->changes[i];
		char *line;

		while (head->joined && head > s->changes)
			head--;
		line = out_change_line(head);
		ops->change(c, &s->changes[i], line);
		free(line);
	}
	return i;
}

int out_story(const struct out_ops *ops, FILE *f, const struct story *s,
	      const struct out_opts *o)
{
	struct out_ctx c = { .f = f, .s = s, .o = o, .priv = NULL };
	size_t i, ch = 0;
	char *line;

	if (ops->begin(&c) < 0)
		return -1;
	for (i = 0; i < s->nsteps; i++) {
		const struct story_step *st = &s->steps[i];

		ch = changes_before(&c, ops, ch, i);
		if (st->kind == STEP_PACKET)
			ops->packet(&c, st);
		else
			ops->step(&c, st);
	}
	changes_before(&c, ops, ch, SIZE_MAX);
	if (s->order_note[0])
		ops->order_note(&c, s->order_note);
	if (s->ct.have_state || s->ct.have_entry)
		ops->conntrack(&c, &s->ct);
	line = out_fate_line(s, o->quiet_ms);
	ops->fate(&c, line);
	free(line);
	return ops->end(&c);
}
