/* Resolution: a block of events -> the steps the user reads. Events of
 * both channels are put in the kernel's order, each step gets its rule's
 * position and text from the resolver's snapshots, which it only reads:
 * snapshots_prepare_block() loaded what the block names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "arm.h"
#include "story.h"
#include "text_fmt.h"
#include <linux/netfilter.h>

const char *step_verdict_name(const struct story_step *st)
{
	return st->rejects ? "REJECT" : verdict_name(st->verdict);
}

static bool own_event(const struct resolver *r, const struct trace_event *ev)
{
	struct xt_meaning m;

	/* our TRACE rules (the fallback) have no table of their own */
	if (!ev_traits(ev)->legacy)
		return arm_is_own_table(ev->table);
	resolver_xt_meaning(r, ev, &m);
	return m.own;
}

/* The IPv6 upper protocol that one of our rules named (arm.c), for a
 * packet whose extension headers the trace event left out; 0: none. */
static uint8_t l4_hint(const struct block *b, const struct resolver *r)
{
	size_t i;
	unsigned int k;

	for (i = 0; i < b->nevs; i++) {
		const struct trace_event *ev = &b->evs[i];

		if (!(ev->has & EV_HAS_HANDLE) ||
		    ev->family != NFPROTO_INET || strcmp(ev->table, r->l4_table))
			continue;
		for (k = 0; k < r->n_l4; k++)
			if (r->l4_handle[k] == ev->handle)
				return r->l4_proto[k];
	}
	return 0;
}

static void view_from_event(const struct story *s, struct pkt_view *v,
			    const struct trace_event *ev, uint8_t l4)
{
	const uint8_t *th = ev->transhdr_len ? ev->hdr + ev->nethdr_len : NULL;

	memset(v, 0, sizeof(*v));
	v->decoded = decode_pkt(ev->hdr, ev->nethdr_len, th, ev->transhdr_len,
				&v->hdrs) == 0;
	if (v->decoded && l4)
		decode_set_l4(&v->hdrs, l4, th, ev->transhdr_len);
	if ((ev->has & EV_HAS_IIF) &&
	    !s->lk->ifname(s->lk->ctx, ev->iif, v->in))
		snprintf(v->in, sizeof(v->in), "if%u", ev->iif);
	if ((ev->has & EV_HAS_OIF) &&
	    !s->lk->ifname(s->lk->ctx, ev->oif, v->out))
		snprintf(v->out, sizeof(v->out), "if%u", ev->oif);
	v->meta = ev->meta;
}

#define STORY_STRINGS_CHUNK	4096

char *story_strdup(struct story *s, const char *str)
{
	size_t n = strlen(str) + 1;
	struct story_strings *c = s->strings;
	char *p;

	if (!c || c->size - c->used < n) {
		size_t size = n > STORY_STRINGS_CHUNK ? n : STORY_STRINGS_CHUNK;

		if (!(c = malloc(sizeof(*c) + size)))
			return NULL;
		c->next = s->strings;
		c->used = 0;
		c->size = size;
		s->strings = c;
	}
	p = c->buf + c->used;
	memcpy(p, str, n);
	c->used += n;
	return p;
}

static char *table_label(struct story *s, const struct trace_event *ev)
{
	const char *fam;
	char label[16 + EV_NAME_MAX];	/* "bridge", a space, the name */

	if (ev->family == NFPROTO_IPV4 || ev->family == NFPROTO_IPV6)
		return story_strdup(s, ev->table);
	fam = family_name(ev->family);
	text_fmt(label, sizeof(label), "%s %s", fam, ev->table);
	return story_strdup(s, label);
}

static struct story_step *add_step(struct story *s, enum step_kind kind,
				   const struct trace_event *ev, enum hook hook,
				   int32_t verdict, const char *target)
{
	struct story_step *st = &s->steps[s->nsteps++];

	memset(st, 0, sizeof(*st));
	st->kind = kind;
	story_step_set_event(st, ev);
	st->hook = hook;
	st->verdict = verdict;
	if (target && *target && !(st->target = story_strdup(s, target)))
		return NULL;
	if (kind != STEP_PACKET && !(st->table = table_label(s, ev)))
		return NULL;
	return st;
}

static int set_rule(struct story *s, struct story_step *st,
		    const struct rule_view *rv)
{
	st->pos = rv->pos;
	st->syntax = rv->syntax;
	if (rv->may_be_stale)
		st->stale = true;
	if (rv->text && !(st->text = story_strdup(s, rv->text)))
		return -1;
	return 0;
}

