/* IPv4 and IPv6 addresses for the probe copy, as the traced namespace
 * has them, on the copied interface of the same name. They become
 * permanent (lifetimes are not copied) and IPv6 ones skip duplicate
 * address detection, so that they are usable at once. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "probe_int.h"

/* what an address may say about itself; the rest is state (tentative,
 * deprecated, dadfailed) or set by the kernel (secondary) */
#define ADDR_FLAGS_KEPT	(IFA_F_NOPREFIXROUTE | IFA_F_HOMEADDRESS | \
			 IFA_F_MANAGETEMPADDR | IFA_F_MCAUTOJOIN | IFA_F_NODAD)

static const int addr_attrs_kept[] = {
	IFA_ADDRESS, IFA_LOCAL, IFA_BROADCAST, IFA_ANYCAST, IFA_LABEL,
	IFA_RT_PRIORITY,
};

static int copy_addr(struct probe_ctx *c, const struct nlmsghdr *src)
{
	const struct ifaddrmsg *sifa = mnl_nlmsg_get_payload(src);
	char buf[1024] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	const struct nlattr *a;
	uint32_t flags = sifa->ifa_flags;
	int ifindex = probe_map_ifindex(c, (int)sifa->ifa_index);
	size_t i;

	if (!ifindex)
		return 0;		/* on an interface that was not copied */
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	*ifa = *sifa;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_for_each(a, src, sizeof(*sifa)) {
		int type = mnl_attr_get_type(a);

		if (type == IFA_FLAGS && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			flags = mnl_attr_get_u32(a);
		for (i = 0; i < sizeof(addr_attrs_kept) / sizeof(addr_attrs_kept[0]); i++)
			if (type == addr_attrs_kept[i] &&
			    mnl_nlmsg_size(nlh->nlmsg_len + mnl_attr_get_len(a)) < sizeof(buf))
				mnl_attr_put(nlh, (uint16_t)type, mnl_attr_get_payload_len(a),
					     mnl_attr_get_payload(a));
	}
	flags &= ADDR_FLAGS_KEPT;
	if (sifa->ifa_family == AF_INET6)
		flags |= IFA_F_NODAD;
	ifa->ifa_flags = (uint8_t)flags;
	mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	if (pnl_talk(&c->copy, nlh) == 0 || errno == EEXIST)
		return 0;
	return probe_fail(c, "probe: cannot copy an %s address: %s",
			  sifa->ifa_family == AF_INET6 ? "IPv6" : "IPv4", strerror(errno));
}

int probe_addrs_copy(struct probe_ctx *c)
{
	struct ifaddrmsg hdr = { .ifa_family = AF_UNSPEC };
	struct pnl_msgs m;
	size_t i;
	int ret = 0;

	if (pnl_dump(&c->src, RTM_GETADDR, &hdr, sizeof(hdr), &m) < 0)
		return probe_fail(c, "probe: cannot list the addresses: %s",
				  strerror(errno));
	for (i = 0; i < m.n && ret == 0; i++)
		if (m.m[i]->nlmsg_type == RTM_NEWADDR)
			ret = copy_addr(c, m.m[i]);
	pnl_msgs_free(&m);
	return ret;
}
