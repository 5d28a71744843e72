/* filter_compile: the combined expression, and the compiled program run
 * with libpcap's own bpf_filter() over the captured packets, so a test
 * checks what the kernel's bpf match would do, not just that something
 * compiled. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pcap/pcap.h>

#include "filter.h"
#include "fixture.h"

struct pkt { uint8_t bytes[EV_HDR_MAX]; unsigned int len, wirelen; };

/* The network and transport headers of a fixture, back to back, as the
 * xt bpf match sees the start of the packet. */
static struct pkt packet(const char *fixture)
{
	struct trace_event ev;
	struct pkt p;

	fixture_event(fixture, &ev);
	p.len = ev.nethdr_len + ev.transhdr_len;
	memcpy(p.bytes, ev.hdr, p.len);
	p.wirelen = ev.hdr[0] >> 4 == 4 ? (unsigned int)(ev.hdr[2] << 8 | ev.hdr[3]) :
		    40u + (unsigned int)(ev.hdr[4] << 8 | ev.hdr[5]);
	return p;
}

static bool matches(const struct filter_prog *prog, const char *fixture)
{
	struct pkt p = packet(fixture);

	assert_true(prog->len > 0);
	return bpf_filter((const struct bpf_insn *)prog->insns, p.bytes,
			  p.wirelen, p.len) != 0;
}

static enum filter_err compile(struct filter_spec spec, struct filter_prog *prog,
			       char *err, size_t errlen)
{
	err[0] = '\0';
	return filter_compile(&spec, prog, err, errlen);
}

#define ECHO4	"nft-ip4-icmp-echo-accept.nlmsg"
#define REPLY4	"nft-ip4-icmp-reply-ct-established.nlmsg"
#define SYN	"nft-tcp-syn-jump.nlmsg"
#define UDP	"nft-udp-mark-accept.nlmsg"
#define ECHO6	"nft-ip6-icmpv6-echo-accept.nlmsg"
#define ND6	"nft-ip6-nd-untracked.nlmsg"

static void test_nothing_to_compile(void **state)
{
	struct filter_prog prog;
	char err[256], what[FILTER_DESCRIBE_SIZE];

	(void)state;
	assert_int_equal(compile((struct filter_spec){ 0 }, &prog, err, sizeof(err)),
			 FILTER_OK);
	assert_int_equal(prog.len, 0);
	assert_string_equal(prog.text, "");
	assert_int_equal(compile((struct filter_spec){ .expr = "", .protocol = "all" },
				 &prog, err, sizeof(err)), FILTER_OK);
	assert_int_equal(prog.len, 0);
	assert_string_equal(filter_describe(&(struct filter_spec){ 0 }, &prog,
					    what, sizeof(what)), "all packets");
}

static void test_expression(void **state)
{
	struct filter_prog prog;
	char err[256];

	(void)state;
	assert_int_equal(compile((struct filter_spec){ .expr = "icmp" }, &prog, err,
				 sizeof(err)), FILTER_OK);
	assert_string_equal(prog.text, "(icmp)");
	assert_true(prog.len <= XT_BPF_MAX_NUM_INSTR);
	assert_true(matches(&prog, ECHO4));
	assert_true(matches(&prog, REPLY4));
	assert_false(matches(&prog, SYN));
	assert_false(matches(&prog, ECHO6));

	assert_int_equal(compile((struct filter_spec){ .expr = "tcp dst port 5555" },
				 &prog, err, sizeof(err)), FILTER_OK);
	assert_true(matches(&prog, SYN));
	assert_false(matches(&prog, UDP));

	/* host X: both directions */
	assert_int_equal(compile((struct filter_spec){ .expr = "host 10.99.0.1" },
				 &prog, err, sizeof(err)), FILTER_OK);
	assert_true(matches(&prog, ECHO4));
	assert_true(matches(&prog, REPLY4));
	assert_false(matches(&prog, ECHO6));
}

