/* Blocks are kept in arrival order of their first event. A block ends
 * when its fate is known, when its trace id starts a new packet, or
 * after a quiet time with no events. Ready blocks are emitted in order
 * of completion. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mono_time.h"
#include "assemble.h"
#include "decode.h"
#include <linux/netfilter.h>

/* Bounds memory when events keep coming for ids that never finish. */
#define MAX_OPEN_BLOCKS	4096

/* Bounds the events held in open blocks (about 1 KB each): a flood of
 * packets that each match thousands of rules would hold gigabytes. */
#define MAX_HELD_EVENTS	(1u << 16)

/* Starts of ours read after a block's on a socket that sends them, past
 * which none of the block's own events can still be queued there: a
 * packet crosses the hooks in microseconds, and this many packets after
 * it is far more than can cross them at the same time. */
#define STARTS_PAST	256

/* Started blocks no event has closed yet, past which a socket of starts
 * is left unread while another still holds a backlog (asm_read_ahead). */
#define READ_AHEAD	1024

/* Blocks of legacy events waiting for their packet's start (see
 * wait_new): a ring, a power of two. */
#define MAX_WAITING	16384

/* Packets of ours that a rule queued to userspace: when the listener
 * reinjects one, its later passage has the same trace id and headers but
 * no event of our tracing rule, which ran before the queue. */
#define QUEUED_KEPT	64

/* Counting filters over the open blocks' trace ids and the waiting
 * blocks' packet keys, and the open blocks listed by key slot. A slot
 * at zero proves that no block has that id or key, so the common miss,
 * a new packet, costs no walk over the open blocks: in a burst
 * thousands are open, and a walk per event made the receive path
 * quadratic. A count is never too low; a slot shared by two ids only
 * costs a walk. (Counts fit: a block adds at most two ids and one key,
 * and at most MAX_OPEN_BLOCKS are open.) */
#define FILTER_SLOTS	65536

struct queued {
	uint32_t id;
	struct pkt_key key;
};

struct assembler {
	struct asm_ops ops;
	unsigned int quiet_ms;
	struct block **open;
	size_t nopen, cap;
	struct queued queued[QUEUED_KEPT];
	unsigned int next_queued;
	struct timespec round;		/* the start of this round (asm_round) */
	/* Sources the caller reads, and when each was last read to its
	 * end: the start of that round (asm_source_read). */
	bool reads[EV_SRC_N];
	struct timespec read_to_end[EV_SRC_N];
	bool backlog[EV_SRC_N];		/* its last read did not reach its end */
	/* Sources that overflowed and were not read to their end since:
	 * what is queued there came before what the kernel dropped, and it
	 * drops until the queue is read out (asm_mark_cut). A bit each. */
	uint8_t overflowed;
	uint64_t starts;		/* events of ours read so far */
	/* Blocks of legacy events read before any event of a packet of
	 * ours came with their headers, oldest first: the NFLOG socket,
	 * one event a packet, is read to its end long before the trace
	 * socket, 20 or more a packet, when both hold a backlog. A ring
	 * whose adopted slots are NULL. */
	struct block *waiting[MAX_WAITING];
	size_t wait_head, nwait;
	uint16_t wait_key_count[FILTER_SLOTS];
	/* Keys of waiting blocks dropped to bound memory, until every
	 * start sent before the last drop has been read: a packet of one
	 * of them may lack its legacy steps. */
	uint8_t evicted[FILTER_SLOTS];
	size_t nwait_live;		/* waiting slots that hold a block */
	bool any_evicted;
	struct timespec evicted_last;
	size_t held, max_held;		/* events in blocks not yet freed */
	unsigned long dropped;		/* events refused at max_held */
	uint16_t id_count[FILTER_SLOTS];
	/* The open blocks with a key, by its slot: a legacy event looks
	 * for its packet's block by key, and in a burst a thousand blocks
	 * or more are open, its own among the oldest. Walking them all,
	 * newest first, was a third of our CPU on a legacy host. */
	struct block *key_slots[FILTER_SLOTS];
	uint64_t open_seq;		/* blocks made open so far */
};

static unsigned int id_slot(uint32_t id)
{
	return (id * 2654435761u) >> 16;	/* Knuth's multiplicative hash */
}

