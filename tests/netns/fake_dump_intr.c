/* LD_PRELOAD shim for the namespace tests: make the kernel's answers to
 * the first FAKE_DUMP_INTR (default 1) nf_tables table dumps asked for look
 * interrupted by a concurrent commit, as they are on a host whose
 * ruleset keeps changing: every message of those answers gets
 * NLM_F_DUMP_INTR, which libmnl turns into EINTR. Only NETLINK_NETFILTER
 * sockets and the answers to NFT_MSG_GETTABLE dumps (NFT_MSG_GETRULE ones
 * with FAKE_DUMP_INTR_OF=rule) are touched; the race this fakes is too
 * rare to hit on demand with real commits. */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "shim.h"

#define NFT_GETTABLE	((10 << 8) | 1)	/* NFNL_SUBSYS_NFTABLES, NFT_MSG_GETTABLE */
#define NFT_GETRULE	((10 << 8) | 7)	/* NFNL_SUBSYS_NFTABLES, NFT_MSG_GETRULE */

static int left = -1;		/* dumps still to interrupt */
static int of = NFT_GETTABLE;	/* the dumps to interrupt */
static int dumping = -1;	/* the socket whose table dump is under way */

static void init(void)
{
	const char *o = getenv("FAKE_DUMP_INTR_OF");

	if (left < 0)
		left = getenv("FAKE_DUMP_INTR") ? atoi(getenv("FAKE_DUMP_INTR")) : 1;
	if (o && !strcmp(o, "rule"))
		of = NFT_GETRULE;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *to, socklen_t tolen)
{
	static __typeof__(sendto) *real;
	const struct nlmsghdr *nlh = buf;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "sendto");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	init();
	/* Dumps are counted as they are asked for: a reader that gives up
	 * at the first interrupted message never reads its NLMSG_DONE. Any
	 * new request on the socket (a reused descriptor, too) ends the
	 * marking of the last answer. */
	if (buf && len >= sizeof(*nlh) && (fd == dumping || left > 0) &&
	    is_nfnetlink(fd)) {
		if (fd == dumping)
			dumping = -1;
		if (left > 0 && nlh->nlmsg_type == of && (nlh->nlmsg_flags & NLM_F_DUMP)) {
			dumping = fd;
			left--;
		}
	}
	return real(fd, buf, len, flags, to, tolen);
}

/* Every message of the dump's answer, up to NLMSG_DONE. */
static void mark(void *buf, size_t total)
{
	struct nlmsghdr *nlh;
	size_t len;

	for (nlh = buf, len = total; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
		nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
		if (nlh->nlmsg_type == NLMSG_DONE)
			dumping = -1;
	}
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	static __typeof__(recvmsg) *real;
	ssize_t n;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "recvmsg");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	n = real(fd, msg, flags);
	if (n > 0 && fd == dumping && msg->msg_iovlen == 1)
		mark(msg->msg_iov[0].iov_base, (size_t)n);
	return n;
}

/* Our own dump reader (nl_recv.c) reads with recvfrom; with MSG_TRUNC
 * it may say more than it wrote. */
ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
		 struct sockaddr *from, socklen_t *fromlen)
{
	static __typeof__(recvfrom) *real;
	ssize_t n;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "recvfrom");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	n = real(fd, buf, len, flags, from, fromlen);
	if (n > 0 && fd == dumping)
		mark(buf, (size_t)n < len ? (size_t)n : len);
	return n;
}
