/* bpf_nft: the translation of libpcap programs into native nft rules.
 *
 * The proof is an equivalence check: for each expression, libpcap's own
 * bpf_filter() runs the classic program over a corpus of generated
 * packets, and an interpreter of the nftnl expressions we would send
 * (payload, bitwise, cmp, meta, byteorder, evaluated as the kernel does:
 * memcmp ordering, a failed load ends the rule, the transport header at
 * ihl * 4 only for IPv4 with a zero fragment offset) runs the rules over
 * the same packets. The decisions must agree on every packet, and at
 * most one rule may match any packet. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pcap/pcap.h>
#include <libnftnl/rule.h>
#include <libnftnl/expr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "bpf_nft.h"
#include "filter.h"

/* ------------------------------------------------------------ packets */

#define PKT_MAX 160

struct pkt {
	uint8_t b[PKT_MAX];
	unsigned int len;
};

static uint32_t rng_state = 12345;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static uint32_t pick(const uint32_t *v, size_t n) { return v[rnd() % n]; }

static const uint32_t addrs4[] = {
	0x0a010203, 0x0a010204, 0x0a000001, 0x0affffff, 0x0b000001,
	0xc0a80001, 0x0a630102, 0x0a630202, 0x09ffffff, 0,
};
static const uint32_t ports[] = {
	22, 53, 80, 999, 1000, 1500, 2000, 2001, 0, 65535, 443, 5555,
};
static const uint8_t protos[] = { 6, 17, 1, 132, 58, 47, 0, 2 };

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static uint32_t rnd_port(void)
{
	return rnd() % 3 ? pick(ports, sizeof(ports) / sizeof(ports[0])) : rnd() & 0xffff;
}

/* A transport header (or junk) of l4len bytes at p. */
static void fill_l4(uint8_t *p, unsigned int l4len)
{
	unsigned int i;

	for (i = 0; i < l4len; i++)
		p[i] = (uint8_t)rnd();
	if (l4len >= 2)
		put16(p, rnd_port());
	if (l4len >= 4)
		put16(p + 2, rnd_port());
	if (l4len >= 14 && rnd() % 2)
		p[13] = (uint8_t)(1u << (rnd() % 8));
}

static unsigned int rnd_l4len(void)
{
	static const unsigned int lens[] = { 0, 1, 2, 3, 4, 7, 8, 13, 14, 20, 40 };

	return lens[rnd() % (sizeof(lens) / sizeof(lens[0]))];
}

static struct pkt gen_ipv4(void)
{
	struct pkt p = { { 0 }, 0 };
	unsigned int ihl = rnd() % 4 ? 5 : 5 + rnd() % 11, l4 = rnd_l4len(), i;
	uint32_t frag = 0;

	for (i = 20; i < ihl * 4; i++)
		p.b[i] = (uint8_t)rnd();	/* options */
	p.b[0] = (uint8_t)(0x40 | ihl);
	p.b[1] = (uint8_t)rnd();
	if (rnd() % 4 == 0)
		frag = rnd() % 2 ? 0x2000 : (rnd() & 0x3fff);	/* MF, offsets */
	put16(&p.b[6], frag);
	p.b[8] = 64;
	p.b[9] = protos[rnd() % sizeof(protos)];
	put32(&p.b[12], rnd() % 4 ? pick(addrs4, sizeof(addrs4) / sizeof(addrs4[0])) : rnd());
	put32(&p.b[16], rnd() % 4 ? pick(addrs4, sizeof(addrs4) / sizeof(addrs4[0])) : rnd());
	fill_l4(&p.b[ihl * 4], l4);
	p.len = ihl * 4 + l4;
	put16(&p.b[2], p.len);
	return p;
}

static void rnd_addr6(uint8_t *a)
{
	static const uint8_t fd1[16] = { 0xfd, 0, [15] = 1 };
	static const uint8_t fd2[16] = { 0xfd, 0, 0, 0x99, 0, 2, [15] = 2 };
	unsigned int i, k = rnd() % 4;

	if (k == 0)
		memcpy(a, fd1, 16);
	else if (k == 1)
		memcpy(a, fd2, 16);
	else
		for (i = 0; i < 16; i++)
			a[i] = k == 2 ? fd1[i] ^ (i == 15 ? (uint8_t)rnd() : 0) : (uint8_t)rnd();
}

