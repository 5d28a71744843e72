/* One inet table "iptables-trace-PID" with the owner flag and base chains
 * at prerouting and output, priority raw - 1, so the trace bit is set
 * before the raw table (-300) and conntrack (-200) see the packet.
 *
 * Each chain has one rule per accepting path of the filter's BPF program
 * (bpf_nft.h), all in native expressions that nft prints and loads back:
 *   [meta nfproto X] [meta iifname X] [path conditions] [limit] meta nftrace set 1
 * A packet follows one path, so at most one rule sets nftrace for it,
 * and the shared limit object counts it once. A program the translation
 * does not cover keeps one rule with the xt bpf match in its place.
 * The rules never touch the packet mark, except a probe's (--mark, in
 * the probe's own copy of the namespace): see arm_spec.set_mark.
 *
 * Each rule that sets nftrace counts the packets it marked, so that the
 * exit summary can say how many traced packets never reached us.
 *
 * Where the namespace has a bridge, a bridge table of the same name and
 * owner marks frames at the bridge's prerouting, priority -301, before
 * br_netfilter runs the inet chains inside that hook at priority 0.
 *
 * --follow adds a set of conntrack ids and, at both hooks, a chain at
 * priority conntrack + 1 (-199), the first point where a packet has its
 * conntrack entry:
 *   [meta nfproto X] [meta iifname X] [path conditions] update @follow { ct id } return
 *   ct id @follow update @follow { ct id } [limit] counter meta nftrace set 1
 * The first rule sees the same headers as the arming rule (nothing
 * before -199 rewrites them), so the connections of the packets the
 * filter selected land in the set, and those packets, already marked,
 * go no further. The second traces every other packet of them, both
 * directions and before or after NAT, from -199 on: so each traced
 * packet is counted and started once (path_starts_packet). The set
 * is bounded (FOLLOW_SIZE) and forgets a connection idle for
 * FOLLOW_TIMEOUT_MS. */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <libnftnl/table.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/xt_bpf.h>

#include "nl_recv.h"
#include "arm.h"
#include "nft_dump.h"
#include "bpf_nft.h"
#include "bridge.h"

#define ARM_PRIORITY	(-301)		/* NF_IP_PRI_RAW - 1 */
#define LIMIT_OBJ	"rate"
#define FOLLOW_PRIORITY	(-199)		/* NF_IP_PRI_CONNTRACK + 1 */
#define FOLLOW_SET	"follow"
#define FOLLOW_SET_ID	1
#define FOLLOW_SIZE	65536
#define FOLLOW_TIMEOUT_MS (10 * 60 * 1000)
#define FOLLOW_SUFFIX	"_conntrack"
/* The batch: what the largest translation (BPF_NFT_MAX_TOTAL conditions,
 * twice) needs with room to spare; libmnl wants twice the limit. */
#define BATCH_LIMIT	(256 * 1024)

struct arm {
	struct mnl_socket *nl;
	uint32_t seq;
	char table[64];			/* both tables' name */
	bool bridge;			/* the bridge table is there too */
	bool xt_bpf;			/* the filter stayed an xt bpf match */
	struct bnft_prog *native;	/* NULL: none, or xt_bpf */
	unsigned int inet_rules;	/* rules the inet batch added */
	/* the rules naming an IPv6 upper protocol (l4_protos), by handle */
	uint64_t l4_handle[ARM_L4_HINTS];
	uint8_t l4_proto[ARM_L4_HINTS];
	unsigned int n_l4;
};

/* nf_tables trace events carry the first 40 bytes of the network header
 * and the transport header after any IPv6 extension headers, but not
 * the protocol number in between. Where extension headers hide it, a
 * rule per common upper protocol, after the marking rules of our chain,
 * matches the packet, and the event of that rule names the protocol.
 * They add no event to other packets: the chain's policy event is
 * there anyway. */
static const uint8_t l4_protos[] = {
	IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMPV6, IPPROTO_SCTP,
	IPPROTO_UDPLITE, IPPROTO_DCCP, IPPROTO_GRE,
};

const char *arm_table_name(const struct arm *a)
{
	return a->table;
}

static struct nftnl_expr *expr_new(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e)
		nftnl_rule_add_expr(r, e);
	return e;
}

