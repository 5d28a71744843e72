/* iptables rules by position, as iptables-save prints them, for the legacy
 * (x_tables) and the nft flavour. Rule text is the `-A CHAIN ` line minus
 * that prefix, exactly as the save tool prints it. */
#ifndef IPTT_RULES_XT_H
#define IPTT_RULES_XT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "ruleset.h"
#include "xt_tables.h"		/* enum xt_flavour */

struct rules_xt;

#define RULES_XT_MAX_TABLES	16	/* 5 iptables tables x 2 families fit */

/* Prepare to read one flavour's rules in the current network namespace
 * (the save tools run there; enter it first). Nothing is read yet.
 * Returns NULL with errno set. */
struct rules_xt *rules_xt_open(enum xt_flavour flavour);
void rules_xt_close(struct rules_xt *x);

/* Run the save tools for IPv4 and IPv6 and replace the snapshot; the one
 * it replaces becomes rules_xt_previous(). Costs one fork+exec per
 * family. Returns 0, or -1 with errno set and the snapshot unchanged:
 * ENOENT the tool is not installed, EPROTO it exited non-zero. */
int rules_xt_refresh(struct rules_xt *x);

/* Legacy flavour, before arming: note what GET_INFO says of every
 * table (about a microsecond each, no blob). The first refresh, run
 * after arming, compares its own prints with these, and hashes the
 * blobs again after its save: a rule inserted, deleted or edited in
 * between means that a packet traced before that read may have crossed
 * other rules than the read shows. When the two hashes agree, the read
 * is verified as of the second. Returns 0, or -1 with errno set. */
int rules_xt_note_start(struct rules_xt *x);
/* Did the first refresh find the tables changed since
 * rules_xt_note_start()? (false before it, and without a start note) */
bool rules_xt_moved_since_start(const struct rules_xt *x);
/* When they did: every event received up to t came from a packet that
 * may have crossed the tables before the change. rules_xt_unsure()
 * says so of a block whose first event came at first (CLOCK_MONOTONIC):
 * its text may be stale, whatever rules_xt_fresh_since() says. */
void rules_xt_set_unsure_until(struct rules_xt *x, const struct timespec *t);
bool rules_xt_unsure(const struct rules_xt *x, const struct timespec *first);

/* Has a refresh succeeded yet? Nothing is read before the first one:
 * the snapshots are empty, which says nothing about the kernel's. */
bool rules_xt_loaded(const struct rules_xt *x);

/* After EPROTO: the failed tool's name and the first line it wrote on
 * stderr ("iptables-legacy-save: ..."); NULL when there is none. */
const char *rules_xt_error(const struct rules_xt *x);

/* nft flavour: re-read only the families of these tables (from the
 * nf_tables change notifications) and keep the other. Other flavours do
 * a full refresh. Returns 0, or -1 with errno set. */
int rules_xt_refresh_tables(struct rules_xt *x, const struct table_ref *tables,
			    unsigned int n);

/* The snapshot of the last successful refresh (empty before one). */
const struct ruleset *rules_xt_get(const struct rules_xt *x);
/* The snapshot before it: the text of a rule that moved since the packet
 * crossed it. */
const struct ruleset *rules_xt_previous(const struct rules_xt *x);

/* Was (NFPROTO_IPV4/IPV6, table) in the last refresh's save output? For
 * the nft flavour this tells an iptables-nft table (iptables syntax) from
 * a native nft one. Tables the tool calls incompatible are not there. */
bool rules_xt_has_table(const struct rules_xt *x, uint8_t family,
			const char *table);

/* Legacy flavour: have the legacy tables changed since the last refresh?
 * Rule positions shift when rules are inserted or deleted, so re-read
 * when this says so. It asks the kernel directly, never runs the save
 * tools and never creates a table:
 *  - every call: the tables listed in /proc/net/ip{,6}_tables_names and
 *    IPT_SO_GET_INFO for each (entry count, blob size, hook offsets).
 *    Any insert or delete changes these: about 1 us per table.
 *  - at most every deep interval (RULES_XT_DEEP_MS, or as set): a hash
 *    of IPT_SO_GET_ENTRIES with the counters left out, which catches a
 *    rule replaced by one of the same size (iptables -R, a swap). The
 *    kernel copies the whole table: about 0.5 us per rule.
 * It misses a same-size edit for up to the deep interval, an edit undone
 * before the next call, and a 64-bit hash collision.
 * Returns 1 changed, 0 unchanged, -1 with errno set. Always 0 for the
 * nft flavour: re-read that when the nf_tables generation changes. */
