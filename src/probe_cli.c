/* --probe's command line and --probe-file's lines -> struct probe_spec.
 * Errors are one line in a buffer: the caller adds the file's line
 * number, or prints it with the usage hint. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <sys/random.h>

#include "cli.h"
#include "probe.h"

enum {
	PO_PROBE = 256, PO_PROBE_FILE, PO_NETNS, PO_RULESET, PO_FROM_HOST,
	PO_SPORT, PO_DPORT, PO_TCP_FLAGS, PO_ICMP_TYPE, PO_MARK, PO_CT,
	PO_EXPECT, PO_NO_COLOR, PO_COLOR, PO_QUIET_TIME,
};

static const struct option probe_long_opts[] = {
	{ "probe", no_argument, NULL, PO_PROBE },
	{ "probe-file", required_argument, NULL, PO_PROBE_FILE },
	{ "netns", required_argument, NULL, PO_NETNS },
	{ "ruleset", required_argument, NULL, PO_RULESET },
	{ "json", no_argument, NULL, 'j' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "no-color", no_argument, NULL, PO_NO_COLOR },
	{ "no-colour", no_argument, NULL, PO_NO_COLOR },
	{ "color", required_argument, NULL, PO_COLOR },
	{ "colour", required_argument, NULL, PO_COLOR },
	{ "quiet-time", required_argument, NULL, PO_QUIET_TIME },
	{ "in-interface", required_argument, NULL, 'i' },
	{ "from-host", no_argument, NULL, PO_FROM_HOST },
	{ "protocol", required_argument, NULL, 'p' },
	{ "source", required_argument, NULL, 's' },
	{ "destination", required_argument, NULL, 'd' },
	{ "sport", required_argument, NULL, PO_SPORT },
	{ "dport", required_argument, NULL, PO_DPORT },
	{ "tcp-flags", required_argument, NULL, PO_TCP_FLAGS },
	{ "icmp-type", required_argument, NULL, PO_ICMP_TYPE },
	{ "mark", required_argument, NULL, PO_MARK },
	{ "ct", required_argument, NULL, PO_CT },
	{ "expect", required_argument, NULL, PO_EXPECT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char probe_shorts[] = ":i:p:s:d:jvqnhV";

bool probe_wanted(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--probe") || !strncmp(argv[i], "--probe-file", 12))
			return true;
	return false;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

static int parse_num(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	return errno || *end || end == s || s[0] == '-' || *v > max ? -1 : 0;
}

/* The string as it may appear in a message: printable, bounded. */
static const char *shown(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static int parse_addr(const char *opt, const char *s, struct probe_addr *a,
		      char *err, size_t errlen)
{
	char b[64];

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->a.v4) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a->a.v6) == 1)
		a->family = AF_INET6;
	else if (strchr(s, '/'))
		FAIL("%s %s: a probe is one packet; give one address, not a prefix",
		     opt, shown(s, b, sizeof(b)));
	else
		FAIL("%s %s: not an IPv4 or IPv6 address", opt, shown(s, b, sizeof(b)));
	return 0;
}

static int parse_proto(const char *s, uint8_t *proto, char *err, size_t errlen)
{
	char b[64];

	if (!strcasecmp(s, "tcp") || !strcmp(s, "6"))
		*proto = IPPROTO_TCP;
	else if (!strcasecmp(s, "udp") || !strcmp(s, "17"))
		*proto = IPPROTO_UDP;
	else if (!strcasecmp(s, "icmp") || !strcmp(s, "1"))
		*proto = IPPROTO_ICMP;
	else if (!strcasecmp(s, "icmpv6") || !strcasecmp(s, "icmp6") ||
		 !strcasecmp(s, "ipv6-icmp") || !strcmp(s, "58"))
		*proto = IPPROTO_ICMPV6;
	else
		FAIL("-p %s: a probe is tcp, udp, icmp or icmpv6", shown(s, b, sizeof(b)));
	return 0;
}