static int add_meta_cmp_op(struct nftnl_rule *r, uint32_t key, const void *data,
			   uint32_t len, uint32_t op)
{
	struct nftnl_expr *e = expr_new(r, "meta");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	if (!(e = expr_new(r, "cmp")))
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return 0;
}

static int add_meta_cmp(struct nftnl_rule *r, uint32_t key, const void *data,
			uint32_t len)
{
	return add_meta_cmp_op(r, key, data, len, NFT_CMP_EQ);
}

/* meta iifname/oifname [!=] NAME. iptables' "eth+" is a prefix: compare
 * only those bytes, as nft does for iifname "eth*"; "+" alone matches
 * any name (and is refused negated). Otherwise compare the whole
 * IFNAMSIZ buffer, NULs included. */
static int add_ifname(struct nftnl_rule *r, uint32_t key, const char *name,
		      bool neg)
{
	char ifname[IFNAMSIZ] = "";
	size_t n = strlen(name);
	uint32_t op = neg ? NFT_CMP_NEQ : NFT_CMP_EQ;

	snprintf(ifname, sizeof(ifname), "%s", name);
	if (n && name[n - 1] == '+')
		return n > 1 ? add_meta_cmp_op(r, key, ifname, (uint32_t)(n - 1), op) : 0;
	return add_meta_cmp_op(r, key, ifname, sizeof(ifname), op);
}

static int add_bpf_match(struct nftnl_rule *r, const struct filter_prog *prog)
{
	struct xt_bpf_info *info;
	struct nftnl_expr *e = expr_new(r, "match");

	if (!e)
		return -1;
	/* libnftnl takes ownership of the info blob. */
	info = calloc(1, sizeof(*info));
	if (!info)
		return -1;
	info->bpf_program_num_elem = (uint16_t)prog->len;
	memcpy(info->bpf_program, prog->insns, prog->len * sizeof(prog->insns[0]));
	nftnl_expr_set_str(e, NFTNL_EXPR_MT_NAME, "bpf");
	nftnl_expr_set_u32(e, NFTNL_EXPR_MT_REV, 0);
	nftnl_expr_set(e, NFTNL_EXPR_MT_INFO, info, sizeof(*info));
	return 0;
}

/* meta KEY set VALUE: the value through register 1, as nft writes it. */
static int add_meta_set(struct nftnl_rule *r, uint32_t key, const void *value,
			uint32_t len)
{
	struct nftnl_expr *e = expr_new(r, "immediate");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, value, len);
	if (!(e = expr_new(r, "meta")))
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
	return 0;
}

static int add_set_nftrace(struct nftnl_rule *r)
{
	uint8_t one = 1;

	return add_meta_set(r, NFT_META_NFTRACE, &one, sizeof(one));
}

static int add_set_mark(struct nftnl_rule *r, uint32_t mark)
{
	return add_meta_set(r, NFT_META_MARK, &mark, sizeof(mark));
}

static int add_limit_ref(struct nftnl_rule *r)
{
	struct nftnl_expr *e = expr_new(r, "objref");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_LIMIT);
	nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, LIMIT_OBJ);
	return 0;
}

/* How a rule of the bridge table differs: the bridge family has no
 * nfproto (it is "bridge"), so the ethertype says IPv4 or IPv6. Its
 * input interface is the port: "-i br0" matches there only in the inet
 * table (meta ibrname is refused at the bridge's prerouting hook). */
struct bridge_variant {
	uint16_t ethertype;		/* ETH_P_IP, ETH_P_IPV6, or 0: any */
};

static int add_ct_id(struct nftnl_rule *r)
{
	struct nftnl_expr *e = expr_new(r, "ct");

	if (!e)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_ID);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	return 0;
}

/* update @follow { ct id }: add the connection, or refresh its timeout */
static int add_follow_update(struct nftnl_rule *r)
{
	struct nftnl_expr *e;

	if (add_ct_id(r) < 0 || !(e = expr_new(r, "dynset")))
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
	nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, FOLLOW_SET);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SET_ID, FOLLOW_SET_ID);
	return 0;
}

static int add_counter(struct nftnl_rule *r)
{
	return expr_new(r, "counter") ? 0 : -1;
}

/* What a rule does with the packets its conditions select. */
enum rule_end {
	END_TRACE,		/* [limit] counter meta nftrace set 1 */
	END_FOLLOW_ADD,		/* update @follow { ct id } return */
	END_SET_MARK,		/* meta mark set X: a probe's --mark */
};

