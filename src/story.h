/* A block of raw events resolved into what the user reads: steps with
 * rule positions and text, packet versions where headers changed, and
 * the packet's fate. Both printers work from a struct story only. */
#ifndef IPTT_STORY_H
#define IPTT_STORY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <net/if.h>
#include "assemble.h"
#include "ct.h"
#include "decode.h"
#include "ruleset.h"

#include "resolver.h"
#include "verdict_names.h"

enum step_kind {
	STEP_PACKET,		/* the packet as a chain saw it (headers changed) */
	STEP_RULE,		/* a rule matched */
	STEP_POLICY,		/* a base chain's policy decided */
	STEP_RETURN,		/* a user chain ran out of rules */
};

struct pkt_view {
	struct pkt_hdrs hdrs;
	bool decoded;
	char in[IFNAMSIZ], out[IFNAMSIZ];
	struct pkt_meta meta;
};

struct story_step {
	enum step_kind kind;
	const struct trace_event *ev;	/* for the story's own work; the
					 * printers read the fields below */
	/* Where the step happened, as its event says (story_step_set_event):
	 * names point into the event, which outlives the story. */
	const char *table_name;		/* the table's own name: "fw" */
	const char *chain;
	uint8_t family;			/* of the table: NFPROTO_* */
	bool legacy;			/* x_tables' TRACE, not nf_tables */
	bool has_handle;
	uint64_t handle;		/* nf_tables rule handle */
	/* The strings below are the story's own (story_strdup) */
	char *table;			/* as shown: "nat", or "inet fw" */
	unsigned int pos;		/* 1-based; 0 when unknown */
	char *text;			/* rule text; NULL when unknown */
	enum syntax syntax;		/* of text */
	int32_t verdict;
	char *target;			/* jump/goto target, or NULL */
	struct pkt_view pkt;		/* STEP_PACKET */
	enum hook hook;			/* hook of the base chain being walked */
	bool rejects;			/* a drop that answers: reject, -j REJECT */
	bool nat;			/* in a nat chain's walk: its accept
					 * rewrites, it does not filter */
	/* story_nat.c's, worked out the first time a header change asks:
	 * what the rule's action rewrites ("DNAT", "TTL", ...; NULL:
	 * nothing) */
	const char *rewrite;
	bool rewrite_known;
	/* Rules of this chain evaluated just before this step that did not
	 * match (positions miss_from..miss_to in the snapshot; 0: none):
	 * the kernel reports matching rules only. */
	unsigned int miss_from, miss_to;
	bool stale;			/* legacy text (and the verdict taken from
					 * it) from a snapshot that may be older
					 * than the packet, or an nf_tables rule
					 * replaced in place around it */
};

enum fate_kind {
	FATE_UNKNOWN,		/* events stopped without a verdict */
	FATE_DROP,
	FATE_REJECT,
	FATE_QUEUE,
	FATE_STOLEN,
	FATE_NOROUTE,		/* accepted, then routing dropped it */
	FATE_LOCAL,		/* accepted, delivered to a local socket */
	FATE_FORWARDED,		/* accepted, routed out an interface */
	FATE_BRIDGED,		/* accepted, bridged out a port (br_netfilter) */
	FATE_SENT,		/* locally generated, accepted, sent out */
	FATE_ACCEPTED,		/* accepted, and no later chain saw it */
	FATE_UNTOUCHED,		/* no table but ours saw the packet */
};

struct story_fate {
	enum fate_kind kind;
	const struct story_step *by;	/* the deciding step, if any */
	char out[IFNAMSIZ];
	char why[192];			/* FATE_NOROUTE: "no route to 192.0.2.1";
					 * FATE_UNKNOWN: why, or "" */
	bool cut;			/* FATE_UNKNOWN: events were lost */
};

/* A header rewrite, one per field: "DNAT by nat PREROUTING (#1)", DST
 * from a to b. The text joins address and port (ep_from, ep_to). */
struct story_change {
	const struct story_step *by;	/* NULL: conntrack did it */
	size_t after;			/* shown after this many steps */
	char what[16];			/* DNAT, SNAT, MASQUERADE, REDIRECT, TTL, TOS */
	char field[8];			/* SRC, DST, SPT, DPT, TTL, TOS */
	const char *note;		/* "" or why conntrack did it */
	char from[INET6_ADDRSTRLEN], to[INET6_ADDRSTRLEN];
	/* Address rewrites in text: address and port together on one line,
	 * "10.0.0.1:80 -> 10.0.0.2:8080" ([v6]:port), on the first change
	 * of the pair; the port change after it is joined to that line. */
	char ep_from[INET6_ADDRSTRLEN + 8], ep_to[INET6_ADDRSTRLEN + 8];
	bool joined;
};

