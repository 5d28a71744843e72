/* rules_nft_parse on real `nft -a -s -y list table` output (nft 1.0.6),
 * and the join the tool depends on: a captured trace event's handle
 * finds its rule's position and text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <linux/netfilter.h>

#include "fixture.h"
#include "rules_nft.h"
#include "ruleset.h"

static void parse_fixture(const char *name, struct ruleset *rs)
{
	char *text = fixture_read(name, NULL);

	ruleset_init(rs);
	assert_int_equal(rules_nft_parse(text, rs), 0);
	free(text);
}

static const struct rs_chain *chain(const struct ruleset *rs, uint8_t family,
				    const char *table, const char *name,
				    enum hook hook, int32_t prio, int policy,
				    unsigned int nrules)
{
	const struct rs_chain *c = ruleset_chain(rs, family, table, name);

	assert_non_null(c);
	assert_string_equal(c->table, table);
	assert_string_equal(c->name, name);
	assert_int_equal(c->family, family);
	assert_int_equal(c->hook, hook);
	if (hook != HOOK_NONE) {
		assert_int_equal(c->prio, prio);
		assert_int_equal(c->policy, policy);
	}
	assert_int_equal(c->nrules, nrules);
	return c;
}

static void rule(const struct ruleset *rs, uint8_t family, const char *table,
		 const char *chain_name, unsigned int pos, uint64_t handle,
		 const char *text)
{
	const struct rs_rule *r = ruleset_rule_by_pos(rs, family, table,
						      chain_name, pos);

	assert_non_null(r);
	assert_int_equal(r->pos, pos);
	assert_int_equal(r->handle, handle);
	assert_string_equal(r->text, text);
	assert_string_equal(rs->chains[r->chain].name, chain_name);
	assert_ptr_equal(ruleset_rule_by_handle(rs, family, table, handle), r);
}

static void test_inet_fx(void **state)
{
	struct ruleset rs;

	(void)state;
	parse_fixture("nft-list-inet-fx.txt", &rs);
	assert_int_equal(rs.nchains, 3);
	assert_int_equal(rs.nrules, 12);
	chain(&rs, NFPROTO_INET, "fx", "pre", HOOK_PREROUTING, -301, NF_ACCEPT, 2);
	chain(&rs, NFPROTO_INET, "fx", "tcpchk", HOOK_NONE, 0, 0, 3);
	chain(&rs, NFPROTO_INET, "fx", "input", HOOK_INPUT, 0, NF_DROP, 7);
	rule(&rs, NFPROTO_INET, "fx", "pre", 1, 4, "meta nftrace set 1");
	rule(&rs, NFPROTO_INET, "fx", "pre", 2, 5,
	     "udp dport 7777 meta mark set 0x0000002a");
	rule(&rs, NFPROTO_INET, "fx", "tcpchk", 1, 6, "tcp flags syn counter");
	rule(&rs, NFPROTO_INET, "fx", "tcpchk", 2, 7, "tcp flags ack return");
	rule(&rs, NFPROTO_INET, "fx", "tcpchk", 3, 8, "ip saddr 10.99.0.99 drop");
	rule(&rs, NFPROTO_INET, "fx", "input", 1, 10,
	     "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept");
	rule(&rs, NFPROTO_INET, "fx", "input", 2, 11, "icmp type echo-request accept");
	rule(&rs, NFPROTO_INET, "fx", "input", 3, 12, "icmpv6 type echo-request accept");
	rule(&rs, NFPROTO_INET, "fx", "input", 4, 13, "tcp dport 5555 jump tcpchk");
	rule(&rs, NFPROTO_INET, "fx", "input", 5, 14, "tcp dport 5555 accept");
	rule(&rs, NFPROTO_INET, "fx", "input", 6, 16, "udp dport { 7777, 7779 } accept");
	rule(&rs, NFPROTO_INET, "fx", "input", 7, 17,
	     "ct state established,related accept");
	assert_null(ruleset_rule_by_pos(&rs, NFPROTO_INET, "fx", "input", 8));
	assert_null(ruleset_rule_by_pos(&rs, NFPROTO_INET, "fx", "input", 0));
	assert_null(ruleset_rule_by_handle(&rs, NFPROTO_INET, "fx", 15));
	/* right name, wrong family */
	assert_null(ruleset_chain(&rs, NFPROTO_IPV4, "fx", "input"));
	assert_null(ruleset_rule_by_handle(&rs, NFPROTO_IPV4, "fx", 11));
	ruleset_clear(&rs);
}

