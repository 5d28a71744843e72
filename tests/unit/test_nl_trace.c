/* nl_trace_parse on NFT_MSG_TRACE messages captured from kernel 6.18
 * (tests/fixtures/README says how). Every field of struct trace_event is
 * checked against values read off the raw bytes, and the conntrack ids
 * against `conntrack -L -o id` taken in the same namespace. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "fixture.h"
#include "nl_trace.h"

struct want {
	uint32_t id, has;
	uint8_t family, nfproto;
	const char *table, *chain;
	uint64_t handle;
	enum ev_type type;
	int32_t verdict;
	const char *jump_target;
	uint32_t policy, iif, oif, mark;
	uint32_t ct_id, ct_state, ct_status;
	uint8_t ct_dir;
	const char *net, *trans;	/* hex, as the kernel sent them */
};

static size_t unhex(const char *s, uint8_t *out, size_t size)
{
	size_t n = 0;
	unsigned int b;

	for (; s && s[0] && s[1]; s += 2) {
		assert_true(n < size);
		assert_int_equal(sscanf(s, "%2x", &b), 1);
		out[n++] = (uint8_t)b;
	}
	return n;
}

static void check(const char *fixture, const struct want *w)
{
	struct trace_event ev;
	uint8_t hdr[EV_HDR_MAX];
	size_t nlen, tlen;

	/* poison: the parser must set every field, not inherit garbage */
	memset(&ev, 0xa5, sizeof(ev));
	fixture_event(fixture, &ev);
	assert_int_equal(ev.source, EV_SRC_NFT);
	assert_int_equal(ev.has, w->has);
	assert_int_equal(ev.id, w->id);
	assert_int_equal(ev.family, w->family);
	assert_int_equal(ev.nfproto, w->nfproto);
	assert_string_equal(ev.table, w->table);
	assert_string_equal(ev.chain, w->chain);
	assert_int_equal(ev.handle, w->handle);
	assert_int_equal(ev.rulenum, 0);
	assert_int_equal(ev.type, w->type);
	assert_int_equal(ev.verdict, w->verdict);
	assert_string_equal(ev.jump_target, w->jump_target ? w->jump_target : "");
	assert_int_equal(ev.policy, w->policy);
	assert_int_equal(ev.iif, w->iif);
	assert_int_equal(ev.oif, w->oif);
	assert_int_equal(ev.meta.mark, w->mark);
	assert_int_equal(ev.ct_id, w->ct_id);
	assert_int_equal(ev.ct_state, w->ct_state);
	assert_int_equal(ev.ct_status, w->ct_status);
	assert_int_equal(ev.ct_dir, w->ct_dir);
	nlen = unhex(w->net, hdr, sizeof(hdr));
	tlen = unhex(w->trans, hdr + nlen, sizeof(hdr) - nlen);
	assert_int_equal(ev.nethdr_len, nlen);
	assert_int_equal(ev.transhdr_len, tlen);
	assert_memory_equal(ev.hdr, hdr, nlen + tlen);
	assert_int_equal(ev.ts.tv_sec, 0);
}

/* Received packets carry their Ethernet header too. */
#define RULE_HDRS (EV_HAS_HANDLE | EV_HAS_VERDICT | EV_HAS_NETHDR | \
		   EV_HAS_IIF | EV_HAS_NFPROTO | EV_HAS_LLHDR)

/* ICMP echo request at B's input, accepted by rule handle 11: the first
 * event of the input walk, so it carries headers and conntrack (new). */
static void test_ip4_icmp_echo_accept(void **state)
{
	(void)state;
	check("nft-ip4-icmp-echo-accept.nlmsg", &(struct want){
		.id = 0xd63ac222, .has = RULE_HDRS | EV_HAS_CT,
		.family = NFPROTO_INET, .nfproto = NFPROTO_IPV4,
		.table = "fx", .chain = "input", .handle = 11,
		.type = EV_TYPE_RULE, .verdict = NF_ACCEPT, .iif = 2,
		/* conntrack-server.txt: icmp ... id=4660 ... id=3463610575 */
		.ct_id = 3463610575u, .ct_state = 8 /* new */, .ct_dir = 0,
		.net = "4500005499bb400040018c250a6300010a630002",
		.trans = "0800d4f6123400015e12096b00000000e3830700",
	});
}

