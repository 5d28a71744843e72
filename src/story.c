/* Resolution: events -> steps. Rule lookups use the cached ruleset:
 * no netlink round trip per event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "arm.h"
#include "rules_nft.h"
#include "story.h"
#include <linux/netfilter.h>

const char *verdict_name(int32_t v)
{
	switch (v) {
	case EV_V_DROP: return "DROP";
	case EV_V_ACCEPT: return "ACCEPT";
	case EV_V_STOLEN: return "STOLEN";
	case EV_V_QUEUE: return "QUEUE";
	case EV_V_REPEAT: return "REPEAT";
	case EV_V_CONTINUE: return "continue";
	case EV_V_BREAK: return "break";
	case EV_V_JUMP: return "jump";
	case EV_V_GOTO: return "goto";
	case EV_V_RETURN: return "return";
	}
	/* NF_QUEUE carries the queue number in the upper bits */
	if ((v & 0xff) == EV_V_QUEUE)
		return "QUEUE";
	return "?";
}

bool story_starts_packet(const struct trace_event *ev)
{
	return ev->source == EV_SRC_NFT && arm_is_own_table(ev->table) &&
	       ev->type == EV_TYPE_RULE && (ev->has & EV_HAS_HANDLE);
}

static bool skip_own(const struct rs_chain *c)
{
	return arm_is_own_table(c->table);
}

/* The base chain whose walk this event belongs to: headers come with
 * the first event of every base-chain walk. */
static const struct trace_event *walk_start(const struct block *b)
{
	size_t i;

	for (i = b->nevs; i-- > 0;)
		if (b->evs[i].has & EV_HAS_NETHDR)
			return &b->evs[i];
	return NULL;
}

bool story_ends_path(const struct block *b, const struct trace_event *ev,
		     struct resolver *r)
{
	const struct trace_event *start;
	const struct rs_chain *c;
	const struct ruleset *rs;
	bool first;
	size_t i;

	if (arm_is_own_table(ev->table) || !(ev->has & EV_HAS_VERDICT))
		return false;
	if (ev->type != EV_TYPE_POLICY && ev->type != EV_TYPE_RULE)
		return false;
	switch (ev->verdict & 0xff) {
	case EV_V_DROP:
	case EV_V_STOLEN:
	case EV_V_QUEUE:
		return ev->verdict == EV_V_DROP || ev->verdict >= 0;
	case EV_V_ACCEPT:
		if (ev->verdict != EV_V_ACCEPT)
			return false;
		break;
	default:
		return false;
	}
	start = walk_start(b);
	if (!start)
		return false;
	rs = rules_nft_get(r->nft);
	c = ruleset_chain(rs, start->family, start->table, start->chain);
	if (!c || c->hook == HOOK_NONE)
		return false;	/* unknown: let the quiet time decide */
	/* Conntrack runs before any chain that reports it; without its
	 * word, assume a first packet, which may still meet nat chains. */
	first = !(ev->has & EV_HAS_CT) || (ev->ct_state & CT_ST_NEW);
	for (i = b->nevs; !(ev->has & EV_HAS_CT) && i-- > 0;)
		if (b->evs[i].has & EV_HAS_CT) {
			first = b->evs[i].ct_state & CT_ST_NEW;
			break;
		}
	return !ruleset_chain_after(rs, ev->nfproto, c->hook, c->prio, first,
				    skip_own);
}

static void view_from_event(struct pkt_view *v, const struct trace_event *ev)
{
	memset(v, 0, sizeof(*v));
	v->decoded = decode_pkt(ev->hdr, ev->nethdr_len,
				ev->transhdr_len ? ev->hdr + ev->nethdr_len : NULL,
				ev->transhdr_len, &v->hdrs) == 0;
	if ((ev->has & EV_HAS_IIF) && !if_indextoname(ev->iif, v->in))
		snprintf(v->in, sizeof(v->in), "if%u", ev->iif);
	if ((ev->has & EV_HAS_OIF) && !if_indextoname(ev->oif, v->out))
		snprintf(v->out, sizeof(v->out), "if%u", ev->oif);
	v->mark = ev->mark;
}

static char *table_label(const struct trace_event *ev)
{
	char *s = NULL;

	if (ev->family == NFPROTO_IPV4 || ev->family == NFPROTO_IPV6)
		return strdup(ev->table);
	if (asprintf(&s, "%s %s", family_name(ev->family), ev->table) < 0)
		return NULL;
	return s;
}

