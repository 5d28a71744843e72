/* libnftables prints the rules exactly as `nft list` does, so the text
 * we show is the user's own syntax. We parse its output rather than
 * re-implementing nft's expression printer on top of libnftnl. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <nftables/libnftables.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <endian.h>

#include "chain_ops.h"
#include "mono_time.h"
#include "nl_sock.h"
#include "arm.h"
#include "nft_read.h"
#include "nft_replaced.h"
#include "nft_tables.h"
#include "nft_text.h"
#include "rules_xt.h"
#include "rules_nft.h"
#include "xt_tables.h"

/* A change to more tables than this re-reads them all. */
#define MAX_DIRTY_TABLES	RULES_NFT_MAX_CHANGED

/* Rule changes to more chains than this re-read their whole tables. */
#define MAX_DIRTY_CHAINS	64

/* Rule changes to one chain, kept to edit its rule order with
 * (chain_ops.h); more than this re-read it. */
#define MAX_CHAIN_OPS		128

struct chain_ref {
	struct table_ref table;
	char chain[256];
	struct chain_op ops[MAX_CHAIN_OPS];
	unsigned int nops;
	bool ops_broken;		/* the chain itself changed, or too many */
};

struct rules_nft {
	struct nft_ctx *nft;
	struct nl_sock *gen;		/* NFNLGRP_NFTABLES: ruleset changes */
	struct ruleset cur, prev;
	bool dirty;			/* re-read before the next lookup */
	bool all_dirty;			/* ... every table, not just these: */
	struct table_ref dirty_tables[MAX_DIRTY_TABLES];
	unsigned int ndirty;
	/* ... and these chains of other tables */
	struct chain_ref dirty_chains[MAX_DIRTY_CHAINS];
	unsigned int ndirty_chains;
	/* iptables' tables re-read since rules_nft_take_iptables_changes() */
	struct table_ref xt_changed[MAX_DIRTY_TABLES];
	unsigned int nxt_changed;
	bool xt_all;
	struct timespec last_read;
	struct timespec read_rt;	/* the last re-read began (CLOCK_REALTIME) */
	struct nft_replaced replaced;
};

static bool is_dirty(const struct rules_nft *r, uint8_t family, const char *name)
{
	return r->all_dirty || table_ref_has(r->dirty_tables, r->ndirty, family, name);
}

/* Which of the chains to re-read this is, or -1. */
static int dirty_chain_index(const struct rules_nft *r, uint8_t family,
			     const char *table, const char *chain)
{
	unsigned int i;

	for (i = 0; i < r->ndirty_chains; i++) {
		const struct chain_ref *c = &r->dirty_chains[i];

		if (c->table.family == family && !strcmp(c->table.name, table) &&
		    !strcmp(c->chain, chain))
			return (int)i;
	}
	return -1;
}

static bool is_dirty_chain(const struct rules_nft *r, uint8_t family,
			   const char *table, const char *chain)
{
	return is_dirty(r, family, table) ||
	       dirty_chain_index(r, family, table, chain) >= 0;
}

struct keep_ctx {
	const struct rules_nft *r;
	const struct ruleset *fresh;
};

/* Unchanged, and not read again just now (an anonymous chain comes
 * with the chain that binds it). */
static bool clean_chain(const struct rs_chain *c, const void *arg)
{
	const struct keep_ctx *k = arg;

	return !is_dirty_chain(k->r, c->family, c->table, c->name) &&
	       !ruleset_chain(k->fresh, c->family, c->table, c->name);
}

static bool any_chain(const struct rs_chain *c, const void *arg)
{
	(void)c;
	(void)arg;
	return true;
}

static int read_table(struct rules_nft *r, struct ruleset *rs, uint8_t family,
		      const char *table, const char *chain)
{
	/* a table or chain deleted meanwhile is simply not there any more */
	if (nft_read_table(r->nft, rs, family, table, chain, 0) < 0 &&
	    errno != ENOENT)
		return -1;
	return 0;
}

