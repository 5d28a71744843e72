/* The assembler: events grouped into one block per packet by trace id,
 * blocks closed by a verdict, by a new packet with the same id, or by
 * quiet time. The last tests replay a whole real capture. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <time.h>
#include <cmocka.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "assemble.h"
#include "fixture.h"

#define MAX_SEEN 64

/* What emit saw, copied: the block is freed after emit returns. */
struct seen {
	uint32_t id;
	size_t nevs;
	bool fate_known, superseded, cut;
	uint64_t first_handle, last_handle;
};

struct rec {
	struct seen blocks[MAX_SEEN];
	size_t n, total_evs, emitted;
	bool mixed_ids;			/* a block held another id's event */
	bool (*ends)(const struct trace_event *ev);
	bool (*starts)(const struct trace_event *ev);
};

static bool rec_ends(const struct block *b, const struct trace_event *ev, void *data)
{
	struct rec *r = data;

	(void)b;
	return r->ends && r->ends(ev);
}

static void rec_emit(const struct block *b, void *data)
{
	struct rec *r = data;
	struct seen *s;
	size_t i;

	for (i = 0; i < b->nevs; i++)
		if (b->evs[i].source == EV_SRC_NFT && b->evs[i].id != b->id)
			r->mixed_ids = true;
	r->total_evs += b->nevs;
	r->emitted++;
	if (r->n == MAX_SEEN)
		return;
	s = &r->blocks[r->n++];
	s->id = b->id;
	s->nevs = b->nevs;
	s->fate_known = b->fate_known;
	s->superseded = b->superseded;
	s->cut = b->cut;
	s->first_handle = b->evs[0].handle;
	s->last_handle = b->evs[b->nevs - 1].handle;
}

static struct assembler *new_asm(struct rec *r, unsigned int quiet_ms)
{
	const struct asm_ops ops = {
		.ends_path = rec_ends, .emit = rec_emit, .data = r,
	};
	struct assembler *a = asm_new(&ops, quiet_ms);

	assert_non_null(a);
	return a;
}

/* Synthetic events: "start" chain starts a packet, verdict drop ends it;
 * the handle numbers the events so the tests can check order. */
static struct trace_event ev(uint32_t id, const char *chain, uint64_t handle,
			     int32_t verdict)
{
	struct trace_event e;

	memset(&e, 0, sizeof(e));
	e.source = EV_SRC_NFT;
	e.id = id;
	e.family = NFPROTO_IPV4;
	e.nfproto = NFPROTO_IPV4;
	snprintf(e.table, sizeof(e.table), "t");
	snprintf(e.chain, sizeof(e.chain), "%s", chain);
	e.type = EV_TYPE_RULE;
	e.handle = handle;
	e.verdict = verdict;
	e.has = EV_HAS_HANDLE | EV_HAS_VERDICT;
	return e;
}

static bool is_start(const struct trace_event *e)
{
	return !strcmp(e->chain, "start");
}

static bool is_drop(const struct trace_event *e)
{
	return (e->has & EV_HAS_VERDICT) && e->verdict == NF_DROP;
}

/* One event, then a flush, as main's loop does after each drain: a
 * block whose fate is known comes out at that flush. */
/* Whether an event starts a packet is the caller's to say, once, at
 * arrival (app.c take_event): r->starts here. Each event is read in a
 * round of its own, which begins as it is added. */
static int rec_add(struct rec *r, struct assembler *a, const struct trace_event *e)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	asm_round(a, &now);
	return asm_add(a, e, r->starts && r->starts(e));
}

static void add(struct rec *r, struct assembler *a, struct trace_event e)
{
	assert_int_equal(rec_add(r, a, &e), 0);
	asm_flush(a, false);
}

/* Interleaved packets come out as separate blocks, each in order. */
static void test_blocks_by_id(void **state)
{
	struct rec r = { .starts = is_start, .ends = is_drop };
	struct assembler *a = new_asm(&r, 60000);

	(void)state;
	asm_flush(a, false);	/* before any block: nothing to move */
	add(&r, a, ev(0xa, "start", 1, NFT_CONTINUE));
	add(&r, a, ev(0xb, "start", 1, NFT_CONTINUE));
	add(&r, a, ev(0xa, "c", 2, NFT_JUMP));
	add(&r, a, ev(0xb, "c", 2, NF_ACCEPT));
	add(&r, a, ev(0xa, "d", 3, NFT_CONTINUE));
	assert_int_equal(asm_open_blocks(a), 2);
	assert_int_equal(r.n, 0);
	add(&r, a, ev(0xa, "d", 4, NF_DROP));	/* a's fate: out at once */
	assert_int_equal(r.n, 1);
	assert_int_equal(r.blocks[0].id, 0xa);
	assert_int_equal(r.blocks[0].nevs, 4);
	assert_int_equal(r.blocks[0].first_handle, 1);
	assert_int_equal(r.blocks[0].last_handle, 4);
	assert_true(r.blocks[0].fate_known);
	assert_false(r.blocks[0].superseded);
	assert_int_equal(asm_open_blocks(a), 1);
	add(&r, a, ev(0xb, "e", 3, NF_ACCEPT));
	asm_flush(a, true);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.blocks[1].id, 0xb);
	assert_int_equal(r.blocks[1].nevs, 3);
	assert_int_equal(r.blocks[1].last_handle, 3);
	assert_false(r.blocks[1].fate_known);
	assert_false(r.mixed_ids);
	assert_int_equal(asm_open_blocks(a), 0);
	asm_free(a);
}