static unsigned int key_slot(const struct pkt_key *k)
{
	uint32_t h = k->family;

	h = h * 31 + k->proto;
	h = h * 31 + k->len;
	h = h * 31 + k->ipid;
	h = h * 31 + k->l4a;
	h = h * 31 + k->l4b;
	return id_slot(h);
}

static void count_id(struct assembler *a, uint32_t id, int delta)
{
	if (id)
		a->id_count[id_slot(id)] += delta;
}

/* A waiting block's key is counted apart: an event's search of the
 * open blocks must not walk them for a key only a waiting one has. */
static void count_block_key(struct assembler *a, struct block *b, int delta)
{
	struct block **head;

	if (!b->key.valid)
		return;
	if (b->in_wait) {
		a->wait_key_count[key_slot(&b->key)] += delta;
		return;
	}
	head = &a->key_slots[key_slot(&b->key)];
	if (delta > 0) {
		b->slot_prev = NULL;
		b->slot_next = *head;
		if (*head)
			(*head)->slot_prev = b;
		*head = b;
		return;
	}
	if (b->slot_prev)
		b->slot_prev->slot_next = b->slot_next;
	else
		*head = b->slot_next;
	if (b->slot_next)
		b->slot_next->slot_prev = b->slot_prev;
	b->slot_next = b->slot_prev = NULL;
}

static bool may_have_id(const struct assembler *a, uint32_t id)
{
	return id && a->id_count[id_slot(id)];
}

/* The first open block counted in k's slot, NULL when none is. */
static struct block *slot_first(const struct assembler *a, const struct pkt_key *k)
{
	return k->valid ? a->key_slots[key_slot(k)] : NULL;
}

/* The block in the i-th waiting slot from the oldest (NULL: adopted). */
static struct block *waiting_at(const struct assembler *a, size_t i)
{
	return a->waiting[(a->wait_head + i) % MAX_WAITING];
}

static void set_id(struct assembler *a, struct block *b, uint32_t id)
{
	count_id(a, b->id, -1);
	b->id = id;
	count_id(a, id, 1);
}

static void set_joined_id(struct assembler *a, struct block *b, uint32_t id)
{
	count_id(a, b->joined_id, -1);
	b->joined_id = id;
	count_id(a, id, 1);
}

struct assembler *asm_new(const struct asm_ops *ops, unsigned int quiet_ms)
{
	struct assembler *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->ops = *ops;
	a->quiet_ms = quiet_ms;
	a->max_held = MAX_HELD_EVENTS;
	clock_gettime(CLOCK_MONOTONIC, &a->round);
	return a;
}

static void block_free(struct block *b)
{
	free(b->evs);
	free(b);
}

void asm_free(struct assembler *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->nopen; i++)
		block_free(a->open[i]);
	for (i = 0; i < a->nwait; i++)
		if (waiting_at(a, i))
			block_free(waiting_at(a, i));
	free(a->open);
	free(a);
}

static void note_queued(struct assembler *a, const struct block *b)
{
	const struct trace_event *last = &b->evs[b->nevs - 1];

	if (!b->started || !b->id || !b->key.valid ||
	    !(last->has & EV_HAS_VERDICT) || (last->verdict & 0xff) != EV_V_QUEUE)
		return;
	a->queued[a->next_queued].id = b->id;
	a->queued[a->next_queued].key = b->key;
	a->next_queued = (a->next_queued + 1) % QUEUED_KEPT;
}

/* Emit and free a block already taken out of the open list. */
static void finish(struct assembler *a, struct block *b)
{
	if (b->cut_pending)
		b->cut = true;
	count_id(a, b->id, -1);
	count_id(a, b->joined_id, -1);
	count_block_key(a, b, -1);
	if (b->nevs) {
		note_queued(a, b);
		a->ops.emit(b, a->ops.data);
	}
	a->held -= b->nevs;
	block_free(b);
}

/* Emit and drop open[i], keeping the others in order. */
static void complete(struct assembler *a, size_t i)
{
	struct block *b = a->open[i];

	memmove(&a->open[i], &a->open[i + 1], (a->nopen - i - 1) * sizeof(b));
	a->nopen--;
	finish(a, b);
}

static struct block *find_open(struct assembler *a, uint32_t id, size_t *idx)
{
	size_t i;

