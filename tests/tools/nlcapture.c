/* nlcapture: record raw NFT_MSG_TRACE netlink messages for test fixtures.
 *
 * Subscribes to NFNLGRP_NFTRACE in the current network namespace (run it
 * under `ip netns exec NS`), and writes every netlink message it receives
 * byte for byte, header included, to DIR/msg-NNNN.nlmsg. A one-line
 * summary of each message goes to stdout so the interesting ones can be
 * picked out and copied into tests/fixtures/.
 * With -s, the messages also go to one stream file, each preceded by its
 * length as a native-endian u32.
 *
 * Stops after -n messages, after -t milliseconds without a message, or on
 * SIGINT/SIGTERM. See tests/tools/README for the build command. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#define RCVBUF	(16 << 20)	/* a burst must not overrun us while writing */

struct cap {
	const char *dir;
	unsigned int count, max;
	int fd_stream;		/* -s: a length-prefixed stream too */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	/* keep the CT_* attributes (18-21) of newer kernels too */
	if (type <= 32)
		tb[type] = a;
	return MNL_CB_OK;
}

/* "icmp:8", "tcp:S", "udp:7777" ... from the header snapshots, so the
 * summary says which packet an event belongs to. */
static const char *l4_name(const struct nlattr *nh, const struct nlattr *th)
{
	static const char flags[] = "FSRPAUEC";
	static char buf[32];
	const uint8_t *p, *t = th ? mnl_attr_get_payload(th) : NULL;
	unsigned int len, tlen = th ? mnl_attr_get_payload_len(th) : 0;
	unsigned int proto, i, n;

	if (!nh)
		return "-";
	p = mnl_attr_get_payload(nh);
	len = mnl_attr_get_payload_len(nh);
	if (len >= 20 && p[0] >> 4 == 4)
		proto = p[9];
	else if (len >= 40 && p[0] >> 4 == 6)
		proto = p[6];
	else
		return "?";
	switch (proto) {
	case 1:
	case 58:
		snprintf(buf, sizeof(buf), "%s:%d", proto == 1 ? "icmp" : "icmpv6",
			 tlen ? t[0] : -1);
		break;
	case 6:
		n = (unsigned int)snprintf(buf, sizeof(buf), "tcp:");
		for (i = 0; tlen >= 14 && i < 8; i++)
			if (t[13] & (1u << i))
				buf[n++] = flags[i];
		buf[n] = '\0';
		break;
	case 17:
		snprintf(buf, sizeof(buf), "udp:%d",
			 tlen >= 4 ? t[2] << 8 | t[3] : -1);
		break;
	default:
		snprintf(buf, sizeof(buf), "proto%u", proto);
	}
	return buf;
}

static void summarize(const struct nlmsghdr *nlh, unsigned int n)
{
	const struct nlattr *tb[33] = { 0 };
	const char *table = "-", *chain = "-", *target = "";
	uint32_t id = 0, type = 0;
	char handle[32] = "-", verdict[16] = "-", ct[48] = "";

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_TRACE) {
		printf("%04u type=0x%x (not a trace message) len=%u\n", n,
		       nlh->nlmsg_type, nlh->nlmsg_len);
		return;
	}
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, tb);
	if (tb[NFTA_TRACE_ID])
		id = ntohl(mnl_attr_get_u32(tb[NFTA_TRACE_ID]));
	if (tb[NFTA_TRACE_TYPE])
		type = ntohl(mnl_attr_get_u32(tb[NFTA_TRACE_TYPE]));
	if (tb[NFTA_TRACE_TABLE])
		table = mnl_attr_get_str(tb[NFTA_TRACE_TABLE]);
	if (tb[NFTA_TRACE_CHAIN])
		chain = mnl_attr_get_str(tb[NFTA_TRACE_CHAIN]);
	if (tb[NFTA_TRACE_RULE_HANDLE])
		snprintf(handle, sizeof(handle), "%" PRIu64,
			 be64toh(mnl_attr_get_u64(tb[NFTA_TRACE_RULE_HANDLE])));
	if (tb[NFTA_TRACE_VERDICT]) {
		const struct nlattr *v;

		mnl_attr_for_each_nested(v, tb[NFTA_TRACE_VERDICT]) {
			if (mnl_attr_get_type(v) == NFTA_VERDICT_CODE)
				snprintf(verdict, sizeof(verdict), "%d",
					 (int)ntohl(mnl_attr_get_u32(v)));
			if (mnl_attr_get_type(v) == NFTA_VERDICT_CHAIN)
				target = mnl_attr_get_str(v);
		}
	}
	if (tb[NFTA_TRACE_POLICY])
		snprintf(verdict, sizeof(verdict), "policy:%u",
			 ntohl(mnl_attr_get_u32(tb[NFTA_TRACE_POLICY])));
	if (tb[21])	/* CT_STATE; CT_ID is host order on the wire */
		snprintf(ct, sizeof(ct), " ct=state:%u,dir:%d,status:0x%x",
			 ntohl(mnl_attr_get_u32(tb[21])),
			 tb[19] ? mnl_attr_get_u8(tb[19]) : -1,
			 tb[20] ? ntohl(mnl_attr_get_u32(tb[20])) : 0);
	printf("%04u id=%08x type=%u %s %s handle=%s verdict=%s%s%s l4=%s%s%s%s%s\n",
	       n, id, type, table, chain, handle, verdict, *target ? " " : "",
	       target, l4_name(tb[NFTA_TRACE_NETWORK_HEADER],
				 tb[NFTA_TRACE_TRANSPORT_HEADER]),
	       tb[NFTA_TRACE_NETWORK_HEADER] ? " nethdr" : "",
	       tb[NFTA_TRACE_TRANSPORT_HEADER] ? " transhdr" : "",
	       tb[NFTA_TRACE_MARK] ? " mark" : "", ct);
}

