/* Ask the kernel's routing table what it does with a packet that no
 * chain saw after ours: delivered locally, routed out an interface, or
 * dropped for want of a route. */
#ifndef IPTT_ROUTE_H
#define IPTT_ROUTE_H

#include <net/if.h>
#include "decode.h"

enum route_kind {
	ROUTE_UNKNOWN,		/* the lookup itself failed */
	ROUTE_LOCAL,		/* for this host */
	ROUTE_UNICAST,		/* out oif */
	ROUTE_DROP,		/* no route, or an unreachable/prohibit/blackhole route */
};

struct route_answer {
	enum route_kind kind;
	char oif[IFNAMSIZ];
	char why[96];		/* ROUTE_DROP: "no route to 192.0.2.1", ... */
};

/* Look up p's destination as the kernel would for a packet arriving on
 * iif (0: generated locally). Never fails: ROUTE_UNKNOWN says it could
 * not tell. */
void route_lookup(const struct pkt_hdrs *p, uint32_t iif, struct route_answer *a);

#endif