/* native: one path of the translated filter, or NULL for the xt match
 * (or no filter at all). bv: NULL for the inet table. */
static struct nftnl_rule *build_rule(const struct arm *a, const char *chain,
				     const struct arm_spec *s, bool input_side,
				     const struct bnft_rule *native,
				     const struct bridge_variant *bv,
				     enum rule_end end)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint8_t proto;

	if (!r)
		return NULL;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, bv ? NFPROTO_BRIDGE : NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, a->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	if (bv) {
		uint16_t et = htons(bv->ethertype);

		if (bv->ethertype &&
		    add_meta_cmp(r, NFT_META_PROTOCOL, &et, sizeof(et)) < 0)
			goto err;
	} else if (s->ipv4 != s->ipv6) {
		proto = s->ipv4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
		if (add_meta_cmp(r, NFT_META_NFPROTO, &proto, sizeof(proto)) < 0)
			goto err;
	}
	if (input_side && s->in_iface &&
	    add_ifname(r, NFT_META_IIFNAME, s->in_iface, s->not_in_iface) < 0)
		goto err;
	/* At output the route is known: locally generated packets are
	 * matched here; forwarded ones are judged from their story. */
	if (!input_side && s->out_iface &&
	    add_ifname(r, NFT_META_OIFNAME, s->out_iface, s->not_out_iface) < 0)
		goto err;
	if (native) {
		if (bpf_nft_add_exprs(r, native, bv || (s->ipv4 && !s->ipv6)) < 0)
			goto err;
	} else if (s->prog->len && add_bpf_match(r, s->prog) < 0) {
		goto err;
	}
	if (end == END_FOLLOW_ADD) {
		struct nftnl_expr *e;

		/* return: the next rule is for the packets the filter did
		 * not select, which our arming rule has not marked */
		if (add_follow_update(r) < 0 || !(e = expr_new(r, "immediate")))
			goto err;
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)NFT_RETURN);
		return r;
	}
	if (end == END_SET_MARK) {
		if (add_set_mark(r, s->mark) < 0)
			goto err;
		return r;
	}
	if (s->limit_rate && !bv && add_limit_ref(r) < 0)
		goto err;
	/* The bridge table's marks are not counted: br_netfilter runs the
	 * inet chain for the same frame, and its rule counts it. */
	if (!bv && add_counter(r) < 0)
		goto err;
	if (add_set_nftrace(r) < 0)
		goto err;
	return r;
err:
	nftnl_rule_free(r);
	return NULL;
}

struct batch_ctx {
	struct mnl_nlmsg_batch *b;
	struct arm *a;
	uint16_t family;		/* NFPROTO_INET or NFPROTO_BRIDGE */
};

static struct nlmsghdr *batch_msg(struct batch_ctx *c, uint16_t type,
				  uint16_t flags)
{
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(c->b),
						     type, c->family,
						     flags | NLM_F_ACK, c->a->seq++);
	return nlh;
}

/* Call once the message from batch_msg() has its payload. Returns -1
 * when the batch is full. */
static int batch_done(struct batch_ctx *c)
{
	return mnl_nlmsg_batch_next(c->b) ? 0 : -1;
}

static void add_chain_prio(struct batch_ctx *c, const char *name,
			   uint32_t hook, int32_t prio)
{
	struct nftnl_chain *ch = nftnl_chain_alloc();

	nftnl_chain_set_u32(ch, NFTNL_CHAIN_FAMILY, c->family);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, c->a->table);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nftnl_chain_nlmsg_build_payload(batch_msg(c, NFT_MSG_NEWCHAIN,
						  NLM_F_CREATE), ch);
	batch_done(c);
	nftnl_chain_free(ch);
}

static void add_chain(struct batch_ctx *c, const char *name, uint32_t hook)
{
	add_chain_prio(c, name, hook, ARM_PRIORITY);
}

static int send_rule(struct batch_ctx *c, struct nftnl_rule *r)
{
	int rc;

	if (!r)
		return -1;
	nftnl_rule_nlmsg_build_payload(batch_msg(c, NFT_MSG_NEWRULE,
						 NLM_F_CREATE | NLM_F_APPEND), r);
	if (c->family == NFPROTO_INET)
		c->a->inet_rules++;
	rc = batch_done(c);
	nftnl_rule_free(r);
	if (rc < 0)
		errno = E2BIG;
	return rc;
}

