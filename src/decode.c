/* Header decoding, and the kernel LOG target's text for a packet
 * (net/netfilter/nf_log_syslog.c is the reference for field order). */
#include <stdarg.h>
#include <stdio.h>
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

static const char *const tcp_flag_names[] = {
	"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR",
};

/* A small appender so each field is one line of code. */
struct sbuf { char *p; size_t size, used; int total; };

static void __attribute__((format(printf, 2, 3)))
sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p + b->used, b->used < b->size ? b->size - b->used : 0,
		      fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	b->total += n;
	b->used += (size_t)n;
	if (b->used > b->size)
		b->used = b->size;
}

static void log_l4(struct sbuf *b, const struct pkt_hdrs *p)
{
	int i;

	switch (p->proto) {
	case IPPROTO_TCP:
		sb_add(b, " PROTO=TCP");
		if (!p->have_l4)
			return;
		/* nf_log prints the reserved nibble shifted left by two */
		sb_add(b, " SPT=%u DPT=%u WINDOW=%u RES=0x%02x",
		       p->sport, p->dport, p->tcp_window, p->tcp_res << 2);
		/* The LOG target prints CWR first and FIN last. */
		for (i = 7; i >= 0; i--)
			if (p->tcp_flags & (1 << i))
				sb_add(b, " %s", tcp_flag_names[i]);
		sb_add(b, " URGP=%u", p->tcp_urgp);
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		sb_add(b, " PROTO=%s", p->proto == IPPROTO_UDP ? "UDP" : "UDPLITE");
		if (p->have_l4)
			sb_add(b, " SPT=%u DPT=%u LEN=%u", p->sport, p->dport, p->udp_len);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		sb_add(b, " PROTO=%s", p->proto == IPPROTO_ICMP ? "ICMP" : "ICMPv6");
		if (!p->have_l4)
			return;
		sb_add(b, " TYPE=%u CODE=%u", p->icmp_type, p->icmp_code);
		if (p->icmp_echo)
			sb_add(b, " ID=%u SEQ=%u", p->icmp_id, p->icmp_seq);
		break;
	default:
		if (p->proto_unknown)
			sb_add(b, " PROTO=unknown (behind IPv6 extension headers "
			       "that were not captured)");
		else
			sb_add(b, " PROTO=%u", p->proto);
	}
}

/* The kernel prints IPv6 addresses with %pI6: eight groups of four
 * digits, never shortened. */
static void log_addr(char *buf, size_t size, uint8_t family, const void *a)
{
	const uint8_t *x = a;

	if (family == AF_INET) {
		inet_ntop(AF_INET, a, buf, (socklen_t)size);
		return;
	}
	snprintf(buf, size, "%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:"
		 "%02x%02x:%02x%02x:%02x%02x", x[0], x[1], x[2], x[3], x[4], x[5],
		 x[6], x[7], x[8], x[9], x[10], x[11], x[12], x[13], x[14], x[15]);
}

int decode_log_line(char *buf, size_t size, const struct pkt_hdrs *p,
		    const char *in, const char *out, uint32_t mark)
{
	struct sbuf b = { buf, size, 0, 0 };
	char s[48], d[48];

	if (size)
		buf[0] = '\0';
	log_addr(s, sizeof(s), p->family, &p->src);
	log_addr(d, sizeof(d), p->family, &p->dst);
	sb_add(&b, "IN=%s OUT=%s SRC=%s DST=%s", in, out, s, d);
	if (p->family == AF_INET) {
		sb_add(&b, " LEN=%u TOS=0x%02X PREC=0x%02X TTL=%u ID=%u",
		       p->len, p->tos & 0x1e, p->tos & 0xe0, p->ttl, p->ipid);
		if (p->frag & 0x8000)
			sb_add(&b, " CE");
		if (p->frag & IPTT_IP_DF)
			sb_add(&b, " DF");
		if (p->frag & IPTT_IP_MF)
			sb_add(&b, " MF");
		if (p->frag & 0x1fff)
			sb_add(&b, " FRAG:%u", p->frag & 0x1fff);
	} else {
		/* LOG prints the payload length plus the 40-byte header. */
		sb_add(&b, " LEN=%u TC=%u HOPLIMIT=%u FLOWLBL=%u",
		       p->len + 40u, p->tos, p->ttl, p->flowlabel);
	}
	log_l4(&b, p);
	if (mark)
		sb_add(&b, " MARK=0x%x", mark);
	return b.total;
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
