/* nl_log_parse on NFLOG group 0 messages of legacy TRACE, captured from
 * kernel 6.18 by tests/tools/mkfixtures_xt.sh (see
 * tests/fixtures/README-nflog.md), plus built messages for what the
 * captures cannot show: conntrack attributes (this kernel lacks
 * NETFILTER_NETLINK_GLUE_CT), odd chain names and malformed prefixes.
 *
 * The captures are one TCP SYN 10.99.7.1:40000 -> 10.99.7.2:8080 (DNAT
 * to :80) and one ICMPv6 echo request, crossing the ruleset saved in
 * xt_legacy_ip.save / xt_legacy_ip6.save. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_log/libnetfilter_log.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "nl_log.h"
#include "rules_xt.h"
#include "fixture.h"

static void parse_fixture(const char *name, struct trace_event *ev)
{
	size_t len;
	char *buf = fixture_read(name, &len);
	const struct nlmsghdr *nlh = (const void *)buf;

	assert_int_equal(nlh->nlmsg_len, len);
	/* poison: the parser must set every field it reports */
	memset(ev, 0xa5, sizeof(*ev));
	assert_int_equal(nl_log_parse(nlh, ev), 0);
	free(buf);
}

static void assert_tcp4(const struct trace_event *ev, uint16_t dport)
{
	const uint8_t *h = ev->hdr;

	assert_int_equal(ev->nethdr_len, 60);	/* 20 IP + 40 TCP with options */
	assert_int_equal(ev->transhdr_len, 0);	/* the decoder finds L4 */
	assert_int_equal(h[0], 0x45);
	assert_int_equal(h[9], 6);
	assert_memory_equal(h + 12, "\x0a\x63\x07\x01\x0a\x63\x07\x02", 8);
	assert_int_equal((h[20] << 8) | h[21], 40000);
	assert_int_equal((h[22] << 8) | h[23], dport);
	assert_int_equal(h[33], 0x02);		/* SYN */
}

static void common_xt(const struct trace_event *ev, uint8_t family)
{
	assert_int_equal(ev->source, EV_SRC_XT);
	assert_int_equal(ev->id, 0);
	assert_int_equal(ev->family, family);
	assert_int_equal(ev->nfproto, family);
	assert_int_equal(ev->iif, 2);		/* veth0 in a fresh namespace */
	assert_int_equal(ev->oif, 0);
	assert_int_equal(ev->ts.tv_sec, 0);	/* drain sets receive time */
	assert_int_equal(ev->ts.tv_nsec, 0);
	assert_string_equal(ev->jump_target, "");
}

static void test_nat_rule(void **state)
{
	struct trace_event ev;

	(void)state;
	parse_fixture("nflog_ip_nat_dnat_rule.bin", &ev);
	common_xt(&ev, NFPROTO_IPV4);
	assert_int_equal(ev.has, EV_HAS_NFPROTO |
			 EV_HAS_NETHDR | EV_HAS_IIF);
	assert_string_equal(ev.table, "nat");
	assert_string_equal(ev.chain, "DOCKER");
	assert_int_equal(ev.type, EV_TYPE_RULE);
	assert_int_equal(ev.rulenum, 2);
	assert_int_equal(ev.meta.mark, 0);
	/* the trace is logged before the DNAT target runs */
	assert_tcp4(&ev, 8080);
}

static void test_user_chain_return(void **state)
{
	struct trace_event ev;

	(void)state;
	parse_fixture("nflog_ip_user_return.bin", &ev);
	common_xt(&ev, NFPROTO_IPV4);
	assert_string_equal(ev.table, "filter");
	assert_string_equal(ev.chain, "ALLOW-IN");
	/* an unconditional RETURN last in the chain reports as "return"
	 * with its own position */
	assert_int_equal(ev.type, EV_TYPE_RETURN);
	assert_int_equal(ev.rulenum, 2);
	assert_false(ev.has & EV_HAS_VERDICT);
	assert_tcp4(&ev, 80);
}

static void test_filter_rule(void **state)
{
	struct trace_event ev;

	(void)state;
	parse_fixture("nflog_ip_filter_rule.bin", &ev);
	common_xt(&ev, NFPROTO_IPV4);
	assert_string_equal(ev.table, "filter");
	assert_string_equal(ev.chain, "INPUT");
	assert_int_equal(ev.type, EV_TYPE_RULE);
	assert_int_equal(ev.rulenum, 3);
	assert_false(ev.has & (EV_HAS_VERDICT | EV_HAS_HANDLE | EV_HAS_CT));
	assert_tcp4(&ev, 80);
}

