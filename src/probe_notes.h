/* What a copy cannot reproduce, found in rule text: matches and
 * statements on state that lives outside the ruleset (sockets, cgroups,
 * rate and quota counters, recent lists, conntrack helpers, set
 * elements that rules add on their own). Pure functions, no I/O. */
#ifndef IPTT_PROBE_NOTES_H
#define IPTT_PROBE_NOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* The first such thing in one nft rule's "expr" array (as `nft -j`
 * lists it), written to buf ("limit", "meta skuid", "add @blocked");
 * false when the rule uses none. */
bool probe_notes_nft_rule(const json_t *expr, char *buf, size_t size);

/* The same for one iptables-save rule text (the part after "-A CHAIN "),
 * e.g. "-m recent"; quoted words (comments, log prefixes) are skipped.
 * NULL when the rule uses none. */
const char *probe_notes_xt_rule(const char *text);

/* One "note: TABLE CHAIN (#N) uses WHAT; its state is not copied" line
 * per such rule of a save tool's output; "legacy " before the table for
 * x_tables, as the tool prints them. note() returning -1 stops. Returns
 * 0, or -1 (ENOMEM, or note's failure). */
int probe_notes_xt_scan(const char *save_text, uint8_t family, bool legacy,
			int (*note)(const char *line, void *arg), void *arg);

#endif
