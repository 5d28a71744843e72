/* rules_xt_parse on real iptables-save output of both flavours, captured
 * by tests/tools/mkfixtures_xt.sh (tests/fixtures/README-nflog.md).
 * The main check re-reads every `-A CHAIN text` line of a fixture on its
 * own and asks the parsed ruleset for (table, chain, position): the text
 * must be the line minus "-A CHAIN ", byte for byte. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter.h>

#include "rules_xt.h"
#include "fixture.h"

static void parse_file(const char *name, uint8_t family, struct ruleset *rs)
{
	char *text = fixture_read(name, NULL);

	assert_int_equal(rules_xt_parse(text, family, rs), 0);
	free(text);
}

/* Every -A line, found independently, is at its position with its text. */
static unsigned int check_all_lines(const char *name, uint8_t family,
				    const struct ruleset *rs)
{
	char *text = fixture_read(name, NULL), *line, *save = NULL, table[64] = "";
	struct { char chain[64]; unsigned int n; } seen[64];
	unsigned int nseen = 0, total = 0, i;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char chain[64];
		const struct rs_rule *r;
		const char *rest;

		if (line[0] == '*') {
			snprintf(table, sizeof(table), "%s", line + 1);
			nseen = 0;
			continue;
		}
		if (strncmp(line, "-A ", 3))
			continue;
		assert_int_equal(sscanf(line + 3, "%63s", chain), 1);
		rest = line + 3 + strlen(chain) + 1;
		for (i = 0; i < nseen && strcmp(seen[i].chain, chain); i++)
			;
		if (i == nseen) {
			assert_true(nseen < 64);
			snprintf(seen[nseen].chain, sizeof(seen[0].chain), "%s", chain);
			seen[nseen++].n = 0;
		}
		seen[i].n++;
		r = ruleset_rule_by_pos(rs, family, table, chain, seen[i].n);
		if (!r)
			fail_msg("%s: no rule %s %s #%u", name, table, chain, seen[i].n);
		assert_string_equal(r->text, rest);
		assert_int_equal(r->handle, 0);
		total++;
	}
	free(text);
	return total;
}

static const struct rs_chain *chain(const struct ruleset *rs, uint8_t family,
				    const char *table, const char *name)
{
	const struct rs_chain *c = ruleset_chain(rs, family, table, name);

	if (!c)
		fail_msg("no chain %s %s", table, name);
	return c;
}

static void assert_base(const struct ruleset *rs, uint8_t family,
			const char *table, const char *name, enum hook hook,
			int32_t prio, int policy)
{
	const struct rs_chain *c = chain(rs, family, table, name);

	assert_int_equal(c->hook, hook);
	assert_int_equal(c->prio, prio);
	assert_int_equal(c->policy, policy);
	assert_int_equal(c->nat, !strcmp(table, "nat"));
}

static const char *text_at(const struct ruleset *rs, uint8_t family,
			   const char *table, const char *name, unsigned int pos)
{
	const struct rs_rule *r = ruleset_rule_by_pos(rs, family, table, name, pos);

	if (!r)
		fail_msg("no rule %s %s #%u", table, name, pos);
	return r->text;
}

