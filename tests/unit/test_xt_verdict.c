/* What a legacy rule's text says its verdict is (xt_verdict.c
 * xt_rule_verdict): legacy TRACE events name a rule by position, and
 * its verdict is read from the iptables-save text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "event.h"
#include "xt_verdict.h"

static void test_targets_give_their_verdicts(void **state)
{
	char t[64];

	(void)state;
	assert_int_equal(xt_rule_verdict("-p tcp -j ACCEPT", t, sizeof(t)), EV_V_ACCEPT);
	assert_int_equal(xt_rule_verdict("-j DROP", t, sizeof(t)), EV_V_DROP);
	assert_int_equal(xt_rule_verdict("-p tcp -j REJECT --reject-with tcp-reset", t, sizeof(t)),
			 EV_V_DROP);
	assert_int_equal(xt_rule_verdict("-j RETURN", t, sizeof(t)), EV_V_RETURN);
	assert_int_equal(xt_rule_verdict("-j NFQUEUE --queue-num 3", t, sizeof(t)), EV_V_QUEUE);
	assert_int_equal(xt_rule_verdict("-p udp -j DNAT --to-destination 10.0.0.1:53", t, sizeof(t)),
			 EV_V_ACCEPT);
	assert_int_equal(xt_rule_verdict("-d 10.0.0.0/8 -m comment --comment x", t, sizeof(t)),
			 EV_V_CONTINUE);
	assert_string_equal(t, "");
	assert_int_equal(xt_rule_verdict(NULL, t, sizeof(t)), EV_V_CONTINUE);
}

/* A jump names its chain; -g wins wherever it is; options that only
 * begin like -j or -g, and a dash at the very end, are no target. */
static void test_jumps_and_gotos_name_their_chain(void **state)
{
	char t[64];

	(void)state;
	assert_int_equal(xt_rule_verdict("-m comment --comment \"k\" -j KUBE-SVC-ABC", t, sizeof(t)),
			 EV_V_JUMP);
	assert_string_equal(t, "KUBE-SVC-ABC");
	assert_int_equal(xt_rule_verdict("-j MARK --set-xmark 0x4000/0x4000", t, sizeof(t)), EV_V_JUMP);
	assert_string_equal(t, "MARK");
	assert_int_equal(xt_rule_verdict("-j LOG -g CHAIN2", t, sizeof(t)), EV_V_GOTO);
	assert_string_equal(t, "CHAIN2");
	assert_int_equal(xt_rule_verdict("-m owner --gid-owner 5 --jx y -", t, sizeof(t)),
			 EV_V_CONTINUE);
	assert_int_equal(xt_rule_verdict("-s 1.2.3.4 -j", t, sizeof(t)), EV_V_CONTINUE);
	assert_int_equal(xt_rule_verdict("x-j ACCEPT", t, sizeof(t)), EV_V_CONTINUE);
}

/* The chain's name is cut to the caller's buffer, never past it. */
static void test_a_long_target_is_cut_to_the_buffer(void **state)
{
	char t[8];

	(void)state;
	memset(t, 'x', sizeof(t));
	assert_int_equal(xt_rule_verdict("-j VERY-LONG-CHAIN-NAME", t, sizeof(t)), EV_V_JUMP);
	assert_string_equal(t, "VERY-LO");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets_give_their_verdicts),
		cmocka_unit_test(test_jumps_and_gotos_name_their_chain),
		cmocka_unit_test(test_a_long_target_is_cut_to_the_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
