/* The assembler's predicates from story.c, on captured events: which
 * event starts a packet, and which verdicts end its path. Only cases that
 * are decided without the live ruleset are here (the resolver has no
 * rules_nft: the function must not need it for them). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "arm.h"
#include "fixture.h"
#include "story.h"

#include <string.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#define OWN ARM_TABLE_PREFIX "4242"

static void test_starts_packet(void **state)
{
	struct trace_event ev;

	(void)state;
	/* the nftrace rule of a table that is not ours */
	fixture_event("nft-ip4-icmp-prerouting-nftrace.nlmsg", &ev);
	assert_false(story_starts_packet(&ev, OWN));
	/* the same event from our own table */
	snprintf(ev.table, sizeof(ev.table), "%s", OWN);
	assert_true(story_starts_packet(&ev, OWN));
	/* another iptables-trace's table, or none of ours (legacy mode) */
	snprintf(ev.table, sizeof(ev.table), "%s4343", ARM_TABLE_PREFIX);
	assert_false(story_starts_packet(&ev, OWN));
	assert_false(story_starts_packet(&ev, NULL));
	/* our table's end-of-chain and policy events start nothing */
	snprintf(ev.table, sizeof(ev.table), "%s", OWN);
	ev.has &= ~EV_HAS_HANDLE;
	assert_false(story_starts_packet(&ev, OWN));
	fixture_event("nft-policy-accept-prerouting.nlmsg", &ev);
	snprintf(ev.table, sizeof(ev.table), "%s", OWN);
	assert_false(story_starts_packet(&ev, OWN));
}

/* A block holding the events before ev, as the assembler passes it. */
struct blk { struct block b; struct trace_event evs[4]; };

static void blk_init(struct blk *k, const char *const *fixtures, size_t n)
{
	size_t i;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < n; i++)
		fixture_event(fixtures[i], &k->evs[i]);
	k->b.id = k->evs[0].id;
	k->b.evs = k->evs;
	k->b.nevs = n;
	k->b.cap = 4;
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
	assert_true(story_ends_path(&k.b, &ev, &r));
	ev.verdict = NF_STOLEN;
	assert_true(story_ends_path(&k.b, &ev, &r));
	/* a queued packet may come back: only quiet time ends its path */
	ev.verdict = 3 << 16 | NF_QUEUE;	/* queue 3 */
	assert_false(story_ends_path(&k.b, &ev, &r));
	/* our own table never decides a packet's fate */
	ev.verdict = NF_DROP;
	snprintf(ev.table, sizeof(ev.table), "%s1", ARM_TABLE_PREFIX);
	assert_false(story_ends_path(&k.b, &ev, &r));
}

static void test_non_final_verdicts(void **state)
{
	static const char *const f[] = { "nft-tcp-syn-jump.nlmsg" };
	struct resolver r = { 0 };
	struct blk k;
	struct trace_event ev;

	(void)state;
	blk_init(&k, f, 1);
	assert_false(story_ends_path(&k.b, &k.evs[0], &r));	/* jump */
	fixture_event("nft-tcp-syn-counter-continue.nlmsg", &ev);
	assert_false(story_ends_path(&k.b, &ev, &r));		/* continue */
	fixture_event("nft-user-chain-end-continue.nlmsg", &ev);
	assert_false(story_ends_path(&k.b, &ev, &r));
	fixture_event("nft-tcp-ack-return.nlmsg", &ev);
	assert_false(story_ends_path(&k.b, &ev, &r));		/* return */
	/* an accept with no headers in the block to say which base chain
	 * it came from: let the quiet time decide */
	k.evs[0].has &= ~EV_HAS_NETHDR;
	fixture_event("nft-ip4-icmp-echo-accept.nlmsg", &ev);
	ev.has &= ~EV_HAS_NETHDR;
	assert_false(story_ends_path(&k.b, &ev, &r));
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
	assert_true(k.evs[1].has & EV_HAS_POLICY);
	assert_true(k.evs[1].has & EV_HAS_VERDICT);
	assert_int_equal(k.evs[1].verdict, NF_DROP);
	assert_true(story_ends_path(&k.b, &k.evs[1], &r));
}

/* After an overflow a block may lack its later events: an accept seen
 * so far is no fate, a drop is (nothing follows a drop). */
