#include <err.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fate_names.h"
#include "story.h"

/* build/version.h, written by the Makefile (mk/package.mk): the
 * version from git describe or a tarball's VERSION file, and the
 * versions of the libraries it was built with. */
#include "version.h"

static const char usage_text[] =
"Usage: iptables-trace [options] [FILTER EXPRESSION]\n"
"       iptables-trace --probe [--netns NS] (-i IFACE | --from-host) -p PROTO\n"
"                      -s SRC -d DST [probe options] [--ruleset FILE]...\n"
"       iptables-trace --probe-file FILE [--netns NS] [--ruleset FILE]...\n"
"Show which netfilter tables, chains and rules each matching packet crosses.\n"
"\n"
"FILTER EXPRESSION is pcap-filter(7) syntax, as in tcpdump; 'host X' traces\n"
"both directions. Without one, every packet is traced.\n"
"\n"
"  -s, --source ADDR[/LEN]       only packets from ADDR\n"
"  -d, --destination ADDR[/LEN]  only packets to ADDR\n"
"  -p, --protocol PROTO          tcp, udp, icmp, icmpv6, sctp, all or a number\n"
"  -i, --in-interface IFACE      only packets arriving on IFACE (eth+: eth*)\n"
"  -o, --out-interface IFACE     only packets leaving by IFACE (eth+: eth*)\n"
"                                (a '!' word before -s, -d, -p, -i or -o\n"
"                                negates it, as in iptables: ! -s ADDR)\n"
"      --bpf EXPR                the filter expression, as an option\n"
"      --chain PREROUTING|OUTPUT start tracing at one hook (default: both)\n"
"  -4, -6                        one address family only\n"
"      --follow                  trace every later packet of the connections\n"
"                                the filter selected, both directions, across\n"
"                                NAT (the filter sees headers before NAT)\n"
"      --limit [RATE]            trace at most RATE packets (N/second, N/minute,\n"
"                                N/hour, N/day; default 1/second, burst 1)\n"
"  -c, --count N                 exit after N printed packets\n"
"      --timeout SECONDS         exit after SECONDS\n"
"      --verdict LIST            print only packets with these fates: drop,\n"
"                                reject, accept, queue, stolen, unknown,\n"
"                                no-route, delivered, forwarded, bridged, sent\n"
"                                (a comma list, or the option repeated)\n"
"      --summary                 at exit, the rules and chains packets crossed\n"
"      --netns NAME|PATH         trace in an 'ip netns' namespace or /proc/PID/ns/net\n"
"      --backend=auto|nft|legacy which tables to trace (auto: what the\n"
"                                namespace has; legacy: x_tables only)\n"
"      --trace-rules             turn tracing on with legacy TRACE rules, as is\n"
"                                done on kernels without nf_tables\n"
"      --cleanup                 repair what killed runs left (TRACE rules, the\n"
"                                nf_log logger, state files), and exit\n"
"      --rule-syntax=auto|iptables|nft\n"
"                                how to print rules (auto: as they were written)\n"
"  -j, --json                    one JSON object per packet (JSON Lines)\n"
"  -t, --timestamps              print a timestamp before each packet\n"
"  -v, --verbose                 add nft handles, trace ids, raw verdicts, rules\n"
"                                that did not match, and every packet version\n"
"  -n                            accepted, for habit: names are never resolved\n"
"  -q, --quiet                   no armed line and no summary line on stderr\n"
"      --color=auto|always|never colours (auto: on a terminal, unless TERM=dumb\n"
"                                or NO_COLOR is set); --no-color: never\n"
"      --quiet-time MS           finish a packet after MS ms without events (250)\n"
"      --buffer-size MIB         the kernel's queue of events for us, 1-1024 MiB\n"
"                                (default: 1/128 of RAM, 16 to 128 MiB)\n"
"\n"
"Probes: the kernel judges a packet that does not exist, in a throwaway copy of\n"
"the namespace (nothing is sent or changed in the namespace itself):\n"
"      --probe                   probe one packet: -i IFACE (arriving there) or\n"
"                                --from-host, -p tcp|udp|icmp|icmpv6, -s, -d\n"
"      --from-host               a packet the host sends (the OUTPUT path)\n"
"      --sport N, --dport N      ports (default: a random high source port;\n"
"                                destination 80, udp 53)\n"
"      --tcp-flags FLAGS         SYN,ACK,FIN,RST,PSH,URG or NONE (default SYN;\n"
"                                ACK with --ct established)\n"
"      --icmp-type TYPE          a name, TYPE or TYPE/CODE (default echo-request)\n"
"      --mark VALUE              the packet's mark as it arrives or is sent\n"
"      --ct new|established|related\n"
"                                the conntrack entry the probe meets (default new)\n"
"      --expect VERDICT          accept, drop, reject, local or forward: exit 7\n"
"                                when the probe's fate differs\n"
"      --ruleset FILE            load FILE (nft, or iptables-restore format) into\n"
"                                the copy instead of the live ruleset of its kind\n"
"      --probe-file FILE         one probe per line, all in one copy, and a table\n"
"                                of expected and actual fates; exit 7 on a\n"
"                                difference\n"
"\n"
"  -h, --help                    this text\n"
"  -V, --version                 the version\n"
"\n"
"Exit codes: 0 done, 1 runtime failure, 2 bad usage or filter, 3 missing\n"
"privilege, 4 unknown namespace, 5 kernel feature missing, 6 resource busy,\n"
"7 a probe's fate differed from --expect.\n";