static bool is_user_chain(const struct resolver *r, const struct trace_event *ev)
{
	const struct rs_chain *c = resolver_chain(r, ev);

	return c && c->hook == HOOK_NONE;
}

static int nft_step(struct story *s, const struct resolver *r,
		    const struct trace_event *ev, enum hook hook)
{
	struct story_step *st;
	struct rule_view rv;

	switch (ev->type) {
	case EV_TYPE_RULE:
		/* The kernel closes every chain walk with a handle-less
		 * "continue" event. At the end of a user chain it is the
		 * implicit return (6.18 sends no "return" event there); in a
		 * base chain the policy event follows anyway. */
		if (!(ev->has & EV_HAS_HANDLE)) {
			if (is_user_chain(r, ev) &&
			    !add_step(s, STEP_RETURN, ev, hook, EV_V_RETURN, NULL))
				return -1;
			return 0;
		}
		if (!(st = add_step(s, STEP_RULE, ev, hook, ev->verdict, ev->jump_target)))
			return -1;
		return resolver_rule(r, ev, &rv) ? set_rule(s, st, &rv) : 0;
	case EV_TYPE_POLICY:
		return add_step(s, STEP_POLICY, ev, hook, ev->verdict, NULL) ? 0 : -1;
	case EV_TYPE_RETURN:
		return add_step(s, STEP_RETURN, ev, hook, EV_V_RETURN, NULL) ? 0 : -1;
	}
	return 0;
}

static int xt_step(struct story *s, const struct resolver *r,
		   const struct trace_event *ev, enum hook hook, bool fresh)
{
	static const enum step_kind kinds[] = {
		[XT_RULE] = STEP_RULE, [XT_POLICY] = STEP_POLICY,
		[XT_RETURN] = STEP_RETURN,
	};
	struct story_step *st;
	struct xt_meaning m;

	resolver_xt_meaning(r, ev, &m);
	if (m.own)
		return 0;
	if (!(st = add_step(s, kinds[m.kind], ev, hook, m.verdict, m.target)))
		return -1;
	st->stale = m.kind == XT_RULE && !fresh;
	return m.kind == XT_RULE ? set_rule(s, st, &m.rule) : 0;
}

/* Sort key: the kernel runs hooks in path order and base chains by
 * priority; events of one chain walk keep their arrival order. At equal
 * priority, sub puts the channel that ran first first. */
struct order { int rank; int32_t prio; int sub; size_t arrival; };

static int hook_rank(enum hook h)
{
	switch (h) {
	case HOOK_INPUT:
	case HOOK_FORWARD: return 1;
	case HOOK_POSTROUTING: return 2;
	default: return 0;
	}
}

static int cmp_order(const void *a, const void *b)
{
	const struct order *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	if (x->sub != y->sub)
		return x->sub < y->sub ? -1 : 1;
	return x->arrival < y->arrival ? -1 : x->arrival > y->arrival;
}

/* Only blocks with legacy events need sorting: each channel alone
 * already delivers its events in the kernel's order. */
static bool hdrs_of(const struct trace_event *ev, struct pkt_hdrs *h)
{
	return (ev->has & EV_HAS_NETHDR) &&
	       decode_pkt(ev->hdr, ev->nethdr_len,
			  ev->transhdr_len ? ev->hdr + ev->nethdr_len : NULL,
			  ev->transhdr_len, h) == 0;
}

/* Which channel's chains ran first in o[from, to), a run of equal hook
 * and priority with both: 1 legacy, -1 nf_tables, 0 not known. When
 * both sit at one priority the kernel runs the one registered last
 * first, which it does not tell; the events do, where the packet
 * changed. A legacy event shows the mark as its rule matched, before
 * the target ran, so the first one is the mark the legacy chain got; an
 * nf_tables event shows it after its rule, so the last one is the mark
 * the nf_tables chain left. Nothing else runs between the two. */
