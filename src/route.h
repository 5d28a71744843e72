/* Ask the kernel's routing table what it does with a packet that no
 * chain saw after ours: delivered locally, routed out an interface, or
 * dropped for want of a route. */
#ifndef IPTT_ROUTE_H
#define IPTT_ROUTE_H

#include <net/if.h>
#include "decode.h"

struct ifname_cache;
struct mnl_socket;

/* One socket for every lookup: one per packet was a socket, a bind and
 * a close for each routed packet of a flood. All zero: not open yet,
 * opened by the first lookup. names: where the answer's interface is
 * named. */
struct route_sock {
	struct mnl_socket *nl;
	uint32_t seq;
	struct ifname_cache *names;
};

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
void route_lookup(struct route_sock *rs, const struct pkt_hdrs *p, uint32_t iif,
		  struct route_answer *a);
void route_close(struct route_sock *rs);

#endif
