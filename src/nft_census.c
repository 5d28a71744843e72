#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "name_index.h"
#include "nft_census.h"
#include "nft_dump.h"
#include "nft_tables.h"

static void forget_chains(struct nft_census_table *t)
{
	while (t->n)
		free(t->c[--t->n].name);
	name_index_free(&t->idx);
}

static void forget_tables(struct nft_census *cs)
{
	while (cs->n) {
		struct nft_census_table *t = &cs->t[--cs->n];

		forget_chains(t);
		free(t->c);
		free(t->name);
	}
}

static void restart_chains(void *data)
{
	struct nft_census *cs = data;
	size_t i;

	for (i = 0; i < cs->n; i++)
		forget_chains(&cs->t[i]);
}

static void restart_rules(void *data)
{
	struct nft_census *cs = data;
	size_t i, j;

	for (i = 0; i < cs->n; i++)
		for (j = 0; j < cs->t[i].n; j++)
			cs->t[i].c[j].rules = 0;
}

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? 2 * *cap : 16;
	void *nv;

	if (n < *cap)
		return v;
	nv = realloc(v, c * size);
	if (nv)
		*cap = c;
	return nv;
}

static void table_cb(uint8_t family, const char *name, void *data)
{
	struct nft_census *cs = data;
	struct nft_census_table *t;

	if (cs->nomem)
		return;
	t = grow(cs->t, &cs->cap, cs->n, sizeof(*t));
	if (!t) {
		cs->nomem = true;
		return;
	}
	cs->t = t;
	t = &cs->t[cs->n];
	memset(t, 0, sizeof(*t));
	t->family = family;
	if (!(t->name = strdup(name))) {
		cs->nomem = true;
		return;
	}
	cs->n++;
}

static struct nft_census_table *table_of(struct nft_census *cs, uint8_t family,
					 const char *name)
{
	size_t i;

	if (cs->last_t < cs->n && cs->t[cs->last_t].family == family &&
	    !strcmp(cs->t[cs->last_t].name, name))
		return &cs->t[cs->last_t];
	for (i = 0; i < cs->n; i++)
		if (cs->t[i].family == family && !strcmp(cs->t[i].name, name)) {
			cs->last_t = i;
			return &cs->t[i];
		}
	return NULL;
}

static int chain_add(struct nft_census_table *t, const struct nftnl_chain *c)
{
	struct nft_census_chain *nc = grow(t->c, &t->cap, t->n, sizeof(*nc));
	const char *name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);

	if (!nc)
		return -1;
	t->c = nc;
	nc = &t->c[t->n];
	memset(nc, 0, sizeof(*nc));
	nc->hook = HOOK_NONE;
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) {
		nc->hook = hook_from_nft(t->family,
					 nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM));
		nc->prio = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
	}
	if (nftnl_chain_is_set(c, NFTNL_CHAIN_FLAGS))
		nc->bound = nftnl_chain_get_u32(c, NFTNL_CHAIN_FLAGS) & NFT_CHAIN_BINDING;
	if (!(nc->name = strdup(name)))
		return -1;
	t->n++;
	return 0;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft_census *cs = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nft_census_table *t;
	int ret = MNL_CB_OK;

	if (!c)
		return MNL_CB_ERROR;
	/* a chain of a table made after the table dump is not counted:
	 * the census is as old as its table dump */
	if (nftnl_chain_nlmsg_parse(nlh, c) == 0 &&
	    nftnl_chain_is_set(c, NFTNL_CHAIN_TABLE) &&
	    nftnl_chain_is_set(c, NFTNL_CHAIN_NAME) &&
	    (t = table_of(cs, (uint8_t)nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY),
			  nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE))) &&
	    chain_add(t, c) < 0)
		ret = MNL_CB_ERROR;
	nftnl_chain_free(c);
	return ret;
}

static const char *chain_name_at(const void *v, uint32_t i)
{
	return ((const struct nft_census_chain *)v)[i].name;
}

