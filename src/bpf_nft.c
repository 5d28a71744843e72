/* The walk keeps A and X symbolic: A is "a load, masked", X is either
 * unknown or libpcap's IPv4 header length (ldxb 4*([0]&0xf)). A load at
 * [x + k] is the transport header at offset k, which is exactly what nft
 * reads with @th for IPv4 (thoff = ihl * 4) as long as the fragment
 * offset is 0; so it is taken only when the path has already checked
 * both the IPv4 version and a zero fragment offset. Anything else
 * refuses the whole program.
 *
 * Out-of-bounds loads: BPF rejects the packet at once; nft's payload
 * expression breaks the rule. A load whose value no condition reads
 * still gets a condition that is always true (>= 0), for the bounds. */
#include <stdlib.h>
#include <string.h>
#include <libnftnl/rule.h>
#include <libnftnl/expr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "bpf_nft.h"

#define MAX_STEPS	20000	/* instructions visited over all paths */
#define MAX_OFFSET	255

enum { A_NONE, A_LOAD };
enum { X_NONE, X_MSH };

struct areg {
	uint8_t kind, base, len;
	bool used;		/* a condition has read it */
	uint16_t off;
	uint32_t mask;
};

struct state {
	struct areg a;
	uint8_t x;
	bool x_used;
	struct bnft_rule path;
};

struct walk {
	const struct sock_filter *f;
	unsigned int len, steps, total;
	struct bnft_prog *out;
};

static uint32_t full_mask(unsigned int len)
{
	return len >= 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
}

static bool same_load(const struct bnft_cond *a, const struct bnft_cond *b)
{
	return a->base == b->base && a->off == b->off && a->len == b->len &&
	       a->mask == b->mask;
}

static void drop_cond(struct bnft_rule *r, unsigned int i)
{
	memmove(&r->c[i], &r->c[i + 1], (r->n - i - 1) * sizeof(r->c[0]));
	r->n--;
}

/* Add a condition to the path. Returns 0, 1 when the path can no longer
 * be taken (it contradicts an earlier condition), -1 when it is full. */
static int add_cond(struct state *s, struct bnft_cond c)
{
	struct bnft_rule *r = &s->path;
	unsigned int i;

	for (i = 0; i < r->n; i++) {
		struct bnft_cond *e = &r->c[i];

		if (!same_load(e, &c))
			continue;
		if (e->op == c.op && e->value == c.value)
			return 0;
		if (c.op == BNFT_EQ && e->op == BNFT_EQ)
			return 1;
		if ((c.op == BNFT_EQ && e->op == BNFT_NEQ) ||
		    (c.op == BNFT_NEQ && e->op == BNFT_EQ)) {
			if (e->value == c.value)
				return 1;
			if (c.op == BNFT_NEQ)
				return 0;	/* implied by the earlier == */
			drop_cond(r, i);	/* implied by the new == */
			i--;
		}
	}
	if (r->n == BPF_NFT_MAX_CONDS)
		return -1;
	r->c[r->n++] = c;
	return 0;
}

static struct bnft_cond load_cond(const struct areg *a, uint32_t mask,
				  uint8_t op, uint32_t value)
{
	return (struct bnft_cond){ .base = a->base, .len = a->len, .op = op,
				   .off = a->off, .mask = mask, .value = value };
}

/* A condition that only makes the load happen. */
static int touch(struct state *s, const struct areg *a)
{
	if (a->kind != A_LOAD || a->used || a->base == BNFT_LEN)
		return 0;
	return add_cond(s, load_cond(a, full_mask(a->len), BNFT_GTE, 0)) < 0 ? -1 : 0;
}

/* The path has established IPv4 with a zero fragment offset. */
static bool ipv4_first_fragment(const struct bnft_rule *r)
{
	bool v4 = false, frag0 = false;
	unsigned int i;

	for (i = 0; i < r->n; i++) {
		const struct bnft_cond *c = &r->c[i];

		if (c->base != BNFT_NET || c->op != BNFT_EQ)
			continue;
		if (c->off == 0 && c->len == 1 && (c->mask & 0xf0) == 0xf0 &&
		    (c->value & 0xf0) == 0x40)
			v4 = true;
		if (c->off == 6 && c->len == 2 && (c->mask & 0x1fff) == 0x1fff &&
		    (c->value & 0x1fff) == 0)
			frag0 = true;
	}
	return v4 && frag0;
}

/* Drop "always true" bounds conditions that another condition on the
 * same base implies (it reads at least as far into the packet). */
static void prune_touches(struct bnft_rule *r)
{
	unsigned int i, j;

	for (i = 0; i < r->n; i++) {
		const struct bnft_cond *t = &r->c[i];

		if (t->op != BNFT_GTE || t->value != 0)
			continue;
		for (j = 0; j < r->n; j++) {
			const struct bnft_cond *c = &r->c[j];

			if (j != i && c->base == t->base &&
			    c->off + c->len >= t->off + t->len &&
			    !(c->op == BNFT_GTE && c->value == 0 && j > i))
				break;
		}
		if (j < r->n) {
			drop_cond(r, i);
			i--;
		}
	}
}