struct list_ctx {
	struct rules_nft *r;
	struct ruleset *rs;
	int ret;
};

static void read_one(uint8_t family, const char *name, void *data)
{
	struct list_ctx *l = data;

	if (!arm_is_own_table(name) && l->ret == 0)
		l->ret = read_table(l->r, l->rs, family, name, NULL);
}

/* A chain whose rules changed, from its rules in the current snapshot
 * and the notifications' edits, without a dump (chain_ops.h): 0 done,
 * 1 when it must be read instead, -1 on ENOMEM. The rules come without
 * text; keep_texts() gives each its text by handle. */
static int edit_chain(const struct rules_nft *r, const struct chain_ref *c,
		      struct ruleset *fresh)
{
	const struct rs_chain *old = ruleset_chain(&r->cur, c->table.family,
						   c->table.name, c->chain);
	uint64_t *h, *edited;
	long n;
	int idx, ret = -1;
	unsigned int p;

	if (c->ops_broken || !c->nops || !old || old->rules_unread)
		return 1;
	h = calloc(old->nrules + 1, sizeof(*h));
	edited = calloc(old->nrules + c->nops + 1, sizeof(*edited));
	if (!h || !edited)
		goto out;
	for (p = 1; p <= old->nrules; p++) {
		const struct rs_rule *rule = ruleset_rule_by_pos(&r->cur, old->family,
								 old->table, old->name, p);
		if (!rule) {
			ret = 1;
			goto out;
		}
		h[p - 1] = rule->handle;
	}
	n = chain_ops_apply(h, old->nrules, c->ops, c->nops, edited);
	if (n < 0) {
		ret = 1;
		goto out;
	}
	idx = ruleset_add_chain(fresh, old->family, old->table, old->name,
				old->hook, old->prio, old->policy);
	if (idx < 0)
		goto out;
	fresh->chains[idx].nat = old->nat;
	fresh->chains[idx].table_handle = old->table_handle;
	for (p = 0; p < (unsigned int)n; p++)
		if (ruleset_add_rule(fresh, (uint32_t)idx, edited[p], NULL) < 0)
			goto out;
	ret = 0;
out:
	free(h);
	free(edited);
	return ret;
}

/* What changed, read again: whole tables, then single chains of other
 * tables. Every table but ours. */
static int read_changed(struct rules_nft *r, struct ruleset *fresh)
{
	unsigned int i;

	if (r->all_dirty) {
		struct list_ctx l = { r, fresh, 0 };

		if (nft_tables_each(read_one, &l) < 0)
			return -1;
		if (l.ret < 0)
			return -1;
	}
	for (i = 0; !r->all_dirty && i < r->ndirty; i++)
		if (read_table(r, fresh, r->dirty_tables[i].family,
			       r->dirty_tables[i].name, NULL) < 0)
			return -1;
	for (i = 0; i < r->ndirty_chains; i++) {
		const struct chain_ref *c = &r->dirty_chains[i];
		int ret;

		if (is_dirty(r, c->table.family, c->table.name))
			continue;
		if ((ret = edit_chain(r, c, fresh)) < 0)
			return -1;
		if (ret > 0 && read_table(r, fresh, c->table.family, c->table.name,
					  c->chain) < 0)
			return -1;
	}
	return ruleset_index(fresh);
}

/* A rule re-read keeps the text it had, unless it was replaced in place
 * since the last re-read (nft_replaced.h): otherwise nothing changes
 * under a handle while its table lives (a table made again has another
 * handle). */
static int keep_texts(const struct rules_nft *r, const struct ruleset *old,
		      struct ruleset *fresh)
{
	uint32_t i;