static int add_one_rule(struct batch_ctx *c, const char *chain,
			const struct arm_spec *s, bool input_side,
			const struct bnft_rule *native,
			const struct bridge_variant *bv)
{
	return send_rule(c, build_rule(c->a, chain, s, input_side, native, bv,
				       END_TRACE));
}

static int add_rule_kind(struct batch_ctx *c, const char *chain,
			 const struct arm_spec *s, bool input_side,
			 enum rule_end end)
{
	const struct bnft_prog *p = c->a->native;
	unsigned int i;

	if (!p)
		return send_rule(c, build_rule(c->a, chain, s, input_side, NULL,
					       NULL, end));
	/* a program that accepts nothing leaves the chain empty */
	for (i = 0; i < p->nrules; i++)
		if (send_rule(c, build_rule(c->a, chain, s, input_side,
					    &p->rules[i], NULL, end)) < 0)
			return -1;
	return 0;
}

static int add_rule(struct batch_ctx *c, const char *chain,
		    const struct arm_spec *s, bool input_side)
{
	return add_rule_kind(c, chain, s, input_side, END_TRACE);
}

/* ct id @follow update @follow { ct id } [limit] counter meta nftrace set 1 */
static int add_follow_trace_rule(struct batch_ctx *c, const char *chain,
				 const struct arm_spec *s)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr *e;

	if (!r)
		return -1;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, c->a->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	if (add_ct_id(r) < 0 || !(e = expr_new(r, "lookup")))
		goto err;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, FOLLOW_SET);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, FOLLOW_SET_ID);
	if (add_follow_update(r) < 0 ||
	    (s->limit_rate && add_limit_ref(r) < 0) ||
	    add_counter(r) < 0 || add_set_nftrace(r) < 0)
		goto err;
	return send_rule(c, r);
err:
	nftnl_rule_free(r);
	return -1;
}

/* meta nfproto ipv6 meta l4proto P ip6 nexthdr != P */
static int add_l4_rule(struct batch_ctx *c, const char *chain, uint8_t proto)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint8_t v6 = NFPROTO_IPV6;
	struct nftnl_expr *e;

	if (!r)
		return -1;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, c->a->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	if (add_meta_cmp(r, NFT_META_NFPROTO, &v6, 1) < 0 ||
	    add_meta_cmp(r, NFT_META_L4PROTO, &proto, 1) < 0 ||
	    !(e = expr_new(r, "payload")))
		goto err;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, 6);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, 1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	if (!(e = expr_new(r, "cmp")))
		goto err;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_NEQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &proto, 1);
	return send_rule(c, r);
err:
	nftnl_rule_free(r);
	return -1;
}

static int add_l4_rules(struct batch_ctx *c, const struct arm_spec *s,
			const char *chain)
{
	size_t i;

	if (!s->ipv6)
		return 0;
	for (i = 0; i < sizeof(l4_protos); i++)
		if (add_l4_rule(c, chain, l4_protos[i]) < 0)
			return -1;
	return 0;
}

/* The set's user data, as nft 1.0.6 writes it for "typeof ct id", so
 * that nft lists the set as such and loads the listing back: key byte
 * order big endian, then the typeof expression (ct, key id, no
 * direction). Without it nft would print "type integer", which it
 * refuses as a set type. */
static const unsigned char follow_set_udata[] = {
	0x00, 0x04, 0x02, 0x00, 0x00, 0x00,
	0x03, 0x14, 0x00, 0x04, 0x0c, 0x00, 0x00, 0x00,
	0x01, 0x0c, 0x00, 0x04, NFT_CT_ID, 0x00, 0x00, 0x00,
	0x01, 0x04, 0xff, 0xff, 0xff, 0xff,
};