/* The same packet's `meta nftrace set 1` rule at prerouting -301: the
 * same trace id, no conntrack yet (conntrack runs at -200). */
static void test_ip4_icmp_prerouting_nftrace(void **state)
{
	(void)state;
	check("nft-ip4-icmp-prerouting-nftrace.nlmsg", &(struct want){
		.id = 0xd63ac222, .has = RULE_HDRS,
		.family = NFPROTO_INET, .nfproto = NFPROTO_IPV4,
		.table = "fx", .chain = "pre", .handle = 4,
		.type = EV_TYPE_RULE, .verdict = NFT_CONTINUE, .iif = 2,
		.net = "4500005499bb400040018c250a6300010a630002",
		.trans = "0800d4f6123400015e12096b00000000e3830700",
	});
}

/* At the sender's output hook: an oif and no iif, ip family table. */
static void test_ip4_icmp_output_nftrace(void **state)
{
	(void)state;
	check("nft-ip4-icmp-output-nftrace.nlmsg", &(struct want){
		.id = 0xaf5b6353,
		.has = (RULE_HDRS & ~(EV_HAS_IIF | EV_HAS_LLHDR)) | EV_HAS_OIF,
		.family = NFPROTO_IPV4, .nfproto = NFPROTO_IPV4,
		.table = "fxa", .chain = "out", .handle = 4,
		.type = EV_TYPE_RULE, .verdict = NFT_CONTINUE, .oif = 2,
		.net = "4500005499bb400040018c250a6300010a630002",
		.trans = "0800d4f6123400015e12096b00000000e3830700",
	});
}

/* The echo reply at the client's input: established, reply direction,
 * status SEEN_REPLY|CONFIRMED (0xa). */
static void test_ip4_icmp_reply_ct_established(void **state)
{
	(void)state;
	check("nft-ip4-icmp-reply-ct-established.nlmsg", &(struct want){
		.id = 0x5f3cb452, .has = RULE_HDRS | EV_HAS_CT,
		.family = NFPROTO_IPV4, .nfproto = NFPROTO_IPV4,
		.table = "fxa", .chain = "input", .handle = 6,
		.type = EV_TYPE_RULE, .verdict = NF_ACCEPT, .iif = 2,
		/* conntrack-client.txt: icmp ... id=2401960607 */
		.ct_id = 2401960607u, .ct_state = 2 /* established */,
		.ct_status = 0xa, .ct_dir = 1,
		.net = "45000054fdd80000400168080a6300020a630001",
		.trans = "0000dcf6123400015e12096b00000000e3830700",
	});
}

static void test_ip6_icmpv6_echo_accept(void **state)
{
	(void)state;
	check("nft-ip6-icmpv6-echo-accept.nlmsg", &(struct want){
		.id = 0xa0172897, .has = RULE_HDRS | EV_HAS_CT,
		.family = NFPROTO_INET, .nfproto = NFPROTO_IPV6,
		.table = "fx", .chain = "input", .handle = 12,
		.type = EV_TYPE_RULE, .verdict = NF_ACCEPT, .iif = 2,
		/* conntrack-server.txt: icmpv6 ... id=3507450139 */
		.ct_id = 3507450139u, .ct_state = 8, .ct_dir = 0,
		.net = "600c437600403a40fd000099000000000000000000000001"
		       "fd000099000000000000000000000002",
		.trans = "80003037123500015e12096b0000000014910700",
	});
}

/* Neighbour solicitation: conntrack leaves it untracked, so the kernel
 * sends CT_STATE (64, untracked) alone, without id or direction. */
static void test_ip6_nd_untracked(void **state)
{
	(void)state;
	check("nft-ip6-nd-untracked.nlmsg", &(struct want){
		.id = 0x9763316a, .has = RULE_HDRS | EV_HAS_CT,
		.family = NFPROTO_INET, .nfproto = NFPROTO_IPV6,
		.table = "fx", .chain = "input", .handle = 10,
		.type = EV_TYPE_RULE, .verdict = NF_ACCEPT, .iif = 2,
		.ct_state = 64,
		.net = "6000000000203afffd000099000000000000000000000001"
		       "ff0200000000000000000001ff000002",
		.trans = "8700342300000000fd0000990000000000000000",
	});
}