static struct pkt gen_ipv6(void)
{
	static const uint8_t nh[] = { 6, 17, 58, 132, 44, 0, 1, 60 };
	struct pkt p = { { 0 }, 40 };
	unsigned int l4;

	p.b[0] = (uint8_t)(0x60 | (rnd() & 0xf));
	p.b[6] = nh[rnd() % sizeof(nh)];
	p.b[7] = 64;
	rnd_addr6(&p.b[8]);
	rnd_addr6(&p.b[24]);
	if (p.b[6] == 44 && rnd() % 2) {	/* fragment header */
		p.b[40] = nh[rnd() % 4];
		put16(&p.b[42], rnd() % 2 ? 0 : rnd() & 0xfff9);
		p.len = 48;
	}
	l4 = rnd_l4len();
	fill_l4(&p.b[p.len], l4);
	p.len += l4;
	put16(&p.b[4], p.len - 40);
	return p;
}

static struct pkt gen_packet(void)
{
	return rnd() % 2 ? gen_ipv4() : gen_ipv6();
}

/* --------------------------------------------- the nftnl interpreter */

struct nft_pkt {
	const struct pkt *p;
	uint8_t nfproto;
	bool l4ok;
	unsigned int thoff, fragoff;
};

static struct nft_pkt nft_view(const struct pkt *p)
{
	struct nft_pkt n = { p, 0, false, 0, 0 };

	if (p->b[0] >> 4 == 4) {
		/* nft_set_pktinfo_ipv4 */
		n.nfproto = NFPROTO_IPV4;
		n.l4ok = true;
		n.thoff = (p->b[0] & 0xfu) * 4;
		n.fragoff = (unsigned int)(p->b[6] << 8 | p->b[7]) & 0x1fff;
	} else {
		n.nfproto = NFPROTO_IPV6;
		/* not modelled: our rules never read @th without nfproto ipv4 */
		n.l4ok = false;
	}
	return n;
}

/* Evaluate one rule as nft_do_chain would: true if it reaches the end
 * (and sets nftrace). */
