/* The packet's fate: which step decided it, or where it went. When no
 * chain after ours decided, the routing table is asked, so a packet
 * that "disappears" for want of a route says so. */
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/netfilter.h>

#include "arm.h"
#include "bridge.h"
#include "route.h"
#include "story.h"

/* NF_QUEUE's flag: no listener means accept, not drop. */
#define QUEUE_BYPASS	0x8000

/* nft's reject and iptables' REJECT reach the kernel as a drop. In nft
 * text the reject statement is a word of its own, outside any quoted
 * comment, followed by nothing, "with ..." or a comment. */
static bool is_reject(const struct story_step *st)
{
	const char *t = st->text, *p;
	bool quoted = false;

	if (!t)
		return false;
	if (st->syntax == SYNTAX_IPTABLES)
		return strstr(t, "-j REJECT") != NULL;
	for (p = t; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		if (quoted || strncmp(p, "reject", 6) || (p > t && p[-1] != ' '))
			continue;
		if (!p[6] || !strncmp(p + 6, " with ", 6) || !strncmp(p + 6, " comment ", 9))
			return true;
	}
	return false;
}

/* A queued packet that comes back (a listener's accept, or bypass with
 * no listener) goes on to more steps; only the last queue decides. */
static bool decisive(const struct story *s, const struct story_step *st)
{
	const struct story_step *p;

	if (st->kind != STEP_RULE && st->kind != STEP_POLICY)
		return false;
	if (st->verdict == EV_V_DROP || st->verdict == EV_V_STOLEN)
		return true;
	if (st->verdict < 0 || (st->verdict & 0xff) != EV_V_QUEUE)
		return false;
	for (p = st + 1; p < s->steps + s->nsteps; p++)
		if (p->kind != STEP_PACKET)
			return false;
	return true;
}

bool story_verdict_ended(const struct story *s)
{
	size_t i;

	for (i = 0; i < s->nsteps; i++)
		if (decisive(s, &s->steps[i]))
			return true;
	return false;
}

/* The interface the packet left by: the last one a chain saw. */
static void last_out(const struct story *s, char *out)
{
	size_t i;

	for (i = s->block->nevs; i-- > 0;) {
		const struct trace_event *ev = &s->block->evs[i];

		if ((ev->has & EV_HAS_OIF) && ev->oif &&
		    s->lk->ifname(s->lk->ctx, ev->oif, out))
			return;
	}
	out[0] = '\0';
}

/* Where tracing began: our own chain is named after its hook. */
static enum hook origin(const struct story *s)
{
	size_t i;

	for (i = 0; i < s->block->nevs; i++)
		if (arm_is_own_table(s->block->evs[i].table))
			return arm_chain_hook(s->block->evs[i].chain);
	return HOOK_NONE;
}

/* The first event's input interface: in a bridge pass, the bridge. */
static uint32_t first_iif(const struct story *s)
{
	size_t i;

	/* a bridge chain's input is the port; routing's is the bridge */
	for (i = 0; i < s->block->nevs; i++)
		if ((s->block->evs[i].has & EV_HAS_IIF) &&
		    s->block->evs[i].family != NFPROTO_BRIDGE)
			return s->block->evs[i].iif;
	return 0;
}

/* Was the frame addressed to the bridge bl itself (so routed)? Known
 * only from the first event's Ethernet header. */
static bool to_bridge_mac(const struct story *s, const struct bridge_link *bl)
{
	size_t i;

	if (!bl->bridge || !bl->have_mac)
		return false;
	for (i = 0; i < s->block->nevs; i++) {
		const struct trace_event *ev = &s->block->evs[i];

		if (ev_traits(ev)->ll_header && (ev->has & EV_HAS_IIF))
			return (ev->has & EV_HAS_LLHDR) && !memcmp(ev->ll, bl->bridge_mac, 6);
	}
	return false;
}

/* The packet left the last chain with an accept, and no chain after it
 * was crossed: the routing table alone took it on. Ask it, with the
 * destination NAT gave the packet. */
