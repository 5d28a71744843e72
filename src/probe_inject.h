/* Getting the probe into the copy: the sockets that send it, and the
 * conntrack entry --ct established/related asks for. Each function runs
 * in the namespace it says, and returns in the copy. */
#ifndef IPTT_PROBE_INJECT_H
#define IPTT_PROBE_INJECT_H

#include <stddef.h>
#include <stdint.h>
#include "probe.h"

struct probe_sender {
	int fd;
	bool frame;			/* AF_PACKET from the wire side */
	int ifindex;			/* the wire peer's, for sll */
	unsigned char dst_mac[6], src_mac[6];
};

/* A packet socket in the wire namespace bound to the peer wire_ifindex,
 * opened while setns'd there (back to copy_fd after). 0, or -1 errno. */
int probe_sender_wire(struct probe_sender *s, int wire_fd, int copy_fd,
		      int wire_ifindex, const unsigned char wire_mac[6],
		      const unsigned char copy_mac[6]);
/* A raw socket in the current namespace (the copy), for --from-host,
 * with SO_MARK when mark_set. 0, or -1 errno. */
int probe_sender_host(struct probe_sender *s, int family, bool mark_set,
		      uint32_t mark);
/* Send the IP packet pkt (len bytes) to dst. 0, or -1 errno. */
int probe_send(const struct probe_sender *s, const uint8_t *pkt, size_t len,
	       const struct probe_addr *dst);
void probe_sender_close(struct probe_sender *s);

/* A fence: a frame of an ethertype nothing in the copy handles
 * (PROBE_FENCE_ETHERTYPE), sent after the probe into the same receive
 * queue (the wire's interface, or lo for --from-host) from the same CPU.
 * The kernel handles that queue in order, so when a socket bound to the
 * interface gets the fence, every event of what came before it (the
 * probe, and the answers the copy made while handling it) is queued on
 * our trace socket. No hook sees the fence: netfilter's hooks are for IP
 * and ARP. Not for a bridge's port: the bridge would take it. */
#define PROBE_FENCE_ETHERTYPE	0x88b5	/* IEEE 802 local experimental 1 */

struct probe_fence {
	int rx;				/* AF_PACKET in the copy, on ifindex */
	int tx;				/* for lo: AF_PACKET in the copy; -1 */
	int ifindex;			/* in the copy */
	uint32_t seq;			/* of the last fence sent */
};

/* Open the receiving socket (and for lo, the sending one) in the current
 * namespace, the copy. 0, or -1 errno. */
int probe_fence_open(struct probe_fence *f, int ifindex, bool loopback);
/* Send the next fence: through the wire sender s, or on lo when s is
 * NULL. 0, or -1 errno. */
int probe_fence_send(struct probe_fence *f, const struct probe_sender *s);
/* 1 when the last fence sent came back (older ones are read and
 * skipped), 0 when not yet, -1 errno. */
int probe_fence_back(struct probe_fence *f);
void probe_fence_close(struct probe_fence *f);

/* --ct established/related: one entry (or an expectation) in the current
 * namespace's conntrack table for the probe's flow. 0, or -1 with errno
 * and a one-line reason in err. */
int probe_ct_create(const struct probe_spec *ps, char *err, size_t errlen);

#endif