static const struct rs_rule *find_rule(struct resolver *r,
				       const struct trace_event *ev,
				       const struct ruleset **from)
{
	const struct rs_rule *rule;

	*from = rules_nft_get(r->nft);
	rule = ruleset_rule_by_handle(*from, ev->family, ev->table, ev->handle);
	if (rule)
		return rule;
	/* Deleted since the packet crossed it? */
	*from = rules_nft_previous(r->nft);
	rule = ruleset_rule_by_handle(*from, ev->family, ev->table, ev->handle);
	if (rule)
		return rule;
	/* Added a moment ago, before we heard of the new generation? */
	rules_nft_refresh(r->nft);
	*from = rules_nft_get(r->nft);
	return ruleset_rule_by_handle(*from, ev->family, ev->table, ev->handle);
}

static int resolve_rule(struct story_step *st, struct resolver *r)
{
	const struct ruleset *rs;
	const struct rs_rule *rule = find_rule(r, st->ev, &rs);

	if (!rule)
		return 0;
	st->pos = rule->pos;
	st->text = strdup(rule->text);
	st->syntax = SYNTAX_NFT;
	return st->text ? 0 : -1;
}

static struct story_step *add_step(struct story *s, enum step_kind kind,
				   const struct trace_event *ev)
{
	struct story_step *st;

	st = &s->steps[s->nsteps++];
	memset(st, 0, sizeof(*st));
	st->kind = kind;
	st->ev = ev;
	st->verdict = ev->verdict;
	st->target = ev->jump_target[0] ? ev->jump_target : NULL;
	if (kind != STEP_PACKET && !(st->table = table_label(ev)))
		return NULL;
	return st;
}

static bool is_user_chain(const struct trace_event *ev, struct resolver *r)
{
	const struct rs_chain *c = ruleset_chain(rules_nft_get(r->nft), ev->family,
						 ev->table, ev->chain);

	return c && c->hook == HOOK_NONE;
}

/* The hook of the base chain an event's walk started in. Headers come
 * with the first event of each walk, and that event is in the base chain. */
static enum hook walk_hook(const struct trace_event *ev, struct resolver *r)
{
	const struct rs_chain *c;

	if (ev->source == EV_SRC_XT)
		return hook_from_name(ev->chain);
	c = ruleset_chain(rules_nft_get(r->nft), ev->family, ev->table, ev->chain);
	return c ? c->hook : HOOK_NONE;
}

int story_build(struct story *s, const struct block *b, struct resolver *r)
{
	const struct pkt_view *last = NULL;
	enum hook hook = HOOK_NONE;
	struct story_step *st;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->block = b;
	/* at most one packet line and one step per event */
	s->steps = calloc(2 * b->nevs + 1, sizeof(*s->steps));
	if (!s->steps)
		return -1;
	for (i = 0; i < b->nevs; i++) {
		const struct trace_event *ev = &b->evs[i];

		if ((ev->has & EV_HAS_NETHDR) && !arm_is_own_table(ev->table))
			hook = walk_hook(ev, r);
		if (ev->has & EV_HAS_NETHDR) {
			struct pkt_view v;

			view_from_event(&v, ev);
			if (!s->have_first) {
				s->first = v;
				s->have_first = true;
				last = &s->first;
			} else if (v.decoded && last->decoded &&
				   decode_rewritten(&last->hdrs, &v.hdrs)) {
				st = add_step(s, STEP_PACKET, ev);
				st->pkt = v;
				last = &st->pkt;
			}
		}
		if (arm_is_own_table(ev->table))
			continue;
		switch (ev->type) {
		case EV_TYPE_RULE:
			/* The kernel closes every chain walk with a handle-less
			 * "continue" event. At the end of a user chain it is the
			 * implicit return (6.18 sends no "return" event there);
			 * in a base chain the policy event follows anyway. */
			if (!(ev->has & EV_HAS_HANDLE)) {
				if (is_user_chain(ev, r) && !add_step(s, STEP_RETURN, ev))
					return -1;
				break;
			}
			if (!(st = add_step(s, STEP_RULE, ev)) || resolve_rule(st, r) < 0)
				return -1;
			break;
		case EV_TYPE_POLICY:
			if (!(st = add_step(s, STEP_POLICY, ev)))
				return -1;
			if (ev->has & EV_HAS_POLICY)
				st->verdict = (int32_t)ev->policy;
			break;
		case EV_TYPE_RETURN:
			if (!add_step(s, STEP_RETURN, ev))
				return -1;
			break;
		}
		if (s->nsteps && s->steps[s->nsteps - 1].ev == ev)
			s->steps[s->nsteps - 1].hook = hook;
	}
	story_find_ct(s, r);
	story_find_changes(s);
	story_find_fate(s);
	return 0;
}

void story_free(struct story *s)
{
	size_t i;

	for (i = 0; i < s->nsteps; i++) {
		free(s->steps[i].table);
		free(s->steps[i].text);
	}
	free(s->steps);
	memset(s, 0, sizeof(*s));
}
