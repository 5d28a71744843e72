/* bench/null: the null listener, the limit a trace consumer can reach.
 *
 *   null [nflog]
 *
 * Joins the nf_tables trace group (NFNLGRP_NFTRACE) with a 128 MiB
 * receive buffer, what iptables-trace asks for on a machine with 16 GB
 * or more (nl_sock_events_rcvbuf), and only receives: it counts
 * the NFT_MSG_TRACE messages and the overruns (ENOBUFS). On SIGINT or
 * SIGTERM it prints "events N overruns M drops D" (D: the socket's own
 * drop counter, SO_MEMINFO's SK_MEMINFO_DROPS, -1 when unknown).
 *
 * With nflog it also takes what legacy TRACE sends, as iptables-trace
 * does on a legacy host: nfnetlink_log as the IPv4 logger, NFLOG group
 * 0 with the whole packet, one message a datagram (qthresh 1, no
 * timeout), on a second socket with the same buffer; both sockets'
 * messages, overruns and drops are counted together. Only one socket in
 * a namespace can hold group 0, so this runs alone, never beside
 * iptables-trace; at exit it unbinds both, as a namespace of its own
 * (the bench's router) may be left. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/sock_diag.h>

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

#define RCVBUF	(128 << 20)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct counts {
	unsigned long events, overruns;
	long drops;
};

static int open_sock(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, size = RCVBUF;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("null: netlink");
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

/* One NFULNL_MSG_CONFIG request with one attribute, and its ack. */
static int log_config(int fd, uint8_t family, uint16_t type, const void *data,
		      uint16_t len)
{
	char buf[256] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct nfgenmsg *nfg = NLMSG_DATA(nlh);
	struct nlattr *a = (struct nlattr *)((char *)nfg + NLMSG_ALIGN(sizeof(*nfg)));
	ssize_t n;

	memset(buf, 0, sizeof(buf));
	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(0);		/* group 0 */
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	nlh->nlmsg_len = (uint32_t)((char *)a - buf) + NLA_ALIGN(a->nla_len);
	if (send(fd, buf, nlh->nlmsg_len, 0) < 0)
		return -1;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) ||
	    nlh->nlmsg_type != NLMSG_ERROR)
		return errno = EPROTO, -1;
	if (((struct nlmsgerr *)NLMSG_DATA(nlh))->error)
		return errno = -((struct nlmsgerr *)NLMSG_DATA(nlh))->error, -1;
	return 0;
}

static int log_cmd(int fd, uint8_t family, uint8_t cmd)
{
	struct nfulnl_msg_config_cmd c = { .command = cmd };

	return log_config(fd, family, NFULA_CFG_CMD, &c, sizeof(c));
}

/* What iptables-trace's nl_log_open() asks for. */
static int open_nflog(void)
{
	struct nfulnl_msg_config_mode mode = {
		.copy_range = htonl(0xffff), .copy_mode = NFULNL_COPY_PACKET,
	};
	uint32_t one = htonl(1), zero = htonl(0);
	int fd = open_sock();

	if (fd < 0)
		return -1;
	if (log_cmd(fd, AF_INET, NFULNL_CFG_CMD_PF_BIND) < 0 ||
	    log_cmd(fd, AF_UNSPEC, NFULNL_CFG_CMD_BIND) < 0 ||
	    log_config(fd, AF_UNSPEC, NFULA_CFG_MODE, &mode, sizeof(mode)) < 0 ||
	    log_config(fd, AF_UNSPEC, NFULA_CFG_QTHRESH, &one, sizeof(one)) < 0 ||
	    log_config(fd, AF_UNSPEC, NFULA_CFG_TIMEOUT, &zero, sizeof(zero)) < 0) {
		perror("null: NFLOG group 0");
		return -1;
	}
	return fd;
}

static void close_nflog(int fd)
{
	log_cmd(fd, AF_UNSPEC, NFULNL_CFG_CMD_UNBIND);
	log_cmd(fd, AF_INET, NFULNL_CFG_CMD_PF_UNBIND);
}

static bool is_event(const struct nlmsghdr *nlh)
{
	return nlh->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_TRACE) ||
	       nlh->nlmsg_type == ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET);
}

/* One datagram: 1, or 0 when none is queued (MSG_DONTWAIT) or a signal
 * came, -1 on an error that ends the run. */
static int recv_one(int fd, struct counts *c, int flags)
{
	static char buf[1 << 16] __attribute__((aligned(8)));
	ssize_t n = recv(fd, buf, sizeof(buf), flags);
	struct nlmsghdr *nlh;
	size_t len;

	if (n < 0) {
		if (errno == ENOBUFS) {
			c->overruns++;
			return 1;
		}
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	}
	len = (size_t)n;
	for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
	     nlh = NLMSG_NEXT(nlh, len))
		c->events += is_event(nlh);
	return 1;
}

static long drops_of(int fd)
{
	unsigned int mem[SK_MEMINFO_VARS];
	socklen_t mlen = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &mlen) == 0 &&
	    mlen >= sizeof(mem[0]) * (SK_MEMINFO_DROPS + 1))
		return mem[SK_MEMINFO_DROPS];
	return -1;
}

int main(int argc, char **argv)
{
	struct sigaction act = { .sa_handler = on_signal };
	struct pollfd pfd[2] = { { .fd = -1 }, { .fd = -1 } };
	struct counts c = { 0 };
	int group = NFNLGRP_NFTRACE, nfds = 1, i;
	bool nflog = argc > 1 && !strcmp(argv[1], "nflog");

	sigaction(SIGINT, &act, NULL);	/* no SA_RESTART: poll returns */
	sigaction(SIGTERM, &act, NULL);
	/* group 0 first: the bench takes the NFTRACE membership as ready */
	if (nflog) {
		pfd[1].fd = open_nflog();
		if (pfd[1].fd < 0)
			return 1;
		nfds = 2;
	}
	pfd[0].fd = open_sock();
	if (pfd[0].fd < 0)
		return 1;
	if (setsockopt(pfd[0].fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)) < 0) {
		perror("null: NFNLGRP_NFTRACE");
		return 1;
	}
	pfd[0].events = pfd[1].events = POLLIN;
	/* one socket: a blocking recv a datagram, no poll */
	while (!stop && nfds == 1)
		if (recv_one(pfd[0].fd, &c, 0) < 0)
			stop = 1;
	/* two: each read out in turn, as iptables-trace reads them */
	while (!stop) {
		if (poll(pfd, (nfds_t)nfds, -1) < 0 && errno != EINTR)
			break;
		for (i = 0; i < nfds && !stop; i++) {
			int r;

			while ((r = recv_one(pfd[i].fd, &c, MSG_DONTWAIT)) > 0)
				;
			if (r < 0)
				stop = 1;
		}
	}
	c.drops = drops_of(pfd[0].fd);
	if (nflog) {
		long d = drops_of(pfd[1].fd);

		c.drops = c.drops < 0 || d < 0 ? -1 : c.drops + d;
		close_nflog(pfd[1].fd);
	}
	printf("events %lu overruns %lu drops %ld\n", c.events, c.overruns, c.drops);
	return 0;
}
