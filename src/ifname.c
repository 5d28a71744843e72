#include <string.h>
#include <time.h>

#include "ifname.h"

#define CACHE_SLOTS	64
#define CACHE_TTL_S	1	/* names change rarely; ifindexes are not reused fast */

static struct {
	uint32_t ifindex;
	time_t when;
	bool found;
	char name[IFNAMSIZ];
} cache[CACHE_SLOTS];

bool ifname_get(uint32_t ifindex, char *name)
{
	typeof(cache[0]) *slot = &cache[ifindex % CACHE_SLOTS];
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!slot->ifindex || slot->ifindex != ifindex ||
	    now.tv_sec - slot->when >= CACHE_TTL_S) {
		slot->ifindex = ifindex;
		slot->when = now.tv_sec;
		slot->found = if_indextoname(ifindex, slot->name) != NULL;
	}
	if (slot->found)
		memcpy(name, slot->name, IFNAMSIZ);
	return slot->found;
}