static int accept_path(struct walk *w, struct state *s)
{
	struct areg x0 = { A_LOAD, BNFT_NET, 1, false, 0, 0xff };
	unsigned int i;

	if (touch(s, &s->a) < 0)
		return -1;
	if (s->x == X_MSH && !s->x_used && touch(s, &x0) < 0)
		return -1;
	if (w->out->nrules == BPF_NFT_MAX_RULES)
		return -1;
	prune_touches(&s->path);
	w->total += s->path.n;
	if (w->total > BPF_NFT_MAX_TOTAL)
		return -1;
	s->path.need_ipv4 = false;
	for (i = 0; i < s->path.n; i++)
		if (s->path.c[i].base == BNFT_TH)
			s->path.need_ipv4 = true;
	w->out->rules[w->out->nrules++] = s->path;
	return 0;
}

static int walk_from(struct walk *w, unsigned int pc, struct state *s);

/* Follow one outcome of a jump: cond holds on the way to target. */
static int branch(struct walk *w, const struct state *s, unsigned int target,
		  bool possible, bool always, uint32_t mask, uint8_t op,
		  uint32_t value)
{
	struct state *n;
	int rc;

	if (!possible)
		return 0;
	n = malloc(sizeof(*n));
	if (!n)
		return -1;
	*n = *s;
	if (!always) {
		rc = add_cond(n, load_cond(&n->a, mask, op, value));
		n->a.used = true;
		if (rc) {
			free(n);
			return rc < 0 ? -1 : 0;
		}
	}
	rc = walk_from(w, target, n);
	free(n);
	return rc;
}

static int jump(struct walk *w, unsigned int pc, struct state *s)
{
	const struct sock_filter *in = &w->f[pc];
	unsigned int jt = pc + 1 + in->jt, jf = pc + 1 + in->jf;
	uint32_t m = s->a.mask, k = in->k;

	if (BPF_OP(in->code) == BPF_JA)
		return walk_from(w, pc + 1 + k, s);
	if (BPF_SRC(in->code) != BPF_K || s->a.kind != A_LOAD)
		return -1;
	/* A is (load & m), so 0 <= A <= m. */
	switch (BPF_OP(in->code)) {
	case BPF_JEQ:
		if (k & ~m)
			return branch(w, s, jf, true, true, 0, 0, 0);
		if (branch(w, s, jt, true, false, m, BNFT_EQ, k) < 0)
			return -1;
		return branch(w, s, jf, true, false, m, BNFT_NEQ, k);
	case BPF_JGT:
		if (k >= m)
			return branch(w, s, jf, true, true, 0, 0, 0);
		if (branch(w, s, jt, true, false, m, BNFT_GT, k) < 0)
			return -1;
		return branch(w, s, jf, true, false, m, BNFT_LTE, k);
	case BPF_JGE:
		if (k == 0)
			return branch(w, s, jt, true, true, 0, 0, 0);
		if (k > m)
			return branch(w, s, jf, true, true, 0, 0, 0);
		if (branch(w, s, jt, true, false, m, BNFT_GTE, k) < 0)
			return -1;
		return branch(w, s, jf, true, false, m, BNFT_LT, k);
	case BPF_JSET:
		if (!(k & m))
			return branch(w, s, jf, true, true, 0, 0, 0);
		if (branch(w, s, jt, true, false, k & m, BNFT_NEQ, 0) < 0)
			return -1;
		return branch(w, s, jf, true, false, k & m, BNFT_EQ, 0);
	}
	return -1;
}

/* Bounds conditions for an always-true branch are added when A is
 * replaced or the path accepts: branch() leaves a.used unset then. */
static int load_a(struct state *s, uint8_t base, uint8_t len, uint32_t off)
{
	if (off > MAX_OFFSET || touch(s, &s->a) < 0)
		return -1;
	s->a = (struct areg){ A_LOAD, base, len, false, (uint16_t)off,
			      full_mask(len) };
	return 0;
}

static int ld_size(uint16_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B: return 1;
	case BPF_H: return 2;
	case BPF_W: return 4;
	}
	return -1;
}

