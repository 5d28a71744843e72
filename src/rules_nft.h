/* The nf_tables ruleset: chains and rule positions from the kernel's
 * objects, rule text as `nft list` prints it (nft_read.c); re-read, table
 * or chain at a time, when change notifications name what changed. */
#ifndef IPTT_RULES_NFT_H
#define IPTT_RULES_NFT_H

#include <time.h>
#include "ruleset.h"

struct nft_replaced;

struct rules_nft;

struct rules_nft *rules_nft_open(void);
void rules_nft_close(struct rules_nft *r);

/* Readable when the ruleset changed; call rules_nft_changed() then. */
int rules_nft_fd(const struct rules_nft *r);
void rules_nft_changed(struct rules_nft *r);

/* The current snapshot, re-read first if the ruleset changed. */
const struct ruleset *rules_nft_get(struct rules_nft *r);
/* The current snapshot as it is, with no re-read: for lookups that
 * must not read (the resolver), after snapshots.c has. */
const struct ruleset *rules_nft_current(const struct rules_nft *r);
/* The snapshot before the last re-read: the text of a rule deleted
 * since the packet crossed it is still there. */
const struct ruleset *rules_nft_previous(const struct rules_nft *r);
/* The rules replaced in place (nft_replaced.h), for the lookups. */
const struct nft_replaced *rules_nft_replaced(const struct rules_nft *r);
/* Every event source was read empty in a round that began at
 * round_start (CLOCK_REALTIME): the replacements learned before it are
 * behind every event read from now on. */
void rules_nft_settle(struct rules_nft *r, const struct timespec *round_start);
/* A handle of (family, table) was not found: re-read what changed, or
 * that table if nothing is known to have changed (the notification may
 * still be on its way); at most every 100 ms. True when the snapshot
 * was read again. A tracer's table is never in it: nothing is read. */
bool rules_nft_refresh(struct rules_nft *r, uint8_t family, const char *table);
/* The tables iptables-nft may own (ip/ip6 filter, nat, mangle, raw,
 * security) that re-reads covered since the last call: their
 * iptables-nft-save text is stale. Fills out (RULES_NFT_MAX_CHANGED
 * entries) and returns how many; *all when it lost track. */
/* A chain of the current snapshot, with its rules read if they were not
 * yet (rules_unread): what an event that names it needs. */
const struct rs_chain *rules_nft_chain(struct rules_nft *r, uint8_t family,
				       const char *table, const char *chain);
/* The text of a rule of rs (rules_nft_get() or rules_nft_previous()),
 * as nft prints it: read from nft, for its whole chain, the first time
 * it is asked for, and kept with the snapshot. NULL when it cannot be
 * told for sure. */
const char *rules_nft_text(struct rules_nft *r, const struct ruleset *rs,
			   const struct rs_rule *rule);
/* The same as iptables-nft prints it (`iptables-nft -t TABLE -S
 * CHAIN`), for a rule of a table with one of iptables' names. NULL when
 * the tool refuses the chain (native nft in it) or its listing cannot
 * be proved to be of these very rules. */
const char *rules_nft_xt_text(struct rules_nft *r, const struct ruleset *rs,
			      const struct rs_rule *rule);
#define RULES_NFT_MAX_CHANGED	16
unsigned int rules_nft_take_iptables_changes(struct rules_nft *r,
					     struct table_ref *out, bool *all);

#endif
