/* A block of raw events resolved into what the user reads: steps with
 * rule positions and text, packet versions where headers changed, and
 * the packet's fate. Both printers work from a struct story only. */
#ifndef IPTT_STORY_H
#define IPTT_STORY_H

#include <stdbool.h>
#include <net/if.h>
#include "assemble.h"
#include "decode.h"

struct rules_nft;

enum step_kind {
	STEP_PACKET,		/* the packet as a chain saw it (headers changed) */
	STEP_RULE,		/* a rule matched */
	STEP_POLICY,		/* a base chain's policy decided */
	STEP_RETURN,		/* a user chain ran out of rules */
};

enum syntax { SYNTAX_AUTO, SYNTAX_NFT, SYNTAX_IPTABLES };

struct pkt_view {
	struct pkt_hdrs hdrs;
	bool decoded;
	char in[IFNAMSIZ], out[IFNAMSIZ];
	uint32_t mark;
};

struct story_step {
	enum step_kind kind;
	const struct trace_event *ev;
	char *table;			/* as shown: "nat", or "inet fw" */
	unsigned int pos;		/* 1-based; 0 when unknown */
	char *text;			/* rule text; NULL when unknown */
	enum syntax syntax;		/* of text */
	int32_t verdict;
	const char *target;		/* jump/goto target */
	struct pkt_view pkt;		/* STEP_PACKET */
};

struct story {
	const struct block *block;
	struct pkt_view first;		/* the packet as tracing began */
	bool have_first;
	struct story_step *steps;
	size_t nsteps;
};

struct resolver {
	struct rules_nft *nft;
	enum syntax syntax;
};

int story_build(struct story *s, const struct block *b, struct resolver *r);
void story_free(struct story *s);

/* For the assembler: event predicates that need the ruleset. */
bool story_starts_packet(const struct trace_event *ev);
bool story_ends_path(const struct block *b, const struct trace_event *ev,
		     struct resolver *r);

const char *verdict_name(int32_t verdict);

#endif
