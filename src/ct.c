/* One GET per printed packet, never per event: the entry is looked up
 * when the packet's story is told, by the tuple of its own headers.
 * The request goes out without NLM_F_ACK: the kernel answers a GET with
 * the entry or with an error, one message either way, so a lookup is a
 * send and a receive (nfct_query asks for an ACK as well, a third
 * system call on every printed packet). libnetfilter_conntrack builds
 * and parses the messages. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "ct.h"
#include "decode.h"
#include "mono_time.h"
#include "text_fmt.h"

struct ct_handle {
	struct mnl_socket *nl;
	unsigned int portid;
	uint32_t seq;
	struct nf_conntrack *answer;
	struct ct_entry *out;
	bool found;
	struct timespec no_wait_until;	/* CLOCK_MONOTONIC: waiting did not help */
	char buf[8192] __attribute__((aligned(8)));		/* one entry is well under 1 KiB */
};

struct ct_handle *ct_open(void)
{
	struct ct_handle *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	c->answer = nfct_new();
	if (!c->nl || !c->answer || mnl_socket_bind(c->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ct_close(c);
		return NULL;
	}
	c->portid = mnl_socket_get_portid(c->nl);
	c->seq = (uint32_t)time(NULL);
	return c;
}

void ct_close(struct ct_handle *c)
{
	int e = errno;

	if (!c)
		return;
	if (c->nl)
		mnl_socket_close(c->nl);
	if (c->answer)
		nfct_destroy(c->answer);
	free(c);
	errno = e;
}

static void read_tuple(const struct nf_conntrack *ct, bool reply,
		       struct ct_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->family = nfct_get_attr_u8(ct, reply ? ATTR_REPL_L3PROTO : ATTR_ORIG_L3PROTO);
	t->proto = nfct_get_attr_u8(ct, reply ? ATTR_REPL_L4PROTO : ATTR_ORIG_L4PROTO);
	if (t->family == AF_INET) {
		t->src.v4.s_addr = nfct_get_attr_u32(ct, reply ? ATTR_REPL_IPV4_SRC : ATTR_ORIG_IPV4_SRC);
		t->dst.v4.s_addr = nfct_get_attr_u32(ct, reply ? ATTR_REPL_IPV4_DST : ATTR_ORIG_IPV4_DST);
	} else {
		memcpy(&t->src.v6, nfct_get_attr(ct, reply ? ATTR_REPL_IPV6_SRC : ATTR_ORIG_IPV6_SRC), 16);
		memcpy(&t->dst.v6, nfct_get_attr(ct, reply ? ATTR_REPL_IPV6_DST : ATTR_ORIG_IPV6_DST), 16);
	}
	if (t->proto == IPPROTO_ICMP || t->proto == IPPROTO_ICMPV6) {
		t->sport = ntohs(nfct_get_attr_u16(ct, ATTR_ICMP_ID));
	} else {
		t->sport = ntohs(nfct_get_attr_u16(ct, reply ? ATTR_REPL_PORT_SRC : ATTR_ORIG_PORT_SRC));
		t->dport = ntohs(nfct_get_attr_u16(ct, reply ? ATTR_REPL_PORT_DST : ATTR_ORIG_PORT_DST));
	}
}

static int answer_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ct_handle *c = data;
	const struct nf_conntrack *ct = c->answer;

	if (nfct_nlmsg_parse(nlh, c->answer) < 0)
		return MNL_CB_ERROR;
	c->out->id = nfct_get_attr_u32(ct, ATTR_ID);
	c->out->status = nfct_get_attr_u32(ct, ATTR_STATUS);
	read_tuple(ct, false, &c->out->orig);
	read_tuple(ct, true, &c->out->reply);
	c->found = true;
	return MNL_CB_STOP;
}

/* The kernel's GET looks the tuple up in the hash that holds both
 * directions, so a reply packet's own tuple finds its entry too. */
static void set_tuple(struct nf_conntrack *ct, const struct pkt_hdrs *p)
{
	nfct_set_attr_u8(ct, ATTR_ORIG_L3PROTO, p->family);
	nfct_set_attr_u8(ct, ATTR_ORIG_L4PROTO, p->proto);
	if (p->family == AF_INET) {
		nfct_set_attr_u32(ct, ATTR_ORIG_IPV4_SRC, p->src.v4.s_addr);
		nfct_set_attr_u32(ct, ATTR_ORIG_IPV4_DST, p->dst.v4.s_addr);
	} else {
		nfct_set_attr(ct, ATTR_ORIG_IPV6_SRC, &p->src.v6);
		nfct_set_attr(ct, ATTR_ORIG_IPV6_DST, &p->dst.v6);
	}
	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
		nfct_set_attr_u8(ct, ATTR_ICMP_TYPE, p->icmp_type);
		nfct_set_attr_u8(ct, ATTR_ICMP_CODE, p->icmp_code);
		nfct_set_attr_u16(ct, ATTR_ICMP_ID, htons(p->icmp_id));
	} else {
		nfct_set_attr_u16(ct, ATTR_ORIG_PORT_SRC, htons(p->sport));
		nfct_set_attr_u16(ct, ATTR_ORIG_PORT_DST, htons(p->dport));
	}
}