static void check_ip4(const char *fixture)
{
	struct ruleset rs;

	ruleset_init(&rs);
	parse_file(fixture, NFPROTO_IPV4, &rs);
	assert_int_equal(check_all_lines(fixture, NFPROTO_IPV4, &rs), rs.nrules);
	assert_int_equal(rs.nrules, 25);

	assert_base(&rs, NFPROTO_IPV4, "raw", "PREROUTING", HOOK_PREROUTING, -300, NF_ACCEPT);
	assert_base(&rs, NFPROTO_IPV4, "raw", "OUTPUT", HOOK_OUTPUT, -300, NF_ACCEPT);
	assert_base(&rs, NFPROTO_IPV4, "mangle", "POSTROUTING", HOOK_POSTROUTING, -150, NF_ACCEPT);
	assert_base(&rs, NFPROTO_IPV4, "nat", "PREROUTING", HOOK_PREROUTING, -100, NF_ACCEPT);
	assert_base(&rs, NFPROTO_IPV4, "nat", "INPUT", HOOK_INPUT, 100, NF_ACCEPT);
	assert_base(&rs, NFPROTO_IPV4, "nat", "OUTPUT", HOOK_OUTPUT, -100, NF_ACCEPT);
	assert_base(&rs, NFPROTO_IPV4, "nat", "POSTROUTING", HOOK_POSTROUTING, 100, NF_ACCEPT);
	assert_base(&rs, NFPROTO_IPV4, "filter", "INPUT", HOOK_INPUT, 0, NF_DROP);
	assert_base(&rs, NFPROTO_IPV4, "filter", "FORWARD", HOOK_FORWARD, 0, NF_DROP);
	assert_base(&rs, NFPROTO_IPV4, "filter", "OUTPUT", HOOK_OUTPUT, 0, NF_ACCEPT);
	assert_base(&rs, NFPROTO_IPV4, "security", "INPUT", HOOK_INPUT, 50, NF_ACCEPT);
	assert_base(&rs, NFPROTO_IPV4, "filter", "ALLOW-IN", HOOK_NONE, 0, NF_ACCEPT);
	assert_base(&rs, NFPROTO_IPV4, "nat", "DOCKER", HOOK_NONE, 0, NF_ACCEPT);
	assert_int_equal(chain(&rs, NFPROTO_IPV4, "filter", "INPUT")->nrules, 7);
	assert_int_equal(chain(&rs, NFPROTO_IPV4, "security", "FORWARD")->nrules, 0);
	/* the family is part of the key */
	assert_null(ruleset_chain(&rs, NFPROTO_IPV6, "filter", "INPUT"));

	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "filter", "INPUT", 2),
		"-m set --match-set iptt-allow src -m comment --comment \"allow listed nets\" -j ALLOW-IN");
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "filter", "INPUT", 3),
		"-p tcp -m multiport --dports 22,80,443 -m comment --comment \"say \\\"hi\\\" \\\\ there\" -j ACCEPT");
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "filter", "INPUT", 1),
		"-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "filter", "INPUT", 4),
		"-p icmp -m limit --limit 5/sec --limit-burst 10 -j ACCEPT");
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "filter", "INPUT", 6),
		"-p udp -j REJECT --reject-with icmp-port-unreachable");
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "filter", "LOGDROP", 1),
		"-m limit --limit 1/min -j LOG --log-prefix \"input drop: \" --log-level 6");
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "filter", "FORWARD", 2),
		"-m connmark --mark 0x1 -g ALLOW-IN");
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "mangle", "PREROUTING", 1),
		"-s 10.99.0.0/16 -m comment --comment \"proxy mark\" -j MARK --set-xmark 0x100/0x100");
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "mangle", "PREROUTING", 2),
		"-j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff");
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "nat", "POSTROUTING", 1),
		"-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE");
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "nat", "POSTROUTING", 2),
		"-o eth1 -j SNAT --to-source 192.0.2.1-192.0.2.10 --random --persistent");
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "nat", "DOCKER", 2),
		"-p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.99.7.2:80");
	assert_null(ruleset_rule_by_pos(&rs, NFPROTO_IPV4, "filter", "INPUT", 8));
	assert_null(ruleset_rule_by_pos(&rs, NFPROTO_IPV4, "filter", "INPUT", 0));
	ruleset_clear(&rs);
}

static void test_legacy_ip(void **state)
{
	(void)state;
	check_ip4("xt_legacy_ip.save");
}

/* iptables-nft prints the same ruleset the same way. */
static void test_nft_ip(void **state)
{
	(void)state;
	check_ip4("xt_nft_ip.save");
}

static void check_ip6(const char *fixture)
{
	struct ruleset rs;

	ruleset_init(&rs);
	parse_file(fixture, NFPROTO_IPV6, &rs);
	assert_int_equal(check_all_lines(fixture, NFPROTO_IPV6, &rs), rs.nrules);
	assert_int_equal(rs.nrules, 14);
	assert_base(&rs, NFPROTO_IPV6, "filter", "INPUT", HOOK_INPUT, 0, NF_DROP);
	assert_base(&rs, NFPROTO_IPV6, "nat", "POSTROUTING", HOOK_POSTROUTING, 100, NF_ACCEPT);
	assert_base(&rs, NFPROTO_IPV6, "raw", "PREROUTING", HOOK_PREROUTING, -300, NF_ACCEPT);
	assert_string_equal(text_at(&rs, NFPROTO_IPV6, "nat", "PREROUTING", 1),
		"-p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd00:97::2]:80");
	assert_string_equal(text_at(&rs, NFPROTO_IPV6, "nat", "POSTROUTING", 1),
		"-o eth1 -j SNAT --to-source fd00:1::1 --random --persistent");
	assert_string_equal(text_at(&rs, NFPROTO_IPV6, "filter", "INPUT", 7),
		"-p udp -j REJECT --reject-with icmp6-adm-prohibited");
	assert_string_equal(text_at(&rs, NFPROTO_IPV6, "filter", "INPUT", 6),
		"-p udp -m limit --limit 10/min -j LOG --log-prefix \"v6 udp: \"");
	assert_string_equal(text_at(&rs, NFPROTO_IPV6, "raw", "PREROUTING", 1),
		"-p ipv6-icmp -m icmp6 --icmpv6-type 128 -j TRACE");
	assert_string_equal(text_at(&rs, NFPROTO_IPV6, "filter", "OUTPUT", 1),
		"-j CONNMARK --set-xmark 0x2/0xff");
	ruleset_clear(&rs);
}

