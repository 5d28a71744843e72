/* The notes scanner of the probe copy (src/probe_notes.c): which rules
 * use state a copy cannot have. The nft cases are real `nft -j` rule
 * expressions (nft 1.0.6, Debian 12); the iptables cases real save
 * lines. Quoted words (comments, log prefixes) must never count. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter.h>

#include "probe_notes.h"

/* what probe_notes_nft_rule finds in one rule's expr, "" for nothing */
static const char *nft_uses(const char *expr_json, char *buf, size_t size)
{
	json_error_t e;
	json_t *expr = json_loads(expr_json, 0, &e);

	assert_non_null(expr);
	if (!probe_notes_nft_rule(expr, buf, size))
		buf[0] = '\0';
	json_decref(expr);
	return buf;
}

static void nft_stateful(void **state)
{
	static const struct { const char *expr, *uses; } cases[] = {
		{ "[{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"tcp\","
		  "\"field\":\"dport\"}},\"right\":22}},{\"limit\":{\"rate\":5,\"burst\":5,"
		  "\"per\":\"second\"}},{\"accept\":null}]", "limit" },
		{ "[{\"set\":{\"op\":\"add\",\"elem\":{\"payload\":{\"protocol\":\"ip\","
		  "\"field\":\"saddr\"}},\"set\":\"@seen\"}}]", "add @seen" },
		{ "[{\"set\":{\"op\":\"update\",\"elem\":{\"payload\":{\"protocol\":\"ip\","
		  "\"field\":\"saddr\"}},\"set\":\"@seen\"}}]", "update @seen" },
		{ "[{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"skuid\"}},"
		  "\"right\":0}},{\"accept\":null}]", "meta skuid" },
		{ "[{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"cgroup\"}},"
		  "\"right\":5}},{\"accept\":null}]", "meta cgroup" },
		{ "[{\"match\":{\"op\":\"==\",\"left\":{\"ct\":{\"key\":\"helper\"}},"
		  "\"right\":\"ftp\"}},{\"accept\":null}]", "ct helper" },
		{ "[{\"ct count\":{\"val\":3,\"inv\":true}},{\"drop\":null}]", "ct count" },
		{ "[{\"quota\":{\"val\":10,\"val_unit\":\"mbytes\",\"inv\":true}},"
		  "{\"drop\":null}]", "quota" },
		{ "[{\"match\":{\"op\":\"==\",\"left\":{\"socket\":{\"key\":\"transparent\"}},"
		  "\"right\":1}},{\"accept\":null}]", "socket" },
		{ "[{\"match\":{\"op\":\"==\",\"left\":{\"numgen\":{\"mode\":\"inc\","
		  "\"mod\":2,\"offset\":0}},\"right\":0}},{\"accept\":null}]", "numgen inc" },
		/* an iptables-nft rule whose match nft cannot show natively */
		{ "[{\"xt\":{\"type\":\"match\",\"name\":\"recent\"}},{\"accept\":null}]",
		  "xt recent" },
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(nft_uses(cases[i].expr, buf, sizeof(buf)), cases[i].uses);
}

static void nft_stateless(void **state)
{
	static const char *const cases[] = {
		/* a counter is state too, but the copy's own count is what we show */
		"[{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"ip\","
		"\"field\":\"daddr\"}},\"right\":\"1.2.3.4\"}},{\"counter\":{\"packets\":0,"
		"\"bytes\":0}},{\"accept\":null}]",
		"[{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"mark\"}},"
		"\"right\":1}},{\"accept\":null}]",
		/* a set looked up, not written */
		"[{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"tcp\","
		"\"field\":\"dport\"}},\"right\":\"@ports\"}},{\"accept\":null}]",
		/* "limit" as a value, not as a statement */
		"[{\"match\":{\"op\":\"==\",\"left\":{\"ct\":{\"key\":\"state\"}},"
		"\"right\":\"limit\"}}]",
		"[{\"xt\":{\"type\":\"match\",\"name\":\"conntrack\"}}]",
		"[]",
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(nft_uses(cases[i], buf, sizeof(buf)), "");
	assert_false(probe_notes_nft_rule(NULL, buf, sizeof(buf)));
}

static void xt_rule(void **state)
{
	static const struct { const char *text, *uses; } cases[] = {
		{ "-p tcp -m tcp --dport 22 -m recent --set --name ssh --mask "
		  "255.255.255.255 --rsource -j ACCEPT", "-m recent" },
		{ "-p udp -m limit --limit 3/sec -j ACCEPT", "-m limit" },
		{ "-m hashlimit --hashlimit-upto 1/sec --hashlimit-name h -j ACCEPT",
		  "-m hashlimit" },
		{ "-m quota --quota 1000 -j ACCEPT", "-m quota" },
		{ "-p tcp -m connlimit --connlimit-above 3 -j REJECT", "-m connlimit" },
		{ "-m owner --uid-owner 0 -j ACCEPT", "-m owner" },
		{ "-m cgroup --cgroup 1 -j ACCEPT", "-m cgroup" },
		{ "-m socket -j ACCEPT", "-m socket" },
		{ "-p tcp -m tcp --dport 21 -j CT --helper ftp", "-j CT --helper" },
		{ "-j SET --add-set blocked src", "-j SET" },
		{ "-m statistic --mode nth --every 2 --packet 0 -j ACCEPT",
		  "-m statistic --mode nth" },
		/* the first of several */
		{ "-m limit --limit 1/s -m recent --rcheck -j DROP", "-m limit" },
		{ NULL, NULL },
	};
	static const char *const none[] = {
		"-s 10.0.0.0/8 -j ACCEPT",
		"-m comment --comment \"-m recent --set\" -j ACCEPT",
		"-m comment --comment \"a \\\"-m limit\\\" quote\" -j ACCEPT",
		"-j LOG --log-prefix \"-m owner \"",
		"-m comment --comment recent -j ACCEPT",
		"-m statistic --mode random --probability 0.5 -j ACCEPT",
		"-m set --match-set pcset src -j DROP",
		"",
	};
	size_t i;

	(void)state;
	for (i = 0; cases[i].text; i++) {
		const char *u = probe_notes_xt_rule(cases[i].text);

		assert_non_null(u);
		assert_string_equal(u, cases[i].uses);
	}
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		assert_null(probe_notes_xt_rule(none[i]));
}

struct lines {
	char text[8][160];
	int n;
};

static int collect(const char *line, void *arg)
{
	struct lines *l = arg;

	if (l->n >= 8)
		return -1;
	snprintf(l->text[l->n++], sizeof(l->text[0]), "%s", line);
	return 0;
}

static const char save[] =
	"# Generated by iptables-save v1.8.9 (nf_tables) on Wed Dec  2 00:00:00 2026\n"
	"*filter\n"
	":INPUT ACCEPT [0:0]\n"
	":FORWARD ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	"-A INPUT -s 10.0.0.0/8 -j ACCEPT\n"
	"-A INPUT -m comment --comment \"-m recent\" -j ACCEPT\n"
	"-A INPUT -p tcp -m recent --set --name x -j ACCEPT\n"
	"-A FORWARD -m limit --limit 3/sec -j ACCEPT\n"
	"COMMIT\n"
	"*nat\n"
	":PREROUTING ACCEPT [0:0]\n"
	":POSTROUTING ACCEPT [0:0]\n"
	"-A POSTROUTING -m owner --uid-owner 0 -j MASQUERADE\n"
	"COMMIT\n";

static void xt_scan(void **state)
{
	struct lines l = { .n = 0 };

	(void)state;
	assert_int_equal(probe_notes_xt_scan(save, NFPROTO_IPV4, false, collect, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.text[0], "note: filter INPUT (#3) uses -m recent; "
			    "its state is not copied");
	assert_string_equal(l.text[1], "note: filter FORWARD (#1) uses -m limit; "
			    "its state is not copied");
	assert_string_equal(l.text[2], "note: nat POSTROUTING (#1) uses -m owner; "
			    "its state is not copied");

	l.n = 0;
	assert_int_equal(probe_notes_xt_scan(save, NFPROTO_IPV4, true, collect, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.text[0], "note: legacy filter INPUT (#3) uses -m recent; "
			    "its state is not copied");
}

static int refuse(const char *line, void *arg)
{
	(void)line;
	++*(int *)arg;
	return -1;
}

/* the callback's -1 stops the scan at once */
static void xt_scan_stops(void **state)
{
	int calls = 0;

	(void)state;
	assert_int_equal(probe_notes_xt_scan(save, NFPROTO_IPV4, false, refuse, &calls), -1);
	assert_int_equal(calls, 1);
	calls = 0;
	assert_int_equal(probe_notes_xt_scan("", NFPROTO_IPV6, false, refuse, &calls), 0);
	assert_int_equal(calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nft_stateful),
		cmocka_unit_test(nft_stateless),
		cmocka_unit_test(xt_rule),
		cmocka_unit_test(xt_scan),
		cmocka_unit_test(xt_scan_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
