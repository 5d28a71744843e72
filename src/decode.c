/* Header decoding: bytes -> struct pkt_hdrs. Never prints (the text
 * output's LOG-style line is log_line.c). */
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "decode.h"

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void decode_l4(const uint8_t *l4, size_t len, struct pkt_hdrs *p)
{
	switch (p->proto) {
	case IPPROTO_TCP:
		if (len < 14)
			return;
		p->sport = get16(l4);
		p->dport = get16(l4 + 2);
		p->tcp_seq = get32(l4 + 4);
		p->tcp_ack = get32(l4 + 8);
		p->tcp_res = l4[12] & 0x0f;
		p->tcp_flags = l4[13];
		p->tcp_window = len >= 16 ? get16(l4 + 14) : 0;
		p->tcp_urgp = len >= 20 ? get16(l4 + 18) : 0;
		p->have_l4 = true;
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		if (len >= 6)
			p->udp_len = get16(l4 + 4);
		if (len >= 16) {
			p->payload[0] = get32(l4 + 8);
			p->payload[1] = get32(l4 + 12);
			p->have_payload = true;
		}
		/* fall through */
	case IPPROTO_SCTP:
		if (len < 4)
			return;
		p->sport = get16(l4);
		p->dport = get16(l4 + 2);
		p->have_l4 = true;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (len < 2)
			return;
		p->icmp_type = l4[0];
		p->icmp_code = l4[1];
		p->have_l4 = true;
		if (len >= 8) {
			p->icmp_echo = p->proto == IPPROTO_ICMP ?
				(l4[0] == 0 || l4[0] == 8) :
				(l4[0] == 128 || l4[0] == 129);
			p->icmp_id = get16(l4 + 4);
			p->icmp_seq = get16(l4 + 6);
		}
		break;
	}
}

/* IPv6 extension headers that carry a next header (RFC 8200 and the
 * kernel's ipv6_ext_hdr(), ESP aside: what follows it is encrypted). */
static bool ipv6_ext(uint8_t nh)
{
	switch (nh) {
	case 0: case 43: case 44: case 51: case 60: case 135: case 139: case 140:
		return true;
	}
	return false;
}

/* Walk the extension headers after the fixed IPv6 header, as the LOG
 * target does, to the upper protocol. *hlen grows past each. Returns 1
 * for a later fragment (no L4 header), 0 otherwise; p->proto_unknown
 * when the captured bytes end first (nf_tables trace events carry only
 * the first 40 bytes of the network header). */
static int ipv6_walk(const uint8_t *l3, size_t l3len, size_t *hlen,
		     struct pkt_hdrs *p)
{
	while (ipv6_ext(p->proto)) {
		uint16_t offset = 0;
		size_t len;

		if (l3len < *hlen + 8) {
			p->proto_unknown = true;
			return 0;
		}
		if (p->proto == 44) {		/* fragment: fixed 8 bytes */
			len = 8;
			offset = get16(l3 + *hlen + 2) & 0xfff8;
		} else if (p->proto == 51) {	/* AH counts 4-byte words */
			len = ((size_t)l3[*hlen + 1] + 2) * 4;
		} else {
			len = ((size_t)l3[*hlen + 1] + 1) * 8;
		}
		p->proto = l3[*hlen];
		*hlen += len;
		if (offset)
			return 1;
	}
	return 0;
}

int decode_pkt(const uint8_t *l3, size_t l3len, const uint8_t *l4,
	       size_t l4len, struct pkt_hdrs *p)
{
	size_t hlen;

	memset(p, 0, sizeof(*p));
	if (l3len < 1)
		return -1;
	switch (l3[0] >> 4) {
	case 4:
		if (l3len < 20)
			return -1;
		hlen = (size_t)(l3[0] & 0x0f) * 4;
		p->family = AF_INET;
		p->tos = l3[1];
		p->len = get16(l3 + 2);
		p->ipid = get16(l3 + 4);
		p->frag = get16(l3 + 6);
		p->ttl = l3[8];
		p->proto = l3[9];
		memcpy(&p->src.v4, l3 + 12, 4);
		memcpy(&p->dst.v4, l3 + 16, 4);
		if (p->frag & 0x1fff)
			return 0;	/* later fragment: no L4 header */
		break;
	case 6:
		if (l3len < 40)
			return -1;
		hlen = 40;
		p->family = AF_INET6;
		p->tos = (uint8_t)(get16(l3) >> 4);
		p->flowlabel = get32(l3) & 0xfffff;
		p->len = get16(l3 + 4);
		p->proto = l3[6];
		p->ttl = l3[7];
		memcpy(&p->src.v6, l3 + 8, 16);
		memcpy(&p->dst.v6, l3 + 24, 16);
		if (ipv6_walk(l3, l3len, &hlen, p) || p->proto_unknown)
			return 0;	/* no L4 header, or not knowably one */
		break;
	default:
		return -1;
	}
	if (!l4 && l3len > hlen) {
		l4 = l3 + hlen;
		l4len = l3len - hlen;
	}
	if (l4)
		decode_l4(l4, l4len, p);
	return 0;
}

void decode_set_l4(struct pkt_hdrs *p, uint8_t proto, const uint8_t *l4,
		   size_t l4len)
{
	if (!p->proto_unknown)
		return;
	p->proto_unknown = false;
	p->proto = proto;
	if (l4)
		decode_l4(l4, l4len, p);
}

/* IPv4 by hand: glibc's inet_ntop formats it with sprintf, about 1,700
 * instructions, and a story writes a dozen. */
void decode_addr_text(int family, const void *addr, char *buf, size_t size)
{
	const uint8_t *a = addr;
	char *p = buf;
	int i;

	if (family != AF_INET || size < INET_ADDRSTRLEN) {
		if (!inet_ntop(family, addr, buf, (socklen_t)size) && size)
			buf[0] = '\0';
		return;
	}
	for (i = 0; i < 4; i++) {
		if (a[i] >= 100)
			*p++ = (char)('0' + a[i] / 100);
		if (a[i] >= 10)
			*p++ = (char)('0' + a[i] / 10 % 10);
		*p++ = (char)('0' + a[i] % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
}

const char *decode_tcp_flag(unsigned int bit)
{
	static const char *const names[] = {
		"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR",
	};

	return bit < 8 ? names[bit] : "?";
}

bool decode_rewritten(const struct pkt_hdrs *a, const struct pkt_hdrs *b)
{
	size_t alen = a->family == AF_INET ? 4 : 16;

	return a->family != b->family ||
	       memcmp(&a->src, &b->src, alen) || memcmp(&a->dst, &b->dst, alen) ||
	       a->sport != b->sport || a->dport != b->dport ||
	       a->tos != b->tos ||
	       /* forwarding lowers the TTL by one: that is not a rewrite */
	       (a->ttl != b->ttl && a->ttl != b->ttl + 1);
}
