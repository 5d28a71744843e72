/* The text backend's step lines, the change and fate lines (out.c),
 * and verdict_name. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "fixture.h"
#include "out_text.h"
#include "story.h"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

static void test_verdict_name(void **state)
{
	(void)state;
	assert_string_equal(verdict_name(NF_DROP), "DROP");
	assert_string_equal(verdict_name(NF_ACCEPT), "ACCEPT");
	assert_string_equal(verdict_name(NF_STOLEN), "STOLEN");
	assert_string_equal(verdict_name(NF_QUEUE), "QUEUE");
	assert_string_equal(verdict_name(NF_REPEAT), "REPEAT");
	assert_string_equal(verdict_name(NFT_CONTINUE), "continue");
	assert_string_equal(verdict_name(NFT_BREAK), "break");
	assert_string_equal(verdict_name(NFT_JUMP), "jump");
	assert_string_equal(verdict_name(NFT_GOTO), "goto");
	assert_string_equal(verdict_name(NFT_RETURN), "return");
	/* queue 5: the number rides in the upper 16 bits */
	assert_string_equal(verdict_name(5 << 16 | NF_QUEUE), "QUEUE");
	assert_string_equal(verdict_name(99), "?");
	assert_string_equal(verdict_name(-99), "?");
	/* the text output's colours, and the verdicts a chain name follows */
	assert_int_equal(verdict_lookup(NF_ACCEPT)->color, NC_GREEN);
	assert_int_equal(verdict_lookup(NF_DROP)->color, NC_RED);
	assert_int_equal(verdict_lookup(NFT_JUMP)->color, NC_BLUE);
	assert_int_equal(verdict_lookup(5 << 16 | NF_QUEUE)->color, NC_NONE);
	assert_true(verdict_lookup(NFT_GOTO)->takes_target);
	assert_false(verdict_lookup(NFT_RETURN)->takes_target);
}

static struct story_step step(enum step_kind kind, const struct trace_event *ev,
			      const char *table, unsigned int pos, const char *text,
			      int32_t verdict)
{
	struct story_step st;

	memset(&st, 0, sizeof(st));
	st.kind = kind;
	story_step_set_event(&st, ev);
	st.table = (char *)table;
	st.pos = pos;
	st.text = (char *)text;
	st.verdict = verdict;
	st.target = ev->jump_target[0] ? (char *)ev->jump_target : NULL;
	return st;
}

static void assert_step(const struct story_step *st, bool verbose,
			const char *want)
{
	char *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);

	assert_non_null(f);
	out_text_step(f, st, verbose);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(got, want);
	free(got);
}

