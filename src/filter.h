/* What to trace: a pcap-filter(7) expression plus iptables-style
 * shortcuts, compiled to classic BPF for the xt bpf match. */
#ifndef IPTT_FILTER_H
#define IPTT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/filter.h>
#include <linux/netfilter/xt_bpf.h>

struct filter_spec {
	const char *expr;		/* pcap-filter(7), may be NULL */
	const char *source, *destination;	/* address or address/prefix */
	const char *protocol;		/* tcp, udp, icmp, icmpv6, sctp, all or a number */
	const char *in_iface;		/* matched natively with meta iifname */
	const char *out_iface;		/* oifname at output; story filter else */
	/* iptables' "! -s X": each shortcut negated */
	bool not_source, not_destination, not_protocol, not_in_iface,
	     not_out_iface;
};

struct filter_prog {
	unsigned int len;		/* 0: match everything, no bpf needed */
	struct sock_filter insns[XT_BPF_MAX_NUM_INSTR];
	char text[1024];		/* the combined expression, for messages */
};

enum filter_err {
	FILTER_OK = 0,
	FILTER_BAD_ARG,			/* a shortcut's value is invalid */
	FILTER_BAD_EXPR,		/* libpcap refused the expression */
	FILTER_TOO_LONG,		/* more than XT_BPF_MAX_NUM_INSTR */
};

/* Combine and compile. On error, err (size errlen) holds the reason. */
enum filter_err filter_compile(const struct filter_spec *spec,
			       struct filter_prog *prog, char *err, size_t errlen);

/* A short description of what is traced, for the "armed" line, written
 * into buf (FILTER_DESCRIBE_SIZE fits everything). Returns buf. */
#define FILTER_DESCRIBE_SIZE	(sizeof(((struct filter_prog *)0)->text) + 96)
const char *filter_describe(const struct filter_spec *spec,
			    const struct filter_prog *prog, char *buf, size_t size);

#endif
