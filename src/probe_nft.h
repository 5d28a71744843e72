/* Native nftables tables for the probe copy, as JSON through
 * libnftables. JSON keeps every name a string value: a table, chain or
 * comment holding ';', quotes or a newline stays data, where the text
 * syntax would parse it (see tests/netns/hostile_names.bats). */
#ifndef IPTT_PROBE_NFT_H
#define IPTT_PROBE_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "nft -j list ruleset" of the current namespace (malloc'd). Returns
 * NULL with nft's own first line of error in msg. */
char *probe_nft_list(char *msg, size_t msglen);
struct json_t;

/* The last two listings the functions below parsed, keyed by their
 * text (see load() in probe_nft.c). All zero is empty. */
struct probe_nft_cache {
	struct probe_nft_parsed {
		char *text;
		size_t len;
		struct json_t *root;
	} slot[2];
	unsigned int next;
};

/* Drop the parsed listings kept in cache. */
void probe_nft_forget(struct probe_nft_cache *cache);

/* keep(family NFPROTO_*, table, arg) decides per table. */
typedef bool (*probe_nft_keep)(uint8_t family, const char *table, const void *arg);

/* The list with only the objects of kept tables (and the metainfo),
 * as one line of JSON (malloc'd); *ntables gets how many tables stayed.
 * NULL on a list that does not parse (EINVAL) or ENOMEM. */
char *probe_nft_filter(struct probe_nft_cache *cache,
		       const char *json, probe_nft_keep keep, const void *arg,
		       unsigned int *ntables);

/* Load JSON / an nft file into the current namespace's nf_tables.
 * Returns 0, or -1 with nft's own first error line in msg. */
int probe_nft_load_json(const char *json, char *msg, size_t msglen);
int probe_nft_load_file(const char *path, char *msg, size_t msglen);

struct probe_nft_counts {
	unsigned int tables, chains, rules;
};

/* Count the objects of kept tables (keep NULL: all); note(line, arg) gets
 * one "note: ..." line per rule that uses state a copy lacks. Returns 0,
 * or -1 (EINVAL: not an nft list, ENOMEM). */
int probe_nft_scan(struct probe_nft_cache *cache,
		   const char *json, probe_nft_keep keep, const void *arg,
		   struct probe_nft_counts *cnt,
		   int (*note)(const char *line, void *narg), void *narg);

/* cb(family, table, arg) for each table of a list, in its order (the
 * order the tables were made in). Returns 0, or -1 (EINVAL). */
int probe_nft_tables(struct probe_nft_cache *cache, const char *json,
		     void (*cb)(uint8_t family, const char *table, void *arg),
		     void *arg);

/* cb(family, table, chain, hook, priority, arg) for each base chain of
 * a list; cb's -1 stops. Returns 0, or -1 (EINVAL, or cb's). */
int probe_nft_base_chains(struct probe_nft_cache *cache, const char *json,
			  int (*cb)(uint8_t family, const char *table, const char *chain,
				    const char *hook, int32_t prio, void *arg),
			  void *arg);

/* cb(family, table, chains, rules, arg) for each table of a list, with
 * its chain and rule counts, all from one parse: for checking what a
 * save tool printed against the kernel's own count. Returns 0, or -1
 * (EINVAL, ENOMEM). */
int probe_nft_table_sizes(struct probe_nft_cache *cache, const char *json,
			  void (*cb)(uint8_t family, const char *table,
				     unsigned int chains, unsigned int rules, void *arg),
			  void *arg);

/* JSON commands deleting the empty chains of kept tables that the copy
 * has and the source has not (NULL when there are none): iptables-nft
 * makes a built-in chain only when a rule needs it, but its restore
 * makes them all, and each would be one more step in a probe's trace. */
char *probe_nft_extra_chains(struct probe_nft_cache *cache,
			     const char *copy_json, const char *src_json,
			     probe_nft_keep keep, const void *arg);

#endif