static int parse_port(const char *opt, const char *s, uint16_t *port,
		      char *err, size_t errlen)
{
	unsigned long v;
	char b[64];

	if (parse_num(s, 65535, &v) < 0 || !v)
		FAIL("%s %s: a port is a number from 1 to 65535", opt,
		     shown(s, b, sizeof(b)));
	*port = (uint16_t)v;
	return 0;
}

static int parse_tcp_flags(const char *s, uint8_t *flags, char *err, size_t errlen)
{
	static const struct { const char *name; uint8_t bit; } names[] = {
		{ "SYN", PROBE_TCP_SYN }, { "ACK", PROBE_TCP_ACK },
		{ "FIN", PROBE_TCP_FIN }, { "RST", PROBE_TCP_RST },
		{ "PSH", PROBE_TCP_PSH }, { "URG", PROBE_TCP_URG },
		{ "NONE", 0 },
	};
	const char *p = s;
	char b[64];

	*flags = 0;
	for (;;) {
		size_t n = strcspn(p, ","), i;
		bool found = false;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (n == strlen(names[i].name) && !strncasecmp(p, names[i].name, n)) {
				*flags |= names[i].bit;
				found = true;
			}
		if (!found)
			FAIL("--tcp-flags %s: use a comma list of SYN, ACK, FIN, RST, "
			     "PSH, URG, or NONE", shown(s, b, sizeof(b)));
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

struct icmp_name { const char *name; uint8_t type, code; };

static const struct icmp_name icmp4_names[] = {
	{ "echo-request", 8, 0 }, { "echo-reply", 0, 0 },
	{ "destination-unreachable", 3, 0 }, { "network-unreachable", 3, 0 },
	{ "host-unreachable", 3, 1 }, { "protocol-unreachable", 3, 2 },
	{ "port-unreachable", 3, 3 }, { "fragmentation-needed", 3, 4 },
	{ "admin-prohibited", 3, 13 }, { "time-exceeded", 11, 0 },
	{ "parameter-problem", 12, 0 }, { "timestamp-request", 13, 0 },
};

static const struct icmp_name icmp6_names[] = {
	{ "echo-request", 128, 0 }, { "echo-reply", 129, 0 },
	{ "destination-unreachable", 1, 0 }, { "no-route", 1, 0 },
	{ "admin-prohibited", 1, 1 }, { "address-unreachable", 1, 3 },
	{ "port-unreachable", 1, 4 }, { "packet-too-big", 2, 0 },
	{ "time-exceeded", 3, 0 }, { "parameter-problem", 4, 0 },
	{ "nd-router-solicit", 133, 0 }, { "nd-neighbor-solicit", 135, 0 },
	{ "nd-neighbor-advert", 136, 0 },
};

/* A name of the probe's ICMP, or TYPE or TYPE/CODE. */
static int parse_icmp_type(const char *s, uint8_t proto, uint8_t *type,
			   uint8_t *code, char *err, size_t errlen)
{
	const struct icmp_name *t = proto == IPPROTO_ICMP ? icmp4_names : icmp6_names;
	size_t i, n = proto == IPPROTO_ICMP ? sizeof(icmp4_names) / sizeof(icmp4_names[0]) :
		      sizeof(icmp6_names) / sizeof(icmp6_names[0]);
	unsigned long v, c = 0;
	char num[16], b[64];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);

	for (i = 0; i < n; i++)
		if (!strcasecmp(s, t[i].name)) {
			*type = t[i].type;
			*code = t[i].code;
			return 0;
		}
	if (len && len < sizeof(num)) {
		memcpy(num, s, len);
		num[len] = '\0';
		if (parse_num(num, 255, &v) == 0 && (!slash || parse_num(slash + 1, 255, &c) == 0)) {
			*type = (uint8_t)v;
			*code = (uint8_t)c;
			return 0;
		}
	}
	FAIL("--icmp-type %s: use TYPE[/CODE] or a name such as echo-request, "
	     "echo-reply, port-unreachable, time-exceeded", shown(s, b, sizeof(b)));
}

static const char *const expect_names[] = {
	[PROBE_EXPECT_NONE] = "", [PROBE_EXPECT_ACCEPT] = "accept",
	[PROBE_EXPECT_DROP] = "drop", [PROBE_EXPECT_REJECT] = "reject",
	[PROBE_EXPECT_LOCAL] = "local", [PROBE_EXPECT_FORWARD] = "forward",
};

const char *probe_expect_name(enum probe_expect e)
{
	return expect_names[e];
}

/* The words given, before defaults and checks. */
struct raw_spec {
	const char *iface, *proto, *src, *dst, *sport, *dport, *flags, *icmp,
		   *mark, *ct, *expect;
	bool from_host;
};

static int take_opt(int c, struct raw_spec *r)
{
	switch (c) {
	case 'i': r->iface = optarg; return 1;
	case 'p': r->proto = optarg; return 1;
	case 's': r->src = optarg; return 1;
	case 'd': r->dst = optarg; return 1;
	case PO_FROM_HOST: r->from_host = true; return 1;
	case PO_SPORT: r->sport = optarg; return 1;
	case PO_DPORT: r->dport = optarg; return 1;
	case PO_TCP_FLAGS: r->flags = optarg; return 1;
	case PO_ICMP_TYPE: r->icmp = optarg; return 1;
	case PO_MARK: r->mark = optarg; return 1;
	case PO_CT: r->ct = optarg; return 1;
	case PO_EXPECT: r->expect = optarg; return 1;
	}
	return 0;
}

static uint16_t random_port(void)
{
	uint16_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint16_t)getpid();
	return (uint16_t)(32768 + r % 28232);	/* Linux's ip_local_port_range */
}

