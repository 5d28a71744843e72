/* One netlink receive that keeps only what the kernel sent. */
#ifndef IPTT_NL_RECV_H
#define IPTT_NL_RECV_H

#include <stddef.h>
#include <sys/types.h>
#include <libmnl/libmnl.h>

/* As mnl_socket_recvfrom(), but a datagram whose sender is not the
 * kernel (nl_pid 0) is dropped and the next one read: any process with
 * CAP_NET_ADMIN in the namespace, a container's root among them, can
 * unicast to our port id, with fake trace events or with lengths that
 * libmnl 1.0.4 mishandles (it loops forever on nlmsg_len 0xffffffff). */
ssize_t nl_recv_kernel(const struct mnl_socket *nl, void *buf, size_t len);

#endif