	for (i = 0; i < fresh->nrules; i++) {
		struct rs_rule *nr = &fresh->rules[i];
		const struct rs_chain *nc = &fresh->chains[nr->chain];
		const struct rs_rule *or;

		if (!nr->handle)
			continue;
		or = ruleset_rule_by_handle(old, nc->family, nc->table, nr->handle);
		if (!or || old->chains[or->chain].table_handle != nc->table_handle ||
		    nft_replaced_since(&r->replaced, nc->family, nc->table,
				       nr->handle, &r->read_rt))
			continue;
		if (!nr->text && or->text && !(nr->text = strdup(or->text)))
			return -1;
		if (!nr->xt_text && or->xt_text &&
		    !(nr->xt_text = strdup(or->xt_text)))
			return -1;
	}
	return 0;
}

/* Carry the chains that did not change over from the last snapshot:
 * on a Kubernetes node one changed chain must not cost a listing of
 * every table. */
static int list_ruleset(struct rules_nft *r, struct ruleset *rs)
{
	struct ruleset fresh;
	struct keep_ctx k = { r, &fresh };
	int ret;

	ruleset_init(&fresh);
	ret = read_changed(r, &fresh);
	if (ret == 0)
		ret = keep_texts(r, &r->cur, &fresh);
	if (ret == 0)
		ret = ruleset_copy_if(&r->cur, rs, clean_chain, &k);
	if (ret == 0)
		ret = ruleset_copy_if(&fresh, rs, any_chain, NULL);
	ruleset_clear(&fresh);
	return ret < 0 ? -1 : ruleset_index(rs);
}

/* Note the tables iptables-nft may own (ip/ip6 filter, nat, mangle,
 * raw, security) among those this re-read covers: their
 * iptables-nft-save text is stale now. */
static void note_iptables_table(struct rules_nft *r, const struct table_ref *t)
{
	if ((t->family != NFPROTO_IPV4 && t->family != NFPROTO_IPV6) ||
	    table_ref_has(r->xt_changed, r->nxt_changed, t->family, t->name) ||
	    !xt_table_find(t->name))
		return;
	if (r->nxt_changed == MAX_DIRTY_TABLES)
		r->xt_all = true;
	else
		r->xt_changed[r->nxt_changed++] = *t;
}

static void note_iptables_changes(struct rules_nft *r)
{
	unsigned int i;

	if (r->all_dirty) {
		r->xt_all = true;
		return;
	}
	for (i = 0; i < r->ndirty; i++)
		note_iptables_table(r, &r->dirty_tables[i]);
	for (i = 0; i < r->ndirty_chains; i++)
		note_iptables_table(r, &r->dirty_chains[i].table);
}

static void reread(struct rules_nft *r)
{
	struct ruleset fresh;
	struct timespec started;

	/* What is queued is covered by this listing: learn which tables
	 * it names first. (Our own table's creation is among it.) */
	clock_gettime(CLOCK_REALTIME, &started);
	rules_nft_changed(r);
	ruleset_init(&fresh);
	clock_gettime(CLOCK_MONOTONIC, &r->last_read);
	if (list_ruleset(r, &fresh) < 0) {
		/* keep what we had: stale text beats none */
		ruleset_clear(&fresh);
		return;
	}
	r->read_rt = started;
	note_iptables_changes(r);
	r->dirty = r->all_dirty = false;
	r->ndirty = r->ndirty_chains = 0;
	ruleset_clear(&r->prev);
	r->prev = r->cur;
	r->cur = fresh;
}

struct rules_nft *rules_nft_open(void)
{
	struct rules_nft *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	ruleset_init(&r->cur);
	ruleset_init(&r->prev);
	/* Our own socket first: libnftables 1.0.6 calls exit() when it
	 * cannot open one, and we want to report that ourselves. Subscribe
	 * before the first read so no change slips between. */
	r->gen = nl_sock_open(NFNLGRP_NFTABLES, 0);
	if (!r->gen)
		goto err;
	r->nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!r->nft)
		goto err;
	nft_ctx_output_set_flags(r->nft, NFT_CTX_OUTPUT_HANDLE |
				 NFT_CTX_OUTPUT_STATELESS |
				 NFT_CTX_OUTPUT_NUMERIC_PRIO);
	if (nft_ctx_buffer_output(r->nft) || nft_ctx_buffer_error(r->nft))
		goto err;
	r->dirty = r->all_dirty = true;	/* nothing read yet */
	return r;
