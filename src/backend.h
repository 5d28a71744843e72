/* What the current network namespace has: legacy x_tables tables,
 * nf_tables, or both, so that --backend=auto can pick. */
#ifndef IPTT_BACKEND_H
#define IPTT_BACKEND_H

#include <stdbool.h>

struct source_ops;

struct backend_info {
	/* The kernel has legacy x_tables for IPv4 / IPv6
	 * (/proc/net/ip_tables_names, ip6_tables_names exist). */
	bool xt_kernel4, xt_kernel6;
	/* Legacy tables that exist in this namespace (listed in those
	 * files): each reports TRACE over NFLOG when a packet crosses it. */
	unsigned int legacy_tables;
	/* Of them, tables with a rule, a user chain or a DROP policy. A
	 * table can exist only because something listed it once. */
	unsigned int legacy_configured;
	/* nf_tables answered a table dump. */
	bool nft_usable;
	/* nf_tables tables, iptables-trace's own not counted; and those of
	 * family ip/ip6 named like an iptables table (iptables-nft's). */
	unsigned int nft_tables, nft_xt_tables;
};

/* Look at the current namespace. Never creates or changes anything.
 * Returns 0, or -1 with errno set when /proc could not be read or the
 * nf_tables table dump could not finish (EINTR: the ruleset kept
 * changing); a missing nf_tables or x_tables is not an error. */
int backend_probe(struct backend_info *bi);

enum backend_req { BACKEND_AUTO, BACKEND_NFT, BACKEND_LEGACY };

#define BACKEND_MAX_SOURCES	4

/* A source to open, and what to keep of its events. */
struct plan_source {
	const struct source_ops *ops;
	/* Only the events of our own arming rule: they tell our packets
	 * from those someone else's rule marked (--backend=legacy). */
	bool marks_only;
};

/* What to run for a request on what backend_probe() found. */
struct backend_plan {
	bool arm_nft;		/* owned nf_tables table sets nftrace */
	bool arm_xt;		/* legacy TRACE rules in raw (fallback) */
	bool listen_nft;	/* nf_tables steps are shown */
	bool listen_xt;		/* legacy steps are shown */
	/* The listeners that follows from the above, in the order their
	 * events are read. */
	struct plan_source sources[BACKEND_MAX_SOURCES];
	unsigned int n_sources;
};

/* auto: arm with nf_tables when it is usable, since legacy tables read
 * the same trace bit; listen on NFLOG too when legacy tables exist.
 * Without nf_tables, fall back to legacy TRACE rules.
 * nft: nf_tables only. legacy: legacy tables only, armed through
 * nf_tables when usable (no rules in the user's tables), else through
 * the fallback. Returns 0, or -1 with errno ENOTSUP when the namespace
 * cannot serve the request (nft without nf_tables; no x_tables). */
int backend_plan(const struct backend_info *bi, enum backend_req req,
		 struct backend_plan *plan);
/* --trace-rules: arm with legacy TRACE rules (and listen there) instead
 * of the owned nf_tables table. */
void backend_plan_trace_rules(struct backend_plan *plan);

#endif