static int legacy_first(const struct block *b, const struct order *o,
			size_t from, size_t to)
{
	const struct trace_event *x_in = NULL, *n_in = NULL, *n_out = NULL;
	const struct trace_event *prev = from ? &b->evs[o[from - 1].arrival] : NULL;
	struct pkt_hdrs hx, hn, hp;
	size_t i;

	for (i = from; i < to; i++) {
		const struct trace_event *ev = &b->evs[o[i].arrival];

		if (ev_traits(ev)->legacy) {
			if (!x_in)
				x_in = ev;
		} else {
			if (!n_in && (ev->has & EV_HAS_NETHDR))
				n_in = ev;
			n_out = ev;
		}
	}
	if (!x_in || !n_out)
		return 0;
	/* nf_tables first would have handed its mark on */
	if (x_in->meta.mark != n_out->meta.mark)
		return 1;
	/* the legacy chain got a mark the nf_tables chain set */
	if (prev && !ev_traits(prev)->legacy && prev->meta.mark != n_out->meta.mark)
		return -1;
	/* headers (NAT at this priority): the second saw the first's work */
	if (prev && n_in && hdrs_of(prev, &hp) && hdrs_of(x_in, &hx) &&
	    hdrs_of(n_in, &hn) && decode_rewritten(&hx, &hn))
		return !decode_rewritten(&hp, &hx) ? 1 :
		       !decode_rewritten(&hp, &hn) ? -1 : 0;
	return 0;
}

static void settle_equal_prio(const struct block *b, struct order *o,
			      const struct resolver *r, char *note, size_t note_size)
{
	size_t i = 0, j, k;

	while (i < b->nevs) {
		bool xt = false, nft = false;
		int first;

		for (j = i; j < b->nevs && o[j].rank == o[i].rank &&
		     o[j].prio == o[i].prio; j++) {
			const struct trace_event *ev = &b->evs[o[j].arrival];

			if (arm_is_own_table(ev->table))
				continue;
			xt |= ev_traits(ev)->legacy;
			nft |= !ev_traits(ev)->legacy;
		}
		if (xt && nft) {
			first = legacy_first(b, o, i, j);
			for (k = i; k < j; k++)
				o[k].sub = ev_traits(&b->evs[o[k].arrival])->legacy ==
					   (first > 0) ? 0 : 1;
			qsort(o + i, j - i, sizeof(*o), cmp_order);
			if (!first && note && !note[0]) {
				const struct rs_chain *c = NULL;

				for (k = i; k < j && !(c && c->hook != HOOK_NONE); k++)
					c = resolver_chain(r, &b->evs[o[k].arrival]);
				snprintf(note, note_size, "legacy and nf_tables chains share "
					 "the %s hook at priority %d: which ran first is not "
					 "known, nf_tables is shown first",
					 c && c->hook != HOOK_NONE ? hook_name(c->hook) : "same",
					 o[i].prio);
			}
		}
		i = j;
	}
}

static struct order *order_events(const struct block *b, const struct resolver *r,
				  char *note, size_t note_size)
{
	struct order *o = calloc(b->nevs, sizeof(*o)), walk[2] = { { 0, 0, 0, 0 } };
	bool mixed = false;
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i < b->nevs; i++) {
		const struct trace_event *ev = &b->evs[i];
		struct order *w = &walk[ev_traits(ev)->legacy];
		const struct rs_chain *c;

		mixed |= ev_traits(ev)->legacy;
		if (arm_is_own_table(ev->table)) {
			w->rank = hook_rank(arm_chain_hook(ev->chain));
			w->prio = INT32_MIN;
		} else if (!ev_traits(ev)->walk_by_headers || (ev->has & EV_HAS_NETHDR)) {
			c = resolver_chain(r, ev);
			if (c && c->hook != HOOK_NONE) {
				w->rank = hook_rank(c->hook);
				w->prio = c->prio;
			}
		}
		o[i] = (struct order){ w->rank, w->prio, 0, i };
	}
	if (mixed) {
		qsort(o, b->nevs, sizeof(*o), cmp_order);
		settle_equal_prio(b, o, r, note, note_size);
	}
	return o;
}

/* Which rules were evaluated and did not match. Between two steps of
 * one walk through a chain, the positions skipped; before a policy or
 * the end of a user chain, the rest of the chain. A stack of the chains
 * being walked follows jumps, gotos and returns; a base chain's walk
 * starts afresh (nf_tables: its first event carries the headers). */
struct walk_frame { const struct trace_event *ev; unsigned int last; bool known; };
#define WALK_DEPTH 32

static bool same_chain(const struct trace_event *a, const struct trace_event *b)
{
	return ev_traits(a)->legacy == ev_traits(b)->legacy &&
	       a->family == b->family &&
	       !strcmp(a->table, b->table) && !strcmp(a->chain, b->chain);
}

static void set_miss(struct story_step *st, unsigned int from, unsigned int to)
{
	if (from && to >= from) {
		st->miss_from = from;
		st->miss_to = to;
	}
}