static bool nft_eval(const struct nftnl_rule *r, const struct nft_pkt *np,
		     bool *set_trace)
{
	uint8_t regs[32][16];
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	bool ok = true;

	assert_non_null(it);
	memset(regs, 0, sizeof(regs));
	*set_trace = false;
	while (ok && (e = nftnl_expr_iter_next(it))) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

		if (!strcmp(name, "payload")) {
			uint32_t base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
			uint32_t off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
			uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
			uint32_t d = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_DREG);

			assert_true(d < 32 && len <= 16);
			if (base == NFT_PAYLOAD_TRANSPORT_HEADER) {
				if (!np->l4ok || np->fragoff) {
					ok = false;
					break;
				}
				off += np->thoff;
			} else {
				assert_int_equal(base, NFT_PAYLOAD_NETWORK_HEADER);
			}
			if (off + len > np->p->len) {
				ok = false;
				break;
			}
			memset(regs[d], 0, sizeof(regs[d]));
			memcpy(regs[d], np->p->b + off, len);
		} else if (!strcmp(name, "bitwise")) {
			uint32_t s = nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_SREG);
			uint32_t d = nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_DREG);
			uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_LEN), ml, xl, i;
			const uint8_t *mask = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &ml);
			const uint8_t *xor = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_XOR, &xl);

			assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_OP),
					 NFT_BITWISE_BOOL);
			assert_true(ml >= len && xl >= len && s < 32 && d < 32);
			for (i = 0; i < len; i++)
				regs[d][i] = (uint8_t)((regs[s][i] & mask[i]) ^ xor[i]);
		} else if (!strcmp(name, "cmp")) {
			uint32_t s = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG), len;
			const void *data = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
			int c = memcmp(regs[s], data, len);

			switch (nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP)) {
			case NFT_CMP_EQ: ok = c == 0; break;
			case NFT_CMP_NEQ: ok = c != 0; break;
			case NFT_CMP_LT: ok = c < 0; break;
			case NFT_CMP_LTE: ok = c <= 0; break;
			case NFT_CMP_GT: ok = c > 0; break;
			case NFT_CMP_GTE: ok = c >= 0; break;
			default: fail_msg("cmp op");
			}
		} else if (!strcmp(name, "meta")) {
			uint32_t key = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);

			if (nftnl_expr_is_set(e, NFTNL_EXPR_META_SREG)) {
				assert_int_equal(key, NFT_META_NFTRACE);
				*set_trace = true;
				continue;
			}
			uint32_t d = nftnl_expr_get_u32(e, NFTNL_EXPR_META_DREG);
			uint32_t v = np->p->len;

			memset(regs[d], 0, sizeof(regs[d]));
			if (key == NFT_META_NFPROTO)
				regs[d][0] = np->nfproto;
			else if (key == NFT_META_LEN)
				memcpy(regs[d], &v, 4);	/* host order, as the kernel */
			else
				fail_msg("meta key %u", key);
		} else if (!strcmp(name, "byteorder")) {
			uint32_t s = nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_SREG);
			uint32_t d = nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_DREG), v;

			assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_OP),
					 NFT_BYTEORDER_HTON);
			assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_SIZE), 4);
			assert_int_equal(nftnl_expr_get_u32(e, NFTNL_EXPR_BYTEORDER_LEN), 4);
			memcpy(&v, regs[s], 4);
			v = __builtin_bswap32(v);
			memcpy(regs[d], &v, 4);
		} else if (!strcmp(name, "immediate")) {
			uint32_t d = nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG), len;
			const void *data = nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &len);

			memset(regs[d], 0, sizeof(regs[d]));
			memcpy(regs[d], data, len);
		} else {
			fail_msg("unexpected expression %s", name);
		}
	}
	nftnl_expr_iter_destroy(it);
	return ok;
}

/* ------------------------------------------------------------ harness */

struct translated {
	struct filter_prog prog;
	struct bnft_prog native;
	struct nftnl_rule *rules[BPF_NFT_MAX_RULES];
	int rc;
};

static struct translated *translate_insns(const char *expr,
					  const struct sock_filter *insns,
					  unsigned int len)
{
	struct translated *t = calloc(1, sizeof(*t));
	struct filter_spec spec = { .expr = expr };
	char err[256];
	unsigned int i;

	assert_non_null(t);
	if (insns) {
		memcpy(t->prog.insns, insns, len * sizeof(*insns));
		t->prog.len = len;
	} else if (filter_compile(&spec, &t->prog, err, sizeof(err)) != FILTER_OK) {
		fail_msg("%s: %s", expr, err);
	}
	t->rc = bpf_nft_translate(t->prog.insns, t->prog.len, &t->native);
	if (t->rc < 0)
		return t;
	for (i = 0; i < t->native.nrules; i++) {
		struct nftnl_expr *e;
		uint8_t one = 1;

		t->rules[i] = nftnl_rule_alloc();
		assert_int_equal(bpf_nft_add_exprs(t->rules[i], &t->native.rules[i],
						   false), 0);
		/* the end of the rule as arm.c writes it */
		e = nftnl_expr_alloc("immediate");
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
		nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &one, 1);
		nftnl_rule_add_expr(t->rules[i], e);
		e = nftnl_expr_alloc("meta");
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_NFTRACE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
		nftnl_rule_add_expr(t->rules[i], e);
	}
	return t;
}

static struct translated *translate(const char *expr)
{
	return translate_insns(expr, NULL, 0);
}

static void translated_free(struct translated *t)
{
	unsigned int i;

	for (i = 0; i < t->native.nrules && t->rc == 0; i++)
		nftnl_rule_free(t->rules[i]);
	free(t);
}

static void print_packet(const struct pkt *p)
{
	unsigned int i;

	for (i = 0; i < p->len; i++)
		fprintf(stderr, "%02x%s", p->b[i], i % 16 == 15 ? "\n" : " ");
	fprintf(stderr, "\n");
}

