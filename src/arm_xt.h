/* The fallback for kernels without nf_tables: a comment-tagged TRACE rule
 * first in legacy raw PREROUTING and OUTPUT, added and deleted with
 * iptables-legacy / ip6tables-legacy under the xtables lock. Unlike the
 * owned nft table, these rules outlive a killed run, hence the cleanup. */
#ifndef IPTT_ARM_XT_H
#define IPTT_ARM_XT_H

#include <stdbool.h>
#include <stddef.h>
#include "arm.h"

struct rules_xt;

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

/* Someone else's iptables-legacy-restore of raw, or iptables-legacy -t
 * raw -F, deletes our rules without a word, and tracing stops. Call this
 * every ARM_XT_CHECK_MS while armed: it looks whether each of our rules
 * is still in its chain (anywhere in it: one that others pushed down is
 * left there) and inserts the missing ones again, first, with the same
 * spec, so that arm_xt_remove() finds them at exit. Other rules are
 * never touched. It asks the kernel through x, a legacy rules_xt opened
 * in this namespace: a GET_INFO stamp of raw per family on each call,
 * the rules themselves only when the stamp changed, a rule is missing,
 * or every ARM_XT_DEEP_CHECKS calls (a same-size replacement keeps the
 * stamp). out says what it did, as "PREROUTING (IPv4), OUTPUT (IPv6)"
 * lists: put_back, the rules inserted again now; failed, rules newly
 * found missing that iptables-legacy refused (err holds its words).
 * Those are tried again on every call, and show in put_back once they
 * are in. Returns 0, or -1 with errno set when the kernel could not be
 * asked (out is still filled for the families it could ask). */
#define ARM_XT_CHECK_MS		1000
#define ARM_XT_DEEP_CHECKS	10
struct arm_xt_repair {
	char put_back[96];
	char failed[96];
	char err[512];
};
int arm_xt_repair(struct arm_xt *a, struct rules_xt *x,
		  struct arm_xt_repair *out);

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

/* The legacy raw tables that inserting our rules created ("IPv4", "IPv6",
 * "IPv4 and IPv6"), or NULL. x_tables cannot delete a table: they stay,
 * empty, after arm_xt_remove(). */
const char *arm_xt_made_tables(const struct arm_xt *a);

#endif
