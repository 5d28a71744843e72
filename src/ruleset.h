/* The ruleset as the tool needs it to explain a trace: for every chain
 * its hook and priority, for every rule its 1-based position and text.
 * Shared by the nf_tables reader (rules_nft.c) and the x_tables reader
 * (rules_xt.c); both fill a struct ruleset the same way. */
#ifndef IPTT_RULESET_H
#define IPTT_RULESET_H

#include <stdbool.h>
#include <stdint.h>

enum hook {
	HOOK_NONE = -1,			/* a user chain */
	HOOK_PREROUTING, HOOK_INPUT, HOOK_FORWARD, HOOK_OUTPUT,
	HOOK_POSTROUTING, HOOK_INGRESS, HOOK_EGRESS,
};

struct rs_chain {
	uint8_t family;			/* NFPROTO_* */
	char *table, *name;
	enum hook hook;
	int32_t prio;
	int policy;			/* NF_ACCEPT/NF_DROP for base chains */
	bool nat;			/* consulted only for a connection's first packet */
	bool xt_builtin;		/* xt_builtin_chain(): decided once, it is
					 * asked for every step shown */
	/* Of an ip or ip6 table of iptables' names whose base chains are
	 * all iptables' own, as iptables-nft-save shows a table: decided
	 * by ruleset_index(), as it too is asked for every step */
	bool xt_table;
	unsigned int nrules;
	/* nf_tables: rule text is read the first time a rule of the chain
	 * is shown (text_read then), not with the snapshot; it is kept for
	 * as long as the table (table_handle) lives, since nothing changes
	 * under a rule handle. */
	uint64_t table_handle;
	bool text_read;
	bool xt_read;			/* the same for xt_text */
	/* nf_tables: the chain's rules are not read yet (nrules is 0
	 * then); rules_nft reads them when an event names the chain */
	bool rules_unread;
};

struct rs_rule {
	uint32_t chain;			/* index into chains */
	/* x_tables: what the target does, read from the text when the
	 * snapshot is indexed (a legacy event names its rule, not its
	 * verdict, and asks for it two or three times): an EV_V_* verdict;
	 * a jump's or goto's chain, by name, in this snapshot, else NULL
	 * (a jump to no chain is a non-terminal target: continue) */
	int32_t xt_verdict;
	uint64_t handle;		/* nft handle; 0 for x_tables */
	unsigned int pos;		/* 1-based */
	bool xt_own;			/* x_tables: one of our own TRACE rules */
	char *text;			/* NULL when it could not be told for sure */
	char *xt_text;			/* nf_tables: as iptables-nft prints it */
	const char *xt_target;
};

/* A table, as change notifications and re-reads name it. */
struct table_ref {
	uint8_t family;
	char name[256];
};

/* The last chain and rule lookups, by where the names were: a packet's
 * events ask for their chains and rules two or three times over (path
 * ends, the block's reads, the story), and hashing the names each time
 * was a tenth of our instructions. An entry counts only when its names
 * (and handle) are still those. */
#define RS_MEMO_BITS	6
#define RS_MEMO		(1u << RS_MEMO_BITS)

struct rs_chain_memo {
	const char *table, *chain;	/* the names asked with */
	uint32_t index;			/* + 1: 0 is an empty entry */
};

struct rs_rule_memo {
	const char *table;		/* the name asked with */
	uint64_t handle;
	uint32_t index;			/* + 1: 0 is an empty entry */
};

struct ruleset {
	struct rs_chain *chains;
	struct rs_rule *rules;
	uint32_t nchains, nrules, cap_chains, cap_rules;
	/* open-addressing indexes; 0 = empty, else index + 1 */
	uint32_t *chain_idx, *handle_idx, *pos_idx;
	uint32_t idx_size;
	uint32_t *base;			/* indexes of base chains */
	uint32_t nbase;
	/* RS_MEMO entries each, from ruleset_index */
	struct rs_chain_memo *chain_memo;
	struct rs_rule_memo *rule_memo;
};

void ruleset_init(struct ruleset *rs);
void ruleset_clear(struct ruleset *rs);

/* Builders. Return the new chain's index, or -1 on ENOMEM. */
int ruleset_add_chain(struct ruleset *rs, uint8_t family, const char *table,
		      const char *name, enum hook hook, int32_t prio, int policy);
/* Appends to the chain; the position is the chain's rule count + 1.
 * text may be NULL: the rule is known, its text is not. */
int ruleset_add_rule(struct ruleset *rs, uint32_t chain, uint64_t handle,
		     const char *text);
/* Append every chain of from, with its rules, for which keep() is true
 * (indexes are not rebuilt). Returns 0, or -1 on ENOMEM. */
int ruleset_copy_if(const struct ruleset *from, struct ruleset *to,
		    bool (*keep)(const struct rs_chain *c, const void *arg),
		    const void *arg);
/* Is (family, table) one of tables[0..n)? For ruleset_copy_if. */
bool table_ref_has(const struct table_ref *tables, unsigned int n,
		   uint8_t family, const char *table);

/* Build the lookup indexes once all chains and rules are in. */
int ruleset_index(struct ruleset *rs);
/* Rules from index first on were added since: index them too. */
int ruleset_index_rules(struct ruleset *rs, uint32_t first);

const struct rs_chain *ruleset_chain(const struct ruleset *rs, uint8_t family,
				     const char *table, const char *chain);
const struct rs_rule *ruleset_rule_by_handle(const struct ruleset *rs,
					     uint8_t family, const char *table,
					     uint64_t handle);
const struct rs_rule *ruleset_rule_by_pos(const struct ruleset *rs,
					  uint8_t family, const char *table,
					  const char *chain, unsigned int pos);

/* Is there a base chain of a family that sees nfproto packets, other
 * than those for which skip() is true, that a packet accepted by a
 * chain at (hook, prio) can still cross? Without first_packet, nat
 * chains do not count: conntrack skips them for later packets. Two
 * chains at (hook, prio) itself count as one that may follow. */
bool ruleset_chain_after(const struct ruleset *rs, uint8_t nfproto,
			 enum hook hook, int32_t prio, bool first_packet,
			 bool (*skip)(const struct rs_chain *c));
/* How many of those chains are at (hook, prio) itself. */
unsigned int ruleset_chains_at(const struct ruleset *rs, uint8_t nfproto,
			       enum hook hook, int32_t prio, bool first_packet,
			       bool (*skip)(const struct rs_chain *c));

enum hook hook_from_name(const char *name);
/* a chain's NFTA_HOOK_HOOKNUM in a family (NFPROTO_*) */
enum hook hook_from_nft(uint8_t family, uint32_t hooknum);
const char *hook_name(enum hook h);
uint8_t family_from_name(const char *name);
const char *family_name(uint8_t family);

#endif