static void __attribute__((noreturn)) usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "iptables-trace: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "; see iptables-trace --help\n");
	exit(EXIT_USAGE);
}

/* --help and --version on /dev/full must not end with exit 0. A reader
 * that went away (EPIPE) is no error. */
static void __attribute__((noreturn)) exit_written(void)
{
	if ((fflush(stdout) == EOF || ferror(stdout)) && errno != EPIPE) {
		fprintf(stderr, "iptables-trace: writing output: %s\n",
			strerror(errno ? errno : EIO));
		exit(EXIT_RUNTIME);
	}
	exit(EXIT_OK);
}

static unsigned long parse_ulong(const char *s, const char *what,
				 unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-' || v > max)
		usage_error(what, s);
	return v;
}

static void parse_limit(const char *s, struct config *cfg)
{
	static const struct { const char *name; unsigned int secs; } units[] = {
		{ "second", 1 }, { "sec", 1 }, { "s", 1 }, { "minute", 60 },
		{ "min", 60 }, { "m", 60 }, { "hour", 3600 }, { "h", 3600 },
		{ "day", 86400 }, { "d", 86400 },
	};
	const char *slash = strchr(s, '/');
	char num[32];
	size_t i, n = slash ? (size_t)(slash - s) : strlen(s);

	if (n == 0 || n >= sizeof(num))
		usage_error("invalid --limit '%s' (use N/second, N/minute, N/hour or N/day)", s);
	memcpy(num, s, n);
	num[n] = '\0';
	cfg->limit_rate = (unsigned int)parse_ulong(num,
		"invalid --limit rate '%s' (a number from 1 up)", 1000000);
	if (!cfg->limit_rate)
		usage_error("invalid --limit '%s': the rate must be at least 1", s);
	cfg->limit_unit = 1;
	if (!slash)
		return;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(slash + 1, units[i].name) ||
		    (strlen(units[i].name) > 1 && !strncmp(slash + 1, units[i].name,
							   strlen(units[i].name)) &&
		     !strcmp(slash + 1 + strlen(units[i].name), "s"))) {
			cfg->limit_unit = units[i].secs;
			return;
		}
	usage_error("invalid --limit unit in '%s' (use second, minute, hour or day)", s);
}

enum {
	OPT_BPF = 256, OPT_LIMIT, OPT_COUNT, OPT_TIMEOUT, OPT_NETNS,
	OPT_SYNTAX, OPT_NO_COLOR, OPT_QUIET, OPT_BACKEND, OPT_TRACE_RULES,
	OPT_CLEANUP, OPT_CHAIN, OPT_VERDICT, OPT_SUMMARY, OPT_COLOR,
	OPT_FOLLOW, OPT_BUFFER,
};

