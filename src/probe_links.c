/* Interfaces for the probe copy: one veth per interface of the traced
 * namespace, with its name, MTU, MAC, group and up/down state; the peer
 * lives in the wire namespace, where frames are injected from and where
 * forwarded packets leave to. Bridges are made as bridges (cheap, and a
 * bridged packet's path differs); other kinds become a veth of the same
 * name, with a note. */
#include "probe_int.h"		/* net/if.h before the linux/ headers */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if_arp.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#ifndef IFF_LOWER_UP		/* linux/if.h has it, but clashes with net/if.h */
#define IFF_LOWER_UP	(1 << 16)
#endif

struct src_link {
	int index;
	char name[IFNAMSIZ];
	char kind[32];			/* IFLA_INFO_KIND, "" when none */
	unsigned char mac[6];
	bool has_mac;
	uint32_t mtu, group;
	unsigned int flags;
	unsigned short type;
	int master;			/* source ifindex, 0 when none */
	int pair;			/* a veth's peer in this same namespace, or 0 */
};

static int link_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, IFLA_MAX) >= 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static int info_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(a, IFLA_INFO_MAX) >= 0)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int parse_link(const struct nlmsghdr *nlh, struct src_link *l)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };

	memset(l, 0, sizeof(*l));
	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, tb) < 0 ||
	    !tb[IFLA_IFNAME] || mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) < 0)
		return -1;
	l->index = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->type = ifi->ifi_type;
	snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_MTU] && mnl_attr_validate(tb[IFLA_MTU], MNL_TYPE_U32) == 0)
		l->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_GROUP] && mnl_attr_validate(tb[IFLA_GROUP], MNL_TYPE_U32) == 0)
		l->group = mnl_attr_get_u32(tb[IFLA_GROUP]);
	if (tb[IFLA_MASTER] && mnl_attr_validate(tb[IFLA_MASTER], MNL_TYPE_U32) == 0)
		l->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6 &&
	    l->type == ARPHRD_ETHER) {
		memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
		l->has_mac = true;
	}
	if (tb[IFLA_LINK] && !tb[IFLA_LINK_NETNSID] &&
	    mnl_attr_validate(tb[IFLA_LINK], MNL_TYPE_U32) == 0)
		l->pair = (int)mnl_attr_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_LINKINFO]) {
		const struct nlattr *info[IFLA_INFO_MAX + 1] = { 0 };

		if (mnl_attr_parse_nested(tb[IFLA_LINKINFO], info_attr_cb, info) >= 0 &&
		    info[IFLA_INFO_KIND] &&
		    mnl_attr_validate(info[IFLA_INFO_KIND], MNL_TYPE_NUL_STRING) == 0)
			snprintf(l->kind, sizeof(l->kind), "%s",
				 mnl_attr_get_str(info[IFLA_INFO_KIND]));
	}
	return 0;
}

static struct nlmsghdr *link_msg(char *buf, int ifindex, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = flags;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

static void put_common(struct nlmsghdr *nlh, const struct src_link *l)
{
	mnl_attr_put_strz(nlh, IFLA_IFNAME, l->name);
	if (l->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, l->mtu);
	if (l->has_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, l->mac);
	mnl_attr_put_u32(nlh, IFLA_GROUP, l->group);
}

/* veth NAME in the copy, peer of the same name in the wire: the wire is
 * a namespace of its own, so the names cannot collide. */
static int make_veth(struct probe_ctx *c, const struct src_link *l)
{
	char buf[1024] = { 0 };
	struct nlmsghdr *nlh = link_msg(buf, 0, NLM_F_CREATE | NLM_F_EXCL);
	struct nlattr *info, *data, *peer;
	struct ifinfomsg *pifi;

	put_common(nlh, l);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, l->name);
	if (l->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, l->mtu);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)c->pc->wire_fd);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return pnl_talk(&c->copy, nlh);
}

static int make_bridge(struct probe_ctx *c, const struct src_link *l)
{
	char buf[512] = { 0 };
	struct nlmsghdr *nlh = link_msg(buf, 0, NLM_F_CREATE | NLM_F_EXCL);
	struct nlattr *info;

	put_common(nlh, l);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	return pnl_talk(&c->copy, nlh);
}

/* No automatic IPv6 addresses: the copy gets exactly the source's
 * (link-local ones included), and nothing starts duplicate address
 * detection or router solicitation on its own. */
static int no_addr_gen(struct pnl *p, int ifindex)
{
	char buf[256] = { 0 };
	struct nlmsghdr *nlh = link_msg(buf, ifindex, 0);
	struct nlattr *spec, *inet6;

	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	inet6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, inet6);
	mnl_attr_nest_end(nlh, spec);
	return pnl_talk(p, nlh);
}

