/* story_build with its kernel lookups answered here: the fate routing
 * decides. (The assembler's predicates are test_path_end.c's.) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bridge.h"
#include "fixture.h"
#include "lookups_none.h"
#include "nft_replaced.h"
#include "route.h"
#include "story.h"

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

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

/* ---- story_build with fake lookups -------------------------------- */

static struct {
	enum route_kind route;
	uint32_t bridge;		/* the port's bridge; 0: not a port */
	unsigned int asked_route;
} fake;

static bool fake_ifname(void *ctx, uint32_t ifindex, char *name)
{
	(void)ctx;
	snprintf(name, IFNAMSIZ, "port%u", ifindex);
	return true;
}

static void fake_route(void *ctx, const struct pkt_hdrs *p, uint32_t iif,
		       struct route_answer *a)
{
	(void)ctx;
	(void)p;
	(void)iif;
	fake.asked_route++;
	memset(a, 0, sizeof(*a));
	a->kind = fake.route;
	snprintf(a->oif, sizeof(a->oif), "uplink");
	snprintf(a->why, sizeof(a->why), "no route to 10.99.2.2");
}

/* bridge UNASKABLE: the lookup fails, leaving bl as garbage */
#define UNASKABLE UINT32_MAX

static bool fake_bridge_link(void *ctx, uint32_t ifindex, struct bridge_link *bl)
{
	(void)ctx;
	(void)ifindex;
	memset(bl, fake.bridge == UNASKABLE ? 0xff : 0, sizeof(*bl));
	bl->bridge = fake.bridge;
	return fake.bridge != UNASKABLE;
}

static const struct story_lookups fake_lookups = {
	.ifname = fake_ifname, .route = fake_route,
	.bridge_link = fake_bridge_link, .bridge_fdb_port = no_fdb_port,
	.conntrack = no_conntrack,
};

/* A packet accepted at prerouting that no later chain saw: the routing
 * table says where it went, asked through the lookups handed in. */
static enum fate_kind routed_fate(enum route_kind route, uint32_t bridge,
				  struct story *s, struct blk *k)
{
	static const char *const f[] = { "nft-ip4-icmp-prerouting-nftrace.nlmsg",
					 "nft-policy-accept-prerouting.nlmsg" };
	struct resolver r = { 0 };

	blk_init(k, f, 2);
	fake.route = route;
	fake.bridge = bridge;
	assert_int_equal(story_build(s, &k->b, &r, true, &fake_lookups), 0);
	return s->fate.kind;
}

static void test_story_build_asks_routing_for_the_fate(void **state)
{
	struct story s;
	struct blk k;

	(void)state;
	fake.asked_route = 0;
	assert_int_equal(routed_fate(ROUTE_LOCAL, 0, &s, &k), FATE_LOCAL);
	/* the packet line names interfaces through the lookup too */
	assert_string_equal(s.first.in, "port2");
	story_free(&s);
	assert_int_equal(routed_fate(ROUTE_UNICAST, 0, &s, &k), FATE_FORWARDED);
	assert_string_equal(s.fate.out, "uplink");
	story_free(&s);
	assert_int_equal(routed_fate(ROUTE_DROP, 0, &s, &k), FATE_NOROUTE);
	assert_string_equal(s.fate.why, "no route to 10.99.2.2");
	story_free(&s);
	/* no answer: accepted, and no more is claimed */
	assert_int_equal(routed_fate(ROUTE_UNKNOWN, 0, &s, &k), FATE_ACCEPTED);
	story_free(&s);
	assert_int_equal(fake.asked_route, 4);
}

/* Through a bridge port the bridge pass may be all that was traced: a
 * routing drop would be a guess, so the fate is unknown, and says why. */
static void test_story_build_bridge_port_drop_is_no_guess(void **state)
{
	struct story s;
	struct blk k;

	(void)state;
	assert_int_equal(routed_fate(ROUTE_DROP, 7, &s, &k), FATE_UNKNOWN);
	assert_non_null(strstr(s.fate.why, "came in through bridge port2"));
	story_free(&s);
	/* a frame that was routed after all still goes by the routing answer */
	assert_int_equal(routed_fate(ROUTE_LOCAL, 7, &s, &k), FATE_LOCAL);
	story_free(&s);
	/* a port that cannot be asked about (gone): no guess either, and
	 * nothing read of what the failed lookup left (UBSan: a bool of
	 * 0xff; fuzz_out found it) */
	assert_int_equal(routed_fate(ROUTE_DROP, UNASKABLE, &s, &k), FATE_UNKNOWN);
	story_free(&s);
}

/* The story only reads the resolver's view: positions and text come
 * from the rulesets it points at, what was not loaded stays unknown
 * (NULL text), and the chain's rule count gives the misses. */