static void test_iptables_nft(void **state)
{
	struct ruleset rs;

	(void)state;
	parse_fixture("nft-list-ip-filter-iptables-nft.txt", &rs);
	assert_int_equal(rs.nchains, 3);
	assert_int_equal(rs.nrules, 6);
	chain(&rs, NFPROTO_IPV4, "filter", "FORWARD", HOOK_FORWARD, 0, NF_DROP, 0);
	chain(&rs, NFPROTO_IPV4, "filter", "ssh-in", HOOK_NONE, 0, 0, 2);
	chain(&rs, NFPROTO_IPV4, "filter", "INPUT", HOOK_INPUT, 0, NF_ACCEPT, 4);
	rule(&rs, NFPROTO_IPV4, "filter", "ssh-in", 1, 3,
	     "ip saddr 10.0.0.0/8 counter accept");
	rule(&rs, NFPROTO_IPV4, "filter", "ssh-in", 2, 4, "counter return");
	rule(&rs, NFPROTO_IPV4, "filter", "INPUT", 1, 6, "tcp dport 9 counter drop");
	/* nft 1.0.6 prints the xt comment match as nothing: two spaces */
	rule(&rs, NFPROTO_IPV4, "filter", "INPUT", 2, 7,
	     "tcp dport 22  counter jump ssh-in");
	rule(&rs, NFPROTO_IPV4, "filter", "INPUT", 3, 8,
	     "meta l4proto tcp tcp dport { 80, 443 } counter accept");
	rule(&rs, NFPROTO_IPV4, "filter", "INPUT", 4, 9, "udp dport 7779 counter accept");
	ruleset_clear(&rs);
}

/* Sets and maps are skipped, even when their elements span lines;
 * braces inside quoted comments do not count. */
static void test_parse_table(void **state)
{
	struct ruleset rs;
	const struct rs_chain *c;
	uint32_t i;

	(void)state;
	parse_fixture("nft-list-inet-parse.txt", &rs);
	assert_int_equal(rs.nchains, 5);
	assert_int_equal(rs.nrules, 11);
	chain(&rs, NFPROTO_INET, "parse", "checks", HOOK_NONE, 0, 0, 2);
	chain(&rs, NFPROTO_INET, "parse", "web", HOOK_NONE, 0, 0, 2);
	chain(&rs, NFPROTO_INET, "parse", "input", HOOK_INPUT, 10, NF_DROP, 5);
	c = chain(&rs, NFPROTO_INET, "parse", "pre", HOOK_PREROUTING, -100,
		  NF_ACCEPT, 1);
	assert_true(c->nat);
	c = chain(&rs, NFPROTO_INET, "parse", "early", HOOK_PREROUTING, -301,
		  NF_ACCEPT, 1);
	assert_false(c->nat);
	assert_null(ruleset_chain(&rs, NFPROTO_INET, "parse", "blocked4"));
	assert_null(ruleset_chain(&rs, NFPROTO_INET, "parse", "portmap"));
	rule(&rs, NFPROTO_INET, "parse", "checks", 1, 8,
	     "counter comment \"weird { brace\"");
	rule(&rs, NFPROTO_INET, "parse", "checks", 2, 9,
	     "ip saddr @blocked4 drop comment \"close } brace {{\"");
	rule(&rs, NFPROTO_INET, "parse", "web", 1, 11, "tcp dport { 80, 443 } accept");
	rule(&rs, NFPROTO_INET, "parse", "web", 2, 12, "return");
	rule(&rs, NFPROTO_INET, "parse", "input", 1, 13,
	     "ct state established,related accept");
	rule(&rs, NFPROTO_INET, "parse", "input", 2, 14,
	     "iifname \"lo\" accept comment \"loopback } is fine\"");
	rule(&rs, NFPROTO_INET, "parse", "input", 3, 15, "tcp dport vmap @portmap");
	rule(&rs, NFPROTO_INET, "parse", "input", 4, 16, "jump checks");
	rule(&rs, NFPROTO_INET, "parse", "input", 5, 17, "goto web");
	rule(&rs, NFPROTO_INET, "parse", "pre", 1, 18,
	     "tcp dport 8080 dnat ip to 10.0.0.1:80");
	rule(&rs, NFPROTO_INET, "parse", "early", 1, 19, "meta nftrace set 1");
	for (i = 0; i < rs.nrules; i++)
		assert_null(strstr(rs.rules[i].text, "198.51.100"));
	ruleset_clear(&rs);
}

