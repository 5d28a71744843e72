/* backend_plan(): which sources a run opens for what the namespace has,
 * and what their events mean (ev_traits). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend.h"
#include "event.h"
#include "source.h"

static const struct backend_info nft_only = { .nft_usable = true };
static const struct backend_info mixed = {
	.xt_kernel4 = true, .xt_kernel6 = true, .legacy_tables = 2,
	.nft_usable = true,
};
static const struct backend_info legacy_only = {
	.xt_kernel4 = true, .legacy_tables = 1,
};

static void test_auto_on_nft_listens_to_nft_only(void **state)
{
	struct backend_plan p;

	(void)state;
	assert_int_equal(backend_plan(&nft_only, BACKEND_AUTO, &p), 0);
	assert_int_equal(p.n_sources, 1);
	assert_ptr_equal(p.sources[0].ops, &nl_trace_source);
	assert_false(p.sources[0].marks_only);
}

static void test_auto_on_a_mixed_host_listens_to_both(void **state)
{
	struct backend_plan p;

	(void)state;
	assert_int_equal(backend_plan(&mixed, BACKEND_AUTO, &p), 0);
	assert_int_equal(p.n_sources, 2);
	assert_ptr_equal(p.sources[0].ops, &nl_trace_source);
	assert_ptr_equal(p.sources[1].ops, &nl_log_source);
	assert_false(p.sources[0].marks_only);
}

/* --backend=legacy arms through nf_tables: its events only mark ours */
static void test_legacy_armed_by_nft_keeps_only_marks(void **state)
{
	struct backend_plan p;

	(void)state;
	assert_int_equal(backend_plan(&mixed, BACKEND_LEGACY, &p), 0);
	assert_int_equal(p.n_sources, 2);
	assert_ptr_equal(p.sources[0].ops, &nl_trace_source);
	assert_true(p.sources[0].marks_only);
	assert_ptr_equal(p.sources[1].ops, &nl_log_source);
}

static void test_no_nft_falls_back_to_nflog_alone(void **state)
{
	struct backend_plan p;

	(void)state;
	assert_int_equal(backend_plan(&legacy_only, BACKEND_AUTO, &p), 0);
	assert_true(p.arm_xt);
	assert_int_equal(p.n_sources, 1);
	assert_ptr_equal(p.sources[0].ops, &nl_log_source);
	assert_int_equal(backend_plan(&legacy_only, BACKEND_NFT, &p), -1);
}

static void test_trace_rules_drop_the_nft_marks(void **state)
{
	struct backend_plan p;

	(void)state;
	assert_int_equal(backend_plan(&mixed, BACKEND_LEGACY, &p), 0);
	backend_plan_trace_rules(&p);
	assert_false(p.arm_nft);
	assert_int_equal(p.n_sources, 1);
	assert_ptr_equal(p.sources[0].ops, &nl_log_source);
}

/* Every source says what its events mean, and the two differ where the
 * stages after them need to know. */
static void test_traits(void **state)
{
	struct trace_event ev = { .source = EV_SRC_NFT };

	(void)state;
	assert_false(ev_traits(&ev)->legacy);
	assert_true(ev_traits(&ev)->by_id);
	assert_true(ev_traits(&ev)->walk_by_headers);
	ev.source = EV_SRC_XT;
	assert_true(ev_traits(&ev)->legacy);
	assert_false(ev_traits(&ev)->by_id);
	assert_true(ev_traits(&ev)->verdict_in_rule);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_on_nft_listens_to_nft_only),
		cmocka_unit_test(test_auto_on_a_mixed_host_listens_to_both),
		cmocka_unit_test(test_legacy_armed_by_nft_keeps_only_marks),
		cmocka_unit_test(test_no_nft_falls_back_to_nflog_alone),
		cmocka_unit_test(test_trace_rules_drop_the_nft_marks),
		cmocka_unit_test(test_traits),
	};

	return cmocka_run_group_tests_name("backend", tests, NULL, NULL);
}