static void fx_view(struct ruleset *rs, bool text_13)
{
	int in, chk;

	ruleset_init(rs);
	in = ruleset_add_chain(rs, NFPROTO_INET, "fx", "input", HOOK_INPUT, 0,
			       NF_ACCEPT);
	chk = ruleset_add_chain(rs, NFPROTO_INET, "fx", "tcpchk", HOOK_NONE, 0, 0);
	assert_true(in >= 0 && chk >= 0);
	assert_true(ruleset_add_rule(rs, in, 12, "iif lo accept") >= 0);
	assert_true(ruleset_add_rule(rs, in, 13, text_13 ?
				     "tcp flags syn jump tcpchk" : NULL) >= 0);
	assert_true(ruleset_add_rule(rs, chk, 5, "tcp dport 1 drop") >= 0);
	assert_true(ruleset_add_rule(rs, chk, 6, "counter") >= 0);
	assert_true(ruleset_add_rule(rs, chk, 7, "tcp dport 2 drop") >= 0);
	assert_int_equal(ruleset_index(rs), 0);
}

static void test_story_build_reads_the_view(void **state)
{
	static const char *const f[] = { "nft-tcp-syn-jump.nlmsg",
					 "nft-tcp-syn-counter-continue.nlmsg",
					 "nft-user-chain-end-continue.nlmsg" };
	struct resolver r = { 0 };
	struct ruleset rs;
	struct story s;
	struct blk k;

	(void)state;
	blk_init(&k, f, 3);
	fx_view(&rs, true);
	r.view.nft = &rs;
	assert_int_equal(story_build(&s, &k.b, &r, true, &fake_lookups), 0);
	assert_int_equal(s.nsteps, 3);
	assert_int_equal(s.steps[0].kind, STEP_RULE);
	assert_int_equal(s.steps[0].pos, 2);
	assert_string_equal(s.steps[0].text, "tcp flags syn jump tcpchk");
	assert_int_equal(s.steps[0].hook, HOOK_INPUT);
	assert_int_equal(s.steps[0].miss_from, 1);
	assert_int_equal(s.steps[0].miss_to, 1);
	assert_int_equal(s.steps[1].pos, 2);
	assert_string_equal(s.steps[1].text, "counter");
	assert_int_equal(s.steps[2].kind, STEP_RETURN);
	assert_int_equal(s.steps[2].miss_from, 3);
	assert_int_equal(s.steps[2].miss_to, 3);
	story_free(&s);
	ruleset_clear(&rs);

	/* text not loaded: the position stays, the text is unknown */
	fx_view(&rs, false);
	r.view.nft = &rs;
	assert_int_equal(story_build(&s, &k.b, &r, true, &fake_lookups), 0);
	assert_int_equal(s.steps[0].pos, 2);
	assert_null(s.steps[0].text);
	story_free(&s);
	ruleset_clear(&rs);
}

/* A rule replaced in place keeps its handle: until every event queued
 * before the replacement was read, a packet naming it may have met the
 * old rule, and its text may be stale; the other rules' are not. */
static void test_story_build_replaced_rule_may_be_stale(void **state)
{
	static const char *const f[] = { "nft-tcp-syn-jump.nlmsg",
					 "nft-tcp-syn-counter-continue.nlmsg",
					 "nft-user-chain-end-continue.nlmsg" };
	struct timespec start, done = { 0 }, later;
	struct resolver r = { 0 };
	struct nft_replaced nr = { 0 };
	struct ruleset rs;
	struct story s;
	struct blk k;
	size_t i;

	(void)state;
	blk_init(&k, f, 3);
	fx_view(&rs, true);
	r.view.nft = &rs;
	r.view.nft_replaced = &nr;
	nft_replaced_deleted(&nr, NFPROTO_INET, "fx", 13);
	assert_true(nft_replaced_created(&nr, NFPROTO_INET, "fx", 13));
	clock_gettime(CLOCK_REALTIME, &k.b.evs[0].ts);
	assert_int_equal(story_build(&s, &k.b, &r, true, &fake_lookups), 0);
	assert_true(s.steps[0].stale);		/* handle 13, not yet settled */
	assert_false(s.steps[1].stale);		/* handle 6 */
	story_free(&s);

	/* settled by a read of every source that began after it */
	clock_gettime(CLOCK_REALTIME, &start);
	start.tv_sec++;
	done = start;
	done.tv_sec++;
	nft_replaced_settle(&nr, &start, &done);
	assert_int_equal(story_build(&s, &k.b, &r, true, &fake_lookups), 0);
	assert_true(s.steps[0].stale);		/* received before it settled */
	story_free(&s);
	later = done;
	later.tv_sec++;
	for (i = 0; i < k.b.nevs; i++)
		k.b.evs[i].ts = later;
	assert_int_equal(story_build(&s, &k.b, &r, true, &fake_lookups), 0);
	assert_false(s.steps[0].stale);		/* after: the new rule */
	story_free(&s);
	ruleset_clear(&rs);
}

