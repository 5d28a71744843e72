/* What the rulesets say about an event: its chain, its rule's position
 * and text in the syntax the user wrote it in, and for legacy events
 * the verdict (x_tables TRACE does not report one). Lookups only, over
 * the snapshots as they are (struct rules_view): nothing here reads,
 * re-reads or spawns. snapshots.c alone does that: the chain lists at
 * start and on ruleset news, and before a block's story
 * (snapshots_prepare_block) the rules and text of all the block names.
 * A lookup that finds nothing loaded answers "unknown". */
#ifndef IPTT_RESOLVER_H
#define IPTT_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include "event.h"
#include "ruleset.h"

struct rules_nft;
struct rules_xt;
struct ct_handle;

enum syntax { SYNTAX_AUTO, SYNTAX_NFT, SYNTAX_IPTABLES };

/* What the lookups read: the snapshots as they are. snapshots_bind()
 * points it at the readers' own (their addresses stay while the
 * readers are open; a re-read changes what is there); a test may point
 * it at rulesets of its own. NULL: no such ruleset. */
struct nft_replaced;

struct rules_view {
	const struct ruleset *nft, *nft_prev;		/* nf_tables */
	const struct nft_replaced *nft_replaced;	/* rules replaced in place */
	const struct ruleset *legacy, *legacy_prev;	/* x_tables */
	/* legacy tables are traced but not read yet (legacy is NULL):
	 * any of their chains may follow any chain */
	bool legacy_pending;
};

struct resolver {
	struct rules_view view;		/* all that the lookups below read */
	/* The readers: app.c opens and closes them, snapshots.c alone
	 * reads through them (the lookups only ask whether iptnft is
	 * there, i.e. whether iptables syntax is wanted). */
	struct rules_nft *nft;		/* NULL without nf_tables */
	struct rules_xt *legacy;	/* NULL unless legacy tables are traced */
	struct rules_xt *iptnft;	/* NULL unless iptables-nft rules are
					 * shown in iptables syntax */
	struct ct_handle *ct;		/* NULL: no conntrack lookups */
	enum syntax syntax;
	/* [0] IPv4, [1] IPv6: some event of this run carried conntrack
	 * attributes, so conntrack is at work for the family: a packet
	 * without them after conntrack's hook is one it found invalid. */
	bool ct_seen[2];
	/* our rules whose event names an IPv6 upper protocol (arm.h), in
	 * our inet table */
	char l4_table[64];
	uint64_t l4_handle[16];
	uint8_t l4_proto[16];
	unsigned int n_l4;
};

/* The nf_tables snapshot as it is: no re-read. */
const struct ruleset *resolver_nft_rules(const struct resolver *r);

/* The chain an event happened in, NULL when unknown. */
const struct rs_chain *resolver_chain(const struct resolver *r,
				      const struct trace_event *ev);

struct rule_view {
	unsigned int pos;		/* 0: unknown */
	const char *text;		/* NULL: unknown; valid until snapshots.c
					 * reads again */
	enum syntax syntax;
	bool may_be_stale;		/* the rule was replaced in place, maybe
					 * after the packet crossed it */
};

/* The rule an event names: by handle for nf_tables, by position for
 * x_tables. Returns false when it is not in any snapshot. */
bool resolver_rule(const struct resolver *r, const struct trace_event *ev,
		   struct rule_view *out);

/* The rule at position pos of the chain an event names (its source,
 * family, table and chain), in the current snapshot. */
bool resolver_rule_at(const struct resolver *r, const struct trace_event *ev,
		      unsigned int pos, struct rule_view *out);

/* For snapshots.c, which loads what the lookups above read. The
 * nf_tables rule an event names, by handle: in the current snapshot,
 * else in the previous one (a rule deleted since the packet crossed
 * it); *rs says which. NULL when in neither. */
const struct rs_rule *resolver_nft_rule(const struct resolver *r,
					const struct trace_event *ev,
					const struct ruleset **rs);
/* Is an nf_tables rule (of snapshot rs) shown as iptables-nft prints
 * it, when that text can be had? */
bool resolver_wants_xt_text(const struct resolver *r, const struct ruleset *rs,
			    const struct rs_rule *rule);

/* What a legacy event decided. x_tables TRACE names the rule, not its
 * verdict; "return" and "policy" events at a position inside the chain
 * are an unconditional rule there, and report that rule. */
enum xt_kind { XT_RULE, XT_POLICY, XT_RETURN };

struct xt_meaning {
	enum xt_kind kind;
	int32_t verdict;
	const char *target;		/* a jump's or goto's chain, else "" */
	struct rule_view rule;
	bool own;			/* our own TRACE rule (fallback mode) */
};

void resolver_xt_meaning(const struct resolver *r, const struct trace_event *ev,
			 struct xt_meaning *m);

/* Is there any traced base chain, nf_tables or legacy, that a packet
 * accepted by chain c may still cross? Yes while the legacy tables are
 * not read (view.legacy_pending). */
bool resolver_chain_after(const struct resolver *r, uint8_t nfproto,
			  const struct rs_chain *c, bool first_packet);

#endif