static void test_legacy_ip6(void **state)
{
	(void)state;
	check_ip6("xt_legacy_ip6.save");
}

static void test_nft_ip6(void **state)
{
	(void)state;
	check_ip6("xt_nft_ip6.save");
}

/* Both families in one ruleset, as rules_xt_refresh() builds it. */
static void test_both_families(void **state)
{
	struct ruleset rs;

	(void)state;
	ruleset_init(&rs);
	parse_file("xt_legacy_ip.save", NFPROTO_IPV4, &rs);
	parse_file("xt_legacy_ip6.save", NFPROTO_IPV6, &rs);
	assert_int_equal(rs.nrules, 25 + 14);
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "filter", "ALLOW-IN", 2), "-j RETURN");
	assert_null(ruleset_rule_by_pos(&rs, NFPROTO_IPV6, "filter", "ALLOW-IN", 2));
	assert_string_equal(text_at(&rs, NFPROTO_IPV6, "filter", "ALLOW-IN", 1),
			    "-p tcp -m tcp --dport 22 -j ACCEPT");
	ruleset_clear(&rs);
}

/* Tables iptables-nft cannot show are native nft: not in the snapshot,
 * not even the part of a table it lists after "contains incompatible
 * base-chains" (its INPUT there is not the kernel's INPUT). */
static void test_incompatible(void **state)
{
	struct ruleset rs;

	(void)state;
	ruleset_init(&rs);
	parse_file("xt_nft_incompatible.save", NFPROTO_IPV4, &rs);
	assert_int_equal(rs.nrules, 1);
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "mangle", "PREROUTING", 1),
			    "-s 10.0.0.0/8 -j MARK --set-xmark 0x1/0xffffffff");
	assert_null(ruleset_chain(&rs, NFPROTO_IPV4, "filter", "FORWARD"));
	assert_null(ruleset_chain(&rs, NFPROTO_IPV4, "nat", "PREROUTING"));
	ruleset_clear(&rs);
}

static void test_odd_input(void **state)
{
	struct ruleset rs;

	(void)state;
	ruleset_init(&rs);
	assert_int_equal(rules_xt_parse("", NFPROTO_IPV4, &rs), 0);
	assert_int_equal(rs.nchains, 0);
	assert_int_equal(rules_xt_parse(
		"garbage before a table\r\n"
		"-A INPUT -j ACCEPT\n"			/* outside a table */
		"*filter\r\n"
		":INPUT ACCEPT [12:3456]\r\n"
		":weird.chain-name_1 - [0:0]\n"
		"-A INPUT\n"				/* a rule with no matches */
		"-A NOPE -j DROP\n"			/* undeclared chain */
		"-A weird.chain-name_1 -j RETURN\r\n"
		"-A INPUT -j weird.chain-name_1\n"
		"COMMIT\n"
		"-A INPUT -j DROP\n"			/* after COMMIT */
		"*raw\n:OUTPUT DROP [0:0]\n-A OUTPUT -j CT --notrack", /* no newline */
		NFPROTO_IPV4, &rs), 0);
	assert_int_equal(rs.nrules, 4);
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "filter", "INPUT", 1), "");
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "filter", "INPUT", 2),
			    "-j weird.chain-name_1");
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "filter", "weird.chain-name_1", 1),
			    "-j RETURN");
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "raw", "OUTPUT", 1), "-j CT --notrack");
	assert_base(&rs, NFPROTO_IPV4, "raw", "OUTPUT", HOOK_OUTPUT, -300, NF_DROP);
	/* a user chain named like a hook is still a user chain */
	ruleset_clear(&rs);
	assert_int_equal(rules_xt_parse("*filter\n:PREROUTING - [0:0]\nCOMMIT\n",
					NFPROTO_IPV4, &rs), 0);
	assert_base(&rs, NFPROTO_IPV4, "filter", "PREROUTING", HOOK_NONE, 0, NF_ACCEPT);
	ruleset_clear(&rs);
}

