/* A ruleset snapshot with three hash indexes: chains by name, nft rules
 * by handle, and rules by position. Lookups happen once per printed
 * step, so they must not cost a netlink round trip or a list walk. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter.h>

#include "arm_xt.h"
#include "event.h"
#include "ruleset.h"
#include "xt_tables.h"
#include "xt_verdict.h"

void ruleset_init(struct ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
}

void ruleset_clear(struct ruleset *rs)
{
	uint32_t i;

	for (i = 0; i < rs->nchains; i++) {
		free(rs->chains[i].table);
		free(rs->chains[i].name);
	}
	for (i = 0; i < rs->nrules; i++) {
		free(rs->rules[i].text);
		free(rs->rules[i].xt_text);
	}
	free(rs->chains);
	free(rs->rules);
	free(rs->chain_idx);
	free(rs->handle_idx);
	free(rs->pos_idx);
	free(rs->base);
	free(rs->chain_memo);
	free(rs->rule_memo);
	ruleset_init(rs);
}

static int grow(void **arr, uint32_t *cap, uint32_t n, size_t elem)
{
	void *p;
	uint32_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

int ruleset_add_chain(struct ruleset *rs, uint8_t family, const char *table,
		      const char *name, enum hook hook, int32_t prio, int policy)
{
	struct rs_chain *c;

	if (grow((void **)&rs->chains, &rs->cap_chains, rs->nchains, sizeof(*c)) < 0)
		return -1;
	c = &rs->chains[rs->nchains];
	c->family = family;
	c->table = strdup(table);
	c->name = strdup(name);
	c->hook = hook;
	c->prio = prio;
	c->policy = policy;
	c->nrules = 0;
	c->nat = false;
	c->xt_builtin = xt_builtin_chain(table, name, hook, prio);
	c->table_handle = 0;
	c->text_read = c->xt_read = c->rules_unread = false;
	if (!c->table || !c->name) {
		free(c->table);
		free(c->name);
		return -1;
	}
	return (int)rs->nchains++;
}

int ruleset_add_rule(struct ruleset *rs, uint32_t chain, uint64_t handle,
		     const char *text)
{
	struct rs_rule *r;

	if (grow((void **)&rs->rules, &rs->cap_rules, rs->nrules, sizeof(*r)) < 0)
		return -1;
	r = &rs->rules[rs->nrules];
	*r = (struct rs_rule){ .chain = chain, .handle = handle,
			       .pos = ++rs->chains[chain].nrules };
	r->text = text ? strdup(text) : NULL;
	if (text && !r->text) {
		rs->chains[chain].nrules--;
		return -1;
	}
	return (int)rs->nrules++;
}

int ruleset_copy_if(const struct ruleset *from, struct ruleset *to,
		    bool (*keep)(const struct rs_chain *c, const void *arg),
		    const void *arg)
{
	int *map = calloc(from->nchains + 1, sizeof(*map));
	uint32_t i;

	if (!map)
		return -1;
	for (i = 0; i < from->nchains; i++) {
		const struct rs_chain *c = &from->chains[i];

		map[i] = -1;
		if (!keep(c, arg))
			continue;
		map[i] = ruleset_add_chain(to, c->family, c->table, c->name, c->hook,
					   c->prio, c->policy);
		if (map[i] < 0)
			goto err;
		to->chains[map[i]].nat = c->nat;
		to->chains[map[i]].table_handle = c->table_handle;
		to->chains[map[i]].text_read = c->text_read;
		to->chains[map[i]].xt_read = c->xt_read;
		to->chains[map[i]].rules_unread = c->rules_unread;
	}
	/* rules are stored chain by chain, in order: positions come out the same */
	for (i = 0; i < from->nrules; i++) {
		const struct rs_rule *r = &from->rules[i];

		int n;

		if (map[r->chain] < 0)
			continue;
		n = ruleset_add_rule(to, (uint32_t)map[r->chain], r->handle, r->text);
		if (n < 0 || (r->xt_text &&
			      !(to->rules[n].xt_text = strdup(r->xt_text))))
			goto err;
	}
	free(map);
	return 0;
err:
	free(map);
	return -1;
}

bool table_ref_has(const struct table_ref *tables, unsigned int n,
		   uint8_t family, const char *table)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (tables[i].family == family && !strcmp(tables[i].name, table))
			return true;
	return false;
}

/* Eight bytes a step: every lookup hashes its names again, about a
 * hundred lookups a packet (FNV-1a, a byte a step, was 7% of our CPU).
 * A multiply and a shift per word; the finish spreads the high bits
 * into the low ones, which pick the slot. */