/* -s/-d/-p become pcap words joined with "and". */
static void test_shortcuts(void **state)
{
	struct filter_prog prog;
	char err[256], what[FILTER_DESCRIBE_SIZE];

	(void)state;
	assert_int_equal(compile((struct filter_spec){
		.source = "10.99.0.1", .protocol = "icmp" }, &prog, err,
		sizeof(err)), FILTER_OK);
	assert_string_equal(prog.text, "src host 10.99.0.1 and icmp");
	assert_true(matches(&prog, ECHO4));
	assert_false(matches(&prog, REPLY4));	/* -s is one direction */
	assert_false(matches(&prog, UDP));

	assert_int_equal(compile((struct filter_spec){ .expr = "tcp or icmp",
		.destination = "10.99.0.2" }, &prog, err, sizeof(err)), FILTER_OK);
	assert_string_equal(prog.text, "(tcp or icmp) and dst host 10.99.0.2");
	assert_true(matches(&prog, SYN));
	assert_true(matches(&prog, ECHO4));
	assert_false(matches(&prog, REPLY4));
	assert_false(matches(&prog, UDP));

	assert_int_equal(compile((struct filter_spec){ .destination = "fd00:99::2",
		.protocol = "icmpv6" }, &prog, err, sizeof(err)), FILTER_OK);
	assert_string_equal(prog.text, "dst host fd00:99::2 and icmp6");
	assert_true(matches(&prog, ECHO6));
	assert_false(matches(&prog, ND6));
	assert_false(matches(&prog, ECHO4));

	assert_int_equal(compile((struct filter_spec){ .source = "10.0.0.0/8" },
				 &prog, err, sizeof(err)), FILTER_OK);
	assert_string_equal(prog.text, "src net 10.0.0.0/8");
	assert_true(matches(&prog, SYN));
	assert_int_equal(compile((struct filter_spec){ .source = "192.168.0.0/16" },
				 &prog, err, sizeof(err)), FILTER_OK);
	assert_false(matches(&prog, SYN));

	/* a protocol number asks for either family */
	assert_int_equal(compile((struct filter_spec){ .protocol = "17" },
				 &prog, err, sizeof(err)), FILTER_OK);
	assert_string_equal(prog.text, "(ip proto 17 or ip6 proto 17)");
	assert_true(matches(&prog, UDP));
	assert_false(matches(&prog, SYN));
	assert_int_equal(compile((struct filter_spec){ .protocol = "58" },
				 &prog, err, sizeof(err)), FILTER_OK);
	assert_true(matches(&prog, ECHO6));

	assert_int_equal(compile((struct filter_spec){ .protocol = "TCP" },
				 &prog, err, sizeof(err)), FILTER_OK);
	assert_string_equal(prog.text, "tcp");
	assert_true(matches(&prog, SYN));

	assert_string_equal(filter_describe(&(struct filter_spec){ .protocol = "TCP",
		.in_iface = "eth0" }, &prog, what, sizeof(what)), "tcp arriving on eth0");
}

/* libpcap's own words reach the user. */
static void test_bad_expression(void **state)
{
	struct filter_prog prog;
	char err[256];

	(void)state;
	assert_int_equal(compile((struct filter_spec){ .expr = "tcp port" }, &prog,
				 err, sizeof(err)), FILTER_BAD_EXPR);
	assert_string_equal(err, "can't parse filter expression: syntax error");
	/* DLT_RAW has no link layer */
	assert_int_equal(compile((struct filter_spec){
		.expr = "ether host 00:11:22:33:44:55" }, &prog, err, sizeof(err)),
		FILTER_BAD_EXPR);
	assert_string_equal(err, "ethernet addresses supported only on ethernet/"
			    "FDDI/token ring/802.11/ATM LANE/Fibre Channel");
	/* a bad expression with good shortcuts is still libpcap's to judge */
	assert_int_equal(compile((struct filter_spec){ .expr = "port 99999",
		.source = "10.0.0.1" }, &prog, err, sizeof(err)), FILTER_BAD_EXPR);
	assert_non_null(strstr(err, "99999"));
}

static void test_too_long(void **state)
{
	struct filter_prog prog;
	char err[256];
	char expr[512] = "";
	int i;

	(void)state;
	/* each portrange costs about 18 instructions on DLT_RAW */
	for (i = 0; i < 5; i++)
		snprintf(expr + strlen(expr), sizeof(expr) - strlen(expr),
			 "%sportrange %d-%d", i ? " or " : "", 10 * i + 1, 10 * i + 2);
	assert_int_equal(compile((struct filter_spec){ .expr = expr }, &prog, err,
				 sizeof(err)), FILTER_TOO_LONG);
	assert_int_equal(prog.len, 0);
	assert_non_null(strstr(err, "at most 64"));
	/* the same, shorter, fits */
	expr[strlen("portrange 1-2 or portrange 11-12")] = '\0';
	assert_int_equal(compile((struct filter_spec){ .expr = expr }, &prog, err,
				 sizeof(err)), FILTER_OK);
	assert_true(prog.len > 0 && prog.len <= XT_BPF_MAX_NUM_INSTR);
}

static void bad_arg(struct filter_spec spec, const char *want)
{
	struct filter_prog prog;
	char err[256];

	assert_int_equal(compile(spec, &prog, err, sizeof(err)), FILTER_BAD_ARG);
	assert_string_equal(err, want);
}