static enum fate_kind routed(struct story *s, enum hook from)
{
	struct story_fate *f = &s->fate;
	struct route_answer a;
	struct bridge_link bl;
	struct pkt_hdrs h;
	uint32_t iif = first_iif(s);
	char br[IFNAMSIZ];

	if (from == HOOK_OUTPUT)
		return FATE_SENT;
	if (!story_final_headers(s, &h))
		return FATE_ACCEPTED;
	/* The input lookup comes before source NAT, which happens at
	 * postrouting: ask with the source the packet arrived with (a
	 * masqueraded source is the host's own, a martian on input). */
	if (s->have_first && s->first.decoded && s->first.hdrs.family == h.family)
		h.src = s->first.hdrs.src;
	s->lk->route(s->lk->ctx, &h, iif, &a);
	/* Through a bridge, br_netfilter's bridge pass may be all we saw.
	 * A frame to the bridge's own address was routed, so the lookup
	 * stands; otherwise it cannot tell what the bridge did, and a drop
	 * would be a guess. */
	/* a port that cannot be asked about (gone) may have been one: no
	 * guess either, and nothing read of what the failed lookup left */
	if (a.kind == ROUTE_DROP && iif &&
	    (!s->lk->bridge_link(s->lk->ctx, iif, &bl) || (bl.bridge && !to_bridge_mac(s, &bl)))) {
		if (!s->lk->ifname(s->lk->ctx, iif, br))
			snprintf(br, sizeof(br), "if%u", iif);
		snprintf(f->why, sizeof(f->why), "came in through bridge %s, no "
			 "chain after prerouting saw it (routing says: %s)", br, a.why);
		return FATE_UNKNOWN;
	}
	switch (a.kind) {
	case ROUTE_LOCAL:
		return FATE_LOCAL;
	case ROUTE_UNICAST:
		if (a.oif[0])
			memcpy(f->out, a.oif, sizeof(f->out));
		return FATE_FORWARDED;
	case ROUTE_DROP:
		snprintf(f->why, sizeof(f->why), "%s", a.why);
		return FATE_NOROUTE;
	case ROUTE_UNKNOWN:
		break;
	}
	return FATE_ACCEPTED;
}

/* br_netfilter's bridge pass of a frame the bridge forwards to a port
 * (not to the bridge's own address, which would be routed): the ip
 * chains saw it with IN=OUT=the bridge. The port it left by comes from a
 * bridge-family chain's output interface, or the bridge's forwarding
 * database; out is empty when neither knows (a flooded frame). */
static bool bridged(const struct story *s, char *out)
{
	const struct block *b = s->block;
	const struct trace_event *first = NULL;
	struct bridge_link bl, ol;
	size_t i;

	if (b->joined_id)
		return false;		/* it had a routed pass */
	for (i = 0; i < b->nevs && !first; i++)
		if (ev_traits(&b->evs[i])->ll_header && (b->evs[i].has & EV_HAS_IIF))
			first = &b->evs[i];
	if (!first || !s->lk->bridge_link(s->lk->ctx, first->iif, &bl) || !bl.bridge)
		return false;
	if ((first->has & EV_HAS_LLHDR) && bl.have_mac) {
		if (!memcmp(first->ll, bl.bridge_mac, 6))
			return false;	/* to the bridge itself: routed */
	} else {
		/* no link-layer header: only a forward walk out the same
		 * bridge, with nothing local, says it */
		bool fwd = false;

		for (i = 0; i < s->nsteps; i++) {
			if (s->steps[i].hook == HOOK_INPUT)
				return false;
			fwd |= s->steps[i].hook == HOOK_FORWARD &&
			       (s->steps[i].ev->has & EV_HAS_OIF) &&
			       s->steps[i].ev->oif == bl.bridge;
		}
		if (!fwd)
			return false;
	}
	for (i = b->nevs; i-- > 0;) {
		const struct trace_event *ev = &b->evs[i];

		if (ev->family == NFPROTO_BRIDGE && (ev->has & EV_HAS_OIF) &&
		    ev->oif && ev->oif != bl.bridge && s->lk->bridge_link(s->lk->ctx, ev->oif, &ol) &&
		    ol.bridge == bl.bridge &&
		    s->lk->ifname(s->lk->ctx, ev->oif, out))
			return true;
	}
	/* a group address, or one the fdb has not learned, is flooded to
	 * every port (and a group one may also go up to the host): no
	 * single port to name */
	if ((first->has & EV_HAS_LLHDR) && !(first->ll[0] & 1) &&
	    s->lk->bridge_fdb_port(s->lk->ctx, bl.bridge, first->ll, out))
		return true;
	out[0] = '\0';
	return true;
}

