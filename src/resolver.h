/* What the rulesets say about an event: its chain, its rule's position
 * and text in the syntax the user wrote it in, and for legacy events
 * the verdict (x_tables TRACE does not report one). Everything comes
 * from snapshots refreshed once per printed packet, never per event. */
#ifndef IPTT_RESOLVER_H
#define IPTT_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "event.h"
#include "ruleset.h"

struct rules_nft;
struct rules_xt;
struct ct_handle;

enum syntax { SYNTAX_AUTO, SYNTAX_NFT, SYNTAX_IPTABLES };

struct resolver {
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

/* Bring the snapshots up to date; once per printed packet. */
void resolver_sync(struct resolver *r);
/* The same for a block with legacy events, the last of which came at
 * since (CLOCK_MONOTONIC): legacy rule text is checked against the
 * kernel after that (rules_xt_fresh_since). False when it could not
 * be, and the legacy text may be older than the packet. */
bool resolver_sync_since(struct resolver *r, const struct timespec *since,
			 bool force);
struct block;
/* Either, as the block asks: true when its text may be trusted as
 * newer than its packet (always, without legacy events). */
bool resolver_sync_block(struct resolver *r, const struct block *b);
/* How long to hold such a block so that the check can run: 0 now. */
long resolver_hold_ms(const struct resolver *r, const struct timespec *since);

/* The nf_tables snapshot as it is (no re-read): for the receive path. */
const struct ruleset *resolver_nft_rules(struct resolver *r);

/* The chain an event happened in, NULL when unknown. */
const struct rs_chain *resolver_chain(struct resolver *r,
				      const struct trace_event *ev);

struct rule_view {
	unsigned int pos;		/* 0: unknown */
	const char *text;		/* NULL: unknown; valid until the next sync */
	enum syntax syntax;
};

/* The rule an event names: by handle for nf_tables, by position for
 * x_tables. Returns false when it is not in any snapshot. */
bool resolver_rule(struct resolver *r, const struct trace_event *ev,
		   struct rule_view *out);

/* The rule at position pos of the chain an event names (its source,
 * family, table and chain), in the current snapshot. */
bool resolver_rule_at(struct resolver *r, const struct trace_event *ev,
		      unsigned int pos, struct rule_view *out);

/* The verdict of an iptables rule, from its target: "-j ACCEPT",
 * "-j DNAT ..." (ACCEPT), "-j DROP"/"-j REJECT" (DROP), "-g CHAIN"
 * (goto), "-j RETURN", no target (continue). Any other target comes
 * back as a jump with its name in target. */
int32_t xt_rule_verdict(const char *text, char *target, size_t size);
/* The same for a legacy event's rule, where a "jump" to something that
 * is not a chain of the table is a non-terminal target (continue). */
int32_t resolver_xt_verdict(struct resolver *r, const struct trace_event *ev,
			    const char *text, char *target, size_t size);

/* Is there any traced base chain, nf_tables or legacy, that a packet
 * accepted by chain c may still cross? */
bool resolver_chain_after(struct resolver *r, uint8_t nfproto,
			  const struct rs_chain *c, bool first_packet);

#endif
