/* The assembler's predicates (path_end.c), on captured events: which
 * event starts a packet, and which verdicts end its path, over a
 * ruleset view built here as snapshots.c would leave it. They only read
 * the view: a chain whose rules were never loaded decides as well, and
 * what the view lacks leaves the path open for the quiet time. The
 * resolver's lookups over such a view answer "unknown" for text that
 * was not loaded, never read it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "arm.h"
#include "fixture.h"
#include "path_end.h"
#include "resolver.h"

#include <string.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#define OWN ARM_TABLE_PREFIX "4242"

static void test_starts_packet(void **state)
{
	struct trace_event ev;

	(void)state;
	/* the nftrace rule of a table that is not ours */
	fixture_event("nft-ip4-icmp-prerouting-nftrace.nlmsg", &ev);
	assert_false(path_starts_packet(&ev, OWN));
	/* the same event from our own table */
	snprintf(ev.table, sizeof(ev.table), "%s", OWN);
	assert_true(path_starts_packet(&ev, OWN));
	/* another iptables-trace's table, or none of ours (legacy mode) */
	snprintf(ev.table, sizeof(ev.table), "%s4343", ARM_TABLE_PREFIX);
	assert_false(path_starts_packet(&ev, OWN));
	assert_false(path_starts_packet(&ev, NULL));
	/* our table's end-of-chain and policy events start nothing */
	snprintf(ev.table, sizeof(ev.table), "%s", OWN);
	ev.has &= ~EV_HAS_HANDLE;
	assert_false(path_starts_packet(&ev, OWN));
	fixture_event("nft-policy-accept-prerouting.nlmsg", &ev);
	snprintf(ev.table, sizeof(ev.table), "%s", OWN);
	assert_false(path_starts_packet(&ev, OWN));
}

static void test_rule_drop_ends_path(void **state)
{
	static const char *const f[] = { "nft-tcp-syn-jump.nlmsg",
					 "nft-tcp-syn-counter-continue.nlmsg" };
	struct resolver r = { 0 };
	struct blk k;
	struct trace_event ev;

	(void)state;
	blk_init(&k, f, 2);
	ev = k.evs[1];
	ev.verdict = NF_DROP;
	assert_true(path_ends(&k.b, &ev, &r));
	ev.verdict = NF_STOLEN;
	assert_true(path_ends(&k.b, &ev, &r));
	/* a queued packet may come back: only quiet time ends its path */
	ev.verdict = 3 << 16 | NF_QUEUE;	/* queue 3 */
	assert_false(path_ends(&k.b, &ev, &r));
	/* our own table never decides a packet's fate */
	ev.verdict = NF_DROP;
	snprintf(ev.table, sizeof(ev.table), "%s1", ARM_TABLE_PREFIX);
	assert_false(path_ends(&k.b, &ev, &r));
}

static void test_non_final_verdicts(void **state)
{
	static const char *const f[] = { "nft-tcp-syn-jump.nlmsg" };
	struct resolver r = { 0 };
	struct blk k;
	struct trace_event ev;

	(void)state;
	blk_init(&k, f, 1);
	assert_false(path_ends(&k.b, &k.evs[0], &r));	/* jump */
	fixture_event("nft-tcp-syn-counter-continue.nlmsg", &ev);
	assert_false(path_ends(&k.b, &ev, &r));		/* continue */
	fixture_event("nft-user-chain-end-continue.nlmsg", &ev);
	assert_false(path_ends(&k.b, &ev, &r));
	fixture_event("nft-tcp-ack-return.nlmsg", &ev);
	assert_false(path_ends(&k.b, &ev, &r));		/* return */
	/* an accept with no headers in the block to say which base chain
	 * it came from: let the quiet time decide */
	k.evs[0].has &= ~EV_HAS_NETHDR;
	fixture_event("nft-ip4-icmp-echo-accept.nlmsg", &ev);
	ev.has &= ~EV_HAS_NETHDR;
	assert_false(path_ends(&k.b, &ev, &r));
}

/* A base chain's policy drop is the packet's end as surely as a rule's
 * drop. Policy events carry NFTA_TRACE_POLICY and no verdict attribute
 * (see the fixture); the parser makes the policy the event's verdict. */
static void test_policy_drop_ends_path(void **state)
{
	static const char *const f[] = { "nft-udp-input-end-continue.nlmsg",
					 "nft-policy-drop-input.nlmsg" };
	struct resolver r = { 0 };
	struct blk k;

	(void)state;
	blk_init(&k, f, 2);
	assert_int_equal(k.evs[1].type, EV_TYPE_POLICY);
	assert_true(k.evs[1].has & EV_HAS_VERDICT);
	assert_int_equal(k.evs[1].verdict, NF_DROP);
	assert_true(path_ends(&k.b, &k.evs[1], &r));
}

