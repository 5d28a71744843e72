/* The probe's packet bytes against bytes computed independently (a
 * Python script with struct.pack and its own RFC 1071 sum), and the
 * parsing of probe options and probe-file lines. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "probe.h"
#include "probe_packet.h"

static const uint8_t tcp4_syn[] = {
	0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0xf2, 0xf9,
	0x0a, 0x63, 0x01, 0x02, 0xc6, 0x33, 0x64, 0x0a, 0x9c, 0x40, 0x1f, 0x90,
	0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xfa, 0xf0,
	0x6d, 0x06, 0x00, 0x00,
};
static const uint8_t udp6[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x40, 0xfd, 0x00, 0x00, 0x99,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0xfd, 0x00, 0x00, 0x99, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0xc3, 0x50, 0x00, 0x35, 0x00, 0x10, 0xc3, 0x56,
	0x69, 0x70, 0x74, 0x74, 0x2d, 0x70, 0x72, 0x62,
};
static const uint8_t icmp4_echo[] = {
	0x45, 0x00, 0x00, 0x24, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x10, 0xdc,
	0x0a, 0x63, 0x01, 0x02, 0x0a, 0x63, 0x02, 0x02, 0x08, 0x00, 0x38, 0x05,
	0x42, 0x42, 0x00, 0x01, 0x69, 0x70, 0x74, 0x74, 0x2d, 0x70, 0x72, 0x62,
};
static const uint8_t icmp6_echo[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x10, 0x3a, 0x40, 0xfd, 0x00, 0x00, 0x99,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0xfd, 0x00, 0x00, 0x99, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x80, 0x00, 0xc4, 0x7f, 0x42, 0x42, 0x00, 0x01,
	0x69, 0x70, 0x74, 0x74, 0x2d, 0x70, 0x72, 0x62,
};
static const uint8_t icmp4_unreach[] = {
	0x45, 0x00, 0x00, 0x38, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x10, 0xc8,
	0x0a, 0x63, 0x01, 0x02, 0x0a, 0x63, 0x02, 0x02, 0x03, 0x03, 0x14, 0xe0,
	0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x40, 0x00,
	0x40, 0x11, 0x23, 0x07, 0x0a, 0x63, 0x02, 0x02, 0x0a, 0x63, 0x01, 0x02,
	0x00, 0x35, 0xa0, 0x28, 0x00, 0x08, 0x47, 0xb7,
};

static struct probe_addr addr(const char *s)
{
	struct probe_addr a;

	memset(&a, 0, sizeof(a));
	a.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(a.family, s, &a.a), 1);
	return a;
}

static void check(const struct probe_pkt_spec *s, const uint8_t *want, size_t len)
{
	uint8_t buf[PROBE_PKT_MAX];
	int n = probe_packet_build(s, buf, sizeof(buf));

	assert_int_equal(n, (int)len);
	assert_memory_equal(buf, want, len);
}

static void test_tcp4_syn(void **state)
{
	struct probe_pkt_spec s = {
		.src = addr("10.99.1.2"), .dst = addr("198.51.100.10"),
		.proto = IPPROTO_TCP, .sport = 40000, .dport = 8080,
		.tcp_flags = PROBE_TCP_SYN, .tcp_seq = 0x1a2b3c4d,
		.tcp_ack = 0x5e6f7081, .ipid = 0x1234,
	};

	(void)state;
	check(&s, tcp4_syn, sizeof(tcp4_syn));
}

static void test_udp6(void **state)
{
	struct probe_pkt_spec s = {
		.src = addr("fd00:99:1::2"), .dst = addr("fd00:99:2::2"),
		.proto = IPPROTO_UDP, .sport = 50000, .dport = 53,
	};

	(void)state;
	check(&s, udp6, sizeof(udp6));
}

static void test_icmp_echo(void **state)
{
	struct probe_pkt_spec s4 = {
		.src = addr("10.99.1.2"), .dst = addr("10.99.2.2"),
		.proto = IPPROTO_ICMP, .icmp_type = 8, .icmp_id = 0x4242,
		.icmp_seq = 1, .ipid = 0x1234,
	};
	struct probe_pkt_spec s6 = {
		.src = addr("fd00:99:1::2"), .dst = addr("fd00:99:2::2"),
		.proto = IPPROTO_ICMPV6, .icmp_type = 128, .icmp_id = 0x4242,
		.icmp_seq = 1,
	};

	(void)state;
	check(&s4, icmp4_echo, sizeof(icmp4_echo));
	check(&s6, icmp6_echo, sizeof(icmp6_echo));
}

static void test_icmp_error_quotes_udp(void **state)
{
	struct probe_pkt_spec s = {
		.src = addr("10.99.1.2"), .dst = addr("10.99.2.2"),
		.proto = IPPROTO_ICMP, .icmp_type = 3, .icmp_code = 3,
		.inner_sport = 53, .inner_dport = 41000, .ipid = 0x1234,
	};

	(void)state;
	assert_true(probe_icmp_is_error(IPPROTO_ICMP, 3));
	assert_false(probe_icmp_is_error(IPPROTO_ICMP, 8));
	assert_true(probe_icmp_is_error(IPPROTO_ICMPV6, 1));
	assert_false(probe_icmp_is_error(IPPROTO_ICMPV6, 128));
	check(&s, icmp4_unreach, sizeof(icmp4_unreach));
}

/* Each header, checksum included, sums to 0xffff: the receiver's test. */
static void test_checksums_verify(void **state)
{
	uint8_t buf[PROBE_PKT_MAX];
	struct probe_pkt_spec s = {
		.src = addr("10.1.2.3"), .dst = addr("10.3.2.1"),
		.proto = IPPROTO_TCP, .sport = 1, .dport = 65535,
		.tcp_flags = PROBE_TCP_ACK | PROBE_TCP_PSH, .tcp_seq = 7,
		.tcp_ack = 0xffffffff, .ipid = 0xffff, .ttl = 1,
	};
	uint32_t sum;
	int n;

	(void)state;
	n = probe_packet_build(&s, buf, sizeof(buf));
	assert_int_equal(n, 40);
	assert_int_equal(probe_csum_fold(probe_csum_add(0, buf, 20)), 0xffff);
	sum = probe_csum_add(0, buf + 12, 8) + IPPROTO_TCP + 20;
	assert_int_equal(probe_csum_fold(probe_csum_add(sum, buf + 20, 20)), 0xffff);
	assert_int_equal(buf[8], 1);		/* ttl */
}

