/* nf_tables rules replaced in place. `nft replace rule` and
 * `iptables-nft -R` keep the rule's handle (the kernel takes the handle
 * the request names, and notifies DELRULE then NEWRULE of it in one
 * generation), so the text behind a handle can change. A packet that
 * crossed such a rule may have met the old one until every event queued
 * before the change has been read: its text may be stale until then,
 * and a text kept from before the change is never kept again. */
#ifndef IPTT_NFT_REPLACED_H
#define IPTT_NFT_REPLACED_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define NFT_REPLACED_MAX	64
#define NFT_REPLACED_PENDING	64

/* One nf_tables rule, as its notifications name it. */
struct nft_rule_ref {
	uint8_t family;
	char table[256];
	uint64_t handle;
};

struct nft_replacement {
	struct nft_rule_ref rule;
	struct timespec learned;	/* CLOCK_REALTIME, as event times */
	bool settled;
	struct timespec settled_at;	/* events received after this met
					 * the new rule */
};

struct nft_replaced {
	/* DELRULE handles of the generation being notified: a NEWRULE of
	 * one of them is a replacement */
	struct nft_rule_ref pending[NFT_REPLACED_PENDING];
	unsigned int npending;
	bool pending_lost;		/* more than fit: any NEWRULE may be one */
	struct nft_replacement r[NFT_REPLACED_MAX];	/* a ring, newest last */
	unsigned int n, next;
	/* Which rules changed is unknown (the change socket overran, or the
	 * ring overflowed): every rule is taken as replaced until then. */
	struct nft_replacement all;
	bool have_all;
};

/* From the change notifications, in their order. */
void nft_replaced_deleted(struct nft_replaced *nr, uint8_t family,
			  const char *table, uint64_t handle);
/* Returns true when (family, table, handle) was deleted earlier in the
 * same generation: replaced, and now recorded. */
bool nft_replaced_created(struct nft_replaced *nr, uint8_t family,
			  const char *table, uint64_t handle);
void nft_replaced_new_generation(struct nft_replaced *nr);
void nft_replaced_lost_track(struct nft_replaced *nr);

/* Every event source was read empty by a round that began at
 * round_start (CLOCK_REALTIME) and ended at now: what was learned
 * before round_start is settled at now. */
void nft_replaced_settle(struct nft_replaced *nr,
			 const struct timespec *round_start,
			 const struct timespec *now);

/* Was rule (family, table, handle) replaced at learned or later? For
 * keeping texts across a re-read: since is when that text was read. */
bool nft_replaced_since(const struct nft_replaced *nr, uint8_t family,
			const char *table, uint64_t handle,
			const struct timespec *since);
/* May a packet's event received at ts, naming that rule, have met the
 * rule as it was before a replacement? */
bool nft_replaced_may_be_older(const struct nft_replaced *nr, uint8_t family,
			       const char *table, uint64_t handle,
			       const struct timespec *ts);

#endif
