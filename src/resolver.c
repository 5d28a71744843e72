#include <stdio.h>
#include <string.h>

#include "arm.h"
#include "nft_replaced.h"
#include "resolver.h"
#include "xt_tables.h"
#include <linux/netfilter.h>	/* after the libc headers it clashes with */

static const struct ruleset empty;

/* The snapshot as it is: snapshots.c re-read it on ruleset news, when
 * events came, and before the block's story. A packet's block is
 * judged, and its positions taken, against the ruleset it crossed. */
const struct ruleset *resolver_nft_rules(const struct resolver *r)
{
	return r->view.nft ? r->view.nft : &empty;
}

const struct rs_chain *resolver_chain(const struct resolver *r,
				      const struct trace_event *ev)
{
	if (ev_traits(ev)->legacy)
		return r->view.legacy ? ruleset_chain(r->view.legacy, ev->family,
						      ev->table, ev->chain) : NULL;
	return r->view.nft ? ruleset_chain(r->view.nft, ev->family, ev->table,
					   ev->chain) : NULL;
}

/* By handle; a rule deleted since the packet crossed it is still in the
 * previous snapshot. One added a moment ago is in the current one once
 * snapshots_prepare_block() re-read its table. */
const struct rs_rule *resolver_nft_rule(const struct resolver *r,
					const struct trace_event *ev,
					const struct ruleset **rs)
{
	const struct rs_rule *rule;

	if (!r->view.nft)
		return NULL;
	*rs = r->view.nft;
	if ((rule = ruleset_rule_by_handle(*rs, ev->family, ev->table, ev->handle)))
		return rule;
	if (!(*rs = r->view.nft_prev))
		return NULL;
	return ruleset_rule_by_handle(*rs, ev->family, ev->table, ev->handle);
}

/* The same rule as iptables-nft prints it, for a table of iptables'
 * names: same table, chain and position, since iptables-nft keeps one
 * nft rule per iptables rule. Read chain by chain when first shown. */
/* A table iptables-nft-save leaves out (rs_chain.xt_table) keeps the
 * nft text of its rules, as it did when that save was our source. */
bool resolver_wants_xt_text(const struct resolver *r, const struct ruleset *rs,
			    const struct rs_rule *rule)
{
	return r->iptnft && r->syntax != SYNTAX_NFT &&
	       rs->chains[rule->chain].xt_table;
}

/* The text as loaded: iptables-nft's where it is shown and could be
 * had, else nft's. NULL when neither was (it cannot be told). */
static void rule_text(const struct resolver *r, const struct ruleset *rs,
		      const struct rs_rule *rule, struct rule_view *out)
{
	out->text = resolver_wants_xt_text(r, rs, rule) ? rule->xt_text : NULL;
	out->syntax = out->text ? SYNTAX_IPTABLES : SYNTAX_NFT;
	if (!out->text)
		out->text = rule->text;
}

/* Is rule (of the current snapshot) shown as it was before the last
 * re-read: a text of it that both snapshots hold, nft's or iptables',
 * and no text that differs? Then a packet that met the rule as it was
 * before a replacement, or before changes we lost track of, is shown
 * right. */
static bool text_as_before(const struct resolver *r, const struct trace_event *ev,
			   const struct ruleset *rs, const struct rs_rule *rule)
{
	const struct ruleset *prev = r->view.nft_prev;
	const struct rs_rule *old;
	bool nft, xt;

	if (rs != r->view.nft || !prev)
		return false;
	old = ruleset_rule_by_handle(prev, ev->family, ev->table, ev->handle);
	if (!old || prev->chains[old->chain].table_handle !=
		    rs->chains[rule->chain].table_handle)
		return false;
	nft = old->text && rule->text;
	xt = old->xt_text && rule->xt_text;
	return (nft || xt) && (!nft || !strcmp(old->text, rule->text)) &&
	       (!xt || !strcmp(old->xt_text, rule->xt_text));
}

/* A legacy event's rule, by position: in the current snapshot, else in
 * the previous one (a rule deleted since the packet crossed it). */
static const struct rs_rule *legacy_rule(const struct resolver *r,
					 const struct trace_event *ev)
{
	const struct rs_rule *rule = NULL;

	if (r->view.legacy)
		rule = ruleset_rule_by_pos(r->view.legacy, ev->family,
					   ev->table, ev->chain, ev->rulenum);
	if (!rule && r->view.legacy && r->view.legacy_prev)
		rule = ruleset_rule_by_pos(r->view.legacy_prev, ev->family,
					   ev->table, ev->chain, ev->rulenum);
	return rule;
}

