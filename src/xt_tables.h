/* The iptables tables, once: names, the hooks each is registered at,
 * and its priority there (NF_IP_PRI_*, the same for IPv6). Used by the
 * backend probe, the save readers, the TRACE prefix check and the
 * probe's copy, which all need to know what x_tables (or iptables-nft
 * in its image) would create. */
#ifndef IPTT_XT_TABLES_H
#define IPTT_XT_TABLES_H

#include <stdbool.h>
#include <stdint.h>
#include "ruleset.h"

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

#endif