#define CORPUS 60000

/* Run both over the corpus; returns how many packets matched. */
static unsigned int equivalent_t(const char *expr, struct translated *t,
				 const struct pkt *extra, size_t nextra)
{
	unsigned int n, i, hits = 0;

	if (t->rc < 0)
		fail_msg("'%s' did not translate", expr);
	rng_state = 12345;
	for (n = 0; n < CORPUS + nextra; n++) {
		struct pkt p = n < nextra ? extra[n] : gen_packet();
		struct nft_pkt np = nft_view(&p);
		bool bpf = bpf_filter((const struct bpf_insn *)t->prog.insns, p.b,
				      p.len, p.len) != 0;
		unsigned int matched = 0;

		for (i = 0; i < t->native.nrules; i++) {
			bool trace;

			if (nft_eval(t->rules[i], &np, &trace)) {
				assert_true(trace);
				matched++;
			}
		}
		if (matched > 1 || bpf != (matched == 1)) {
			fprintf(stderr, "'%s': bpf %d, %u rules matched, packet:\n",
				expr, bpf, matched);
			print_packet(&p);
			fail();
		}
		hits += bpf;
	}
	translated_free(t);
	return hits;
}

static unsigned int equivalent(const char *expr, const struct pkt *extra,
			       size_t nextra)
{
	return equivalent_t(expr, translate(expr), extra, nextra);
}

static void check(const char *expr)
{
	unsigned int hits = equivalent(expr, NULL, 0);

	/* the corpus must exercise both outcomes */
	if (hits == 0 || hits == CORPUS)
		fail_msg("'%s': %u of %u packets matched; the corpus says nothing",
			 expr, hits, CORPUS);
}

static void falls_back(const char *expr)
{
	struct translated *t = translate(expr);

	if (t->rc == 0)
		fail_msg("'%s' translated, but should fall back", expr);
	translated_free(t);
}

/* -------------------------------------------------------------- tests */

static void test_protocols(void **state)
{
	(void)state;
	check("icmp");
	check("not icmp");
	check("tcp");
	check("udp");
	check("sctp");
	check("ip6 and tcp");
	check("icmp6");
	check("ip");
	check("ip6");
	check("ip proto 47");
	check("(ip proto 17 or ip6 proto 17)");
	check("tcp or icmp");
	check("not (tcp or udp)");
}

static void test_hosts(void **state)
{
	(void)state;
	check("host 10.1.2.3");
	check("src host 10.1.2.3");
	check("dst host 10.1.2.3");
	check("not host 10.1.2.3");
	check("net 10.0.0.0/8");
	check("src net 10.0.0.0/8 and not dst net 10.99.0.0/16");
	check("host fd00::1");
	check("src host fd00:0:0:99::2 or dst host fd00::1");
	check("net fd00::/16");
	check("host 10.99.2.2 and udp");
	check("host 10.99.1.2 and host 10.99.2.2");
}

static void test_ports(void **state)
{
	(void)state;
	check("src host 10.1.2.3 and dst port 80");
	check("tcp port 22 or udp port 53");
	check("port 53");
	check("tcp dst port 5555");
	check("not port 22");
	check("portrange 1000-2000");
	check("tcp src portrange 1000-2000");
	check("udp and not port 53");
	check("tcp and (host 10.99.1.2 or host 10.99.2.2) and "
	      "tcp[tcpflags] & tcp-syn == 0");
}

static void test_bytes_and_flags(void **state)
{
	(void)state;
	check("tcp[tcpflags] & tcp-syn != 0");
	check("tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn");
	check("ip[8] > 32");
	check("ip[6:2] & 0x1fff != 0");
	check("ip[0] & 0xf > 5");
	check("icmp[icmptype] == icmp-echo");
	check("udp[0:2] >= 1000 and udp[0:2] < 1100");
	check("ip6[6] == 58");
}

static void test_length(void **state)
{
	(void)state;
	check("less 60");
	check("less 100 and tcp");
	check("greater 80");
	check("len == 40");
	check("len != 40 and icmp");
	check("len > 30 and len <= 60");
}

