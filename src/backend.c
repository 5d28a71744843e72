/* Backend detection. Only reads: /proc for the legacy tables that exist
 * (asking the kernel about any other table would create it in the
 * namespace), getsockopt on those, and an nf_tables table dump. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include "arm.h"
#include "backend.h"
#include "source.h"
#include "nft_tables.h"
#include "xt_tables.h"

#define ACCEPT_VERDICT	(-NF_ACCEPT - 1)	/* x_tables standard verdict */

/* A table as iptables creates it: one policy entry per hook plus the
 * closing ERROR entry, every policy ACCEPT. Anything else was put there. */
static bool table_configured(int sock, bool v6, const char *name)
{
	struct ipt_getinfo info;
	struct ipt_get_entries *ge;
	unsigned int h, hooks = 0;
	bool configured = false;

	if (xt_get_info(sock, v6, name, &info) < 0)
		/* not a name x_tables gave out: someone's; gone: nothing */
		return errno == EINVAL;
	for (h = 0; h < NF_INET_NUMHOOKS; h++)
		hooks += !!(info.valid_hooks & (1u << h));
	if (info.num_entries > hooks + 1)
		return true;
	ge = malloc(sizeof(*ge) + info.size);
	if (!ge)
		return true;		/* cannot tell: assume the user's */
	if (xt_get_entries(sock, v6, name, info.size, ge) < 0) {
		free(ge);
		return true;		/* changing under us: someone uses it */
	}
	for (h = 0; h < NF_INET_NUMHOOKS && !configured; h++) {
		const unsigned char *e = (const unsigned char *)ge->entrytable +
					 info.underflow[h];
		const struct xt_standard_target *t;
		uint16_t toff;

		if (!(info.valid_hooks & (1u << h)) ||
		    info.underflow[h] + sizeof(struct ip6t_entry) +
		    sizeof(*t) > info.size)
			continue;
		memcpy(&toff, e + (v6 ? offsetof(struct ip6t_entry, target_offset)
				      : offsetof(struct ipt_entry, target_offset)),
		       sizeof(toff));
		if (info.underflow[h] + toff + sizeof(*t) > info.size)
			continue;
		t = (const void *)(e + toff);
		configured = t->verdict != ACCEPT_VERDICT;
	}
	free(ge);
	return configured;
}

static int probe_legacy(struct backend_info *bi, bool v6)
{
	FILE *f = fopen(xt_names_path(v6), "re");
	char name[XT_TABLE_MAXNAMELEN + 2];
	int sock = -1;

	if (!f)
		return errno == ENOENT ? 0 : -1;	/* no x_tables */
	if (v6)
		bi->xt_kernel6 = true;
	else
		bi->xt_kernel4 = true;
	while (fgets(name, sizeof(name), f)) {
		name[strcspn(name, "\n")] = '\0';
		if (!name[0])
			continue;
		bi->legacy_tables++;
		if (sock < 0)
			sock = socket(v6 ? AF_INET6 : AF_INET,
				      SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		/* without a socket we cannot look inside: count it as used */
		if (sock < 0 || table_configured(sock, v6, name))
			bi->legacy_configured++;
	}
	fclose(f);
	if (sock >= 0)
		close(sock);
	return 0;
}

static void count_table(uint8_t family, const char *name, void *data)
{
	struct backend_info *bi = data;

	if (arm_is_own_table(name))
		return;
	bi->nft_tables++;
	if ((family == NFPROTO_IPV4 || family == NFPROTO_IPV6) && xt_table_find(name))
		bi->nft_xt_tables++;
}

/* A failure here means "no usable nf_tables" (no nfnetlink, no
 * nf_tables subsystem, no permission), except when the dump could not
 * finish: a ruleset that kept changing under it (EINTR after the
 * retries), or no memory. Those are no answer, and must never send a
 * kernel that has nf_tables to the legacy TRACE-rule fallback. */
static int probe_nft(struct backend_info *bi)
{
	bi->nft_usable = nft_tables_each(count_table, bi) == 0;
	if (bi->nft_usable)
		return 0;
	bi->nft_tables = bi->nft_xt_tables = 0;
	return errno == EINTR || errno == ENOMEM ? -1 : 0;
}

int backend_probe(struct backend_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	if (probe_legacy(bi, false) < 0 || probe_legacy(bi, true) < 0)
		return -1;
	return probe_nft(bi);
}

/* The listeners of a plan: nf_tables trace events whenever our owned
 * table arms (its rule's events mark our packets), NFLOG group 0 when
 * legacy tables are traced. */
static void plan_sources(struct backend_plan *plan)
{
	plan->n_sources = 0;
	if (plan->listen_nft || plan->arm_nft)
		plan->sources[plan->n_sources++] = (struct plan_source){
			&nl_trace_source, !plan->listen_nft };
	if (plan->listen_xt)
		plan->sources[plan->n_sources++] = (struct plan_source){
			&nl_log_source, false };
}

static int choose(const struct backend_info *bi, enum backend_req req,
		  struct backend_plan *plan)
{
	bool xt = bi->xt_kernel4 || bi->xt_kernel6;

	switch (req) {
	case BACKEND_NFT:
		if (!bi->nft_usable)
			break;
		plan->arm_nft = plan->listen_nft = true;
		return 0;
	case BACKEND_LEGACY:
		if (!xt)
			break;
		plan->arm_nft = bi->nft_usable;
		plan->arm_xt = !bi->nft_usable;
		plan->listen_xt = true;
		return 0;
	case BACKEND_AUTO:
		if (bi->nft_usable) {
			plan->arm_nft = plan->listen_nft = true;
			plan->listen_xt = bi->legacy_tables > 0;
			return 0;
		}
		if (!xt)
			break;
		plan->arm_xt = plan->listen_xt = true;
		return 0;
	}
	errno = ENOTSUP;
	return -1;
}

int backend_plan(const struct backend_info *bi, enum backend_req req,
		 struct backend_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	if (choose(bi, req, plan) < 0)
		return -1;
	plan_sources(plan);
	return 0;
}

void backend_plan_trace_rules(struct backend_plan *plan)
{
	plan->arm_nft = false;
	plan->arm_xt = true;
	plan->listen_xt = true;
	plan_sources(plan);
}
