/* rtnetlink for the probe copy: one socket per namespace (a socket
 * talks to the namespace it was opened in), dumps collected whole
 * before anything is done with them, requests acknowledged one by one. */
#ifndef IPTT_PROBE_NL_H
#define IPTT_PROBE_NL_H

#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

struct pnl {
	struct mnl_socket *nl;
	uint32_t seq;
};

/* A finished dump: copies of every message, in the kernel's order. */
struct pnl_msgs {
	struct nlmsghdr **m;
	size_t n;
};

/* Open a NETLINK_ROUTE socket in the current network namespace.
 * Returns 0, or -1 with errno set. */
int pnl_open(struct pnl *p);
void pnl_close(struct pnl *p);

/* Dump type (RTM_GETLINK, GETADDR, GETROUTE, GETRULE, GETNEIGH) of
 * family; hdr/hdrlen is the family header that follows the nlmsghdr
 * (ifinfomsg, ifaddrmsg, rtmsg ...). An interrupted dump is retried.
 * Returns 0, or -1 with errno set. */
int pnl_dump(struct pnl *p, uint16_t type, const void *hdr, size_t hdrlen,
	     struct pnl_msgs *out);
void pnl_msgs_free(struct pnl_msgs *m);

/* Send one request with NLM_F_ACK and wait for the kernel's answer.
 * Returns 0, or -1 with errno set to the kernel's error. */
int pnl_talk(struct pnl *p, struct nlmsghdr *nlh);

#endif
