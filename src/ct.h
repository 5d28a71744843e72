/* Conntrack: decode the state bits trace events carry, and look up the
 * entry of a packet (libnetfilter_conntrack) for its NAT tuples. */
#ifndef IPTT_CT_H
#define IPTT_CT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "decode.h"

struct ct_tuple {
	uint8_t family, proto;
	union { struct in_addr v4; struct in6_addr v6; } src, dst;
	uint16_t sport, dport;		/* ICMP: id in sport */
};

struct ct_entry {
	uint32_t id, status;
	struct ct_tuple orig, reply;
};

struct ct_handle;

struct ct_handle *ct_open(void);
void ct_close(struct ct_handle *h);

/* Find the entry of the packet p, in whichever direction it went.
 * soon: p was a new connection's first packet and went on, so its
 * entry enters the table (is confirmed) after p's last hook, which can
 * come after its last trace event and after this lookup: then it is
 * asked once more, a millisecond later (not again for a second once
 * that did not help, so that it costs no more than that when entries
 * do not come). Returns 0, or -1 with errno (ENOENT: no entry). */
int ct_lookup(struct ct_handle *h, const struct pkt_hdrs *p, bool soon,
	      struct ct_entry *out);

/* "new", "established", "related", "invalid", "untracked", from the
 * NFTA_TRACE_CT_STATE bit set. */
const char *ct_state_name(uint32_t state_bits);
/* "dnat snat seen-reply assured" for the status bits that matter. */
void ct_status_text(char *buf, size_t size, uint32_t status);
/* "10.0.0.1:1234 -> 10.0.0.2:80" */
void ct_tuple_text(char *buf, size_t size, const struct ct_tuple *t);

/* Status bits, as in linux/netfilter/nf_conntrack_common.h */
#define CT_S_SEEN_REPLY	(1u << 1)
#define CT_S_ASSURED	(1u << 2)
#define CT_S_CONFIRMED	(1u << 3)
#define CT_S_SRC_NAT	(1u << 4)
#define CT_S_DST_NAT	(1u << 5)

/* NFTA_TRACE_CT_STATE bits (nft's ct state) */
#define CT_ST_INVALID		(1u << 0)
#define CT_ST_ESTABLISHED	(1u << 1)
#define CT_ST_RELATED		(1u << 2)
#define CT_ST_NEW		(1u << 3)
#define CT_ST_UNTRACKED		(1u << 6)

#endif
