/* The story's lookups answered by the kernel of the traced namespace. */
#include <string.h>

#include "bridge.h"
#include "ct.h"
#include "story_kernel.h"

static bool k_ifname(void *ctx, uint32_t ifindex, char *name)
{
	struct story_kernel *k = ctx;

	return ifname_get(&k->names, ifindex, name);
}

static void k_route(void *ctx, const struct pkt_hdrs *p, uint32_t iif,
		    struct route_answer *a)
{
	struct story_kernel *k = ctx;

	route_lookup(&k->route, p, iif, a);
}

static bool k_bridge_link(void *ctx, uint32_t ifindex, struct bridge_link *bl)
{
	struct story_kernel *k = ctx;

	return bridge_link_get(&k->links, ifindex, bl);
}

static bool k_fdb_port(void *ctx, uint32_t br, const uint8_t mac[6], char *name)
{
	struct story_kernel *k = ctx;

	return bridge_fdb_port(&k->names, br, mac, name);
}

void story_kernel_init(struct story_kernel *k)
{
	memset(k, 0, sizeof(*k));
	k->route.names = &k->names;
	k->lk = (struct story_lookups){
		.ctx = k,
		.ifname = k_ifname,
		.route = k_route,
		.bridge_link = k_bridge_link,
		.bridge_fdb_port = k_fdb_port,
		.conntrack = ct_lookup,
	};
}

void story_kernel_close(struct story_kernel *k)
{
	route_close(&k->route);
}
