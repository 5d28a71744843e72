#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "arm.h"
#include "assemble.h"
#include "resolver.h"
#include "rules_nft.h"
#include "rules_xt.h"
#include "xt_tables.h"
#include <linux/netfilter.h>	/* after the libc headers it clashes with */

static const struct ruleset empty;

/* Forget which iptables tables changed: their text goes by handle. */
static void sync_iptables_text(struct resolver *r)
{
	struct table_ref changed[RULES_NFT_MAX_CHANGED];
	unsigned int n;
	bool all;

	/* iptables-nft text is read chain by chain, kept per rule handle
	 * (rules_nft_xt_text): nothing to re-read here */
	n = rules_nft_take_iptables_changes(r->nft, changed, &all);
	(void)n;
}

void resolver_sync(struct resolver *r)
{
	if (r->nft) {
		rules_nft_get(r->nft);
		sync_iptables_text(r);
	}
	if (r->legacy && rules_xt_changed(r->legacy) == 1)
		rules_xt_refresh(r->legacy);
}

bool resolver_sync_since(struct resolver *r, const struct timespec *since,
			 bool force)
{
	if (!r->legacy) {
		resolver_sync(r);
		return true;
	}
	if (r->nft) {
		rules_nft_get(r->nft);
		sync_iptables_text(r);
	}
	return rules_xt_fresh_since(r->legacy, since, force) == 1;
}

/* Legacy text must come from a snapshot checked after the packet's
 * events came in: same-size edits show only in a blob hash. */
bool resolver_sync_block(struct resolver *r, const struct block *b)
{
	if (b->has_xt)
		return resolver_sync_since(r, &b->last, b->no_hold);
	resolver_sync(r);
	return true;
}

long resolver_hold_ms(const struct resolver *r, const struct timespec *since)
{
	return r->legacy ? rules_xt_deep_wait_ms(r->legacy, since) : 0;
}

/* This may re-read on the receive path, once per ruleset change: a
 * packet's block must be judged, and its positions taken, against the
 * ruleset it crossed, not one read after later changes. Re-reads list
 * only the changed chains, so this stays cheap. */
const struct ruleset *resolver_nft_rules(struct resolver *r)
{
	return r->nft ? rules_nft_get(r->nft) : &empty;
}

const struct rs_chain *resolver_chain(struct resolver *r,
				      const struct trace_event *ev)
{
	if (ev_traits(ev)->legacy)
		return r->legacy ? ruleset_chain(rules_xt_get(r->legacy), ev->family,
						 ev->table, ev->chain) : NULL;
	return r->nft ? rules_nft_chain(r->nft, ev->family, ev->table, ev->chain)
		      : NULL;
}

/* By handle; a rule deleted since the packet crossed it is still in the
 * previous snapshot, and one added a moment ago may need a re-read. */
static const struct rs_rule *nft_rule(struct resolver *r,
				      const struct trace_event *ev,
				      const struct ruleset **rs)
{
	const struct rs_rule *rule;

	if (!r->nft)
		return NULL;
	rules_nft_chain(r->nft, ev->family, ev->table, ev->chain);
	*rs = rules_nft_get(r->nft);
	if ((rule = ruleset_rule_by_handle(*rs, ev->family, ev->table, ev->handle)))
		return rule;
	*rs = rules_nft_previous(r->nft);
	if ((rule = ruleset_rule_by_handle(*rs, ev->family, ev->table, ev->handle)))
		return rule;
	rules_nft_refresh(r->nft, ev->family, ev->table);
	/* positions may have moved: the iptables text must move with them */
	sync_iptables_text(r);
	rules_nft_chain(r->nft, ev->family, ev->table, ev->chain);
	*rs = rules_nft_get(r->nft);
	return ruleset_rule_by_handle(*rs, ev->family, ev->table, ev->handle);
}

/* The same rule as iptables-nft prints it, for a table of iptables'
 * names: same table, chain and position, since iptables-nft keeps one
 * nft rule per iptables rule. Read chain by chain when first shown. */
static bool iptables_table(const char *table)
{
	return xt_table_find(table) != NULL;
}

/* Would iptables-nft have made this base chain itself: one of the
 * table's built-in chains, at its own hook and priority? */
static bool builtin_chain(const struct rs_chain *c)
{
	const struct xt_table *t = xt_table_find(c->table);
	const char *h = hook_name(c->hook), *n = c->name;

	if (c->hook < HOOK_PREROUTING || c->hook > HOOK_POSTROUTING)
		return false;
	/* its name is the hook's, in capitals: "FORWARD", not "forward" */
	for (; *h && *n == toupper((unsigned char)*h); h++, n++)
		;
	if (*h || *n)
		return false;
	return t && (t->hooks & 1u << c->hook) && c->prio == xt_table_prio(t, c->hook);
}

/* iptables-nft-save leaves out a table with a base chain it did not
 * make ("contains incompatible base-chains"): its rules keep their nft
 * text, as they did when that save was our source. */
static bool iptables_base_chains(const struct ruleset *rs, uint8_t family,
				 const char *table)
{
	uint32_t i;

	for (i = 0; i < rs->nbase; i++) {
		const struct rs_chain *c = &rs->chains[rs->base[i]];

		if (c->family == family && !strcmp(c->table, table) &&
		    !builtin_chain(c))
			return false;
	}
	return true;
}

static const char *iptables_text(struct resolver *r, const struct trace_event *ev,
				 const struct ruleset *rs, const struct rs_rule *rule)
{
	if (!r->iptnft || r->syntax == SYNTAX_NFT ||
	    (ev->family != NFPROTO_IPV4 && ev->family != NFPROTO_IPV6) ||
	    !iptables_table(ev->table) ||
	    !iptables_base_chains(rs, ev->family, ev->table))
		return NULL;
	return rules_nft_xt_text(r->nft, rs, rule);
}

