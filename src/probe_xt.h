/* iptables rules and ipsets for the probe copy, through the save and
 * restore tools (spawn_tool.c: no shell, absolute paths, clean env).
 * The tools run in whatever namespace the process is in: the caller
 * enters the source or the copy around them. */
#ifndef IPTT_PROBE_XT_H
#define IPTT_PROBE_XT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Run tool [-t table] and keep its stdout (malloc'd, NUL-terminated).
 * Returns 0, or -1 with "tool: its first stderr line" in msg (errno
 * ENOENT: not installed; EPROTO: it failed). */
int probe_xt_run_out(const char *tool, const char *table, char **out,
		     char *msg, size_t msglen);

/* Run tool (with -w for the legacy ones, which take the xtables lock)
 * with text on its stdin. Returns 0, or -1 with msg as above. */
int probe_xt_run_in(const char *tool, const char *text, size_t len,
		    char *msg, size_t msglen);

/* The same for any argv (ipset save, ipset restore). */
int probe_run_out(const char *const argv[], char **out, char *msg, size_t msglen);
int probe_run_in(const char *const argv[], const char *text, size_t len,
		 char *msg, size_t msglen);

/* Save output as it must come back after a restore: comment lines
 * (dates, versions) and chain counters "[0:0]" left out (malloc'd). */
char *probe_xt_normal(const char *text);

/* The same for ipset save output, with its lines sorted: a hash set
 * lists its members in hash order. */
char *probe_ipset_normal(const char *text);

/* Would a restore read this save output as the rules it stands for?
 * A comment or log prefix may hold a newline, which the save tools
 * print raw: the rule's text (quote-aware, rules_xt.c) then holds it,
 * and a restore would cut the rule there. Returns 0, or -1 with the
 * place in msg. */
int probe_xt_check_lines(const char *text, uint8_t family, const char *what,
			 char *msg, size_t msglen);

/* Legacy: does the save output hold as many rules and chains as the
 * kernel's tables (IPT_SO_GET_INFO: one entry per rule, per built-in
 * chain's policy, two per user chain, one at the end)? Asks only for
 * tables that the output names. Returns 0, or -1 with msg. */
int probe_xt_check_legacy(const char *text, uint8_t family, char *msg,
			  size_t msglen);

/* One table's save output with its chain declarations (":NAME ...")
 * in the order of rank(NAME) (-1: before the others, as they were):
 * iptables-nft-restore makes the chains in the order it reads them, and
 * iptables-nft-save's own rule-to-chain lookup is fast only in the
 * order the kernel lists them (0.3 s more at 16k rules when sorted).
 * malloc'd; NULL on ENOMEM. */
char *probe_xt_order_chains(const char *text,
			    long (*rank)(const char *name, const void *arg),
			    const void *arg);

/* Tables, chains and rules of a save output. */
void probe_xt_counts(const char *text, uint8_t family, unsigned int *tables,
		     unsigned int *chains, unsigned int *rules);

#endif