static int set_updown(struct pnl *p, int ifindex, bool up)
{
	char buf[128] = { 0 };
	struct nlmsghdr *nlh = link_msg(buf, ifindex, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	return pnl_talk(p, nlh);
}

static int set_master(struct pnl *p, int ifindex, int master)
{
	char buf[128] = { 0 };
	struct nlmsghdr *nlh = link_msg(buf, ifindex, 0);

	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return pnl_talk(p, nlh);
}

static int set_mtu(struct pnl *p, int ifindex, uint32_t mtu)
{
	char buf[128] = { 0 };
	struct nlmsghdr *nlh = link_msg(buf, ifindex, 0);

	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return pnl_talk(p, nlh);
}

static struct src_link *find_link(struct src_link *v, size_t n, int index)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].index == index)
			return &v[i];
	return NULL;
}

/* ifindex and MAC of every link of a namespace, by name */
static int fill_from(struct pnl *p, struct probe_copy *pc, bool wire)
{
	struct ifinfomsg hdr = { .ifi_family = AF_UNSPEC };
	struct pnl_msgs m;
	size_t i, j;

	if (pnl_dump(p, RTM_GETLINK, &hdr, sizeof(hdr), &m) < 0)
		return -1;
	for (i = 0; i < m.n; i++) {
		struct src_link l;

		/* the wire's own lo is no peer: lo keeps wire_ifindex 0 */
		if (parse_link(m.m[i], &l) < 0 || (wire && l.type == ARPHRD_LOOPBACK))
			continue;
		for (j = 0; j < pc->n_ifaces; j++) {
			struct probe_iface *f = &pc->ifaces[j];

			if (strcmp(f->name, l.name))
				continue;
			if (wire) {
				f->wire_ifindex = l.index;
				memcpy(f->wire_mac, l.mac, 6);
			} else {
				f->ifindex = l.index;
				memcpy(f->mac, l.mac, 6);
			}
		}
	}
	pnl_msgs_free(&m);
	return 0;
}

static int add_map(struct probe_ctx *c, int src)
{
	struct probe_ifmap *n = realloc(c->map, (c->nmap + 1) * sizeof(*n));

	if (!n)
		return -1;
	c->map = n;
	c->map[c->nmap].src = src;
	c->map[c->nmap++].copy = 0;	/* filled once the copy's indexes are known */
	return 0;
}

static int make_one(struct probe_ctx *c, const struct src_link *l, bool bridge)
{
	if ((bridge ? make_bridge(c, l) : make_veth(c, l)) == 0)
		return 0;
	if (errno == EADDRNOTAVAIL || errno == EINVAL) {
		/* a MAC or MTU veth does not take: keep the interface */
		struct src_link plain = *l;

		plain.has_mac = false;
		plain.mtu = 0;
		if ((bridge ? make_bridge(c, &plain) : make_veth(c, &plain)) == 0)
			return probe_note(c, "interface %s could not get its MAC or MTU "
					  "in the copy", l->name);
	}
	return probe_fail(c, "probe: cannot make interface %s in the copy: %s",
			  l->name, strerror(errno));
}

static int note_kind(struct probe_ctx *c, const struct src_link *l,
		     const struct src_link *master, const struct src_link *pair)
{
	if (l->type != ARPHRD_ETHER && l->type != ARPHRD_LOOPBACK &&
	    probe_note(c, "interface %s is not Ethernet in the traced namespace "
		       "(link type %u); the copy has a veth of that name",
		       l->name, l->type) < 0)
		return -1;
	if (l->kind[0] && strcmp(l->kind, "veth") && strcmp(l->kind, "bridge") &&
	    probe_note(c, "interface %s is a %s in the traced namespace; the copy "
		       "has a veth of that name", l->name, l->kind) < 0)
		return -1;
	if (!strcmp(l->kind, "bridge") &&
	    probe_note(c, "bridge %s is copied without its VLAN settings and "
		       "forwarding database", l->name) < 0)
		return -1;
	if (!strcmp(l->kind, "veth") && l->pair && l->pair != l->index && pair &&
	    l->index < pair->index &&
	    probe_note(c, "interfaces %s and %s are one veth pair in the traced "
		       "namespace; in the copy each leads to the wire", l->name,
		       pair->name) < 0)
		return -1;
	if (l->master && (!master || strcmp(master->kind, "bridge")) &&
	    probe_note(c, "interface %s is enslaved to %s in the traced namespace; "
		       "not in the copy", l->name, master ? master->name : "another") < 0)
		return -1;
	return 0;
}

static int links_from(struct probe_ctx *c, struct src_link *v, size_t n)
{
	struct probe_copy *pc = c->pc;
	size_t i;
	int pass;

	pc->ifaces = calloc(n ? n : 1, sizeof(*pc->ifaces));
	if (!pc->ifaces)
		return probe_fail(c, "probe: out of memory");
	/* bridges first: their ports are enslaved to them below */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++) {
			const struct src_link *l = &v[i];
			bool bridge = !strcmp(l->kind, "bridge");

			if (l->type == ARPHRD_LOOPBACK || bridge != (pass == 0))
				continue;
			if (make_one(c, l, bridge) < 0 ||
			    note_kind(c, l, find_link(v, n, l->master),
				      find_link(v, n, l->pair)) < 0 ||
			    add_map(c, l->index) < 0)
				return -1;
			snprintf(pc->ifaces[pc->n_ifaces].name, IFNAMSIZ, "%s", l->name);
			pc->ifaces[pc->n_ifaces].carrier = !(l->flags & IFF_UP) ||
							   (l->flags & IFF_LOWER_UP);
			pc->ifaces[pc->n_ifaces++].up = l->flags & IFF_UP;
		}
	return 0;
}