static void test_cut_block_fate(void **state)
{
	struct trace_event e;
	struct block b;
	struct story_step st;
	struct story s;

	(void)state;
	memset(&e, 0, sizeof(e));
	memset(&b, 0, sizeof(b));
	memset(&st, 0, sizeof(st));
	snprintf(e.table, sizeof(e.table), "filter");
	snprintf(e.chain, sizeof(e.chain), "INPUT");
	b.evs = &e;
	b.nevs = 1;
	b.cut = true;
	st.kind = STEP_RULE;
	st.ev = &e;
	st.hook = HOOK_INPUT;
	st.pos = 1;
	st.verdict = NF_ACCEPT;
	memset(&s, 0, sizeof(s));
	s.block = &b;
	s.steps = &st;
	s.nsteps = 1;
	story_find_fate(&s);
	assert_int_equal(s.fate.kind, FATE_UNKNOWN);
	assert_true(s.fate.cut);

	b.cut = false;
	story_find_fate(&s);
	assert_int_equal(s.fate.kind, FATE_LOCAL);
	assert_false(s.fate.cut);

	b.cut = true;
	st.verdict = NF_DROP;
	story_find_fate(&s);
	assert_int_equal(s.fate.kind, FATE_DROP);
	assert_false(s.fate.cut);
}

/* A DNAT of address and port: two changes (JSON keeps one per field),
 * one text line with both, "[v6]:port" for IPv6; an address alone has
 * no port when the packet has none. */
static void test_changes_join_address_and_port(void **state)
{
	struct trace_event ev;
	struct story s;
	struct story_step st;
	struct block b;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	memset(&b, 0, sizeof(b));
	b.evs = &ev;
	b.nevs = 1;
	memset(&s, 0, sizeof(s));
	memset(&st, 0, sizeof(st));
	s.block = &b;
	s.have_first = true;
	s.first.decoded = true;
	s.first.hdrs.family = AF_INET;
	s.first.hdrs.proto = IPPROTO_TCP;
	s.first.hdrs.have_l4 = true;
	s.first.hdrs.ttl = 64;
	inet_pton(AF_INET, "10.0.0.2", &s.first.hdrs.src);
	inet_pton(AF_INET, "203.0.113.1", &s.first.hdrs.dst);
	s.first.hdrs.sport = 40000;
	s.first.hdrs.dport = 2222;
	st.kind = STEP_PACKET;
	st.ev = &ev;
	st.pkt = s.first;
	st.pkt.hdrs.ttl = 63;
	inet_pton(AF_INET, "10.77.2.20", &st.pkt.hdrs.dst);
	st.pkt.hdrs.dport = 22;
	s.steps = &st;
	s.nsteps = 1;
	story_find_changes(&s);
	assert_int_equal(s.nchanges, 2);
	assert_string_equal(s.changes[0].field, "DST");
	assert_string_equal(s.changes[0].ep_from, "203.0.113.1:2222");
	assert_string_equal(s.changes[0].ep_to, "10.77.2.20:22");
	assert_false(s.changes[0].joined);
	assert_string_equal(s.changes[1].field, "DPT");
	assert_true(s.changes[1].joined);

	/* the port alone changed: still both, on the port's change */
	inet_pton(AF_INET, "203.0.113.1", &st.pkt.hdrs.dst);
	story_find_changes(&s);
	assert_int_equal(s.nchanges, 1);
	assert_string_equal(s.changes[0].field, "DPT");
	assert_string_equal(s.changes[0].ep_to, "203.0.113.1:22");

	/* IPv6 with ports; ICMP without */
	s.first.hdrs.family = st.pkt.hdrs.family = AF_INET6;
	inet_pton(AF_INET6, "fd00::1", &s.first.hdrs.dst);
	inet_pton(AF_INET6, "fd00::2", &st.pkt.hdrs.dst);
	s.first.hdrs.ttl = st.pkt.hdrs.ttl;
	story_find_changes(&s);
	assert_int_equal(s.nchanges, 2);
	assert_string_equal(s.changes[0].ep_from, "[fd00::1]:2222");
	assert_string_equal(s.changes[0].ep_to, "[fd00::2]:22");
	s.first.hdrs.proto = st.pkt.hdrs.proto = IPPROTO_ICMPV6;
	story_find_changes(&s);
	assert_int_equal(s.nchanges, 1);
	assert_string_equal(s.changes[0].ep_to, "fd00::2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_starts_packet),
		cmocka_unit_test(test_cut_block_fate),
		cmocka_unit_test(test_rule_drop_ends_path),
		cmocka_unit_test(test_non_final_verdicts),
		cmocka_unit_test(test_policy_drop_ends_path),
		cmocka_unit_test(test_changes_join_address_and_port),
	};

	return cmocka_run_group_tests_name("story", tests, NULL, NULL);
}