static void assert_change(const struct story_change *c, const char *want)
{
	char *got = out_change_line(c);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void assert_fate(const struct story *s, unsigned int quiet_ms,
			const char *want)
{
	char *got = out_fate_line(s, quiet_ms);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* The step line is written piece by piece: every piece that came from
 * the namespace (table, chain, rule text, jump target) is escaped; what
 * is ours is not. */
static void test_step_names_escaped(void **state)
{
	struct trace_event ev;
	struct story_step st;

	(void)state;
	fixture_event("nft-tcp-syn-jump.nlmsg", &ev);
	st = step(STEP_RULE, &ev, "inet f\x1b[2Jx", 4, "tcp dport 5555 jump \x07t",
		  ev.verdict);
	st.chain = "in\xc2\x9bput";
	st.target = "t\x1b]0;x";
	assert_step(&st, false, "inet f\\x1b[2Jx in\\xc2\\x9bput (#4) "
		    "tcp dport 5555 jump \\x07t => jump t\\x1b]0;x");
	st.kind = STEP_POLICY;
	st.verdict = 0;
	assert_step(&st, false, "inet f\\x1b[2Jx in\\xc2\\x9bput DROP");
	st.kind = STEP_RETURN;
	assert_step(&st, false, "inet f\\x1b[2Jx in\\xc2\\x9bput return");
}

/* Rule steps from the captured events, with the positions and texts
 * their handles have in nft-list-inet-fx.txt. */
static void test_rule_steps(void **state)
{
	struct trace_event ev;
	struct story_step st;

	(void)state;
	fixture_event("nft-ip4-icmp-echo-accept.nlmsg", &ev);
	st = step(STEP_RULE, &ev, "inet fx", 2, "icmp type echo-request accept",
		  ev.verdict);
	assert_step(&st, false,
		    "inet fx input (#2) icmp type echo-request accept => ACCEPT");
	assert_step(&st, true, "inet fx input (#2) icmp type echo-request accept"
		    " => ACCEPT [handle 11 verdict 1]");

	fixture_event("nft-tcp-syn-jump.nlmsg", &ev);
	st = step(STEP_RULE, &ev, "inet fx", 4, "tcp dport 5555 jump tcpchk",
		  ev.verdict);
	assert_step(&st, false,
		    "inet fx input (#4) tcp dport 5555 jump tcpchk => jump tcpchk");

	fixture_event("nft-tcp-ack-return.nlmsg", &ev);
	st = step(STEP_RULE, &ev, "inet fx", 2, "tcp flags ack return", ev.verdict);
	assert_step(&st, false, "inet fx tcpchk (#2) tcp flags ack return => return");

	fixture_event("nft-tcp-syn-counter-continue.nlmsg", &ev);
	st = step(STEP_RULE, &ev, "inet fx", 1, "tcp flags syn counter", ev.verdict);
	assert_step(&st, false, "inet fx tcpchk (#1) tcp flags syn counter => continue");

	/* iptables-nft: the plain table name, the position not the handle */
	fixture_event("nft-iptables-nft-input-accept.nlmsg", &ev);
	st = step(STEP_RULE, &ev, "filter", 4, "udp dport 7779 counter accept",
		  ev.verdict);
	assert_step(&st, false,
		    "filter INPUT (#4) udp dport 7779 counter accept => ACCEPT");
	/* the rule is gone from the ruleset: say so, with the handle */
	st.pos = 0;
	st.text = NULL;
	assert_step(&st, false, "filter INPUT (handle 9, no longer in the ruleset)"
		    " => ACCEPT");
	/* a position without text */
	st.pos = 4;
	assert_step(&st, false, "filter INPUT (#4) (rule text unavailable) => ACCEPT");

	/* legacy (x_tables) steps say so; text from a snapshot that could
	 * not be checked after the packet says that too */
	ev.source = EV_SRC_XT;
	st = step(STEP_RULE, &ev, "filter", 1, "-p udp -j ACCEPT", NF_ACCEPT);
	assert_step(&st, false, "legacy filter INPUT (#1) -p udp -j ACCEPT => ACCEPT");
	st.stale = true;
	assert_step(&st, false, "legacy filter INPUT (#1) -p udp -j ACCEPT"
		    " (text may be stale) => ACCEPT");
	st = step(STEP_POLICY, &ev, "filter", 0, NULL, NF_DROP);
	assert_step(&st, false, "legacy filter INPUT DROP");
}

static void test_goto_and_bare_jump(void **state)
{
	struct trace_event ev;
	struct story_step st;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.chain, sizeof(ev.chain), "input");
	snprintf(ev.jump_target, sizeof(ev.jump_target), "web");
	ev.handle = 17;
	ev.has = EV_HAS_HANDLE | EV_HAS_VERDICT;
	st = step(STEP_RULE, &ev, "inet parse", 5, "goto web", NFT_GOTO);
	assert_step(&st, false, "inet parse input (#5) goto web => goto web");
	/* a jump whose target is unknown prints the verdict alone */
	st.verdict = NFT_JUMP;
	st.target = NULL;
	assert_step(&st, false, "inet parse input (#5) goto web => jump");
	/* verbose needs a handle */
	st.has_handle = false;
	assert_step(&st, true, "inet parse input (#5) goto web => jump");
}

static void test_policy_and_return_steps(void **state)
{
	struct trace_event ev;
	struct story_step st;

	(void)state;
	fixture_event("nft-policy-drop-input.nlmsg", &ev);
	st = step(STEP_POLICY, &ev, "inet fx", 0, NULL, (int32_t)ev.policy);
	assert_step(&st, false, "inet fx input DROP");
	assert_step(&st, true, "inet fx input DROP");

	fixture_event("nft-policy-accept-prerouting.nlmsg", &ev);
	st = step(STEP_POLICY, &ev, "inet fx", 0, NULL, (int32_t)ev.policy);
	assert_step(&st, false, "inet fx pre ACCEPT");

	fixture_event("nft-user-chain-end-continue.nlmsg", &ev);
	st = step(STEP_RETURN, &ev, "inet fx", 0, NULL, ev.verdict);
	assert_step(&st, false, "inet fx tcpchk return");

	/* a packet step is not a line of its own */
	st.kind = STEP_PACKET;
	assert_step(&st, false, "");
}

/* No line is cut, whatever the length of the rule (7.6 KB was seen):
 * the verdict at its end stays. */
static void test_long_rule_not_cut(void **state)
{
	struct trace_event ev;
	struct story_step st;
	char *text = malloc(9001), *want;

	(void)state;
	assert_non_null(text);
	memset(text, 'x', 9000);
	text[9000] = '\0';
	fixture_event("nft-ip4-icmp-echo-accept.nlmsg", &ev);
	st = step(STEP_RULE, &ev, "inet fx", 2, text, ev.verdict);
	assert_true(asprintf(&want, "inet fx input (#2) %s => ACCEPT", text) > 0);
	assert_step(&st, false, want);
	free(want);
	free(text);
}

static void test_change_lines(void **state)
{
	struct trace_event ev;
	struct story_step by;
	struct story_change c;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.chain, sizeof(ev.chain), "PREROUTING");
	by = step(STEP_RULE, &ev, "nat", 1, "-j DNAT", NF_ACCEPT);
	memset(&c, 0, sizeof(c));
	c.by = &by;
	snprintf(c.what, sizeof(c.what), "DNAT");
	snprintf(c.field, sizeof(c.field), "DST");
	snprintf(c.from, sizeof(c.from), "198.51.100.10");
	snprintf(c.to, sizeof(c.to), "10.99.2.2");
	c.note = "";
	/* a field without endpoint text: TTL, TOS */
	assert_change(&c, "DNAT by nat PREROUTING (#1): DST 198.51.100.10 -> 10.99.2.2");
	/* address and port together, on one line */
	snprintf(c.ep_from, sizeof(c.ep_from), "203.0.113.1:2222");
	snprintf(c.ep_to, sizeof(c.ep_to), "10.77.2.20:22");
	assert_change(&c, "DNAT by nat PREROUTING (#1): 203.0.113.1:2222 -> 10.77.2.20:22");
	c.by = NULL;
	c.note = " (reply of a NATed connection)";
	assert_change(&c, "DNAT by conntrack (reply of a NATed connection): "
			    "203.0.113.1:2222 -> 10.77.2.20:22");
}

