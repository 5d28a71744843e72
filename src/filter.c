/* The shortcuts become pcap-filter words so that one compiled program
 * carries the whole filter; only the interface, which DLT_RAW cannot
 * see, is left for a native nft match. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <pcap/pcap.h>

#include "filter.h"

/* "10.99.0.1/24" -> "10.99.0.0/24": iptables accepts host bits in a
 * prefix and ignores them, libpcap refuses them. Returns -1 if invalid. */
static int normalize_address(const char *s, char *out, size_t outlen)
{
	char host[64];
	unsigned char buf[sizeof(struct in6_addr)];
	const char *slash = strchr(s, '/');
	size_t hostlen = slash ? (size_t)(slash - s) : strlen(s);
	int family, bits, i;
	long prefix;
	char *end;

	if (hostlen == 0 || hostlen >= sizeof(host))
		return -1;
	memcpy(host, s, hostlen);
	host[hostlen] = '\0';
	if (inet_pton(AF_INET, host, buf) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, host, buf) == 1)
		family = AF_INET6;
	else
		return -1;
	bits = family == AF_INET ? 32 : 128;
	if (!slash) {
		snprintf(out, outlen, "%s", host);
		return 0;
	}
	prefix = strtol(slash + 1, &end, 10);
	if (*end || end == slash + 1 || prefix < 0 || prefix > bits)
		return -1;
	for (i = (int)prefix; i < bits; i++)
		buf[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
	inet_ntop(family, buf, host, sizeof(host));
	snprintf(out, outlen, "%s/%ld", host, prefix);
	return 0;
}

/* pcap words for an iptables -p argument; a number is written into buf
 * (size 48). NULL when it is no protocol. */
static const char *protocol_words(const char *p, char *buf, size_t size)
{
	static const char *const names[] = {
		"tcp", "udp", "icmp", "icmp6", "sctp",
	};
	char *end;
	long n;
	size_t i;

	/* iptables takes protocol names in any case */
	if (!strcasecmp(p, "all"))
		return "";
	if (!strcasecmp(p, "icmpv6") || !strcasecmp(p, "ipv6-icmp"))
		return "icmp6";
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(p, names[i]))
			return names[i];
	n = strtol(p, &end, 10);
	if (*end || end == p || n < 0 || n > 255)
		return NULL;
	/* "ip proto" alone would miss IPv6; ask for either family. */
	snprintf(buf, size, "(ip proto %ld or ip6 proto %ld)", n, n);
	return buf;
}

/* Append " and WORDS" (or WORDS first) to out; -1 when it does not fit,
 * since a cut expression could be a different, valid filter. */
static int add_clause(char *out, size_t size, const char *fmt, const char *arg)
{
	size_t used = strlen(out);
	int n;

	if (used) {
		n = snprintf(out + used, size - used, " and ");
		if (n < 0 || (size_t)n >= size - used)
			return -1;
		used += (size_t)n;
	}
	n = snprintf(out + used, size - used, fmt, arg);
	return n < 0 || (size_t)n >= size - used ? -1 : 0;
}

static enum filter_err too_long(char *err, size_t errlen)
{
	snprintf(err, errlen, "the expression is longer than %zu characters",
		 sizeof(((struct filter_prog *)0)->text) - 1);
	return FILTER_TOO_LONG;
}

static enum filter_err add_address(struct filter_prog *prog, const char *what,
				   const char *dir, const char *addr, bool neg,
				   char *err, size_t errlen)
{
	char norm[80], fmt[40];

	if (normalize_address(addr, norm, sizeof(norm)) < 0) {
		snprintf(err, errlen, "invalid %s address '%s'", what, addr);
		return FILTER_BAD_ARG;
	}
	snprintf(fmt, sizeof(fmt), "%s%s %s %%s%s", neg ? "(not " : "", dir,
		 strchr(norm, '/') ? "net" : "host", neg ? ")" : "");
	if (add_clause(prog->text, sizeof(prog->text), fmt, norm) < 0)
		return too_long(err, errlen);
	return FILTER_OK;
}

enum filter_err filter_compile(const struct filter_spec *spec,
			       struct filter_prog *prog, char *err, size_t errlen)
{
	struct bpf_program bp;
	enum filter_err e;
	const char *words;
	char proto_buf[48];
	pcap_t *pc;

	memset(prog, 0, sizeof(*prog));
	if (spec->expr && *spec->expr &&
	    add_clause(prog->text, sizeof(prog->text), "(%s)", spec->expr) < 0)
		return too_long(err, errlen);
	if (spec->source &&
	    (e = add_address(prog, "source", "src", spec->source,
				spec->not_source, err, errlen)))
		return e;
	if (spec->destination &&
	    (e = add_address(prog, "destination", "dst", spec->destination,
				spec->not_destination, err, errlen)))
		return e;
	if (spec->protocol) {
		words = protocol_words(spec->protocol, proto_buf, sizeof(proto_buf));
		if (!words) {
			snprintf(err, errlen, "unknown protocol '%s' (use tcp, udp, "
				 "icmp, icmpv6, sctp, all or a number)", spec->protocol);
			return FILTER_BAD_ARG;
		}
		if (*words && add_clause(prog->text, sizeof(prog->text),
					 spec->not_protocol ? "(not %s)" : "%s", words) < 0)
			return too_long(err, errlen);
	}
	if (!prog->text[0])
		return FILTER_OK;

	pc = pcap_open_dead(DLT_RAW, 65535);
	if (!pc) {
		snprintf(err, errlen, "libpcap: cannot open a DLT_RAW handle");
		return FILTER_BAD_EXPR;
	}
	if (pcap_compile(pc, &bp, prog->text, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "%s", pcap_geterr(pc));
		pcap_close(pc);
		return FILTER_BAD_EXPR;
	}
	pcap_close(pc);
	if (bp.bf_len > XT_BPF_MAX_NUM_INSTR) {
		snprintf(err, errlen, "it compiles to %u BPF instructions; the kernel's "
			 "bpf match takes at most %d", bp.bf_len, XT_BPF_MAX_NUM_INSTR);
		pcap_freecode(&bp);
		return FILTER_TOO_LONG;
	}
	prog->len = bp.bf_len;
	/* struct bpf_insn and struct sock_filter share one layout. */
	memcpy(prog->insns, bp.bf_insns, bp.bf_len * sizeof(prog->insns[0]));
	pcap_freecode(&bp);
	return FILTER_OK;
}

const char *filter_describe(const struct filter_spec *spec,
			    const struct filter_prog *prog, char *buf, size_t size)
{
	bool expr_only = spec->expr && *spec->expr && !spec->source &&
			 !spec->destination && !spec->protocol;

	/* The expression as the user typed it, when nothing was added */
	snprintf(buf, size, "%s%s%s%s%s",
		 expr_only ? spec->expr : prog->text[0] ? prog->text : "all packets",
		 !spec->in_iface ? "" : spec->not_in_iface ? " not arriving on " :
		 " arriving on ", spec->in_iface ? spec->in_iface : "",
		 !spec->out_iface ? "" : spec->not_out_iface ? " not leaving by " :
		 " leaving by ", spec->out_iface ? spec->out_iface : "");
	return buf;
}
