/* A chain's rule order brought up to date from the kernel's rule change
 * notifications, instead of a dump of the whole chain (on a Kubernetes
 * node one rule inserted into a 12k-rule chain cost a dump of 3 MB).
 * What a NEWRULE notification says of its place (measured on 6.18,
 * KERNEL-FACTS.md): NFTA_RULE_POSITION, the handle of the rule before
 * it, when it is neither first nor last; else NLM_F_APPEND when it is
 * last, neither when it is first. The positions are the kernel's list
 * when it notifies, which already holds the rules of later commands of
 * the same batch: a rule before it that we were not told of yet, or
 * anything else that does not fit, sends the chain to a re-read. */
#ifndef IPTT_CHAIN_OPS_H
#define IPTT_CHAIN_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum chain_op_kind { CHAIN_OP_ADD, CHAIN_OP_DEL };

struct chain_op {
	enum chain_op_kind kind;
	uint64_t handle;
	uint64_t after;		/* ADD: the rule before it; 0: none given */
	bool append;		/* ADD without after: last (else first) */
	bool replaces;		/* ADD of the handle a DEL of the same
				 * generation took out: back at its place */
};

/* Apply ops in order to a chain's rule handles h[0..n), in rule order.
 * out has room for n + nops. Returns the new count, or -1 when an op
 * does not fit: a DEL of a handle not there, an ADD of one that is
 * there, an ADD after a rule not there, a replacement without its DEL. */
long chain_ops_apply(const uint64_t *h, size_t n, const struct chain_op *ops,
		     size_t nops, uint64_t *out);

#endif