	if (!may_have_id(a, id))
		return NULL;
	/* A block closed by its verdict still takes the rest of its nft
	 * events: they may come after legacy ones that ended its path. One
	 * superseded by a new packet of the same id takes none. */
	for (i = a->nopen; i-- > 0;)
		if ((a->open[i]->id == id ||
		     (a->open[i]->joined_id && a->open[i]->joined_id == id)) &&
		    !a->open[i]->superseded) {
			*idx = i;
			return a->open[i];
		}
	return NULL;
}

static bool closed_whole(const struct assembler *a, const struct block *b);

/* Emit open[i] before its time, to bound memory. Events of it may still
 * come, so a block whose fate was not known yet, or whose other events
 * may still be queued on another socket, is cut short. */
static void complete_early(struct assembler *a, size_t i)
{
	struct block *b = a->open[i];

	b->no_hold = true;
	if (!b->fate_known || !closed_whole(a, b))
		b->cut = b->cut_early = true;
	complete(a, i);
}

/* Put b at the end of the open list. Returns -1 on ENOMEM. */
static int open_push(struct assembler *a, struct block *b)
{
	if (a->nopen == MAX_OPEN_BLOCKS)
		complete_early(a, 0);
	if (a->nopen == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;
		struct block **n = realloc(a->open, ncap * sizeof(*n));

		if (!n)
			return -1;
		a->open = n;
		a->cap = ncap;
	}
	a->open[a->nopen++] = b;
	b->open_seq = ++a->open_seq;
	return 0;
}

static struct block *block_new(struct assembler *a, uint32_t id)
{
	struct block *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	if (open_push(a, b) < 0) {
		free(b);
		return NULL;
	}
	set_id(a, b, id);
	b->first = a->round;
	return b;
}

static int block_append(struct block *b, const struct trace_event *ev,
			const struct timespec *round)
{
	if (b->nevs == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : b->in_wait ? 2 : 16;
		struct trace_event *n = realloc(b->evs, ncap * sizeof(*n));

		if (!n)
			return -1;
		b->evs = n;
		b->cap = ncap;
	}
	ev_copy(&b->evs[b->nevs++], ev);
	b->last = *round;
	return 0;
}

void asm_pkt_key(const struct trace_event *ev, struct pkt_key *key)
{
	struct pkt_hdrs p;

	memset(key, 0, sizeof(*key));
	if (!(ev->has & EV_HAS_NETHDR) ||
	    decode_pkt(ev->hdr, ev->nethdr_len,
		       ev->transhdr_len ? ev->hdr + ev->nethdr_len : NULL,
		       ev->transhdr_len, &p) < 0)
		return;
	key->valid = true;
	key->family = p.family;
	key->proto = p.proto;
	key->len = p.len;
	key->ipid = p.family == 2 /* AF_INET */ ? p.ipid : (uint16_t)p.flowlabel;
	if (p.proto == 6 /* TCP */) {
		key->l4a = p.tcp_seq;
		key->l4b = p.tcp_ack;
	} else if (p.proto == 1 || p.proto == 58) {
		/* type and code too: an echo reply repeats its request's id and
		 * sequence, and a neighbour advertisement can look just like
		 * the solicitation it answers */
		key->l4a = (uint32_t)p.icmp_type << 24 | (uint32_t)p.icmp_code << 16 |
			   (p.icmp_echo ? p.icmp_id : 0);
		key->l4b = p.icmp_echo ? p.icmp_seq : 0;
	} else if (p.have_payload) {
		/* UDP from unconnected sockets often has IP id 0 */
		key->l4a = p.payload[0];
		key->l4b = p.payload[1];
	}
}

static bool key_equal(const struct pkt_key *x, const struct pkt_key *y)
{
	return x->valid && y->valid && x->family == y->family &&
	       x->proto == y->proto && x->len == y->len && x->ipid == y->ipid &&
	       x->l4a == y->l4a && x->l4b == y->l4b;
}

/* The last of b's events on src came. Read while src's queue held what
 * came before an overflow, it says that none of them was dropped. */
static void close_by(struct block *b, enum ev_source src)
{
	b->closed = true;
	b->closed_src = src;
	b->cut_pending &= (uint8_t)~(1u << src);
}

static struct block **wait_slot(struct assembler *a, size_t i)
{
	return &a->waiting[(a->wait_head + i) % MAX_WAITING];
}

/* fn(b, src) on every block held: the open ones, then the waiting ones. */
static void each_block(struct assembler *a,
		       void (*fn)(struct block *b, enum ev_source src),
		       enum ev_source src)
{
	size_t i;

