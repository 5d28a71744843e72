/* One RTM_GETLINK or RTM_GETNEIGH (AF_BRIDGE) per question, on a fresh
 * socket, like route.c. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "bridge.h"
#include "nl_recv.h"
#include "ifname.h"

/* One request or answer; fixed, so it can start zeroed (MNL_SOCKET_BUFFER_SIZE
 * is the page size, known only at run time). */
#define BRIDGE_BUF	8192

typedef int (*answer_cb)(const struct nlmsghdr *nlh, void *data);

/* Send one request, run cb on the answer. -1 on any failure. */
static int ask(struct nlmsghdr *nlh, char *buf, answer_cb cb, void *data)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	uint32_t seq = (uint32_t)time(NULL);
	int ret = -1;
	ssize_t n;

	if (!nl)
		return -1;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	n = nl_recv_kernel(nl, buf, BRIDGE_BUF);
	if (n < 0)
		goto out;
	ret = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), cb, data);
	ret = ret < 0 ? -1 : 0;
out:
	mnl_socket_close(nl);
	return ret;
}

struct link_answer {
	bool got;
	bool is_bridge;
	uint32_t master;
	uint8_t mac[6];
	bool have_mac;
};

static int linkinfo_cb(const struct nlattr *attr, void *data)
{
	struct link_answer *a = data;

	if (mnl_attr_get_type(attr) == IFLA_INFO_KIND &&
	    mnl_attr_validate(attr, MNL_TYPE_STRING) == 0 &&
	    mnl_attr_get_payload_len(attr) >= 6 &&
	    !strncmp(mnl_attr_get_str(attr), "bridge", 7))
		a->is_bridge = true;
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct link_answer *a = data;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_MASTER:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			a->master = mnl_attr_get_u32(attr);
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(attr) == 6) {
			memcpy(a->mac, mnl_attr_get_payload(attr), 6);
			a->have_mac = true;
		}
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
			mnl_attr_parse_nested(attr, linkinfo_cb, a);
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_answer *a = data;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	a->got = true;
	mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr_cb, a);
	return MNL_CB_OK;
}

static bool get_link(uint32_t ifindex, struct link_answer *a)
{
	char buf[BRIDGE_BUF] = { 0 };	/* padding goes out zeroed */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	memset(a, 0, sizeof(*a));
	if (!ifindex)
		return false;
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	return ask(nlh, buf, link_cb, a) == 0 && a->got;
}

static bool ask_bridge_link(uint32_t ifindex, struct bridge_link *bl)
{
	struct link_answer a, m;

	memset(bl, 0, sizeof(*bl));
	if (!get_link(ifindex, &a))
		return false;
	if (a.is_bridge) {
		bl->is_bridge = true;
		bl->bridge = ifindex;
		memcpy(bl->bridge_mac, a.mac, 6);
		bl->have_mac = a.have_mac;
		return true;
	}
	/* a port: its master must be a bridge (a bond or VRF is not) */
	if (a.master && get_link(a.master, &m) && m.is_bridge) {
		bl->bridge = a.master;
		memcpy(bl->bridge_mac, m.mac, 6);
		bl->have_mac = m.have_mac;
	}
	return true;
}

bool bridge_link_get(struct bridge_link_cache *c, uint32_t ifindex,
		     struct bridge_link *bl)
{
	struct bridge_link_slot *slot = &c->slot[ifindex % BRIDGE_LINK_SLOTS];
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!ifindex || slot->ifindex != ifindex ||
	    now.tv_sec - slot->when >= BRIDGE_LINK_TTL_S) {
		slot->ifindex = ifindex;
		slot->when = now.tv_sec;
		slot->ok = ask_bridge_link(ifindex, &slot->bl);
	}
	*bl = slot->bl;
	return slot->ok;
}

struct fdb_answer {
	uint32_t port;
};

static int fdb_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fdb_answer *a = data;
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == RTM_NEWNEIGH && ndm->ndm_ifindex > 0)
		a->port = (uint32_t)ndm->ndm_ifindex;
	return MNL_CB_OK;
}

bool bridge_fdb_port(struct ifname_cache *names, uint32_t br,
		     const uint8_t mac[6], char *name)
{
	char buf[BRIDGE_BUF] = { 0 };	/* padding goes out zeroed */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct fdb_answer a = { 0 };
	struct ndmsg *ndm;

	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = PF_BRIDGE;
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	mnl_attr_put_u32(nlh, NDA_MASTER, br);
	/* the bridge itself "has" its own address: that is no port */
	if (ask(nlh, buf, fdb_cb, &a) < 0 || !a.port || a.port == br)
		return false;
	return ifname_get(names, a.port, name);
}

static int any_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_answer a;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	memset(&a, 0, sizeof(a));
	mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr_cb, &a);
	if (a.is_bridge)
		*(bool *)data = true;
	return MNL_CB_OK;
}

bool bridge_any(void)
{
	char buf[BRIDGE_BUF] = { 0 };	/* padding goes out zeroed */
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	uint32_t seq = (uint32_t)time(NULL), portid;
	struct ifinfomsg *ifi;
	struct nlattr *info;
	bool found = false;
	ssize_t n;
	int ret;

	if (!nl)
		return false;
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	/* the kernel filters the dump by kind */
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	portid = mnl_socket_get_portid(nl);
	do {
		n = nl_recv_kernel(nl, buf, sizeof(buf));
		if (n < 0)
			goto out;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, any_cb, &found);
	} while (ret > 0);
out:
	mnl_socket_close(nl);
	return found;
}