/* Trace ids are a hash of the skb: a later packet may reuse an open id.
 * Its first event closes the old block, which is emitted before the new
 * one gets any event. */
static void test_new_packet_closes_same_id(void **state)
{
	struct rec r = { .starts = is_start, .ends = is_drop };
	struct assembler *a = new_asm(&r, 60000);

	(void)state;
	add(&r, a, ev(0xa, "start", 1, NFT_CONTINUE));	/* no block to close */
	assert_int_equal(r.n, 0);
	add(&r, a, ev(0xa, "c", 2, NF_ACCEPT));
	add(&r, a, ev(0xb, "start", 1, NFT_CONTINUE));
	add(&r, a, ev(0xa, "start", 11, NFT_CONTINUE));
	assert_int_equal(r.n, 1);
	assert_int_equal(r.blocks[0].id, 0xa);
	assert_int_equal(r.blocks[0].nevs, 2);
	assert_int_equal(r.blocks[0].last_handle, 2);
	assert_true(r.blocks[0].superseded);
	assert_false(r.blocks[0].fate_known);
	assert_int_equal(asm_open_blocks(a), 2);
	add(&r, a, ev(0xa, "c", 12, NF_DROP));
	assert_int_equal(r.n, 2);
	assert_int_equal(r.blocks[1].id, 0xa);
	assert_int_equal(r.blocks[1].nevs, 2);
	assert_int_equal(r.blocks[1].first_handle, 11);
	assert_false(r.blocks[1].superseded);
	assert_true(r.blocks[1].fate_known);
	/* an event after the fate opens a new block rather than reviving */
	add(&r, a, ev(0xa, "late", 13, NF_ACCEPT));
	assert_int_equal(asm_open_blocks(a), 2);
	asm_flush(a, true);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.blocks[2].id, 0xb);
	assert_int_equal(r.blocks[3].id, 0xa);
	assert_int_equal(r.blocks[3].first_handle, 13);
	assert_false(r.mixed_ids);
	asm_free(a);
}

static void test_fate_on_first_event(void **state)
{
	struct rec r = { .starts = is_start, .ends = is_drop };
	struct assembler *a = new_asm(&r, 60000);

	(void)state;
	add(&r, a, ev(7, "start", 1, NF_DROP));
	assert_int_equal(r.n, 1);
	assert_int_equal(r.blocks[0].nevs, 1);
	assert_true(r.blocks[0].fate_known);
	assert_int_equal(asm_open_blocks(a), 0);
	assert_int_equal(asm_next_timeout(a), -1);
	asm_free(a);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0)
		;
}

/* A block with no verdict ends after quiet_ms without events. */
static void test_quiet_flush(void **state)
{
	struct rec r = { .starts = is_start, .ends = is_drop };
	struct assembler *a = new_asm(&r, 100);
	int t;

	(void)state;
	assert_int_equal(asm_next_timeout(a), -1);
	add(&r, a, ev(1, "start", 1, NFT_CONTINUE));
	add(&r, a, ev(1, "c", 2, NF_ACCEPT));
	asm_flush(a, false);
	assert_int_equal(r.n, 0);		/* not quiet yet */
	t = asm_next_timeout(a);
	assert_true(t > 0 && t <= 100);
	sleep_ms(150);
	assert_int_equal(asm_next_timeout(a), 0);
	add(&r, a, ev(2, "start", 1, NFT_CONTINUE));	/* fresh: stays */
	asm_flush(a, false);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.blocks[0].id, 1);
	assert_int_equal(r.blocks[0].nevs, 2);
	assert_false(r.blocks[0].fate_known);
	assert_int_equal(asm_open_blocks(a), 1);
	t = asm_next_timeout(a);
	assert_true(t > 0 && t <= 100);
	/* an event restarts its block's quiet time */
	sleep_ms(60);
	add(&r, a, ev(2, "c", 2, NFT_CONTINUE));
	sleep_ms(60);
	asm_flush(a, false);
	assert_int_equal(r.n, 1);
	sleep_ms(60);
	asm_flush(a, false);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.blocks[1].nevs, 2);
	asm_free(a);
}

