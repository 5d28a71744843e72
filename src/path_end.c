/* Where a packet's path ends, from what is in memory. The receive path
 * must not wait on a ruleset read: a chain's rules are loaded only for
 * the story (snapshots_prepare_block), and nothing here needs them. */
#include <string.h>

#include "arm.h"
#include "ct.h"
#include "path_end.h"
#include <linux/netfilter.h>	/* after the libc headers it clashes with */

bool path_starts_packet(const struct trace_event *ev, const char *own_table)
{
	/* Only our own rule: another iptables-trace in the namespace has a
	 * table too, and its rule fires for the same packet. --follow's
	 * rule that returns adds a packet our arming rule marked already
	 * (arm.c). */
	return own_table && !ev_traits(ev)->legacy &&
	       !strcmp(ev->table, own_table) &&
	       ev->type == EV_TYPE_RULE && (ev->has & EV_HAS_HANDLE) &&
	       !((ev->has & EV_HAS_VERDICT) && ev->verdict == EV_V_RETURN);
}

/* The base chain whose walk the block's latest event belongs to. An
 * nf_tables walk starts with the event that carries headers; a legacy
 * walk with an event in a built-in chain. Chain metadata only: hook
 * and priority come with the chain list, its rules are not needed. */
static const struct rs_chain *walk_chain(const struct block *b,
					 const struct trace_event *ev,
					 const struct resolver *r)
{
	const struct rs_chain *c;
	size_t i;

	for (i = b->nevs; i-- > 0;) {
		const struct trace_event *e = &b->evs[i];

		if (ev_traits(e)->legacy != ev_traits(ev)->legacy ||
		    arm_is_own_table(e->table))
			continue;
		if (ev_traits(e)->walk_by_headers && !(e->has & EV_HAS_NETHDR))
			continue;
		c = resolver_chain(r, e);
		if (c && c->hook != HOOK_NONE)
			return c;
		if (ev_traits(e)->walk_by_headers)
			return NULL;
	}
	return NULL;
}

/* Conntrack runs before any chain that reports it; without its word,
 * assume a first packet, which may still meet nat chains. */
static bool first_packet(const struct block *b)
{
	size_t i;

	for (i = b->nevs; i-- > 0;)
		if (b->evs[i].has & EV_HAS_CT)
			return b->evs[i].ct_state & CT_ST_NEW;
	return true;
}

bool path_ends(const struct block *b, const struct trace_event *ev,
	       const struct resolver *r)
{
	const struct rs_chain *c;
	int32_t v;

	if (ev_traits(ev)->verdict_in_rule) {
		struct xt_meaning m;

		/* the legacy snapshot holds every rule's text: a pure read */
		resolver_xt_meaning(r, ev, &m);
		if (m.own || m.kind == XT_RETURN)
			return false;
		v = m.verdict;
	} else {
		if (arm_is_own_table(ev->table) || !(ev->has & EV_HAS_VERDICT) ||
		    (ev->type != EV_TYPE_POLICY && ev->type != EV_TYPE_RULE))
			return false;
		v = ev->verdict;
	}
	/* A queued packet may come back (a listener's verdict, or bypass
	 * with no listener): only quiet time tells that it did not. */
	if (v == EV_V_DROP || v == EV_V_STOLEN)
		return true;
	if (v != EV_V_ACCEPT)
		return false;
	/* A bridge chain's accept: br_netfilter may still run the ip chains
	 * of the same frame, whose hooks the ruleset's order does not
	 * place. The quiet time decides. */
	if (ev->family == NFPROTO_BRIDGE)
		return false;
	/* A chain not in the snapshot (made since it was read, its news
	 * not here yet) would need a read: not ended, the quiet time
	 * decides. */
	c = walk_chain(b, ev, r);
	if (!c)
		return false;
	return !resolver_chain_after(r, ev->nfproto, c, first_packet(b));
}
