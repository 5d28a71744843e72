#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "nl_recv.h"

/* recvfrom, not recvmsg: the kernel then copies no msghdr and iovec in
 * for every datagram, a twentieth of our CPU in a burst. MSG_TRUNC
 * makes netlink return a datagram's whole length, so a cut one shows
 * as a length beyond the buffer. */
ssize_t nl_recv_kernel(const struct mnl_socket *nl, void *buf, size_t len)
{
	for (;;) {
		struct sockaddr_nl from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(mnl_socket_get_fd(nl), buf, len, MSG_TRUNC,
				     (struct sockaddr *)&from, &fromlen);

		if (n < 0)
			return -1;
		if ((size_t)n > len) {
			errno = ENOSPC;
			return -1;
		}
		if (fromlen != sizeof(from)) {
			errno = EINVAL;
			return -1;
		}
		if (from.nl_pid == 0)
			return n;
	}
}