static int check_iface_name(const char *s, char *err, size_t errlen)
{
	size_t i, n = strlen(s);
	char b[64];

	if (!n || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		FAIL("-i %s: not an interface name (1 to 15 bytes)", shown(s, b, sizeof(b)));
	for (i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] == '+' ||
		    isspace((unsigned char)s[i]) || iscntrl((unsigned char)s[i]))
			FAIL("-i %s: a probe arrives on one interface: no '+', '/', "
			     "':', spaces or control characters", shown(s, b, sizeof(b)));
	return 0;
}

static int parse_ct(const char *s, enum probe_ct *ct, char *err, size_t errlen)
{
	char b[64];

	if (!strcmp(s, "new"))
		*ct = PROBE_CT_NEW;
	else if (!strcmp(s, "established"))
		*ct = PROBE_CT_ESTABLISHED;
	else if (!strcmp(s, "related"))
		*ct = PROBE_CT_RELATED;
	else
		FAIL("--ct %s: use new, established or related", shown(s, b, sizeof(b)));
	return 0;
}

static int parse_expect(const char *s, enum probe_expect *e, char *err, size_t errlen)
{
	size_t i;
	char b[64];

	for (i = 1; i < sizeof(expect_names) / sizeof(expect_names[0]); i++)
		if (!strcasecmp(s, expect_names[i])) {
			*e = (enum probe_expect)i;
			return 0;
		}
	FAIL("--expect %s: use accept, drop, reject, local or forward",
	     shown(s, b, sizeof(b)));
}

static const char *proto_word(uint8_t p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" :
	       p == IPPROTO_ICMP ? "icmp" : "icmpv6";
}

