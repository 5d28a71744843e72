/* The shortcuts become pcap-filter words so that one compiled program
 * carries the whole filter; only the interface, which DLT_RAW cannot
 * see, is left for a native nft match. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <pcap/pcap.h>

#include "filter.h"

static int valid_address(const char *s)
{
	char host[INET6_ADDRSTRLEN + 8];
	unsigned char buf[sizeof(struct in6_addr)];
	const char *slash = strchr(s, '/');
	size_t hostlen = slash ? (size_t)(slash - s) : strlen(s);
	int family;
	long prefix;
	char *end;

	if (hostlen == 0 || hostlen >= sizeof(host))
		return 0;
	memcpy(host, s, hostlen);
	host[hostlen] = '\0';
	if (inet_pton(AF_INET, host, buf) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, host, buf) == 1)
		family = AF_INET6;
	else
		return 0;
	if (!slash)
		return 1;
	prefix = strtol(slash + 1, &end, 10);
	return *end == '\0' && end != slash + 1 && prefix >= 0 &&
	       prefix <= (family == AF_INET ? 32 : 128);
}

static const char *protocol_words(const char *p)
{
	static const char *const names[] = {
		"tcp", "udp", "icmp", "icmp6", "sctp",
	};
	static char buf[32];
	char *end;
	long n;
	size_t i;

	if (!strcmp(p, "all"))
		return "";
	if (!strcmp(p, "icmpv6") || !strcmp(p, "ipv6-icmp"))
		return "icmp6";
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(p, names[i]))
			return names[i];
	n = strtol(p, &end, 10);
	if (*end || end == p || n < 0 || n > 255)
		return NULL;
	/* "ip proto" alone would miss IPv6; ask for either family. */
	snprintf(buf, sizeof(buf), "(ip proto %ld or ip6 proto %ld)", n, n);
	return buf;
}

/* Append " and WORDS" (or WORDS first) to out. */
static void add_clause(char *out, size_t size, const char *fmt, const char *arg)
{
	size_t used = strlen(out);

	if (used && used < size)
		used += (size_t)snprintf(out + used, size - used, " and ");
	if (used < size)
		snprintf(out + used, size - used, fmt, arg);
}

enum filter_err filter_compile(const struct filter_spec *spec,
			       struct filter_prog *prog, char *err, size_t errlen)
{
	struct bpf_program bp;
	const char *words;
	pcap_t *pc;

	memset(prog, 0, sizeof(*prog));
	if (spec->expr && *spec->expr)
		add_clause(prog->text, sizeof(prog->text), "(%s)", spec->expr);
	if (spec->source) {
		if (!valid_address(spec->source)) {
			snprintf(err, errlen, "invalid source address '%s'", spec->source);
			return FILTER_BAD_ARG;
		}
		add_clause(prog->text, sizeof(prog->text),
			   strchr(spec->source, '/') ? "src net %s" : "src host %s",
			   spec->source);
	}
	if (spec->destination) {
		if (!valid_address(spec->destination)) {
			snprintf(err, errlen, "invalid destination address '%s'",
				 spec->destination);
			return FILTER_BAD_ARG;
		}
		add_clause(prog->text, sizeof(prog->text),
			   strchr(spec->destination, '/') ? "dst net %s" : "dst host %s",
			   spec->destination);
	}
	if (spec->protocol) {
		words = protocol_words(spec->protocol);
		if (!words) {
			snprintf(err, errlen, "unknown protocol '%s' (use tcp, udp, "
				 "icmp, icmpv6, sctp, all or a number)", spec->protocol);
			return FILTER_BAD_ARG;
		}
		if (*words)
			add_clause(prog->text, sizeof(prog->text), "%s", words);
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
		snprintf(err, errlen, "compiles to %u BPF instructions; the kernel's "
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
			    const struct filter_prog *prog)
{
	static char buf[sizeof(prog->text) + 64];

	snprintf(buf, sizeof(buf), "%s%s%s%s",
		 prog->text[0] ? prog->text : "all packets",
		 spec->in_iface ? " arriving on " : "",
		 spec->in_iface ? spec->in_iface : "", "");
	return buf;
}