err:
	{
		int saved = errno;

		rules_nft_close(r);
		errno = saved;
	}
	return NULL;
}

void rules_nft_close(struct rules_nft *r)
{
	if (!r)
		return;
	nl_sock_close(r->gen);
	if (r->nft)
		nft_ctx_free(r->nft);
	ruleset_clear(&r->cur);
	ruleset_clear(&r->prev);
	free(r);
}

int rules_nft_fd(const struct rules_nft *r)
{
	return nl_sock_fd(r->gen);
}

static void mark_dirty(struct rules_nft *r, uint8_t family, const char *name)
{
	if (arm_is_own_table(name) || is_dirty(r, family, name))
		return;
	r->dirty = true;
	if (r->ndirty == MAX_DIRTY_TABLES) {
		r->all_dirty = true;
		return;
	}
	r->dirty_tables[r->ndirty].family = family;
	snprintf(r->dirty_tables[r->ndirty].name, sizeof(r->dirty_tables[0].name),
		 "%s", name);
	r->ndirty++;
}

/* The chain's entry among those to re-read, or NULL when its whole
 * table is (or ours, which is never read). */
static struct chain_ref *mark_dirty_chain(struct rules_nft *r, uint8_t family,
					  const char *table, const char *chain)
{
	struct chain_ref *c;
	int i;

	if (arm_is_own_table(table) || is_dirty(r, family, table))
		return NULL;
	if ((i = dirty_chain_index(r, family, table, chain)) >= 0)
		return &r->dirty_chains[i];
	/* An anonymous chain (nft names them __chainN) is listed inside the
	 * rule that binds it, which is somewhere in its table. */
	if (r->ndirty_chains == MAX_DIRTY_CHAINS || !strncmp(chain, "__chain", 7)) {
		mark_dirty(r, family, table);
		return NULL;
	}
	r->dirty = true;
	c = &r->dirty_chains[r->ndirty_chains++];
	c->table.family = family;
	snprintf(c->table.name, sizeof(c->table.name), "%s", table);
	snprintf(c->chain, sizeof(c->chain), "%s", chain);
	c->nops = 0;
	c->ops_broken = false;
	return c;
}

/* A rule change to c, kept to edit the chain with instead of a dump. */
static void add_chain_op(struct chain_ref *c, const struct nlmsghdr *nlh,
			 uint16_t type, uint64_t handle, uint64_t after,
			 bool replaces)
{
	struct chain_op *op;

	if (c->nops == MAX_CHAIN_OPS || !handle) {
		c->ops_broken = true;
		return;
	}
	op = &c->ops[c->nops++];
	op->kind = type == NFT_MSG_DELRULE ? CHAIN_OP_DEL : CHAIN_OP_ADD;
	op->handle = handle;
	op->after = after;
	op->append = nlh->nlmsg_flags & NLM_F_APPEND;
	op->replaces = replaces;
}

/* Every nf_tables notification names its table in attribute 1
 * (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, ...); rule and
 * chain messages name their chain too (NFTA_RULE_CHAIN 2,
 * NFTA_CHAIN_NAME 3), and only that chain is re-read. Sets, their
 * elements, objects and flowtables leave rule text as it is: rules
 * name them, and an anonymous set comes with its rule's own message.
 * A rule's messages carry its handle: a DELRULE and a NEWRULE of one
 * handle in one generation replaced it in place (nft_replaced.h). */