static void test_bad_shortcuts(void **state)
{
	(void)state;
	bad_arg((struct filter_spec){ .source = "10.0.0.300" },
		"invalid source address '10.0.0.300'");
	bad_arg((struct filter_spec){ .source = "10.0.0.0/33" },
		"invalid source address '10.0.0.0/33'");
	bad_arg((struct filter_spec){ .source = "10.0.0.0/" },
		"invalid source address '10.0.0.0/'");
	bad_arg((struct filter_spec){ .source = "/8" }, "invalid source address '/8'");
	bad_arg((struct filter_spec){ .source = "10.0.0.0/8x" },
		"invalid source address '10.0.0.0/8x'");
	bad_arg((struct filter_spec){ .destination = "fd00::/129" },
		"invalid destination address 'fd00::/129'");
	bad_arg((struct filter_spec){ .destination = "host.example" },
		"invalid destination address 'host.example'");
	bad_arg((struct filter_spec){ .protocol = "tcpx" },
		"unknown protocol 'tcpx' (use tcp, udp, icmp, icmpv6, sctp, all "
		"or a number)");
	bad_arg((struct filter_spec){ .protocol = "256" },
		"unknown protocol '256' (use tcp, udp, icmp, icmpv6, sctp, all "
		"or a number)");
	bad_arg((struct filter_spec){ .protocol = "-1" },
		"unknown protocol '-1' (use tcp, udp, icmp, icmpv6, sctp, all "
		"or a number)");
	bad_arg((struct filter_spec){ .protocol = "" },
		"unknown protocol '' (use tcp, udp, icmp, icmpv6, sctp, all "
		"or a number)");
	/* the argument is refused before libpcap sees a bad expression */
	bad_arg((struct filter_spec){ .expr = "tcp port", .destination = "1.2.3" },
		"invalid destination address '1.2.3'");
}

/* The combined text has a fixed size. A long expression must not push
 * the end of a shortcut out of it: "src host 10.99.1.23" cut to
 * "src host 10.99.1.2" is a valid filter for the wrong host. Refusing is
 * fine; tracing the wrong packets is not. */
static void test_long_expression_not_cut(void **state)
{
	struct filter_prog prog;
	char err[256], expr[1100];
	struct pkt p = packet(ECHO4);
	enum filter_err rc;
	size_t n;

	(void)state;
	/* "(" expr ") and src host 10.99.1.23" is then 1024 characters */
	n = sizeof(prog.text) - strlen("() and src host 10.99.1.23");
	memset(expr, ' ', n);
	memcpy(expr, "icmp", 4);
	expr[n] = '\0';
	rc = compile((struct filter_spec){ .expr = expr, .source = "10.99.1.23" },
		     &prog, err, sizeof(err));
	if (rc != FILTER_OK)
		return;
	p.bytes[12] = 10, p.bytes[13] = 99, p.bytes[14] = 1, p.bytes[15] = 2;
	assert_false(bpf_filter((const struct bpf_insn *)prog.insns, p.bytes,
				p.wirelen, p.len));
	p.bytes[15] = 23;
	assert_true(bpf_filter((const struct bpf_insn *)prog.insns, p.bytes,
			       p.wirelen, p.len));
}

/* iptables -p takes protocol names in any case ("-p TCP", "-p ICMPv6");
 * here "TCP" works but "ICMPv6" does not. */
static void test_protocol_names_any_case(void **state)
{
	struct filter_prog prog;
	char err[256];

	(void)state;
	assert_int_equal(compile((struct filter_spec){ .protocol = "ICMPv6" },
				 &prog, err, sizeof(err)), FILTER_OK);
	assert_true(matches(&prog, ECHO6));
	assert_int_equal(compile((struct filter_spec){ .protocol = "Udp" },
				 &prog, err, sizeof(err)), FILTER_OK);
	assert_true(matches(&prog, UDP));
}

/* iptables -s 10.99.0.1/24 means 10.99.0.0/24: host bits are masked,
 * not an error. libpcap refuses "src net 10.99.0.1/24" ("non-network
 * bits set"), so the shortcut must mask before it builds the words. */
static void test_prefix_with_host_bits(void **state)
{
	struct filter_prog prog;
	char err[256];

	(void)state;
	assert_int_equal(compile((struct filter_spec){ .source = "10.99.0.1/24" },
				 &prog, err, sizeof(err)), FILTER_OK);
	assert_true(matches(&prog, ECHO4));
	assert_true(matches(&prog, REPLY4));
	assert_int_equal(compile((struct filter_spec){ .destination = "fd00:99::1/64" },
				 &prog, err, sizeof(err)), FILTER_OK);
	assert_true(matches(&prog, ECHO6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_to_compile),
		cmocka_unit_test(test_expression),
		cmocka_unit_test(test_shortcuts),
		cmocka_unit_test(test_bad_expression),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_bad_shortcuts),
		cmocka_unit_test(test_long_expression_not_cut),
		cmocka_unit_test(test_protocol_names_any_case),
		cmocka_unit_test(test_prefix_with_host_bits),
	};

	return cmocka_run_group_tests_name("filter", tests, NULL, NULL);
}
