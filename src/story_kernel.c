/* The story's lookups answered by the kernel of the traced namespace. */
#include "bridge.h"
#include "ct.h"
#include "ifname.h"
#include "route.h"
#include "story.h"

const struct story_lookups story_kernel = {
	.ifname = ifname_get,
	.route = route_lookup,
	.bridge_link = bridge_link_get,
	.bridge_fdb_port = bridge_fdb_port,
	.conntrack = ct_lookup,
};