static int ask(struct ct_handle *c, const struct pkt_hdrs *p,
	       struct ct_entry *out)
{
	struct nf_conntrack *query;
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	ssize_t n;
	int ret;

	query = nfct_new();
	if (!query)
		return -1;
	set_tuple(query, p);
	nlh = mnl_nlmsg_put_header(c->buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++c->seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = p->family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	ret = nfct_nlmsg_build(nlh, query);
	nfct_destroy(query);
	if (ret < 0)
		return -1;
	if (mnl_socket_sendto(c->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	c->out = out;
	c->found = false;
	/* one message: the entry, or the error (ENOENT: none) */
	do {
		n = mnl_socket_recvfrom(c->nl, c->buf, sizeof(c->buf));
		if (n < 0)
			return -1;
		ret = mnl_cb_run(c->buf, (size_t)n, c->seq, c->portid, answer_cb, c);
	} while (ret == MNL_CB_OK && !c->found);
	if (ret < 0)
		return -1;
	return 0;
}

/* the confirmation is microseconds after the packet's last trace event
 * (nf_confirm runs last); a millisecond covers a CPU that was taken away */
#define CT_SOON_WAIT_NS	1000000L

int ct_lookup(struct ct_handle *c, const struct pkt_hdrs *p, bool soon,
	      struct ct_entry *out)
{
	const struct timespec wait = { 0, CT_SOON_WAIT_NS };
	struct timespec now;
	int ret;

	/* no tuple to ask by */
	if (!p->have_l4 || (p->proto == IPPROTO_ICMP && !p->icmp_echo) ||
	    (p->proto == IPPROTO_ICMPV6 && !p->icmp_echo)) {
		errno = ENOENT;
		return -1;
	}
	ret = ask(c, p, out);
	if (ret == 0 || errno != ENOENT || !soon)
		return ret;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ts_before(&now, &c->no_wait_until))
		return ret;
	nanosleep(&wait, NULL);
	ret = ask(c, p, out);
	if (ret < 0 && errno == ENOENT) {
		c->no_wait_until = now;
		ts_add_ms(&c->no_wait_until, 1000);
	}
	return ret;
}

const char *ct_state_name(uint32_t s)
{
	if (s & CT_ST_UNTRACKED)
		return "untracked";
	if (s & CT_ST_INVALID)
		return "invalid";
	if (s & CT_ST_NEW)
		return "new";
	if (s & CT_ST_RELATED)
		return "related";
	if (s & CT_ST_ESTABLISHED)
		return "established";
	return "?";
}

void ct_status_text(char *buf, size_t size, uint32_t status)
{
	static const struct { uint32_t bit; const char *name; } bits[] = {
		{ CT_S_DST_NAT, "dnat" }, { CT_S_SRC_NAT, "snat" },
		{ CT_S_SEEN_REPLY, "seen-reply" }, { CT_S_ASSURED, "assured" },
		{ CT_S_CONFIRMED, "confirmed" },
	};
	size_t i, used = 0;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if ((status & bits[i].bit) && used < size)
			used += (size_t)text_fmt(buf + used, size - used, "%s%s",
						 used ? " " : "", bits[i].name);
}

void ct_tuple_text(char *buf, size_t size, const struct ct_tuple *t)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	bool ports = t->proto == IPPROTO_TCP || t->proto == IPPROTO_UDP ||
		     t->proto == IPPROTO_SCTP || t->proto == IPPROTO_UDPLITE;

	decode_addr_text(t->family, &t->src, s, sizeof(s));
	decode_addr_text(t->family, &t->dst, d, sizeof(d));
	if (ports && t->family == AF_INET6)
		text_fmt(buf, size, "[%s]:%u -> [%s]:%u", s, t->sport, d, t->dport);
	else if (ports)
		text_fmt(buf, size, "%s:%u -> %s:%u", s, t->sport, d, t->dport);
	else
		text_fmt(buf, size, "%s -> %s", s, d);
}
