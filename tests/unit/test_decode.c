/* decode_pkt, log_line and decode_rewritten. The packets are the
 * header snapshots of real trace events (tests/fixtures); the golden LOG
 * lines follow net/netfilter/nf_log_syslog.c field by field, without the
 * MAC= part (trace events do not keep the link-layer header) and without
 * the kernel's trailing space. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "decode.h"
#include "fixture.h"
#include "log_line.h"

/* Decode the headers of a fixture event, as story.c does. */
static const struct pkt_meta no_meta;	/* no mark */

static void decode_fixture(const char *name, struct pkt_hdrs *p)
{
	struct trace_event ev;

	fixture_event(name, &ev);
	assert_true(ev.has & EV_HAS_NETHDR);
	assert_int_equal(decode_pkt(ev.hdr, ev.nethdr_len,
				    ev.transhdr_len ? ev.hdr + ev.nethdr_len : NULL,
				    ev.transhdr_len, p), 0);
}

static void assert_log(const struct pkt_hdrs *p, const char *in,
		       const char *out, uint32_t mark, const char *want)
{
	char buf[512];
	struct pkt_meta meta = { .mark = mark };
	int n = log_line(buf, sizeof(buf), p, in, out, &meta);

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void assert_addr(int family, const void *a, const char *want)
{
	char s[INET6_ADDRSTRLEN];

	assert_non_null(inet_ntop(family, a, s, sizeof(s)));
	assert_string_equal(s, want);
}

static void test_ip4_icmp_echo_fields(void **state)
{
	struct pkt_hdrs p;

	(void)state;
	decode_fixture("nft-ip4-icmp-echo-accept.nlmsg", &p);
	assert_int_equal(p.family, AF_INET);
	assert_addr(AF_INET, &p.src, "10.99.0.1");
	assert_addr(AF_INET, &p.dst, "10.99.0.2");
	assert_int_equal(p.len, 84);
	assert_int_equal(p.tos, 0);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(p.ipid, 0x99bb);
	assert_int_equal(p.frag, IPTT_IP_DF);
	assert_int_equal(p.flowlabel, 0);
	assert_int_equal(p.proto, IPPROTO_ICMP);
	assert_true(p.have_l4);
	assert_int_equal(p.icmp_type, 8);
	assert_int_equal(p.icmp_code, 0);
	assert_true(p.icmp_echo);
	assert_int_equal(p.icmp_id, 4660);	/* ping -e 4660 */
	assert_int_equal(p.icmp_seq, 1);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.dport, 0);
}

static void test_tcp_syn_fields(void **state)
{
	struct pkt_hdrs p;

	(void)state;
	decode_fixture("nft-tcp-syn-jump.nlmsg", &p);
	assert_int_equal(p.family, AF_INET);
	assert_addr(AF_INET, &p.src, "10.99.0.1");
	assert_addr(AF_INET, &p.dst, "10.99.0.2");
	assert_int_equal(p.len, 60);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(p.ipid, 0xffea);
	assert_int_equal(p.frag, IPTT_IP_DF);
	assert_int_equal(p.proto, IPPROTO_TCP);
	assert_true(p.have_l4);
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.dport, 5555);
	assert_int_equal(p.tcp_seq, 0x99a19326);
	assert_int_equal(p.tcp_ack, 0);
	assert_int_equal(p.tcp_flags, 0x02);	/* SYN */
	assert_int_equal(p.tcp_window, 64240);
	assert_int_equal(p.tcp_urgp, 0);
	assert_false(p.icmp_echo);
}

static void test_udp_fields(void **state)
{
	struct pkt_hdrs p;

	(void)state;
	decode_fixture("nft-udp-mark-accept.nlmsg", &p);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.len, 30);
	assert_int_equal(p.ipid, 0xfe9f);
	assert_int_equal(p.proto, IPPROTO_UDP);
	assert_true(p.have_l4);
	assert_int_equal(p.sport, 4777);
	assert_int_equal(p.dport, 7777);
}