/* TCP SYN jumping to a user chain: verdict jump with its target, and a
 * 20-byte transport snapshot (the SYN's options are cut off). */
static void test_tcp_syn_jump(void **state)
{
	(void)state;
	check("nft-tcp-syn-jump.nlmsg", &(struct want){
		.id = 0x8c368f0e, .has = RULE_HDRS | EV_HAS_CT,
		.family = NFPROTO_INET, .nfproto = NFPROTO_IPV4,
		.table = "fx", .chain = "input", .handle = 13,
		.type = EV_TYPE_RULE, .verdict = NFT_JUMP, .jump_target = "tcpchk",
		.iif = 2,
		/* conntrack-server.txt: tcp ... sport=40000 ... id=4291181787 */
		.ct_id = 4291181787u, .ct_state = 8, .ct_dir = 0,
		.net = "4500003cffea4000400626090a6300010a630002",
		.trans = "9c4015b399a1932600000000a002faf014f70000",
	});
}

/* Later events of a chain walk carry no headers, interfaces or ct. */
static void test_tcp_syn_counter_continue(void **state)
{
	(void)state;
	check("nft-tcp-syn-counter-continue.nlmsg", &(struct want){
		.id = 0x8c368f0e,
		.has = EV_HAS_HANDLE | EV_HAS_VERDICT | EV_HAS_NFPROTO,
		.family = NFPROTO_INET, .nfproto = NFPROTO_IPV4,
		.table = "fx", .chain = "tcpchk", .handle = 6,
		.type = EV_TYPE_RULE, .verdict = NFT_CONTINUE,
	});
}

/* An explicit `return` rule: type rule (the kernel never sends type
 * return on 6.18), verdict NFT_RETURN. */
static void test_tcp_ack_return(void **state)
{
	(void)state;
	check("nft-tcp-ack-return.nlmsg", &(struct want){
		.id = 0xd847d0c4,
		.has = EV_HAS_HANDLE | EV_HAS_VERDICT | EV_HAS_NFPROTO,
		.family = NFPROTO_INET, .nfproto = NFPROTO_IPV4,
		.table = "fx", .chain = "tcpchk", .handle = 7,
		.type = EV_TYPE_RULE, .verdict = NFT_RETURN,
	});
}

/* The end of a user chain: a rule event with no handle, CONTINUE. */
static void test_user_chain_end_continue(void **state)
{
	(void)state;
	check("nft-user-chain-end-continue.nlmsg", &(struct want){
		.id = 0x8c368f0e, .has = EV_HAS_VERDICT | EV_HAS_NFPROTO,
		.family = NFPROTO_INET, .nfproto = NFPROTO_IPV4,
		.table = "fx", .chain = "tcpchk",
		.type = EV_TYPE_RULE, .verdict = NFT_CONTINUE,
	});
}

/* No rule of the input chain matched: the handle-less end-of-chain
 * event is the first of the walk, so it brings the headers. */
static void test_udp_input_end_continue(void **state)
{
	(void)state;
	check("nft-udp-input-end-continue.nlmsg", &(struct want){
		.id = 0xb73eb25f,
		.has = (RULE_HDRS & ~EV_HAS_HANDLE) | EV_HAS_CT,
		.family = NFPROTO_INET, .nfproto = NFPROTO_IPV4,
		.table = "fx", .chain = "input",
		.type = EV_TYPE_RULE, .verdict = NFT_CONTINUE, .iif = 2,
		.ct_id = 2783293617u, .ct_state = 8, .ct_dir = 0,
		.net = "4500001e88be400040119d480a6300010a630002",
		.trans = "12aa1e62000a14e4780a",
	});
}

/* Policy events carry NFTA_TRACE_POLICY and no verdict attribute; the
 * parser gives the event the policy as its verdict, so later stages
 * need not know where a verdict came from. */
static void test_policy_drop_input(void **state)
{
	(void)state;
	check("nft-policy-drop-input.nlmsg", &(struct want){
		.id = 0xb73eb25f,
		.has = EV_HAS_NFPROTO | EV_HAS_VERDICT,
		.family = NFPROTO_INET, .nfproto = NFPROTO_IPV4,
		.table = "fx", .chain = "input",
		.type = EV_TYPE_POLICY, .policy = NF_DROP, .verdict = NF_DROP,
	});
}

