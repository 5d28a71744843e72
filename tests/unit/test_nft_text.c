/* nft_text_split on real `nft -a -s -y list table` output (nft 1.0.6)
 * and on listings an attacker shaped: the chains and rule handles are
 * what the kernel's objects say, the text is cut only where provable. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixture.h"
#include "nft_text.h"

#define NO_BIND	{ -1, -1, -1, -1, -1, -1, -1, -1 }

struct chain_spec {
	uint64_t handle;
	const char *comment;
	bool base, bound;
	uint64_t rules[8];
	unsigned int nrules;
	int binds[8];
	char *texts[8];
};

static void split(const char *text, struct chain_spec *cs, unsigned int n)
{
	struct nft_text_chain tc[8];
	unsigned int i;

	assert_true(n <= 8);
	memset(tc, 0, sizeof(tc));
	for (i = 0; i < n; i++) {
		memset(cs[i].texts, 0, sizeof(cs[i].texts));
		tc[i] = (struct nft_text_chain){
			.handle = cs[i].handle, .comment = cs[i].comment,
			.base = cs[i].base, .bound = cs[i].bound,
			.rules = cs[i].rules, .nrules = cs[i].nrules,
			.binds = cs[i].binds, .texts = cs[i].texts,
		};
	}
	assert_int_equal(nft_text_split(text, strlen(text), tc, n), 0);
}

static void split_fixture(const char *name, struct chain_spec *cs, unsigned int n)
{
	char *text = fixture_read(name, NULL);

	split(text, cs, n);
	free(text);
}

static void expect(struct chain_spec *c, unsigned int pos, const char *text)
{
	char *got = c->texts[pos - 1];

	if (!text)
		assert_null(got);
	else
		assert_string_equal(got, text);
}

static void free_specs(struct chain_spec *cs, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < 8; j++)
			free(cs[i].texts[j]);
}

static void test_inet_fx(void **state)
{
	struct chain_spec cs[] = {
		{ .handle = 1, .base = true, .rules = { 4, 5 }, .nrules = 2, .binds = NO_BIND },
		{ .handle = 2, .rules = { 6, 7, 8 }, .nrules = 3, .binds = NO_BIND },
		{ .handle = 3, .base = true, .rules = { 10, 11, 12, 13, 14, 16, 17 },
		  .nrules = 7, .binds = NO_BIND },
	};

	(void)state;
	split_fixture("nft-list-inet-fx.txt", cs, 3);
	expect(&cs[0], 1, "meta nftrace set 1");
	expect(&cs[0], 2, "udp dport 7777 meta mark set 0x0000002a");
	expect(&cs[1], 1, "tcp flags syn counter");
	expect(&cs[1], 2, "tcp flags ack return");
	expect(&cs[1], 3, "ip saddr 10.99.0.99 drop");
	expect(&cs[2], 1, "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept");
	expect(&cs[2], 4, "tcp dport 5555 jump tcpchk");
	expect(&cs[2], 6, "udp dport { 7777, 7779 } accept");
	expect(&cs[2], 7, "ct state established,related accept");
	free_specs(cs, 3);
}

static void test_iptables_nft(void **state)
{
	struct chain_spec cs[] = {
		{ .handle = 1, .base = true, .binds = NO_BIND },
		{ .handle = 2, .rules = { 3, 4 }, .nrules = 2, .binds = NO_BIND },
		{ .handle = 5, .base = true, .rules = { 6, 7, 8, 9 }, .nrules = 4,
		  .binds = NO_BIND },
	};

	(void)state;
	split_fixture("nft-list-ip-filter-iptables-nft.txt", cs, 3);
	expect(&cs[1], 1, "ip saddr 10.0.0.0/8 counter accept");
	expect(&cs[1], 2, "counter return");
	expect(&cs[2], 1, "tcp dport 9 counter drop");
	/* nft 1.0.6 prints the xt comment match as nothing: two spaces */
	expect(&cs[2], 2, "tcp dport 22  counter jump ssh-in");
	expect(&cs[2], 4, "udp dport 7779 counter accept");
	free_specs(cs, 3);
}