#define STORY_MAX_CHANGES 16

struct story_ct {
	bool have_state;		/* from trace attributes */
	uint32_t state, status, id;
	uint8_t dir;			/* 0 original, 1 reply */
	bool have_entry;		/* looked up with libnetfilter_conntrack */
	bool looked_up_later;		/* no state as the packet saw it: the
					 * status is the entry's at print time */
	struct ct_entry entry;
};

struct route_answer;
struct bridge_link;

/* What a story asks the kernel about a packet: names of interfaces,
 * the routing table, the bridge, the conntrack entry. Handed in, so
 * that the story itself does no I/O and a test can answer instead;
 * story_kernel.h has the real thing. ctx goes to the calls that keep
 * state between questions (a socket, a cache). */
struct story_lookups {
	void *ctx;
	bool (*ifname)(void *ctx, uint32_t ifindex, char *name);
	void (*route)(void *ctx, const struct pkt_hdrs *p, uint32_t iif,
		      struct route_answer *a);
	bool (*bridge_link)(void *ctx, uint32_t ifindex, struct bridge_link *bl);
	bool (*bridge_fdb_port)(void *ctx, uint32_t br, const uint8_t mac[6],
				char *name);
	/* ct: the resolver's conntrack handle (NULL: do not ask) */
	/* soon: ct_lookup's (ct.h) */
	int (*conntrack)(struct ct_handle *ct, const struct pkt_hdrs *p,
			 bool soon, struct ct_entry *out);
};


/* The strings a story owns, in chunks freed with it: a malloc and a
 * free for each name and rule text of each step were a tenth of our
 * instructions a packet. */
struct story_strings {
	struct story_strings *next;
	size_t used, size;
	char buf[];
};

struct story {
	const struct block *block;
	const struct story_lookups *lk;
	/* Of the packet, from its first event (story_set_block) */
	uint32_t id;			/* the kernel's trace id */
	struct timespec ts;		/* when its first event arrived */
	uint8_t nfproto;		/* NFPROTO_IPV4 or NFPROTO_IPV6 */
	struct pkt_view first;		/* the packet as tracing began */
	bool have_first;
	struct story_step *steps;
	size_t nsteps;
	struct story_change changes[STORY_MAX_CHANGES];
	size_t nchanges;		/* in step order: after never decreases,
					 * and is at most nsteps */
	struct story_ct ct;
	char last_oif[IFNAMSIZ];	/* the last output interface a chain saw
					 * (a packet dropped in forward was routed
					 * out one too), or "" */
	struct story_fate fate;
	char order_note[160];		/* "" or why the order of two steps is a
					 * guess */
	struct story_strings *strings;
};

/* story_fate.c and story_nat.c: filled in by story_build */
void story_find_fate(struct story *s);
/* Did a step's verdict end the packet's way (a drop or reject, a steal,
 * a last queue)? story_find_fate's own test, for the parts before it. */
bool story_verdict_ended(const struct story *s);
void story_find_changes(struct story *s);
void story_find_ct(struct story *s, const struct resolver *r);
void story_find_misses(struct story *s, const struct resolver *r);
/* The headers the packet leaves with: the last ones a chain saw, with
 * what conntrack's NAT does after them. False when none decoded. */
bool story_final_headers(const struct story *s, struct pkt_hdrs *out);

/* story_event.c: the one place that copies what the printers show
 * from the events into the story, so that they never read an event. */
void story_set_block(struct story *s, const struct block *b);
void story_step_set_event(struct story_step *st, const struct trace_event *ev);

/* Build the story of block b from the snapshots as they are: a pure
 * function of the block, the resolver's read-only view and lk. Load
 * what it reads first (snapshots_prepare_block); fresh: what that said,
 * whether legacy text is from a check newer than the packet. */
int story_build(struct story *s, const struct block *b, const struct resolver *r,
		bool fresh, const struct story_lookups *lk);
void story_free(struct story *s);
/* A copy of str that lives as long as s; NULL on ENOMEM. */
char *story_strdup(struct story *s, const char *str);

/* A step's verdict as users name it: REJECT for a rejecting rule, whose
 * kernel verdict is a drop. */
const char *step_verdict_name(const struct story_step *st);

#endif