#define RULES_XT_DEEP_MS	1000
void rules_xt_set_deep_interval(struct rules_xt *x, unsigned int ms);
int rules_xt_changed(struct rules_xt *x);

/* Legacy flavour: a snapshot is "verified" as of the start of the last
 * blob hash (or refresh) that found it equal to the kernel's tables.
 * Rule text is trustworthy for a packet only from a snapshot verified
 * after the packet's events arrived: a same-size edit before that is
 * otherwise missed. rules_xt_fresh_since() makes the snapshot verified
 * as of since (CLOCK_MONOTONIC) or later, re-reading on a change, with a
 * blob hash when the last one began before since. The hash costs
 * 0.5 us per rule, so unless force it runs only while hashes take at
 * most RULES_XT_DEEP_SHARE percent of the time; rules_xt_deep_wait_ms()
 * says how long until one may run (0: now, or none needed). One hash
 * covers every packet whose events came before it began.
 * Returns 1 verified as of since, 0 not (the text may be stale), -1
 * with errno set. Always 1 (and 0 ms) for the nft flavour. */
#define RULES_XT_DEEP_SHARE	20
int rules_xt_fresh_since(struct rules_xt *x, const struct timespec *since,
			 bool force);
long rules_xt_deep_wait_ms(const struct rules_xt *x, const struct timespec *since);

/* Legacy flavour: where, in built-in chain hook (NF_INET_*) of a table
 * as the kernel holds it now, is the first rule with a comment match of
 * exactly this text and the target named target? The kernel's own
 * answer (IPT_SO_GET_INFO, then IPT_SO_GET_ENTRIES; IP6T_ for IPv6), no
 * save tool. A table not in /proc/net/ip{,6}_tables_names is never
 * asked for, since that would create it: it holds nothing. */
struct xt_rule_query {
	unsigned int hook;		/* NF_INET_PRE_ROUTING, ... */
	const char *comment;
	const char *target;		/* "TRACE" */
	unsigned int pos;		/* out: 1-based; 0 when not there */
};
/* Answers n queries on family's (NFPROTO_IPV4/IPV6) table with one read
 * of its rules; *stamp (may be NULL) gets rules_xt_table_stamp()'s value
 * for the table as read. Returns 0, or -1 with errno set: EAGAIN the
 * table changed while it was read (ask again), EINVAL the nft flavour. */
int rules_xt_find_rules(struct rules_xt *x, uint8_t family, const char *table,
			struct xt_rule_query *q, unsigned int n, uint64_t *stamp);
/* Legacy flavour: a hash of what IPT_SO_GET_INFO says of the table
 * (entry count, size, hook offsets), 0 when it does not exist. About a
 * microsecond: any rule inserted or deleted changes it; a rule replaced
 * by one of the same size does not. Returns 0, or -1 with errno set. */
int rules_xt_table_stamp(struct rules_xt *x, uint8_t family, const char *table,
			 uint64_t *stamp);

/* nft flavour, one chain: `iptables-nft -t TABLE -S CHAIN` (ip6tables-nft
 * for IPv6) into rs, which gets that chain (a user chain to it) and its
 * rules' text by position. TABLE must be one of iptables' table names
 * and CHAIN a plain name (nft_text_plain_name). Costs one fork+exec and
 * the tool's read of that chain, not of the whole ruleset. Returns 0, or
 * -1 with errno set: EPROTO the tool refused (a chain it calls
 * incompatible), ENOENT it is not installed. */
int rules_xt_read_chain(uint8_t family, const char *table, const char *chain,
			struct ruleset *rs);

/* Parse the output of one save tool, family NFPROTO_IPV4 or IPV6, and
 * append its chains and rules to rs, then index rs. Built-in chains get
 * their hook, the table's priority and the policy; user chains HOOK_NONE.
 * Returns 0, or -1 with errno set (ENOMEM). Exposed for unit tests. */
int rules_xt_parse(const char *save_text, uint8_t family, struct ruleset *rs);

#endif