/* Open blocks are bounded: the oldest goes out to make room. */
static void test_open_block_limit(void **state)
{
	struct rec r = { .starts = is_start };
	struct assembler *a = new_asm(&r, 60000);
	uint32_t id;

	(void)state;
	for (id = 1; id <= 4096; id++)
		add(&r, a, ev(id, "start", 1, NFT_CONTINUE));
	assert_int_equal(r.n, 0);
	assert_int_equal(asm_open_blocks(a), 4096);
	add(&r, a, ev(4097, "start", 1, NFT_CONTINUE));
	assert_int_equal(r.n, 1);
	assert_int_equal(r.blocks[0].id, 1);
	assert_int_equal(asm_open_blocks(a), 4096);
	add(&r, a, ev(2, "c", 2, NF_ACCEPT));	/* still open, still joined */
	asm_flush(a, true);
	assert_int_equal(r.total_evs, 4098);
	assert_int_equal(r.blocks[1].id, 2);
	assert_int_equal(r.blocks[1].nevs, 2);
	asm_free(a);
}

/* A burst: thousands of packets open at once, their events interleaved
 * out of order. Each event still reaches its own packet's block (the
 * open blocks are found through counting filters that must never miss
 * one), and an id seen again after its block is gone starts afresh. */
static void test_burst_of_open_blocks(void **state)
{
	struct rec r = { .starts = is_start, .ends = is_drop };
	struct assembler *a = new_asm(&r, 60000);
	enum { N = 3000 };
	static uint32_t ids[N];
	uint32_t x = 12345;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;	/* distinct, scattered ids */
		ids[i] = (x & 0x7fffffffu) | 1u;
		add(&r, a, ev(ids[i], "start", 1, NFT_CONTINUE));
	}
	assert_int_equal(asm_open_blocks(a), N);
	for (i = N; i-- > 0;)
		add(&r, a, ev(ids[i], "c", 2, NFT_CONTINUE));
	for (i = 0; i < N; i += 2)
		add(&r, a, ev(ids[i], "d", 3, NF_DROP));
	assert_int_equal(r.total_evs, (N / 2) * 3);
	assert_int_equal(asm_open_blocks(a), N / 2);
	for (i = 1; i < N; i += 2)
		add(&r, a, ev(ids[i], "d", 3, NF_DROP));
	assert_int_equal(r.total_evs, N * 3);
	assert_int_equal(asm_open_blocks(a), 0);
	/* the ids again: new packets, each a block of its own */
	for (i = 0; i < 100; i++)
		add(&r, a, ev(ids[i], "c", 4, NFT_CONTINUE));
	assert_int_equal(asm_open_blocks(a), 100);
	asm_flush(a, true);
	assert_int_equal(r.total_evs, N * 3 + 100);
	assert_false(r.mixed_ids);
	asm_free(a);
}

/* The real capture (nft-server-all.txt): 72 events, 12 packets. */
static bool fx_starts(const struct trace_event *e)
{
	return !strcmp(e->table, "fx") && !strcmp(e->chain, "pre") &&
	       (e->has & EV_HAS_HANDLE) && e->handle == 4;
}

static bool fx_drop(const struct trace_event *e)
{
	if (e->type == EV_TYPE_POLICY)
		return e->policy == NF_DROP;
	return (e->has & EV_HAS_VERDICT) && e->verdict == NF_DROP;
}

struct feed { struct rec *r; struct assembler *a; };

static void feed_cb(const struct nlmsghdr *nlh, void *data)
{
	struct feed *f = data;
	struct trace_event e;

	assert_int_equal(nl_trace_parse(nlh, &e), 0);
	add(f->r, f->a, e);
}

static void test_real_capture(void **state)
{
	struct rec r = { .starts = fx_starts, .ends = fx_drop };
	struct assembler *a = new_asm(&r, 60000);
	struct feed f = { &r, a };
	size_t i;

	(void)state;
	assert_int_equal(fixture_stream("nft-server-all.stream", feed_cb, &f), 72);
	/* during the replay: the UDP 7778 packet met the policy drop, and
	 * the FIN reused the SYN's trace id 8c368f0e */
	assert_int_equal(r.n, 2);
	assert_int_equal(r.blocks[0].id, 0x8c368f0e);
	assert_true(r.blocks[0].superseded);
	assert_int_equal(r.blocks[0].nevs, 9);	/* messages 0017-0025 */
	assert_int_equal(r.blocks[0].last_handle, 14);
	assert_int_equal(r.blocks[1].id, 0xb73eb25f);
	assert_true(r.blocks[1].fate_known);
	assert_int_equal(r.blocks[1].nevs, 7);	/* messages 0057-0063 */
	asm_flush(a, true);
	assert_int_equal(r.n, 12);
	assert_int_equal(r.total_evs, 72);
	assert_false(r.mixed_ids);
	for (i = 0; i < r.n; i++)
		assert_int_equal(r.blocks[i].first_handle, 4);	/* fx pre #1 */
	/* blocks still open at the end come out in arrival order */
	assert_int_equal(r.blocks[2].id, 0x63f80dde);
	assert_int_equal(r.blocks[2].nevs, 3);
	assert_int_equal(r.blocks[11].id, 0x7372c908);
	asm_free(a);
}