static void test_ip6_icmpv6_fields(void **state)
{
	struct pkt_hdrs p;

	(void)state;
	decode_fixture("nft-ip6-icmpv6-echo-accept.nlmsg", &p);
	assert_int_equal(p.family, AF_INET6);
	assert_addr(AF_INET6, &p.src, "fd00:99::1");
	assert_addr(AF_INET6, &p.dst, "fd00:99::2");
	assert_int_equal(p.len, 64);		/* payload length */
	assert_int_equal(p.tos, 0);
	assert_int_equal(p.flowlabel, 0xc4376);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(p.proto, IPPROTO_ICMPV6);
	assert_true(p.have_l4);
	assert_int_equal(p.icmp_type, 128);
	assert_true(p.icmp_echo);
	assert_int_equal(p.icmp_id, 4661);
	assert_int_equal(p.icmp_seq, 1);
}

static void test_ip6_nd_fields(void **state)
{
	struct pkt_hdrs p;

	(void)state;
	decode_fixture("nft-ip6-nd-untracked.nlmsg", &p);
	assert_addr(AF_INET6, &p.dst, "ff02::1:ff00:2");
	assert_int_equal(p.ttl, 255);
	assert_int_equal(p.icmp_type, 135);
	assert_false(p.icmp_echo);
}

/* Golden lines. */
static void test_log_ip4_icmp(void **state)
{
	struct pkt_hdrs p;

	(void)state;
	decode_fixture("nft-ip4-icmp-echo-accept.nlmsg", &p);
	assert_log(&p, "veth0", "", 0,
		   "IN=veth0 OUT= SRC=10.99.0.1 DST=10.99.0.2 LEN=84 TOS=0x00 "
		   "PREC=0x00 TTL=64 ID=39355 DF PROTO=ICMP TYPE=8 CODE=0 "
		   "ID=4660 SEQ=1");
	/* the same packet leaving the client */
	decode_fixture("nft-ip4-icmp-output-nftrace.nlmsg", &p);
	assert_log(&p, "", "veth0", 0,
		   "IN= OUT=veth0 SRC=10.99.0.1 DST=10.99.0.2 LEN=84 TOS=0x00 "
		   "PREC=0x00 TTL=64 ID=39355 DF PROTO=ICMP TYPE=8 CODE=0 "
		   "ID=4660 SEQ=1");
	/* the reply: no DF */
	decode_fixture("nft-ip4-icmp-reply-ct-established.nlmsg", &p);
	assert_log(&p, "veth0", "", 0,
		   "IN=veth0 OUT= SRC=10.99.0.2 DST=10.99.0.1 LEN=84 TOS=0x00 "
		   "PREC=0x00 TTL=64 ID=64984 PROTO=ICMP TYPE=0 CODE=0 "
		   "ID=4660 SEQ=1");
}

static void test_log_ip4_tcp(void **state)
{
	struct pkt_hdrs p;

	(void)state;
	decode_fixture("nft-tcp-syn-jump.nlmsg", &p);
	assert_log(&p, "veth0", "", 0,
		   "IN=veth0 OUT= SRC=10.99.0.1 DST=10.99.0.2 LEN=60 TOS=0x00 "
		   "PREC=0x00 TTL=64 ID=65514 DF PROTO=TCP SPT=40000 DPT=5555 "
		   "WINDOW=64240 RES=0x00 SYN URGP=0");
}

/* nf_log_dump_udp_header prints "SPT=%u DPT=%u LEN=%u": the UDP length
 * field (here 10: 8 bytes of header and "x\n") belongs to the line. */
static void test_log_ip4_udp(void **state)
{
	struct pkt_hdrs p;

	(void)state;
	decode_fixture("nft-udp-mark-accept.nlmsg", &p);
	assert_log(&p, "veth0", "", 0x2a,
		   "IN=veth0 OUT= SRC=10.99.0.1 DST=10.99.0.2 LEN=30 TOS=0x00 "
		   "PREC=0x00 TTL=64 ID=65183 DF PROTO=UDP SPT=4777 DPT=7777 "
		   "LEN=10 MARK=0x2a");
}

/* The kernel prints IPv6 addresses with %pI6: all eight groups, four
 * digits each, never the "::" short form. */
