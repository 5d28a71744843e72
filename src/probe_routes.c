/* Every routing table and every policy rule, IPv4 and IPv6, copied over
 * rtnetlink with interfaces mapped by name. Routes the kernel made for
 * addresses and interfaces (proto kernel: local, broadcast, connected,
 * multicast) are made again by the copy's kernel for the copied
 * addresses, and are not sent: IPv6 would read their metric 0 as "the
 * default metric" and add a second route at 1024. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "probe_int.h"

#define ROUTE_PASSES	4	/* a gateway reachable only through a later route */

static const char *family_word(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

static unsigned int route_table(const struct nlmsghdr *nlh)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(*rtm))
		if (mnl_attr_get_type(a) == RTA_TABLE &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			return mnl_attr_get_u32(a);
	return rtm->rtm_table;
}

/* "table 100 10.0.0.0/8" for a note */
static void route_words(const struct nlmsghdr *nlh, char *buf, size_t size)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	char dst[INET6_ADDRSTRLEN] = "default";

	mnl_attr_for_each(a, nlh, sizeof(*rtm))
		if (mnl_attr_get_type(a) == RTA_DST &&
		    mnl_attr_get_payload_len(a) == (rtm->rtm_family == AF_INET6 ? 16u : 4u))
			inet_ntop(rtm->rtm_family, mnl_attr_get_payload(a), dst, sizeof(dst));
	if (strcmp(dst, "default"))
		snprintf(buf, size, "%s route %s/%u in table %u", family_word(rtm->rtm_family),
			 dst, rtm->rtm_dst_len, route_table(nlh));
	else
		snprintf(buf, size, "%s default route in table %u",
			 family_word(rtm->rtm_family), route_table(nlh));
}

/* Each next hop names its interface: map it, or fail with ENODEV. */
static int map_multipath(struct probe_ctx *c, struct nlattr *mp)
{
	char *p = mnl_attr_get_payload(mp);
	int len = (int)mnl_attr_get_payload_len(mp);

	while (len >= (int)sizeof(struct rtnexthop)) {
		struct rtnexthop *nh = (struct rtnexthop *)p;
		int ifindex;

		if (nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > len)
			break;
		ifindex = probe_map_ifindex(c, nh->rtnh_ifindex);
		if (!ifindex) {
			errno = ENODEV;
			return -1;
		}
		nh->rtnh_ifindex = ifindex;
		len -= RTNH_ALIGN(nh->rtnh_len);
		p += RTNH_ALIGN(nh->rtnh_len);
	}
	return 0;
}

/* Build the copy's RTM_NEWROUTE. Returns 1 to send, 0 to skip (with
 * errno saying why: ENODEV an interface not copied, EOPNOTSUPP a
 * nexthop object or encapsulation), -1 when it does not fit. */
static int build_route(struct probe_ctx *c, const struct nlmsghdr *src,
		       char *buf, size_t size)
{
	const struct rtmsg *srtm = mnl_nlmsg_get_payload(src);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	const struct nlattr *a;

	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	*rtm = *srtm;
	rtm->rtm_flags &= RTNH_F_ONLINK;	/* the rest is state */
	mnl_attr_for_each(a, src, sizeof(*srtm)) {
		int type = mnl_attr_get_type(a), ifindex;
		struct nlattr *put;

		if (nlh->nlmsg_len + mnl_attr_get_len(a) + 8 > size) {
			errno = EMSGSIZE;
			return -1;
		}
		switch (type) {
		case RTA_OIF:
		case RTA_IIF:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				continue;
			ifindex = probe_map_ifindex(c, (int)mnl_attr_get_u32(a));
			if (!ifindex) {
				errno = ENODEV;
				return 0;
			}
			mnl_attr_put_u32(nlh, (uint16_t)type, (uint32_t)ifindex);
			break;
		case RTA_MULTIPATH:
			put = (struct nlattr *)mnl_nlmsg_get_payload_tail(nlh);
			mnl_attr_put(nlh, RTA_MULTIPATH, mnl_attr_get_payload_len(a),
				     mnl_attr_get_payload(a));
			if (map_multipath(c, put) < 0)
				return 0;
			break;
		case RTA_NH_ID:
		case RTA_ENCAP:
		case RTA_ENCAP_TYPE:
			errno = EOPNOTSUPP;
			return 0;
		case RTA_DST: case RTA_SRC: case RTA_GATEWAY: case RTA_PRIORITY:
		case RTA_PREFSRC: case RTA_METRICS: case RTA_FLOW: case RTA_TABLE:
		case RTA_MARK: case RTA_PREF: case RTA_VIA: case RTA_UID:
			mnl_attr_put(nlh, (uint16_t)type, mnl_attr_get_payload_len(a),
				     mnl_attr_get_payload(a));
			break;
		default:
			break;		/* state: cache info, expiry, padding */
		}
	}
	return 1;
}

static bool route_wanted(const struct nlmsghdr *nlh)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	return nlh->nlmsg_type == RTM_NEWROUTE && !(rtm->rtm_flags & RTM_F_CLONED);
}

static bool kernel_made(const struct nlmsghdr *nlh)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	return rtm->rtm_protocol == RTPROT_KERNEL;
}

/* One pass over the routes not yet done; done[i] set for each that went
 * in or that is given up on with a note. Returns how many went in, or
 * -1 on a hard error. */