void story_find_misses(struct story *s, const struct resolver *r)
{
	struct walk_frame f[WALK_DEPTH];
	size_t i, depth = 0, k;
	bool after_goto = false;

	for (i = 0; i < s->nsteps; i++) {
		struct story_step *st = &s->steps[i];
		const struct trace_event *ev = st->ev;
		const struct rs_chain *c;
		struct walk_frame *w;
		bool fresh;

		if (st->kind == STEP_PACKET)
			continue;
		c = resolver_chain(r, ev);
		if (ev_traits(ev)->walk_by_headers)
			fresh = ev->has & EV_HAS_NETHDR;
		else
			fresh = c && c->hook != HOOK_NONE &&
				!(depth && same_chain(f[0].ev, ev));
		if (fresh)
			depth = 0;
		for (k = depth; k > 0 && !same_chain(f[k - 1].ev, ev); k--)
			;
		if (k) {
			depth = k;		/* back from the chains above */
		} else {
			if (after_goto && depth)
				depth--;	/* a goto replaces its chain */
			if (depth == WALK_DEPTH)
				continue;
			f[depth++] = (struct walk_frame){ ev, 0, true };
		}
		after_goto = false;
		w = &f[depth - 1];
		if (st->kind == STEP_RULE) {
			if (!st->pos) {
				w->known = false;
			} else {
				if (w->known && st->pos > w->last + 1)
					set_miss(st, w->last + 1, st->pos - 1);
				w->last = st->pos;
			}
			if (st->verdict == EV_V_GOTO)
				after_goto = true;
			else if (st->verdict == EV_V_RETURN)
				depth--;
			else if (st->verdict >= 0)
				depth = 0;	/* accept, drop, queue: the walk ends */
			continue;
		}
		/* policy, or the end of a user chain: the rest did not match */
		if (w->known && c && c->nrules > w->last)
			set_miss(st, w->last + 1, c->nrules);
		depth--;
	}
}

int story_build(struct story *s, const struct block *b, const struct resolver *r,
		bool fresh, const struct story_lookups *lk)
{
	const struct pkt_view *last = NULL;
	enum hook hook = HOOK_NONE;
	bool nat = false;		/* the walk is of a nat chain */
	struct story_step *st;
	struct order *order;
	int ret = -1;
	size_t i;
	uint8_t l4 = l4_hint(b, r);

	memset(s, 0, sizeof(*s));
	story_set_block(s, b);
	s->lk = lk;
	/* at most one packet line and one step per event; add_step clears
	 * each step it takes, and nothing reads past nsteps */
	s->steps = malloc((2 * b->nevs + 1) * sizeof(*s->steps));
	order = order_events(b, r, s->order_note, sizeof(s->order_note));
	if (!s->steps || !order)
		goto out;
	for (i = 0; i < b->nevs; i++) {
		const struct trace_event *ev = &b->evs[order[i].arrival];
		bool own = own_event(r, ev);
		const struct rs_chain *c;

		size_t k, before = s->nsteps;

		if (!own && (!ev_traits(ev)->walk_by_headers || (ev->has & EV_HAS_NETHDR)) &&
		    (c = resolver_chain(r, ev)) && c->hook != HOOK_NONE) {
			hook = c->hook;
			nat = c->nat;
		}
		if (ev->has & EV_HAS_NETHDR) {
			struct pkt_view v;

			view_from_event(s, &v, ev, l4);
			if (!s->have_first) {
				s->first = v;
				s->have_first = true;
				last = &s->first;
			} else if (v.decoded && last->decoded &&
				   decode_rewritten(&last->hdrs, &v.hdrs)) {
				if (!(st = add_step(s, STEP_PACKET, ev, hook, 0, NULL)))
					goto out;
				st->pkt = v;
				last = &st->pkt;
			}
		}
		if (own)
			continue;
		if ((ev_traits(ev)->verdict_in_rule ? xt_step(s, r, ev, hook, fresh) :
		     nft_step(s, r, ev, hook)) < 0)
			goto out;
		for (k = before; k < s->nsteps; k++)
			s->steps[k].nat = nat;
	}
	story_find_ct(s, r);
	story_find_misses(s, r);
	story_find_changes(s);
	story_find_fate(s);
	ret = 0;
out:
	free(order);
	return ret;
}

void story_free(struct story *s)
{
	struct story_strings *c, *next;

	for (c = s->strings; c; c = next) {
		next = c->next;
		free(c);
	}
	free(s->steps);
	memset(s, 0, sizeof(*s));
}
