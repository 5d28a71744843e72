/* The fallback for kernels without nf_tables: a comment-tagged TRACE rule
 * first in legacy raw PREROUTING and OUTPUT, added and deleted with
 * iptables-legacy / ip6tables-legacy under the xtables lock. Unlike the
 * owned nft table, these rules outlive a killed run, hence the cleanup. */
#ifndef IPTT_ARM_XT_H
#define IPTT_ARM_XT_H

#include <stdbool.h>
#include <stddef.h>
#include "arm.h"

/* Every rule's comment is "iptables-trace PID:TOKEN", TOKEN 16 hex
 * digits whose lock (statedir.h) the live run holds. */
#define ARM_XT_COMMENT_PREFIX	"iptables-trace "
/* Seconds to wait for the xtables lock (iptables -w) before failing. */
#define ARM_XT_LOCK_WAIT	"10"

struct arm_xt;

/* Insert the rules for spec in the current network namespace: per
 * family in spec (ipv4, ipv6), per hook (hook_prerouting, hook_output),
 *   -t raw -I CHAIN 1 [-i IFACE] [-m bpf --bytecode "..."]
 *     [-m limit --limit R/UNIT --limit-burst B]
 *     -m comment --comment "iptables-trace PID:TOKEN" -j TRACE
 * (-i only in PREROUTING). All or nothing: on failure the rules already
 * added are deleted again. Returns NULL with errno set (ENOENT: no
 * iptables-legacy; EPROTO: it refused, err holds its message; EINVAL:
 * the interface name is too long). */
struct arm_xt *arm_xt_install(const struct arm_spec *spec, char *err,
			      size_t errlen);

/* Delete our rules by the exact spec they were added with. Idempotent;
 * call it on every exit path. Returns 0, or -1 with errno set and err
 * filled when a rule could not be deleted (it tried them all). */
int arm_xt_remove(struct arm_xt *a, char *err, size_t errlen);
/* arm_xt_remove() if not done, then free. NULL is fine. */
void arm_xt_free(struct arm_xt *a);

/* Delete leftovers of killed runs from raw PREROUTING/OUTPUT, IPv4 and
 * IPv6: TRACE rules whose comment starts with "iptables-trace ". A rule
 * whose token's lock a live run holds is kept unless all is true.
 * *removed (may be NULL) counts the rules deleted. Returns 0, or -1
 * with errno set and err filled. */
int arm_xt_cleanup(bool all, unsigned int *removed, char *err, size_t errlen);

/* The comment our rules carry, "iptables-trace PID:TOKEN". */
const char *arm_xt_comment(const struct arm_xt *a);

/* Is this iptables-save rule text (without "-A CHAIN ") one of ours, of
 * any run? Story code hides these steps. */
bool arm_xt_is_own_rule(const char *text);

/* The argument for -m bpf --bytecode: "N,code jt jf k,...". Exposed for
 * tests. Returns the length, or -1 with errno ENOSPC when size is short. */
int arm_xt_bytecode(const struct filter_prog *prog, char *buf, size_t size);

#endif