static void add_follow_set(struct batch_ctx *c)
{
	struct nftnl_set *st = nftnl_set_alloc();

	nftnl_set_set_u32(st, NFTNL_SET_FAMILY, c->family);
	nftnl_set_set_str(st, NFTNL_SET_TABLE, c->a->table);
	nftnl_set_set_str(st, NFTNL_SET_NAME, FOLLOW_SET);
	nftnl_set_set_u32(st, NFTNL_SET_ID, FOLLOW_SET_ID);
	nftnl_set_set_u32(st, NFTNL_SET_FLAGS, NFT_SET_TIMEOUT | NFT_SET_EVAL);
	nftnl_set_set_u32(st, NFTNL_SET_KEY_TYPE, 4);	/* nft's integer */
	nftnl_set_set_u32(st, NFTNL_SET_KEY_LEN, sizeof(uint32_t));
	nftnl_set_set_u32(st, NFTNL_SET_DESC_SIZE, FOLLOW_SIZE);
	nftnl_set_set_u64(st, NFTNL_SET_TIMEOUT, FOLLOW_TIMEOUT_MS);
	nftnl_set_set_data(st, NFTNL_SET_USERDATA, follow_set_udata,
			   sizeof(follow_set_udata));
	nftnl_set_nlmsg_build_payload(batch_msg(c, NFT_MSG_NEWSET, NLM_F_CREATE), st);
	batch_done(c);
	nftnl_set_free(st);
}

/* The chain at one hook right after conntrack. Even empty, it reports
 * a traced packet's conntrack state as the packet had it there: the
 * first event of a base chain carries the CT_* attributes, and legacy
 * tables, which report none, need them. With --follow: add the
 * filter's connections, trace every packet of the connections in the
 * set. */
static int add_follow_chain(struct batch_ctx *c, const char *hook_chain,
			    uint32_t hook, const struct arm_spec *s,
			    bool input_side, bool select)
{
	char name[32];

	snprintf(name, sizeof(name), "%s" FOLLOW_SUFFIX, hook_chain);
	add_chain_prio(c, name, hook, FOLLOW_PRIORITY);
	if (!s->follow)
		return 0;
	if (select && add_rule_kind(c, name, s, input_side, END_FOLLOW_ADD) < 0)
		return -1;
	return add_follow_trace_rule(c, name, s);
}

/* The bridge table's rules: the inet rules with an ethertype where the
 * inet table has an nfproto (one family asked for, or a path that reads
 * ports, IPv4 only) and where it needs none because the family sees IP
 * only (no filter, or the xt bpf match: once per family asked for, so
 * ARP stays untraced); a native path tests the IP version itself. */
static int add_bridge_rules(struct batch_ctx *c, const struct arm_spec *s)
{
	const struct bnft_prog *p = c->a->native;
	unsigned int i, f, n = p ? p->nrules : 1;

	for (i = 0; i < n; i++) {
		const struct bnft_rule *r = p ? &p->rules[i] : NULL;
		uint16_t ets[2];
		unsigned int nets = 0;

		if (r && r->need_ipv4) {
			ets[nets++] = ETH_P_IP;
		} else if (r && s->ipv4 && s->ipv6) {
			ets[nets++] = 0;
		} else {
			if (s->ipv4)
				ets[nets++] = ETH_P_IP;
			if (s->ipv6)
				ets[nets++] = ETH_P_IPV6;
		}
		for (f = 0; f < nets; f++) {
			struct bridge_variant bv = { ets[f] };

			if (add_one_rule(c, "prerouting", s, true, r, &bv) < 0)
				return -1;
		}
	}
	return 0;
}

static void add_limit_obj(struct batch_ctx *c, const struct arm_spec *s)
{
	struct nftnl_obj *o = nftnl_obj_alloc();

	nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, c->family);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, c->a->table);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, LIMIT_OBJ);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_LIMIT);
	nftnl_obj_set_u64(o, NFTNL_OBJ_LIMIT_RATE, s->limit_rate);
	nftnl_obj_set_u64(o, NFTNL_OBJ_LIMIT_UNIT, s->limit_unit);
	nftnl_obj_set_u32(o, NFTNL_OBJ_LIMIT_BURST, s->limit_burst);
	nftnl_obj_set_u32(o, NFTNL_OBJ_LIMIT_TYPE, NFT_LIMIT_PKTS);
	nftnl_obj_nlmsg_build_payload(batch_msg(c, NFT_MSG_NEWOBJ, NLM_F_CREATE), o);
	batch_done(c);
	nftnl_obj_free(o);
}

/* A comment that says what the table is, for whoever lists the ruleset
 * while we trace (nft prints table comments). */
static void set_table_comment(struct nftnl_table *t, const char *table)
{
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN + 8);
	char text[NFTNL_UDATA_COMMENT_MAXLEN];

	if (!u)
		return;
	snprintf(text, sizeof(text), "iptables-trace %s: tracing rules, "
		 "removed when it exits", table + strlen(ARM_TABLE_PREFIX));
	if (nftnl_udata_put_strz(u, NFTNL_UDATA_TABLE_COMMENT, text))
		nftnl_table_set_data(t, NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(u),
				     nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
}