	for (i = 0; i < a->nopen; i++)
		fn(a->open[i], src);
	for (i = 0; i < a->nwait; i++)
		if (waiting_at(a, i))
			fn(waiting_at(a, i), src);
}

/* Take the oldest waiting slot. A block still there goes as one the
 * quiet time ended would; evicted (to bound memory), its key is noted:
 * the packet it waited for may still start (maybe_evicted). */
static void wait_pop(struct assembler *a, bool evicted)
{
	struct block *b = *wait_slot(a, 0);

	*wait_slot(a, 0) = NULL;
	a->wait_head = (a->wait_head + 1) % MAX_WAITING;
	a->nwait--;
	if (!b)
		return;
	a->nwait_live--;
	if (evicted && b->key.valid) {
		a->evicted[key_slot(&b->key)] = 1;
		a->any_evicted = true;
		clock_gettime(CLOCK_MONOTONIC, &a->evicted_last);
	}
	finish(a, b);
}

/* A block for legacy events that came before any event of their
 * packet's start. It waits apart from the open blocks, in the order it
 * came, until that start adopts it (wait_adopt) or every source has
 * been read past it (asm_flush). Legacy blocks hold a few events: its
 * array starts small. */
static struct block *wait_new(struct assembler *a)
{
	struct block *b;

	if (a->nwait == MAX_WAITING)
		wait_pop(a, true);
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->in_wait = true;
	b->first = a->round;
	*wait_slot(a, a->nwait++) = b;
	a->nwait_live++;
	return b;
}

/* The newest waiting block of the same packet, for a legacy event. */
static struct block *wait_find(struct assembler *a, const struct pkt_key *k)
{
	size_t i;

	if (!k->valid || !a->wait_key_count[key_slot(k)])
		return NULL;
	for (i = a->nwait; i-- > 0;) {
		struct block *w = waiting_at(a, i);

		if (w && key_equal(&w->key, k))
			return w;
	}
	return NULL;
}

/* The oldest waiting block of the same packet, for its start: the two
 * sockets are each read in the order their events were sent. It joins
 * the open blocks. */
static struct block *wait_adopt(struct assembler *a, const struct pkt_key *k)
{
	size_t i;

	if (!k->valid || !a->wait_key_count[key_slot(k)])
		return NULL;
	for (i = 0; i < a->nwait; i++) {
		struct block **slot = wait_slot(a, i), *w = *slot;

		if (!w || !key_equal(&w->key, k))
			continue;
		if (open_push(a, w) < 0)
			return NULL;
		count_block_key(a, w, -1);
		w->in_wait = false;
		count_block_key(a, w, 1);
		*slot = NULL;
		a->nwait_live--;
		return w;
	}
	return NULL;
}

/* A start with the key of a waiting block dropped to bound memory: its
 * legacy events may be lost. */
static bool maybe_evicted(const struct assembler *a, const struct pkt_key *k)
{
	return a->any_evicted && k->valid && a->evicted[key_slot(k)];
}

/* A packet over lo crosses the hooks twice with the same headers: on
 * its way out (no input interface) and back in (lo's), two trace ids,
 * two blocks. A legacy event without an input interface belongs to a
 * block whose nft events had none either; one with an input interface
 * not to a block whose nft events came in through another. (b->iif is
 * 0 while no nft event of the block had one.) When the events of both
 * passes are read in one go, the newest block of the key is the way
 * back in, and it took the way out's legacy steps too. */
static bool iif_fits(const struct block *b, const struct trace_event *xt)
{
	if (!xt)
		return true;
	if (!(xt->has & EV_HAS_IIF) || !xt->iif)
		return !b->iif;
	return !b->iif || b->iif == xt->iif;
}

/* The newest open block of the same packet whose input interface fits
 * the legacy event xt. */
static struct block *find_by_key(struct assembler *a, const struct pkt_key *k,
				 const struct trace_event *xt)
{
	struct block *b, *found = NULL;

	for (b = slot_first(a, k); b; b = b->slot_next)
		if (key_equal(&b->key, k) && iif_fits(b, xt) &&
		    (!found || b->open_seq > found->open_seq))
			found = b;
	return found;
}

static uint8_t start_family(const struct trace_event *ev)
{
	return ev->family == NFPROTO_BRIDGE ? 2 : 1;
}

