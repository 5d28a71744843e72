/* xt_probe: drive the x_tables modules from tests and measurements.
 *
 *   xt_probe rules legacy|nft          print the rules_xt snapshot
 *   xt_probe changed N [DEEP_MS]       time N rules_xt_changed() calls
 *   xt_probe watch                     refresh, then per stdin line print
 *                                      "changed" or "same" (and re-read)
 *   xt_probe backend                   print backend_probe()
 *   xt_probe arm [-i IF] [-e EXPR] [-4|-6] [-l RATE]
 *                                      install the legacy TRACE rules,
 *                                      print "armed", remove them at EOF
 *                                      on stdin or on SIGTERM/SIGINT
 *   xt_probe cleanup [all]             remove leftover TRACE rules
 *
 * Run it in a throwaway namespace (ip netns exec NS ...). Built by the
 * bats tests; see tests/netns/legacy_fallback.bats. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pcap/pcap.h>		/* before linux/: it brings netinet/in.h */
#include <linux/netfilter.h>

#include "arm_xt.h"
#include "backend.h"
#include "filter.h"
#include "rules_xt.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void print_rules(const struct ruleset *rs)
{
	uint32_t i;

	for (i = 0; i < rs->nchains; i++) {
		const struct rs_chain *c = &rs->chains[i];

		printf("chain %s %s %s %s %d %s %u\n", family_name(c->family),
		       c->table, c->name, c->hook == HOOK_NONE ? "-" : hook_name(c->hook),
		       c->prio, c->policy == NF_DROP ? "drop" : "accept", c->nrules);
	}
	for (i = 0; i < rs->nrules; i++) {
		const struct rs_rule *r = &rs->rules[i];
		const struct rs_chain *c = &rs->chains[r->chain];

		printf("rule %s %s %s %u %s\n", family_name(c->family), c->table,
		       c->name, r->pos, r->text);
	}
}

static int cmd_rules(const char *flavour)
{
	struct rules_xt *x = rules_xt_open(strcmp(flavour, "nft") ? XT_LEGACY : XT_NFT);
	double t0;

	if (!x)
		return 1;
	t0 = now_us();
	if (rules_xt_refresh(x) < 0) {
		fprintf(stderr, "xt_probe: refresh: %s\n", strerror(errno));
		rules_xt_close(x);
		return 1;
	}
	fprintf(stderr, "xt_probe: refresh took %.0f us, %u rules\n",
		now_us() - t0, rules_xt_get(x)->nrules);
	print_rules(rules_xt_get(x));
	printf("has_table ip filter %d ip6 filter %d ip nat %d ip6 raw %d\n",
	       rules_xt_has_table(x, NFPROTO_IPV4, "filter"),
	       rules_xt_has_table(x, NFPROTO_IPV6, "filter"),
	       rules_xt_has_table(x, NFPROTO_IPV4, "nat"),
	       rules_xt_has_table(x, NFPROTO_IPV6, "raw"));
	rules_xt_close(x);
	return 0;
}

static int cmd_changed(unsigned long n, long deep_ms)
{
	struct rules_xt *x = rules_xt_open(XT_LEGACY);
	unsigned long i, changed = 0;
	double t0;
	int r;

	if (!x || rules_xt_refresh(x) < 0)
		return 1;
	if (deep_ms >= 0)
		rules_xt_set_deep_interval(x, (unsigned int)deep_ms);
	t0 = now_us();
	for (i = 0; i < n; i++) {
		r = rules_xt_changed(x);
		if (r < 0) {
			fprintf(stderr, "xt_probe: changed: %s\n", strerror(errno));
			return 1;
		}
		changed += (unsigned long)r;
	}
	printf("changed %lu/%lu, %.1f us per call\n", changed, n,
	       (now_us() - t0) / (double)(n ? n : 1));
	rules_xt_close(x);
	return 0;
}

static int cmd_watch(void)
{
	struct rules_xt *x = rules_xt_open(XT_LEGACY);
	char line[256];

	if (!x || rules_xt_refresh(x) < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		int r = rules_xt_changed(x);

		if (r < 0)
			return 1;
		printf("%s\n", r ? "changed" : "same");
		if (r && rules_xt_refresh(x) < 0)
			return 1;
		fflush(stdout);
	}
	rules_xt_close(x);
	return 0;
}