static void test_log_ip6_icmpv6(void **state)
{
	struct pkt_hdrs p;

	(void)state;
	decode_fixture("nft-ip6-icmpv6-echo-accept.nlmsg", &p);
	assert_log(&p, "veth0", "", 0,
		   "IN=veth0 OUT= SRC=fd00:0099:0000:0000:0000:0000:0000:0001 "
		   "DST=fd00:0099:0000:0000:0000:0000:0000:0002 LEN=104 TC=0 "
		   "HOPLIMIT=64 FLOWLBL=803702 PROTO=ICMPv6 TYPE=128 CODE=0 "
		   "ID=4661 SEQ=1");
	decode_fixture("nft-ip6-nd-untracked.nlmsg", &p);
	assert_log(&p, "veth0", "", 0,
		   "IN=veth0 OUT= SRC=fd00:0099:0000:0000:0000:0000:0000:0001 "
		   "DST=ff02:0000:0000:0000:0000:0001:ff00:0002 LEN=72 TC=0 "
		   "HOPLIMIT=255 FLOWLBL=0 PROTO=ICMPv6 TYPE=135 CODE=0");
}

/* Hand-made headers for what the captures lack. */
static const uint8_t ip4_udp_frag[20] = {
	0x45, 0xb8, 0x05, 0xdc, 0x12, 0x34, 0xa0, 0xb9,	/* CE|MF, offset 185 */
	0x3f, 0x11, 0x00, 0x00, 192, 0, 2, 1, 198, 51, 100, 7,
};