/* The routed pass of a packet whose bridge pass is open: an nft event
 * under a new id that is no start of ours, with the headers of the
 * block's packet (the key ignores TTL and survives NAT), from the same
 * input interface (the bridge, in both passes) and the same conntrack
 * entry. The newest such block that has no second pass yet. */
static struct block *find_first_pass(struct assembler *a,
				     const struct trace_event *ev)
{
	struct pkt_key key;
	struct block *b, *found = NULL;

	if (!(ev->has & EV_HAS_NETHDR) || !(ev->has & EV_HAS_IIF) || !ev->iif)
		return NULL;
	asm_pkt_key(ev, &key);
	for (b = slot_first(a, &key); b; b = b->slot_next) {
		if ((found && b->open_seq < found->open_seq) ||
		    b->closed || !b->started || !b->has_nft || b->joined_id ||
		    b->id == ev->id || b->iif != ev->iif ||
		    !key_equal(&b->key, &key))
			continue;
		if ((ev->has & EV_HAS_CT) && ev->ct_id && b->have_ct_id &&
		    ev->ct_id != b->ct_id)
			continue;
		found = b;
	}
	return found;
}

/* Legacy events come over another socket, so they may arrive before or
 * after the nf_tables events of the same packet; the packet's key joins
 * them. A block of legacy events only waits apart (wait_new) until the
 * first nft event that starts the same packet adopts it. */
static struct block *block_for(struct assembler *a, const struct trace_event *ev,
				bool starts)
{
	struct pkt_key key;
	struct block *b;
	size_t idx;

	if (!ev_traits(ev)->by_id) {
		asm_pkt_key(ev, &key);
		b = find_by_key(a, &key, ev);
		return b || starts ? b : wait_find(a, &key);
	}
	b = find_open(a, ev->id, &idx);
	/* An earlier block of the id without a start is this packet only
	 * if it has this packet's headers: trace ids are reused. */
	if (b && starts && !b->started && b->key.valid) {
		asm_pkt_key(ev, &key);
		if (key.valid && !key_equal(&b->key, &key))
			b = NULL;
	}
	/* Trace ids come from a hash of the skb, so a later packet of the
	 * same flow can reuse the id of one still open. A block that has
	 * no start yet is the same packet, traced earlier by a rule of the
	 * user's own (meta nftrace set 1 before our priority). */
	/* Our bridge table marks a frame from a bridge port, and our inet
	 * table then sees it in br_netfilter's bridge pass: one packet. */
	if (b && starts && b->started && (b->start_families & start_family(ev))) {
		/* Finish it at the next flush, not now: its legacy events may
		 * still be queued on the other socket. Id 0 keeps further
		 * nft events of the id away from it. */
		b->superseded = true;
		close_by(b, ev->source);
		b = NULL;
	}
	if (!b && starts) {
		asm_pkt_key(ev, &key);
		if ((b = wait_adopt(a, &key)))
			set_id(a, b, ev->id);
	}
	if (!b && !starts && (b = find_first_pass(a, ev)))
		set_joined_id(a, b, ev->id);
	return b;
}

/* The first event of a block: a queued packet of ours, reinjected? */
static bool reinjected(const struct assembler *a, const struct block *b)
{
	unsigned int i;

	if (!b->id || !b->key.valid)
		return false;
	for (i = 0; i < QUEUED_KEPT; i++)
		if (a->queued[i].id == b->id && key_equal(&a->queued[i].key, &b->key))
			return true;
	return false;
}

