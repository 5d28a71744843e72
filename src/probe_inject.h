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

/* --ct established/related: one entry (or an expectation) in the current
 * namespace's conntrack table for the probe's flow. 0, or -1 with errno
 * and a one-line reason in err. */
int probe_ct_create(const struct probe_spec *ps, char *err, size_t errlen);

#endif
