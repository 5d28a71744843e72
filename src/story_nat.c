/* What NAT and mangling did to the packet, and what conntrack knows.
 *
 * Rewrites that happen before a later chain sees the packet show up as a
 * change between two header snapshots. Source NAT happens after the last
 * postrouting chain, and a NATed flow's later packets are rewritten by
 * conntrack without any nat rule: both are only visible by comparing
 * the conntrack entry's tuples with the headers we saw. */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>

#include "arm.h"
#include "decode.h"
#include "story.h"
#include "text_copy.h"
#include "text_fmt.h"

/* Did conntrack see the packet before this event's chain? The first
 * event of a base chain's walk (it carries the headers) of a chain after
 * conntrack's hook (-200 at prerouting and output). */
static bool after_conntrack(const struct trace_event *ev, const struct resolver *r)
{
	const struct rs_chain *c;

	/* only where the headers mark a walk's first event */
	if (!ev_traits(ev)->walk_by_headers || !(ev->has & EV_HAS_NETHDR) ||
	    ev->family == NFPROTO_BRIDGE || ev->family == NFPROTO_NETDEV)
		return false;
	if (arm_is_own_table(ev->table))
		return arm_chain_after_conntrack(ev->chain);
	c = resolver_chain(r, ev);
	if (!c)
		return false;
	switch (c->hook) {
	case HOOK_PREROUTING:
	case HOOK_OUTPUT:
		return c->prio > -200;
	case HOOK_INPUT:
	case HOOK_FORWARD:
	case HOOK_POSTROUTING:
		return true;
	default:
		return false;
	}
}

/* No CT attributes where conntrack had run, in a family where it is at
 * work: conntrack found the packet invalid (it attaches no entry then,
 * and the kernel sends no CT_* attributes). */
static bool seen_invalid(const struct story *s, const struct resolver *r)
{
	size_t i;

	for (i = 0; i < s->block->nevs; i++) {
		const struct trace_event *ev = &s->block->evs[i];

		if (!(ev->has & EV_HAS_NFPROTO) ||
		    (ev->nfproto != NFPROTO_IPV4 && ev->nfproto != NFPROTO_IPV6))
			continue;
		if (r->ct_seen[ev->nfproto == NFPROTO_IPV6] && after_conntrack(ev, r))
			return true;
	}
	return false;
}

/* A new connection's packet that went on: its entry is confirmed after
 * its last hook, which a lookup may beat (ct_lookup waits for it). Not
 * for a packet a verdict ended: none will come. */
static bool entry_soon(const struct story *s, const struct story_ct *c)
{
	return c->have_state && (c->state & CT_ST_NEW) && !story_verdict_ended(s);
}

void story_find_ct(struct story *s, const struct resolver *r)
{
	struct story_ct *c = &s->ct;
	const struct trace_event *with_ct = NULL;
	size_t i;

	memset(c, 0, sizeof(*c));
	/* The last event knows the most: conntrack runs at -200. */
	for (i = s->block->nevs; i-- > 0;)
		if (s->block->evs[i].has & EV_HAS_CT) {
			with_ct = &s->block->evs[i];
			break;
		}
	if (with_ct) {
		c->have_state = true;
		c->state = with_ct->ct_state;
		c->status = with_ct->ct_status;
		c->id = with_ct->ct_id;
		c->dir = with_ct->ct_dir;
	} else if (seen_invalid(s, r)) {
		c->have_state = true;
		c->state = CT_ST_INVALID;
	}
	if (!r->ct || !s->have_first || !s->first.decoded)
		return;
	if (c->have_state && (c->state & (CT_ST_UNTRACKED | CT_ST_INVALID)))
		return;
	if (s->lk->conntrack(r->ct, &s->first.hdrs, entry_soon(s, c),
			     &c->entry) < 0)
		return;
	/* The same tuple may belong to a newer connection than the one
	 * the packet was part of; the trace's CT_ID settles it. */
	c->have_entry = !c->have_state || !c->id || c->entry.id == c->id;
	if (c->have_entry && !c->have_state)
		c->dir = memcmp(&c->entry.orig.src, &s->first.hdrs.src,
				sizeof(c->entry.orig.src)) != 0;
	if (c->have_entry && !c->have_state) {
		c->status = c->entry.status;
		c->looked_up_later = true;
	}
	/* The kernel attaches CT_STATUS to the first event of each base
	 * chain only, so NAT set up later in a jumped-to chain (kube-proxy's
	 * KUBE-POSTROUTING, firewalld's nat_POST_*) is missing from it; the
	 * entry, looked up after the packet passed, has it. */
	if (c->have_entry)
		c->status |= c->entry.status & (CT_S_SRC_NAT | CT_S_DST_NAT);
}

