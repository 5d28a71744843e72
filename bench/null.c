/* bench/null: the null listener, the limit a trace consumer can reach.
 *
 *   null
 *
 * Joins the nf_tables trace group (NFNLGRP_NFTRACE) with a 128 MiB
 * receive buffer, what iptables-trace asks for on a machine with 16 GB
 * or more (nl_sock_events_rcvbuf), and only receives: it counts
 * the NFT_MSG_TRACE messages and the overruns (ENOBUFS). On SIGINT or
 * SIGTERM it prints "events N overruns M drops D" (D: the socket's own
 * drop counter, SO_MEMINFO's SK_MEMINFO_DROPS, -1 when unknown). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/sock_diag.h>

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(void)
{
	static char buf[1 << 16] __attribute__((aligned(8)));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct sigaction act = { .sa_handler = on_signal };
	int fd, group = NFNLGRP_NFTRACE, size = 128 << 20;
	unsigned long events = 0, overruns = 0;
	unsigned int mem[SK_MEMINFO_VARS];
	socklen_t mlen = sizeof(mem);
	long drops = -1;

	sigaction(SIGINT, &act, NULL);	/* no SA_RESTART: recv returns */
	sigaction(SIGTERM, &act, NULL);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("null: netlink");
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)) < 0) {
		perror("null: NFNLGRP_NFTRACE");
		return 1;
	}
	while (!stop) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nlh;
		size_t len;

		if (n < 0) {
			if (errno == ENOBUFS)
				overruns++;
			else if (errno != EINTR)
				break;
			continue;
		}
		len = (size_t)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len))
			if (NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_TRACE)
				events++;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &mlen) == 0 &&
	    mlen >= sizeof(mem[0]) * (SK_MEMINFO_DROPS + 1))
		drops = mem[SK_MEMINFO_DROPS];
	printf("events %lu overruns %lu drops %ld\n", events, overruns, drops);
	return 0;
}
