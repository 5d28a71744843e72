/* Packet header bytes -> struct pkt_hdrs. Never prints. */
#ifndef IPTT_DECODE_H
#define IPTT_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct pkt_hdrs {
	uint8_t family;			/* AF_INET or AF_INET6 */
	union { struct in_addr v4; struct in6_addr v6; } src, dst;
	uint16_t len;			/* IPv4 total length / IPv6 payload length */
	uint8_t tos;			/* IPv4 TOS, IPv6 traffic class */
	uint8_t ttl;			/* TTL or hop limit */
	uint16_t ipid;
	uint16_t frag;			/* IPv4 flags+offset, host order */
	uint32_t flowlabel;
	uint8_t proto;			/* L4 protocol (IPv6: behind the extension
					 * headers, as the LOG target walks them) */
	bool proto_unknown;		/* IPv6 extension headers that were not
					 * captured hide the upper protocol */
	bool have_l4;
	uint16_t sport, dport;		/* TCP/UDP/SCTP */
	uint32_t tcp_seq, tcp_ack;
	uint16_t tcp_window, tcp_urgp;
	uint8_t tcp_res;		/* the reserved bits of header byte 12 */
	uint16_t udp_len;
	uint32_t payload[2];		/* first 8 bytes after a UDP header */
	bool have_payload;
	uint8_t tcp_flags;		/* FIN..CWR bits */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	bool icmp_echo;			/* id/seq are meaningful */
};

#define IPTT_IP_DF	0x4000
#define IPTT_IP_MF	0x2000

/* Decode a network header. l4 may be NULL when the transport header
 * follows the network header inside l3 (as in an NFLOG packet).
 * Returns 0, or -1 when the network header is truncated or unknown. */
int decode_pkt(const uint8_t *l3, size_t l3len, const uint8_t *l4,
	       size_t l4len, struct pkt_hdrs *p);
/* The upper protocol of an IPv6 packet whose extension headers were not
 * captured, learned elsewhere: set it and decode its header, l4 (the
 * transport header the kernel sent, after the extension headers). */
void decode_set_l4(struct pkt_hdrs *p, uint8_t proto, const uint8_t *l4,
		   size_t l4len);

/* An address as inet_ntop writes it (AF_INET or AF_INET6), into at
 * least INET6_ADDRSTRLEN bytes. */
void decode_addr_text(int family, const void *addr, char *buf, size_t size);

/* The name of TCP flag bit 0..7 (FIN .. CWR) as the LOG target and
 * the JSON output write it. */
const char *decode_tcp_flag(unsigned int bit);

/* True when the two differ in what NAT or mangling can change
 * (addresses, ports, TOS, TTL): worth a new packet line. */
bool decode_rewritten(const struct pkt_hdrs *a, const struct pkt_hdrs *b);

#endif
