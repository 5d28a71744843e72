/* libnftables prints the rules exactly as `nft list` does, so the text
 * we show is the user's own syntax. We parse its output rather than
 * re-implementing nft's expression printer on top of libnftnl. */
#include <ctype.h>
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

#include "arm.h"
#include "nft_tables.h"
#include "rules_nft.h"

/* A change to more tables than this re-reads them all. */
#define MAX_DIRTY_TABLES	RULES_NFT_MAX_CHANGED

/* Rule changes to more chains than this re-read their whole tables. */
#define MAX_DIRTY_CHAINS	64

struct chain_ref {
	struct table_ref table;
	char chain[256];
};

struct rules_nft {
	struct nft_ctx *nft;
	struct mnl_socket *gen;		/* NFNLGRP_NFTABLES: ruleset changes */
	struct ruleset cur, prev;
	bool dirty;			/* re-read before the next lookup */
	bool all_dirty;			/* ... every table, not just these: */
	struct table_ref dirty_tables[MAX_DIRTY_TABLES];
	unsigned int ndirty;
	/* ... and these chains of other tables */
	struct chain_ref dirty_chains[MAX_DIRTY_CHAINS];
	unsigned int ndirty_chains;
	unsigned long reads;
	/* iptables' tables re-read since rules_nft_take_iptables_changes() */
	struct table_ref xt_changed[MAX_DIRTY_TABLES];
	unsigned int nxt_changed;
	bool xt_all;
	struct timespec last_read;
	char buf[1 << 16] __attribute__((aligned(8)));
};

/* Copy the next word (possibly "quoted") from *p into out. */
static void next_word(const char **p, char *out, size_t size)
{
	const char *s = *p;
	size_t n = 0;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '"') {
		for (s++; *s && *s != '"'; s++)
			if (n + 1 < size)
				out[n++] = *s;
		if (*s)
			s++;
	} else {
		for (; *s && !isspace((unsigned char)*s); s++)
			if (n + 1 < size)
				out[n++] = *s;
	}
	out[n] = '\0';
	*p = s;
}

/* Net brace depth change of a line, ignoring braces inside strings. */
static int brace_delta(const char *s)
{
	bool quoted = false;
	int d = 0;

	for (; *s; s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (!quoted && *s == '{')
			d++;
		else if (!quoted && *s == '}')
			d--;
	}
	return d;
}

/* "type filter hook input priority 0; policy drop;" */
static void parse_chain_type(const char *line, struct rs_chain *c)
{
	const char *h = strstr(line, " hook "), *p = strstr(line, " priority ");
	const char *pol = strstr(line, "policy ");
	char word[32];

	if (h) {
		h += 6;
		next_word(&h, word, sizeof(word));
		c->hook = hook_from_name(word);
	}
	if (p)
		c->prio = (int32_t)strtol(p + 10, NULL, 10);
	if (pol)
		c->policy = strncmp(pol + 7, "drop", 4) ? NF_ACCEPT : NF_DROP;
	c->nat = !strncmp(line, "type nat ", 9);
}

/* A rule line ends in "# handle N"; split it off. */
static int split_handle(char *line, uint64_t *handle)
{
	char *h = strstr(line, " # handle ");
	char *end;

	if (!h)
		return -1;
	*handle = strtoull(h + 10, &end, 10);
	while (h > line && isspace((unsigned char)h[-1]))
		h--;
	*h = '\0';
	return 0;
}