static const struct option long_opts[] = {
	{ "source", required_argument, NULL, 's' },
	{ "destination", required_argument, NULL, 'd' },
	{ "protocol", required_argument, NULL, 'p' },
	{ "in-interface", required_argument, NULL, 'i' },
	{ "out-interface", required_argument, NULL, 'o' },
	{ "bpf", required_argument, NULL, OPT_BPF },
	{ "chain", required_argument, NULL, OPT_CHAIN },
	{ "limit", optional_argument, NULL, OPT_LIMIT },
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ "count", required_argument, NULL, 'c' },
	{ "verdict", required_argument, NULL, OPT_VERDICT },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "colour", required_argument, NULL, OPT_COLOR },
	{ "quiet", no_argument, NULL, 'q' },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "rule-syntax", required_argument, NULL, OPT_SYNTAX },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "trace-rules", no_argument, NULL, OPT_TRACE_RULES },
	{ "cleanup", no_argument, NULL, OPT_CLEANUP },
	{ "timestamps", no_argument, NULL, 't' },
	{ "json", no_argument, NULL, 'j' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "no-colour", no_argument, NULL, OPT_NO_COLOR },
	{ "quiet-time", required_argument, NULL, OPT_QUIET },
	{ "buffer-size", required_argument, NULL, OPT_BUFFER },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* The kernel's dev_valid_name(): 1 to 15 bytes, not "." or "..", no
 * '/', ':' or whitespace. A trailing '+' is iptables' wildcard ("eth+":
 * every name starting with "eth"; "+" alone: any interface). */
static void check_iface(const char *name)
{
	size_t i, n = strlen(name);

	if (!n)
		usage_error("invalid interface name '%s': empty", name);
	if (n >= 16)
		usage_error("interface name '%s' is too long (15 bytes at most)", name);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		usage_error("invalid interface name '%s'", name);
	for (i = 0; i < n; i++)
		if (name[i] == '/' || name[i] == ':' ||
		    isspace((unsigned char)name[i]) || iscntrl((unsigned char)name[i]))
			usage_error("invalid interface name '%s': no '/', ':', spaces "
				    "or control characters", name);
}

/* getopt's own messages are two lines and name the full argv[0]: say
 * it in one. c is ':' (missing argument) or '?'; for '?' optopt is 0
 * for an unknown or ambiguous long option, the option's value for a
 * long option given an argument it does not take, else the unknown
 * short option's letter (never one of ours). */
static void __attribute__((noreturn)) option_error(int c, char **argv,
						   const char *shorts)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	int len = (int)strcspn(arg, "=");
	const struct option *o;
	int matches = 0;

	if (c == ':' && !strncmp(arg, "--", 2))
		fprintf(stderr, "iptables-trace: option '%.*s' requires an "
			"argument (see --help)\n", len, arg);
	else if (c == ':')
		fprintf(stderr, "iptables-trace: option '-%c' requires an "
			"argument (see --help)\n", optopt);
	else if (optopt && (optopt >= 256 || strchr(shorts, optopt)))
		fprintf(stderr, "iptables-trace: option '%.*s' takes no argument "
			"(see --help)\n", len, arg);
	else if (optopt)
		fprintf(stderr, "iptables-trace: invalid option '-%c' (see "
			"--help)\n", isprint(optopt) ? optopt : '?');
	else {
		for (o = long_opts; o->name && len > 2; o++)
			matches += !strncmp(o->name, arg + 2, (size_t)len - 2);
		fprintf(stderr, "iptables-trace: %s option '%.*s' (see --help)\n",
			matches > 1 ? "ambiguous" : "unrecognized", len, arg);
	}
	exit(EXIT_USAGE);
}

static char *join_words(char **words, int n)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	s = calloc(1, len);
	if (!s)
		err(EXIT_RUNTIME, "joining the filter expression");
	for (i = 0; i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, words[i]);
	}
	return s;
}