static int write_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len) {
		ssize_t n = write(fd, c, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

static int save(struct cap *c, const struct nlmsghdr *nlh)
{
	char path[4096];
	uint32_t len = nlh->nlmsg_len;
	int fd, ret;

	/* stream: native-endian u32 length, then the bytes */
	if (c->fd_stream >= 0 &&
	    (write_all(c->fd_stream, &len, sizeof(len)) < 0 ||
	     write_all(c->fd_stream, nlh, len) < 0))
		return -1;
	if (!c->dir)
		return 0;
	snprintf(path, sizeof(path), "%s/msg-%04u.nlmsg", c->dir, c->count);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	ret = write_all(fd, nlh, len);
	if (close(fd) < 0)
		ret = -1;
	return ret;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cap *c = data;

	if (save(c, nlh) < 0) {
		perror("nlcapture: write");
		return MNL_CB_ERROR;
	}
	summarize(nlh, c->count);
	fflush(stdout);
	c->count++;
	return c->max && c->count >= c->max ? MNL_CB_STOP : MNL_CB_OK;
}

static void usage(void)
{
	fprintf(stderr, "usage: nlcapture [-n COUNT] [-t IDLE_MS] [-o DIR] [-s FILE]\n"
		"  -o DIR   one file per message: DIR/msg-NNNN.nlmsg\n"
		"  -s FILE  one stream: u32 length (host order), then the message\n"
		"  -n N     stop after N messages\n"
		"  -t MS    stop after MS milliseconds without a message\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static char buf[1 << 18];
	struct cap c = { .fd_stream = -1 };
	int group = NFNLGRP_NFTRACE, size = RCVBUF, idle = -1, opt, ret = 0;
	struct mnl_socket *nl;
	struct sigaction sa = { .sa_handler = on_signal };

	while ((opt = getopt(argc, argv, "n:o:s:t:")) != -1) {
		switch (opt) {
		case 'n': c.max = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'o': c.dir = optarg; break;
		case 's':
			c.fd_stream = open(optarg, O_WRONLY | O_CREAT | O_TRUNC |
					   O_CLOEXEC, 0644);
			if (c.fd_stream < 0) {
				perror(optarg);
				return 1;
			}
			break;
		case 't': idle = atoi(optarg); break;
		default: usage();
		}
	}
	if (!c.dir && c.fd_stream < 0)
		usage();
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0) {
		perror("nlcapture: NFNLGRP_NFTRACE");
		return 1;
	}
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &size, sizeof(size)) < 0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF,
			   &size, sizeof(size));
	/* Tell a driving script that the subscription is in place. */
	fprintf(stderr, "nlcapture: listening\n");

	while (!stop) {
		struct pollfd p = { mnl_socket_get_fd(nl), POLLIN, 0 };
		ssize_t n;
		int r = poll(&p, 1, idle);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("nlcapture: poll");
			ret = 1;
			break;
		}
		if (r == 0)
			break;		/* idle timeout */
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			/* A lost fixture is worth knowing about, not fatal. */
			if (errno == ENOBUFS) {
				fprintf(stderr, "nlcapture: events lost (ENOBUFS)\n");
				continue;
			}
			if (errno == EINTR)
				continue;
			perror("nlcapture: recv");
			ret = 1;
			break;
		}
		r = mnl_cb_run(buf, n, 0, 0, msg_cb, &c);
		if (r == MNL_CB_STOP)
			break;
		if (r < 0) {
			ret = 1;
			break;
		}
	}
	fprintf(stderr, "nlcapture: %u messages\n", c.count);
	mnl_socket_close(nl);
	if (c.fd_stream >= 0)
		close(c.fd_stream);
	return ret;
}