static void test_policy_accept_prerouting(void **state)
{
	(void)state;
	check("nft-policy-accept-prerouting.nlmsg", &(struct want){
		.id = 0x63f80dde,
		.has = EV_HAS_NFPROTO | EV_HAS_VERDICT,
		.family = NFPROTO_INET, .nfproto = NFPROTO_IPV6,
		.table = "fx", .chain = "pre",
		.type = EV_TYPE_POLICY, .policy = NF_ACCEPT, .verdict = NF_ACCEPT,
	});
}

/* Set by `meta mark set 0x2a` at prerouting; MARK is only sent when the
 * mark is not zero. */
static void test_udp_mark_accept(void **state)
{
	(void)state;
	check("nft-udp-mark-accept.nlmsg", &(struct want){
		.id = 0x6cc19f46, .has = RULE_HDRS | EV_HAS_CT,
		.family = NFPROTO_INET, .nfproto = NFPROTO_IPV4,
		.table = "fx", .chain = "input", .handle = 16,
		.type = EV_TYPE_RULE, .verdict = NF_ACCEPT, .iif = 2,
		.mark = 0x2a,
		/* conntrack-server.txt: udp ... dport=7777 ... id=2013112641 */
		.ct_id = 2013112641u, .ct_state = 8, .ct_dir = 0,
		.net = "4500001efe9f4000401127670a6300010a630002",
		.trans = "12a91e61000a14e4780a",
	});
}

/* iptables-nft reports the nft handle (9), not the position (4). */
static void test_iptables_nft_input_accept(void **state)
{
	(void)state;
	check("nft-iptables-nft-input-accept.nlmsg", &(struct want){
		.id = 0x3a570ed1, .has = RULE_HDRS | EV_HAS_CT,
		.family = NFPROTO_IPV4, .nfproto = NFPROTO_IPV4,
		.table = "filter", .chain = "INPUT", .handle = 9,
		.type = EV_TYPE_RULE, .verdict = NF_ACCEPT, .iif = 2,
		/* conntrack-server.txt: udp ... dport=7779 ... id=4093643664 */
		.ct_id = 4093643664u, .ct_state = 8, .ct_dir = 0,
		.net = "4500001ebe4d4000401167b90a6300010a630002",
		.trans = "12ab1e63000a14e4780a",
	});
}

/* Every message of a whole capture parses, in order, with sane ids. */
struct stream_count { size_t ok, policy, with_hdr; };

static void count_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stream_count *c = data;
	struct trace_event ev;

	assert_int_equal(nl_trace_parse(nlh, &ev), 0);
	assert_true(!strcmp(ev.table, "fx") || !strcmp(ev.table, "filter"));
	c->ok++;
	c->policy += ev.type == EV_TYPE_POLICY;
	c->with_hdr += !!(ev.has & EV_HAS_NETHDR);
}

static void test_whole_capture_parses(void **state)
{
	struct stream_count c = { 0 };

	(void)state;
	/* nft-server-all.txt lists the 72 messages: 20 policy events and
	 * 30 events that start a chain walk (12 packets) */
	assert_int_equal(fixture_stream("nft-server-all.stream", count_cb, &c), 72);
	assert_int_equal(c.ok, 72);
	assert_int_equal(c.policy, 20);
	assert_int_equal(c.with_hdr, 30);
}

/* Hand-built messages for what a capture cannot produce on demand. */
static struct nlmsghdr *msg_start(char *buf, uint16_t type)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = type;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = NFPROTO_IPV4;
	nfg->version = NFNETLINK_V0;
	return nlh;
}

static struct nlmsghdr *msg_minimal(char *buf)
{
	struct nlmsghdr *nlh = msg_start(buf,
		NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_TRACE);

	mnl_attr_put_strz(nlh, NFTA_TRACE_TABLE, "t");
	mnl_attr_put_strz(nlh, NFTA_TRACE_CHAIN, "c");
	mnl_attr_put_u32(nlh, NFTA_TRACE_TYPE, htonl(NFT_TRACETYPE_RULE));
	mnl_attr_put_u32(nlh, NFTA_TRACE_ID, htonl(0x01020304));
	return nlh;
}

