/* Turn tracing on: our own nf_tables table, owned by our netlink socket
 * so the kernel removes it whenever we exit, even on kill -9. */
#ifndef IPTT_ARM_H
#define IPTT_ARM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "filter.h"
#include "ruleset.h"

#define ARM_TABLE_PREFIX "iptables-trace-"

struct arm_spec {
	const struct filter_prog *prog;
	const char *in_iface;		/* NULL: any */
	const char *out_iface;		/* NULL: any; matched at output only */
	bool not_in_iface, not_out_iface;	/* "! -i", "! -o" */
	bool hook_prerouting, hook_output;
	bool ipv4, ipv6;
	unsigned int limit_rate;	/* 0: unlimited */
	unsigned int limit_unit;	/* seconds per unit: 1, 60, 3600, 86400 */
	unsigned int limit_burst;
	bool follow;			/* --follow: trace the selected connections */
	bool ct_chains;			/* chains after conntrack, for its state */
	/* --probe --mark: a chain "mark" at prerouting, before every other
	 * chain (ARM_MARK_PRIORITY), sets this mark on the filter's
	 * packets. Only in a probe's copy: elsewhere the rules never touch
	 * the mark. */
	bool set_mark;
	uint32_t mark;
};

#define ARM_MARK_PRIORITY	(-2147483647)	/* NF_IP_PRI_FIRST + 1 */

struct arm;

/* Install the table. Returns NULL with errno set; *what names the step
 * that failed, for the error message. */
struct arm *arm_install(const struct arm_spec *spec, const char **what);
/* Delete the table and close the socket that owns it. */
void arm_remove(struct arm *a);
const char *arm_table_name(const struct arm *a);
/* True when the filter could not be written in native nft expressions
 * and the rules carry the xt bpf match, which nft prints with warnings. */
bool arm_uses_xt_bpf(const struct arm *a);

/* How many packets our rules marked so far (their counters). -1 with
 * errno when the kernel could not say. */
int arm_marked(struct arm *a, uint64_t *packets);
/* The handles of our rules that name an IPv6 packet's upper protocol
 * behind extension headers, and those protocols; returns how many. */
#define ARM_L4_HINTS 16
unsigned int arm_l4_hints(const struct arm *a, uint64_t *handles,
			  uint8_t *protos);
/* Is this rule (of table, family, handle) one of those? */
bool arm_l4_hint(const struct arm *a, const char *table, uint8_t family,
		 uint64_t handle);
/* Is this chain of ours one after conntrack (priority -199)? */
bool arm_chain_after_conntrack(const char *chain);
/* The hook one of our chains sits at, by its name. */
enum hook arm_chain_hook(const char *chain);

/* True for any iptables-trace table, ours or another instance's.
 * Inline, and the first byte first: it is asked a few times for every
 * event, nearly always of a table that is not ours. */
static inline bool arm_is_own_table(const char *table)
{
	return table[0] == ARM_TABLE_PREFIX[0] &&
	       strncmp(table, ARM_TABLE_PREFIX, sizeof(ARM_TABLE_PREFIX) - 1) == 0;
}

#endif