/* The rewrite a rule's action makes. Only actions count: the match
 * "ct status dnat" or a comment that says "ttl" rewrites nothing. A
 * phrase counts as whole words outside quoted comments; when several
 * stand in the text, the first in this table wins. */
static const char *rewrite_of(const char *text)
{
	static const struct { const char *phrase, *kind; } kinds[] = {
		{ "-j MASQUERADE", "MASQUERADE" }, { "masquerade", "MASQUERADE" },
		{ "-j REDIRECT", "REDIRECT" }, { "redirect", "REDIRECT" },
		{ "-j SNAT", "SNAT" }, { "snat to", "SNAT" }, { "snat ip to", "SNAT" },
		{ "snat ip6 to", "SNAT" },
		{ "-j DNAT", "DNAT" }, { "dnat to", "DNAT" }, { "dnat ip to", "DNAT" },
		{ "dnat ip6 to", "DNAT" },
		{ "-j TTL", "TTL" }, { "ttl set", "TTL" },
		{ "-j HL", "HL" }, { "hoplimit set", "HL" },
		{ "-j DSCP", "DSCP" }, { "dscp set", "DSCP" }, { "-j TOS", "TOS" },
	};
	const size_t nkinds = sizeof(kinds) / sizeof(kinds[0]);
	size_t best = nkinds, i, n;
	bool quoted = false;
	const char *p;

	if (!text)
		return NULL;
	p = text;
	while (*p && best) {
		bool word = p == text || p[-1] == ' ';

		/* quotes and spaces one by one, the rest of a word at once */
		if (*p == '"' || *p == ' ') {
			quoted ^= *p++ == '"';
			continue;
		}
		/* only a word a phrase can start: most cannot ("-m", "-d",
		 * "--dport", addresses, chain names) */
		if (word && !quoted &&
		    (p[0] == '-' ? p[1] == 'j' : strchr("mrsdth", p[0]) != NULL)) {
			for (i = 0; i < best; i++) {
				/* two letters: of the '-' words only "-j" is one */
				if (kinds[i].phrase[0] != p[0] ||
				    kinds[i].phrase[1] != p[1])
					continue;
				n = strlen(kinds[i].phrase);
				if (!strncmp(p, kinds[i].phrase, n) &&
				    (p[n] == '\0' || p[n] == ' ')) {
					best = i;
					break;
				}
			}
		}
		p += strcspn(p, " \"");
	}
	return best < nkinds ? kinds[best].kind : NULL;
}

/* Once per step: each header change asks the steps before it, back
 * to the rule that explains it. */
static const char *step_rewrite(struct story_step *st)
{
	if (!st->rewrite_known) {
		st->rewrite = st->kind == STEP_RULE ? rewrite_of(st->text) : NULL;
		st->rewrite_known = true;
	}
	return st->rewrite;
}

static bool kind_fits(const char *kind, const char *field)
{
	bool addr = !strcmp(field, "SRC") || !strcmp(field, "DST") ||
		    !strcmp(field, "SPT") || !strcmp(field, "DPT");

	if (!kind)
		return false;
	if (!strcmp(field, "TTL"))
		return !strcmp(kind, "TTL") || !strcmp(kind, "HL");
	if (!strcmp(field, "TOS"))
		return !strcmp(kind, "TOS") || !strcmp(kind, "DSCP");
	if (!addr)
		return false;
	if (field[0] == 'S')
		return !strcmp(kind, "SNAT") || !strcmp(kind, "MASQUERADE");
	return !strcmp(kind, "DNAT") || !strcmp(kind, "REDIRECT");
}

