/* The iptables tables, once: names, the hooks each is registered at,
 * and its priority there (NF_IP_PRI_*, the same for IPv6); the tools of
 * each flavour and the kernel's list of legacy tables; and the two
 * x_tables queries everyone makes. Used by the backend probe, the save
 * readers, the TRACE rules, the TRACE prefix check and the probe's copy,
 * which all need to know what x_tables (or iptables-nft in its image)
 * would create. */
#ifndef IPTT_XT_TABLES_H
#define IPTT_XT_TABLES_H

#include <stdbool.h>
#include <stdint.h>
#include "ruleset.h"

/* <linux/netfilter_ipv4/ip_tables.h>'s; that header clashes with
 * <net/if.h>, so only the files that query the kernel include it */
struct ipt_getinfo;
struct ipt_get_entries;

struct xt_table {
	const char *name;
	unsigned int hooks;	/* 1 << enum hook (= 1 << NF_INET_*) */
};

/* In the order of their priorities, as iptables-save lists them:
 * raw, mangle, nat, filter, security. */
extern const struct xt_table xt_tables[];
#define XT_N_TABLES 5

/* The table of that name, or NULL for a name iptables does not have. */
const struct xt_table *xt_table_find(const char *name);

/* The table's priority at hook: nat is -100 where it rewrites the
 * destination (PREROUTING, OUTPUT) and 100 where the source. */
int32_t xt_table_prio(const struct xt_table *t, enum hook hook);

/* Would iptables-nft have made this base chain itself: one of the
 * table's built-in chains, at its own hook and priority? */
bool xt_builtin_chain(const char *table, const char *name, enum hook hook,
		      int32_t prio);

enum xt_flavour {
	XT_LEGACY,	/* iptables-legacy, x_tables in the kernel */
	XT_NFT,		/* iptables-nft, nf_tables in the kernel */
};

enum xt_tool { XT_TOOL_CMD, XT_TOOL_SAVE, XT_TOOL_RESTORE };

/* "iptables-legacy", "ip6tables-nft-save", "iptables-nft-restore", ... */
const char *xt_tool_name(enum xt_flavour flavour, bool v6, enum xt_tool tool);

/* The kernel's list of a family's legacy tables, one name a line:
 * /proc/net/ip_tables_names or ip6_tables_names. Missing: no x_tables. */
const char *xt_names_path(bool v6);

/* IPT_SO_GET_INFO (IP6T_ for v6, which has the same layout) of table on
 * sock, a raw socket of the family. Asking for a table that is not in
 * xt_names_path() creates it: look there first. Returns 0, or -1 with
 * errno set (EINVAL: not a name x_tables could have). */
int xt_get_info(int sock, bool v6, const char *table, struct ipt_getinfo *info);

/* IPT_SO_GET_ENTRIES of table into ge, which has room for size bytes of
 * entries (size: GET_INFO's). ge is zeroed first: the kernel writes
 * match and target names only up to their NUL. ipt_get_entries and
 * ip6t_get_entries share this layout. Returns 0, or -1 with errno set
 * (EAGAIN: the table changed since GET_INFO). */
int xt_get_entries(int sock, bool v6, const char *table, unsigned int size,
		   struct ipt_get_entries *ge);

#endif
