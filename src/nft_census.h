/* Every nf_tables table of the current namespace, its chains and how
 * many rules each chain holds: three netlink dumps (tables, chains,
 * rules) and no rule expression parsed. A listing through libnftables
 * says the same in seconds at 16k rules; this takes tens of ms. */
#ifndef IPTT_NFT_CENSUS_H
#define IPTT_NFT_CENSUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "name_index.h"
#include "ruleset.h"

struct nft_census_chain {
	char *name;
	unsigned int rules;
	/* an anonymous chain that a rule binds ("jump { ... }"): nft
	 * lists it inside that rule, not as a chain of its own */
	bool bound;
	enum hook hook;			/* HOOK_NONE: not a base chain */
	int32_t prio;
};

struct nft_census_table {
	uint8_t family;			/* NFPROTO_* */
	char *name;
	/* as nft lists them: without bound chains and their rules */
	unsigned int chains, rules;
	struct nft_census_chain *c;	/* in the kernel's order */
	size_t n, cap;
	struct name_index idx;		/* chain names: a kube-proxy table has thousands */
};

struct nft_census {
	struct nft_census_table *t;	/* in the kernel's order: the order made */
	size_t n, cap;
	size_t last_t, last_c;		/* rules arrive table by table, chain by chain */
	bool nomem;
};

/* Read the census of the current namespace into cs (zeroed by it):
 * the tables and chains, and with rules the rule counts too (the one
 * dump of the three that costs: the kernel fills in every expression).
 * Without it every count of rules is 0. Interrupted dumps are retried.
 * Returns 0, or -1 with errno set. */
int nft_census_read(struct nft_census *cs, bool rules);
/* The rule counts of a census read without them (cs stays as it was
 * on failure but for its counts). Returns 0, or -1 with errno set. */
int nft_census_rules(struct nft_census *cs);
void nft_census_free(struct nft_census *cs);

const struct nft_census_table *nft_census_table(const struct nft_census *cs,
						uint8_t family, const char *name);
const struct nft_census_chain *nft_census_chain(const struct nft_census_table *t,
						const char *name);

/* How many rules one chain holds now. Returns 0, or -1 with errno. */
int nft_census_count_rules(uint8_t family, const char *table, const char *chain,
			   unsigned int *n);

#endif