/* Sets and maps with elements over several lines, braces in comments. */
static void test_sets_and_braces(void **state)
{
	struct chain_spec cs[] = {
		{ .handle = 1, .rules = { 8, 9 }, .nrules = 2, .binds = NO_BIND },
		{ .handle = 3, .base = true, .rules = { 13, 14, 15, 16, 17 },
		  .nrules = 5, .binds = NO_BIND },
		{ .handle = 4, .base = true, .rules = { 18 }, .nrules = 1,
		  .binds = NO_BIND },
	};

	(void)state;
	split_fixture("nft-list-inet-parse.txt", cs, 3);
	expect(&cs[0], 1, "counter comment \"weird { brace\"");
	expect(&cs[0], 2, "ip saddr @blocked4 drop comment \"close } brace {{\"");
	expect(&cs[1], 2, "iifname \"lo\" accept comment \"loopback } is fine\"");
	expect(&cs[1], 3, "tcp dport vmap @portmap");
	expect(&cs[1], 5, "goto web");
	expect(&cs[2], 1, "tcp dport 8080 dnat ip to 10.0.0.1:80");
	free_specs(cs, 3);
}

/* A chain comment is a line of its own before the type line; the
 * kernel tells us its bytes, so even one with a newline is skipped. */
static void test_chain_comment(void **state)
{
	static const char text[] =
		"table ip t { # handle 2\n"
		"\tchain c { # handle 1\n"
		"\t\tcomment \"two\n\t\tcounter # handle 9\"\n"
		"\t\ttype filter hook input priority 0; policy accept;\n"
		"\t\tcounter accept # handle 5\n"
		"\t}\n"
		"}\n";
	struct chain_spec cs[] = {
		{ .handle = 1, .comment = "two\n\t\tcounter # handle 9", .base = true,
		  .rules = { 5 }, .nrules = 1, .binds = NO_BIND },
	};

	(void)state;
	split(text, cs, 1);
	expect(&cs[0], 1, "counter accept");
	free_specs(cs, 1);
}

/* A comment holding " # handle 3" does not give its rule handle 3's
 * identity, and "\"{" does not lose the rest of the chain. */
static void test_comment_spoofing(void **state)
{
	static const char text[] =
		"table inet t { # handle 1\n"
		"\tchain c { # handle 1\n"
		"\t\ttype filter hook input priority 0; policy accept;\n"
		"\t\ttcp dport 22 accept # handle 3\n"
		"\t\tudp dport 53 drop comment \"x # handle 3\" # handle 4\n"
		"\t\tcounter comment \"a\\\"{\" # handle 5\n"
		"\t\ticmp type echo-request accept # handle 6\n"
		"\t}\n"
		"}\n";
	struct chain_spec cs[] = {
		{ .handle = 1, .base = true, .rules = { 3, 4, 5, 6 }, .nrules = 4,
		  .binds = NO_BIND },
	};

	(void)state;
	split(text, cs, 1);
	expect(&cs[0], 1, "tcp dport 22 accept");
	expect(&cs[0], 2, "udp dport 53 drop comment \"x # handle 3\"");
	expect(&cs[0], 3, "counter comment \"a\\\"{\"");
	expect(&cs[0], 4, "icmp type echo-request accept");
	free_specs(cs, 1);
}

/* A comment that forges a whole terminator line, newline included: the
 * forged handle occurs twice, so that rule gets no text at all rather
 * than someone else's; the forging rule's text keeps its newline. */
static void test_forged_terminator(void **state)
{
	static const char text[] =
		"table inet t { # handle 1\n"
		"\tchain c { # handle 1\n"
		"\t\tudp dport 53 comment \"a # handle 7\n\t\tdrop\" # handle 6\n"
		"\t\ttcp dport 22 accept # handle 7\n"
		"\t\tcounter # handle 8\n"
		"\t}\n"
		"}\n";
	struct chain_spec cs[] = {
		{ .handle = 1, .rules = { 6, 7, 8 }, .nrules = 3, .binds = NO_BIND },
	};

	(void)state;
	split(text, cs, 1);
	expect(&cs[0], 1, "udp dport 53 comment \"a # handle 7\n\t\tdrop\"");
	expect(&cs[0], 2, NULL);
	expect(&cs[0], 3, "counter");
	free_specs(cs, 1);
}

/* jump { ... }: the bound chain's rules have no handles in the listing;
 * they are its lines when the count fits, and the binding rule reads as
 * one line. Later rules keep their positions. */