/* The tool concatenates one listing per table: names and handles of
 * different tables must not mix. */
static void test_concatenated_tables(void **state)
{
	char *a = fixture_read("nft-list-inet-fx.txt", NULL);
	char *b = fixture_read("nft-list-ip-filter-iptables-nft.txt", NULL);
	char *c = fixture_read("nft-list-inet-parse.txt", NULL);
	char *all;
	struct ruleset rs;

	(void)state;
	assert_true(asprintf(&all, "%s%s%s", a, b, c) > 0);
	ruleset_init(&rs);
	assert_int_equal(rules_nft_parse(all, &rs), 0);
	assert_int_equal(rs.nchains, 11);
	assert_int_equal(rs.nrules, 29);
	/* handle 4 exists in fx (pre #1) and in filter (ssh-in #2) */
	rule(&rs, NFPROTO_INET, "fx", "pre", 1, 4, "meta nftrace set 1");
	rule(&rs, NFPROTO_IPV4, "filter", "ssh-in", 2, 4, "counter return");
	/* "input" exists in fx and in parse */
	chain(&rs, NFPROTO_INET, "fx", "input", HOOK_INPUT, 0, NF_DROP, 7);
	chain(&rs, NFPROTO_INET, "parse", "input", HOOK_INPUT, 10, NF_DROP, 5);
	rule(&rs, NFPROTO_INET, "parse", "input", 5, 17, "goto web");
	rule(&rs, NFPROTO_INET, "fx", "input", 7, 17,
	     "ct state established,related accept");
	ruleset_clear(&rs);
	free(all);
	free(a);
	free(b);
	free(c);
}

/* What the tool does with a trace event: handle -> position and text. */
static void join(const struct ruleset *rs, const char *fixture,
		 unsigned int pos, const char *text)
{
	struct trace_event ev;
	const struct rs_rule *r;

	fixture_event(fixture, &ev);
	assert_true(ev.has & EV_HAS_HANDLE);
	r = ruleset_rule_by_handle(rs, ev.family, ev.table, ev.handle);
	assert_non_null(r);
	assert_string_equal(rs->chains[r->chain].name, ev.chain);
	assert_int_equal(r->pos, pos);
	assert_string_equal(r->text, text);
}