static void test_bad_specs(void **state)
{
	uint8_t buf[PROBE_PKT_MAX];
	struct probe_pkt_spec s = {
		.src = addr("10.1.2.3"), .dst = addr("fd00::1"), .proto = IPPROTO_TCP,
	};

	(void)state;
	assert_int_equal(probe_packet_build(&s, buf, sizeof(buf)), -1);
	s.dst = addr("10.3.2.1");
	s.proto = IPPROTO_ICMPV6;
	assert_int_equal(probe_packet_build(&s, buf, sizeof(buf)), -1);
	s.proto = IPPROTO_UDP;
	assert_int_equal(probe_packet_build(&s, buf, 20), -1);
}

/* ---- options and lines ------------------------------------------- */

static int parse_line(const char *text, struct probe_spec *ps, char *err, size_t errlen)
{
	char *line = strdup(text), **argv;
	int n, ret;

	assert_non_null(line);
	n = probe_split_line(line, &argv);
	assert_true(n > 0);
	ret = probe_parse_spec(n + 1, argv, ps, err, errlen);
	free(argv);
	free(line);
	return ret;
}

static void test_split_line(void **state)
{
	char line[] = "  -i r0\t-p tcp   -s 10.0.0.1 # a comment -d x\n", **argv;
	char blank[] = " \t \n", comment[] = "# -i r0\n", glued[] = "-p tcp#not a comment";

	(void)state;
	assert_int_equal(probe_split_line(line, &argv), 6);
	assert_string_equal(argv[1], "-i");
	assert_string_equal(argv[2], "r0");
	assert_string_equal(argv[6], "10.0.0.1");
	assert_null(argv[7]);
	free(argv);
	assert_int_equal(probe_split_line(blank, &argv), 0);
	free(argv);
	assert_int_equal(probe_split_line(comment, &argv), 0);
	free(argv);
	/* only a word that starts with '#' begins a comment */
	assert_int_equal(probe_split_line(glued, &argv), 4);
	assert_string_equal(argv[2], "tcp#not");
	free(argv);
}