const struct nft_census_chain *nft_census_chain(const struct nft_census_table *t,
						const char *name)
{
	long i = name_index_find(&t->idx, t->c, (uint32_t)t->n, chain_name_at, name);

	return i < 0 ? NULL : &t->c[i];
}

static int rule_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if ((type == NFTA_RULE_TABLE || type == NFTA_RULE_CHAIN) &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		tb[type] = a;
	return MNL_CB_OK;
}

/* Only the rule's table and chain are read: its expressions are what
 * makes a listing slow. */
static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft_census *cs = data;
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NFTA_RULE_MAX + 1] = { NULL };
	struct nft_census_table *t;
	const char *chain;
	long i;

	if (mnl_attr_parse(nlh, sizeof(*nfg), rule_attr_cb, tb) < 0 ||
	    !tb[NFTA_RULE_TABLE] || !tb[NFTA_RULE_CHAIN])
		return MNL_CB_OK;
	t = table_of(cs, nfg->nfgen_family, mnl_attr_get_str(tb[NFTA_RULE_TABLE]));
	if (!t)
		return MNL_CB_OK;
	chain = mnl_attr_get_str(tb[NFTA_RULE_CHAIN]);
	if (cs->last_c < t->n && !strcmp(t->c[cs->last_c].name, chain))
		i = (long)cs->last_c;
	else
		i = name_index_find(&t->idx, t->c, (uint32_t)t->n, chain_name_at, chain);
	if (i < 0)
		return MNL_CB_OK;	/* a chain made after the chain dump */
	cs->last_c = (size_t)i;
	t->c[i].rules++;
	return MNL_CB_OK;
}

int nft_census_rules(struct nft_census *cs)
{
	size_t i, j;

	restart_rules(cs);
	if (nft_dump(NFT_MSG_GETRULE, NFPROTO_UNSPEC, NULL, NULL, rule_cb,
		     restart_rules, cs) < 0)
		return -1;
	for (i = 0; i < cs->n; i++) {
		struct nft_census_table *t = &cs->t[i];

		t->rules = 0;
		for (j = 0; j < t->n; j++)
			if (!t->c[j].bound)
				t->rules += t->c[j].rules;
	}
	return 0;
}

int nft_census_read(struct nft_census *cs, bool rules)
{
	size_t i, j;
	int saved;

	memset(cs, 0, sizeof(*cs));
	if (nft_tables_each(table_cb, cs) < 0)
		goto err;
	if (cs->nomem) {
		errno = ENOMEM;
		goto err;
	}
	if (nft_dump(NFT_MSG_GETCHAIN, NFPROTO_UNSPEC, NULL, NULL, chain_cb,
		     restart_chains, cs) < 0)
		goto err;
	for (i = 0; i < cs->n; i++) {
		struct nft_census_table *t = &cs->t[i];

		name_index_build(&t->idx, t->c, (uint32_t)t->n, chain_name_at);
		for (j = 0; j < t->n; j++)
			t->chains += !t->c[j].bound;
	}
	if (rules && nft_census_rules(cs) < 0)
		goto err;
	return 0;
err:
	saved = errno;
	nft_census_free(cs);
	errno = saved;
	return -1;
}

void nft_census_free(struct nft_census *cs)
{
	forget_tables(cs);
	free(cs->t);
	memset(cs, 0, sizeof(*cs));
}

const struct nft_census_table *nft_census_table(const struct nft_census *cs,
						uint8_t family, const char *name)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (cs->t[i].family == family && !strcmp(cs->t[i].name, name))
			return &cs->t[i];
	return NULL;
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	++*(unsigned int *)data;
	return MNL_CB_OK;
}

static void count_restart(void *data)
{
	*(unsigned int *)data = 0;
}

int nft_census_count_rules(uint8_t family, const char *table, const char *chain,
			   unsigned int *n)
{
	*n = 0;
	/* by chain name: the kernel walks that chain alone */
	return nft_dump(NFT_MSG_GETRULE, family, table, chain, count_cb, count_restart, n);
}
