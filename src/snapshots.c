/* The only caller of the rule readers' re-reads and lazy loads
 * (rules_nft_get, rules_nft_chain, rules_nft_refresh, rules_nft_text,
 * rules_nft_xt_text, rules_xt_refresh, rules_xt_fresh_since). The
 * legacy reader's first read (snapshots_legacy_load) comes after the
 * armed line; app.c ends the run when it fails. The lookups over what
 * they loaded are the resolver's, and never read. */
#include "assemble.h"
#include "rules_nft.h"
#include "rules_xt.h"
#include "snapshots.h"
#include "summary.h"

/* Forget which iptables tables changed: iptables-nft text is read chain
 * by chain and kept per rule handle (rules_nft_xt_text), so nothing is
 * re-read for them here. */
static void forget_iptables_changes(struct resolver *r)
{
	struct table_ref changed[RULES_NFT_MAX_CHANGED];
	bool all;

	rules_nft_take_iptables_changes(r->nft, changed, &all);
}

/* An unread legacy snapshot is no snapshot: the view has none, and
 * says that one is pending. */
void snapshots_bind(struct resolver *r)
{
	bool legacy = r->legacy && rules_xt_loaded(r->legacy);

	r->view = (struct rules_view){
		.nft = r->nft ? rules_nft_current(r->nft) : NULL,
		.nft_prev = r->nft ? rules_nft_previous(r->nft) : NULL,
		.nft_replaced = r->nft ? rules_nft_replaced(r->nft) : NULL,
		.legacy = legacy ? rules_xt_get(r->legacy) : NULL,
		.legacy_prev = legacy ? rules_xt_previous(r->legacy) : NULL,
		.legacy_pending = r->legacy && !legacy,
	};
}

/* iptables-legacy-save takes 0.3 s and 120 MB at 100k rules (libiptc
 * holds the table's blob and a copy of each entry): not before the
 * armed line, but right after it, in app.c's reader thread. It touches
 * r->legacy only: the view is bound again once it is joined. */
int snapshots_legacy_load(struct resolver *r)
{
	if (!r->legacy || rules_xt_loaded(r->legacy))
		return 0;
	return rules_xt_refresh(r->legacy);
}

/* Read the chains now, not when the first packet arrives, and after
 * arming: creating our table changes the nf_tables generation, and a
 * snapshot from before would be re-read at the first packet. */
void snapshots_start(struct resolver *r)
{
	if (!r->nft)
		return;
	rules_nft_get(r->nft);
	forget_iptables_changes(r);
}

void snapshots_news(struct resolver *r)
{
	if (r->nft)
		rules_nft_changed(r->nft);
}

/* Once per ruleset change at most: re-reads list only the changed
 * chains, so this stays cheap, and without events nothing is read. */
void snapshots_before_events(struct resolver *r)
{
	if (r->nft)
		rules_nft_get(r->nft);
}

static void sync_nft(struct resolver *r)
{
	if (r->nft) {
		rules_nft_get(r->nft);
		forget_iptables_changes(r);
	}
}

/* Legacy text must come from a snapshot checked after the packet's
 * events came in: same-size edits show only in a blob hash. */
static bool sync_block(struct resolver *r, const struct block *b)
{
	sync_nft(r);
	if (!r->legacy)
		return true;
	if (b->has_xt)
		return rules_xt_fresh_since(r->legacy, &b->last, b->no_hold) == 1 &&
		       !rules_xt_unsure(r->legacy, &b->first);
	if (rules_xt_changed(r->legacy) == 1)
		rules_xt_refresh(r->legacy);
	return true;
}

void snapshots_drained(struct resolver *r, const struct timespec *round_start)
{
	if (r->nft)
		rules_nft_settle(r->nft, round_start);
}

long snapshots_hold_ms(const struct resolver *r, const struct timespec *since)
{
	return r->legacy ? rules_xt_deep_wait_ms(r->legacy, since) : 0;
}

/* The text the resolver will show for a rule of snapshot rs:
 * iptables-nft's where it is shown and the tool gives it, else nft's. */
static void load_text(struct resolver *r, const struct ruleset *rs,
		      const struct rs_rule *rule)
{
	if (resolver_wants_xt_text(r, rs, rule) &&
	    rules_nft_xt_text(r->nft, rs, rule))
		return;
	rules_nft_text(r->nft, rs, rule);
}

static void load_chain(struct resolver *r, const struct trace_event *ev)
{
	rules_nft_chain(r->nft, ev->family, ev->table, ev->chain);
}

/* A handle in neither snapshot: a rule added a moment ago, whose news
 * may still be on its way. Its table is re-read (at most every 100 ms,
 * and never a tracer's: rules_nft_refresh); the rules of the chain with
 * it. True when it re-read. */
static bool find_rule(struct resolver *r, const struct trace_event *ev)
{
	const struct ruleset *rs;

	load_chain(r, ev);
	if (!(ev->has & EV_HAS_HANDLE) || resolver_nft_rule(r, ev, &rs) ||
	    !rules_nft_refresh(r->nft, ev->family, ev->table))
		return false;
	/* positions may have moved: the iptables text must move with them */
	forget_iptables_changes(r);
	load_chain(r, ev);
	return true;
}

/* Two passes: the re-reads first, then the chains and texts of the
 * snapshots as they will stay for the story (a re-read of a whole
 * table leaves its chains' rules unread again: without one, the first
 * pass loaded them all). */
bool snapshots_prepare_block(struct resolver *r, const struct block *b)
{
	bool fresh = sync_block(r, b), reread = false;
	const struct ruleset *rs;
	const struct rs_rule *rule;
	size_t i;

	if (!r->nft)
		return fresh;
	for (i = 0; i < b->nevs; i++)
		if (!ev_traits(&b->evs[i])->legacy && find_rule(r, &b->evs[i]))
			reread = true;
	for (i = 0; i < b->nevs; i++) {
		const struct trace_event *ev = &b->evs[i];

		if (ev_traits(ev)->legacy)
			continue;
		if (reread)
			load_chain(r, ev);
		if ((ev->has & EV_HAS_HANDLE) && (rule = resolver_nft_rule(r, ev, &rs)))
			load_text(r, rs, rule);
	}
	return fresh;
}

void snapshots_prepare_summary(struct resolver *r, const struct summary *sm)
{
	const struct trace_event *key;
	const struct rs_chain *c;
	const struct rs_rule *rule;
	const struct ruleset *rs;
	unsigned int pos;
	size_t i;

	if (!r->nft)
		return;
	for (i = 0; (key = summary_chain_key(sm, i)); i++) {
		if (ev_traits(key)->legacy)
			continue;
		load_chain(r, key);
		rs = resolver_nft_rules(r);
		c = ruleset_chain(rs, key->family, key->table, key->chain);
		for (pos = 1; c && pos <= c->nrules; pos++)
			if ((rule = ruleset_rule_by_pos(rs, key->family, key->table,
							key->chain, pos)))
				load_text(r, rs, rule);
	}
}