static void test_defaults(void **state)
{
	struct probe_spec ps;
	char err[256];

	(void)state;
	assert_int_equal(parse_line("-i r0 -p tcp -s 10.0.0.1 -d 10.0.0.2", &ps, err,
				    sizeof(err)), 0);
	assert_string_equal(ps.iface, "r0");
	assert_int_equal(ps.pkt.tcp_flags, PROBE_TCP_SYN);
	assert_true(ps.pkt.sport >= 32768 && ps.pkt.sport < 61000);
	assert_int_equal(ps.pkt.dport, 80);
	assert_int_equal(ps.ct, PROBE_CT_NEW);
	assert_int_equal(parse_line("--from-host -p icmpv6 -s fd00::1 -d fd00::2 "
				    "--expect DROP --mark 0x10", &ps, err, sizeof(err)), 0);
	assert_true(ps.from_host);
	assert_int_equal(ps.pkt.src.family, AF_INET6);
	assert_int_equal(ps.pkt.icmp_type, 128);
	assert_int_equal(ps.expect, PROBE_EXPECT_DROP);
	assert_true(ps.have_mark);
	assert_int_equal(ps.mark, 0x10);
	assert_int_equal(parse_line("-i r0 -p tcp -s 10.0.0.1 -d 10.0.0.2 --ct "
				    "established --sport 1234 --dport 22", &ps, err,
				    sizeof(err)), 0);
	assert_int_equal(ps.pkt.tcp_flags, PROBE_TCP_ACK);
	assert_int_equal(ps.pkt.sport, 1234);
	assert_int_equal(ps.pkt.dport, 22);
	assert_int_equal(parse_line("-i r0 -p tcp -s 10.0.0.1 -d 10.0.0.2 "
				    "--tcp-flags syn,ack", &ps, err, sizeof(err)), 0);
	assert_int_equal(ps.pkt.tcp_flags, PROBE_TCP_SYN | PROBE_TCP_ACK);
	assert_int_equal(parse_line("-i r0 -p icmp -s 10.0.0.1 -d 10.0.0.2 "
				    "--icmp-type port-unreachable --ct related", &ps,
				    err, sizeof(err)), 0);
	assert_int_equal(ps.pkt.icmp_type, 3);
	assert_int_equal(ps.pkt.icmp_code, 3);
	assert_int_equal(parse_line("-i r0 -p icmp -s 10.0.0.1 -d 10.0.0.2 "
				    "--icmp-type 11/1", &ps, err, sizeof(err)), 0);
	assert_int_equal(ps.pkt.icmp_type, 11);
	assert_int_equal(ps.pkt.icmp_code, 1);
}

