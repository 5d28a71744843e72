/* One nf_tables table (or one chain of it) into a ruleset: chains and
 * rule order from the kernel's objects (nft_dump.c, libnftnl), and the
 * text of each rule as nft prints it (libnftables), cut where the
 * objects prove it belongs (nft_text.c). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <nftables/libnftables.h>

#include "name_index.h"
#include "nft_dump.h"
#include "nft_read.h"
#include "nft_text.h"

struct chain_info {
	char *name;
	uint64_t handle;
	char *comment;
	bool base, bound, wanted;
	enum hook hook;
	int32_t prio;
	int policy;
	bool nat;
	uint64_t *rules;
	char **bind_names;		/* per rule: the anonymous chain it binds */
	int *binds;
	unsigned int nrules, cap;
	char **texts;
};

struct table_read {
	struct chain_info *c;
	unsigned int n, cap;
	unsigned int last;		/* rules arrive chain by chain */
	uint8_t family;
	const char *table;
	struct chain_info *redo;	/* an interrupted dump forgets only this */
	/* chain names: a kube-proxy table has tens of thousands, and
	 * every jump names one */
	struct name_index idx;
	uint64_t table_handle;
};

static void chain_forget_rules(struct chain_info *c)
{
	unsigned int i;

	for (i = 0; i < c->nrules; i++) {
		free(c->bind_names[i]);
		if (c->texts)
			free(c->texts[i]);
	}
	free(c->rules);
	free(c->bind_names);
	free(c->binds);
	free(c->texts);
	c->rules = NULL;
	c->bind_names = NULL;
	c->binds = NULL;
	c->texts = NULL;
	c->nrules = c->cap = 0;
}

static void forget_rules(void *data)
{
	struct table_read *t = data;
	unsigned int i;

	if (t->redo) {
		chain_forget_rules(t->redo);
		return;
	}
	for (i = 0; i < t->n; i++)
		chain_forget_rules(&t->c[i]);
}

static void forget_chains(void *data)
{
	struct table_read *t = data;

	forget_rules(t);
	while (t->n) {
		struct chain_info *c = &t->c[--t->n];

		free(c->name);
		free(c->comment);
	}
}

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	const char **comment = data;
	const char *v = nftnl_udata_get(attr);
	uint8_t len = nftnl_udata_len(attr);

	if (nftnl_udata_type(attr) == NFTNL_UDATA_CHAIN_COMMENT && len &&
	    v[len - 1] == '\0')
		*comment = v;
	return 0;
}

static int chain_info_fill(struct chain_info *ci, struct nftnl_chain *c)
{
	const char *name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
	const char *type = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);
	const char *comment = NULL;
	const void *ud;
	uint32_t udlen;

	memset(ci, 0, sizeof(*ci));
	if (!name)
		return 0;
	ci->handle = nftnl_chain_get_u64(c, NFTNL_CHAIN_HANDLE);
	ci->hook = HOOK_NONE;
	ci->policy = NF_ACCEPT;
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) {
		ci->base = true;
		ci->hook = hook_from_nft((uint8_t)nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY),
				   nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM));
		ci->prio = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
		if (nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY))
			ci->policy = (int)nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY);
		ci->nat = type && !strcmp(type, "nat");
	}
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_FLAGS))
		ci->bound = nftnl_chain_get_u32(c, NFTNL_CHAIN_FLAGS) & NFT_CHAIN_BINDING;
	ud = nftnl_chain_get_data(c, NFTNL_CHAIN_USERDATA, &udlen);
	if (ud)
		nftnl_udata_parse(ud, udlen, comment_cb, &comment);
	ci->name = strdup(name);
	ci->comment = comment ? strdup(comment) : NULL;
	if (!ci->name || (comment && !ci->comment)) {
		free(ci->name);
		free(ci->comment);
		return -1;
	}
	return 1;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct table_read *t = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	int ret = MNL_CB_ERROR;

	if (!c)
		return MNL_CB_ERROR;
	/* The kernel does not filter chain dumps by table. */
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0 ||
	    !nftnl_chain_is_set(c, NFTNL_CHAIN_TABLE) ||
	    strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), t->table)) {
		ret = MNL_CB_OK;
		goto out;
	}
	if (t->n == t->cap) {
		unsigned int cap = t->cap ? 2 * t->cap : 16;
		struct chain_info *n = realloc(t->c, cap * sizeof(*n));

		if (!n)
			goto out;
		t->c = n;
		t->cap = cap;
	}
	switch (chain_info_fill(&t->c[t->n], c)) {
	case 1:
		t->n++;
		/* fall through */
	case 0:
		ret = MNL_CB_OK;
	}
out:
	nftnl_chain_free(c);
	return ret;
}

static const char *chain_name_at(const void *v, uint32_t i)
{
	return ((const struct chain_info *)v)[i].name;
}

static struct chain_info *chain_named(struct table_read *t, const char *name)
{
	long i;

