/* chain_ops.c: a chain's rule order edited as the kernel's rule
 * notifications describe each change (KERNEL-FACTS.md), and every case
 * the notifications cannot place sent to a re-read. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "chain_ops.h"

#define ADD_FIRST(h)		{ CHAIN_OP_ADD, (h), 0, false, false }
#define ADD_LAST(h)		{ CHAIN_OP_ADD, (h), 0, true, false }
#define ADD_AFTER(h, p)		{ CHAIN_OP_ADD, (h), (p), true, false }
#define DEL(h)			{ CHAIN_OP_DEL, (h), 0, false, false }
#define REPLACED(h, p)		{ CHAIN_OP_ADD, (h), (p), true, true }

static void assert_edit(const uint64_t *h, size_t n, const struct chain_op *ops,
			size_t nops, const uint64_t *want, long nwant)
{
	uint64_t out[32];
	long got = chain_ops_apply(h, n, ops, nops, out);

	assert_int_equal(got, nwant);
	if (nwant > 0)
		assert_memory_equal(out, want, (size_t)nwant * sizeof(*out));
}

static void test_single_changes_land_where_the_kernel_put_them(void **state)
{
	static const uint64_t chain[] = { 2, 3, 4 };

	(void)state;
	/* nft insert rule: first, no position, no NLM_F_APPEND */
	assert_edit(chain, 3, (struct chain_op[]){ ADD_FIRST(5) }, 1,
		    (uint64_t[]){ 5, 2, 3, 4 }, 4);
	/* nft add rule: last, NLM_F_APPEND */
	assert_edit(chain, 3, (struct chain_op[]){ ADD_LAST(5) }, 1,
		    (uint64_t[]){ 2, 3, 4, 5 }, 4);
	/* in the middle: the position is the rule before */
	assert_edit(chain, 3, (struct chain_op[]){ ADD_AFTER(5, 3) }, 1,
		    (uint64_t[]){ 2, 3, 5, 4 }, 4);
	assert_edit(chain, 3, (struct chain_op[]){ DEL(3) }, 1,
		    (uint64_t[]){ 2, 4 }, 2);
	/* into an empty chain */
	assert_edit(NULL, 0, (struct chain_op[]){ ADD_LAST(9) }, 1,
		    (uint64_t[]){ 9 }, 1);
}

/* nft replace rule / iptables-nft -R: DELRULE and NEWRULE of one handle,
 * both with NLM_F_APPEND; the NEWRULE has a position only in the middle */
static void test_a_replaced_rule_stays_where_it_was(void **state)
{
	static const uint64_t chain[] = { 2, 3, 4 };

	(void)state;
	assert_edit(chain, 3, (struct chain_op[]){ DEL(2), REPLACED(2, 0) }, 2,
		    (uint64_t[]){ 2, 3, 4 }, 3);
	assert_edit(chain, 3, (struct chain_op[]){ DEL(3), REPLACED(3, 2) }, 2,
		    (uint64_t[]){ 2, 3, 4 }, 3);
	assert_edit(chain, 3, (struct chain_op[]){ DEL(4), REPLACED(4, 0) }, 2,
		    (uint64_t[]){ 2, 3, 4 }, 3);
	/* a replacement whose delete we were not told of */
	assert_edit(chain, 3, (struct chain_op[]){ REPLACED(7, 0) }, 1, NULL, -1);
}

/* One batch: the kernel notifies command by command, with positions
 * from its list as the whole batch left it. */
static void test_a_batch_in_command_order(void **state)
{
	static const uint64_t chain[] = { 2, 4 };

	(void)state;
	/* add 5 after 2, then 6 after 5: [2 5 6 4] */
	assert_edit(chain, 2, (struct chain_op[]){ ADD_AFTER(5, 2), ADD_AFTER(6, 5) },
		    2, (uint64_t[]){ 2, 5, 6, 4 }, 4);
	/* add 5 at the end, delete 2 (still in the list when 5 is notified) */
	assert_edit(chain, 2, (struct chain_op[]){ ADD_AFTER(5, 4), DEL(2) }, 2,
		    (uint64_t[]){ 4, 5 }, 2);
	/* add 5 after a rule the same batch deletes later */
	assert_edit(chain, 2, (struct chain_op[]){ ADD_AFTER(5, 2), DEL(2) }, 2,
		    (uint64_t[]){ 5, 4 }, 2);
}

static void test_what_does_not_fit_is_read_again(void **state)
{
	static const uint64_t chain[] = { 2, 3, 4 };

	(void)state;
	/* after a rule of the same batch not notified yet */
	assert_edit(chain, 3, (struct chain_op[]){ ADD_AFTER(6, 5), ADD_AFTER(5, 2) },
		    2, NULL, -1);
	/* a notification the snapshot already holds: read after the change */
	assert_edit(chain, 3, (struct chain_op[]){ ADD_LAST(4) }, 1, NULL, -1);
	assert_edit(chain, 3, (struct chain_op[]){ DEL(9) }, 1, NULL, -1);
	/* no handle */
	assert_edit(chain, 3, (struct chain_op[]){ ADD_LAST(0) }, 1, NULL, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_changes_land_where_the_kernel_put_them),
		cmocka_unit_test(test_a_replaced_rule_stays_where_it_was),
		cmocka_unit_test(test_a_batch_in_command_order),
		cmocka_unit_test(test_what_does_not_fit_is_read_again),
	};

	return cmocka_run_group_tests_name("chain_ops", tests, NULL, NULL);
}