static int change_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rules_nft *r = data;
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	uint16_t type = NFNL_MSG_TYPE(nlh->nlmsg_type), chain_attr = 0;
	const char *table = NULL, *chain = NULL;
	const struct nlattr *a;
	uint64_t handle = 0, after = 0;
	bool replaces = false;
	struct chain_ref *c;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
		return MNL_CB_OK;
	switch (type) {
	case NFT_MSG_NEWGEN:
		nft_replaced_new_generation(&r->replaced);
		return MNL_CB_OK;
	case NFT_MSG_NEWTABLE:
	case NFT_MSG_DELTABLE:
		break;
	case NFT_MSG_NEWRULE:
	case NFT_MSG_DELRULE:
		chain_attr = NFTA_RULE_CHAIN;
		break;
	case NFT_MSG_NEWCHAIN:
	case NFT_MSG_DELCHAIN:
		chain_attr = NFTA_CHAIN_NAME;
		break;
	default:
		return MNL_CB_OK;
	}
	mnl_attr_for_each(a, nlh, sizeof(*g)) {
		if (chain_attr == NFTA_RULE_CHAIN &&
		    mnl_attr_get_type(a) == NFTA_RULE_HANDLE &&
		    mnl_attr_validate(a, MNL_TYPE_U64) == 0)
			handle = be64toh(mnl_attr_get_u64(a));
		if (chain_attr == NFTA_RULE_CHAIN &&
		    mnl_attr_get_type(a) == NFTA_RULE_POSITION &&
		    mnl_attr_validate(a, MNL_TYPE_U64) == 0)
			after = be64toh(mnl_attr_get_u64(a));
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			continue;
		if (mnl_attr_get_type(a) == 1)
			table = mnl_attr_get_str(a);
		else if (chain_attr && mnl_attr_get_type(a) == chain_attr)
			chain = mnl_attr_get_str(a);
	}
	if (table && handle && type == NFT_MSG_DELRULE)
		nft_replaced_deleted(&r->replaced, g->nfgen_family, table, handle);
	if (table && handle && type == NFT_MSG_NEWRULE)
		replaces = nft_replaced_created(&r->replaced, g->nfgen_family,
						table, handle);
	if (table && chain &&
	    (c = mark_dirty_chain(r, g->nfgen_family, table, chain))) {
		if (chain_attr == NFTA_RULE_CHAIN)
			add_chain_op(c, nlh, type, handle, after, replaces);
		else
			c->ops_broken = true;	/* the chain itself */
	}
	else if (table)
		mark_dirty(r, g->nfgen_family, table);
	else
		r->dirty = r->all_dirty = true;	/* a change we cannot place */
	return MNL_CB_OK;
}

/* an overrun hides which tables changed */
static void changes_lost(void *data)
{
	struct rules_nft *r = data;

	r->dirty = r->all_dirty = true;
	nft_replaced_lost_track(&r->replaced);
}

void rules_nft_changed(struct rules_nft *r)
{
	/* a failed read leaves the snapshot as it is: the next change or
	 * overrun marks it again */
	nl_sock_drain(r->gen, change_cb, changes_lost, r, 0, NULL);
}

const struct ruleset *rules_nft_get(struct rules_nft *r)
{
	if (r->dirty)
		reread(r);
	return &r->cur;
}

const struct ruleset *rules_nft_current(const struct rules_nft *r)
{
	return &r->cur;
}

const struct ruleset *rules_nft_previous(const struct rules_nft *r)
{
	return &r->prev;
}

const struct nft_replaced *rules_nft_replaced(const struct rules_nft *r)
{
	return &r->replaced;
}

void rules_nft_settle(struct rules_nft *r, const struct timespec *round_start)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	nft_replaced_settle(&r->replaced, round_start, &now);
}

bool rules_nft_refresh(struct rules_nft *r, uint8_t family, const char *table)
{
	long ms;

	if (arm_is_own_table(table))
		return false;	/* left out of every read (read_one) */
	rules_nft_changed(r);
	/* The kernel switches generations a moment before it notifies, so
	 * a miss may come before the news: re-read the table anyway, but
	 * not more than every 100 ms however many misses there are. */
	ms = ts_ms_since(&r->last_read);
	if (!r->dirty && ms >= 100)
		mark_dirty(r, family, table);
	if (!r->dirty)
		return false;
	reread(r);
	return true;
}