/* Legacy x_tables events carry no trace id; the packet's headers put
 * them in the right block, whichever socket delivered first. */
static struct trace_event as_xt(struct trace_event e)
{
	e.source = EV_SRC_XT;
	e.id = 0;
	e.has &= ~(EV_HAS_HANDLE | EV_HAS_CT);
	e.handle = 0;
	e.rulenum = 1;
	snprintf(e.table, sizeof(e.table), "filter");
	snprintf(e.chain, sizeof(e.chain), "INPUT");
	return e;
}

static void test_legacy_events_join_by_headers(void **state)
{
	struct rec r = { .starts = fx_starts, .ends = fx_drop };
	struct assembler *a = new_asm(&r, 60000);
	struct trace_event pre, echo, syn_pre, syn;

	(void)state;
	fixture_event("nft-ip4-icmp-prerouting-nftrace.nlmsg", &pre);
	fixture_event("nft-ip4-icmp-echo-accept.nlmsg", &echo);
	fixture_event("nft-tcp-syn-jump.nlmsg", &syn);
	syn_pre = syn;			/* the SYN's own nftrace event */
	snprintf(syn_pre.chain, sizeof(syn_pre.chain), "pre");
	syn_pre.handle = 4;

	/* nft first, legacy after */
	add(&r, a, pre);
	add(&r, a, as_xt(syn));		/* another packet: its own block */
	add(&r, a, as_xt(echo));
	assert_int_equal(asm_open_blocks(a), 2);
	/* legacy first, then the packet's nft events adopt its block */
	add(&r, a, syn_pre);
	assert_int_equal(asm_open_blocks(a), 2);
	add(&r, a, syn);
	asm_flush(a, true);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.blocks[0].id, 0xd63ac222);
	assert_int_equal(r.blocks[0].nevs, 2);
	assert_int_equal(r.blocks[1].id, 0x8c368f0e);
	assert_int_equal(r.blocks[1].nevs, 3);
	assert_false(r.mixed_ids);
	asm_free(a);
}

/* A packet over lo: its way out (no input interface) and its way back
 * in (from lo) carry the same headers, under two ids. Read in one go,
 * nft events first, each pass's legacy events still go to its own
 * block: the way out's have no input interface. (The newest block of
 * the headers, the way in, took them all.) */
static void test_lo_passes_keep_their_legacy_events(void **state)
{
	struct rec r = { .starts = fx_starts, .ends = fx_drop };
	struct assembler *a = new_asm(&r, 60000);
	struct trace_event in, out, xt_out, xt_in;

	(void)state;
	fixture_event("nft-ip4-icmp-prerouting-nftrace.nlmsg", &in);
	assert_true((in.has & EV_HAS_IIF) && in.iif);
	out = in;
	out.id = 0x1111;
	out.has &= ~EV_HAS_IIF;
	out.iif = 0;
	xt_out = as_xt(out);
	snprintf(xt_out.chain, sizeof(xt_out.chain), "OUTPUT");
	xt_in = as_xt(in);

	assert_int_equal(rec_add(&r, a, &out), 0);
	assert_int_equal(rec_add(&r, a, &in), 0);
	assert_int_equal(rec_add(&r, a, &xt_out), 0);
	assert_int_equal(rec_add(&r, a, &xt_in), 0);
	asm_flush(a, true);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.blocks[0].id, 0x1111);
	assert_int_equal(r.blocks[0].nevs, 2);
	assert_int_equal(r.blocks[1].id, in.id);
	assert_int_equal(r.blocks[1].nevs, 2);
	asm_free(a);
}

/* br_netfilter: the routed pass of a bridged-in packet comes under a
 * new trace id, with no start of ours and the TTL one lower. It joins
 * the bridge pass: same headers otherwise, same input interface. The
 * same headers from another interface are not the same packet. */