/* The rule whose action explains a change first seen at step `before`.
 * The kernel takes a chain's header snapshot with the first rule that
 * matches in it, after that rule ran: so that rule comes first, then
 * the latest one before. */
static const struct story_step *who_did(struct story *s, size_t before,
					const char *field)
{
	const struct story_step *seen = before < s->nsteps ? &s->steps[before] : NULL;
	size_t i;

	for (i = before + 1; seen && i < s->nsteps && s->steps[i].ev == seen->ev; i++)
		if (kind_fits(step_rewrite(&s->steps[i]), field))
			return &s->steps[i];
	for (i = before; i-- > 0;)
		if (kind_fits(step_rewrite(&s->steps[i]), field))
			return &s->steps[i];
	return NULL;
}

static struct story_change *add_change(struct story *s, size_t after,
				       const char *field, const char *from,
				       const char *to)
{
	struct story_change *c;
	const char *kind;

	if (s->nchanges == STORY_MAX_CHANGES)
		return NULL;
	c = &s->changes[s->nchanges++];
	memset(c, 0, sizeof(*c));
	c->after = after;
	c->by = who_did(s, after, field);
	kind = c->by ? c->by->rewrite : NULL;
	if (!kind)
		kind = field[0] == 'S' ? "SNAT" : field[0] == 'D' ? "DNAT" : field;
	text_copy(c->what, sizeof(c->what), kind);
	/* A NATed flow's later packets are rewritten by conntrack alone:
	 * replies get the first packet's NAT undone. */
	c->note = "";
	if (!c->by && s->ct.dir == 1)
		c->note = field[0] == 'D' ? " (undoing SNAT)" : " (undoing DNAT)";
	else if (!c->by)
		c->note = " (NAT of the connection's first packet)";
	text_copy(c->field, sizeof(c->field), field);
	text_copy(c->from, sizeof(c->from), from);
	text_copy(c->to, sizeof(c->to), to);
	return c;
}

static bool has_ports(const struct pkt_hdrs *p)
{
	return p->have_l4 && (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP ||
			      p->proto == IPPROTO_SCTP || p->proto == IPPROTO_UDPLITE);
}

/* "10.0.0.1:80", "[fd00::1]:80", or the address alone. */
static void endpoint_text(char *buf, size_t size, const struct pkt_hdrs *p,
			  const void *addr, uint16_t port, bool ports)
{
	char a[INET6_ADDRSTRLEN];

	decode_addr_text(p->family, addr, a, sizeof(a));
	if (!ports)
		text_copy(buf, size, a);
	else if (p->family == AF_INET6)
		text_fmt(buf, size, "[%s]:%u", a, port);
	else
		text_fmt(buf, size, "%s:%u", a, port);
}

/* The source (side 'S') or destination ('D') of a and b: one change per
 * field, with the text of both together on the first one. */
static void endpoint_change(struct story *s, size_t after, char side,
			    const struct pkt_hdrs *a, const struct pkt_hdrs *b,
			    size_t alen)
{
	const void *aa = side == 'S' ? (const void *)&a->src : (const void *)&a->dst;
	const void *ba = side == 'S' ? (const void *)&b->src : (const void *)&b->dst;
	uint16_t ap = side == 'S' ? a->sport : a->dport;
	uint16_t bp = side == 'S' ? b->sport : b->dport;
	bool ports = has_ports(a) && has_ports(b);
	bool addr = memcmp(aa, ba, alen) != 0, port = ports && ap != bp;
	char x[INET6_ADDRSTRLEN], y[INET6_ADDRSTRLEN];
	struct story_change *first = NULL, *c;

	if (addr) {
		decode_addr_text(a->family, aa, x, sizeof(x));
		decode_addr_text(b->family, ba, y, sizeof(y));
		first = add_change(s, after, side == 'S' ? "SRC" : "DST", x, y);
	}
	if (port) {
		text_uint(x, ap);
		text_uint(y, bp);
		c = add_change(s, after, side == 'S' ? "SPT" : "DPT", x, y);
		if (first && c)
			c->joined = true;
		else
			first = c;
	}
	if (!first)
		return;
	endpoint_text(first->ep_from, sizeof(first->ep_from), a, aa, ap, ports);
	endpoint_text(first->ep_to, sizeof(first->ep_to), b, ba, bp, ports);
}