int rules_nft_parse(const char *text, struct ruleset *rs)
{
	char family[16] = "", table[256] = "", name[256], word[256];
	const char *p = text;
	int depth = 0, chain = -1;
	char *line = NULL;
	size_t cap = 0;

	while (*p) {
		const char *eol = strchr(p, '\n'), *s;
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		uint64_t handle;
		char *trim;

		if (len + 1 > cap) {
			char *n = realloc(line, len + 1);
			if (!n)
				goto nomem;
			line = n;
			cap = len + 1;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (eol ? 1 : 0);
		for (trim = line; isspace((unsigned char)*trim); trim++)
			;
		if (*trim == '#' || *trim == '\0')
			continue;
		s = trim;
		if (depth == 0 && !strncmp(trim, "table ", 6)) {
			s += 6;
			next_word(&s, family, sizeof(family));
			next_word(&s, table, sizeof(table));
		} else if (depth == 1 && !strncmp(trim, "chain ", 6)) {
			s += 6;
			next_word(&s, name, sizeof(name));
			chain = ruleset_add_chain(rs, family_from_name(family), table,
						  name, HOOK_NONE, 0, NF_ACCEPT);
			if (chain < 0)
				goto nomem;
		} else if (depth == 2 && chain >= 0) {
			next_word(&s, word, sizeof(word));
			if (!strcmp(word, "type") && strstr(trim, " hook "))
				parse_chain_type(trim, &rs->chains[chain]);
			else if (split_handle(trim, &handle) == 0 &&
				 ruleset_add_rule(rs, (uint32_t)chain, handle, trim) < 0)
				goto nomem;
		}
		depth += brace_delta(trim);
		if (depth < 2)
			chain = -1;
	}
	free(line);
	return ruleset_index(rs);
nomem:
	free(line);
	errno = ENOMEM;
	return -1;
}

static bool is_dirty(const struct rules_nft *r, uint8_t family, const char *name)
{
	return r->all_dirty || table_ref_has(r->dirty_tables, r->ndirty, family, name);
}

static bool is_dirty_chain(const struct rules_nft *r, uint8_t family,
			   const char *table, const char *chain)
{
	unsigned int i;

	if (is_dirty(r, family, table))
		return true;
	for (i = 0; i < r->ndirty_chains; i++) {
		const struct chain_ref *c = &r->dirty_chains[i];

		if (c->table.family == family && !strcmp(c->table.name, table) &&
		    !strcmp(c->chain, chain))
			return true;
	}
	return false;
}

static bool clean_chain(const struct rs_chain *c, const void *arg)
{
	return !is_dirty_chain(arg, c->family, c->table, c->name);
}

/* Carry the chains that did not change over from the last snapshot:
 * on a Kubernetes node one changed chain must not cost a listing of
 * every table. */
static int keep_clean_chains(const struct rules_nft *r, struct ruleset *rs)
{
	return ruleset_copy_if(&r->cur, rs, clean_chain, r);
}

/* Changed chains of tables that are not re-read whole: one "list chain"
 * each; a chain deleted meanwhile is simply not there any more. */
static void list_dirty_chains(struct rules_nft *r, FILE *f)
{
	char cmd[600];
	unsigned int i;

	for (i = 0; i < r->ndirty_chains; i++) {
		const struct chain_ref *c = &r->dirty_chains[i];

		if (is_dirty(r, c->table.family, c->table.name))
			continue;
		snprintf(cmd, sizeof(cmd), "list chain %s %s %s",
			 family_name(c->table.family), c->table.name, c->chain);
		if (nft_run_cmd_from_buffer(r->nft, cmd) == 0)
			fputs(nft_ctx_get_output_buffer(r->nft), f);
	}
}

static void list_table(struct rules_nft *r, FILE *f, const char *family,
		       const char *name)
{
	char cmd[320];

	snprintf(cmd, sizeof(cmd), "list table %s %s", family, name);
	/* a table deleted meanwhile is simply not there any more */
	if (nft_run_cmd_from_buffer(r->nft, cmd) == 0)
		fputs(nft_ctx_get_output_buffer(r->nft), f);
}

struct list_ctx {
	struct rules_nft *r;
	FILE *f;
};

static void list_one(uint8_t family, const char *name, void *data)
{
	struct list_ctx *l = data;

	if (!arm_is_own_table(name))
		list_table(l->r, l->f, family_name(family), name);
}

/* Every table but ours: "list ruleset" would also print ours, and
 * libxtables complains on stderr about its inet bpf match. nft 1.0.6
 * cannot run several list commands in one buffer, hence one call per
 * table; the names come from a plain netlink dump, since libnftables'
 * "list tables" fetches every rule of every table first. */
static void list_all_tables(struct rules_nft *r, FILE *f)
{
	struct list_ctx l = { r, f };

	nft_tables_each(list_one, &l);
}

static int list_ruleset(struct rules_nft *r, struct ruleset *rs)
{
	size_t len = 0, i;
	char *text = NULL;
	FILE *f;
	int ret;

	f = open_memstream(&text, &len);
	if (!f || keep_clean_chains(r, rs) < 0) {
		if (f)
			fclose(f);
		free(text);
		return -1;
	}
	if (r->all_dirty)
		list_all_tables(r, f);
	else
		for (i = 0; i < r->ndirty; i++)
			list_table(r, f, family_name(r->dirty_tables[i].family),
				   r->dirty_tables[i].name);
	list_dirty_chains(r, f);
	fclose(f);
	ret = rules_nft_parse(text ? text : "", rs);
	free(text);
	return ret;
}

/* Note the tables iptables-nft may own (ip/ip6 filter, nat, mangle,
 * raw, security) among those this re-read covers: their
 * iptables-nft-save text is stale now. */
static void note_iptables_table(struct rules_nft *r, const struct table_ref *t)
{
	static const char *const names[] = {
		"filter", "nat", "mangle", "raw", "security",
	};
	unsigned int j;

	if ((t->family != NFPROTO_IPV4 && t->family != NFPROTO_IPV6) ||
	    table_ref_has(r->xt_changed, r->nxt_changed, t->family, t->name))
		return;
	for (j = 0; j < sizeof(names) / sizeof(names[0]); j++)
		if (!strcmp(t->name, names[j])) {
			if (r->nxt_changed == MAX_DIRTY_TABLES)
				r->xt_all = true;
			else
				r->xt_changed[r->nxt_changed++] = *t;
			return;
		}
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

	/* What is queued is covered by this listing: learn which tables
	 * it names first. (Our own table's creation is among it.) */
	rules_nft_changed(r);
	ruleset_init(&fresh);
	r->reads++;
	clock_gettime(CLOCK_MONOTONIC, &r->last_read);
	if (list_ruleset(r, &fresh) < 0) {
		/* keep what we had: stale text beats none */
		ruleset_clear(&fresh);
		return;
	}
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
	int group = NFNLGRP_NFTABLES;

	if (!r)
		return NULL;
	ruleset_init(&r->cur);
	ruleset_init(&r->prev);
	/* Our own socket first: libnftables 1.0.6 calls exit() when it
	 * cannot open one, and we want to report that ourselves. Subscribe
	 * before the first read so no change slips between. */
	r->gen = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!r->gen || mnl_socket_bind(r->gen, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(r->gen, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0)
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
	if (r->gen)
		mnl_socket_close(r->gen);
	if (r->nft)
		nft_ctx_free(r->nft);
	ruleset_clear(&r->cur);
	ruleset_clear(&r->prev);
	free(r);
}

int rules_nft_fd(const struct rules_nft *r)
{
	return mnl_socket_get_fd(r->gen);
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

static void mark_dirty_chain(struct rules_nft *r, uint8_t family,
			     const char *table, const char *chain)
{
	struct chain_ref *c;

	if (arm_is_own_table(table) || is_dirty_chain(r, family, table, chain))
		return;
	if (r->ndirty_chains == MAX_DIRTY_CHAINS) {
		mark_dirty(r, family, table);
		return;
	}
	r->dirty = true;
	c = &r->dirty_chains[r->ndirty_chains++];
	c->table.family = family;
	snprintf(c->table.name, sizeof(c->table.name), "%s", table);
	snprintf(c->chain, sizeof(c->chain), "%s", chain);
}

/* Every nf_tables notification names its table in attribute 1
 * (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, ...); rule and
 * chain messages name their chain too (NFTA_RULE_CHAIN 2,
 * NFTA_CHAIN_NAME 3), and only that chain is re-read. Sets, their
 * elements, objects and flowtables leave rule text as it is: rules
 * name them, and an anonymous set comes with its rule's own message. */
static int change_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rules_nft *r = data;
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	uint16_t type = NFNL_MSG_TYPE(nlh->nlmsg_type), chain_attr = 0;
	const char *table = NULL, *chain = NULL;
	const struct nlattr *a;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
		return MNL_CB_OK;
	switch (type) {
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
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			continue;
		if (mnl_attr_get_type(a) == 1)
			table = mnl_attr_get_str(a);
		else if (chain_attr && mnl_attr_get_type(a) == chain_attr)
			chain = mnl_attr_get_str(a);
	}
	if (table && chain)
		mark_dirty_chain(r, g->nfgen_family, table, chain);
	else if (table)
		mark_dirty(r, g->nfgen_family, table);
	else
		r->dirty = r->all_dirty = true;	/* a change we cannot place */
	return MNL_CB_OK;
}

void rules_nft_changed(struct rules_nft *r)
{
	ssize_t n;

	for (;;) {
		n = mnl_socket_recvfrom(r->gen, r->buf, sizeof(r->buf));
		if (n > 0) {
			mnl_cb_run(r->buf, (size_t)n, 0, 0, change_cb, r);
			continue;
		}
		/* an overrun hides which tables changed */
		if (n < 0 && errno == ENOBUFS) {
			r->dirty = r->all_dirty = true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return;
	}
}

const struct ruleset *rules_nft_get(struct rules_nft *r)
{
	if (r->dirty)
		reread(r);
	return &r->cur;
}

const struct ruleset *rules_nft_previous(const struct rules_nft *r)
{
	return &r->prev;
}

void rules_nft_refresh(struct rules_nft *r, uint8_t family, const char *table)
{
	struct timespec now;
	long ms;

	rules_nft_changed(r);
	/* The kernel switches generations a moment before it notifies, so
	 * a miss may come before the news: re-read the table anyway, but
	 * not more than every 100 ms however many misses there are. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - r->last_read.tv_sec) * 1000 +
	     (now.tv_nsec - r->last_read.tv_nsec) / 1000000;
	if (!r->dirty && ms >= 100)
		mark_dirty(r, family, table);
	if (r->dirty)
		reread(r);
}

unsigned long rules_nft_reads(const struct rules_nft *r)
{
	return r->reads;
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