static void add_table(struct batch_ctx *c)
{
	struct nftnl_table *t = nftnl_table_alloc();

	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, c->family);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, c->a->table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, NFT_TABLE_F_OWNER);
	set_table_comment(t, c->a->table);
	nftnl_table_nlmsg_build_payload(batch_msg(c, NFT_MSG_NEWTABLE,
						  NLM_F_CREATE | NLM_F_EXCL), t);
	batch_done(c);
	nftnl_table_free(t);
}

/* Send the batch and read one ACK per message. The kernel stops at the
 * first failing message, so the first error ends the wait. */
static int batch_send(struct arm *a, struct mnl_nlmsg_batch *b, int acks)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t portid = mnl_socket_get_portid(a->nl);
	struct pollfd pfd = { mnl_socket_get_fd(a->nl), POLLIN, 0 };
	ssize_t n;

	if (mnl_socket_sendto(a->nl, mnl_nlmsg_batch_head(b),
			      mnl_nlmsg_batch_size(b)) < 0)
		return -1;
	while (acks > 0) {
		if (poll(&pfd, 1, 5000) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = nl_recv_kernel(a->nl, buf, sizeof(buf));
		if (n < 0)
			return -1;
		if (mnl_cb_run(buf, (size_t)n, 0, portid, NULL, NULL) < 0)
			return -1;
		acks--;
	}
	return 0;
}

static int build_and_send(struct arm *a, const struct arm_spec *s,
			  const char **what)
{
	/* calloc: libnftnl leaves some bytes of the messages it builds
	 * unwritten; send zeros there, not old heap bytes (valgrind: sendto
	 * of uninitialised bytes). */
	char *buf = calloc(2, BATCH_LIMIT);
	struct batch_ctx c;
	int before, ret = -1;

	if (!buf)
		return -1;
	c = (struct batch_ctx){ mnl_nlmsg_batch_start(buf, BATCH_LIMIT), a,
				NFPROTO_INET };

	nftnl_batch_begin(mnl_nlmsg_batch_current(c.b), a->seq++);
	mnl_nlmsg_batch_next(c.b);
	before = (int)a->seq;
	add_table(&c);
	if (s->limit_rate)
		add_limit_obj(&c, s);
	if (s->follow)
		add_follow_set(&c);
	/* before everything, so every chain sees the probe's mark as if it
	 * had come with the packet */
	if (s->set_mark && s->hook_prerouting) {
		add_chain_prio(&c, "mark", NF_INET_PRE_ROUTING, ARM_MARK_PRIORITY);
		if (add_rule_kind(&c, "mark", s, true, END_SET_MARK) < 0)
			goto out;
	}
	if (s->hook_prerouting) {
		add_chain(&c, "prerouting", NF_INET_PRE_ROUTING);
		if (add_rule(&c, "prerouting", s, true) < 0 ||
		    add_l4_rules(&c, s, "prerouting") < 0)
			goto out;
	}
	/* An input interface never matches locally generated packets. */
	if (s->hook_output && !s->in_iface) {
		add_chain(&c, "output", NF_INET_LOCAL_OUT);
		if (add_rule(&c, "output", s, false) < 0 ||
		    add_l4_rules(&c, s, "output") < 0)
			goto out;
	}
	/* A followed connection's replies come in, or go out, at either
	 * hook, whichever side the filter selected it on. */
	if ((s->follow || s->ct_chains) &&
	    (add_follow_chain(&c, "prerouting", NF_INET_PRE_ROUTING, s, true,
			      s->hook_prerouting) < 0 ||
	     add_follow_chain(&c, "output", NF_INET_LOCAL_OUT, s, false,
			      s->hook_output && !s->in_iface) < 0))
		goto out;
	nftnl_batch_end(mnl_nlmsg_batch_current(c.b), a->seq++);
	mnl_nlmsg_batch_next(c.b);
	*what = "creating the tracing table";
	ret = batch_send(a, c.b, (int)a->seq - 1 - before);
out:
	mnl_nlmsg_batch_stop(c.b);
	free(buf);
	return ret;
}