/* kube-proxy sized: thousands of chains, rules not grouped by chain. */
/* A comment may hold a newline, and after it a whole fake rule line:
 * iptables-save quotes it, and the quoted newline belongs to the rule.
 * Every later position keeps its own text. */
static void test_newline_in_comment(void **state)
{
	static const char text[] =
		"*filter\n"
		":INPUT ACCEPT [0:0]\n"
		"-A INPUT -p tcp -m comment --comment \"a\n-A INPUT -j ACCEPT\" -j DROP\n"
		"-A INPUT -p udp -m comment --comment \"q\\\"\n\\\\\" -j DROP\n"
		"-A INPUT -i a\"b -j LOG --log-prefix \"x \"\n"
		"-A INPUT -p icmp -j ACCEPT\n"
		"COMMIT\n";
	struct ruleset rs;
	const struct rs_rule *r;

	(void)state;
	ruleset_init(&rs);
	assert_int_equal(rules_xt_parse(text, NFPROTO_IPV4, &rs), 0);
	assert_int_equal(ruleset_chain(&rs, NFPROTO_IPV4, "filter", "INPUT")->nrules, 4);
	r = ruleset_rule_by_pos(&rs, NFPROTO_IPV4, "filter", "INPUT", 1);
	assert_string_equal(r->text,
			    "-p tcp -m comment --comment \"a\n-A INPUT -j ACCEPT\" -j DROP");
	r = ruleset_rule_by_pos(&rs, NFPROTO_IPV4, "filter", "INPUT", 2);
	assert_string_equal(r->text, "-p udp -m comment --comment \"q\\\"\n\\\\\" -j DROP");
	r = ruleset_rule_by_pos(&rs, NFPROTO_IPV4, "filter", "INPUT", 3);
	assert_string_equal(r->text, "-i a\"b -j LOG --log-prefix \"x \"");
	r = ruleset_rule_by_pos(&rs, NFPROTO_IPV4, "filter", "INPUT", 4);
	assert_string_equal(r->text, "-p icmp -j ACCEPT");
	ruleset_clear(&rs);
}

static void test_many_chains(void **state)
{
	const unsigned int nchains = 3000;
	size_t cap = 1 << 20, len = 0;
	char *text = malloc(cap);
	struct ruleset rs;
	unsigned int i;
	char want[64];

	(void)state;
	assert_non_null(text);
	len += (size_t)sprintf(text + len, "*nat\n:PREROUTING ACCEPT [0:0]\n");
	for (i = 0; i < nchains; i++)
		len += (size_t)sprintf(text + len, ":KUBE-SEP-%05u - [0:0]\n", i);
	for (i = 0; i < 2 * nchains; i++)
		len += (size_t)sprintf(text + len, "-A KUBE-SEP-%05u -j DNAT --to-destination 10.0.%u.%u:80\n",
				       (i * 7) % nchains, i / 256, i % 256);
	len += (size_t)sprintf(text + len, "COMMIT\n");
	assert_true(len < cap);
	ruleset_init(&rs);
	assert_int_equal(rules_xt_parse(text, NFPROTO_IPV4, &rs), 0);
	assert_int_equal(rs.nchains, nchains + 1);
	assert_int_equal(rs.nrules, 2 * nchains);
	/* rule i lands in chain (7 i) mod n; chain 7 gets rules 1 and 3001 */
	assert_int_equal(chain(&rs, NFPROTO_IPV4, "nat", "KUBE-SEP-00007")->nrules, 2);
	snprintf(want, sizeof(want), "-j DNAT --to-destination 10.0.%u.%u:80",
		 (nchains + 1) / 256, (nchains + 1) % 256);
	assert_string_equal(text_at(&rs, NFPROTO_IPV4, "nat", "KUBE-SEP-00007", 2), want);
	ruleset_clear(&rs);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_ip),
		cmocka_unit_test(test_nft_ip),
		cmocka_unit_test(test_legacy_ip6),
		cmocka_unit_test(test_nft_ip6),
		cmocka_unit_test(test_both_families),
		cmocka_unit_test(test_incompatible),
		cmocka_unit_test(test_odd_input),
		cmocka_unit_test(test_newline_in_comment),
		cmocka_unit_test(test_many_chains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