static void test_ip6_policy(void **state)
{
	struct trace_event ev;
	const uint8_t *h = ev.hdr;

	(void)state;
	parse_fixture("nflog_ip6_filter_policy.bin", &ev);
	common_xt(&ev, NFPROTO_IPV6);
	assert_int_equal(ev.has, EV_HAS_NFPROTO |
			 EV_HAS_NETHDR | EV_HAS_IIF);
	assert_string_equal(ev.table, "filter");
	assert_string_equal(ev.chain, "INPUT");
	assert_int_equal(ev.type, EV_TYPE_POLICY);
	assert_int_equal(ev.rulenum, 8);	/* 7 rules + 1 */
	assert_int_equal(ev.meta.mark, 0x100);	/* mangle PREROUTING MARK */
	assert_int_equal(ev.nethdr_len, 104);	/* 40 IPv6 + 64 ICMPv6 */
	assert_int_equal(h[0] >> 4, 6);
	assert_int_equal(h[6], 58);
	assert_int_equal(h[40], 128);		/* echo request */
}

/* The position in the event names the rule in the save output. */
static void test_rulenum_names_save_line(void **state)
{
	struct trace_event ev;
	struct ruleset rs;
	const struct rs_rule *r;
	char *text = fixture_read("xt_legacy_ip.save", NULL);

	(void)state;
	ruleset_init(&rs);
	assert_int_equal(rules_xt_parse(text, NFPROTO_IPV4, &rs), 0);
	parse_fixture("nflog_ip_filter_rule.bin", &ev);
	r = ruleset_rule_by_pos(&rs, ev.family, ev.table, ev.chain, ev.rulenum);
	assert_non_null(r);
	assert_string_equal(r->text, "-p tcp -m multiport --dports 22,80,443 -m comment "
			    "--comment \"say \\\"hi\\\" \\\\ there\" -j ACCEPT");
	parse_fixture("nflog_ip_nat_dnat_rule.bin", &ev);
	r = ruleset_rule_by_pos(&rs, ev.family, ev.table, ev.chain, ev.rulenum);
	assert_non_null(r);
	assert_string_equal(r->text, "-p tcp -m tcp --dport 8080 -j DNAT "
			    "--to-destination 10.99.7.2:80");
	ruleset_clear(&rs);
	free(text);
}

/* ---- built messages --------------------------------------------- */

struct msg {
	char buf[1024];
	struct nlmsghdr *nlh;
};

/* The hook the kernel would report with this prefix: its built-in
 * chain's, or LOCAL_IN for a user chain. */
static uint8_t hook_for(const char *prefix)
{
	static const char *const chains[] = { ":PREROUTING:", ":INPUT:",
		":FORWARD:", ":OUTPUT:", ":POSTROUTING:" };
	uint8_t i;

	for (i = 0; prefix && i < 5; i++)
		if (strstr(prefix, chains[i]))
			return i;
	return NF_INET_LOCAL_IN;
}

static void msg_start_hook(struct msg *m, uint8_t family, const char *prefix,
			   int hook);

static void msg_start(struct msg *m, uint8_t family, const char *prefix)
{
	msg_start_hook(m, family, prefix, hook_for(prefix));
}