/* Take the texts of tmp's chains (one chain and those it binds, or a
 * whole table, as nft listed them just now) into snapshot s, chain by
 * chain, where the table is the same one and the chain holds the same
 * rules in the same order: then every text belongs to its handle. */
static void adopt_texts(struct ruleset *s, const struct ruleset *tmp)
{
	uint32_t i, p;

	for (i = 0; i < tmp->nchains; i++) {
		const struct rs_chain *tc = &tmp->chains[i];
		const struct rs_chain *sc = ruleset_chain(s, tc->family, tc->table,
							  tc->name);
		bool same;

		if (!sc || sc->table_handle != tc->table_handle ||
		    sc->nrules != tc->nrules)
			continue;
		for (p = 1, same = true; same && p <= sc->nrules; p++) {
			const struct rs_rule *a, *b;

			a = ruleset_rule_by_pos(s, sc->family, sc->table, sc->name, p);
			b = ruleset_rule_by_pos(tmp, tc->family, tc->table, tc->name, p);
			same = a && b && a->handle == b->handle;
		}
		for (p = 1; same && p <= sc->nrules; p++) {
			struct rs_rule *a = (struct rs_rule *)ruleset_rule_by_pos(
				s, sc->family, sc->table, sc->name, p);
			const struct rs_rule *b = ruleset_rule_by_pos(
				tmp, tc->family, tc->table, tc->name, p);

			if (!a->text && b->text)
				a->text = strdup(b->text);	/* ENOMEM: none */
		}
		if (same)
			s->chains[sc - s->chains].text_read = true;
	}
}

/* Ask nft for the chain's rules, now. An anonymous chain (__chainN) is
 * printed inside the rule that binds it, somewhere in its table: list
 * the table then. */
static void read_text(struct rules_nft *r, struct ruleset *s, uint32_t ci)
{
	struct rs_chain *c = &s->chains[ci];
	const char *only = strncmp(c->name, "__chain", 7) ? c->name : NULL;
	struct ruleset tmp;

	c->text_read = true;	/* asked once, whatever the answer */
	ruleset_init(&tmp);
	if (nft_read_table(r->nft, &tmp, c->family, c->table, only,
			   NFT_READ_TEXT) == 0 &&
	    ruleset_index(&tmp) == 0)
		adopt_texts(s, &tmp);
	ruleset_clear(&tmp);
}

/* A snapshot's chain gets its rules when an event first names it: a
 * dump of every chain's rules is most of the start-up on a big host.
 * They are read from the kernel now, in the same table (by handle);
 * a chain changed since the snapshot is re-read with it anyway. */
static void load_rules(struct rules_nft *r, struct ruleset *s, uint32_t ci)
{
	struct rs_chain *c = &s->chains[ci];
	const struct rs_chain *tc;
	uint32_t first = s->nrules, p;
	struct ruleset tmp;

	c->rules_unread = false;
	if (c->nrules)
		return;		/* read with them after all */
	ruleset_init(&tmp);
	if (nft_read_table(r->nft, &tmp, c->family, c->table, c->name,
			   NFT_READ_RULES) == 0 && ruleset_index(&tmp) == 0 &&
	    (tc = ruleset_chain(&tmp, c->family, c->table, c->name)) &&
	    tc->table_handle == c->table_handle)
		for (p = 1; p <= tc->nrules; p++) {
			const struct rs_rule *b = ruleset_rule_by_pos(
				&tmp, tc->family, tc->table, tc->name, p);

			if (!b || ruleset_add_rule(s, ci, b->handle, NULL) < 0)
				break;
		}
	ruleset_clear(&tmp);
	if (ruleset_index_rules(s, first) < 0)
		ruleset_index(s);	/* ENOMEM: lookups fail, safely */
}

