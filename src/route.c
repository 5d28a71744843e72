/* One RTM_GETROUTE per question, and questions come only for packets
 * whose fate the firewall did not decide: not a hot path. */
#include <errno.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "nl_recv.h"
#include "ifname.h"
#include "route.h"

#define LOOPBACK_IFINDEX	1	/* the kernel's, include/net/flow.h */

struct answer_ctx {
	struct route_answer *a;
	struct ifname_cache *names;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct answer_ctx *c = data;

	if (mnl_attr_get_type(attr) == RTA_OIF &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) == 0 &&
	    !ifname_get(c->names, mnl_attr_get_u32(attr), c->a->oif))
		c->a->oif[0] = '\0';
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct answer_ctx *c = data;
	struct route_answer *a = c->a;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	switch (rtm->rtm_type) {
	case RTN_LOCAL:
		a->kind = ROUTE_LOCAL;
		break;
	case RTN_UNICAST:
		a->kind = ROUTE_UNICAST;
		mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, c);
		break;
	case RTN_UNREACHABLE:
		a->kind = ROUTE_DROP;
		snprintf(a->why, sizeof(a->why), "an unreachable route");
		break;
	case RTN_PROHIBIT:
		a->kind = ROUTE_DROP;
		snprintf(a->why, sizeof(a->why), "a prohibit route");
		break;
	case RTN_BLACKHOLE:
		a->kind = ROUTE_DROP;
		snprintf(a->why, sizeof(a->why), "a blackhole route");
		break;
	}
	return MNL_CB_OK;
}

/* Each request gets exactly one answer, read before the next is sent;
 * after anything unexpected the socket goes, and the next lookup starts
 * on a fresh one. */
static struct mnl_socket *route_socket(struct route_sock *rs)
{
	if (rs->nl)
		return rs->nl;
	rs->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (rs->nl && mnl_socket_bind(rs->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(rs->nl);
		rs->nl = NULL;
	}
	if (!rs->seq)
		rs->seq = (uint32_t)time(NULL);
	return rs->nl;
}

void route_close(struct route_sock *rs)
{
	if (rs->nl)
		mnl_socket_close(rs->nl);
	rs->nl = NULL;
}

void route_lookup(struct route_sock *rs, const struct pkt_hdrs *p, uint32_t iif,
		  struct route_answer *a)
{
	struct answer_ctx ctx = { a, rs->names };
	char dst[INET6_ADDRSTRLEN];
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	size_t alen = p->family == AF_INET ? 4 : 16;
	uint32_t seq;
	bool answered = false;
	ssize_t n;
	int ret;

	memset(a, 0, sizeof(*a));
	nl = route_socket(rs);
	if (!nl)
		return;
	seq = ++rs->seq;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = p->family;
	rtm->rtm_dst_len = (unsigned char)(alen * 8);
	mnl_attr_put(nlh, RTA_DST, alen, &p->dst);
	/* An input lookup, with the packet's source and interface, is what
	 * the kernel did for it: rp_filter and forwarding settings count.
	 * Not for a packet that came in over lo (ifindex 1 in every
	 * namespace): it keeps the route the output path gave it, and the
	 * kernel refuses an input lookup from lo for 127.0.0.0/8 sources
	 * (EINVAL, which would read "no forwarding"). The output lookup
	 * says where it was going. */
	if (iif && iif != LOOPBACK_IFINDEX) {
		rtm->rtm_src_len = (unsigned char)(alen * 8);
		mnl_attr_put(nlh, RTA_SRC, alen, &p->src);
		mnl_attr_put_u32(nlh, RTA_IIF, iif);
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	n = nl_recv_kernel(nl, buf, sizeof(buf));
	if (n < 0)
		goto out;
	errno = 0;
	ret = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), route_cb, &ctx);
	/* the kernel's answer, or its error for this request */
	answered = ret >= 0 || (errno != ESRCH && errno != EPROTO);
	/* A lookup that hits a prohibit route fails with EACCES (the
	 * route's own error) instead of returning it. */
	if (ret < 0 && errno == EACCES) {
		a->kind = ROUTE_DROP;
		snprintf(a->why, sizeof(a->why), "a prohibit route");
	} else if (ret < 0 && (errno == ENETUNREACH || errno == EHOSTUNREACH ||
			       errno == EXDEV || errno == EINVAL)) {
		a->kind = ROUTE_DROP;
		snprintf(a->why, sizeof(a->why), "%s", errno == EXDEV ?
			 "reverse path filter" : errno == EINVAL ?
			 "no forwarding" : "no route");
	}
	/* name the destination the packet had after NAT */
	if (a->kind == ROUTE_DROP && inet_ntop(p->family, &p->dst, dst, sizeof(dst)))
		snprintf(a->why + strlen(a->why), sizeof(a->why) - strlen(a->why),
			 " %s %s", errno == EXDEV || errno == EINVAL ? "for" : "to", dst);
out:
	if (!answered)
		route_close(rs);
}
