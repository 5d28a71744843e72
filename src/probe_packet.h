/* The probe's packet as bytes: an IPv4 or IPv6 header and a TCP, UDP,
 * ICMP or ICMPv6 header, with correct checksums. Pure: no sockets. */
#ifndef IPTT_PROBE_PACKET_H
#define IPTT_PROBE_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define PROBE_PKT_MAX	256

/* TCP flag bits, as in the header's byte 13 */
#define PROBE_TCP_FIN	0x01
#define PROBE_TCP_SYN	0x02
#define PROBE_TCP_RST	0x04
#define PROBE_TCP_PSH	0x08
#define PROBE_TCP_ACK	0x10
#define PROBE_TCP_URG	0x20

struct probe_addr {
	uint8_t family;			/* AF_INET or AF_INET6 */
	union { struct in_addr v4; struct in6_addr v6; } a;
};

struct probe_pkt_spec {
	struct probe_addr src, dst;
	uint8_t proto;			/* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6 */
	uint16_t sport, dport;		/* TCP/UDP */
	uint8_t tcp_flags;
	uint32_t tcp_seq, tcp_ack;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;	/* echo request/reply */
	/* ICMP errors carry the packet they are about: a UDP packet from
	 * dst to src with these ports (so it can be RELATED to a flow). */
	uint16_t inner_sport, inner_dport;
	uint8_t ttl;			/* 0: 64 */
	uint16_t ipid;
};

/* Is this ICMP/ICMPv6 type an error that quotes a packet? */
bool probe_icmp_is_error(uint8_t proto, uint8_t type);

/* Write the packet, starting at its IP header, into buf. Returns its
 * length, or -1 with errno EINVAL for a spec that makes no packet. */
int probe_packet_build(const struct probe_pkt_spec *s, uint8_t *buf, size_t size);

/* The Internet checksum of len bytes (RFC 1071), folded, not inverted,
 * added to sum. */
uint32_t probe_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t probe_csum_fold(uint32_t sum);

#endif