/* The options iptables lets "!" negate, as their own words: "-s",
 * "-s10.0.0.1", "--source", "--source=X", and abbreviations of the long
 * names that getopt_long accepts. Returns the option letter, or 0. */
static int negatable(const char *w)
{
	static const struct { int c; const char *name; } opts[] = {
		{ 's', "source" }, { 'd', "destination" }, { 'p', "protocol" },
		{ 'i', "in-interface" }, { 'o', "out-interface" },
	};
	size_t i, n;

	if (w[0] != '-' || !w[1])
		return 0;
	if (w[1] != '-')
		return strchr("sdpio", w[1]) ? w[1] : 0;
	n = strcspn(w + 2, "=");
	for (i = 0; n && i < sizeof(opts) / sizeof(opts[0]); i++)
		if (!strncmp(opts[i].name, w + 2, n))
			return opts[i].c;
	return 0;
}

/* iptables' "! -s X": getopt_long would take the "!" for the filter
 * expression. Copy argv without the "!" that stand before a negatable
 * option, and remember those option words (getopt_long permutes the
 * array, not the strings). A "!" elsewhere stays: it is pcap-filter's
 * "not". */
static char **strip_negations(int *argc, char **argv, const char ***negated,
			      int *nneg)
{
	char **out = calloc((size_t)*argc + 1, sizeof(*out));
	int i, n = 0;

	*negated = calloc((size_t)*argc + 1, sizeof(**negated));
	*nneg = 0;
	if (!out || !*negated)
		err(EXIT_RUNTIME, "parsing the command line");
	for (i = 0; i < *argc; i++) {
		if (i > 0 && !strcmp(argv[i], "--")) {
			while (i < *argc)
				out[n++] = argv[i++];
			break;
		}
		if (i > 0 && !strcmp(argv[i], "!") && i + 1 < *argc &&
		    negatable(argv[i + 1])) {
			(*negated)[(*nneg)++] = argv[i + 1];
			continue;
		}
		out[n++] = argv[i];
	}
	out[n] = NULL;
	*argc = n;
	return out;
}

/* Was the option getopt_long just returned (with argument optarg)
 * preceded by "!"? Its word is the one before optind, or before its
 * separate argument. */
static bool was_negated(char **argv, const char **negated, int nneg)
{
	const char *word = argv[optind - 1];
	int i;

	if (optind >= 2 && optarg == argv[optind - 1])
		word = argv[optind - 2];
	for (i = 0; i < nneg; i++)
		if (negated[i] == word)
			return true;
	return false;
}

/* "--limit 5/second", as iptables writes it: the next word is the rate
 * when it starts with a digit (no filter expression does). */
static const char *limit_arg(int argc, char **argv)
{
	if (optarg)
		return optarg;
	if (optind < argc && isdigit((unsigned char)argv[optind][0]))
		return argv[optind++];
	return "1/second";
}

/* "drop,forwarded": verdicts and fate names (fate_names.c) */
static unsigned int parse_verdicts(const char *list)
{
	unsigned int mask = 0;
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ",");
		unsigned int kinds = fate_mask(p, n);

		if (!kinds)
			usage_error("invalid --verdict '%s' (use drop, reject, accept, "
				    "queue, stolen, unknown, no-route, delivered, "
				    "forwarded, bridged or sent)", list);
		mask |= kinds;
		if (!p[n])
			return mask;
		p += n + 1;
	}
}

/* Does the filter expression name ICMP (IPv4's) as a word? "icmp6" and
 * "icmptype" are other words. */
static bool names_icmp(const char *expr)
{
	const char *p = expr;

	while (p && *p) {
		size_t n;

		while (*p && !isalnum((unsigned char)*p))
			p++;
		n = 0;
		while (isalnum((unsigned char)p[n]))
			n++;
		if (n == 4 && !strncasecmp(p, "icmp", 4))
			return true;
		p += n;
	}
	return false;
}