static void expect_error(const char *line, const char *want)
{
	struct probe_spec ps;
	char err[256] = "";

	assert_int_equal(parse_line(line, &ps, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("'%s': wanted an error with '%s', got '%s'", line, want, err);
	assert_null(strchr(err, '\n'));
}

static void test_bad_probes(void **state)
{
	(void)state;
	expect_error("-i r0 --from-host -p tcp -s 10.0.0.1 -d 10.0.0.2", "not both");
	expect_error("-p tcp -s 10.0.0.1 -d 10.0.0.2", "-i IFACE");
	expect_error("-i r0 -p icmp -s 10.0.0.1 -d 10.0.0.2 --dport 80", "no ports");
	expect_error("-i r0 -p tcp -s 10.0.0.1 -d fd00::2", "one family");
	expect_error("-i r0 -p icmp -s fd00::1 -d fd00::2", "icmpv6");
	expect_error("-i r0 -p tcp -s 10.0.0.0/24 -d 10.0.0.2", "not a prefix");
	expect_error("-i r0 -p gre -s 10.0.0.1 -d 10.0.0.2", "tcp, udp, icmp");
	expect_error("-i r0 -p tcp -s 10.0.0.1 -d 10.0.0.2 --dport 0", "1 to 65535");
	expect_error("-i r0 -p tcp -s 10.0.0.1 -d 10.0.0.2 --tcp-flags SYN,XMAS", "SYN, ACK");
	expect_error("-i r0 -p udp -s 10.0.0.1 -d 10.0.0.2 --tcp-flags SYN", "only TCP");
	expect_error("-i r0 -p tcp -s 10.0.0.1 -d 10.0.0.2 --expect maybe", "accept, drop");
	expect_error("-i r0 -p tcp -s 10.0.0.1 -d 10.0.0.2 --ct half", "new, established");
	expect_error("-i r0 -p tcp -s 10.0.0.1 -d 10.0.0.2 --mark 0x100000000", "0xffffffff");
	expect_error("-i eth+ -p tcp -s 10.0.0.1 -d 10.0.0.2", "one interface");
	expect_error("-i r0 -p tcp -s 10.0.0.1 -d 10.0.0.2 --json", "whole run");
	expect_error("-i r0 -p tcp -s 10.0.0.1 -d 10.0.0.2 extra", "unexpected word");
	expect_error("-i r0 -p icmp -s 10.0.0.1 -d 10.0.0.2 --ct related", "ICMP errors");
	expect_error("-i r0 -p tcp -s 10.0.0.1 -d 10.0.0.2 --sport", "requires an argument");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_read_file(void **state)
{
	char path[] = "/tmp/iptt-test-probes-XXXXXX", err[400];
	struct probe_opts o;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_file(path, "# a comment\n\n  -i r0 -p tcp -s 10.0.0.1 -d 10.0.0.2  # why\n"
		   "\t--from-host -p udp -s 10.0.0.1 -d 10.0.0.3 --expect drop\n");
	memset(&o, 0, sizeof(o));
	o.file = path;
	assert_int_equal(probe_read_file(&o, err, sizeof(err)), 0);
	assert_int_equal(o.n_probes, 2);
	assert_int_equal(o.probes[0].line, 3);
	assert_string_equal(o.probes[0].iface, "r0");
	assert_int_equal(o.probes[1].line, 4);
	assert_true(o.probes[1].from_host);
	assert_int_equal(o.probes[1].expect, PROBE_EXPECT_DROP);
	probe_opts_free(&o);

	/* the error names the file's line */
	write_file(path, "-i r0 -p tcp -s 10.0.0.1 -d 10.0.0.2\n\n-i r0 -p icmp -s 10.0.0.1 "
		   "-d 10.0.0.2 --sport 1\n");
	memset(&o, 0, sizeof(o));
	o.file = path;
	assert_int_equal(probe_read_file(&o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":3: --sport with -p icmp"));
	probe_opts_free(&o);

	write_file(path, "# nothing\n\n");
	memset(&o, 0, sizeof(o));
	o.file = path;
	assert_int_equal(probe_read_file(&o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no probe in it"));
	probe_opts_free(&o);
	unlink(path);
}

static void test_cmdline(void **state)
{
	char *argv[] = { (char *)"iptables-trace", (char *)"--probe", (char *)"--netns",
			 (char *)"router", (char *)"-i", (char *)"r0", (char *)"-p",
			 (char *)"tcp", (char *)"-s", (char *)"10.0.0.1", (char *)"-d",
			 (char *)"10.0.0.2", (char *)"--ruleset", (char *)"a.nft",
			 (char *)"--ruleset", (char *)"b.v6", (char *)"--json", NULL };
	char *file_argv[] = { (char *)"iptables-trace", (char *)"--probe-file",
			      (char *)"p.txt", (char *)"-p", (char *)"tcp", NULL };
	struct probe_opts o;
	char err[400];

	(void)state;
	assert_true(probe_wanted(17, argv));
	assert_int_equal(probe_parse_cmdline(17, argv, &o, err, sizeof(err)), 0);
	assert_string_equal(o.netns, "router");
	assert_int_equal(o.n_rulesets, 2);
	assert_string_equal(o.rulesets[1], "b.v6");
	assert_int_equal(o.format, OUT_JSON);
	assert_int_equal(o.n_probes, 1);
	assert_int_equal(o.quiet_ms, PROBE_QUIET_MS);
	probe_opts_free(&o);
	assert_int_equal(probe_parse_cmdline(5, file_argv, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "go on the file's lines"));
	probe_opts_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp4_syn),
		cmocka_unit_test(test_udp6),
		cmocka_unit_test(test_icmp_echo),
		cmocka_unit_test(test_icmp_error_quotes_udp),
		cmocka_unit_test(test_checksums_verify),
		cmocka_unit_test(test_bad_specs),
		cmocka_unit_test(test_split_line),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_probes),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_cmdline),
	};

	return cmocka_run_group_tests_name("probe", tests, NULL, NULL);
}
