/* The kernel LOG target's text for a packet, the text output's packet
 * line (net/netfilter/nf_log_syslog.c is the reference for field
 * order). */
#include <stdarg.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "decode.h"
#include "log_line.h"
#include "text_fmt.h"

/* A small appender so each field is one line of code. */
struct sbuf { char *p; size_t size, used; int total; };

static void __attribute__((format(printf, 2, 3)))
sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = text_vfmt(b->p + b->used, b->used < b->size ? b->size - b->used : 0,
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
				sb_add(b, " %s", decode_tcp_flag(i));
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
		decode_addr_text(AF_INET, a, buf, size);
		return;
	}
	snprintf(buf, size, "%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:"
		 "%02x%02x:%02x%02x:%02x%02x", x[0], x[1], x[2], x[3], x[4], x[5],
		 x[6], x[7], x[8], x[9], x[10], x[11], x[12], x[13], x[14], x[15]);
}

int log_line(char *buf, size_t size, const struct pkt_hdrs *p,
	     const char *in, const char *out, const struct pkt_meta *meta)
{
	struct sbuf b = { buf, size, 0, 0 };
	char s[48], d[48];
	size_t i;

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
	for (i = 0; i < pkt_meta_nfields; i++) {
		const struct pkt_meta_field *f = &pkt_meta_fields[i];
		uint32_t v = pkt_meta_get(meta, f);

		if (v)
			sb_add(&b, f->style == META_HEX ? " %s=0x%x" : " %s=%u",
			       f->log, v);
	}
	return b.total;
}