void cli_parse(int argc, char **argv, struct config *cfg)
{
	static const char shorts[] = ":s:d:p:i:o:c:46jtvnqhV";
	const char *bpf = NULL, **negated;
	bool seen4 = false, seen6 = false, neg;
	char *end;
	int c, nneg;

	memset(cfg, 0, sizeof(*cfg));
	cfg->hook_prerouting = cfg->hook_output = true;
	cfg->ipv4 = cfg->ipv6 = true;
	cfg->quiet_ms = 250;
	cfg->limit_burst = 1;
	argv = cfg->argv_copy = strip_negations(&argc, argv, &negated, &nneg);

	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, long_opts, NULL)) != -1) {
		neg = c != '?' && c != ':' && was_negated(argv, negated, nneg);
		switch (c) {
		case 's':
			cfg->filter.source = optarg;
			cfg->filter.not_source = neg;
			break;
		case 'd':
			cfg->filter.destination = optarg;
			cfg->filter.not_destination = neg;
			break;
		case 'p':
			cfg->filter.protocol = optarg;
			cfg->filter.not_protocol = neg;
			break;
		case 'i':
			check_iface(optarg);
			cfg->filter.in_iface = optarg;
			cfg->filter.not_in_iface = neg;
			break;
		case 'o':
			check_iface(optarg);
			cfg->filter.out_iface = optarg;
			cfg->filter.not_out_iface = neg;
			break;
		case OPT_BPF: bpf = optarg; break;
		case OPT_CHAIN:
			if (!strcasecmp(optarg, "PREROUTING"))
				cfg->hook_output = false;
			else if (!strcasecmp(optarg, "OUTPUT"))
				cfg->hook_prerouting = false;
			else
				usage_error("invalid --chain '%s' (use PREROUTING or OUTPUT)",
					    optarg);
			break;
		case '4': seen4 = true; cfg->ipv6 = false; cfg->ipv4 = true; break;
		case '6': seen6 = true; cfg->ipv4 = false; cfg->ipv6 = true; break;
		case OPT_LIMIT:
			parse_limit(limit_arg(argc, argv), cfg);
			break;
		case 'c':
			cfg->count = parse_ulong(optarg,
				"invalid --count '%s' (a number from 1 up)", 1UL << 40);
			if (!cfg->count)
				usage_error("invalid --count '%s' (a number from 1 up)", optarg);
			break;
		case OPT_VERDICT: cfg->verdicts |= parse_verdicts(optarg); break;
		case OPT_SUMMARY: cfg->summary = true; break;
		case OPT_FOLLOW: cfg->follow = true; break;
		case OPT_TIMEOUT:
			errno = 0;
			cfg->timeout = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(cfg->timeout > 0) ||
			    cfg->timeout > 1e9)
				usage_error("invalid --timeout '%s' (seconds, more than 0)",
					    optarg);
			break;
		case OPT_NETNS: cfg->netns = optarg; break;
		case OPT_SYNTAX:
			if (!strcmp(optarg, "auto"))
				cfg->syntax = SYNTAX_AUTO;
			else if (!strcmp(optarg, "nft"))
				cfg->syntax = SYNTAX_NFT;
			else if (!strcmp(optarg, "iptables"))
				cfg->syntax = SYNTAX_IPTABLES;
			else
				usage_error("invalid --rule-syntax '%s' (use auto, iptables "
					    "or nft)", optarg);
			break;
		case OPT_BACKEND:
			if (!strcmp(optarg, "auto"))
				cfg->backend = BACKEND_AUTO;
			else if (!strcmp(optarg, "nft"))
				cfg->backend = BACKEND_NFT;
			else if (!strcmp(optarg, "legacy"))
				cfg->backend = BACKEND_LEGACY;
			else
				usage_error("invalid --backend '%s' (use auto, nft or legacy)",
					    optarg);
			break;
		case OPT_TRACE_RULES: cfg->trace_rules = true; break;
		case OPT_CLEANUP: cfg->cleanup = true; break;
		case 't': cfg->timestamps = true; break;
		case 'j': cfg->format = OUT_JSON; break;
		case 'v': cfg->verbose = true; break;
		case 'n': break;	/* tcpdump's and iptables' habit: we never resolve */
		case 'q': cfg->quiet = true; break;
		case OPT_NO_COLOR: cfg->color = COLOR_NEVER; break;
		case OPT_COLOR:
			if (!strcmp(optarg, "auto"))
				cfg->color = COLOR_AUTO;
			else if (!strcmp(optarg, "always"))
				cfg->color = COLOR_ALWAYS;
			else if (!strcmp(optarg, "never"))
				cfg->color = COLOR_NEVER;
			else
				usage_error("invalid --color '%s' (use auto, always or never)",
					    optarg);
			break;
		case OPT_QUIET:
			cfg->quiet_ms = (unsigned int)parse_ulong(optarg,
				"invalid --quiet-time '%s' (milliseconds)", 60000);
			break;
		case OPT_BUFFER:
			cfg->buffer_mib = (unsigned int)parse_ulong(optarg,
				"invalid --buffer-size '%s' (MiB, 1 to 1024)", 1024);
			if (!cfg->buffer_mib)
				usage_error("invalid --buffer-size '%s' (MiB, 1 to 1024)",
					    optarg);
			break;
		case 'h': cli_help();
		case 'V': cli_version();
		default:
			option_error(c, argv, shorts);
		}
	}
	free(negated);
	if (bpf && optind < argc)
		usage_error("give the filter either with --bpf or as arguments, not "
			    "both (%s)", bpf);
	if (optind < argc)
		cfg->expr_buf = join_words(argv + optind, argc - optind);
	cfg->filter.expr = bpf ? bpf : cfg->expr_buf;
	if (seen4 && seen6)
		usage_error("%s: -4 and -6 together trace nothing; give one, or "
			    "neither for both families", "-4 -6");
	if (seen6 && ((cfg->filter.protocol && !strcasecmp(cfg->filter.protocol, "icmp")) ||
		      names_icmp(cfg->filter.expr)))
		usage_error("-6 with '%s' traces nothing: ICMP for IPv6 is icmp6 "
			    "(-p icmpv6)", cfg->filter.protocol &&
			    !strcasecmp(cfg->filter.protocol, "icmp") ?
			    "-p icmp" : "icmp");
	if (cfg->filter.protocol && cfg->filter.not_protocol &&
	    !strcasecmp(cfg->filter.protocol, "all"))
		usage_error("'! -p %s' matches no packet", cfg->filter.protocol);
	if (cfg->filter.in_iface && cfg->filter.not_in_iface &&
	    !strcmp(cfg->filter.in_iface, "+"))
		usage_error("'! -i %s' matches no packet", cfg->filter.in_iface);
	if (cfg->filter.out_iface && cfg->filter.not_out_iface &&
	    !strcmp(cfg->filter.out_iface, "+"))
		usage_error("'! -o %s' matches no packet", cfg->filter.out_iface);
	if (cfg->trace_rules && cfg->backend == BACKEND_NFT)
		usage_error("--trace-rules traces legacy tables; it cannot be used "
			    "with --backend=%s", "nft");
	if (cfg->trace_rules && cfg->follow)
		usage_error("--follow needs nf_tables to mark connections; it "
			    "cannot be used with %s", "--trace-rules");
	if (cfg->filter.in_iface && !cfg->hook_prerouting)
		usage_error("-i %s matches arriving packets; it cannot be used with "
			    "--chain OUTPUT", cfg->filter.in_iface);
}

void cli_help(void)
{
	fputs(usage_text, stdout);
	exit_written();
}

void cli_version(void)
{
	printf("iptables-trace %s (%s)\n", IPTT_VERSION, IPTT_LIBVERSIONS);
	exit_written();
}

void cli_free(struct config *cfg)
{
	free(cfg->expr_buf);
	cfg->expr_buf = NULL;
	free(cfg->argv_copy);
	cfg->argv_copy = NULL;
}