/* Compare two header versions field by field. */
static void diff(struct story *s, size_t after, const struct pkt_hdrs *a,
		 const struct pkt_hdrs *b)
{
	size_t alen = a->family == AF_INET ? 4 : 16;
	char x[INET6_ADDRSTRLEN], y[INET6_ADDRSTRLEN];

	endpoint_change(s, after, 'S', a, b, alen);
	endpoint_change(s, after, 'D', a, b, alen);
	if (a->tos != b->tos) {
		snprintf(x, sizeof(x), "0x%02x", a->tos);
		snprintf(y, sizeof(y), "0x%02x", b->tos);
		add_change(s, after, "TOS", x, y);
	}
	/* forwarding takes one off the TTL; anything else is a rule's doing */
	if (a->ttl != b->ttl && a->ttl != b->ttl + 1) {
		snprintf(x, sizeof(x), "%u", a->ttl);
		snprintf(y, sizeof(y), "%u", b->ttl);
		add_change(s, after, "TTL", x, y);
	}
}

/* The headers the packet leaves with, according to conntrack: the
 * other direction's tuple, turned around. */
static bool final_headers(const struct story *s, const struct pkt_hdrs *last,
			  struct pkt_hdrs *out)
{
	const struct ct_tuple *t;

	if (!s->ct.have_entry)
		return false;
	t = s->ct.dir == 0 ? &s->ct.entry.reply : &s->ct.entry.orig;
	*out = *last;
	memcpy(&out->src, &t->dst, sizeof(out->src));
	memcpy(&out->dst, &t->src, sizeof(out->dst));
	if (has_ports(last)) {
		out->sport = t->dport;
		out->dport = t->sport;
	}
	return true;
}

/* The last headers a chain saw. */
static const struct pkt_hdrs *last_seen(const struct story *s)
{
	size_t i;

	for (i = s->nsteps; i-- > 0;)
		if (s->steps[i].kind == STEP_PACKET && s->steps[i].pkt.decoded)
			return &s->steps[i].pkt.hdrs;
	return s->have_first && s->first.decoded ? &s->first.hdrs : NULL;
}

bool story_final_headers(const struct story *s, struct pkt_hdrs *out)
{
	const struct pkt_hdrs *last = last_seen(s);

	if (!last)
		return false;
	if (!final_headers(s, last, out))
		*out = *last;
	return true;
}

void story_find_changes(struct story *s)
{
	const struct pkt_hdrs *prev = s->have_first && s->first.decoded ?
				      &s->first.hdrs : NULL;
	struct pkt_hdrs fin;
	size_t i;

	s->nchanges = 0;
	if (!prev)
		return;
	for (i = 0; i < s->nsteps; i++) {
		const struct story_step *st = &s->steps[i];

		if (st->kind != STEP_PACKET || !st->pkt.decoded)
			continue;
		diff(s, i, prev, &st->pkt.hdrs);
		prev = &st->pkt.hdrs;
	}
	/* Source NAT (and un-DNAT of replies) happens after the last chain
	 * saw the packet; conntrack's tuples tell what it became. */
	if (final_headers(s, prev, &fin)) {
		fin.tos = prev->tos;
		fin.ttl = prev->ttl;
		diff(s, s->nsteps, prev, &fin);
	}
}
