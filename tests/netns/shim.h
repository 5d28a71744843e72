/* What the LD_PRELOAD shims of the namespace tests share. */
#ifndef IPTT_TEST_SHIM_H
#define IPTT_TEST_SHIM_H

#include <errno.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <linux/netlink.h>

/* A NETLINK_NETFILTER socket? errno is kept: callers sit between a libc
 * call and its caller. */
static inline bool is_nfnetlink(int fd)
{
	int domain = 0, proto = 0, saved = errno;
	socklen_t len = sizeof(domain);
	bool yes;

	yes = getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
	      domain == AF_NETLINK;
	len = sizeof(proto);
	yes = yes && getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 &&
	      proto == NETLINK_NETFILTER;
	errno = saved;
	return yes;
}

#endif