static void test_routed_pass_joins_bridge_pass(void **state)
{
	struct rec r = { .starts = fx_starts, .ends = fx_drop };
	struct assembler *a = new_asm(&r, 60000);
	struct trace_event pre, routed, elsewhere;

	(void)state;
	fixture_event("nft-ip4-icmp-prerouting-nftrace.nlmsg", &pre);
	fixture_event("nft-ip4-icmp-echo-accept.nlmsg", &routed);
	routed.id = 0x1234;
	routed.hdr[8]--;		/* TTL, decremented by forwarding */
	elsewhere = routed;
	elsewhere.id = 0x5678;
	elsewhere.iif = pre.iif + 1;

	add(&r, a, pre);
	add(&r, a, routed);
	assert_int_equal(asm_open_blocks(a), 1);
	add(&r, a, elsewhere);
	assert_int_equal(asm_open_blocks(a), 2);
	asm_flush(a, true);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.blocks[0].id, 0xd63ac222);
	assert_int_equal(r.blocks[0].nevs, 2);
	assert_int_equal(r.blocks[1].id, 0x5678);
	assert_int_equal(r.blocks[1].nevs, 1);
	asm_free(a);
}

/* Our bridge table marks a frame at the bridge's prerouting, then our
 * inet table's rule fires for it in br_netfilter's bridge pass, under
 * the same id: one packet, not a new one. A second inet start is. */
static void test_bridge_and_inet_starts_are_one_packet(void **state)
{
	struct rec r = { .starts = fx_starts, .ends = fx_drop };
	struct assembler *a = new_asm(&r, 60000);
	struct trace_event br, inet;

	(void)state;
	fixture_event("nft-ip4-icmp-prerouting-nftrace.nlmsg", &inet);
	br = inet;
	br.family = NFPROTO_BRIDGE;

	add(&r, a, br);
	add(&r, a, inet);
	assert_int_equal(asm_open_blocks(a), 1);
	add(&r, a, inet);
	asm_flush(a, true);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.blocks[0].nevs, 2);
	assert_true(r.blocks[0].superseded);
	assert_int_equal(r.blocks[1].nevs, 1);
	asm_free(a);
}

/* The caller read both sockets to their end in a round that begins now. */
static void both_read_to_end(struct assembler *a)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	asm_round(a, &t);
	asm_source_read(a, EV_SRC_NFT, true);
	asm_source_read(a, EV_SRC_XT, true);
}

/* Events of one drain, then its flush. Legacy events come before the
 * nft ones of the same packet, so a verdict that ends the path may come
 * before the packet's last nft events: they still join its block. And
 * once the caller reports its reads, a closed block waits for the
 * other socket to be read to its end in a round that began after its
 * last event. */
static void test_closed_block_takes_its_tail(void **state)
{
	struct rec r = { .starts = is_start, .ends = is_drop };
	struct assembler *a = new_asm(&r, 60000);
	struct trace_event e;
	struct timespec t;

	(void)state;
	both_read_to_end(a);
	e = ev(0xc, "start", 1, NFT_CONTINUE);
	assert_int_equal(rec_add(&r, a, &e), 0);
	e = ev(0xc, "c", 2, NF_DROP);
	assert_int_equal(rec_add(&r, a, &e), 0);
	e = ev(0xc, "tail", 3, NF_ACCEPT);
	assert_int_equal(rec_add(&r, a, &e), 0);
	asm_flush(a, false);
	assert_int_equal(r.n, 0);	/* no read since its last event */
	/* the trace socket, whose verdict closed it, need not be read
	 * again: its events come in order */
	clock_gettime(CLOCK_MONOTONIC, &t);
	asm_round(a, &t);
	asm_source_read(a, EV_SRC_NFT, false);
	asm_source_read(a, EV_SRC_XT, true);
	asm_flush(a, false);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.blocks[0].nevs, 3);
	assert_int_equal(r.blocks[0].last_handle, 3);
	assert_true(r.blocks[0].fate_known);
	assert_int_equal(asm_open_blocks(a), 0);
	asm_free(a);
}

/* A block's events count as read at the start of their round, not as
 * each came: a socket read to its end in that same round may have been
 * read before them, so the block waits for a later round. */
static void test_read_to_end_in_the_blocks_own_round_is_not_past_it(void **state)
{
	struct rec r = { .starts = is_start, .ends = is_drop };
	struct assembler *a = new_asm(&r, 60000);
	struct trace_event e;
	struct timespec t;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t);
	asm_round(a, &t);
	asm_source_read(a, EV_SRC_XT, true);	/* read out first, then: */
	e = ev(0xd, "start", 1, NFT_CONTINUE);
	assert_int_equal(asm_add(a, &e, true), 0);
	e = ev(0xd, "c", 2, NF_DROP);
	assert_int_equal(asm_add(a, &e, false), 0);
	asm_source_read(a, EV_SRC_NFT, true);
	asm_flush(a, false);
	assert_int_equal(r.n, 0);	/* its legacy events may be queued */
	t.tv_nsec++;			/* the next round, a moment later */
	asm_round(a, &t);
	asm_source_read(a, EV_SRC_NFT, true);
	asm_source_read(a, EV_SRC_XT, true);
	asm_flush(a, false);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.blocks[0].nevs, 2);
	asm_free(a);
}

