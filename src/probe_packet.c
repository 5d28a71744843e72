/* Bytes of the probe's packet. The kernel checks every checksum of a
 * received packet (a frame written to a veth arrives CHECKSUM_NONE),
 * so they must be right: a wrong one would be a drop no rule made. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "probe_packet.h"

#define IP4_HLEN	20
#define IP6_HLEN	40
#define TCP_HLEN	20
#define UDP_HLEN	8
#define ICMP_HLEN	8
#define UDP_PAYLOAD	8	/* "iptt-prb": something to count */

uint32_t probe_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

uint16_t probe_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

bool probe_icmp_is_error(uint8_t proto, uint8_t type)
{
	if (proto == IPPROTO_ICMP)	/* unreachable, quench, redirect, time, param */
		return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
	return proto == IPPROTO_ICMPV6 && type < 128;
}

static size_t addr_len(const struct probe_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

/* The pseudo-header's sum: addresses, protocol, upper-layer length. */
static uint32_t pseudo_sum(const struct probe_addr *src, const struct probe_addr *dst,
			   uint8_t proto, size_t l4len)
{
	uint32_t sum = 0;

	sum = probe_csum_add(sum, &src->a, addr_len(src));
	sum = probe_csum_add(sum, &dst->a, addr_len(dst));
	sum += proto;
	sum += (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
	return sum;
}

/* An IP header from src to dst carrying l4len bytes of proto. */
static size_t put_ip(uint8_t *p, const struct probe_addr *src,
		     const struct probe_addr *dst, uint8_t proto, size_t l4len,
		     uint8_t ttl, uint16_t ipid)
{
	if (src->family == AF_INET) {
		memset(p, 0, IP4_HLEN);
		p[0] = 0x45;
		put16(p + 2, (uint16_t)(IP4_HLEN + l4len));
		put16(p + 4, ipid);
		put16(p + 6, 0x4000);		/* DF, as Linux sends */
		p[8] = ttl;
		p[9] = proto;
		memcpy(p + 12, &src->a.v4, 4);
		memcpy(p + 16, &dst->a.v4, 4);
		put16(p + 10, (uint16_t)~probe_csum_fold(probe_csum_add(0, p, IP4_HLEN)));
		return IP4_HLEN;
	}
	memset(p, 0, IP6_HLEN);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)l4len);
	p[6] = proto;
	p[7] = ttl;
	memcpy(p + 8, &src->a.v6, 16);
	memcpy(p + 24, &dst->a.v6, 16);
	return IP6_HLEN;
}

static void put_l4_csum(uint8_t *l4, size_t l4len, size_t off,
			const struct probe_addr *src, const struct probe_addr *dst,
			uint8_t proto)
{
	uint32_t sum = 0;
	uint16_t c;

	/* ICMPv4 alone has no pseudo-header */
	if (proto != IPPROTO_ICMP)
		sum = pseudo_sum(src, dst, proto, l4len);
	put16(l4 + off, 0);
	c = (uint16_t)~probe_csum_fold(probe_csum_add(sum, l4, l4len));
	/* UDP: 0 means "no checksum"; send its other form */
	if (proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	put16(l4 + off, c);
}

/* The packet an ICMP error quotes: UDP from the error's destination to
 * its source, as if the error's sender had received it. */
static size_t put_inner(uint8_t *p, const struct probe_pkt_spec *s)
{
	size_t ip = put_ip(p, &s->dst, &s->src, IPPROTO_UDP, UDP_HLEN, 64, 1);

	put16(p + ip, s->inner_sport);
	put16(p + ip + 2, s->inner_dport);
	put16(p + ip + 4, UDP_HLEN);
	put_l4_csum(p + ip, UDP_HLEN, 6, &s->dst, &s->src, IPPROTO_UDP);
	return ip + UDP_HLEN;
}

static size_t put_l4(uint8_t *p, const struct probe_pkt_spec *s)
{
	size_t n;

	switch (s->proto) {
	case IPPROTO_TCP:
		memset(p, 0, TCP_HLEN);
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put32(p + 4, s->tcp_seq);
		put32(p + 8, (s->tcp_flags & PROBE_TCP_ACK) ? s->tcp_ack : 0);
		p[12] = (TCP_HLEN / 4) << 4;
		p[13] = s->tcp_flags;
		put16(p + 14, 64240);
		return TCP_HLEN;
	case IPPROTO_UDP:
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put16(p + 4, UDP_HLEN + UDP_PAYLOAD);
		memcpy(p + UDP_HLEN, "iptt-prb", UDP_PAYLOAD);
		return UDP_HLEN + UDP_PAYLOAD;
	default:		/* ICMP, ICMPv6 */
		memset(p, 0, ICMP_HLEN);
		p[0] = s->icmp_type;
		p[1] = s->icmp_code;
		n = ICMP_HLEN;
		if (probe_icmp_is_error(s->proto, s->icmp_type)) {
			n += put_inner(p + ICMP_HLEN, s);
		} else {
			put16(p + 4, s->icmp_id);
			put16(p + 6, s->icmp_seq);
			memcpy(p + ICMP_HLEN, "iptt-prb", 8);
			n += 8;
		}
		return n;
	}
}

static int l4_csum_off(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: return 16;
	case IPPROTO_UDP: return 6;
	case IPPROTO_ICMP: case IPPROTO_ICMPV6: return 2;
	}
	return -1;
}

int probe_packet_build(const struct probe_pkt_spec *s, uint8_t *buf, size_t size)
{
	uint8_t l4[PROBE_PKT_MAX];
	size_t l4len, iplen;
	int off = l4_csum_off(s->proto);

	if (off < 0 || s->src.family != s->dst.family ||
	    (s->src.family != AF_INET && s->src.family != AF_INET6) ||
	    (s->proto == IPPROTO_ICMP && s->src.family != AF_INET) ||
	    (s->proto == IPPROTO_ICMPV6 && s->src.family != AF_INET6)) {
		errno = EINVAL;
		return -1;
	}
	l4len = put_l4(l4, s);
	put_l4_csum(l4, l4len, (size_t)off, &s->src, &s->dst, s->proto);
	iplen = s->src.family == AF_INET ? IP4_HLEN : IP6_HLEN;
	if (iplen + l4len > size) {
		errno = ENOSPC;
		return -1;
	}
	put_ip(buf, &s->src, &s->dst, s->proto, l4len, s->ttl ? s->ttl : 64, s->ipid);
	memcpy(buf + iplen, l4, l4len);
	return (int)(iplen + l4len);
}