static void test_minimal_message(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct trace_event ev;

	(void)state;
	assert_int_equal(nl_trace_parse(msg_minimal(buf), &ev), 0);
	assert_int_equal(ev.id, 0x01020304);
	assert_int_equal(ev.has, 0);
	assert_int_equal(ev.family, NFPROTO_IPV4);
	/* no NFPROTO attribute: the table family stands in */
	assert_int_equal(ev.nfproto, NFPROTO_IPV4);
	assert_int_equal(ev.nethdr_len + ev.transhdr_len, 0);
}

static void test_not_a_trace_message(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct trace_event ev;
	struct nlmsghdr *nlh = msg_minimal(buf);

	(void)state;
	nlh->nlmsg_type = NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWRULE;
	assert_int_equal(nl_trace_parse(nlh, &ev), -1);
	nlh->nlmsg_type = NFNL_SUBSYS_ULOG << 8 | NFT_MSG_TRACE;
	assert_int_equal(nl_trace_parse(nlh, &ev), -1);
}

/* A real message cut short after ID: no table or chain left. */
static void test_truncated_message(void **state)
{
	size_t len;
	char *buf = fixture_read("nft-ip4-icmp-echo-accept.nlmsg", &len);
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct trace_event ev;

	(void)state;
	/* nfgenmsg, NFPROTO (8), TYPE (8), ID (8): table comes next */
	nlh->nlmsg_len = sizeof(*nlh) + sizeof(struct nfgenmsg) + 24;
	assert_int_equal(nl_trace_parse(nlh, &ev), -1);
	free(buf);
}

/* Run nl_trace_parse in a child: a parser that exit()s on bad input
 * must fail this test, not end the whole test program. */
static int parse_in_child(const struct nlmsghdr *nlh)
{
	struct trace_event ev;
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* keep libnftnl's complaint out of the TAP stream */
		if (!freopen("/dev/null", "w", stderr))
			_exit(3);
		_exit(nl_trace_parse(nlh, &ev) == -1 ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Malformed messages are -1, as nl_trace.h promises: no TYPE, no ID,
 * or a TYPE of the wrong size. (libnftnl's nftnl_trace_nlmsg_parse
 * calls exit() through abi_breakage() for all three.) */
static void test_malformed_is_error_not_exit(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	(void)state;
	nlh = msg_start(buf, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_TRACE);
	mnl_attr_put_strz(nlh, NFTA_TRACE_TABLE, "t");
	mnl_attr_put_strz(nlh, NFTA_TRACE_CHAIN, "c");
	mnl_attr_put_u32(nlh, NFTA_TRACE_ID, htonl(1));
	assert_int_equal(parse_in_child(nlh), 0);	/* no TYPE */

	nlh = msg_start(buf, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_TRACE);
	mnl_attr_put_strz(nlh, NFTA_TRACE_TABLE, "t");
	mnl_attr_put_strz(nlh, NFTA_TRACE_CHAIN, "c");
	mnl_attr_put_u32(nlh, NFTA_TRACE_TYPE, htonl(NFT_TRACETYPE_RULE));
	assert_int_equal(parse_in_child(nlh), 0);	/* no ID */

	nlh = msg_start(buf, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_TRACE);
	mnl_attr_put_strz(nlh, NFTA_TRACE_TABLE, "t");
	mnl_attr_put_strz(nlh, NFTA_TRACE_CHAIN, "c");
	mnl_attr_put_u16(nlh, NFTA_TRACE_TYPE, htons(3));
	mnl_attr_put_u32(nlh, NFTA_TRACE_ID, htonl(1));
	assert_int_equal(parse_in_child(nlh), 0);	/* TYPE is 2 bytes */
}

/* The shapes fuzz/fuzz_nl_trace found or libnftnl's trace.c shows that
 * pass ID/TYPE/size checks and still make nftnl_trace_nlmsg_parse exit:
 * a VERDICT nest without a CODE (also when a malformed attribute ends
 * the nest's walk before the CODE), a jump or goto without a CHAIN, and
 * an empty LL, NETWORK or TRANSPORT header. */
static void test_verdict_and_header_shapes_not_exit(void **state)
{
	static const uint16_t hdrs[] = {
		NFTA_TRACE_LL_HEADER, NFTA_TRACE_NETWORK_HEADER,
		NFTA_TRACE_TRANSPORT_HEADER,
	};
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest, *bad;
	size_t i;

	(void)state;
	nlh = msg_minimal(buf);
	nest = mnl_attr_nest_start(nlh, NFTA_TRACE_VERDICT);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(parse_in_child(nlh), 0);	/* empty VERDICT */

	/* the fuzzer's input: an attribute longer than the nest first */
	nlh = msg_minimal(buf);
	nest = mnl_attr_nest_start(nlh, NFTA_TRACE_VERDICT);
	bad = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, NFTA_VERDICT_CHAIN + 1, 0);
	mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl(NF_ACCEPT));
	mnl_attr_nest_end(nlh, nest);
	bad->nla_len = 0x2929;
	assert_int_equal(parse_in_child(nlh), 0);

	for (i = 0; i < 2; i++) {
		nlh = msg_minimal(buf);
		nest = mnl_attr_nest_start(nlh, NFTA_TRACE_VERDICT);
		mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE,
				 htonl((uint32_t)(i ? NFT_GOTO : NFT_JUMP)));
		mnl_attr_nest_end(nlh, nest);
		assert_int_equal(parse_in_child(nlh), 0);	/* no CHAIN */
	}
	/* with its CHAIN, the same jump parses */
	nlh = msg_minimal(buf);
	nest = mnl_attr_nest_start(nlh, NFTA_TRACE_VERDICT);
	mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl((uint32_t)NFT_JUMP));
	mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, "next");
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(parse_in_child(nlh), 2);

	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		nlh = msg_minimal(buf);
		mnl_attr_put(nlh, hdrs[i], 0, NULL);
		assert_int_equal(parse_in_child(nlh), 0);	/* empty header */
	}
}

