/* Group trace events into one block per packet, and decide when a
 * block is complete so that it can be printed whole: concurrent packets
 * never interleave. */
#ifndef IPTT_ASSEMBLE_H
#define IPTT_ASSEMBLE_H

#include <stdbool.h>
#include <stddef.h>
#include "event.h"

/* What stays the same while NAT rewrites a packet: used to put legacy
 * x_tables events, which carry no trace id, with their packet. */
struct pkt_key {
	bool valid;
	uint8_t family, proto;
	uint16_t len, ipid;
	uint32_t l4a, l4b;		/* TCP seq/ack, ICMP id/seq, UDP length */
};

struct block {
	uint32_t id;
	/* With br_netfilter a packet that enters through a bridge port
	 * crosses the ip hooks twice: a bridge pass, then a routed pass
	 * under another trace id (the id hashes skb_iif, which becomes the
	 * bridge's). joined_id is that second id, 0 when none. */
	uint32_t joined_id;
	uint32_t iif;			/* of the first nft event with one */
	uint32_t ct_id;			/* of the first nft event with one */
	bool have_ct_id;
	struct pkt_key key;		/* of the first headers seen */
	/* the open blocks whose keys share a slot, newest counted first,
	 * and when the block became open (assemble.c find_by_key) */
	struct block *slot_next, *slot_prev;
	uint64_t open_seq;
	bool has_nft;			/* at least one nf_tables event */
	bool has_xt;			/* at least one x_tables event */
	bool no_hold;			/* emitted without waiting for hold_ms */
	bool started;			/* has our tracing rule's event */
	uint64_t start_seq;		/* which of our starts it had, from 1 */
	uint8_t start_families;		/* of our rules' events: 1 inet, 2 bridge
					 * (a bridged frame meets both) */
	struct trace_event *evs;
	size_t nevs, cap;
	/* CLOCK_MONOTONIC: the start of the round that read its first
	 * and its last event (asm_round) */
	struct timespec first, last;
	bool fate_known;		/* completed by a verdict, not by quiet time */
	bool superseded;		/* the same id started a new packet */
	bool closed;			/* done; waits for a flush that finds the
					 * other sources read past it */
	enum ev_source closed_src;	/* of the event that closed it */
	bool fenced;			/* no event of it can come any more */
	bool in_wait;			/* legacy events waiting for their start */
	bool cut;			/* some of its events may be lost to a
					 * receive buffer's overflow */
	uint8_t cut_pending;		/* 1 << source: may be, unless that
					 * source closes it before its queue
					 * is read out (asm_mark_cut) */
	bool cut_early;			/* ... or emitted before its end, or
					 * refused events, to bound memory */
};

struct assembler;

struct asm_ops {
	/* Does this event end the packet's path? (a drop, or an accept
	 * with no traced chain left on the way) */
	bool (*ends_path)(const struct block *b, const struct trace_event *ev,
			  void *data);
	/* A block is done: print it. The block is freed after. */
	void (*emit)(const struct block *b, void *data);
	/* Optional: a complete block should wait this many ms more before
	 * it is emitted (0: emit it now). Must reach 0 in bounded time. */
	long (*hold_ms)(const struct block *b, void *data);
	void *data;
};

struct assembler *asm_new(const struct asm_ops *ops, unsigned int quiet_ms);
void asm_free(struct assembler *a);

/* Compute the key of an event's headers; key->valid is false when the
 * event carries none or they do not decode. */
void asm_pkt_key(const struct trace_event *ev, struct pkt_key *key);

/* Add one event; ours: it starts a new packet (our own tracing rule),
 * as the caller decided once at arrival. Returns -1 on ENOMEM. */
int asm_add(struct assembler *a, const struct trace_event *ev, bool ours);
/* Emit the blocks that are complete (fate known, or quiet for the quiet
 * time): all of them when flush_all. Call it after draining every event
 * channel. */
void asm_flush(struct assembler *a, bool flush_all);
/* The caller begins a round of reads at round_start (CLOCK_MONOTONIC):
 * the events it adds until the next round were read in this one. A
 * block's last event counts as read at its round's start, which is no
 * later than it was: one clock read a round, not one an event. */
void asm_round(struct assembler *a, const struct timespec *round_start);
/* The caller read source src in this round; to_end: it read the source
 * to its end, so every event the source sent before the round began has
 * been added. Once told of a source, a block is emitted only when that
 * source was read to its end in a round after the block's last event's:
 * a block whose verdict is known when every other source was (its legacy
 * events may still be queued on the NFLOG socket), one ended by the
 * quiet time when every source was (more of its events may wait behind
 * a backlog). A source of our starts is past a closed block also once
 * 256 later starts came from it: a legacy host's trace socket is never
 * read to its end in a burst. Call it for every source, every round. */
void asm_source_read(struct assembler *a, enum ev_source src, bool to_end);
/* Should the caller leave src unread this round? On a legacy host the
 * trace socket gives a packet's start and little more, the NFLOG socket
 * its twenty steps: read at the same pace, the starts run thousands of
 * packets ahead, and their blocks, open until their legacy events come,
 * reach the bound on open blocks and go out cut. True when src sends
 * starts, another source's last read left a backlog, and 1,024 started
 * blocks wait for an event to close them: the kernel holds the rest of
 * src's queue meanwhile. */
bool asm_read_ahead(const struct assembler *a, enum ev_source src);
/* Source src's receive buffer overflowed: the kernel drops its events
 * until its queue is read out, and what the queue holds came before
 * the drop. A block open now or begun before then lost nothing there
 * if an event of src closes it before then (asm_source_read with
 * to_end says when); any other is cut. */
void asm_mark_cut(struct assembler *a, enum ev_source src);
/* At most n events are held in blocks not yet emitted (default 65536,
 * about 64 MB): at the bound the oldest open block is emitted early,
 * cut short, and a block that alone holds n events takes no more (it
 * is cut short, and asm_dropped() counts what it refused). */
void asm_set_max_held(struct assembler *a, size_t n);
unsigned long asm_dropped(const struct assembler *a);
/* The caller knows that no more events can come for the blocks still
 * open (--probe: a fence frame came back after them). Close them as the
 * quiet time would: their fate stays unknown. The next asm_flush()
 * emits them. */
void asm_close_open(struct assembler *a);
/* Milliseconds until the next quiet-time completion, -1 when none;
 * 1 while a block waits for a source to be read to its end. */
int asm_next_timeout(const struct assembler *a);
size_t asm_open_blocks(const struct assembler *a);

#endif