static int loopback_from(struct probe_ctx *c, struct src_link *v, size_t n)
{
	struct probe_copy *pc = c->pc;
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].type != ARPHRD_LOOPBACK || strcmp(v[i].name, "lo"))
			continue;
		if (add_map(c, v[i].index) < 0)
			return probe_fail(c, "probe: out of memory");
		snprintf(pc->ifaces[pc->n_ifaces].name, IFNAMSIZ, "lo");
		pc->ifaces[pc->n_ifaces++].up = v[i].flags & IFF_UP;
		/* lo exists already in a new namespace, with its own MTU */
		if (v[i].mtu && set_mtu(&c->copy, 1, v[i].mtu) < 0)
			return probe_fail(c, "probe: cannot set the MTU of lo in the copy: %s",
					  strerror(errno));
	}
	return 0;
}

static int finish_links(struct probe_ctx *c, struct src_link *v, size_t n)
{
	struct probe_copy *pc = c->pc;
	size_t i;

	if (fill_from(&c->copy, pc, false) < 0 || fill_from(&c->wire, pc, true) < 0)
		return probe_fail(c, "probe: cannot list the copy's interfaces: %s",
				  strerror(errno));
	for (i = 0; i < pc->n_ifaces; i++) {
		struct probe_iface *f = &pc->ifaces[i];

		c->map[i].copy = f->ifindex;
		if (strcmp(f->name, "lo") &&
		    (no_addr_gen(&c->copy, f->ifindex) < 0 ||
		     (f->wire_ifindex && no_addr_gen(&c->wire, f->wire_ifindex) < 0)))
			return probe_fail(c, "probe: cannot configure IPv6 on %s in the copy: %s",
					  f->name, strerror(errno));
	}
	for (i = 0; i < n; i++) {
		const struct src_link *m = find_link(v, n, v[i].master);
		int port = probe_map_ifindex(c, v[i].index);
		int master = m ? probe_map_ifindex(c, m->index) : 0;

		if (!m || strcmp(m->kind, "bridge") || !port || !master)
			continue;
		if (set_master(&c->copy, port, master) < 0)
			return probe_fail(c, "probe: cannot add %s to bridge %s in the copy: %s",
					  v[i].name, m->name, strerror(errno));
		for (size_t j = 0; j < pc->n_ifaces; j++)
			if (pc->ifaces[j].ifindex == port)
				pc->ifaces[j].port = true;
	}
	pc->interfaces = (unsigned int)pc->n_ifaces;
	return 0;
}

int probe_links_copy(struct probe_ctx *c)
{
	struct ifinfomsg hdr = { .ifi_family = AF_UNSPEC };
	struct pnl_msgs m;
	struct src_link *v;
	size_t i, n = 0;
	int ret = -1;

	if (pnl_dump(&c->src, RTM_GETLINK, &hdr, sizeof(hdr), &m) < 0)
		return probe_fail(c, "probe: cannot list the interfaces: %s",
				  strerror(errno));
	v = calloc(m.n ? m.n : 1, sizeof(*v));
	if (!v) {
		pnl_msgs_free(&m);
		return probe_fail(c, "probe: out of memory");
	}
	for (i = 0; i < m.n; i++)
		if (parse_link(m.m[i], &v[n]) == 0)
			n++;
	pnl_msgs_free(&m);
	if (links_from(c, v, n) == 0 && loopback_from(c, v, n) == 0 &&
	    finish_links(c, v, n) == 0)
		ret = 0;
	free(v);
	return ret;
}

/* After the sysctls, before the addresses: the wire's end is up when
 * the source's interface had a carrier, so the copy's has one exactly
 * when the source's had. */
int probe_links_up(struct probe_ctx *c)
{
	struct probe_copy *pc = c->pc;
	size_t i;

	for (i = 0; i < pc->n_ifaces; i++) {
		const struct probe_iface *f = &pc->ifaces[i];

		if (f->up && set_updown(&c->copy, f->ifindex, true) < 0)
			return probe_fail(c, "probe: cannot bring up %s in the copy: %s",
					  f->name, strerror(errno));
		/* Without a carrier in the source, the wire's end stays
		 * down: the copy's interface has no carrier either (no
		 * LOWER_UP, routes "linkdown"). It never had one, so its
		 * operstate stays "unknown" and ip shows no NO-CARRIER. */
		if (f->wire_ifindex && f->carrier &&
		    set_updown(&c->wire, f->wire_ifindex, true) < 0)
			return probe_fail(c, "probe: cannot bring up the wire of %s: %s",
					  f->name, strerror(errno));
	}
	return 0;
}