/* The capture's inet table fx, as the chain list alone gives it: base
 * chains with hook, priority and policy, their rules not read (as at
 * start-up, before any packet named them). */
static void fx_chains(struct ruleset *rs, bool later_input)
{
	int c;

	ruleset_init(rs);
	assert_true(ruleset_add_chain(rs, NFPROTO_INET, "fx", "pre",
				      HOOK_PREROUTING, 0, NF_ACCEPT) >= 0);
	c = ruleset_add_chain(rs, NFPROTO_INET, "fx", "input", HOOK_INPUT, 0,
			      NF_ACCEPT);
	assert_true(c >= 0);
	rs->chains[c].rules_unread = true;
	if (later_input)
		assert_true(ruleset_add_chain(rs, NFPROTO_INET, "fx", "late",
					      HOOK_INPUT, 10, NF_ACCEPT) >= 0);
	assert_int_equal(ruleset_index(rs), 0);
}

/* An accept in the last traced base chain on the way ends the path; a
 * chain after it at the same hook keeps it open. The input chain's
 * rules were never read: its metadata is all the check needs. */
static void test_accept_ends_path_by_the_chain_list(void **state)
{
	static const char *const f[] = { "nft-ip4-icmp-echo-accept.nlmsg" };
	struct resolver r = { 0 };
	struct ruleset rs;
	struct blk k;

	(void)state;
	blk_init(&k, f, 1);
	assert_int_equal(k.evs[0].verdict, NF_ACCEPT);
	fx_chains(&rs, false);
	r.view.nft = &rs;
	assert_true(path_ends(&k.b, &k.evs[0], &r));
	assert_int_equal(rs.chains[1].nrules, 0);	/* still unread */
	ruleset_clear(&rs);

	fx_chains(&rs, true);
	r.view.nft = &rs;
	assert_false(path_ends(&k.b, &k.evs[0], &r));
	ruleset_clear(&rs);
}

/* A chain the view does not have (made since the chain list was read,
 * its news not here yet) would need a read to place: the path stays
 * open and the quiet time decides. */
static void test_chain_not_in_view_leaves_path_open(void **state)
{
	static const char *const f[] = { "nft-ip4-icmp-echo-accept.nlmsg" };
	struct resolver r = { 0 };
	struct ruleset rs;
	struct blk k;

	(void)state;
	blk_init(&k, f, 1);
	fx_chains(&rs, false);
	r.view.nft = &rs;
	snprintf(k.evs[0].chain, sizeof(k.evs[0].chain), "input_new");
	assert_false(path_ends(&k.b, &k.evs[0], &r));
	/* no view at all: the same */
	r.view.nft = NULL;
	snprintf(k.evs[0].chain, sizeof(k.evs[0].chain), "input");
	assert_false(path_ends(&k.b, &k.evs[0], &r));
	ruleset_clear(&rs);
}

/* A legacy event names its rule, not its verdict: the verdict comes
 * from the rule's text in the legacy snapshot, which holds every rule
 * (a pure read). */
static struct trace_event xt_event(const char *chain, unsigned int rulenum)
{
	struct trace_event e;

	memset(&e, 0, sizeof(e));
	e.source = EV_SRC_XT;
	e.family = NFPROTO_IPV4;
	e.nfproto = NFPROTO_IPV4;
	snprintf(e.table, sizeof(e.table), "filter");
	snprintf(e.chain, sizeof(e.chain), "%s", chain);
	e.type = EV_TYPE_RULE;
	e.rulenum = rulenum;
	return e;
}

static void test_legacy_verdict_from_the_view(void **state)
{
	struct resolver r = { 0 };
	struct ruleset xt;
	struct block b;
	struct trace_event e[3];
	int c;

	(void)state;
	ruleset_init(&xt);
	c = ruleset_add_chain(&xt, NFPROTO_IPV4, "filter", "INPUT", HOOK_INPUT, 0,
			      NF_ACCEPT);
	assert_true(c >= 0);
	assert_true(ruleset_add_rule(&xt, c, 0, "-A INPUT -p tcp -j DROP") >= 0);
	assert_true(ruleset_add_rule(&xt, c, 0, "-A INPUT -p udp -j ACCEPT") >= 0);
	assert_true(ruleset_add_rule(&xt, c, 0, "-A INPUT -j LOG") >= 0);
	assert_int_equal(ruleset_index(&xt), 0);
	r.view.legacy = &xt;
	memset(&b, 0, sizeof(b));
	e[0] = xt_event("INPUT", 1);
	e[1] = xt_event("INPUT", 2);
	e[2] = xt_event("INPUT", 3);
	b.evs = e;

	b.nevs = 1;
	assert_true(path_ends(&b, &e[0], &r));		/* -j DROP */
	b.evs = &e[1];
	assert_true(path_ends(&b, &e[1], &r));		/* -j ACCEPT, last chain */
	b.evs = &e[2];
	assert_false(path_ends(&b, &e[2], &r));	/* LOG: it goes on */
	/* a rule the snapshot does not have: no verdict, no end */
	e[2] = xt_event("INPUT", 9);
	assert_false(path_ends(&b, &e[2], &r));
	ruleset_clear(&xt);
}

