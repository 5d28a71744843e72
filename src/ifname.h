/* Interface index -> name, cached: every printed packet names its
 * interfaces, and the kernel is asked at most once a second per index. */
#ifndef IPTT_IFNAME_H
#define IPTT_IFNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <net/if.h>

#define IFNAME_SLOTS	64

/* Names asked for lately. All zero is empty: embed one, no set-up. */
struct ifname_cache {
	struct ifname_slot {
		uint32_t ifindex;
		time_t when;
		bool found;
		char name[IFNAMSIZ];
	} slot[IFNAME_SLOTS];
};

/* Fill name (IFNAMSIZ bytes) for ifindex; false when there is no such
 * interface (any more). */
bool ifname_get(struct ifname_cache *c, uint32_t ifindex, char *name);

/* "lo, eth0, eth1": the interfaces of the current namespace, for an
 * error message ("none" when there are none); bytes that are not
 * printable become '?'. */
void ifname_list(char *buf, size_t size);

#endif