static int route_pass(struct probe_ctx *c, const struct pnl_msgs *m, bool *done,
		      bool last)
{
	char buf[4096];
	size_t i;
	int added = 0;

	for (i = 0; i < m->n; i++) {
		int b;

		if (done[i])
			continue;
		memset(buf, 0, sizeof(buf));
		b = build_route(c, m->m[i], buf, sizeof(buf));
		if (b < 0)
			return -1;
		if (b == 1 && (pnl_talk(&c->copy, (struct nlmsghdr *)buf) == 0 ||
			       errno == EEXIST)) {
			done[i] = true;
			added++;
			continue;
		}
		if (b == 1 && !last)
			continue;	/* maybe its gateway comes with a later route */
		done[i] = true;
		{
			char what[128];

			route_words(m->m[i], what, sizeof(what));
			if (probe_note(c, "the %s is not in the copy: %s", what,
				       b == 0 && errno == ENODEV ?
				       "its interface is not copied" :
				       b == 0 ? "nexthop objects and encapsulation "
				       "are not copied" : strerror(errno)) < 0)
				return -1;
		}
	}
	return added;
}

static int routes_of(struct probe_ctx *c, int family)
{
	struct rtmsg hdr = { .rtm_family = (unsigned char)family };
	struct pnl_msgs m;
	bool *done;
	size_t i;
	int pass, ret = 0;
	bool stalled = false;

	if (pnl_dump(&c->src, RTM_GETROUTE, &hdr, sizeof(hdr), &m) < 0)
		return probe_fail(c, "probe: cannot list the %s routes: %s",
				  family_word(family), strerror(errno));
	done = calloc(m.n ? m.n : 1, sizeof(*done));
	if (!done) {
		pnl_msgs_free(&m);
		return probe_fail(c, "probe: out of memory");
	}
	for (i = 0; i < m.n; i++) {
		done[i] = !route_wanted(m.m[i]);
		c->pc->routes += !done[i];	/* as ip route show table all counts */
		done[i] = done[i] || kernel_made(m.m[i]);
	}
	for (pass = 0; ret >= 0; pass++) {
		bool last = pass == ROUTE_PASSES - 1 || stalled;

		ret = route_pass(c, &m, done, last);
		if (last)
			break;
		stalled = ret == 0;
	}
	free(done);
	pnl_msgs_free(&m);
	if (ret < 0)
		return probe_fail(c, "probe: cannot copy the %s routes: %s",
				  family_word(family), strerror(errno));
	return 0;
}

int probe_routes_copy(struct probe_ctx *c)
{
	return routes_of(c, AF_INET) < 0 || routes_of(c, AF_INET6) < 0 ? -1 : 0;
}

/* ---- policy rules -------------------------------------------------- */

static int rule_msg(struct pnl *p, const struct nlmsghdr *src, uint16_t type)
{
	char buf[2048] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	size_t len = mnl_nlmsg_get_payload_len(src);

	if (len + sizeof(*nlh) > sizeof(buf)) {
		errno = EMSGSIZE;
		return -1;
	}
	/* A rule names interfaces by name (FRA_IIFNAME, FRA_OIFNAME) and
	 * takes back every attribute it was dumped with. */
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = type == RTM_NEWRULE ? NLM_F_CREATE | NLM_F_EXCL : 0;
	memcpy(mnl_nlmsg_put_extra_header(nlh, len), mnl_nlmsg_get_payload(src), len);
	return pnl_talk(p, nlh);
}

/* The copy starts with the kernel's three default rules; the source
 * may have deleted or changed them, so the copy's go first and the
 * source's all come over in their order. */
static int rules_of(struct probe_ctx *c, int family)
{
	struct fib_rule_hdr hdr = { .family = (unsigned char)family };
	struct pnl_msgs own, m;
	size_t i;
	int ret = 0;

	if (pnl_dump(&c->src, RTM_GETRULE, &hdr, sizeof(hdr), &m) < 0)
		return probe_fail(c, "probe: cannot list the %s policy rules: %s",
				  family_word(family), strerror(errno));
	if (pnl_dump(&c->copy, RTM_GETRULE, &hdr, sizeof(hdr), &own) < 0) {
		pnl_msgs_free(&m);
		return probe_fail(c, "probe: cannot list the copy's policy rules: %s",
				  strerror(errno));
	}
	for (i = 0; i < own.n && ret == 0; i++)
		if (own.m[i]->nlmsg_type == RTM_NEWRULE &&
		    rule_msg(&c->copy, own.m[i], RTM_DELRULE) < 0)
			ret = probe_fail(c, "probe: cannot clear the copy's policy rules: %s",
					 strerror(errno));
	for (i = 0; i < m.n && ret == 0; i++)
		if (m.m[i]->nlmsg_type == RTM_NEWRULE &&
		    rule_msg(&c->copy, m.m[i], RTM_NEWRULE) < 0 && errno != EEXIST)
			ret = probe_fail(c, "probe: cannot copy an %s policy rule: %s",
					 family_word(family), strerror(errno));
	pnl_msgs_free(&own);
	pnl_msgs_free(&m);
	return ret;
}

int probe_rules_copy(struct probe_ctx *c)
{
	return rules_of(c, AF_INET) < 0 || rules_of(c, AF_INET6) < 0 ? -1 : 0;
}
