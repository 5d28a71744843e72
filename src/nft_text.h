/* Rule text out of `nft -a list table|chain` output, for rules whose
 * identity and order are already known from the kernel's rule objects.
 *
 * The printed listing is not a trustworthy source of structure: names,
 * comments, log prefixes and interface strings are printed raw, so a
 * comment can hold " # handle 3", a newline or a brace. The structure
 * therefore comes from netlink (nft_dump.c), and this module only cuts
 * the text at terminators it can prove genuine: nft ends every rule of
 * a named chain with " # handle N\n", handles are unique within a table,
 * and a string can add a fake terminator but never remove the real one.
 * A handle whose terminator occurs exactly once is therefore the real
 * one; any other count leaves that rule without text. The listing starts
 * with its table line, which is not searched. */
#ifndef IPTT_NFT_TEXT_H
#define IPTT_NFT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nft_text_chain {
	/* in: what the kernel says about the chain */
	uint64_t handle;
	const char *comment;		/* NULL when it has none */
	bool base;			/* prints a "type ... policy ...;" line */
	bool bound;			/* an anonymous chain printed inside its rule */
	const uint64_t *rules;		/* rule handles in chain order */
	unsigned int nrules;
	/* For each rule, the index in the chain array of the anonymous chain
	 * it binds (jump/goto { ... }), or -1. */
	const int *binds;
	/* out: nrules strings (malloc'd, raw bytes) or NULL when unknown */
	char **texts;
};

/* Fill chains[i].texts from one listing of those chains' table. Chains
 * not in the listing keep NULL texts. Returns 0, or -1 on ENOMEM (texts
 * filled so far stay and are the caller's to free). */
int nft_text_split(const char *text, size_t len, struct nft_text_chain *chains,
		   unsigned int nchains);

/* Can name be written unquoted into an nft command? nft 1.0.6 takes no
 * quoted table or chain names, so only names made of its identifier
 * characters can be asked for by name; no such name can end a command,
 * start another, or include a file. */
bool nft_text_plain_name(const char *name);

#endif
