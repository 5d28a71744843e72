/* The one record every pipeline stage works on: a source fills it in,
 * decode reads its header bytes, assemble groups it by packet, and the
 * printers turn a group of them into a story. */
#ifndef IPTT_EVENT_H
#define IPTT_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include "pkt_meta.h"
#include "source.h"	/* enum ev_source, struct ev_traits */

#define EV_NAME_MAX	256	/* nft allows long table/chain names */
#define EV_HDR_MAX	128	/* bytes of packet kept per event */

/* Same numbers as enum nft_trace_types, so nft events copy straight in. */
enum ev_type {
	EV_TYPE_POLICY = 1,	/* end of a base chain: its policy decided */
	EV_TYPE_RETURN = 2,	/* end of a user chain: back to the caller */
	EV_TYPE_RULE = 3,	/* a rule matched */
};

/* Verdicts use the kernel's numbers (NF_* and NFT_*). */
enum ev_verdict {
	EV_V_DROP = 0, EV_V_ACCEPT = 1, EV_V_STOLEN = 2, EV_V_QUEUE = 3,
	EV_V_REPEAT = 4,
	EV_V_CONTINUE = -1, EV_V_BREAK = -2, EV_V_JUMP = -3, EV_V_GOTO = -4,
	EV_V_RETURN = -5,
};

enum ev_has {
	EV_HAS_HANDLE	= 1 << 0,	/* nft rule handle */
	EV_HAS_VERDICT	= 1 << 2,
	EV_HAS_NETHDR	= 1 << 3,
	EV_HAS_IIF	= 1 << 5,
	EV_HAS_OIF	= 1 << 6,
	EV_HAS_CT	= 1 << 8,	/* ct_id/ct_state/ct_status/ct_dir */
	EV_HAS_NFPROTO	= 1 << 9,
	EV_HAS_LLHDR	= 1 << 11,	/* ll: the Ethernet header */
};

struct trace_event {
	enum ev_source source;		/* who sent it: ask ev_traits() what
					 * that means, not this */
	uint32_t has;			/* EV_HAS_* */
	uint32_t id;			/* kernel trace id; 0 for x_tables */
	uint8_t family;			/* table family: NFPROTO_* */
	uint8_t nfproto;		/* packet family: NFPROTO_IPV4/IPV6 */
	uint64_t handle;
	uint32_t rulenum;
	enum ev_type type;
	int32_t verdict;
	uint32_t policy;
	uint32_t iif, oif;
	struct pkt_meta meta;		/* the mark, ...: pkt_meta.h */
	/* Conntrack, from CT_* trace attributes (kernel 6.16+). */
	uint32_t ct_id, ct_state, ct_status;
	uint8_t ct_dir;
	/* Network header, followed by the transport header when the kernel
	 * sent one: nethdr_len bytes of L3, then transhdr_len bytes of L4. */
	uint16_t nethdr_len, transhdr_len;
	uint8_t hdr[EV_HDR_MAX];
	/* The link-layer header when the kernel sent an Ethernet one
	 * (destination, source, type): tells a frame to a bridge's own
	 * address, which is routed, from one it bridges. */
	uint8_t ll[14];
	struct timespec ts;		/* when we received it (CLOCK_REALTIME) */
	/* Our tracing rule's event, the start of a packet we traced:
	 * decided once, at arrival (app.c take_event), and kept with the
	 * block's copy (asm_add); false from the sources. */
	bool ours;
	/* The names last, each ended by its NUL, the bytes after it
	 * undefined (ev_copy): three quarters of the event, and mostly
	 * unused, so they are neither cleared nor copied in full. */
	char table[EV_NAME_MAX];
	char chain[EV_NAME_MAX];
	char jump_target[EV_NAME_MAX];
};

/* Everything before the names: what a source clears (ev_clear). */
#define EV_FIXED_SIZE	offsetof(struct trace_event, table)

/* An event with no field set and empty names, as memset would leave
 * it, without writing the 768 bytes of names. */
static inline void ev_clear(struct trace_event *ev)
{
	memset(ev, 0, EV_FIXED_SIZE);
	ev->table[0] = ev->chain[0] = ev->jump_target[0] = '\0';
}

static inline void ev_copy_name(char *dst, const char *src)
{
	size_t n = strnlen(src, EV_NAME_MAX - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* *dst = *src, but of each name only what its NUL ends: an event was
 * 1 KB, copied for every event into its block. */
static inline void ev_copy(struct trace_event *dst, const struct trace_event *src)
{
	memcpy(dst, src, EV_FIXED_SIZE);
	ev_copy_name(dst->table, src->table);
	ev_copy_name(dst->chain, src->chain);
	ev_copy_name(dst->jump_target, src->jump_target);
}

/* What ev's source means by it (source.h). */
static inline const struct ev_traits *ev_traits(const struct trace_event *ev)
{
	return source_traits(ev->source);
}

#endif
