/* The packet's fate: which step decided it, or where it went. */
#include <ifaddrs.h>
#include <string.h>
#include <netinet/in.h>

#include "arm.h"
#include "story.h"

const char *fate_text(enum fate_kind k)
{
	switch (k) {
	case FATE_UNKNOWN: return "unknown";
	case FATE_DROP: return "DROP";
	case FATE_REJECT: return "REJECT";
	case FATE_QUEUE: return "QUEUE";
	case FATE_STOLEN: return "STOLEN";
	case FATE_LOCAL: return "ACCEPT, delivered locally";
	case FATE_FORWARDED: return "ACCEPT, forwarded";
	case FATE_SENT: return "ACCEPT, sent";
	case FATE_ACCEPTED: return "ACCEPT";
	case FATE_UNTOUCHED: return "ACCEPT";
	}
	return "?";
}

/* nft's reject and iptables' REJECT both reach the kernel as a drop. */
static bool is_reject(const struct story_step *st)
{
	return st->text && (strstr(st->text, "reject") || strstr(st->text, "-j REJECT"));
}

static bool decisive(const struct story_step *st)
{
	if (st->kind != STEP_RULE && st->kind != STEP_POLICY)
		return false;
	return st->verdict == EV_V_DROP || st->verdict == EV_V_STOLEN ||
	       (st->verdict >= 0 && (st->verdict & 0xff) == EV_V_QUEUE);
}

/* The interface the packet left by: the last one a chain saw. */
static void last_out(const struct story *s, char *out)
{
	size_t i;

	for (i = s->block->nevs; i-- > 0;) {
		const struct trace_event *ev = &s->block->evs[i];

		if ((ev->has & EV_HAS_OIF) && ev->oif &&
		    if_indextoname(ev->oif, out))
			return;
	}
	out[0] = '\0';
}

/* Is dst one of this namespace's addresses? Asked only when no chain
 * after prerouting saw the packet, so the answer is not on a hot path. */
static bool is_local_address(const struct pkt_hdrs *p)
{
	struct ifaddrs *ifa, *i;
	bool local = false;

	if (p->family == AF_INET && (ntohl(p->dst.v4.s_addr) >> 24) == 127)
		return true;
	if (getifaddrs(&ifa) < 0)
		return false;
	for (i = ifa; i && !local; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != p->family)
			continue;
		if (p->family == AF_INET)
			local = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr ==
				p->dst.v4.s_addr;
		else
			local = !memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
					&p->dst.v6, 16);
	}
	freeifaddrs(ifa);
	return local;
}

/* Where tracing began: our own chain is named after its hook. */
static enum hook origin(const struct story *s)
{
	size_t i;

	for (i = 0; i < s->block->nevs; i++)
		if (arm_is_own_table(s->block->evs[i].table))
			return hook_from_name(s->block->evs[i].chain);
	return HOOK_NONE;
}

/* The packet left the last chain with an accept, and no chain after it
 * was crossed: routing alone took it on. */
static enum fate_kind routed(const struct story *s, enum hook from)
{
	const struct pkt_view *v = &s->first;
	size_t i;

	if (from == HOOK_OUTPUT)
		return FATE_SENT;
	/* the latest headers: DNAT may have changed the destination */
	for (i = s->nsteps; i-- > 0;)
		if (s->steps[i].kind == STEP_PACKET) {
			v = &s->steps[i].pkt;
			break;
		}
	if (v->decoded && is_local_address(&v->hdrs))
		return FATE_LOCAL;
	return FATE_ACCEPTED;
}

void story_find_fate(struct story *s)
{
	struct story_fate *f = &s->fate;
	bool saw[HOOK_EGRESS + 1] = { false };
	const struct story_step *last = NULL;
	size_t i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < s->nsteps; i++) {
		const struct story_step *st = &s->steps[i];

		if (st->kind == STEP_PACKET)
			continue;
		if (st->hook != HOOK_NONE)
			saw[st->hook] = true;
		last = st;
		if (decisive(st)) {
			f->by = st;
			if (st->verdict == EV_V_DROP)
				f->kind = is_reject(st) ? FATE_REJECT : FATE_DROP;
			else
				f->kind = st->verdict == EV_V_STOLEN ? FATE_STOLEN : FATE_QUEUE;
			return;
		}
	}
	if (!last) {
		last_out(s, f->out);
		f->kind = routed(s, origin(s));
		if (f->kind == FATE_ACCEPTED)
			f->kind = FATE_UNTOUCHED;
		return;
	}
	/* Events stopped in the middle of a chain walk, not at a verdict. */
	if (last->verdict != EV_V_ACCEPT && last->kind != STEP_RETURN) {
		f->kind = FATE_UNKNOWN;
		f->by = last;
		return;
	}
	f->by = last;
	last_out(s, f->out);
	if (saw[HOOK_INPUT])
		f->kind = FATE_LOCAL;
	else if (saw[HOOK_FORWARD] || (saw[HOOK_PREROUTING] && saw[HOOK_POSTROUTING]))
		f->kind = FATE_FORWARDED;
	else if (saw[HOOK_OUTPUT])
		f->kind = FATE_SENT;
	else
		f->kind = routed(s, origin(s));
}