static void legacy_view(const struct rs_rule *rule, struct rule_view *out)
{
	out->pos = rule->pos;
	out->text = rule->text;
	out->syntax = SYNTAX_IPTABLES;
}

bool resolver_rule(const struct resolver *r, const struct trace_event *ev,
		   struct rule_view *out)
{
	const struct ruleset *rs;
	const struct rs_rule *rule = NULL;

	memset(out, 0, sizeof(*out));
	if (ev_traits(ev)->legacy) {
		if (!(rule = legacy_rule(r, ev)))
			return false;
		legacy_view(rule, out);
		return true;
	}
	if (!(ev->has & EV_HAS_HANDLE) || !(rule = resolver_nft_rule(r, ev, &rs)))
		return false;
	out->pos = rule->pos;
	rule_text(r, rs, rule, out);
	out->may_be_stale = r->view.nft_replaced &&
		nft_replaced_may_be_older(r->view.nft_replaced, ev->family,
					  ev->table, ev->handle, &ev->ts) &&
		!text_as_before(r, ev, rs, rule);
	return true;
}

bool resolver_rule_at(const struct resolver *r, const struct trace_event *ev,
		      unsigned int pos, struct rule_view *out)
{
	const struct ruleset *rs;
	const struct rs_rule *rule;
	const struct rs_chain *c;

	memset(out, 0, sizeof(*out));
	if (ev_traits(ev)->legacy) {
		if (!r->view.legacy)
			return false;
		rule = ruleset_rule_by_pos(r->view.legacy, ev->family,
					   ev->table, ev->chain, pos);
		if (!rule)
			return false;
		out->pos = pos;
		out->text = rule->text;
		out->syntax = SYNTAX_IPTABLES;
		return true;
	}
	if (!r->view.nft)
		return false;
	rs = r->view.nft;
	c = ruleset_chain(rs, ev->family, ev->table, ev->chain);
	rule = ruleset_rule_by_pos(rs, ev->family, ev->table, ev->chain, pos);
	if (!c || !rule)
		return false;
	out->pos = pos;
	rule_text(r, rs, rule, out);
	return true;
}

/* From the legacy snapshot, which holds every rule and its text: a
 * pure read, fit for the receive path. */
void resolver_xt_meaning(const struct resolver *r, const struct trace_event *ev,
			 struct xt_meaning *m)
{
	const struct rs_chain *c = resolver_chain(r, ev);
	bool is_rule = ev->type == EV_TYPE_RULE || (c && ev->rulenum <= c->nrules);
	const struct rs_rule *rule;

	m->own = false;
	m->target = "";
	memset(&m->rule, 0, sizeof(m->rule));
	if (is_rule) {
		m->kind = XT_RULE;
		/* a rule not in the snapshots only counts */
		m->verdict = EV_V_CONTINUE;
		if (!(rule = legacy_rule(r, ev)))
			return;
		legacy_view(rule, &m->rule);
		m->own = rule->xt_own;
		m->verdict = rule->xt_verdict;
		if (rule->xt_target)
			m->target = rule->xt_target;
	} else if (ev->type == EV_TYPE_POLICY) {
		m->kind = XT_POLICY;
		m->verdict = c ? c->policy : EV_V_ACCEPT;
	} else {
		m->kind = XT_RETURN;
		m->verdict = EV_V_RETURN;
	}
}

static bool skip_own(const struct rs_chain *c)
{
	return arm_is_own_table(c->table);
}

bool resolver_chain_after(const struct resolver *r, uint8_t nfproto,
			  const struct rs_chain *c, bool first_packet)
{
	const struct ruleset *nft = resolver_nft_rules(r), *xt = r->view.legacy;

	if (r->view.legacy_pending)
		return true;
	if (ruleset_chain_after(nft, nfproto, c->hook, c->prio, first_packet,
				skip_own))
		return true;
	if (!xt)
		return false;
	if (ruleset_chain_after(xt, nfproto, c->hook, c->prio, first_packet, NULL))
		return true;
	/* a legacy and an nft chain at the same priority: either may run
	 * first (the one registered last does), so the other may come */
	return ruleset_chains_at(nft, nfproto, c->hook, c->prio, first_packet,
				 skip_own) +
	       ruleset_chains_at(xt, nfproto, c->hook, c->prio, first_packet,
				 NULL) > 1;
}