/* hook < 0: no NFULA_PACKET_HDR */
static void msg_start_hook(struct msg *m, uint8_t family, const char *prefix,
			   int hook)
{
	struct nfgenmsg *nfg;
	struct nfulnl_msg_packet_hdr ph = { htons(0x0800), 0, 0 };

	m->nlh = mnl_nlmsg_put_header(m->buf);
	m->nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET;
	nfg = mnl_nlmsg_put_extra_header(m->nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	if (hook >= 0) {
		ph.hook = (uint8_t)hook;
		mnl_attr_put(m->nlh, NFULA_PACKET_HDR, sizeof(ph), &ph);
	}
	if (prefix)
		mnl_attr_put_strz(m->nlh, NFULA_PREFIX, prefix);
}

static int parse_prefix(const char *prefix, struct trace_event *ev)
{
	struct msg m;

	msg_start(&m, NFPROTO_IPV4, prefix);
	return nl_log_parse(m.nlh, ev);
}

static void test_prefixes(void **state)
{
	struct trace_event ev;

	(void)state;
	/* x_tables does not forbid ':' in chain names */
	assert_int_equal(parse_prefix("TRACE: filter:a:b:c:rule:12 ", &ev), 0);
	assert_string_equal(ev.table, "filter");
	assert_string_equal(ev.chain, "a:b:c");
	assert_int_equal(ev.type, EV_TYPE_RULE);
	assert_int_equal(ev.rulenum, 12);
	assert_int_equal(parse_prefix("TRACE: raw:PREROUTING:policy:1 ", &ev), 0);
	assert_int_equal(ev.type, EV_TYPE_POLICY);
	assert_int_equal(ev.rulenum, 1);
	assert_false(ev.has & (EV_HAS_NETHDR | EV_HAS_IIF));
	assert_int_equal(ev.meta.mark, 0);
	assert_int_equal(ev.nethdr_len, 0);

	/* LOG and NFLOG rules can use group 0 too: not trace events */
	assert_int_equal(parse_prefix("input drop: ", &ev), -1);
	assert_int_equal(parse_prefix("TRACE: filter:INPUT:jump:3 ", &ev), -1);
	assert_int_equal(parse_prefix("TRACE: filter:INPUT:rule: ", &ev), -1);
	assert_int_equal(parse_prefix("TRACE: filter:INPUT:rule:3x ", &ev), -1);
	assert_int_equal(parse_prefix("TRACE: filter:rule:3 ", &ev), -1);
	assert_int_equal(parse_prefix("TRACE: filter:INPUT:rule:99999999999 ", &ev), -1);
	assert_int_equal(parse_prefix("TRACE: :INPUT:rule:1 ", &ev), -1);
	assert_int_equal(parse_prefix("TRACE: filter::rule:1 ", &ev), -1);
	assert_int_equal(parse_prefix("TRACE: ", &ev), -1);
	assert_int_equal(parse_prefix(NULL, &ev), -1);
	/* not the kernel's "TRACE: %s:%s:%s:%u " */
	assert_int_equal(parse_prefix("TRACE: raw:PREROUTING:policy:1", &ev), -1);
	assert_int_equal(parse_prefix("TRACE: raw:PREROUTING:policy:1  ", &ev), -1);
	assert_int_equal(parse_prefix("TRACE: raw:PREROUTING:policy:01 ", &ev), -1);
	assert_int_equal(parse_prefix("TRACE: evil:INPUT:rule:1 ", &ev), -1);
}

static int fixture_parse(const char *name, struct trace_event *ev)
{
	size_t len;
	char *buf = fixture_read(name, &len);
	int ret = nl_log_parse((const void *)buf, ev);

	free(buf);
	return ret;
}

/* Messages with a TRACE prefix that TRACE did not send, captured from
 * nft "log prefix ... group 0" rules (README-nflog.md): */
static void test_forged(void **state)
{
	struct trace_event ev;
	struct msg m;
	char *a, *b;
	size_t la, lb;

	(void)state;
	/* "filter:INPUT" at prerouting: filter has no such hook */
	assert_int_equal(fixture_parse("nflog_forged_wrong_hook.bin", &ev), -1);
	/* "filter:OUTPUT" with snaplen 40: 40 bytes of an 84-byte packet */
	assert_int_equal(fixture_parse("nflog_forged_snaplen.bin", &ev), -1);
	/* the real one from the same capture */
	assert_int_equal(fixture_parse("nflog_ip_filter_output_real.bin", &ev), 0);
	assert_string_equal(ev.chain, "OUTPUT");

	/* At the right hook and unabridged, a forgery is the real message
	 * byte for byte but for NFULA_SEQ (its last 4 bytes of value are
	 * at the end of the SEQ attribute): nothing on the wire tells them
	 * apart, so both parse. */
	a = fixture_read("nflog_forged_same_hook.bin", &la);
	b = fixture_read("nflog_same_hook_real.bin", &lb);
	assert_int_equal(la, lb);
	{
		size_t i, diff = 0;

		for (i = 0; i < la; i++)
			diff += a[i] != b[i];
		assert_true(diff >= 1 && diff <= 4);
	}
	assert_int_equal(nl_log_parse((const void *)a, &ev), 0);
	assert_int_equal(nl_log_parse((const void *)b, &ev), 0);
	free(a);
	free(b);

	/* built: a built-in chain at another hook, a table at a hook it
	 * lacks, no packet header, another group */
	msg_start_hook(&m, NFPROTO_IPV4, "TRACE: mangle:OUTPUT:rule:1 ", NF_INET_FORWARD);
	assert_int_equal(nl_log_parse(m.nlh, &ev), -1);
	msg_start_hook(&m, NFPROTO_IPV4, "TRACE: nat:mychain:rule:1 ", NF_INET_FORWARD);
	assert_int_equal(nl_log_parse(m.nlh, &ev), -1);
	msg_start_hook(&m, NFPROTO_IPV6, "TRACE: raw:mychain:rule:1 ", NF_INET_LOCAL_IN);
	assert_int_equal(nl_log_parse(m.nlh, &ev), -1);
	msg_start_hook(&m, NFPROTO_IPV4, "TRACE: filter:INPUT:rule:1 ", -1);
	assert_int_equal(nl_log_parse(m.nlh, &ev), -1);
	msg_start(&m, NFPROTO_IPV4, "TRACE: filter:INPUT:rule:1 ");
	((struct nfgenmsg *)mnl_nlmsg_get_payload(m.nlh))->res_id = htons(1);
	assert_int_equal(nl_log_parse(m.nlh, &ev), -1);
	/* a user chain at any hook of its table */
	msg_start_hook(&m, NFPROTO_IPV6, "TRACE: mangle:mychain:return:3 ", NF_INET_POST_ROUTING);
	assert_int_equal(nl_log_parse(m.nlh, &ev), 0);
	assert_string_equal(ev.chain, "mychain");
}

static void test_not_ours(void **state)
{
	struct trace_event ev;
	struct msg m;

	(void)state;
	msg_start(&m, NFPROTO_BRIDGE, "TRACE: filter:INPUT:rule:1 ");
	assert_int_equal(nl_log_parse(m.nlh, &ev), -1);
	msg_start(&m, NFPROTO_IPV4, "TRACE: filter:INPUT:rule:1 ");
	m.nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	assert_int_equal(nl_log_parse(m.nlh, &ev), -1);
	m.nlh->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | NFULNL_MSG_PACKET;
	assert_int_equal(nl_log_parse(m.nlh, &ev), -1);
	/* a truncated attribute is malformed, not silently half-read */
	msg_start(&m, NFPROTO_IPV4, "TRACE: filter:INPUT:rule:1 ");
	mnl_attr_put_u16(m.nlh, NFULA_MARK, 1);
	assert_int_equal(nl_log_parse(m.nlh, &ev), -1);
}

static void test_payload_capped(void **state)
{
	struct trace_event ev;
	uint8_t pkt[300];
	struct msg m;

	(void)state;
	memset(pkt, 0x45, sizeof(pkt));
	msg_start(&m, NFPROTO_IPV4, "TRACE: mangle:FORWARD:rule:1 ");
	mnl_attr_put(m.nlh, NFULA_PAYLOAD, sizeof(pkt), pkt);
	mnl_attr_put_u32(m.nlh, NFULA_IFINDEX_OUTDEV, htonl(7));
	mnl_attr_put_u32(m.nlh, NFULA_MARK, htonl(0));
	mnl_attr_put_u32(m.nlh, 40, htonl(1));	/* from a newer kernel */
	assert_int_equal(nl_log_parse(m.nlh, &ev), 0);
	assert_int_equal(ev.nethdr_len, EV_HDR_MAX);
	assert_int_equal(ev.transhdr_len, 0);
	assert_int_equal(ev.oif, 7);
	/* nf_tables reports the mark only when set; so does this */
	assert_int_equal(ev.has, EV_HAS_NFPROTO |
			 EV_HAS_NETHDR | EV_HAS_OIF);
}

/* NFULA_CT / NFULA_CT_INFO, as kernels with NETFILTER_NETLINK_GLUE_CT
 * send them: ct id, status, and state/direction from ctinfo the way
 * nf_tables traces report them. */
static void test_conntrack(void **state)
{
	struct trace_event ev;
	struct nlattr *nest;
	struct msg m;

	(void)state;
	msg_start(&m, NFPROTO_IPV6, "TRACE: filter:FORWARD:rule:4 ");
	nest = mnl_attr_nest_start(m.nlh, NFULA_CT);
	mnl_attr_put_u32(m.nlh, CTA_ID, htonl(0x12345678));
	mnl_attr_put_u32(m.nlh, CTA_STATUS, htonl(0x18e));
	mnl_attr_nest_end(m.nlh, nest);
	mnl_attr_put_u32(m.nlh, NFULA_CT_INFO, htonl(3));	/* ESTABLISHED_REPLY */
	assert_int_equal(nl_log_parse(m.nlh, &ev), 0);
	assert_true(ev.has & EV_HAS_CT);
	assert_int_equal(ev.ct_id, 0x12345678);
	assert_int_equal(ev.ct_status, 0x18e);
	assert_int_equal(ev.ct_state, 1u << 1);	/* established */
	assert_int_equal(ev.ct_dir, 1);

	msg_start(&m, NFPROTO_IPV4, "TRACE: filter:FORWARD:rule:4 ");
	nest = mnl_attr_nest_start(m.nlh, NFULA_CT);
	mnl_attr_put_u32(m.nlh, CTA_ID, htonl(9));
	mnl_attr_nest_end(m.nlh, nest);
	mnl_attr_put_u32(m.nlh, NFULA_CT_INFO, htonl(2));	/* NEW */
	assert_int_equal(nl_log_parse(m.nlh, &ev), 0);
	assert_int_equal(ev.ct_state, 1u << 3);
	assert_int_equal(ev.ct_dir, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nat_rule),
		cmocka_unit_test(test_user_chain_return),
		cmocka_unit_test(test_filter_rule),
		cmocka_unit_test(test_ip6_policy),
		cmocka_unit_test(test_rulenum_names_save_line),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_payload_capped),
		cmocka_unit_test(test_conntrack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