static void test_log_ip4_fragment_tos(void **state)
{
	static const uint8_t junk[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct pkt_hdrs p;

	(void)state;
	/* a later fragment has no transport header: ignore what follows */
	assert_int_equal(decode_pkt(ip4_udp_frag, 20, junk, 8, &p), 0);
	assert_int_equal(p.frag, 0xa0b9);
	assert_false(p.have_l4);
	assert_int_equal(p.sport, 0);
	assert_log(&p, "eth0", "eth1", 0,
		   "IN=eth0 OUT=eth1 SRC=192.0.2.1 DST=198.51.100.7 LEN=1500 "
		   "TOS=0x18 PREC=0xA0 TTL=63 ID=4660 CE MF FRAG:185 PROTO=UDP");
}

static void test_log_tcp_all_flags(void **state)
{
	static const uint8_t ip[20] = {
		0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0,
		10, 0, 0, 1, 10, 0, 0, 2,
	};
	static const uint8_t tcp[20] = {
		0x00, 0x50, 0xc0, 0x00, 0, 0, 0, 1, 0, 0, 0, 2,
		0x50, 0xff, 0x01, 0x00, 0, 0, 0x00, 0x07,
	};
	struct pkt_hdrs p;

	(void)state;
	assert_int_equal(decode_pkt(ip, 20, tcp, 20, &p), 0);
	assert_int_equal(p.tcp_seq, 1);
	assert_int_equal(p.tcp_ack, 2);
	assert_log(&p, "", "", 0,
		   "IN= OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TOS=0x00 PREC=0x00 "
		   "TTL=64 ID=1 PROTO=TCP SPT=80 DPT=49152 WINDOW=256 RES=0x00 "
		   "CWR ECE URG ACK PSH RST SYN FIN URGP=7");
}

/* RES= shows the four reserved bits of the TCP header, shifted as
 * nf_log_dump_tcp_header does: the AccECN "AE" bit prints as 0x04. */
static void test_log_tcp_reserved_bits(void **state)
{
	static const uint8_t ip[20] = {
		0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0,
		10, 0, 0, 1, 10, 0, 0, 2,
	};
	static const uint8_t tcp[20] = {
		0x00, 0x50, 0xc0, 0x00, 0, 0, 0, 1, 0, 0, 0, 0,
		0x51, 0xc2, 0x01, 0x00, 0, 0, 0, 0,
	};
	struct pkt_hdrs p;

	(void)state;
	assert_int_equal(decode_pkt(ip, 20, tcp, 20, &p), 0);
	assert_log(&p, "", "", 0,
		   "IN= OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TOS=0x00 PREC=0x00 "
		   "TTL=64 ID=1 PROTO=TCP SPT=80 DPT=49152 WINDOW=256 RES=0x04 "
		   "CWR ECE SYN URGP=0");
}

/* nf_log_syslog.c has no SCTP case: the LOG target prints the protocol
 * number and nothing of the SCTP header. */
static void test_log_sctp(void **state)
{
	static const uint8_t ip[20] = {
		0x45, 0, 0, 48, 0, 5, 0x40, 0, 64, 132, 0, 0,
		10, 0, 0, 1, 10, 0, 0, 2,
	};
	static const uint8_t sctp[12] = { 0x0b, 0x59, 0x0b, 0x59, 0, 0, 0, 0 };
	struct pkt_hdrs p;

	(void)state;
	assert_int_equal(decode_pkt(ip, 20, sctp, 12, &p), 0);
	assert_int_equal(p.sport, 2905);	/* decoded all the same */
	assert_log(&p, "", "", 0,
		   "IN= OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=48 TOS=0x00 PREC=0x00 "
		   "TTL=64 ID=5 DF PROTO=132");
}

/* An NFLOG-style packet: the transport header follows inside l3, after
 * IPv4 options (IHL 6). */
static void test_ip4_options_inline_l4(void **state)
{
	static const uint8_t pkt[32] = {
		0x46, 0, 0, 32, 0, 9, 0x40, 0, 64, 17, 0, 0,
		10, 0, 0, 1, 10, 0, 0, 2,
		0x94, 0x04, 0, 0,			/* router alert */
		0x00, 0x35, 0x30, 0x39, 0, 8, 0, 0,	/* UDP 53 -> 12345 */
	};
	struct pkt_hdrs p;

	(void)state;
	assert_int_equal(decode_pkt(pkt, sizeof(pkt), NULL, 0, &p), 0);
	assert_true(p.have_l4);
	assert_int_equal(p.sport, 53);
	assert_int_equal(p.dport, 12345);
}

static void test_ip6_traffic_class_flowlabel(void **state)
{
	uint8_t ip6[40] = {
		0x6b, 0x8f, 0xff, 0xff, 0, 8, 58, 1,
	};
	static const uint8_t icmp6[8] = { 129, 0, 0, 0, 0x00, 0x07, 0x01, 0x00 };
	struct pkt_hdrs p;
	char buf[512], *tail;
	int n;

	(void)state;
	ip6[8] = 0x20; ip6[9] = 0x01; ip6[10] = 0x0d; ip6[11] = 0xb8;
	ip6[23] = 1;
	ip6[24] = 0x20; ip6[25] = 0x01; ip6[26] = 0x0d; ip6[27] = 0xb8;
	ip6[39] = 2;
	assert_int_equal(decode_pkt(ip6, 40, icmp6, 8, &p), 0);
	assert_int_equal(p.tos, 0xb8);
	assert_int_equal(p.flowlabel, 0xfffff);
	assert_int_equal(p.ttl, 1);
	/* the address form is test_log_ip6_icmpv6's business */
	n = log_line(buf, sizeof(buf), &p, "lo", "", &no_meta);
	assert_int_equal(n, strlen(buf));
	tail = strstr(buf, " LEN=");
	assert_non_null(tail);
	assert_string_equal(tail, " LEN=48 TC=184 HOPLIMIT=1 FLOWLBL=1048575 "
			    "PROTO=ICMPv6 TYPE=129 CODE=0 ID=7 SEQ=256");
}

/* An MLD report carries a hop-by-hop header: the LOG target walks it to
 * ICMPv6, and so do we when the bytes are there (NFLOG's whole packet).
 * nf_tables trace events carry the first 40 bytes only: the upper
 * protocol is then unknown, not "0". A later fragment has no L4 header. */
static void test_ip6_extension_headers(void **state)
{
	uint8_t pkt[40 + 8 + 8] = { 0x60, 0, 0, 0, 0, 16, 0, 1 };
	const uint8_t hbh[8] = { 58, 0, 5, 2, 0, 0, 1, 0 };	/* router alert */
	const uint8_t mld[8] = { 143, 0, 0x12, 0x34, 0, 0, 0, 1 };
	uint8_t frag[40 + 8 + 8];
	struct pkt_hdrs p;
	char buf[512];

	(void)state;
	memcpy(pkt + 40, hbh, 8);
	memcpy(pkt + 48, mld, 8);
	assert_int_equal(decode_pkt(pkt, sizeof(pkt), NULL, 0, &p), 0);
	assert_int_equal(p.proto, 58);
	assert_false(p.proto_unknown);
	assert_true(p.have_l4);
	assert_int_equal(p.icmp_type, 143);
	log_line(buf, sizeof(buf), &p, "r0", "", &no_meta);
	assert_non_null(strstr(buf, " PROTO=ICMPv6 TYPE=143 CODE=0"));

	/* a trace event: 40 bytes of network header, the rest elsewhere */
	assert_int_equal(decode_pkt(pkt, 40, mld, 8, &p), 0);
	assert_true(p.proto_unknown);
	assert_false(p.have_l4);
	log_line(buf, sizeof(buf), &p, "r0", "", &no_meta);
	assert_non_null(strstr(buf, " PROTO=unknown (behind IPv6 extension headers"));
	assert_null(strstr(buf, "PROTO=0"));

	/* fragment header, offset 8: a later fragment */
	memcpy(frag, pkt, 40);
	frag[6] = 44;
	memset(frag + 40, 0, 8);
	frag[40] = 58;
	frag[43] = 8;			/* offset 1 (x 8 bytes) */
	memcpy(frag + 48, mld, 8);
	assert_int_equal(decode_pkt(frag, sizeof(frag), NULL, 0, &p), 0);
	assert_int_equal(p.proto, 58);
	assert_false(p.have_l4);
}

/* Truncated or unknown network headers are -1; a short transport header
 * only leaves have_l4 false. */
static void test_truncated(void **state)
{
	struct trace_event ev;
	struct pkt_hdrs p;
	uint8_t bad[40] = { 0x55 };

	(void)state;
	fixture_event("nft-ip4-icmp-echo-accept.nlmsg", &ev);
	assert_int_equal(decode_pkt(ev.hdr, 19, NULL, 0, &p), -1);
	assert_int_equal(decode_pkt(ev.hdr, 0, NULL, 0, &p), -1);
	assert_int_equal(decode_pkt(ev.hdr, 20, ev.hdr + 20, 1, &p), 0);
	assert_false(p.have_l4);
	assert_int_equal(decode_pkt(ev.hdr, 20, ev.hdr + 20, 4, &p), 0);
	assert_true(p.have_l4);
	assert_false(p.icmp_echo);		/* id/seq not there */

	fixture_event("nft-ip6-icmpv6-echo-accept.nlmsg", &ev);
	assert_int_equal(decode_pkt(ev.hdr, 39, NULL, 0, &p), -1);
	assert_int_equal(decode_pkt(bad, sizeof(bad), NULL, 0, &p), -1);

	fixture_event("nft-tcp-syn-jump.nlmsg", &ev);
	assert_int_equal(decode_pkt(ev.hdr, 20, ev.hdr + 20, 13, &p), 0);
	assert_false(p.have_l4);
	assert_int_equal(p.sport, 0);
	fixture_event("nft-udp-mark-accept.nlmsg", &ev);
	assert_int_equal(decode_pkt(ev.hdr, 20, ev.hdr + 20, 3, &p), 0);
	assert_false(p.have_l4);
}

/* snprintf semantics: the full length comes back, the buffer is cut
 * and terminated. */
static void test_log_short_buffer(void **state)
{
	struct pkt_hdrs p;
	char full[512], small[16];
	int n;

	(void)state;
	decode_fixture("nft-tcp-syn-jump.nlmsg", &p);
	n = log_line(full, sizeof(full), &p, "veth0", "", &no_meta);
	assert_int_equal(log_line(small, sizeof(small), &p, "veth0", "", &no_meta), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, full, sizeof(small) - 1);
	small[0] = 'x';
	assert_int_equal(log_line(small, 0, &p, "veth0", "", &no_meta), n);
	assert_int_equal(small[0], 'x');
}

/* decode_rewritten(earlier, later). */
static void test_rewritten(void **state)
{
	struct pkt_hdrs a, b;

	(void)state;
	decode_fixture("nft-tcp-syn-jump.nlmsg", &a);
	b = a;
	assert_false(decode_rewritten(&a, &b));
	b.ttl = a.ttl - 1;		/* forwarded: not a rewrite */
	assert_false(decode_rewritten(&a, &b));
	b.ttl = a.ttl - 2;
	assert_true(decode_rewritten(&a, &b));
	b.ttl = a.ttl + 1;		/* raised: mangled */
	assert_true(decode_rewritten(&a, &b));

	b = a;				/* DNAT */
	inet_pton(AF_INET, "10.99.0.3", &b.dst.v4);
	b.dport = 80;
	assert_true(decode_rewritten(&a, &b));
	b = a;				/* SNAT of the port only */
	b.sport = 1024;
	assert_true(decode_rewritten(&a, &b));
	b = a;
	b.tos = 0x10;
	assert_true(decode_rewritten(&a, &b));
	b = a;				/* fields NAT does not touch */
	b.ipid++;
	b.len += 4;
	b.tcp_seq++;
	assert_false(decode_rewritten(&a, &b));

	decode_fixture("nft-ip6-icmpv6-echo-accept.nlmsg", &a);
	b = a;
	b.ttl--;
	assert_false(decode_rewritten(&a, &b));
	b.src.v6.s6_addr[15] = 9;	/* only the last byte differs */
	assert_true(decode_rewritten(&a, &b));
	decode_fixture("nft-ip4-icmp-echo-accept.nlmsg", &b);
	assert_true(decode_rewritten(&a, &b));	/* family changed */
}

/* decode_addr_text writes what inet_ntop writes: every octet value in
 * every place, IPv6, and a buffer too small for IPv4 text. */
static void test_addr_text_is_inet_ntop(void **state)
{
	char ours[INET6_ADDRSTRLEN], libc[INET6_ADDRSTRLEN];
	uint8_t a[4], a6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	unsigned int place, v;

	(void)state;
	for (place = 0; place < 4; place++)
		for (v = 0; v < 256; v++) {
			a[0] = 10, a[1] = 98, a[2] = 1, a[3] = 2;
			a[place] = (uint8_t)v;
			a[(place + 1) % 4] = (uint8_t)(255 - v);
			decode_addr_text(AF_INET, a, ours, sizeof(ours));
			assert_non_null(inet_ntop(AF_INET, a, libc, sizeof(libc)));
			assert_string_equal(ours, libc);
		}
	decode_addr_text(AF_INET6, a6, ours, sizeof(ours));
	assert_string_equal(ours, "fd00::1");
	memset(a, 255, sizeof(a));
	decode_addr_text(AF_INET, a, ours, 8);	/* inet_ntop refuses: empty */
	assert_string_equal(ours, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_text_is_inet_ntop),
		cmocka_unit_test(test_ip4_icmp_echo_fields),
		cmocka_unit_test(test_tcp_syn_fields),
		cmocka_unit_test(test_udp_fields),
		cmocka_unit_test(test_ip6_icmpv6_fields),
		cmocka_unit_test(test_ip6_nd_fields),
		cmocka_unit_test(test_log_ip4_icmp),
		cmocka_unit_test(test_log_ip4_tcp),
		cmocka_unit_test(test_log_ip4_udp),
		cmocka_unit_test(test_log_ip6_icmpv6),
		cmocka_unit_test(test_log_ip4_fragment_tos),
		cmocka_unit_test(test_log_tcp_all_flags),
		cmocka_unit_test(test_log_tcp_reserved_bits),
		cmocka_unit_test(test_log_sctp),
		cmocka_unit_test(test_ip4_options_inline_l4),
		cmocka_unit_test(test_ip6_traffic_class_flowlabel),
		cmocka_unit_test(test_ip6_extension_headers),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_log_short_buffer),
		cmocka_unit_test(test_rewritten),
	};

	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