	if (t->last < t->n && !strcmp(t->c[t->last].name, name))
		return &t->c[t->last];
	/* without an index (one chain read, or ENOMEM) this walks the list */
	i = name_index_find(&t->idx, t->c, t->n, chain_name_at, name);
	if (i < 0)
		return NULL;
	t->last = (unsigned int)i;
	return &t->c[i];
}

/* The chain an immediate "jump/goto CHAIN" names, if any. */
static int bind_cb(struct nftnl_expr *e, void *data)
{
	const char **chain = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (name && !strcmp(name, "immediate") &&
	    nftnl_expr_is_set(e, NFTNL_EXPR_IMM_CHAIN))
		*chain = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);
	return 0;
}

static int chain_add_rule(struct chain_info *c, uint64_t handle,
			  const char *target)
{
	if (c->nrules == c->cap) {
		unsigned int cap = c->cap ? 2 * c->cap : 8;
		uint64_t *r = realloc(c->rules, cap * sizeof(*r));
		char **b;

		if (!r)
			return -1;
		c->rules = r;
		b = realloc(c->bind_names, cap * sizeof(*b));
		if (!b)
			return -1;
		c->bind_names = b;
		c->cap = cap;
	}
	c->bind_names[c->nrules] = NULL;
	if (target && !(c->bind_names[c->nrules] = strdup(target)))
		return -1;
	c->rules[c->nrules++] = handle;
	return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct table_read *t = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	const char *chain, *target = NULL;
	struct chain_info *c;
	int ret = MNL_CB_OK;

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0 ||
	    !nftnl_rule_is_set(r, NFTNL_RULE_TABLE) ||
	    strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), t->table) ||
	    !(chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN)) ||
	    !(c = chain_named(t, chain)))
		goto out;	/* a chain created after the chain dump */
	nftnl_expr_foreach(r, bind_cb, &target);
	if (chain_add_rule(c, nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE), target) < 0)
		ret = MNL_CB_ERROR;
out:
	nftnl_rule_free(r);
	return ret;
}

/* Point each rule at the anonymous chain it binds, and mark what to
 * keep: all chains, or only one and the anonymous chains it binds. */
static void link_bindings(struct table_read *t, const char *only)
{
	unsigned int i, j;

	for (i = 0; i < t->n; i++)
		t->c[i].wanted = !only || !strcmp(t->c[i].name, only);
	for (i = 0; i < t->n; i++) {
		struct chain_info *c = &t->c[i];

		c->binds = malloc((c->nrules ? c->nrules : 1) * sizeof(*c->binds));
		c->texts = calloc(c->nrules ? c->nrules : 1, sizeof(*c->texts));
		if (!c->binds || !c->texts)
			continue;	/* left without text below */
		for (j = 0; j < c->nrules; j++) {
			struct chain_info *b = c->bind_names[j] ?
				chain_named(t, c->bind_names[j]) : NULL;

			c->binds[j] = b && b->bound ? (int)(b - t->c) : -1;
			if (b && b->bound && c->wanted)
				b->wanted = true;
		}
	}
}

static bool plain_names(const char *table, const char *only)
{
	return nft_text_plain_name(table) && (!only || nft_text_plain_name(only));
}

/* The listing of the table, or of one chain of it; NULL when nft cannot
 * be asked for it safely or did not answer. The answer must be about
 * the table we asked for (names with nft keywords may parse otherwise). */
static char *listing(struct nft_ctx *nft, uint8_t family, const char *table,
		     const char *only)
{
	char cmd[600], head[300];
	const char *out;

	if (only)
		snprintf(cmd, sizeof(cmd), "list chain %s %s %s",
			 family_name(family), table, only);
	else
		snprintf(cmd, sizeof(cmd), "list table %s %s",
			 family_name(family), table);
	snprintf(head, sizeof(head), "table %s %s {", family_name(family), table);
	if (nft_run_cmd_from_buffer(nft, cmd) != 0)
		return NULL;
	out = nft_ctx_get_output_buffer(nft);
	if (!out || strncmp(out, head, strlen(head)))
		return NULL;
	return strdup(out);
}

static void split_texts(struct table_read *t, const char *text)
{
	struct nft_text_chain *tc = calloc(t->n ? t->n : 1, sizeof(*tc));
	unsigned int i;

	if (!tc)
		return;
	for (i = 0; i < t->n; i++) {
		struct chain_info *c = &t->c[i];

		if (!c->texts || !c->binds)
			continue;
		tc[i] = (struct nft_text_chain){
			.handle = c->handle, .comment = c->comment,
			.base = c->base, .bound = c->bound,
			.rules = c->rules, .nrules = c->nrules,
			.binds = c->binds, .texts = c->texts,
		};
	}
	nft_text_split(text, strlen(text), tc, t->n);	/* ENOMEM: fewer texts */
	free(tc);
}