static void describe(struct probe_spec *ps)
{
	const struct probe_pkt_spec *k = &ps->pkt;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], l4[24] = "";
	size_t n;
	bool v6 = k->src.family == AF_INET6;

	inet_ntop(k->src.family, &k->src.a, s, sizeof(s));
	inet_ntop(k->dst.family, &k->dst.a, d, sizeof(d));
	if (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP)
		snprintf(ps->what, sizeof(ps->what), "%s %s%s%s:%u -> %s%s%s:%u",
			 proto_word(k->proto), v6 ? "[" : "", s, v6 ? "]" : "",
			 k->sport, v6 ? "[" : "", d, v6 ? "]" : "", k->dport);
	else {
		snprintf(l4, sizeof(l4), " type %u/%u", k->icmp_type, k->icmp_code);
		snprintf(ps->what, sizeof(ps->what), "%s %s -> %s%s",
			 proto_word(k->proto), s, d, l4);
	}
	n = strlen(ps->what);
	snprintf(ps->what + n, sizeof(ps->what) - n, "%s%s",
		 ps->from_host ? " from the host" : " in on ", ps->iface);
}

/* Defaults, then the checks that need every option. */
static int finish_spec(const struct raw_spec *r, struct probe_spec *ps,
		       char *err, size_t errlen)
{
	struct probe_pkt_spec *k = &ps->pkt;
	unsigned long v;
	char b[64];

	if (r->iface && r->from_host)
		FAIL("-i %s and --from-host: a probe either arrives on an interface "
		     "or is sent by the host, not both", shown(r->iface, b, sizeof(b)));
	if (!r->iface && !r->from_host)
		FAIL("a probe needs -i IFACE (arriving there) or --from-host (sent "
		     "by the host)");
	if (!r->proto || !r->src || !r->dst)
		FAIL("a probe needs -p PROTO, -s SRC and -d DST");
	if (r->iface) {
		if (check_iface_name(r->iface, err, errlen) < 0)
			return -1;
		snprintf(ps->iface, sizeof(ps->iface), "%s", r->iface);
	}
	ps->from_host = r->from_host;
	if (parse_proto(r->proto, &k->proto, err, errlen) < 0 ||
	    parse_addr("-s", r->src, &k->src, err, errlen) < 0 ||
	    parse_addr("-d", r->dst, &k->dst, err, errlen) < 0)
		return -1;
	snprintf(ps->src_text, sizeof(ps->src_text), "%s", r->src);
	snprintf(ps->dst_text, sizeof(ps->dst_text), "%s", r->dst);
	if (k->src.family != k->dst.family)
		FAIL("-s %s -d %s: one address is IPv4 and the other IPv6; a probe "
		     "has one family", shown(r->src, b, sizeof(b)), ps->dst_text);
	if (k->proto == IPPROTO_ICMP && k->src.family == AF_INET6)
		FAIL("-p icmp with IPv6 addresses: ICMP for IPv6 is -p icmpv6");
	if (k->proto == IPPROTO_ICMPV6 && k->src.family == AF_INET)
		FAIL("-p icmpv6 with IPv4 addresses: ICMP for IPv4 is -p icmp");
	if (parse_ct(r->ct ? r->ct : "new", &ps->ct, err, errlen) < 0 ||
	    (r->expect && parse_expect(r->expect, &ps->expect, err, errlen) < 0))
		return -1;
	if (r->mark) {
		if (parse_num(r->mark, 0xffffffffUL, &v) < 0)
			FAIL("--mark %s: a number from 0 to 0xffffffff",
			     shown(r->mark, b, sizeof(b)));
		ps->have_mark = true;
		ps->mark = (uint32_t)v;
	}
	if (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP) {
		if (r->icmp)
			FAIL("--icmp-type with -p %s: only ICMP has types", r->proto);
		k->sport = random_port();
		k->dport = 80;
		if ((r->sport && parse_port("--sport", r->sport, &k->sport, err, errlen) < 0) ||
		    (r->dport && parse_port("--dport", r->dport, &k->dport, err, errlen) < 0))
			return -1;
		if (k->proto == IPPROTO_UDP && !r->dport)
			k->dport = 53;
	} else {
		if (r->sport || r->dport)
			FAIL("%s with -p %s: ICMP has no ports", r->sport ? "--sport" :
			     "--dport", r->proto);
		k->icmp_type = k->proto == IPPROTO_ICMP ? 8 : 128;
		if (r->icmp && parse_icmp_type(r->icmp, k->proto, &k->icmp_type,
					       &k->icmp_code, err, errlen) < 0)
			return -1;
		k->icmp_id = (uint16_t)(random_port() ^ 0x5a5a);
		k->icmp_seq = 1;
		k->inner_sport = 53;
		k->inner_dport = random_port();
	}
	if (k->proto == IPPROTO_TCP) {
		/* a connection's later packet, or its first (a related
		 * connection's too: an expectation is met by its SYN) */
		k->tcp_flags = ps->ct == PROBE_CT_ESTABLISHED ? PROBE_TCP_ACK : PROBE_TCP_SYN;
		if (r->flags && parse_tcp_flags(r->flags, &k->tcp_flags, err, errlen) < 0)
			return -1;
		k->tcp_seq = 0x1a2b3c4d;
		k->tcp_ack = 0x5e6f7081;
	} else if (r->flags) {
		FAIL("--tcp-flags with -p %s: only TCP has flags", r->proto);
	}
	if (ps->ct == PROBE_CT_RELATED && k->proto != IPPROTO_TCP &&
	    k->proto != IPPROTO_UDP && !probe_icmp_is_error(k->proto, k->icmp_type))
		FAIL("--ct related with an ICMP %s: only ICMP errors (such as "
		     "--icmp-type port-unreachable) are related to a flow",
		     k->icmp_type == 8 || k->icmp_type == 128 ? "echo request" : "type");
	k->ipid = (uint16_t)random_port();
	describe(ps);
	return 0;
}

