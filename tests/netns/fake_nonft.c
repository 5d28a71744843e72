/* LD_PRELOAD shim for the namespace tests: pretend the kernel was built
 * without nf_tables, but with nfnetlink and its other subsystems
 * (nfnetlink_log, ctnetlink), as such a kernel really is. So only what
 * belongs to nf_tables fails, on NETLINK_NETFILTER sockets only:
 *
 *  - joining the multicast groups NFNLGRP_NFTABLES (ruleset news) and
 *    NFNLGRP_NFTRACE (trace events) with NETLINK_ADD_MEMBERSHIP:
 *    ENOENT;
 *  - sending a message of subsystem NFNL_SUBSYS_NFTABLES, or a batch
 *    whose NFNL_MSG_BATCH_BEGIN names that subsystem in res_id, through
 *    send, sendto or sendmsg: EOPNOTSUPP, what nfnetlink answers for a
 *    subsystem it does not have. The message never reaches the kernel.
 *
 * Everything else (nfnetlink_log's group 0 and config messages, conntrack
 * lookups, other sockets) goes to libc unchanged. The tool concludes "no
 * nf_tables" from the failed table dump in src/backend.c; libnftables
 * (src/rules_nft.c) and the tracing table (src/arm.c) fail the same way
 * should they be reached. */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "shim.h"
#include <linux/netfilter/nfnetlink.h>

#define SUBSYS_NFTABLES		10	/* NFNL_SUBSYS_NFTABLES */
#define GROUP_NFTABLES		7	/* NFNLGRP_NFTABLES */
#define GROUP_NFTRACE		9	/* NFNLGRP_NFTRACE */
#define MSG_BATCH_BEGIN		0x10	/* NFNL_MSG_BATCH_BEGIN */

#define REAL(name) \
	static __typeof__(name) *real_##name; \
	if (!real_##name) \
		*(void **)&real_##name = dlsym(RTLD_NEXT, #name); \
	if (!real_##name) { \
		errno = ENOSYS; \
		return -1; \
	}

/* Does this buffer of netlink messages hold one for nf_tables? */
static bool for_nftables(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr nlh;
		size_t step;

		memcpy(&nlh, p, sizeof(nlh));
		if (nlh.nlmsg_len < sizeof(nlh) || nlh.nlmsg_len > len)
			break;
		if ((nlh.nlmsg_type >> 8) == SUBSYS_NFTABLES)
			return true;
		if (nlh.nlmsg_type == MSG_BATCH_BEGIN &&
		    nlh.nlmsg_len >= NLMSG_LENGTH(sizeof(struct nfgenmsg))) {
			struct nfgenmsg g;

			memcpy(&g, p + NLMSG_HDRLEN, sizeof(g));
			if (ntohs(g.res_id) == SUBSYS_NFTABLES)
				return true;
		}
		step = NLMSG_ALIGN(nlh.nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return false;
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	REAL(setsockopt);
	if (level == SOL_NETLINK && name == NETLINK_ADD_MEMBERSHIP &&
	    val && len >= sizeof(int) && is_nfnetlink(fd)) {
		int group;

		memcpy(&group, val, sizeof(group));
		if (group == GROUP_NFTABLES || group == GROUP_NFTRACE) {
			errno = ENOENT;
			return -1;
		}
	}
	return real_setsockopt(fd, level, name, val, len);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *to, socklen_t tolen)
{
	REAL(sendto);
	if (buf && is_nfnetlink(fd) && for_nftables(buf, len)) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return real_sendto(fd, buf, len, flags, to, tolen);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	REAL(send);
	if (buf && is_nfnetlink(fd) && for_nftables(buf, len)) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return real_send(fd, buf, len, flags);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	REAL(sendmsg);
	if (msg && msg->msg_iovlen && is_nfnetlink(fd)) {
		size_t total = 0, off = 0, i;
		unsigned char *flat;
		bool nft;

		for (i = 0; i < msg->msg_iovlen; i++)
			total += msg->msg_iov[i].iov_len;
		/* batches span several iovecs: look at them in one piece */
		flat = malloc(total ? total : 1);
		if (!flat) {
			errno = ENOMEM;
			return -1;
		}
		for (i = 0; i < msg->msg_iovlen; i++) {
			memcpy(flat + off, msg->msg_iov[i].iov_base,
			       msg->msg_iov[i].iov_len);
			off += msg->msg_iov[i].iov_len;
		}
		nft = for_nftables(flat, total);
		free(flat);
		if (nft) {
			errno = EOPNOTSUPP;
			return -1;
		}
	}
	return real_sendmsg(fd, msg, flags);
}
