/* The story's lookups answered by the kernel of the traced namespace,
 * with what they keep between questions: the routing socket, and the
 * interface names and bridge links seen lately. */
#ifndef IPTT_STORY_KERNEL_H
#define IPTT_STORY_KERNEL_H

#include "bridge.h"
#include "ifname.h"
#include "route.h"
#include "story.h"

struct story_kernel {
	struct story_lookups lk;	/* hand &lk to story_build() */
	struct ifname_cache names;
	struct bridge_link_cache links;
	struct route_sock route;
};

/* Set k up (nothing is opened before the first question). */
void story_kernel_init(struct story_kernel *k);
/* Close what the questions opened; k can be set up again. */
void story_kernel_close(struct story_kernel *k);

#endif
