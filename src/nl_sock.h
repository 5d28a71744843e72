/* A netlink socket that receives events: set-up, the receive buffer,
 * and the one loop that reads it dry and counts overruns. The trace
 * listeners (nl_trace.c, nl_log_recv.c) and the ruleset-change socket
 * (rules_nft.c) hand it a callback per message. */
#ifndef IPTT_NL_SOCK_H
#define IPTT_NL_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

struct nl_sock;

/* The receive buffer of an event socket, in bytes: mib MiB, or when
 * mib is 0 a 128th of the RAM, at least 16 MiB (what nft monitor trace
 * asks for) and at most 128 MiB. The kernel counts twice what we ask
 * for, and an event costs it about 1.3 KB of that (16 MiB hold 26,000
 * events); a traced packet on a kube-proxy path is 20-30 events, and
 * the kernel writes them faster than we print them: a burst of 20,000
 * such packets needs the 128 MiB. The memory is taken only while
 * events wait. */
int nl_sock_events_rcvbuf(unsigned int mib);

/* A nonblocking NETLINK_NETFILTER socket bound to an automatic port id,
 * joined to group when it is not 0, with a receive buffer of rcvbuf
 * bytes (0: the system's default). Returns NULL with errno set. */
struct nl_sock *nl_sock_open(unsigned int group, int rcvbuf);
void nl_sock_close(struct nl_sock *s);
int nl_sock_fd(const struct nl_sock *s);
uint32_t nl_sock_portid(const struct nl_sock *s);
/* For sending requests (the NFLOG configuration). */
struct mnl_socket *nl_sock_mnl(const struct nl_sock *s);

/* Called for each overrun (ENOBUFS): the kernel dropped messages. */
typedef void (*nl_sock_overrun_cb)(void *data);

/* Read until the queue is empty, or max datagrams were read (0: no
 * bound), running cb on every message the kernel sent. An overrun calls
 * overrun (when not NULL) and reading goes on: the rest of each packet's
 * path is still worth showing. *empty (when not NULL): the queue was read
 * to its end. Returns 0, or -1 with errno set on any other error. */
int nl_sock_drain(struct nl_sock *s, mnl_cb_t cb, nl_sock_overrun_cb overrun,
		  void *data, size_t max, bool *empty);

/* Read until the answer to request seq arrives: returns what
 * mnl_cb_run() returned for it (MNL_CB_STOP for the ack, -1 with errno
 * for an error), skipping the events queued before it. An empty queue
 * is ETIMEDOUT: the kernel answers before sendto() returns, so the ack
 * was lost to an overrun. */
int nl_sock_wait_ack(struct nl_sock *s, uint32_t seq);

#endif
