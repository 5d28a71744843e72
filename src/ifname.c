#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ifname.h"

#define CACHE_TTL_S	1	/* names change rarely; ifindexes are not reused fast */

bool ifname_get(struct ifname_cache *c, uint32_t ifindex, char *name)
{
	struct ifname_slot *slot = &c->slot[ifindex % IFNAME_SLOTS];
	struct timespec now;

	/* the coarse clock: a second's TTL needs no more, and this runs for
	 * every step of every story */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
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

void ifname_list(char *buf, size_t size)
{
	struct if_nameindex *ifs, *i;
	size_t used = 0, k;

	buf[0] = '\0';
	ifs = if_nameindex();
	for (i = ifs; i && i->if_name; i++) {
		int w = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
				 i->if_name);

		if (w < 0 || (size_t)w >= size - used) {
			buf[used] = '\0';
			break;
		}
		/* names are bytes: never a raw control byte in a message */
		for (k = used; k < used + (size_t)w; k++)
			if (!isprint((unsigned char)buf[k]))
				buf[k] = '?';
		used += (size_t)w;
	}
	if (ifs)
		if_freenameindex(ifs);
	if (!buf[0])
		snprintf(buf, size, "none");
}