/* Real packets built by hand where random ones might miss the corner. */
static void test_corners(void **state)
{
	struct pkt frag = gen_ipv4(), opts, shortp;

	(void)state;
	/* a non-first fragment whose payload looks like port 22 */
	frag = (struct pkt){ { 0x45, 0, 0, 28, 0, 0, 0x00, 0x10, 64, 6,
			       [12] = 10, 1, 2, 3, 10, 1, 2, 4,
			       [20] = 0, 22, 0, 22 }, 28 };
	/* options push the ports out */
	opts = (struct pkt){ { 0x46, 0, 0, 32, 0, 0, 0, 0, 64, 6,
			       [12] = 10, 1, 2, 3, 10, 1, 2, 4,
			       [20] = 0, 22, 0, 22, 0, 80, 0, 22 }, 32 };
	/* too short for the destination port */
	shortp = (struct pkt){ { 0x45, 0, 0, 22, 0, 0, 0, 0, 64, 6,
				 [12] = 10, 1, 2, 3, 10, 1, 2, 4, [20] = 0, 80 }, 22 };
	const struct pkt extra[] = { frag, opts, shortp };

	equivalent("tcp port 22", extra, 3);
	equivalent("tcp dst port 22", extra, 3);
	equivalent("tcp src port 80 or tcp dst port 22", extra, 3);
	equivalent("ip[0] > 0", extra, 3);
}

/* What the translation does not cover keeps the xt bpf match. */
static void test_fallback(void **state)
{
	char expr[512] = "";
	int i;

	(void)state;
	falls_back("ip[2:2] - 20 > 100");		/* arithmetic on A */
	falls_back("ip6 protochain 6");			/* scratch memory, loops */
	falls_back("ip[ip[0] & 0xf] == 1");		/* tax */
	falls_back("len - 20 > 100");
	falls_back("udp[udp[0] & 1] == 0");
	/* too many paths */
	for (i = 0; i < 3; i++)
		snprintf(expr + strlen(expr), sizeof(expr) - strlen(expr),
			 "%sportrange %d-%d", i ? " or " : "", 10 * i + 1, 10 * i + 2);
	falls_back(expr);
}

#define RAW(...) ((const struct sock_filter[]){ __VA_ARGS__ })
#define NRAW(...) (sizeof(RAW(__VA_ARGS__)) / sizeof(struct sock_filter))
#define RAW_CHECK(name, ...) do {					\
	struct translated *t_ = translate_insns(name, RAW(__VA_ARGS__),	\
						NRAW(__VA_ARGS__));	\
	if (t_->rc < 0)							\
		fail_msg("%s did not translate", name);			\
	equivalent_t(name, t_, NULL, 0);				\
} while (0)
#define RAW_FALLS_BACK(name, ...) do {					\
	struct translated *t_ = translate_insns(name, RAW(__VA_ARGS__),	\
						NRAW(__VA_ARGS__));	\
	if (t_->rc == 0)						\
		fail_msg("%s translated, but should fall back", name);	\
	translated_free(t_);						\
} while (0)

#define MSH BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0)
#define ACCEPT BPF_STMT(BPF_RET | BPF_K, 0xffff)
#define REJECT BPF_STMT(BPF_RET | BPF_K, 0)