/* Who let an accepted packet through: the last accept of a chain that
 * filters. A nat chain's accept (masquerade, dnat) only rewrites, so it
 * is not the answer to "which rule accepted it"; with none other, the
 * last step stays. */
static const struct story_step *last_filter_accept(const struct story *s,
						   const struct story_step *last)
{
	size_t i;

	for (i = s->nsteps; i-- > 0;) {
		const struct story_step *st = &s->steps[i];

		if (st->kind != STEP_PACKET && !st->nat && st->verdict == EV_V_ACCEPT)
			return st;
	}
	return last;
}

void story_find_fate(struct story *s)
{
	struct story_fate *f = &s->fate;
	bool saw[HOOK_EGRESS + 1] = { false };
	const struct story_step *last = NULL;
	enum hook from = origin(s);
	size_t i;

	memset(f, 0, sizeof(*f));
	last_out(s, s->last_oif);
	for (i = 0; i < s->nsteps; i++) {
		const struct story_step *st = &s->steps[i];

		if (st->kind == STEP_PACKET)
			continue;
		if (st->hook != HOOK_NONE)
			saw[st->hook] = true;
		last = st;
		if (decisive(s, st)) {
			f->by = st;
			s->steps[i].rejects = st->verdict == EV_V_DROP && is_reject(st);
			if (st->verdict == EV_V_DROP)
				f->kind = st->rejects ? FATE_REJECT : FATE_DROP;
			else
				f->kind = st->verdict == EV_V_STOLEN ? FATE_STOLEN : FATE_QUEUE;
			return;
		}
	}
	snprintf(f->out, sizeof(f->out), "%s", s->last_oif);
	/* A verdict that ends the path is final; anything after an accept
	 * may have been among the events an overflow dropped. */
	if (s->block->cut) {
		f->kind = FATE_UNKNOWN;
		f->by = last;
		f->cut = true;
		if (s->block->cut_early)
			snprintf(f->why, sizeof(f->why), "printed before all its "
				 "events came, to bound memory (too many packets "
				 "or events at once; trace fewer with a filter or "
				 "--limit)");
		return;
	}
	if (!last) {
		if (from != HOOK_OUTPUT && bridged(s, f->out)) {
			f->kind = FATE_BRIDGED;
			return;
		}
		f->kind = routed(s, from);
		if (f->kind == FATE_ACCEPTED)
			f->kind = FATE_UNTOUCHED;
		return;
	}
	f->by = last;
	/* Events stopped in the middle of a chain walk, not at a verdict. */
	if (last->verdict != EV_V_ACCEPT && last->kind != STEP_RETURN &&
	    (last->verdict < 0 || (last->verdict & 0xff) != EV_V_QUEUE)) {
		f->kind = FATE_UNKNOWN;
		return;
	}
	if (from != HOOK_OUTPUT && !saw[HOOK_INPUT] && bridged(s, f->out))
		f->kind = FATE_BRIDGED;
	else if (saw[HOOK_INPUT])
		f->kind = FATE_LOCAL;
	else if (saw[HOOK_FORWARD] ||
		 (saw[HOOK_POSTROUTING] && from != HOOK_OUTPUT && !saw[HOOK_OUTPUT]))
		f->kind = FATE_FORWARDED;
	else if (saw[HOOK_OUTPUT] || from == HOOK_OUTPUT)
		f->kind = FATE_SENT;
	else
		f->kind = routed(s, from);
	f->by = last_filter_accept(s, last);
}