static int add_chains(const struct table_read *t, struct ruleset *rs,
		      const char *table, bool text_read, bool rules_unread)
{
	unsigned int i, j;

	for (i = 0; i < t->n; i++) {
		const struct chain_info *c = &t->c[i];
		int idx;

		if (!c->wanted)
			continue;
		idx = ruleset_add_chain(rs, t->family, table, c->name, c->hook,
					c->prio, c->policy);
		if (idx < 0)
			return -1;
		rs->chains[idx].nat = c->nat;
		rs->chains[idx].table_handle = t->table_handle;
		rs->chains[idx].text_read = text_read;
		rs->chains[idx].rules_unread = rules_unread;
		for (j = 0; j < c->nrules; j++)
			if (ruleset_add_rule(rs, (uint32_t)idx, c->rules[j],
					     c->texts ? c->texts[j] : NULL) < 0)
				return -1;
	}
	return 0;
}

static int dump_each_chain(struct nft_dumper *d, struct table_read *t)
{
	unsigned int i;

	for (i = 0; i < t->n; i++) {
		t->last = i;
		t->redo = &t->c[i];
		/* a chain deleted since the chain dump is simply empty */
		if (nft_dumper_run(d, NFT_MSG_GETRULE, t->family, t->table,
				   t->c[i].name, rule_cb, forget_rules, t) < 0 &&
		    errno != ENOENT)
			return -1;
	}
	t->redo = NULL;
	return 0;
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct table_read *t = data;
	const struct nlattr *a;
	const char *name = NULL;
	uint64_t handle = 0;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) == NFTA_TABLE_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			name = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == NFTA_TABLE_HANDLE &&
			 mnl_attr_validate(a, MNL_TYPE_U64) == 0)
			handle = be64toh(mnl_attr_get_u64(a));
	}
	if (name && !strcmp(name, t->table))
		t->table_handle = handle;
	return MNL_CB_OK;
}

/* The anonymous chains (nft names them __chainN) that the rules of the
 * one chain read bind, with their rules. */
static int get_bound(struct nft_dumper *d, struct table_read *t)
{
	unsigned int j;

	for (j = 0; j < t->c[0].nrules; j++) {
		const char *bn = t->c[0].bind_names[j];
		unsigned int before = t->n;
		struct chain_info *b;

		if (!bn || strncmp(bn, "__chain", 7) || chain_named(t, bn))
			continue;
		if (nft_dumper_get(d, NFT_MSG_GETCHAIN, t->family, t->table, bn,
				   chain_cb, t) < 0) {
			if (errno == ENOENT)
				continue;
			return -1;
		}
		if (t->n == before || !t->c[t->n - 1].bound)
			continue;
		b = &t->c[t->n - 1];
		t->redo = b;
		if (nft_dumper_run(d, NFT_MSG_GETRULE, t->family, t->table,
				   b->name, rule_cb, forget_rules, t) < 0)
			return -1;
		t->redo = NULL;
	}
	return 0;
}

int nft_read_table(struct nft_ctx *nft, struct ruleset *rs, uint8_t family,
		   const char *table, const char *only, unsigned int what)
{
	struct table_read t = { .family = family, .table = table };
	struct nft_dumper *d = NULL;
	bool with_text = what & NFT_READ_TEXT;
	char *text = NULL;
	int ret = -1, saved;

	if (!(d = nft_dumper_open()))
		goto out;
	/* which table this is: one deleted and made again restarts its
	 * handles, and must not get the old one's rule text */
	if (nft_dumper_run(d, NFT_MSG_GETTABLE, family, NULL, NULL, table_cb,
			   NULL, &t) < 0)
		goto out;
	if (!only) {
		if (nft_dumper_run(d, NFT_MSG_GETCHAIN, family, table, NULL,
				   chain_cb, forget_chains, &t) < 0)
			goto out;
		name_index_build(&t.idx, t.c, t.n, chain_name_at);
		/* Chain by chain, the kernel filtering each dump by name: a
		 * dump of the whole table costs the square of its rule count. */
		if ((what & (NFT_READ_RULES | NFT_READ_TEXT)) &&
		    dump_each_chain(d, &t) < 0)
			goto out;
	} else {
		/* the one chain, by name: a dump of a table's chains walks
		 * all of them */
		if (nft_dumper_get(d, NFT_MSG_GETCHAIN, family, table, only,
				   chain_cb, &t) < 0)
			goto out;
		if (!t.n) {
			errno = ENOENT;
			goto out;
		}
		if (nft_dumper_run(d, NFT_MSG_GETRULE, family, table, only,
				   rule_cb, forget_rules, &t) < 0 ||
		    get_bound(d, &t) < 0)
			goto out;
	}
	link_bindings(&t, only);
	if (with_text && plain_names(table, only))
		text = listing(nft, family, table, only);
	if (text)
		split_texts(&t, text);
	ret = add_chains(&t, rs, table, with_text,
			 !only && !(what & (NFT_READ_RULES | NFT_READ_TEXT)));
out:
	saved = errno;
	nft_dumper_close(d);
	free(text);
	t.redo = NULL;
	forget_chains(&t);
	free(t.c);
	name_index_free(&t.idx);
	errno = saved;
	return ret;
}