static int cmd_backend(void)
{
	struct backend_info bi;
	struct backend_plan p;
	static const char *const req[] = { "auto", "nft", "legacy" };
	int i;

	if (backend_probe(&bi) < 0)
		return 1;
	printf("xt_kernel4 %d xt_kernel6 %d legacy_tables %u legacy_configured %u "
	       "nft_usable %d nft_tables %u nft_xt_tables %u\n",
	       bi.xt_kernel4, bi.xt_kernel6, bi.legacy_tables,
	       bi.legacy_configured, bi.nft_usable, bi.nft_tables,
	       bi.nft_xt_tables);
	for (i = 0; i < 3; i++) {
		if (backend_plan(&bi, (enum backend_req)i, &p) < 0) {
			printf("plan %s unsupported\n", req[i]);
			continue;
		}
		printf("plan %s arm_nft %d arm_xt %d listen_nft %d listen_xt %d\n",
		       req[i], p.arm_nft, p.arm_xt, p.listen_nft, p.listen_xt);
	}
	return 0;
}

/* libpcap straight, as filter.c does it (DLT_RAW), so these tests do
 * not depend on the option shortcuts. */
static int compile(const char *expr, struct filter_prog *prog)
{
	pcap_t *p = pcap_open_dead(DLT_RAW, 65535);
	struct bpf_program bp;

	prog->len = 0;
	if (!expr)
		return 0;
	if (!p || pcap_compile(p, &bp, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		fprintf(stderr, "xt_probe: filter: %s\n", p ? pcap_geterr(p) : "pcap");
		return -1;
	}
	if (bp.bf_len > XT_BPF_MAX_NUM_INSTR) {
		fprintf(stderr, "xt_probe: filter: too long\n");
		return -1;
	}
	prog->len = bp.bf_len;
	memcpy(prog->insns, bp.bf_insns, bp.bf_len * sizeof(prog->insns[0]));
	pcap_freecode(&bp);
	pcap_close(p);
	return 0;
}

static int cmd_arm(int argc, char **argv)
{
	const char *expr = NULL;
	static struct filter_prog prog;
	struct arm_spec spec = { .prog = &prog, .hook_prerouting = true,
				 .hook_output = true, .ipv4 = true, .ipv6 = true };
	char err[512] = "";
	struct arm_xt *a;
	int opt;

	while ((opt = getopt(argc, argv, "i:e:46l:")) != -1) {
		switch (opt) {
		case 'i': spec.in_iface = optarg; break;
		case 'e': expr = optarg; break;
		case '4': spec.ipv6 = false; break;
		case '6': spec.ipv4 = false; break;
		case 'l': spec.limit_rate = (unsigned int)atoi(optarg);
			  spec.limit_unit = 1; spec.limit_burst = 5; break;
		default: return 2;
		}
	}
	if (compile(expr, &prog) < 0)
		return 1;
	a = arm_xt_install(&spec, err, sizeof(err));
	if (!a) {
		fprintf(stderr, "xt_probe: arm: %s (%s)\n", err, strerror(errno));
		return 1;
	}
	printf("armed\n");
	fflush(stdout);
	while (!stop) {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };
		char buf[64];

		if (poll(&pfd, 1, -1) > 0 && read(0, buf, sizeof(buf)) <= 0)
			break;
	}
	if (arm_xt_remove(a, err, sizeof(err)) < 0) {
		fprintf(stderr, "xt_probe: remove: %s\n", err);
		arm_xt_free(a);
		return 1;
	}
	arm_xt_free(a);
	printf("removed\n");
	return 0;
}

static int cmd_cleanup(bool all)
{
	char err[512] = "";
	unsigned int removed;

	if (arm_xt_cleanup(all, &removed, err, sizeof(err)) < 0) {
		fprintf(stderr, "xt_probe: cleanup: %s (%s)\n", err, strerror(errno));
		return 1;
	}
	printf("removed %u\n", removed);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "rules") && argc == 3)
		return cmd_rules(argv[2]);
	if (!strcmp(argv[1], "changed") && (argc == 3 || argc == 4))
		return cmd_changed(strtoul(argv[2], NULL, 10),
				   argc == 4 ? atol(argv[3]) : -1);
	if (!strcmp(argv[1], "watch"))
		return cmd_watch();
	if (!strcmp(argv[1], "backend"))
		return cmd_backend();
	if (!strcmp(argv[1], "arm"))
		return cmd_arm(argc - 1, argv + 1);
	if (!strcmp(argv[1], "cleanup"))
		return cmd_cleanup(argc == 3 && !strcmp(argv[2], "all"));
usage:
	fprintf(stderr, "usage: xt_probe rules legacy|nft | changed N [DEEP_MS] | watch | "
		"backend | arm [-i IF] [-e EXPR] [-4|-6] [-l RATE] | cleanup [all]\n");
	return 2;
}