/* br_netfilter runs the ip hooks, our inet chain among them, inside the
 * bridge's prerouting hook at priority 0: bridge-family prerouting
 * chains before it would never see our packets marked. The same filter
 * in a bridge table, owned by the same socket, marks them first. Best
 * effort, in a batch of its own: a kernel without the bridge family
 * still traces the rest. */
static void install_bridge(struct arm *a, const struct arm_spec *s)
{
	char *buf;
	struct batch_ctx c;
	int before;

	/* Only where there is a bridge: elsewhere the table would be one
	 * more in every listing for nothing. A bridge created later goes
	 * without (its ip chains are still traced). Not with --limit: a
	 * limit object belongs to one table, and a frame would count
	 * against both, so bridged traffic would get twice the rate. */
	if (!s->hook_prerouting || s->limit_rate || !bridge_any() ||
	    !(buf = calloc(2, BATCH_LIMIT)))
		return;
	c = (struct batch_ctx){ mnl_nlmsg_batch_start(buf, BATCH_LIMIT), a,
				NFPROTO_BRIDGE };
	nftnl_batch_begin(mnl_nlmsg_batch_current(c.b), a->seq++);
	mnl_nlmsg_batch_next(c.b);
	before = (int)a->seq;
	add_table(&c);
	add_chain(&c, "prerouting", NF_BR_PRE_ROUTING);
	if (add_bridge_rules(&c, s) == 0) {
		nftnl_batch_end(mnl_nlmsg_batch_current(c.b), a->seq++);
		mnl_nlmsg_batch_next(c.b);
		a->bridge = batch_send(a, c.b, (int)a->seq - 1 - before) == 0;
	}
	mnl_nlmsg_batch_stop(c.b);
	free(buf);
}

/* Native rules when the filter translates; otherwise, and when they do
 * not fit in one batch, the xt bpf match. */
static int choose_native(struct arm *a, const struct arm_spec *s)
{
	if (!s->prog->len)
		return 0;
	a->native = malloc(sizeof(*a->native));
	if (!a->native)
		return -1;
	if (bpf_nft_translate(s->prog->insns, s->prog->len, a->native) < 0) {
		free(a->native);
		a->native = NULL;
		a->xt_bpf = true;
	}
	return 0;
}

bool arm_uses_xt_bpf(const struct arm *a)
{
	return a->xt_bpf;
}

static int verify_armed(struct arm *a);

struct arm *arm_install(const struct arm_spec *spec, const char **what)
{
	struct arm *a = calloc(1, sizeof(*a));
	int saved, rc;

	*what = "allocating";
	if (!a)
		return NULL;
	snprintf(a->table, sizeof(a->table), ARM_TABLE_PREFIX "%d", (int)getpid());
	a->seq = (uint32_t)time(NULL);
	*what = "opening an nf_tables socket";
	a->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!a->nl)
		goto err;
	if (mnl_socket_bind(a->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err;
	/* Room for a large batch and its acks; the defaults usually do. */
	setsockopt(mnl_socket_get_fd(a->nl), SOL_SOCKET, SO_SNDBUFFORCE,
		   &(int){ 2 * BATCH_LIMIT }, sizeof(int));
	setsockopt(mnl_socket_get_fd(a->nl), SOL_SOCKET, SO_RCVBUFFORCE,
		   &(int){ 2 * BATCH_LIMIT }, sizeof(int));
	*what = "building the tracing rules";
	if (choose_native(a, spec) < 0)
		goto err;
	rc = build_and_send(a, spec, what);
	if (rc < 0 && !(errno == E2BIG && a->native))
		goto err;
	if (rc < 0) {
		free(a->native);
		a->native = NULL;
		a->xt_bpf = true;
		if (build_and_send(a, spec, what) < 0)
			goto err;
	}
	*what = "reading back the tracing rules";
	if (verify_armed(a) < 0)
		goto err;
	install_bridge(a, spec);
	return a;
err:
	saved = errno;
	arm_remove(a);
	errno = saved;
	return NULL;
}

struct own_count {
	uint64_t packets;		/* the counters' sum */
	unsigned int rules;
	struct arm *a;			/* record the L4 rules' handles */
};

struct l4_shape {
	unsigned int exprs, cmps, metas_l4;
	bool other;			/* an expression no L4 rule has */
	uint8_t proto;
};

/* meta nfproto, cmp, meta l4proto, cmp P, payload, cmp != P */
static int l4_expr(struct nftnl_expr *e, void *data)
{
	struct l4_shape *sh = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	uint32_t len;
	const uint8_t *d;

	sh->exprs++;
	if (!strcmp(name, "cmp")) {
		d = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
		if (++sh->cmps == 2 && d && len == 1)
			sh->proto = d[0];
	} else if (!strcmp(name, "meta")) {
		if (nftnl_expr_is_set(e, NFTNL_EXPR_META_SREG))
			sh->other = true;
		else if (nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) == NFT_META_L4PROTO)
			sh->metas_l4++;
	} else if (strcmp(name, "payload")) {
		sh->other = true;
	}
	return 0;
}

