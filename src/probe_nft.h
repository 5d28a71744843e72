/* Native nftables tables for the probe copy, as JSON through
 * libnftables. JSON keeps every name a string value: a table, chain or
 * comment holding ';', quotes or a newline stays data, where the text
 * syntax would parse it (see tests/netns/hostile_names.bats). Only the
 * native tables are listed, one by one: at 16k iptables-nft rules a
 * listing of the whole ruleset takes seconds, and those tables are
 * copied through their save tool anyway. */
#ifndef IPTT_PROBE_NFT_H
#define IPTT_PROBE_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tables listed one by one and parsed once, held by the caller. */
struct probe_nft_listing;

struct probe_nft_listing *probe_nft_listing_new(void);
void probe_nft_listing_free(struct probe_nft_listing *l);

/* List table (family NFPROTO_*, name) of the current namespace into l.
 * Returns 0, or -1 with nft's own first line of error in msg. */
int probe_nft_listing_add(struct probe_nft_listing *l, uint8_t family,
			  const char *table, char *msg, size_t msglen);
size_t probe_nft_listing_tables(const struct probe_nft_listing *l);

/* The listing of one table (table NULL: of all of them, in the order
 * they were added), as one line of JSON that loads it (malloc'd). NULL
 * with errno ENOENT (not listed) or ENOMEM. */
char *probe_nft_listing_json(const struct probe_nft_listing *l, uint8_t family,
			     const char *table);

/* note(line, arg) gets one "note: ..." line per rule of the listing
 * that uses state a copy lacks; its -1 stops. Returns 0, or -1. */
int probe_nft_listing_notes(const struct probe_nft_listing *l,
			    int (*note)(const char *line, void *narg), void *narg);

/* Load JSON / an nft file into the current namespace's nf_tables.
 * Returns 0, or -1 with nft's own first error line in msg. */
int probe_nft_load_json(const char *json, char *msg, size_t msglen);
int probe_nft_load_file(const char *path, char *msg, size_t msglen);

/* JSON commands deleting chains (family, table, name) (malloc'd), or
 * NULL on ENOMEM. */
struct probe_nft_chain_ref {
	uint8_t family;
	const char *table, *name;
};
char *probe_nft_delete_chains(const struct probe_nft_chain_ref *v, size_t n);

#endif
