/* Classic BPF (as libpcap compiles a filter for DLT_RAW) translated into
 * native nf_tables rules, so that our tracing table prints and loads
 * back with nft like any other, instead of showing an xt bpf match.
 *
 * Every accepting path through the program becomes one rule whose
 * conditions are the branch outcomes on that path. A packet follows
 * exactly one path, so at most one rule matches it. Programs outside
 * what is covered (arithmetic, scratch memory, too many paths ...) are
 * refused, and the caller keeps the xt bpf match. */
#ifndef IPTT_BPF_NFT_H
#define IPTT_BPF_NFT_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/filter.h>

#define BPF_NFT_MAX_RULES	64
/* The kernel takes at most 128 expressions in a rule; a condition costs
 * three, the rest of our rule nine. */
#define BPF_NFT_MAX_CONDS	32
/* over all rules, which keeps the batch small */
#define BPF_NFT_MAX_TOTAL	512

enum bnft_base {
	BNFT_NET,		/* payload at the network header */
	BNFT_TH,		/* payload at the transport header (IPv4 only) */
	BNFT_LEN,		/* meta len */
};

enum bnft_op { BNFT_EQ, BNFT_NEQ, BNFT_LT, BNFT_LTE, BNFT_GT, BNFT_GTE };

/* (load & mask) op value, values in host order. A mask covering the
 * whole load means no bitwise expression. */
struct bnft_cond {
	uint8_t base, len, op;
	uint16_t off;
	uint32_t mask, value;
};

struct bnft_rule {
	bool need_ipv4;		/* uses BNFT_TH: meta nfproto ipv4 first */
	unsigned int n;
	struct bnft_cond c[BPF_NFT_MAX_CONDS];
};

struct bnft_prog {
	unsigned int nrules;	/* 0: the program accepts nothing */
	struct bnft_rule rules[BPF_NFT_MAX_RULES];
};

/* 0 on success; -1 when the program is not covered (out is then
 * meaningless). */
int bpf_nft_translate(const struct sock_filter *insns, unsigned int len,
		      struct bnft_prog *out);

struct nftnl_rule;
/* Append the rule's expressions (all in register 1). nfproto_done: the
 * caller already matches meta nfproto ipv4. Returns -1 on allocation
 * failure. */
int bpf_nft_add_exprs(struct nftnl_rule *r, const struct bnft_rule *rule,
		      bool nfproto_done);

#endif