static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t w;

	for (; n >= 8; b += 8, n -= 8) {
		memcpy(&w, b, 8);
		h = mix(h, w);
	}
	if (n) {
		w = 0;
		memcpy(&w, b, n);
		h = mix(h, w ^ (uint64_t)n << 56);
	}
	return h;
}

static uint32_t hash_key(uint8_t family, const char *table, const char *chain,
			 uint64_t num)
{
	uint64_t h = mix(0x243f6a8885a308d3ull, family);

	h = hash_bytes(h, table, strlen(table) + 1);
	if (chain)
		h = hash_bytes(h, chain, strlen(chain) + 1);
	h = mix(h, num);
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ull;
	return (uint32_t)(h ^ (h >> 32));
}

static void idx_put(uint32_t *idx, uint32_t size, uint32_t h, uint32_t val)
{
	uint32_t i = h & (size - 1);

	while (idx[i])
		i = (i + 1) & (size - 1);
	idx[i] = val + 1;
}

/* rs_chain.xt_table for every chain. iptables-nft-save leaves out a
 * table with a base chain it did not make ("contains incompatible
 * base-chains"). */
static void mark_xt_tables(struct ruleset *rs)
{
	uint32_t i, j;

	for (i = 0; i < rs->nchains; i++) {
		struct rs_chain *c = &rs->chains[i];

		c->xt_table = (c->family == NFPROTO_IPV4 ||
			       c->family == NFPROTO_IPV6) && xt_table_find(c->table);
	}
	for (i = 0; i < rs->nbase; i++) {
		const struct rs_chain *b = &rs->chains[rs->base[i]];

		if (!b->xt_table || b->xt_builtin)
			continue;
		for (j = 0; j < rs->nchains; j++) {
			struct rs_chain *c = &rs->chains[j];

			if (c->xt_table && c->family == b->family &&
			    !strcmp(c->table, b->table))
				c->xt_table = false;
		}
	}
}

/* An x_tables rule's verdict and target, once per snapshot: the chains
 * must be indexed. */
static void read_xt_target(struct ruleset *rs, struct rs_rule *r)
{
	const struct rs_chain *c = &rs->chains[r->chain], *to;
	char target[EV_NAME_MAX];

	r->xt_own = r->text && arm_xt_is_own_rule(r->text);
	r->xt_target = NULL;
	r->xt_verdict = xt_rule_verdict(r->text, target, sizeof(target));
	if (r->xt_verdict != EV_V_JUMP && r->xt_verdict != EV_V_GOTO)
		return;
	to = ruleset_chain(rs, c->family, c->table, target);
	if (to)
		r->xt_target = to->name;
	else if (r->xt_verdict == EV_V_JUMP)
		r->xt_verdict = EV_V_CONTINUE;
}

int ruleset_index(struct ruleset *rs)
{
	uint32_t size = 64, i;

	while (size < 2 * (rs->nchains + rs->nrules))
		size *= 2;
	free(rs->chain_idx);
	free(rs->handle_idx);
	free(rs->pos_idx);
	free(rs->base);
	free(rs->chain_memo);
	free(rs->rule_memo);
	rs->chain_memo = calloc(RS_MEMO, sizeof(*rs->chain_memo));
	rs->rule_memo = calloc(RS_MEMO, sizeof(*rs->rule_memo));
	rs->nbase = 0;
	rs->base = calloc(rs->nchains + 1, sizeof(uint32_t));
	rs->idx_size = size;
	rs->chain_idx = calloc(size, sizeof(uint32_t));
	rs->handle_idx = calloc(size, sizeof(uint32_t));
	rs->pos_idx = calloc(size, sizeof(uint32_t));
	if (!rs->chain_idx || !rs->handle_idx || !rs->pos_idx || !rs->base ||
	    !rs->chain_memo || !rs->rule_memo)
		return -1;
	for (i = 0; i < rs->nchains; i++) {
		const struct rs_chain *c = &rs->chains[i];

		if (c->hook != HOOK_NONE)
			rs->base[rs->nbase++] = i;
		idx_put(rs->chain_idx, size, hash_key(c->family, c->table, c->name, 0), i);
	}
	mark_xt_tables(rs);
	for (i = 0; i < rs->nrules; i++) {
		struct rs_rule *r = &rs->rules[i];
		const struct rs_chain *c = &rs->chains[r->chain];

		if (r->handle)
			idx_put(rs->handle_idx, size,
				hash_key(c->family, c->table, NULL, r->handle), i);
		else
			read_xt_target(rs, r);
		idx_put(rs->pos_idx, size,
			hash_key(c->family, c->table, c->name, r->pos), i);
	}
	return 0;
}