/* Packet i of the tests below: its start (the fixture's nftrace event,
 * trace id 0x1000 + i) and one legacy event, with IP id i. */
static struct trace_event pkt_event(unsigned int i, bool legacy)
{
	struct trace_event e;

	fixture_event("nft-ip4-icmp-prerouting-nftrace.nlmsg", &e);
	e.hdr[4] = (uint8_t)(i >> 8);
	e.hdr[5] = (uint8_t)i;
	e.id = 0x1000 + i;
	return legacy ? as_xt(e) : e;
}

/* One legacy event for each of packets 0 to n - 1, none started yet. */
static void add_legacy_events(struct rec *r, struct assembler *a, unsigned int n)
{
	struct trace_event e;
	unsigned int i;

	for (i = 0; i < n; i++) {
		e = pkt_event(i, true);
		assert_int_equal(rec_add(r, a, &e), 0);
	}
}

/* Issue 11's burst on a mixed host, in the order the two sockets hand
 * it over when both hold a backlog: the NFLOG one (one event a packet)
 * read to its end first, 5,000 packets ahead of the trace one (each
 * packet's start and verdict). Each packet's legacy event waits for its
 * start, though 4,096 blocks are open at most; each block closed by its
 * verdict goes as soon as the NFLOG socket was read past it, while the
 * trace socket is still behind. Before, the legacy events beyond 4,096
 * were dropped, and their packets came out without them. */
static void test_legacy_events_wait_for_a_backlogged_start(void **state)
{
	struct rec r = { .starts = fx_starts, .ends = is_drop };
	struct assembler *a = new_asm(&r, 60000);
	const unsigned int n = 5000;
	struct trace_event e;
	struct timespec t;
	unsigned int i;

	(void)state;
	both_read_to_end(a);
	add_legacy_events(&r, a, n);
	assert_int_equal(asm_open_blocks(a), n);
	for (i = 0; i < n; i++) {
		e = pkt_event(i, false);
		assert_int_equal(rec_add(&r, a, &e), 0);
		e = ev(0x1000 + i, "c", 7, NF_DROP);
		assert_int_equal(rec_add(&r, a, &e), 0);
		clock_gettime(CLOCK_MONOTONIC, &t);
		asm_round(a, &t);
		asm_source_read(a, EV_SRC_NFT, false);
		asm_source_read(a, EV_SRC_XT, true);
		asm_flush(a, false);
		assert_int_equal(r.emitted, i + 1);
	}
	assert_int_equal(r.total_evs, 3 * n);
	assert_int_equal(r.blocks[0].nevs, 3);
	assert_true(r.blocks[0].fate_known);
	assert_false(r.blocks[0].cut);
	assert_int_equal(asm_open_blocks(a), 0);
	asm_free(a);
}

/* A legacy host: the trace socket gives each packet's start, the NFLOG
 * socket its steps and the verdict that closes it. While the NFLOG one
 * holds a backlog, the trace socket is left unread once 1,024 started
 * blocks wait for their legacy events; not when the NFLOG socket was
 * read to its end, and never the NFLOG socket itself. A block its legacy
 * verdict closed goes once 256 later starts were read, the trace socket
 * still behind. */
