/* Interface index -> name, cached: every printed packet names its
 * interfaces, and the kernel is asked at most once a second per index. */
#ifndef IPTT_IFNAME_H
#define IPTT_IFNAME_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

/* Fill name (IFNAMSIZ bytes) for ifindex; false when there is no such
 * interface (any more). */
bool ifname_get(uint32_t ifindex, char *name);

#endif