/* After changes we lost track of (an overrun of the change socket) any
 * rule may have been replaced: a step is stale unless the rule's text
 * is the same in the snapshot before the re-read. */
static void test_story_build_lost_track_compares_the_text(void **state)
{
	static const char *const f[] = { "nft-tcp-syn-jump.nlmsg",
					 "nft-tcp-syn-counter-continue.nlmsg",
					 "nft-user-chain-end-continue.nlmsg" };
	struct resolver r = { 0 };
	struct nft_replaced nr = { 0 };
	struct ruleset rs, prev;
	struct story s;
	struct blk k;

	(void)state;
	blk_init(&k, f, 3);
	fx_view(&rs, true);
	fx_view(&prev, true);
	r.view.nft = &rs;
	r.view.nft_prev = &prev;
	r.view.nft_replaced = &nr;
	nft_replaced_lost_track(&nr);
	assert_int_equal(story_build(&s, &k.b, &r, true, &fake_lookups), 0);
	assert_false(s.steps[0].stale);		/* the same text before */
	story_free(&s);
	ruleset_clear(&prev);
	fx_view(&prev, false);			/* rule 13's text unknown before */
	assert_int_equal(story_build(&s, &k.b, &r, true, &fake_lookups), 0);
	assert_true(s.steps[0].stale);
	assert_false(s.steps[1].stale);		/* "counter", known in both */
	story_free(&s);
	ruleset_clear(&prev);
	ruleset_clear(&rs);
}

/* A new connection's entry enters the conntrack table after the
 * packet's last hook, which the lookup can beat: the story says when
 * to wait for it (ct_lookup's "soon"), and never for a packet that
 * went nowhere, as no entry will come. */
static struct { int asked; bool soon; } ctq;

static int recorded_conntrack(struct ct_handle *ct, const struct pkt_hdrs *p,
			      bool soon, struct ct_entry *out)
{
	(void)ct;
	(void)p;
	(void)out;
	ctq.asked++;
	ctq.soon = soon;
	errno = ENOENT;
	return -1;
}

static const struct story_lookups ct_lookups = {
	.ifname = fake_ifname, .route = fake_route,
	.bridge_link = fake_bridge_link, .bridge_fdb_port = no_fdb_port,
	.conntrack = recorded_conntrack,
};

/* The lookup's "soon" for a block of these events, all with state */
static bool soon_for(const char *const *f, size_t n, uint32_t state)
{
	struct resolver r = { .ct = (struct ct_handle *)&ctq };
	struct story s;
	struct blk k;
	size_t i;

	blk_init(&k, f, n);
	for (i = 0; i < n; i++) {
		k.evs[i].has |= EV_HAS_CT;
		k.evs[i].ct_state = state;
	}
	fake.route = ROUTE_UNICAST;
	fake.bridge = 0;
	ctq.asked = 0;
	assert_int_equal(story_build(&s, &k.b, &r, true, &ct_lookups), 0);
	story_free(&s);
	assert_int_equal(ctq.asked, 1);
	return ctq.soon;
}

static void test_story_waits_for_a_new_entry_only_when_one_will_come(void **state)
{
	static const char *const accepted[] = { "nft-ip4-icmp-prerouting-nftrace.nlmsg",
						"nft-policy-accept-prerouting.nlmsg" };
	static const char *const dropped[] = { "nft-ip4-icmp-prerouting-nftrace.nlmsg",
					       "nft-policy-drop-input.nlmsg" };

	(void)state;
	assert_true(soon_for(accepted, 2, CT_ST_NEW));
	assert_false(soon_for(accepted, 2, CT_ST_ESTABLISHED));
	assert_false(soon_for(dropped, 2, CT_ST_NEW));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_block_fate),
		cmocka_unit_test(test_changes_join_address_and_port),
		cmocka_unit_test(test_story_build_asks_routing_for_the_fate),
		cmocka_unit_test(test_story_build_bridge_port_drop_is_no_guess),
		cmocka_unit_test(test_story_build_reads_the_view),
		cmocka_unit_test(test_story_build_replaced_rule_may_be_stale),
		cmocka_unit_test(test_story_build_lost_track_compares_the_text),
		cmocka_unit_test(test_story_waits_for_a_new_entry_only_when_one_will_come),
	};

	return cmocka_run_group_tests_name("story", tests, NULL, NULL);
}
