/* What the fate of a packet that came through a Linux bridge needs to
 * know of the interfaces: is one a bridge or a bridge port, the bridge's
 * own MAC (frames to it are routed, others bridged), and which port a
 * MAC sits behind. Asked over rtnetlink in the traced namespace; link
 * answers are kept a second (below), the others are asked once per
 * packet that came through a bridge. */
#ifndef IPTT_BRIDGE_H
#define IPTT_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <time.h>

struct ifname_cache;

struct bridge_link {
	bool is_bridge;		/* the interface is a bridge */
	uint32_t bridge;	/* the bridge: itself, or a port's master; 0 none */
	uint8_t bridge_mac[6];	/* the bridge's address, when bridge != 0 */
	bool have_mac;
};

/* Link answers are kept a second, as interface names are (ifname.h):
 * the fate of every routed packet asks whether it came in through a
 * bridge (two requests and a socket each, most of the receive path's
 * system time in a burst), and interfaces join or leave bridges rarely. */
#define BRIDGE_LINK_SLOTS	64
#define BRIDGE_LINK_TTL_S	1

struct bridge_link_cache {
	struct bridge_link_slot {
		uint32_t ifindex;
		time_t when;
		bool ok;
		struct bridge_link bl;
	} slot[BRIDGE_LINK_SLOTS];
};

/* Fill bl for ifindex, from c when asked within the last second. False
 * when the interface cannot be asked about (gone, or no answer): the
 * caller must not guess. */
bool bridge_link_get(struct bridge_link_cache *c, uint32_t ifindex,
		     struct bridge_link *bl);

/* The port of bridge br behind which mac was learned, as a name
 * (IFNAMSIZ bytes). False when the bridge's forwarding database has no
 * such entry (the frame was flooded) or cannot be read. */
bool bridge_fdb_port(struct ifname_cache *names, uint32_t br,
		     const uint8_t mac[6], char *name);

/* Is there any bridge in the namespace? False also when it cannot tell. */
bool bridge_any(void);

#endif