const struct rs_chain *rules_nft_chain(struct rules_nft *r, uint8_t family,
				       const char *table, const char *chain)
{
	const struct rs_chain *c = ruleset_chain(rules_nft_get(r), family,
						 table, chain);

	if (c && c->rules_unread)
		load_rules(r, &r->cur, (uint32_t)(c - r->cur.chains));
	return c;
}

const char *rules_nft_text(struct rules_nft *r, const struct ruleset *rs,
			   const struct rs_rule *rule)
{
	struct ruleset *s = rs == &r->cur ? &r->cur :
			    rs == &r->prev ? &r->prev : NULL;

	if (s && !rule->text && !s->chains[rule->chain].text_read)
		read_text(r, s, rule->chain);
	return rule->text;
}

/* Is a chain's listing by iptables-nft about the rules of snapshot
 * chain sc? Only if nf_tables, read after it, still holds in that table
 * the rules of sc, in sc's order, and the listing has as many: a rule
 * handle is never used twice, so no change between the snapshot and the
 * listing can leave both looking like this. */
static bool same_rules(struct rules_nft *r, const struct ruleset *s,
		       const struct rs_chain *sc, const struct ruleset *xt)
{
	const struct rs_chain *xc = ruleset_chain(xt, sc->family, sc->table,
						  sc->name);
	const struct rs_chain *kc;
	struct ruleset k;
	unsigned int p;
	bool same;

	if (!xc || xc->nrules != sc->nrules)
		return false;
	ruleset_init(&k);
	same = nft_read_table(r->nft, &k, sc->family, sc->table, sc->name,
			      NFT_READ_RULES) == 0 && ruleset_index(&k) == 0 &&
	       (kc = ruleset_chain(&k, sc->family, sc->table, sc->name)) &&
	       kc->table_handle == sc->table_handle && kc->nrules == sc->nrules;
	for (p = 1; same && p <= sc->nrules; p++) {
		const struct rs_rule *a, *b;

		a = ruleset_rule_by_pos(s, sc->family, sc->table, sc->name, p);
		b = ruleset_rule_by_pos(&k, sc->family, sc->table, sc->name, p);
		same = a && b && a->handle == b->handle;
	}
	ruleset_clear(&k);
	return same;
}

static void read_xt_text(struct rules_nft *r, struct ruleset *s, uint32_t ci)
{
	struct rs_chain *c = &s->chains[ci];
	struct ruleset xt;
	unsigned int p;

	c->xt_read = true;	/* asked once, whatever the answer */
	if (!nft_text_plain_name(c->name))
		return;
	ruleset_init(&xt);
	if (rules_xt_read_chain(c->family, c->table, c->name, &xt) == 0 &&
	    same_rules(r, s, c, &xt))
		for (p = 1; p <= c->nrules; p++) {
			struct rs_rule *a = (struct rs_rule *)ruleset_rule_by_pos(
				s, c->family, c->table, c->name, p);
			const struct rs_rule *b = ruleset_rule_by_pos(
				&xt, c->family, c->table, c->name, p);

			if (!a->xt_text && b->text)
				a->xt_text = strdup(b->text);	/* ENOMEM: none */
		}
	ruleset_clear(&xt);
}

const char *rules_nft_xt_text(struct rules_nft *r, const struct ruleset *rs,
			      const struct rs_rule *rule)
{
	struct ruleset *s = rs == &r->cur ? &r->cur :
			    rs == &r->prev ? &r->prev : NULL;

	if (s && !rule->xt_text && !s->chains[rule->chain].xt_read)
		read_xt_text(r, s, rule->chain);
	return rule->xt_text;
}

unsigned int rules_nft_take_iptables_changes(struct rules_nft *r,
					     struct table_ref *out, bool *all)
{
	unsigned int n = r->nxt_changed;

	*all = r->xt_all;
	memcpy(out, r->xt_changed, n * sizeof(*out));
	r->nxt_changed = 0;
	r->xt_all = false;
	return n;
}
