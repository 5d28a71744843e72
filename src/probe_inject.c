/* The probe's way in. An arriving packet is a frame written to the wire
 * side of the copied interface's veth pair: the copy receives it on that
 * interface, at the real PREROUTING hook. A --from-host packet leaves a
 * raw socket in the copy, through the real OUTPUT hook. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <sys/socket.h>

#include "probe_inject.h"

int probe_sender_wire(struct probe_sender *s, int wire_fd, int copy_fd,
		      int wire_ifindex, const unsigned char wire_mac[6],
		      const unsigned char copy_mac[6])
{
	struct sockaddr_ll sll;
	int saved;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (setns(wire_fd, CLONE_NEWNET) < 0)
		return -1;
	/* protocol 0: we only send, and want no copy of the wire's traffic */
	s->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	saved = errno;
	if (s->fd >= 0) {
		memset(&sll, 0, sizeof(sll));
		sll.sll_family = AF_PACKET;
		sll.sll_ifindex = wire_ifindex;
		if (bind(s->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
			saved = errno;
			close(s->fd);
			s->fd = -1;
		}
	}
	/* back to the copy even when the socket failed */
	if (setns(copy_fd, CLONE_NEWNET) < 0) {
		saved = errno;
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
	}
	if (s->fd < 0) {
		errno = saved;
		return -1;
	}
	s->frame = true;
	s->ifindex = wire_ifindex;
	memcpy(s->src_mac, wire_mac, 6);
	memcpy(s->dst_mac, copy_mac, 6);
	return 0;
}

int probe_sender_host(struct probe_sender *s, int family, bool mark_set,
		      uint32_t mark)
{
	int one = 1;

	memset(s, 0, sizeof(*s));
	/* IPPROTO_RAW: we write the IP header (IPv6 too, since 4.5) */
	s->fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (s->fd < 0)
		return -1;
	if ((family == AF_INET &&
	     setsockopt(s->fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0) ||
	    (mark_set && setsockopt(s->fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0)) {
		int saved = errno;

		close(s->fd);
		s->fd = -1;
		errno = saved;
		return -1;
	}
	return 0;
}

int probe_send(const struct probe_sender *s, const uint8_t *pkt, size_t len,
	       const struct probe_addr *dst)
{
	uint8_t frame[ETH_HLEN + PROBE_PKT_MAX];
	ssize_t n;

	if (s->frame) {
		uint16_t type = htons(dst->family == AF_INET ? ETH_P_IP : ETH_P_IPV6);

		if (len > PROBE_PKT_MAX) {
			errno = EMSGSIZE;
			return -1;
		}
		memcpy(frame, s->dst_mac, 6);
		memcpy(frame + 6, s->src_mac, 6);
		memcpy(frame + 12, &type, 2);
		memcpy(frame + ETH_HLEN, pkt, len);
		n = send(s->fd, frame, ETH_HLEN + len, 0);
		return n == (ssize_t)(ETH_HLEN + len) ? 0 : -1;
	}
	if (dst->family == AF_INET) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = dst->a.v4 };

		n = sendto(s->fd, pkt, len, 0, (struct sockaddr *)&sin, sizeof(sin));
	} else {
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = dst->a.v6 };

		n = sendto(s->fd, pkt, len, 0, (struct sockaddr *)&sin6, sizeof(sin6));
	}
	return n == (ssize_t)len ? 0 : -1;
}