static void test_starts_wait_for_a_backlogged_legacy_socket(void **state)
{
	struct rec r = { .starts = fx_starts, .ends = is_drop };
	struct assembler *a = new_asm(&r, 60000);
	struct trace_event e;
	struct timespec t;
	unsigned int i;

	(void)state;
	both_read_to_end(a);
	for (i = 0; i < 1023; i++) {
		e = pkt_event(i, false);
		assert_int_equal(rec_add(&r, a, &e), 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	asm_round(a, &t);
	asm_source_read(a, EV_SRC_XT, false);
	assert_false(asm_read_ahead(a, EV_SRC_NFT));
	e = pkt_event(1023, false);
	assert_int_equal(rec_add(&r, a, &e), 0);
	assert_true(asm_read_ahead(a, EV_SRC_NFT));
	assert_false(asm_read_ahead(a, EV_SRC_XT));
	/* packet 1000's legacy verdict: one block fewer waits */
	e = pkt_event(1000, true);
	e.verdict = NF_DROP;
	e.has |= EV_HAS_VERDICT;
	assert_int_equal(rec_add(&r, a, &e), 0);
	assert_false(asm_read_ahead(a, EV_SRC_NFT));
	asm_flush(a, false);
	assert_int_equal(r.n, 0);	/* 23 starts after it */
	for (i = 1024; i < 1024 + 233; i++) {
		e = pkt_event(i, false);
		assert_int_equal(rec_add(&r, a, &e), 0);
		asm_flush(a, false);
		assert_int_equal(r.n, i + 1 - 1024 == 233);
	}
	assert_int_equal(r.blocks[0].id, 0x1000 + 1000);
	assert_int_equal(r.blocks[0].nevs, 2);
	assert_false(r.blocks[0].cut);
	both_read_to_end(a);
	assert_false(asm_read_ahead(a, EV_SRC_NFT));
	asm_free(a);
}

/* A block no verdict closes ends after the quiet time, but not while a
 * socket its events may still sit on has not been read to its end
 * since its last event: behind a backlog, quiet means nothing. */
static void test_quiet_time_waits_for_a_backlog(void **state)
{
	struct rec r = { .starts = is_start, .ends = is_drop };
	struct assembler *a = new_asm(&r, 1);
	struct trace_event e = ev(0xd, "start", 1, NFT_CONTINUE);
	struct timespec t, nap = { 0, 5 * 1000 * 1000 };

	(void)state;
	both_read_to_end(a);
	assert_int_equal(rec_add(&r, a, &e), 0);
	nanosleep(&nap, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t);
	asm_round(a, &t);
	asm_source_read(a, EV_SRC_NFT, false);	/* still behind */
	asm_source_read(a, EV_SRC_XT, true);
	asm_flush(a, false);
	assert_int_equal(r.n, 0);
	assert_int_equal(asm_next_timeout(a), 1);
	both_read_to_end(a);
	asm_flush(a, false);
	assert_int_equal(r.n, 1);
	assert_false(r.blocks[0].fate_known);
	asm_free(a);
}

/* Legacy events no start of ours adopts (a colleague's tracer marked
 * the packet) go after the quiet time, once both sockets were read past
 * them; they count as open until then. */
static void test_unadopted_legacy_events_go_after_quiet_time(void **state)
{
	struct rec r = { .starts = fx_starts, .ends = is_drop };
	struct assembler *a = new_asm(&r, 1);
	struct trace_event e = pkt_event(1, true);
	struct timespec nap = { 0, 5 * 1000 * 1000 };

	(void)state;
	both_read_to_end(a);
	assert_int_equal(rec_add(&r, a, &e), 0);
	nanosleep(&nap, NULL);
	asm_flush(a, false);
	assert_int_equal(r.n, 0);
	assert_int_equal(asm_open_blocks(a), 1);
	both_read_to_end(a);
	asm_flush(a, false);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.blocks[0].nevs, 1);
	assert_int_equal(asm_open_blocks(a), 0);
	asm_free(a);
}

/* More legacy events waiting than the bound (16,384 blocks): the oldest
 * is dropped, and its packet's block says it may lack events; another
 * packet's does not. Once the trace socket was read past the drop, the
 * note is gone. */
static void test_dropped_waiting_events_mark_their_packet(void **state)
{
	struct rec r = { .starts = fx_starts, .ends = is_drop };
	struct assembler *a = new_asm(&r, 60000);
	const unsigned int n = 16384 + 1;
	struct trace_event e;

	(void)state;
	both_read_to_end(a);
	add_legacy_events(&r, a, n);
	assert_int_equal(r.emitted, 1);		/* packet 0's, dropped */
	e = pkt_event(0, false);
	assert_int_equal(rec_add(&r, a, &e), 0);
	e = pkt_event(1, false);
	assert_int_equal(rec_add(&r, a, &e), 0);
	r.n = 0;
	asm_flush(a, true);
	assert_int_equal(r.blocks[0].id, 0x1000);
	assert_int_equal(r.blocks[0].nevs, 1);
	assert_true(r.blocks[0].cut);
	assert_int_equal(r.blocks[1].id, 0x1001);
	assert_int_equal(r.blocks[1].nevs, 2);
	assert_false(r.blocks[1].cut);
	both_read_to_end(a);
	e = pkt_event(0, false);
	e.id = 0x9999;
	assert_int_equal(rec_add(&r, a, &e), 0);
	r.n = 0;
	asm_flush(a, true);
	assert_false(r.blocks[0].cut);
	asm_free(a);
}

/* An overflow of the trace socket: the kernel drops its events until
 * its queue is read out, and the queue holds what came before the drop.
 * A block that an event from the queue closes lost nothing; a block
 * still open when the queue is out may have lost its rest. Blocks begun
 * after that are whole. A caller that reports no reads gets the blocks
 * open at the overflow cut at once. */
static void test_overflow_cuts_what_the_queue_does_not_close(void **state)
{
	struct rec r = { .starts = is_start, .ends = is_drop };
	struct assembler *a = new_asm(&r, 60000);
	struct trace_event e;

	(void)state;
	both_read_to_end(a);
	add(&r, a, ev(1, "start", 1, NFT_CONTINUE));	/* open at the overflow */
	add(&r, a, ev(2, "start", 2, NFT_CONTINUE));	/* ... and closed from the queue */
	asm_mark_cut(a, EV_SRC_NFT);
	add(&r, a, ev(3, "start", 3, NFT_CONTINUE));	/* begun from the queue */
	add(&r, a, ev(2, "c", 4, NF_DROP));
	add(&r, a, ev(4, "start", 5, NFT_CONTINUE));	/* ... and closed from it */
	add(&r, a, ev(4, "c", 6, NF_DROP));
	both_read_to_end(a);				/* the queue is out */
	add(&r, a, ev(5, "start", 7, NFT_CONTINUE));	/* after the drop */
	add(&r, a, ev(5, "c", 8, NF_DROP));
	add(&r, a, ev(1, "c", 9, NF_DROP));		/* its rest came late */
	asm_flush(a, true);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.blocks[0].id, 2);
	assert_false(r.blocks[0].cut);
	assert_int_equal(r.blocks[1].id, 4);
	assert_false(r.blocks[1].cut);
	assert_int_equal(r.blocks[2].id, 1);
	assert_true(r.blocks[2].cut);
	assert_int_equal(r.blocks[3].id, 3);
	assert_true(r.blocks[3].cut);
	assert_int_equal(r.blocks[4].id, 5);
	assert_false(r.blocks[4].cut);
	asm_free(a);

	memset(&r, 0, sizeof(r));
	r.starts = is_start;
	r.ends = is_drop;
	a = new_asm(&r, 1000);
	e = ev(1, "start", 1, NFT_CONTINUE);
	assert_int_equal(rec_add(&r, a, &e), 0);
	asm_mark_cut(a, EV_SRC_NFT);
	e = ev(2, "start", 2, NFT_CONTINUE);
	assert_int_equal(rec_add(&r, a, &e), 0);
	asm_flush(a, true);
	assert_int_equal(r.n, 2);
	assert_true(r.blocks[0].cut);
	assert_false(r.blocks[1].cut);
	asm_free(a);
}

