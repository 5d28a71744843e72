/* The kernel lookups a story asks (struct story_lookups) answered as by
 * a host that knows nothing: no bridge, no bridge port, no conntrack
 * entry. For the unit tests and fuzz_out.c, which answer the interface
 * names and routes themselves. */
#ifndef IPTT_TEST_LOOKUPS_NONE_H
#define IPTT_TEST_LOOKUPS_NONE_H

#include <stdbool.h>
#include <stdint.h>
#include "bridge.h"
#include "story.h"

static inline bool no_bridge_link(void *ctx, uint32_t ifindex,
				  struct bridge_link *bl)
{
	(void)ctx;
	(void)ifindex;
	(void)bl;
	return false;
}

static inline bool no_fdb_port(void *ctx, uint32_t br, const uint8_t mac[6],
			       char *name)
{
	(void)ctx;
	(void)br;
	(void)mac;
	(void)name;
	return false;
}

static inline int no_conntrack(struct ct_handle *ct, const struct pkt_hdrs *p,
			       bool soon, struct ct_entry *out)
{
	(void)ct;
	(void)p;
	(void)soon;
	(void)out;
	return -1;
}

#endif