static void test_anonymous_chain(void **state)
{
	static const char text[] =
		"table ip t { # handle 2\n"
		"\tchain c { # handle 1\n"
		"\t\tcomment \"chain comment\"\n"
		"\t\ttype filter hook input priority 0; policy accept;\n"
		"\t\tip saddr 1.2.3.4 jump {\n"
		"\t\t\ttcp dport 22 accept\n"
		"\t\t\tudp dport 53 accept comment \"x # handle 3\"\n"
		"\t\t} # handle 7\n"
		"\t\ttcp dport 80 accept comment \"a{\" # handle 8\n"
		"\t\tip saddr 1.2.3.5 jump {\n"
		"\t\t} # handle 10\n"
		"\t}\n"
		"}\n";
	struct chain_spec cs[] = {
		{ .handle = 1, .comment = "chain comment", .base = true,
		  .rules = { 7, 8, 10 }, .nrules = 3,
		  .binds = { 1, -1, 2, -1, -1, -1, -1, -1 } },
		{ .handle = 4, .bound = true, .rules = { 5, 6 }, .nrules = 2,
		  .binds = NO_BIND },
		{ .handle = 9, .bound = true, .binds = NO_BIND },
	};

	(void)state;
	split(text, cs, 3);
	expect(&cs[0], 1, "ip saddr 1.2.3.4 jump { tcp dport 22 accept; "
			  "udp dport 53 accept comment \"x # handle 3\" }");
	expect(&cs[0], 2, "tcp dport 80 accept comment \"a{\"");
	expect(&cs[0], 3, "ip saddr 1.2.3.5 jump { }");
	expect(&cs[1], 1, "tcp dport 22 accept");
	expect(&cs[1], 2, "udp dport 53 accept comment \"x # handle 3\"");
	free_specs(cs, 3);
}

/* The kernel knows three rules in the bound chain, the listing shows
 * two lines (one rule's comment holds a newline): no inner text is
 * guessed. */
static void test_anonymous_chain_mismatch(void **state)
{
	static const char text[] =
		"table ip t { # handle 2\n"
		"\tchain c { # handle 1\n"
		"\t\tjump {\n"
		"\t\t\taccept comment \"a\n"
		"\t\t\tb\"\n"
		"\t\t} # handle 7\n"
		"\t}\n"
		"}\n";
	struct chain_spec cs[] = {
		{ .handle = 1, .rules = { 7 }, .nrules = 1,
		  .binds = { 1, -1, -1, -1, -1, -1, -1, -1 } },
		{ .handle = 4, .bound = true, .rules = { 5 }, .nrules = 1,
		  .binds = NO_BIND },
	};

	(void)state;
	split(text, cs, 2);
	expect(&cs[0], 1, "jump { ... }");
	expect(&cs[1], 1, NULL);
	free_specs(cs, 2);
}

/* A chain the listing does not have (deleted meanwhile) stays empty. */
static void test_missing_chain(void **state)
{
	struct chain_spec cs[] = {
		{ .handle = 42, .rules = { 43 }, .nrules = 1, .binds = NO_BIND },
	};

	(void)state;
	split("", cs, 1);
	expect(&cs[0], 1, NULL);
	split("table ip t { # handle 1\n}\n", cs, 1);
	expect(&cs[0], 1, NULL);
}

static void test_plain_names(void **state)
{
	(void)state;
	assert_true(nft_text_plain_name("filter"));
	assert_true(nft_text_plain_name("KUBE-SVC-ABC_1.x/y"));
	assert_true(nft_text_plain_name("_x"));
	assert_false(nft_text_plain_name(""));
	assert_false(nft_text_plain_name("1abc"));
	assert_false(nft_text_plain_name("x;flush table ip victim"));
	assert_false(nft_text_plain_name("x\nflush ruleset"));
	assert_false(nft_text_plain_name("x\"y"));
	assert_false(nft_text_plain_name("x{"));
	assert_false(nft_text_plain_name("a#b"));
	assert_false(nft_text_plain_name("a b"));
	assert_false(nft_text_plain_name("$var"));
	assert_false(nft_text_plain_name("@set"));
	assert_false(nft_text_plain_name("x\033[2J"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inet_fx),
		cmocka_unit_test(test_iptables_nft),
		cmocka_unit_test(test_sets_and_braces),
		cmocka_unit_test(test_chain_comment),
		cmocka_unit_test(test_comment_spoofing),
		cmocka_unit_test(test_forged_terminator),
		cmocka_unit_test(test_anonymous_chain),
		cmocka_unit_test(test_anonymous_chain_mismatch),
		cmocka_unit_test(test_missing_chain),
		cmocka_unit_test(test_plain_names),
	};

	return cmocka_run_group_tests_name("nft_text", tests, NULL, NULL);
}