int asm_add(struct assembler *a, const struct trace_event *ev, bool ours)
{
	struct block *b = block_for(a, ev, ours);
	bool by_id = ev_traits(ev)->by_id;

	if (!b) {
		b = by_id || ours ? block_new(a, by_id ? ev->id : 0) : wait_new(a);
		if (!b)
			return -1;
		b->cut_pending = a->overflowed;
	}
	if (!b->key.valid) {
		asm_pkt_key(ev, &b->key);
		count_block_key(a, b, 1);
		/* a packet whose legacy events were dropped unread */
		if (ours && maybe_evicted(a, &b->key))
			b->cut = b->cut_early = true;
	}
	if (!ev_traits(ev)->legacy) {
		b->has_nft = true;
		/* a bridge chain's input is the port, the ip chains' the bridge */
		if (!b->iif && (ev->has & EV_HAS_IIF) && ev->family != NFPROTO_BRIDGE)
			b->iif = ev->iif;
		if (!b->have_ct_id && (ev->has & EV_HAS_CT) && ev->ct_id) {
			b->ct_id = ev->ct_id;
			b->have_ct_id = true;
		}
	} else {
		b->has_xt = true;
	}
	if (ours) {
		if (!b->started)
			b->start_seq = ++a->starts;
		b->started = true;
		b->start_families |= start_family(ev);
	} else if (!b->nevs && reinjected(a, b)) {
		b->started = true;
	}
	/* At the bound the oldest other blocks go first; a block that holds
	 * it alone takes no more events. */
	while (a->held >= a->max_held && a->nopen > 1)
		complete_early(a, a->open[0] == b ? 1 : 0);
	while (a->held >= a->max_held && a->nwait && *wait_slot(a, 0) != b)
		wait_pop(a, true);
	if (a->held >= a->max_held) {
		b->cut = b->cut_early = true;
		a->dropped++;
		return 0;
	}
	if (block_append(b, ev, &a->round) < 0)
		return -1;
	a->held++;
	b->evs[b->nevs - 1].ours = ours;
	/* Emitted by the next asm_flush() that finds the other sources
	 * read past it: the legacy events of a packet come over another
	 * socket and may still be queued there. */
	if (a->ops.ends_path(b, ev, a->ops.data)) {
		b->fate_known = true;
		close_by(b, ev->source);
	}
	return 0;
}

/* src's queue was read out after an overflow: what a block still waits
 * for there came after the drop, or was dropped. */
static void settle_pending(struct block *b, enum ev_source src)
{
	const uint8_t bit = (uint8_t)(1u << src);

	if (b->cut_pending & bit) {
		b->cut = true;
		b->cut_pending &= (uint8_t)~bit;
	}
}

static void end_overflow(struct assembler *a, enum ev_source src)
{
	each_block(a, settle_pending, src);
	a->overflowed &= (uint8_t)~(1u << src);
}

void asm_round(struct assembler *a, const struct timespec *round_start)
{
	a->round = *round_start;
}

void asm_source_read(struct assembler *a, enum ev_source src, bool to_end)
{
	const struct timespec *round_start = &a->round;

	if (src >= EV_SRC_N)
		return;
	a->reads[src] = true;
	a->backlog[src] = !to_end;
	if (!to_end)
		return;
	a->read_to_end[src] = *round_start;
	if (a->overflowed & (1u << src))
		end_overflow(a, src);
	/* every start sent before the last eviction has been read */
	if (a->any_evicted && source_traits(src)->by_id &&
	    !ts_before(round_start, &a->evicted_last)) {
		memset(a->evicted, 0, sizeof(a->evicted));
		a->any_evicted = false;
	}
}

bool asm_read_ahead(const struct assembler *a, enum ev_source src)
{
	size_t i, unclosed = 0;
	int s;
	bool behind = false;

	if (src >= EV_SRC_N || !source_traits(src)->by_id)
		return false;
	for (s = 0; s < EV_SRC_N; s++)
		behind |= s != (int)src && a->reads[s] && a->backlog[s];
	if (!behind)
		return false;
	for (i = 0; i < a->nopen; i++)
		if (a->open[i]->started && !a->open[i]->closed &&
		    ++unclosed >= READ_AHEAD)
			return true;
	return false;
}

/* Can source s still hold an event of b's packet? Not once it was read
 * to its end in a round that began after b's last event came: the
 * kernel sends a packet's events on every socket while the packet
 * crosses the hooks. Nor, for a closed block, once a socket of our
 * starts gave STARTS_PAST later ones: on a legacy host the trace socket,
 * two events a packet, is never read to its end in a burst, while the
 * NFLOG one closes each packet. */
static bool may_hold(const struct assembler *a, const struct block *b, int s)
{
	/* b->last is its round's start: read to its end in that same
	 * round, s may have been read before b's event was */
	if (!a->reads[s] || ts_before(&b->last, &a->read_to_end[s]))
		return false;
	return !(b->closed && b->started && source_traits((enum ev_source)s)->by_id &&
		 a->starts - b->start_seq >= STARTS_PAST);
}

/* No source but skip (EV_SRC_N: none) can still hold an event of b's. */
static bool read_past(const struct assembler *a, const struct block *b,
		      enum ev_source skip)
{
	int s;