/* At most so many events are held: the oldest other block is emitted
 * early and cut short (unless its fate was known), and a block that
 * holds the bound alone takes no more and says so. */
static void test_held_events_are_bounded(void **state)
{
	struct rec r = { .starts = is_start, .ends = is_drop };
	struct assembler *a = new_asm(&r, 60000);
	uint64_t h;

	(void)state;
	asm_set_max_held(a, 4);
	add(&r, a, ev(1, "start", 1, NFT_CONTINUE));
	add(&r, a, ev(1, "c", 2, NFT_CONTINUE));
	add(&r, a, ev(2, "start", 3, NFT_CONTINUE));
	add(&r, a, ev(2, "c", 4, NFT_CONTINUE));
	assert_int_equal(r.n, 0);
	/* a fifth event: packet 1, the oldest, goes first */
	add(&r, a, ev(2, "c", 5, NFT_CONTINUE));
	assert_int_equal(r.n, 1);
	assert_int_equal(r.blocks[0].id, 1);
	assert_true(r.blocks[0].cut);
	/* packet 2 alone at the bound: no more events, cut short */
	for (h = 6; h <= 8; h++)
		add(&r, a, ev(2, "c", h, NFT_CONTINUE));
	asm_flush(a, true);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.blocks[1].id, 2);
	assert_int_equal(r.blocks[1].nevs, 4);
	assert_true(r.blocks[1].cut);
	assert_int_equal(asm_dropped(a), 2);	/* 7 and 8 */
	asm_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks_by_id),
		cmocka_unit_test(test_new_packet_closes_same_id),
		cmocka_unit_test(test_fate_on_first_event),
		cmocka_unit_test(test_quiet_flush),
		cmocka_unit_test(test_open_block_limit),
		cmocka_unit_test(test_burst_of_open_blocks),
		cmocka_unit_test(test_real_capture),
		cmocka_unit_test(test_legacy_events_join_by_headers),
		cmocka_unit_test(test_lo_passes_keep_their_legacy_events),
		cmocka_unit_test(test_routed_pass_joins_bridge_pass),
		cmocka_unit_test(test_bridge_and_inet_starts_are_one_packet),
		cmocka_unit_test(test_overflow_cuts_what_the_queue_does_not_close),
		cmocka_unit_test(test_closed_block_takes_its_tail),
		cmocka_unit_test(test_read_to_end_in_the_blocks_own_round_is_not_past_it),
		cmocka_unit_test(test_held_events_are_bounded),
		cmocka_unit_test(test_legacy_events_wait_for_a_backlogged_start),
		cmocka_unit_test(test_quiet_time_waits_for_a_backlog),
		cmocka_unit_test(test_starts_wait_for_a_backlogged_legacy_socket),
		cmocka_unit_test(test_unadopted_legacy_events_go_after_quiet_time),
		cmocka_unit_test(test_dropped_waiting_events_mark_their_packet),
	};

	return cmocka_run_group_tests_name("assemble", tests, NULL, NULL);
}
