/* What the fate of a packet that came through a Linux bridge needs to
 * know of the interfaces: is one a bridge or a bridge port, the bridge's
 * own MAC (frames to it are routed, others bridged), and which port a
 * MAC sits behind. Asked over rtnetlink in the traced namespace, once
 * per printed packet that came through a bridge: not a hot path. */
#ifndef IPTT_BRIDGE_H
#define IPTT_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

struct ifname_cache;

struct bridge_link {
	bool is_bridge;		/* the interface is a bridge */
	uint32_t bridge;	/* the bridge: itself, or a port's master; 0 none */
	uint8_t bridge_mac[6];	/* the bridge's address, when bridge != 0 */
	bool have_mac;
};

/* Fill bl for ifindex. False when the interface cannot be asked about
 * (gone, or no answer): the caller must not guess. */
bool bridge_link_get(uint32_t ifindex, struct bridge_link *bl);

/* The port of bridge br behind which mac was learned, as a name
 * (IFNAMSIZ bytes). False when the bridge's forwarding database has no
 * such entry (the frame was flooded) or cannot be read. */
bool bridge_fdb_port(struct ifname_cache *names, uint32_t br,
		     const uint8_t mac[6], char *name);

/* Is there any bridge in the namespace? False also when it cannot tell. */
bool bridge_any(void);

#endif