static int spec_error(int c, char **argv, char *err, size_t errlen)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	char b[64];

	if (c == ':')
		FAIL("option '%s' requires an argument", shown(arg, b, sizeof(b)));
	FAIL("invalid option '%s'", shown(arg, b, sizeof(b)));
}

int probe_parse_spec(int argc, char **argv, struct probe_spec *ps,
		     char *err, size_t errlen)
{
	struct raw_spec r;
	int c;

	memset(&r, 0, sizeof(r));
	memset(ps, 0, sizeof(*ps));
	optind = 0;		/* GNU: start afresh, every line */
	opterr = 0;
	while ((c = getopt_long(argc, argv, probe_shorts, probe_long_opts, NULL)) != -1) {
		if (take_opt(c, &r))
			continue;
		if (c == ':' || c == '?')
			return spec_error(c, argv, err, errlen);
		FAIL("'%s' is an option of the whole run, not of one probe",
		     argv[optind - 1]);
	}
	if (optind < argc)
		FAIL("unexpected word '%s' (a probe is only options)", argv[optind]);
	return finish_spec(&r, ps, err, errlen);
}

int probe_parse_cmdline(int argc, char **argv, struct probe_opts *o,
			char *err, size_t errlen)
{
	struct raw_spec r;
	bool probe = false;
	unsigned long v;
	char b[64];
	int c;

	memset(&r, 0, sizeof(r));
	memset(o, 0, sizeof(*o));
	o->quiet_ms = PROBE_QUIET_MS;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, probe_shorts, probe_long_opts, NULL)) != -1) {
		if (take_opt(c, &r))
			continue;
		switch (c) {
		case PO_PROBE: probe = true; break;
		case PO_PROBE_FILE: o->file = optarg; break;
		case PO_NETNS: o->netns = optarg; break;
		case PO_RULESET:
			if (o->n_rulesets == PROBE_MAX_RULESETS)
				FAIL("--ruleset: at most %d files", PROBE_MAX_RULESETS);
			o->rulesets[o->n_rulesets++] = optarg;
			break;
		case 'j': o->format = OUT_JSON; break;
		case 'v': o->verbose = true; break;
		case 'q': o->quiet = true; break;
		case 'n': break;
		case 'h': cli_help();
		case 'V': cli_version();
		case PO_NO_COLOR: o->color = COLOR_NEVER; break;
		case PO_COLOR:
			if (!strcmp(optarg, "auto"))
				o->color = COLOR_AUTO;
			else if (!strcmp(optarg, "always"))
				o->color = COLOR_ALWAYS;
			else if (!strcmp(optarg, "never"))
				o->color = COLOR_NEVER;
			else
				FAIL("invalid --color '%s' (use auto, always or never)",
				     shown(optarg, b, sizeof(b)));
			break;
		case PO_QUIET_TIME:
			if (parse_num(optarg, 60000, &v) < 0)
				FAIL("invalid --quiet-time '%s' (milliseconds)",
				     shown(optarg, b, sizeof(b)));
			o->quiet_ms = (unsigned int)v;
			break;
		default:
			return spec_error(c, argv, err, errlen);
		}
	}
	if (optind < argc)
		FAIL("unexpected word '%s': --probe takes options only, no filter "
		     "expression", shown(argv[optind], b, sizeof(b)));
	if (probe && o->file)
		FAIL("--probe and --probe-file: give one probe, or a file of them");
	if (o->file) {
		if (r.iface || r.from_host || r.proto || r.src || r.dst || r.sport ||
		    r.dport || r.flags || r.icmp || r.mark || r.ct || r.expect)
			FAIL("--probe-file %s: the probe options go on the file's "
			     "lines", shown(o->file, b, sizeof(b)));
		return 0;
	}
	o->probes = calloc(1, sizeof(*o->probes));
	if (!o->probes)
		FAIL("out of memory");
	o->n_probes = 1;
	return finish_spec(&r, &o->probes[0], err, errlen);
}