bool resolver_rule(struct resolver *r, const struct trace_event *ev,
		   struct rule_view *out)
{
	const struct ruleset *rs;
	const struct rs_rule *rule = NULL;

	memset(out, 0, sizeof(*out));
	if (ev_traits(ev)->legacy) {
		if (!r->legacy)
			return false;
		rule = ruleset_rule_by_pos(rules_xt_get(r->legacy), ev->family,
					   ev->table, ev->chain, ev->rulenum);
		if (!rule)
			rule = ruleset_rule_by_pos(rules_xt_previous(r->legacy),
						   ev->family, ev->table, ev->chain,
						   ev->rulenum);
		if (!rule)
			return false;
		out->pos = rule->pos;
		out->text = rule->text;
		out->syntax = SYNTAX_IPTABLES;
		return true;
	}
	if (!(ev->has & EV_HAS_HANDLE) || !(rule = nft_rule(r, ev, &rs)))
		return false;
	out->pos = rule->pos;
	out->text = iptables_text(r, ev, rs, rule);
	out->syntax = out->text ? SYNTAX_IPTABLES : SYNTAX_NFT;
	if (!out->text)
		out->text = rules_nft_text(r->nft, rs, rule);
	return true;
}

/* The word after " -j " or " -g " (or at the start of the text). */
bool resolver_rule_at(struct resolver *r, const struct trace_event *ev,
		      unsigned int pos, struct rule_view *out)
{
	const struct ruleset *rs;
	const struct rs_rule *rule;
	const struct rs_chain *c;

	memset(out, 0, sizeof(*out));
	if (ev_traits(ev)->legacy) {
		if (!r->legacy)
			return false;
		rule = ruleset_rule_by_pos(rules_xt_get(r->legacy), ev->family,
					   ev->table, ev->chain, pos);
		if (!rule)
			return false;
		out->pos = pos;
		out->text = rule->text;
		out->syntax = SYNTAX_IPTABLES;
		return true;
	}
	if (!r->nft)
		return false;
	c = rules_nft_chain(r->nft, ev->family, ev->table, ev->chain);
	rs = resolver_nft_rules(r);
	rule = ruleset_rule_by_pos(rs, ev->family, ev->table, ev->chain, pos);
	if (!c || !rule)
		return false;
	out->pos = pos;
	out->text = iptables_text(r, ev, rs, rule);
	out->syntax = out->text ? SYNTAX_IPTABLES : SYNTAX_NFT;
	if (!out->text)
		out->text = rules_nft_text(r->nft, rs, rule);
	return true;
}

static const char *option_arg(const char *text, const char *opt, char *buf,
			      size_t size)
{
	const char *p = text;
	size_t n = strlen(opt), i = 0;

	while ((p = strstr(p, opt))) {
		if ((p == text || p[-1] == ' ') && p[n] == ' ')
			break;
		p += n;
	}
	if (!p)
		return NULL;
	for (p += n + 1; *p && !isspace((unsigned char)*p) && i + 1 < size; p++)
		buf[i++] = *p;
	buf[i] = '\0';
	return buf;
}

int32_t xt_rule_verdict(const char *text, char *target, size_t size)
{
	/* NAT targets end the nat table's walk like ACCEPT does */
	static const char *const accepting[] = {
		"ACCEPT", "DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP",
	};
	char word[64];
	size_t i;

	if (size)
		target[0] = '\0';
	if (!text)
		return EV_V_CONTINUE;
	if (option_arg(text, "-g", word, sizeof(word))) {
		snprintf(target, size, "%s", word);
		return EV_V_GOTO;
	}
	if (!option_arg(text, "-j", word, sizeof(word)))
		return EV_V_CONTINUE;	/* a rule without a target only counts */
	if (!strcmp(word, "DROP") || !strcmp(word, "REJECT"))
		return EV_V_DROP;
	if (!strcmp(word, "RETURN"))
		return EV_V_RETURN;
	if (!strcmp(word, "QUEUE") || !strcmp(word, "NFQUEUE"))
		return EV_V_QUEUE;
	for (i = 0; i < sizeof(accepting) / sizeof(accepting[0]); i++)
		if (!strcmp(word, accepting[i]))
			return EV_V_ACCEPT;
	/* A user chain or a non-terminal extension target (MARK, LOG, ...):
	 * the caller knows which chains exist. */
	snprintf(target, size, "%s", word);
	return EV_V_JUMP;
}

int32_t resolver_xt_verdict(struct resolver *r, const struct trace_event *ev,
			    const char *text, char *target, size_t size)
{
	int32_t v = xt_rule_verdict(text, target, size);

	if (v == EV_V_JUMP && (!r->legacy ||
	    !ruleset_chain(rules_xt_get(r->legacy), ev->family, ev->table, target))) {
		target[0] = '\0';
		return EV_V_CONTINUE;
	}
	return v;
}

static bool skip_own(const struct rs_chain *c)
{
	return arm_is_own_table(c->table);
}

bool resolver_chain_after(struct resolver *r, uint8_t nfproto,
			  const struct rs_chain *c, bool first_packet)
{
	if (ruleset_chain_after(resolver_nft_rules(r), nfproto, c->hook, c->prio,
				first_packet, skip_own))
		return true;
	return r->legacy && ruleset_chain_after(rules_xt_get(r->legacy), nfproto,
						c->hook, c->prio, first_packet, NULL);
}
