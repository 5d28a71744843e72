/* One nf_tables table, or one chain of it, read into a ruleset. */
#ifndef IPTT_NFT_READ_H
#define IPTT_NFT_READ_H

#include <stdbool.h>
#include <stdint.h>

#include "ruleset.h"

struct nft_ctx;

/* Append the chains of (family, table) to rs -- or only the chain named
 * only, with the anonymous chains its rules bind. Chains, hooks and
 * rule positions come from the kernel's objects; a rule's text is NULL
 * when nft could not be asked safely (a name that is not a plain nft
 * identifier) or its listing does not prove which text is the rule's.
 * What is read: the chains alone (what 0; a whole table's chains come
 * with rules_unread then), their rules too (NFT_READ_RULES), or their
 * rules and texts (NFT_READ_TEXT). One chain (only) always comes with
 * its rules. Without NFT_READ_TEXT, texts are all NULL and nft is not
 * asked: the kernel's objects alone are cheap, the listing of a big
 * table is not. Returns 0, or -1 with errno set (ENOENT: no such
 * chain). */
#define NFT_READ_RULES	1u
#define NFT_READ_TEXT	2u
int nft_read_table(struct nft_ctx *nft, struct ruleset *rs, uint8_t family,
		   const char *table, const char *only, unsigned int what);

#endif