static void test_fate_lines(void **state)
{
	struct trace_event drop_ev, rule_ev;
	struct story_step pol, rule;
	struct story s;

	(void)state;
	fixture_event("nft-policy-drop-input.nlmsg", &drop_ev);
	fixture_event("nft-iptables-nft-input-accept.nlmsg", &rule_ev);
	pol = step(STEP_POLICY, &drop_ev, "inet fx", 0, NULL, NF_DROP);
	rule = step(STEP_RULE, &rule_ev, "filter", 4, "udp dport 7779 counter accept",
		    NF_ACCEPT);
	memset(&s, 0, sizeof(s));

	s.fate.kind = FATE_DROP;
	s.fate.by = &pol;
	assert_fate(&s, 1000, "=> DROP by policy of inet fx input");

	s.fate.kind = FATE_REJECT;
	s.fate.by = &rule;
	assert_fate(&s, 1000, "=> REJECT by filter INPUT (#4) udp dport 7779 "
			    "counter accept");

	s.fate.kind = FATE_LOCAL;
	assert_fate(&s, 1000, "=> ACCEPT, delivered locally");

	s.fate.kind = FATE_FORWARDED;
	snprintf(s.fate.out, sizeof(s.fate.out), "veth1");
	assert_fate(&s, 1000, "=> ACCEPT, forwarded out veth1");
	s.fate.out[0] = '\0';
	assert_fate(&s, 1000, "=> ACCEPT, forwarded");

	s.fate.kind = FATE_ACCEPTED;
	assert_fate(&s, 1000, "=> ACCEPT by filter INPUT; no later chain saw the packet");

	s.fate.kind = FATE_UNKNOWN;
	assert_fate(&s, 250, "=> fate unknown: no verdict followed filter INPUT "
			    "within 250 ms");
	s.fate.by = NULL;
	assert_fate(&s, 250, "=> fate unknown: no verdict followed ? ? within 250 ms");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_name),
		cmocka_unit_test(test_rule_steps),
		cmocka_unit_test(test_step_names_escaped),
		cmocka_unit_test(test_goto_and_bare_jump),
		cmocka_unit_test(test_policy_and_return_steps),
		cmocka_unit_test(test_long_rule_not_cut),
		cmocka_unit_test(test_change_lines),
		cmocka_unit_test(test_fate_lines),
	};

	return cmocka_run_group_tests_name("out_text", tests, NULL, NULL);
}