static int walk_from(struct walk *w, unsigned int pc, struct state *s)
{
	for (;;) {
		const struct sock_filter *in;
		int size;

		if (pc >= w->len || ++w->steps > MAX_STEPS)
			return -1;
		in = &w->f[pc];
		switch (BPF_CLASS(in->code)) {
		case BPF_RET:
			if (BPF_RVAL(in->code) != BPF_K)
				return -1;
			return in->k ? accept_path(w, s) : 0;
		case BPF_JMP:
			return jump(w, pc, s);
		case BPF_LD:
			size = ld_size(in->code);
			switch (BPF_MODE(in->code)) {
			case BPF_ABS:
				if (size < 0 || load_a(s, BNFT_NET, (uint8_t)size, in->k) < 0)
					return -1;
				break;
			case BPF_IND:
				if (size < 0 || s->x != X_MSH ||
				    !ipv4_first_fragment(&s->path) ||
				    load_a(s, BNFT_TH, (uint8_t)size, in->k) < 0)
					return -1;
				s->x_used = true;
				break;
			case BPF_LEN:
				if (BPF_SIZE(in->code) != BPF_W ||
				    load_a(s, BNFT_LEN, 4, 0) < 0)
					return -1;
				break;
			default:
				return -1;
			}
			break;
		case BPF_LDX:
			/* only libpcap's IPv4 header length, from byte 0 */
			if (in->code != (BPF_LDX | BPF_B | BPF_MSH) || in->k != 0)
				return -1;
			if (s->x == X_MSH && !s->x_used) {
				struct areg x0 = { A_LOAD, BNFT_NET, 1, false, 0, 0xff };

				if (touch(s, &x0) < 0)
					return -1;
			}
			s->x = X_MSH;
			s->x_used = false;
			break;
		case BPF_ALU:
			if (in->code != (BPF_ALU | BPF_AND | BPF_K) ||
			    s->a.kind != A_LOAD || s->a.base == BNFT_LEN)
				return -1;
			s->a.mask &= in->k;
			break;
		default:	/* scratch memory, tax/txa */
			return -1;
		}
		pc++;
	}
}

int bpf_nft_translate(const struct sock_filter *insns, unsigned int len,
		      struct bnft_prog *out)
{
	struct walk w = { insns, len, 0, 0, out };
	struct state *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -1;
	out->nrules = 0;
	rc = len ? walk_from(&w, 0, s) : -1;
	free(s);
	return rc;
}

/* ---------------------------------------------------------------- nftnl */

static struct nftnl_expr *expr_new(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e)
		nftnl_rule_add_expr(r, e);
	return e;
}

static void be_bytes(uint8_t *out, uint32_t v, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		out[i] = (uint8_t)(v >> (8 * (len - 1 - i)));
}

static const uint32_t cmp_ops[] = {
	[BNFT_EQ] = NFT_CMP_EQ, [BNFT_NEQ] = NFT_CMP_NEQ,
	[BNFT_LT] = NFT_CMP_LT, [BNFT_LTE] = NFT_CMP_LTE,
	[BNFT_GT] = NFT_CMP_GT, [BNFT_GTE] = NFT_CMP_GTE,
};

static int add_cmp(struct nftnl_rule *r, uint8_t op, const void *data,
		   uint32_t len)
{
	struct nftnl_expr *e = expr_new(r, "cmp");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, cmp_ops[op]);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return 0;
}

static int add_len_cond(struct nftnl_rule *r, const struct bnft_cond *c)
{
	struct nftnl_expr *e = expr_new(r, "meta");
	uint8_t be[4];

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_LEN);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	if (c->op == BNFT_EQ || c->op == BNFT_NEQ)
		return add_cmp(r, c->op, &c->value, sizeof(c->value));
	/* cmp orders like memcmp: compare in network order, as nft does */
	if (!(e = expr_new(r, "byteorder")))
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, 4);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, 4);
	be_bytes(be, c->value, 4);
	return add_cmp(r, c->op, be, 4);
}

static int add_payload_cond(struct nftnl_rule *r, const struct bnft_cond *c)
{
	struct nftnl_expr *e = expr_new(r, "payload");
	uint8_t mask[4], zero[4] = { 0 }, value[4];

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, c->base == BNFT_TH ?
			   NFT_PAYLOAD_TRANSPORT_HEADER : NFT_PAYLOAD_NETWORK_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, c->off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, c->len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	if (c->mask != full_mask(c->len)) {
		if (!(e = expr_new(r, "bitwise")))
			return -1;
		be_bytes(mask, c->mask, c->len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_OP, NFT_BITWISE_BOOL);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, c->len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, c->len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, c->len);
	}
	be_bytes(value, c->value, c->len);
	return add_cmp(r, c->op, value, c->len);
}

int bpf_nft_add_exprs(struct nftnl_rule *r, const struct bnft_rule *rule,
		      bool nfproto_done)
{
	unsigned int i;

	if (rule->need_ipv4 && !nfproto_done) {
		struct nftnl_expr *e = expr_new(r, "meta");
		uint8_t proto = NFPROTO_IPV4;

		if (!e)
			return -1;
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_NFPROTO);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
		if (add_cmp(r, BNFT_EQ, &proto, sizeof(proto)) < 0)
			return -1;
	}
	for (i = 0; i < rule->n; i++) {
		const struct bnft_cond *c = &rule->c[i];

		if ((c->base == BNFT_LEN ? add_len_cond(r, c) :
		     add_payload_cond(r, c)) < 0)
			return -1;
	}
	return 0;
}