int ruleset_index_rules(struct ruleset *rs, uint32_t first)
{
	uint32_t i;

	if (!rs->idx_size || 2 * (rs->nchains + rs->nrules) > rs->idx_size)
		return ruleset_index(rs);
	for (i = first; i < rs->nrules; i++) {
		struct rs_rule *r = &rs->rules[i];
		const struct rs_chain *c = &rs->chains[r->chain];

		if (r->handle)
			idx_put(rs->handle_idx, rs->idx_size,
				hash_key(c->family, c->table, NULL, r->handle), i);
		else
			read_xt_target(rs, r);
		idx_put(rs->pos_idx, rs->idx_size,
			hash_key(c->family, c->table, c->name, r->pos), i);
	}
	return 0;
}

static bool chain_is(const struct rs_chain *c, uint8_t family,
		     const char *table, const char *chain)
{
	return c->family == family && !strcmp(c->table, table) &&
	       !strcmp(c->name, chain);
}

/* A memo entry for names at this address (and this handle): the
 * address's bits multiplied up, as events lie a fixed size apart */
static uint32_t memo_slot(const char *name, uint64_t handle)
{
	uint64_t h = ((uint64_t)(uintptr_t)name ^ handle) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> (64 - RS_MEMO_BITS));
}

const struct rs_chain *ruleset_chain(const struct ruleset *rs, uint8_t family,
				     const char *table, const char *chain)
{
	struct rs_chain_memo *m;
	uint32_t i;

	if (!rs->idx_size)
		return NULL;
	m = &rs->chain_memo[memo_slot(chain, 0)];
	/* the same names at the same place as before: still checked, as
	 * the place may hold other names now */
	if (m->index && m->table == table && m->chain == chain &&
	    m->index <= rs->nchains &&
	    chain_is(&rs->chains[m->index - 1], family, table, chain))
		return &rs->chains[m->index - 1];
	for (i = hash_key(family, table, chain, 0) & (rs->idx_size - 1);
	     rs->chain_idx[i]; i = (i + 1) & (rs->idx_size - 1)) {
		const struct rs_chain *c = &rs->chains[rs->chain_idx[i] - 1];

		if (chain_is(c, family, table, chain)) {
			*m = (struct rs_chain_memo){ table, chain, rs->chain_idx[i] };
			return c;
		}
	}
	return NULL;
}

static bool rule_is(const struct ruleset *rs, const struct rs_rule *r,
		    uint8_t family, const char *table, uint64_t handle)
{
	const struct rs_chain *c = &rs->chains[r->chain];

	return r->handle == handle && c->family == family &&
	       !strcmp(c->table, table);
}

const struct rs_rule *ruleset_rule_by_handle(const struct ruleset *rs,
					     uint8_t family, const char *table,
					     uint64_t handle)
{
	struct rs_rule_memo *m;
	uint32_t i;

	if (!rs->idx_size)
		return NULL;
	m = &rs->rule_memo[memo_slot(table, handle)];
	if (m->index && m->table == table && m->handle == handle &&
	    m->index <= rs->nrules &&
	    rule_is(rs, &rs->rules[m->index - 1], family, table, handle))
		return &rs->rules[m->index - 1];
	for (i = hash_key(family, table, NULL, handle) & (rs->idx_size - 1);
	     rs->handle_idx[i]; i = (i + 1) & (rs->idx_size - 1)) {
		const struct rs_rule *r = &rs->rules[rs->handle_idx[i] - 1];

		if (rule_is(rs, r, family, table, handle)) {
			*m = (struct rs_rule_memo){ table, handle, rs->handle_idx[i] };
			return r;
		}
	}
	return NULL;
}

const struct rs_rule *ruleset_rule_by_pos(const struct ruleset *rs,
					  uint8_t family, const char *table,
					  const char *chain, unsigned int pos)
{
	uint32_t i;

	if (!rs->idx_size)
		return NULL;
	for (i = hash_key(family, table, chain, pos) & (rs->idx_size - 1);
	     rs->pos_idx[i]; i = (i + 1) & (rs->idx_size - 1)) {
		const struct rs_rule *r = &rs->rules[rs->pos_idx[i] - 1];
		const struct rs_chain *c = &rs->chains[r->chain];

		if (r->pos == pos && c->family == family &&
		    !strcmp(c->table, table) && !strcmp(c->name, chain))
			return r;
	}
	return NULL;
}

