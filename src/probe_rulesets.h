/* The probe copy's ipsets and rulesets: everything read from the traced
 * namespace (or the --ruleset files) first, then loaded into the copy
 * in the order rules need: ipsets, native nftables, iptables-nft,
 * legacy iptables. */
#ifndef IPTT_PROBE_RULESETS_H
#define IPTT_PROBE_RULESETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nft_census.h"
#include "probe_int.h"
#include "probe_nft.h"
#include "probe_rsfile.h"
#include "ruleset.h"
#include "rules_xt.h"

struct probe_rs_file {
	const char *path;
	enum probe_rs_kind kind;
	char *text;
	size_t len;
	bool legacy;			/* iptables file for iptables-legacy-restore */
};

struct probe_rulesets {
	struct nft_census src;		/* the source's tables, chains, rule counts */
	/* its native tables, listed; NULL when a file replaces them */
	struct probe_nft_listing *native;
	/* tables iptables-nft-save prints (ip/ip6 filter, nat ...) */
	struct table_ref xt_tables[RULES_XT_MAX_TABLES];
	unsigned int n_xt;
	/* iptables-nft-save -t output of each of them; NULL when a file
	 * replaces the family's rules */
	char *xt_text[RULES_XT_MAX_TABLES];
	bool xtnft[2];			/* [0] IPv4, [1] IPv6: some xt_text */
	char *legacy[2];		/* iptables-legacy-save output */
	bool legacy_host[2];		/* the family's iptables tables are legacy ones */
	char *ipset;			/* ipset save output */
	struct probe_rs_file *files;
	size_t n_files;
	bool nft_replaced, xt_replaced[2];
};

int probe_rulesets_read(struct probe_ctx *c, const struct probe_ruleset_file *files,
			size_t n_files, struct probe_rulesets *rs);
int probe_rulesets_load(struct probe_ctx *c, const struct probe_rulesets *rs);
void probe_rulesets_free(struct probe_rulesets *rs);

/* ---- between probe_rulesets.c and probe_rs_check.c ---- */

/* the save (restore: the restore) tool of a flavour and family */
const char *probe_rs_tool(bool legacy, int v6, bool restore);
extern const uint8_t probe_rs_family[2];	/* [v6]: NFPROTO_IPV4, NFPROTO_IPV6 */
extern const char *const probe_rs_fam_word[2];	/* "IPv4", "IPv6" */

/* keep(family NFPROTO_*, table, arg) decides per table */
typedef bool (*probe_rs_keep)(uint8_t family, const char *table, const void *arg);
/* A table holding an anonymous chain ("jump { ... }") has no JSON
 * listing that loads (libnftables 1.0.6): refuse to copy it, or, when
 * only listing what a --ruleset file made, leave it out with a note. */
enum probe_rs_bound { PROBE_RS_BOUND_REFUSE, PROBE_RS_BOUND_NOTE };
/* The tables of cs that keep keeps, listed one by one into *out (set
 * even on failure, for the caller to free). Returns 0, or -1. */
int probe_rs_list_native(struct probe_ctx *c, const struct nft_census *cs,
			 probe_rs_keep keep, const void *arg,
			 enum probe_rs_bound bound, struct probe_nft_listing **out);

/* In the copy, after loading: the save tools' output of the copy against
 * the source's; then the chains to trim, with copy the copy's census
 * after it; then the opening line's counts and the notes. Each returns
 * 0, or -1 with the error written. */
int probe_rs_verify(struct probe_ctx *c, const struct probe_rulesets *rs);
int probe_rs_prune(struct probe_ctx *c, const struct probe_rulesets *rs,
		   struct nft_census *copy);
int probe_rs_count(struct probe_ctx *c, const struct probe_rulesets *rs,
		   const struct nft_census *copy);

#endif