int probe_split_line(char *line, char ***argvp)
{
	size_t cap = 8, n = 1;
	char **argv = malloc(cap * sizeof(*argv)), *p = line;

	if (!argv)
		return -1;
	argv[0] = (char *)"probe";
	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			break;
		if (n + 1 >= cap) {
			char **g = realloc(argv, cap * 2 * sizeof(*argv));

			if (!g) {
				free(argv);
				return -1;
			}
			argv = g;
			cap *= 2;
		}
		argv[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
	argv[n] = NULL;
	*argvp = argv;
	return (int)(n - 1);
}

int probe_read_file(struct probe_opts *o, char *err, size_t errlen)
{
	FILE *f = fopen(o->file, "re");
	char *line = NULL, **argv, b[64], msg[400];
	size_t cap = 0, lineno = 0;
	ssize_t len;

	if (!f)
		FAIL("--probe-file %s: %s", shown(o->file, b, sizeof(b)), strerror(errno));
	while ((len = getline(&line, &cap, f)) >= 0) {
		struct probe_spec *g;
		int n;

		lineno++;
		if (strlen(line) != (size_t)len) {
			snprintf(err, errlen, "%s:%zu: a NUL byte in the line",
				 shown(o->file, b, sizeof(b)), lineno);
			goto fail;
		}
		n = probe_split_line(line, &argv);
		if (n < 0) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (n == 0) {
			free(argv);
			continue;
		}
		g = realloc(o->probes, (o->n_probes + 1) * sizeof(*g));
		if (!g) {
			free(argv);
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		o->probes = g;
		if (probe_parse_spec(n + 1, argv, &g[o->n_probes], msg, sizeof(msg)) < 0) {
			free(argv);
			snprintf(err, errlen, "%s:%zu: %s", shown(o->file, b, sizeof(b)),
				 lineno, msg);
			goto fail;
		}
		free(argv);
		g[o->n_probes++].line = (unsigned int)lineno;
	}
	free(line);
	fclose(f);
	if (!o->n_probes)
		FAIL("--probe-file %s: no probe in it", shown(o->file, b, sizeof(b)));
	return 0;
fail:
	free(line);
	fclose(f);
	return -1;
}

void probe_opts_free(struct probe_opts *o)
{
	free(o->probes);
	o->probes = NULL;
	o->n_probes = 0;
}