	for (s = 0; s < EV_SRC_N; s++)
		if (s != (int)skip && may_hold(a, b, s))
			return false;
	return true;
}

/* Closed, and no event of its can still be queued on another source
 * (on its own, the one whose event closed it, the rest came before). */
static bool closed_whole(const struct assembler *a, const struct block *b)
{
	return b->closed && (b->fenced || read_past(a, b, b->closed_src));
}

/* Quiet for the quiet time, and no event of its can still be queued on
 * any source: a backlog the quiet time passes over is no quiet. */
static bool quiet_over(const struct assembler *a, const struct block *b,
		       const struct timespec *now)
{
	return b->fenced || (ts_ms_between(&b->last, now) >= (long)a->quiet_ms &&
			     read_past(a, b, EV_SRC_N));
}

static long hold(const struct assembler *a, const struct block *b)
{
	return a->ops.hold_ms ? a->ops.hold_ms(b, a->ops.data) : 0;
}

void asm_flush(struct assembler *a, bool flush_all)
{
	struct timespec now;
	size_t i = 0;

	size_t kept = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	/* One pass that keeps the open blocks in order: taking finished
	 * ones out one memmove at a time was quadratic in a burst. */
	for (; i < a->nopen; i++) {
		struct block *b = a->open[i];

		if (!flush_all && !closed_whole(a, b) && !quiet_over(a, b, &now)) {
			a->open[kept++] = b;
			continue;
		}
		/* a held block keeps the ones after it back too: blocks
		 * come out in order of completion */
		if (!flush_all && hold(a, b) > 0)
			break;
		b->no_hold = flush_all;
		finish(a, b);
	}
	if (kept < i && i < a->nopen)	/* a held block stopped the pass */
		memmove(&a->open[kept], &a->open[i], (a->nopen - i) * sizeof(*a->open));
	a->nopen = kept + (a->nopen - i);
	/* waiting blocks no start adopted: another tracer's packets */
	while (a->nwait) {
		struct block *w = *wait_slot(a, 0);

		if (w && !flush_all && !quiet_over(a, w, &now))
			break;
		wait_pop(a, false);
	}
}

void asm_set_max_held(struct assembler *a, size_t n)
{
	a->max_held = n;
}

unsigned long asm_dropped(const struct assembler *a)
{
	return a->dropped;
}

/* An overflow of src: its queue holds what the kernel sent before it
 * dropped events, until it is read out. A block that src closes before
 * then lost none there; any other may have (asm_source_read decides). */
static void mark_pending(struct block *b, enum ev_source src)
{
	if (!(b->closed && b->closed_src == src))
		b->cut_pending |= (uint8_t)(1u << src);
}

void asm_mark_cut(struct assembler *a, enum ev_source src)
{
	if (src >= EV_SRC_N)
		return;
	a->overflowed |= (uint8_t)(1u << src);
	each_block(a, mark_pending, src);
	if (!a->reads[src])
		end_overflow(a, src);	/* a caller that reports no reads */
}

static void fence(struct block *b, enum ev_source src)
{
	(void)src;
	b->closed = b->fenced = true;
}

void asm_close_open(struct assembler *a)
{
	each_block(a, fence, EV_SRC_N);
}

/* Milliseconds until b may go: 1 while it is quiet but a source is
 * still to be read to its end. A waiting block goes by quiet time only. */
static long ms_left(const struct assembler *a, const struct block *b,
		    const struct timespec *now)
{
	long left = (long)a->quiet_ms - ts_ms_between(&b->last, now);

	if (quiet_over(a, b, now) || (!b->in_wait && closed_whole(a, b)))
		return b->in_wait ? 0 : hold(a, b);
	return left > 0 ? left : 1;
}

int asm_next_timeout(const struct assembler *a)
{
	struct timespec now;
	long best = -1, left;
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 0; i < a->nopen; i++) {
		left = ms_left(a, a->open[i], &now);
		if (best < 0 || left < best)
			best = left;
	}
	/* the oldest waiting block: the others go after it */
	for (i = 0; i < a->nwait; i++)
		if (waiting_at(a, i)) {
			left = ms_left(a, waiting_at(a, i), &now);
			if (best < 0 || left < best)
				best = left;
			break;
		}
	return (int)best;
}

size_t asm_open_blocks(const struct assembler *a)
{
	return a->nopen + a->nwait_live;
}