void probe_sender_close(struct probe_sender *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* ---- fences -------------------------------------------------------- */

static int packet_socket(int ifindex, uint16_t proto)
{
	struct sockaddr_ll sll;
	/* protocol 0 here, the real one at bind: a socket made with one
	 * would unhook it again at bind, waiting for a grace period */
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(proto);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int probe_fence_open(struct probe_fence *f, int ifindex, bool loopback)
{
	memset(f, 0, sizeof(*f));
	f->tx = -1;
	f->ifindex = ifindex;
	f->rx = packet_socket(ifindex, PROBE_FENCE_ETHERTYPE);
	if (f->rx < 0)
		return -1;
	/* protocol 0: sends only */
	if (loopback && (f->tx = packet_socket(ifindex, 0)) < 0) {
		probe_fence_close(f);
		return -1;
	}
	return 0;
}

int probe_fence_send(struct probe_fence *f, const struct probe_sender *s)
{
	uint8_t frame[ETH_ZLEN];
	uint16_t type = htons(PROBE_FENCE_ETHERTYPE);
	uint32_t seq = htonl(++f->seq);
	int fd = s ? s->fd : f->tx;

	memset(frame, 0, sizeof(frame));
	if (s) {
		memcpy(frame, s->dst_mac, 6);
		memcpy(frame + 6, s->src_mac, 6);
	}
	memcpy(frame + 12, &type, 2);
	memcpy(frame + ETH_HLEN, &seq, 4);
	return send(fd, frame, sizeof(frame), 0) == (ssize_t)sizeof(frame) ? 0 : -1;
}

int probe_fence_back(struct probe_fence *f)
{
	uint8_t buf[ETH_ZLEN];
	uint32_t seq;
	ssize_t n;

	for (;;) {
		n = recv(f->rx, buf, sizeof(buf), MSG_TRUNC);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		if (n < ETH_HLEN + 4)
			continue;
		memcpy(&seq, buf + ETH_HLEN, 4);
		if (ntohl(seq) == f->seq)
			return 1;
	}
}

void probe_fence_close(struct probe_fence *f)
{
	if (f->rx >= 0)
		close(f->rx);
	if (f->tx >= 0)
		close(f->tx);
	f->rx = f->tx = -1;
}

/* ---- conntrack --------------------------------------------------- */

static void set_tuple(struct nf_conntrack *ct, const struct probe_addr *src,
		      const struct probe_addr *dst, uint8_t proto, uint16_t sport,
		      uint16_t dport, bool reply)
{
	nfct_set_attr_u8(ct, reply ? ATTR_REPL_L3PROTO : ATTR_ORIG_L3PROTO, src->family);
	if (src->family == AF_INET) {
		nfct_set_attr_u32(ct, reply ? ATTR_REPL_IPV4_SRC : ATTR_ORIG_IPV4_SRC,
				  src->a.v4.s_addr);
		nfct_set_attr_u32(ct, reply ? ATTR_REPL_IPV4_DST : ATTR_ORIG_IPV4_DST,
				  dst->a.v4.s_addr);
	} else {
		nfct_set_attr(ct, reply ? ATTR_REPL_IPV6_SRC : ATTR_ORIG_IPV6_SRC, &src->a.v6);
		nfct_set_attr(ct, reply ? ATTR_REPL_IPV6_DST : ATTR_ORIG_IPV6_DST, &dst->a.v6);
	}
	nfct_set_attr_u8(ct, reply ? ATTR_REPL_L4PROTO : ATTR_ORIG_L4PROTO, proto);
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		/* an echo: the request's type, its reply's id */
		nfct_set_attr_u8(ct, ATTR_ICMP_TYPE, proto == IPPROTO_ICMP ? 8 : 128);
		nfct_set_attr_u8(ct, ATTR_ICMP_CODE, 0);
		nfct_set_attr_u16(ct, ATTR_ICMP_ID, htons(sport));
		return;
	}
	nfct_set_attr_u16(ct, reply ? ATTR_REPL_PORT_SRC : ATTR_ORIG_PORT_SRC, htons(sport));
	nfct_set_attr_u16(ct, reply ? ATTR_REPL_PORT_DST : ATTR_ORIG_PORT_DST, htons(dport));
}

/* An entry src:sport -> dst:dport that has seen its reply. TCP is
 * established and tracked liberally: the probe's sequence numbers were
 * never in a window. */
static struct nf_conntrack *flow_entry(const struct probe_addr *src,
				       const struct probe_addr *dst, uint8_t proto,
				       uint16_t sport, uint16_t dport)
{
	struct nf_conntrack *ct = nfct_new();

	if (!ct)
		return NULL;
	set_tuple(ct, src, dst, proto, sport, dport, false);
	set_tuple(ct, dst, src, proto, dport, sport, true);
	nfct_set_attr_u32(ct, ATTR_STATUS, IPS_SEEN_REPLY | IPS_ASSURED);
	nfct_set_attr_u32(ct, ATTR_TIMEOUT, 120);
	if (proto == IPPROTO_TCP) {
		nfct_set_attr_u8(ct, ATTR_TCP_STATE, TCP_CONNTRACK_ESTABLISHED);
		nfct_set_attr_u8(ct, ATTR_TCP_FLAGS_ORIG, IP_CT_TCP_FLAG_BE_LIBERAL);
		nfct_set_attr_u8(ct, ATTR_TCP_MASK_ORIG, IP_CT_TCP_FLAG_BE_LIBERAL);
		nfct_set_attr_u8(ct, ATTR_TCP_FLAGS_REPL, IP_CT_TCP_FLAG_BE_LIBERAL);
		nfct_set_attr_u8(ct, ATTR_TCP_MASK_REPL, IP_CT_TCP_FLAG_BE_LIBERAL);
	}
	return ct;
}

static int ct_create(struct nfct_handle *h, struct nf_conntrack *ct)
{
	return nfct_query(h, NFCT_Q_CREATE, ct);
}

/* TCP/UDP related: an expectation of the probe's flow, with a master
 * entry of its own, src -> dst:21 with the ftp helper. Kernel 6.18
 * refuses an expectation whose master has no helper (EOPNOTSUPP: the
 * userspace expectations of old kernels are gone); any helper will do,
 * and the expected tuple may be of another protocol than the master's. */
static int expect_create(const struct probe_spec *ps, char *err, size_t errlen)
{
	const struct probe_pkt_spec *k = &ps->pkt;
	struct nf_conntrack *master, *expected, *mask;
	struct nf_expect *exp;
	struct nfct_handle *h;
	struct probe_addr any;
	int ret = -1, saved = 0;

	memset(&any, 0, sizeof(any));
	any.family = k->src.family;
	memset(&any.a, 0xff, sizeof(any.a));
	master = flow_entry(&k->src, &k->dst, IPPROTO_TCP,
			    k->sport == 21 ? 22 : 21, 21);
	if (master)
		nfct_set_attr(master, ATTR_HELPER_NAME, "ftp");
	expected = nfct_new();
	mask = nfct_new();
	exp = nfexp_new();
	h = nfct_open(CONNTRACK, 0);
	if (!master || !expected || !mask || !exp || !h) {
		snprintf(err, errlen, "setting up the conntrack expectation: %s",
			 strerror(errno ? errno : ENOMEM));
		goto out;
	}
	if (ct_create(h, master) < 0) {
		saved = errno;
		snprintf(err, errlen, "creating the related flow's master entry in "
			 "the copy: %s", strerror(errno));
		goto out;
	}
	set_tuple(expected, &k->src, &k->dst, k->proto, k->sport, k->dport, false);
	set_tuple(mask, &any, &any, k->proto, 0xffff, 0xffff, false);
	/* the master, by its original tuple */
	nfexp_set_attr(exp, ATTR_EXP_MASTER, master);
	nfexp_set_attr(exp, ATTR_EXP_EXPECTED, expected);
	nfexp_set_attr(exp, ATTR_EXP_MASK, mask);
	nfexp_set_attr_u32(exp, ATTR_EXP_TIMEOUT, 120);
	nfexp_set_attr(exp, ATTR_EXP_HELPER_NAME, "ftp");
	nfct_close(h);
	h = nfct_open(EXPECT, 0);
	if (!h || nfexp_query(h, NFCT_Q_CREATE, exp) < 0) {
		saved = errno;
		snprintf(err, errlen, "creating the conntrack expectation in the "
			 "copy: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (h)
		nfct_close(h);
	if (exp)
		nfexp_destroy(exp);
	if (master)
		nfct_destroy(master);
	if (expected)
		nfct_destroy(expected);
	if (mask)
		nfct_destroy(mask);
	if (ret < 0 && saved)
		errno = saved;
	return ret;
}

int probe_ct_create(const struct probe_spec *ps, char *err, size_t errlen)
{
	const struct probe_pkt_spec *k = &ps->pkt;
	struct nf_conntrack *ct = NULL;
	struct nfct_handle *h;
	int ret;

	if (ps->ct == PROBE_CT_NONE || ps->ct == PROBE_CT_NEW)
		return 0;
	if (ps->ct == PROBE_CT_RELATED && (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP))
		return expect_create(ps, err, errlen);
	if (ps->ct == PROBE_CT_RELATED)
		/* an ICMP error is related to the flow it quotes: that flow,
		 * dst -> src, as the quoted packet went */
		ct = flow_entry(&k->dst, &k->src, IPPROTO_UDP, k->inner_sport,
				k->inner_dport);
	else if (k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6)
		ct = flow_entry(&k->src, &k->dst, k->proto, k->icmp_id, 0);
	else
		ct = flow_entry(&k->src, &k->dst, k->proto, k->sport, k->dport);
	h = nfct_open(CONNTRACK, 0);
	if (!ct || !h) {
		snprintf(err, errlen, "opening conntrack in the copy: %s", strerror(errno));
		ret = -1;
	} else if ((ret = ct_create(h, ct)) < 0) {
		snprintf(err, errlen, "creating the conntrack entry in the copy: %s",
			 strerror(errno));
	}
	if (h)
		nfct_close(h);
	if (ct)
		nfct_destroy(ct);
	return ret;
}