static void test_join_trace_events(void **state)
{
	char *a = fixture_read("nft-list-inet-fx.txt", NULL);
	char *b = fixture_read("nft-list-ip-filter-iptables-nft.txt", NULL);
	char *all;
	struct ruleset rs;

	(void)state;
	assert_true(asprintf(&all, "%s%s", a, b) > 0);
	ruleset_init(&rs);
	assert_int_equal(rules_nft_parse(all, &rs), 0);
	join(&rs, "nft-ip4-icmp-echo-accept.nlmsg", 2, "icmp type echo-request accept");
	join(&rs, "nft-ip4-icmp-prerouting-nftrace.nlmsg", 1, "meta nftrace set 1");
	join(&rs, "nft-ip6-icmpv6-echo-accept.nlmsg", 3, "icmpv6 type echo-request accept");
	join(&rs, "nft-tcp-syn-jump.nlmsg", 4, "tcp dport 5555 jump tcpchk");
	join(&rs, "nft-tcp-syn-counter-continue.nlmsg", 1, "tcp flags syn counter");
	join(&rs, "nft-tcp-ack-return.nlmsg", 2, "tcp flags ack return");
	join(&rs, "nft-udp-mark-accept.nlmsg", 6, "udp dport { 7777, 7779 } accept");
	/* iptables-nft: handle 9 is what `iptables -L --line-numbers` calls 4 */
	join(&rs, "nft-iptables-nft-input-accept.nlmsg", 4,
	     "udp dport 7779 counter accept");
	ruleset_clear(&rs);
	free(all);
	free(a);
	free(b);
}

/* Text the fixtures do not have. */
static void test_inline_cases(void **state)
{
	static const char text[] =
		"table ip6 t6 { # handle 9\n"
		"\tchain \"my chain\" { # handle 1\n"
		"\t\ttype filter hook output priority 100; policy accept;\n"
		"\t\tip6 daddr ::1 accept # handle 2\n"
		"\t\tmeta mark 0x00000001 jump \"my chain\" # handle 3\n"
		"\t}\n"
		"\tchain post { # handle 4\n"
		"\t\ttype filter hook postrouting priority -150; policy drop;\n"
		"\t\tcomment \"chain comment, not a rule\"\n"
		"\t\tcounter comment \"} }\" # handle 5\n"
		"\t\t# a comment line\n"
		"\t\toifname \"eth0\" accept # handle 6\n"
		"\t}\n"
		"}\n"
		"table netdev nd { # handle 10\n"
		"\tchain ing { # handle 1\n"
		"\t\ttype filter hook ingress device \"lo\" priority -500; policy accept;\n"
		"\t\tcounter # handle 2\n"
		"\t}\n"
		"}";
	struct ruleset rs;

	(void)state;
	ruleset_init(&rs);
	assert_int_equal(rules_nft_parse(text, &rs), 0);
	assert_int_equal(rs.nchains, 3);
	assert_int_equal(rs.nrules, 5);
	chain(&rs, NFPROTO_IPV6, "t6", "my chain", HOOK_OUTPUT, 100, NF_ACCEPT, 2);
	chain(&rs, NFPROTO_IPV6, "t6", "post", HOOK_POSTROUTING, -150, NF_DROP, 2);
	chain(&rs, NFPROTO_NETDEV, "nd", "ing", HOOK_INGRESS, -500, NF_ACCEPT, 1);
	rule(&rs, NFPROTO_IPV6, "t6", "my chain", 2, 3,
	     "meta mark 0x00000001 jump \"my chain\"");
	rule(&rs, NFPROTO_IPV6, "t6", "post", 1, 5, "counter comment \"} }\"");
	rule(&rs, NFPROTO_IPV6, "t6", "post", 2, 6, "oifname \"eth0\" accept");
	rule(&rs, NFPROTO_NETDEV, "nd", "ing", 1, 2, "counter");
	ruleset_clear(&rs);

	ruleset_init(&rs);
	assert_int_equal(rules_nft_parse("", &rs), 0);
	assert_int_equal(rs.nchains, 0);
	assert_null(ruleset_chain(&rs, NFPROTO_INET, "fx", "input"));
	ruleset_clear(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inet_fx),
		cmocka_unit_test(test_iptables_nft),
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_concatenated_tables),
		cmocka_unit_test(test_join_trace_events),
		cmocka_unit_test(test_inline_cases),
	};

	return cmocka_run_group_tests_name("rules_nft", tests, NULL, NULL);
}