/* A legacy accept in filter INPUT, with an nft chain at input priority
 * 0 as well: the kernel runs the one registered last first, so the nft
 * chain may still come, and the path stays open. Each snapshot alone
 * holds one chain at that priority (legacy_busy.bats lost the nft half
 * of a block to this, when its events came a moment later). */
static void test_equal_priority_across_backends_leaves_path_open(void **state)
{
	struct resolver r = { 0 };
	struct ruleset xt, nft;
	struct block b;
	struct trace_event e;
	int c;

	(void)state;
	ruleset_init(&xt);
	c = ruleset_add_chain(&xt, NFPROTO_IPV4, "filter", "INPUT", HOOK_INPUT, 0,
			      NF_ACCEPT);
	assert_true(c >= 0);
	assert_true(ruleset_add_rule(&xt, c, 0, "-A INPUT -p icmp -j ACCEPT") >= 0);
	assert_int_equal(ruleset_index(&xt), 0);
	ruleset_init(&nft);
	assert_true(ruleset_add_chain(&nft, NFPROTO_INET, "fw", "in", HOOK_INPUT, 0,
				      NF_ACCEPT) >= 0);
	assert_int_equal(ruleset_index(&nft), 0);
	r.view.legacy = &xt;
	memset(&b, 0, sizeof(b));
	e = xt_event("INPUT", 1);
	b.evs = &e;
	b.nevs = 1;
	assert_true(path_ends(&b, &e, &r));	/* legacy alone: the last chain */
	r.view.nft = &nft;
	assert_false(path_ends(&b, &e, &r));
	ruleset_clear(&nft);
	ruleset_clear(&xt);
}

/* The lookups only read: a rule whose text was not loaded comes back
 * with its position and no text ("unknown"), and a handle only in the
 * previous snapshot (deleted since) keeps the position the packet saw. */
static void test_lookups_read_only(void **state)
{
	struct resolver r = { 0 };
	struct ruleset cur, prev;
	struct rule_view rv;
	struct trace_event ev;
	int c;

	(void)state;
	fixture_event("nft-ip4-icmp-echo-accept.nlmsg", &ev);	/* handle 11 */
	ruleset_init(&cur);
	ruleset_init(&prev);
	c = ruleset_add_chain(&prev, NFPROTO_INET, "fx", "input", HOOK_INPUT, 0,
			      NF_ACCEPT);
	assert_true(ruleset_add_rule(&prev, c, 10, "meta l4proto tcp accept") >= 0);
	assert_true(ruleset_add_rule(&prev, c, 11, "icmp type echo-request accept") >= 0);
	assert_int_equal(ruleset_index(&prev), 0);
	c = ruleset_add_chain(&cur, NFPROTO_INET, "fx", "input", HOOK_INPUT, 0,
			      NF_ACCEPT);
	assert_true(ruleset_add_rule(&cur, c, 12, NULL) >= 0);
	assert_int_equal(ruleset_index(&cur), 0);
	r.view.nft = &cur;
	r.view.nft_prev = &prev;

	assert_true(resolver_rule(&r, &ev, &rv));
	assert_int_equal(rv.pos, 2);
	assert_string_equal(rv.text, "icmp type echo-request accept");
	assert_int_equal(rv.syntax, SYNTAX_NFT);

	ev.handle = 12;		/* in the current snapshot, text not loaded */
	assert_true(resolver_rule(&r, &ev, &rv));
	assert_int_equal(rv.pos, 1);
	assert_null(rv.text);

	ev.handle = 13;		/* in neither: prepare_block re-reads, not us */
	assert_false(resolver_rule(&r, &ev, &rv));
	assert_int_equal(cur.nrules, 1);
	ruleset_clear(&cur);
	ruleset_clear(&prev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_starts_packet),
		cmocka_unit_test(test_rule_drop_ends_path),
		cmocka_unit_test(test_non_final_verdicts),
		cmocka_unit_test(test_policy_drop_ends_path),
		cmocka_unit_test(test_accept_ends_path_by_the_chain_list),
		cmocka_unit_test(test_chain_not_in_view_leaves_path_open),
		cmocka_unit_test(test_legacy_verdict_from_the_view),
		cmocka_unit_test(test_equal_priority_across_backends_leaves_path_open),
		cmocka_unit_test(test_lookups_read_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