static void record_l4(struct own_count *n, struct nftnl_rule *r)
{
	struct l4_shape sh = { 0, 0, 0, false, 0 };
	struct arm *a = n->a;

	if (!a || a->n_l4 >= ARM_L4_HINTS)
		return;
	nftnl_expr_foreach(r, l4_expr, &sh);
	if (sh.exprs != 6 || sh.cmps != 3 || sh.metas_l4 != 1 || sh.other ||
	    !sh.proto)
		return;
	a->l4_handle[a->n_l4] = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	a->l4_proto[a->n_l4++] = sh.proto;
}

static int count_expr(struct nftnl_expr *e, void *data)
{
	struct own_count *n = data;

	if (!strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "counter"))
		n->packets += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
	return 0;
}

static int count_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct own_count *n = data;

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0) {
		n->rules++;
		nftnl_expr_foreach(r, count_expr, data);
		record_l4(n, r);
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

/* A dump cut by a commit starts again from nothing. */
static void own_count_restart(void *data)
{
	struct own_count *n = data;
	struct arm *a = n->a;

	memset(n, 0, sizeof(*n));
	n->a = a;
	if (a)
		a->n_l4 = 0;
}

/* Our inet table's rules, as the kernel's current generation has them.
 * Any socket sees them, so nft_dump's own does: a dump a commit cut is
 * asked again on a fresh one, with nothing of the cut answer queued. */
static int dump_own(struct arm *a, struct own_count *n, bool l4)
{
	memset(n, 0, sizeof(*n));
	if (l4) {
		n->a = a;
		a->n_l4 = 0;
	}
	return nft_dump(NFT_MSG_GETRULE, NFPROTO_INET, a->table, NULL,
			count_rule_cb, own_count_restart, n);
}

int arm_marked(struct arm *a, uint64_t *packets)
{
	struct own_count n;
	int rc = dump_own(a, &n, false);

	*packets = n.packets;
	return rc;
}

/* The armed line must be true: read our rules back from the current
 * generation, so that the commit is known to be in effect, not only
 * acknowledged. */
static int verify_armed(struct arm *a)
{
	struct own_count n;

	if (dump_own(a, &n, true) < 0)
		return -1;
	if (n.rules != a->inet_rules) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

unsigned int arm_l4_hints(const struct arm *a, uint64_t *handles,
			  uint8_t *protos)
{
	memcpy(handles, a->l4_handle, a->n_l4 * sizeof(*handles));
	memcpy(protos, a->l4_proto, a->n_l4);
	return a->n_l4;
}

bool arm_l4_hint(const struct arm *a, const char *table, uint8_t family,
		 uint64_t handle)
{
	unsigned int i;

	if (!a || family != NFPROTO_INET || strcmp(table, a->table))
		return false;
	for (i = 0; i < a->n_l4; i++)
		if (a->l4_handle[i] == handle)
			return true;
	return false;
}

bool arm_chain_after_conntrack(const char *chain)
{
	size_t n = strlen(chain), k = strlen(FOLLOW_SUFFIX);

	return n > k && !strcmp(chain + n - k, FOLLOW_SUFFIX);
}

enum hook arm_chain_hook(const char *chain)
{
	char name[32];
	size_t n = strcspn(chain, "_");

	/* prerouting, prerouting_conntrack, prerouting_l4 */
	if (chain[n] && n < sizeof(name)) {
		memcpy(name, chain, n);
		name[n] = '\0';
		return hook_from_name(name);
	}
	return hook_from_name(chain);
}

void arm_remove(struct arm *a)
{
	if (!a)
		return;
	/* Closing the owning socket makes the kernel delete the table;
	 * there is nothing else to undo. */
	if (a->nl)
		mnl_socket_close(a->nl);
	free(a->native);
	free(a);
}