/* Conntrack attributes of the wrong size are ignored, and attributes
 * from a newer kernel (type 30) do not make the message invalid. */
static void test_bad_ct_attrs_and_unknown(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct trace_event ev;
	struct nlmsghdr *nlh = msg_minimal(buf);

	(void)state;
	mnl_attr_put_u16(nlh, 18 /* CT_ID */, 7);
	mnl_attr_put_u8(nlh, 21 /* CT_STATE */, 8);
	mnl_attr_put_u32(nlh, 30, htonl(99));
	assert_int_equal(nl_trace_parse(nlh, &ev), 0);
	assert_false(ev.has & EV_HAS_CT);
	assert_int_equal(ev.ct_id, 0);
	assert_int_equal(ev.ct_state, 0);

	nlh = msg_minimal(buf);
	mnl_attr_put_u32(nlh, 18, htonl(0x11223344));
	mnl_attr_put_u8(nlh, 19, 1);
	mnl_attr_put_u32(nlh, 20, htonl(0x18a));
	mnl_attr_put_u32(nlh, 21, htonl(2));
	assert_int_equal(nl_trace_parse(nlh, &ev), 0);
	assert_true(ev.has & EV_HAS_CT);
	assert_int_equal(ev.ct_id, 0x11223344);
	assert_int_equal(ev.ct_dir, 1);
	assert_int_equal(ev.ct_status, 0x18a);
	assert_int_equal(ev.ct_state, 2);
}

/* Headers longer than the event keeps are cut, never overflow. */
static void test_oversized_headers(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint8_t big[200];
	struct trace_event ev;
	struct nlmsghdr *nlh = msg_minimal(buf);

	(void)state;
	memset(big, 0x45, sizeof(big));
	mnl_attr_put(nlh, NFTA_TRACE_NETWORK_HEADER, 100, big);
	mnl_attr_put(nlh, NFTA_TRACE_TRANSPORT_HEADER, 200, big);
	assert_int_equal(nl_trace_parse(nlh, &ev), 0);
	assert_int_equal(ev.nethdr_len, 100);
	assert_int_equal(ev.transhdr_len, EV_HDR_MAX - 100);
	assert_true(ev.has & EV_HAS_NETHDR);
}

/* libnftnl 1.2.4 also exit()s on a VERDICT nest without CODE, on a
 * JUMP or GOTO verdict without CHAIN, and on an empty LL, NETWORK or
 * TRANSPORT header attribute. Each must be rejected, not fatal. */
