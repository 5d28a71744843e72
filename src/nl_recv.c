#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "nl_recv.h"

ssize_t nl_recv_kernel(const struct mnl_socket *nl, void *buf, size_t len)
{
	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = { buf, len };
		struct msghdr msg = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
		};
		ssize_t n = recvmsg(mnl_socket_get_fd(nl), &msg, 0);

		if (n < 0)
			return -1;
		if (msg.msg_flags & MSG_TRUNC) {
			errno = ENOSPC;
			return -1;
		}
		if (msg.msg_namelen != sizeof(from)) {
			errno = EINVAL;
			return -1;
		}
		if (from.nl_pid == 0)
			return n;
	}
}