/* Hand-written programs for what libpcap's optimizer rarely emits. */
static void test_raw_programs(void **state)
{
	(void)state;
	/* an unread load still bounds the packet: 60 bytes or more */
	RAW_CHECK("unread load", BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 59), ACCEPT);
	RAW_CHECK("unread ind load",
		  BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		  BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
		  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40, 0, 5),
		  BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),
		  BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 3, 0),
		  MSH, BPF_STMT(BPF_LD | BPF_W | BPF_IND, 8), ACCEPT, REJECT);
	RAW_CHECK("unread load beyond a read one",
		  BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 50),
		  BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 52),
		  BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0x7f, 0, 1), ACCEPT, REJECT);
	/* a value that cannot fit the load: one outcome, the load stays */
	RAW_CHECK("jeq too wide",
		  BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 50),
		  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x100, 1, 0), ACCEPT, REJECT);
	RAW_CHECK("jgt too wide",
		  BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 50),
		  BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0xffff, 0, 1), ACCEPT, REJECT);
	RAW_CHECK("jge 0",
		  BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 44),
		  BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0, 0, 1), ACCEPT, REJECT);
	RAW_CHECK("jset outside the mask",
		  BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 45),
		  BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x0f),
		  BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0xf0, 1, 0), ACCEPT, REJECT);
	RAW_CHECK("ja and len",
		  BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		  BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0), REJECT,
		  BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 48, 0, 1), ACCEPT, REJECT);
	RAW_CHECK("masked range",
		  BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 2),
		  BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x0ff0),
		  BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0x20, 0, 1), ACCEPT, REJECT);

	/* [x + k] without the IPv4 or fragment checks before it */
	RAW_FALLS_BACK("ind without checks", MSH,
		       BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
		       BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 22, 0, 1), ACCEPT, REJECT);
	RAW_FALLS_BACK("ind without the fragment check",
		       BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		       BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
		       BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40, 0, 4),
		       MSH, BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
		       BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 22, 0, 1), ACCEPT, REJECT);
	RAW_FALLS_BACK("fragment check after the load",
		       BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		       BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
		       BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40, 0, 6),
		       MSH, BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
		       BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),
		       BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 1, 0), ACCEPT, REJECT);
	RAW_FALLS_BACK("ind without msh",
		       BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		       BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
		       BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40, 0, 5),
		       BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),
		       BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 3, 0),
		       BPF_STMT(BPF_LDX | BPF_IMM, 20),
		       BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2), ACCEPT, REJECT);
	RAW_FALLS_BACK("msh not from byte 0", BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 1),
		       ACCEPT);
	RAW_FALLS_BACK("ret a", BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		       BPF_STMT(BPF_RET | BPF_A, 0));
	RAW_FALLS_BACK("jeq x", BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		       BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 1), ACCEPT, REJECT);
	RAW_FALLS_BACK("far offset", BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 256), ACCEPT);
	RAW_FALLS_BACK("ancillary load",
		       BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)SKF_AD_OFF + SKF_AD_MARK),
		       ACCEPT);
	RAW_FALLS_BACK("jump out of the program", BPF_JUMP(BPF_JMP | BPF_JA, 5, 0, 0));
}

static void test_rule_shape(void **state)
{
	struct translated *t = translate("icmp");
	char buf[1024];

	(void)state;
	assert_int_equal(t->rc, 0);
	assert_int_equal(t->native.nrules, 1);
	nftnl_rule_snprintf(buf, sizeof(buf), t->rules[0], NFTNL_OUTPUT_DEFAULT, 0);
	assert_non_null(strstr(buf, "[ payload load 1b @ network header + 0 => reg 1 ]"));
	assert_non_null(strstr(buf, "[ bitwise reg 1 = ( reg 1 & 0x000000f0 ) ^ 0x00000000 ]"));
	assert_non_null(strstr(buf, "[ cmp eq reg 1 0x00000040 ]"));
	assert_non_null(strstr(buf, "[ payload load 1b @ network header + 9 => reg 1 ]"));
	assert_non_null(strstr(buf, "[ cmp eq reg 1 0x00000001 ]"));
	translated_free(t);

	/* ports: the transport header, for IPv4 only */
	t = translate("tcp dst port 22");
	assert_int_equal(t->rc, 0);
	assert_true(t->native.nrules >= 2);
	for (unsigned int i = 0; i < t->native.nrules; i++) {
		nftnl_rule_snprintf(buf, sizeof(buf), t->rules[i], NFTNL_OUTPUT_DEFAULT, 0);
		if (strstr(buf, "transport header"))
			assert_non_null(strstr(buf, "[ meta load nfproto => reg 1 ]"));
	}
	translated_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_shape),
		cmocka_unit_test(test_protocols),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_bytes_and_flags),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_corners),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_raw_programs),
	};

	return cmocka_run_group_tests_name("bpf_nft", tests, NULL, NULL);
}