static void test_bad_verdict_and_empty_headers(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlattr *nest;
	struct nlmsghdr *nlh;
	static const uint16_t hdrs[] = {
		NFTA_TRACE_LL_HEADER, NFTA_TRACE_NETWORK_HEADER,
		NFTA_TRACE_TRANSPORT_HEADER,
	};
	size_t i;

	(void)state;
	nlh = msg_minimal(buf);
	nest = mnl_attr_nest_start(nlh, NFTA_TRACE_VERDICT);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(parse_in_child(nlh), 0);	/* empty VERDICT nest */

	nlh = msg_minimal(buf);
	nest = mnl_attr_nest_start(nlh, NFTA_TRACE_VERDICT);
	mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, "x");
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(parse_in_child(nlh), 0);	/* CHAIN but no CODE */

	nlh = msg_minimal(buf);
	nest = mnl_attr_nest_start(nlh, NFTA_TRACE_VERDICT);
	mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl((uint32_t)NFT_JUMP));
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(parse_in_child(nlh), 0);	/* JUMP without CHAIN */

	nlh = msg_minimal(buf);
	nest = mnl_attr_nest_start(nlh, NFTA_TRACE_VERDICT);
	mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl((uint32_t)NFT_GOTO));
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(parse_in_child(nlh), 0);	/* GOTO without CHAIN */

	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		nlh = msg_minimal(buf);
		mnl_attr_put(nlh, hdrs[i], 0, NULL);
		assert_int_equal(parse_in_child(nlh), 0);	/* empty header */
	}
}

/* In this process: rejected with -1, and the test program lives on;
 * a good verdict with non-empty headers still parses. */
static void test_bad_messages_rejected_in_process(void **state)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlattr *nest;
	struct nlmsghdr *nlh;
	struct trace_event ev;

	(void)state;
	nlh = msg_minimal(buf);
	nest = mnl_attr_nest_start(nlh, NFTA_TRACE_VERDICT);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(nl_trace_parse(nlh, &ev), -1);
	nlh = msg_minimal(buf);
	mnl_attr_put(nlh, NFTA_TRACE_NETWORK_HEADER, 0, NULL);
	assert_int_equal(nl_trace_parse(nlh, &ev), -1);
	/* a good verdict and non-empty headers still parse */
	nlh = msg_minimal(buf);
	nest = mnl_attr_nest_start(nlh, NFTA_TRACE_VERDICT);
	mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl((uint32_t)NFT_JUMP));
	mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, "x");
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put(nlh, NFTA_TRACE_LL_HEADER, 4, "abcd");
	assert_int_equal(nl_trace_parse(nlh, &ev), 0);
	assert_int_equal(ev.verdict, NFT_JUMP);
	assert_string_equal(ev.jump_target, "x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip4_icmp_echo_accept),
		cmocka_unit_test(test_ip4_icmp_prerouting_nftrace),
		cmocka_unit_test(test_ip4_icmp_output_nftrace),
		cmocka_unit_test(test_ip4_icmp_reply_ct_established),
		cmocka_unit_test(test_ip6_icmpv6_echo_accept),
		cmocka_unit_test(test_ip6_nd_untracked),
		cmocka_unit_test(test_tcp_syn_jump),
		cmocka_unit_test(test_tcp_syn_counter_continue),
		cmocka_unit_test(test_tcp_ack_return),
		cmocka_unit_test(test_user_chain_end_continue),
		cmocka_unit_test(test_udp_input_end_continue),
		cmocka_unit_test(test_policy_drop_input),
		cmocka_unit_test(test_policy_accept_prerouting),
		cmocka_unit_test(test_udp_mark_accept),
		cmocka_unit_test(test_iptables_nft_input_accept),
		cmocka_unit_test(test_whole_capture_parses),
		cmocka_unit_test(test_minimal_message),
		cmocka_unit_test(test_not_a_trace_message),
		cmocka_unit_test(test_truncated_message),
		cmocka_unit_test(test_malformed_is_error_not_exit),
		cmocka_unit_test(test_verdict_and_header_shapes_not_exit),
		cmocka_unit_test(test_bad_ct_attrs_and_unknown),
		cmocka_unit_test(test_oversized_headers),
		cmocka_unit_test(test_bad_verdict_and_empty_headers),
		cmocka_unit_test(test_bad_messages_rejected_in_process),
	};

	return cmocka_run_group_tests_name("nl_trace", tests, NULL, NULL);
}
