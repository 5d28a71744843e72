/* nft_replaced.c: which change notifications make a replacement, and
 * which texts and events it touches. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <linux/netfilter.h>

#include "nft_replaced.h"

static struct timespec at(long s)
{
	struct timespec t = { .tv_sec = s };

	return t;
}

/* s seconds from now, on the clock of event times */
static struct timespec from_now(long s)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += s;
	return t;
}

static void test_delete_then_create_of_one_handle_is_a_replacement(void **state)
{
	struct nft_replaced nr = { 0 };
	struct timespec ever = at(0);

	(void)state;
	/* a new rule: a new handle, nothing deleted */
	assert_false(nft_replaced_created(&nr, NFPROTO_IPV4, "filter", 7));
	nft_replaced_deleted(&nr, NFPROTO_IPV4, "filter", 2);
	/* another table or family with the same handle is another rule */
	assert_false(nft_replaced_created(&nr, NFPROTO_IPV6, "filter", 2));
	assert_false(nft_replaced_created(&nr, NFPROTO_IPV4, "nat", 2));
	assert_true(nft_replaced_created(&nr, NFPROTO_IPV4, "filter", 2));
	assert_true(nft_replaced_since(&nr, NFPROTO_IPV4, "filter", 2, &ever));
	assert_false(nft_replaced_since(&nr, NFPROTO_IPV4, "filter", 7, &ever));
}

static void test_a_delete_and_a_create_in_two_generations_are_not(void **state)
{
	struct nft_replaced nr = { 0 };

	(void)state;
	nft_replaced_deleted(&nr, NFPROTO_INET, "fw", 4);
	nft_replaced_new_generation(&nr);
	assert_false(nft_replaced_created(&nr, NFPROTO_INET, "fw", 4));
}

static void test_a_text_read_after_the_replacement_is_kept(void **state)
{
	struct nft_replaced nr = { 0 };
	struct timespec future = from_now(10);

	(void)state;
	nft_replaced_deleted(&nr, NFPROTO_INET, "fw", 4);
	assert_true(nft_replaced_created(&nr, NFPROTO_INET, "fw", 4));
	assert_false(nft_replaced_since(&nr, NFPROTO_INET, "fw", 4, &future));
}

static void test_events_are_older_until_a_read_round_begun_after_settles(void **state)
{
	struct nft_replaced nr = { 0 };
	struct timespec before, round, end, after;

	(void)state;
	nft_replaced_deleted(&nr, NFPROTO_INET, "fw", 4);
	assert_true(nft_replaced_created(&nr, NFPROTO_INET, "fw", 4));
	before = from_now(-5);
	round = from_now(1);
	end = from_now(2);
	after = from_now(3);
	assert_true(nft_replaced_may_be_older(&nr, NFPROTO_INET, "fw", 4, &after));
	/* a round that began before the replacement was learned settles nothing */
	nft_replaced_settle(&nr, &before, &end);
	assert_true(nft_replaced_may_be_older(&nr, NFPROTO_INET, "fw", 4, &after));
	nft_replaced_settle(&nr, &round, &end);
	assert_true(nft_replaced_may_be_older(&nr, NFPROTO_INET, "fw", 4, &end));
	assert_false(nft_replaced_may_be_older(&nr, NFPROTO_INET, "fw", 4, &after));
	assert_false(nft_replaced_may_be_older(&nr, NFPROTO_INET, "fw", 5, &before));
}

static void test_lost_track_makes_every_rule_replaced_until_settled(void **state)
{
	struct nft_replaced nr = { 0 };
	struct timespec ever = at(0), round, end, after;

	(void)state;
	nft_replaced_lost_track(&nr);
	assert_true(nft_replaced_since(&nr, NFPROTO_IPV4, "nat", 99, &ever));
	round = from_now(1);
	end = from_now(2);
	after = from_now(3);
	assert_true(nft_replaced_may_be_older(&nr, NFPROTO_IPV4, "nat", 99, &after));
	nft_replaced_settle(&nr, &round, &end);
	assert_true(nft_replaced_may_be_older(&nr, NFPROTO_IPV4, "nat", 99, &end));
	assert_false(nft_replaced_may_be_older(&nr, NFPROTO_IPV4, "nat", 99, &after));
}

static void test_more_deletes_than_fit_make_any_create_a_replacement(void **state)
{
	struct nft_replaced nr = { 0 };
	uint64_t h;

	(void)state;
	for (h = 1; h <= NFT_REPLACED_PENDING + 1; h++)
		nft_replaced_deleted(&nr, NFPROTO_IPV4, "filter", h);
	assert_true(nft_replaced_created(&nr, NFPROTO_IPV4, "filter", 1000));
}

static void test_a_full_ring_of_unsettled_replacements_loses_track(void **state)
{
	struct nft_replaced nr = { 0 };
	struct timespec ever = at(0);
	uint64_t h;

	(void)state;
	for (h = 1; h <= NFT_REPLACED_MAX + 1; h++) {
		nft_replaced_deleted(&nr, NFPROTO_IPV4, "filter", h);
		assert_true(nft_replaced_created(&nr, NFPROTO_IPV4, "filter", h));
		nft_replaced_new_generation(&nr);
	}
	/* the first one left the ring unsettled: every rule is suspect */
	assert_true(nr.have_all);
	assert_true(nft_replaced_since(&nr, NFPROTO_IPV4, "filter", 1, &ever));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delete_then_create_of_one_handle_is_a_replacement),
		cmocka_unit_test(test_a_delete_and_a_create_in_two_generations_are_not),
		cmocka_unit_test(test_a_text_read_after_the_replacement_is_kept),
		cmocka_unit_test(test_events_are_older_until_a_read_round_begun_after_settles),
		cmocka_unit_test(test_lost_track_makes_every_rule_replaced_until_settled),
		cmocka_unit_test(test_more_deletes_than_fit_make_any_create_a_replacement),
		cmocka_unit_test(test_a_full_ring_of_unsettled_replacements_loses_track),
	};

	return cmocka_run_group_tests_name("nft_replaced", tests, NULL, NULL);
}