static bool family_sees(uint8_t family, uint8_t nfproto)
{
	return family == nfproto || family == NFPROTO_INET;
}

/* Hooks a packet can reach after leaving `from` (IP paths only). */
static bool hook_follows(enum hook from, enum hook to)
{
	switch (from) {
	case HOOK_PREROUTING:
		return to == HOOK_INPUT || to == HOOK_FORWARD || to == HOOK_POSTROUTING;
	case HOOK_FORWARD:
	case HOOK_OUTPUT:
		return to == HOOK_POSTROUTING;
	default:
		return false;
	}
}

/* A base chain the packet may cross, as ruleset_chain_after asks. */
static bool may_cross(const struct rs_chain *c, uint8_t nfproto, bool first_packet,
		      bool (*skip)(const struct rs_chain *c))
{
	return family_sees(c->family, nfproto) && !(skip && skip(c)) &&
	       !(c->nat && !first_packet);
}

bool ruleset_chain_after(const struct ruleset *rs, uint8_t nfproto,
			 enum hook hook, int32_t prio, bool first_packet,
			 bool (*skip)(const struct rs_chain *c))
{
	uint32_t i;

	for (i = 0; i < rs->nbase; i++) {
		const struct rs_chain *c = &rs->chains[rs->base[i]];

		if (may_cross(c, nfproto, first_packet, skip) &&
		    ((c->hook == hook && c->prio > prio) || hook_follows(hook, c->hook)))
			return true;
	}
	/* Chains of equal priority run in an order no listing shows: if
	 * there are two, the other one may still come. */
	return ruleset_chains_at(rs, nfproto, hook, prio, first_packet, skip) > 1;
}

unsigned int ruleset_chains_at(const struct ruleset *rs, uint8_t nfproto,
			       enum hook hook, int32_t prio, bool first_packet,
			       bool (*skip)(const struct rs_chain *c))
{
	unsigned int n = 0;
	uint32_t i;

	for (i = 0; i < rs->nbase; i++) {
		const struct rs_chain *c = &rs->chains[rs->base[i]];

		n += may_cross(c, nfproto, first_packet, skip) &&
		     c->hook == hook && c->prio == prio;
	}
	return n;
}

static const char *const hook_names[] = {
	[HOOK_PREROUTING] = "prerouting", [HOOK_INPUT] = "input",
	[HOOK_FORWARD] = "forward", [HOOK_OUTPUT] = "output",
	[HOOK_POSTROUTING] = "postrouting", [HOOK_INGRESS] = "ingress",
	[HOOK_EGRESS] = "egress",
};

enum hook hook_from_name(const char *name)
{
	int i;

	for (i = 0; i < (int)(sizeof(hook_names) / sizeof(hook_names[0])); i++)
		if (!strcasecmp(name, hook_names[i]))
			return (enum hook)i;
	return HOOK_NONE;
}

/* The kernel numbers hooks per family: netdev's are 0 ingress and
 * 1 egress, the others NF_INET_*. */
enum hook hook_from_nft(uint8_t family, uint32_t hooknum)
{
	static const enum hook inet[] = {
		HOOK_PREROUTING, HOOK_INPUT, HOOK_FORWARD, HOOK_OUTPUT,
		HOOK_POSTROUTING, HOOK_INGRESS,
	};

	if (family == NFPROTO_NETDEV)
		return hooknum == 0 ? HOOK_INGRESS : HOOK_EGRESS;
	return hooknum < sizeof(inet) / sizeof(inet[0]) ? inet[hooknum] : HOOK_NONE;
}

const char *hook_name(enum hook h)
{
	return h == HOOK_NONE ? "" : hook_names[h];
}

static const struct { uint8_t family; const char *name; } families[] = {
	{ NFPROTO_IPV4, "ip" }, { NFPROTO_IPV6, "ip6" }, { NFPROTO_INET, "inet" },
	{ NFPROTO_ARP, "arp" }, { NFPROTO_BRIDGE, "bridge" },
	{ NFPROTO_NETDEV, "netdev" },
};

uint8_t family_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (!strcmp(name, families[i].name))
			return families[i].family;
	return NFPROTO_UNSPEC;
}

const char *family_name(uint8_t family)
{
	size_t i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (family == families[i].family)
			return families[i].name;
	return "?";
}
