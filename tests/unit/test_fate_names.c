/* The fate names table: every fate is named, and --verdict's words
 * stand for the fates they should. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "fate_names.h"

#define BIT(k) (1u << (k))

static unsigned int mask(const char *w)
{
	return fate_mask(w, strlen(w));
}

static void test_every_fate_has_a_name(void **state)
{
	enum fate_kind k;

	(void)state;
	for (k = FATE_UNKNOWN; k <= FATE_UNTOUCHED; k++) {
		const struct fate_name *n = fate_name(k);

		assert_string_not_equal(n->key, "?");
		assert_non_null(n->text);
		/* each key names its own fate, and only it */
		assert_int_equal(mask(n->key) & ~BIT(k) & ~mask("accept") &
				 ~mask("drop"), 0);
		assert_true(mask(n->key) & BIT(k));
		/* the text output's colour: went on, stopped, not known */
		assert_int_equal(n->color, k == FATE_UNKNOWN ? NC_NONE :
				 fate_accepted(k) ? NC_GREEN : NC_RED);
	}
	assert_null(fate_name(FATE_UNKNOWN)->verdict);
	assert_string_equal(fate_name(FATE_UNTOUCHED + 1)->key, "?");
}

static void test_verdict_words_stand_for_their_fates(void **state)
{
	(void)state;
	assert_int_equal(mask("accept"),
			 BIT(FATE_LOCAL) | BIT(FATE_FORWARDED) | BIT(FATE_BRIDGED) |
			 BIT(FATE_SENT) | BIT(FATE_ACCEPTED) | BIT(FATE_UNTOUCHED));
	/* a packet routing dropped was dropped */
	assert_int_equal(mask("drop"), BIT(FATE_DROP) | BIT(FATE_NOROUTE));
	assert_int_equal(mask("REJECT"), BIT(FATE_REJECT));
	assert_int_equal(mask("no-route"), BIT(FATE_NOROUTE));
	assert_int_equal(mask("no_route"), BIT(FATE_NOROUTE));
	assert_int_equal(mask("bridged"), BIT(FATE_BRIDGED));
	assert_int_equal(mask("unknown"), BIT(FATE_UNKNOWN));
	assert_int_equal(mask("dro"), 0);
	assert_int_equal(mask(""), 0);
	assert_int_equal(fate_mask("dropx", 4), mask("drop"));
}

static void test_expect_words_stand_for_their_fates(void **state)
{
	(void)state;
	assert_int_equal(fate_expect_mask("accept"), mask("accept"));
	assert_int_equal(fate_expect_mask("drop"), mask("drop"));
	assert_int_equal(fate_expect_mask("local"), BIT(FATE_LOCAL));
	/* a bridged packet was forwarded, by the bridge */
	assert_int_equal(fate_expect_mask("forward"),
			 BIT(FATE_FORWARDED) | BIT(FATE_BRIDGED));
	assert_int_equal(fate_expect_mask("reject"), BIT(FATE_REJECT));
	assert_int_equal(fate_expect_mask("delivered"), 0);
	assert_string_equal(fate_name(FATE_SENT)->expect, "accept");
	assert_string_equal(fate_name(FATE_NOROUTE)->expect, "drop");
}

static void test_accepted_fates_go_on(void **state)
{
	(void)state;
	assert_true(fate_accepted(FATE_BRIDGED));
	assert_true(fate_accepted(FATE_UNTOUCHED));
	assert_false(fate_accepted(FATE_NOROUTE));
	assert_false(fate_accepted(FATE_REJECT));
	assert_false(fate_accepted(FATE_UNKNOWN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_fate_has_a_name),
		cmocka_unit_test(test_verdict_words_stand_for_their_fates),
		cmocka_unit_test(test_expect_words_stand_for_their_fates),
		cmocka_unit_test(test_accepted_fates_go_on),
	};

	return cmocka_run_group_tests_name("fate_names", tests, NULL, NULL);
}
