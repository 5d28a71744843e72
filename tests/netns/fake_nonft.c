/* LD_PRELOAD shim for the namespace tests: pretend the kernel was built
 * without nf_tables, so that socket(AF_NETLINK, ..., NETLINK_NETFILTER)
 * fails with EPROTONOSUPPORT, as it does when nfnetlink is missing.
 * Every other socket() call goes to libc unchanged. */
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>
#include <linux/netlink.h>

int socket(int domain, int type, int protocol)
{
	static int (*real_socket)(int, int, int);

	if (domain == AF_NETLINK && protocol == NETLINK_NETFILTER) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	if (!real_socket)
		*(void **)&real_socket = dlsym(RTLD_NEXT, "socket");
	if (!real_socket) {
		errno = ENOSYS;
		return -1;
	}
	return real_socket(domain, type, protocol);
}
