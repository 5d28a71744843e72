/* What an iptables rule's target does, from its iptables-save text. */
#ifndef IPTT_XT_VERDICT_H
#define IPTT_XT_VERDICT_H

#include <stddef.h>
#include <stdint.h>

/* "-j ACCEPT", "-j DNAT ..." (ACCEPT), "-j DROP"/"-j REJECT" (DROP),
 * "-g CHAIN" (goto), "-j RETURN", no target (continue). Any other
 * target comes back as a jump with its name in target: the caller
 * knows whether a chain of that name exists. */
int32_t xt_rule_verdict(const char *text, char *target, size_t size);

#endif
