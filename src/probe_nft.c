#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <nftables/libnftables.h>

#include "probe_notes.h"
#include "probe_nft.h"
#include "ruleset.h"

static void first_line(const char *text, char *msg, size_t msglen)
{
	size_t n;

	if (!msglen)
		return;
	while (text && (*text == '\n' || *text == ' '))
		text++;
	n = text ? strcspn(text, "\n") : 0;
	snprintf(msg, msglen, "%.*s", (int)n, n ? text : "nft failed without a message");
}

/* Each check walks a listing again: the source's is read by five
 * functions, the copy's by four. At 16k iptables-nft rules a listing is
 * 7 MB of JSON and one json_loads() of it costs a few hundred ms, so the
 * last two parses are kept, keyed by the text itself (compared whole:
 * a freed text's address may come back with other contents). Nothing
 * here changes a parsed tree: the callers get a reference each. */
static json_t *load(struct probe_nft_cache *c, const char *json)
{
	size_t len = strlen(json), i;
	struct probe_nft_parsed *p;
	json_t *root;

	for (i = 0; i < 2; i++)
		if (c->slot[i].root && c->slot[i].len == len &&
		    !memcmp(c->slot[i].text, json, len))
			return json_incref(c->slot[i].root);
	root = json_loads(json, 0, NULL);
	if (!root)
		return NULL;
	p = &c->slot[c->next++ % 2];
	free(p->text);
	json_decref(p->root);
	p->root = NULL;
	p->text = malloc(len + 1);
	if (p->text) {
		memcpy(p->text, json, len + 1);
		p->len = len;
		p->root = json_incref(root);
	}
	return root;
}

void probe_nft_forget(struct probe_nft_cache *c)
{
	size_t i;

	for (i = 0; i < 2; i++) {
		free(c->slot[i].text);
		json_decref(c->slot[i].root);
		c->slot[i].text = NULL;
		c->slot[i].root = NULL;
	}
}

/* A context per use, made in the namespace it works on: libnftables'
 * netlink socket belongs to the namespace it was opened in. */
static struct nft_ctx *json_ctx(void)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!nft)
		return NULL;
	/* with JSON output set, libnftables 1.0.6 parses its input as JSON */
	nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_JSON);
	if (nft_ctx_buffer_output(nft) || nft_ctx_buffer_error(nft)) {
		nft_ctx_free(nft);
		return NULL;
	}
	return nft;
}

char *probe_nft_list(char *msg, size_t msglen)
{
	struct nft_ctx *nft = json_ctx();
	char *out = NULL;

	if (!nft) {
		first_line("cannot start libnftables", msg, msglen);
		return NULL;
	}
	if (nft_run_cmd_from_buffer(nft, "list ruleset") == 0)
		out = strdup(nft_ctx_get_output_buffer(nft));
	else
		first_line(nft_ctx_get_error_buffer(nft), msg, msglen);
	nft_ctx_free(nft);
	return out;
}

int probe_nft_load_json(const char *json, char *msg, size_t msglen)
{
	struct nft_ctx *nft = json_ctx();
	int ret;

	if (!nft) {
		first_line("cannot start libnftables", msg, msglen);
		return -1;
	}
	/* json is jansson's compact dump of a list that parsed: valid JSON,
	 * so libnftables never falls back to reading it as nft text */
	ret = nft_run_cmd_from_buffer(nft, json);
	if (ret)
		first_line(nft_ctx_get_error_buffer(nft), msg, msglen);
	nft_ctx_free(nft);
	return ret ? -1 : 0;
}

int probe_nft_load_file(const char *path, char *msg, size_t msglen)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	int ret;

	if (!nft || nft_ctx_buffer_output(nft) || nft_ctx_buffer_error(nft)) {
		if (nft)
			nft_ctx_free(nft);
		first_line("cannot start libnftables", msg, msglen);
		return -1;
	}
	/* the user's own file, in the syntax they wrote it in */
	ret = nft_run_cmd_from_filename(nft, path);
	if (ret)
		first_line(nft_ctx_get_error_buffer(nft), msg, msglen);
	nft_ctx_free(nft);
	return ret ? -1 : 0;
}

/* An object of the list: its kind ("table", "chain", "rule" ...), and
 * the table it belongs to. NULL kind for a malformed one. */
static const char *object_of(json_t *o, uint8_t *family, const char **table,
			     json_t **body)
{
	const char *kind;
	json_t *b, *f, *t;

	if (!json_is_object(o) || json_object_size(o) != 1)
		return NULL;
	kind = json_object_iter_key(json_object_iter(o));
	b = json_object_iter_value(json_object_iter(o));
	*body = b;
	if (!strcmp(kind, "metainfo"))
		return kind;
	f = json_object_get(b, "family");
	t = json_object_get(b, !strcmp(kind, "table") ? "name" : "table");
	if (!json_is_string(f) || !json_is_string(t))
		return NULL;
	*family = family_from_name(json_string_value(f));
	*table = json_string_value(t);
	return kind;
}

static json_t *list_array(json_t *root)
{
	json_t *a = json_object_get(root, "nftables");

	return json_is_array(a) ? a : NULL;
}

char *probe_nft_filter(struct probe_nft_cache *cache,
		       const char *json, probe_nft_keep keep, const void *arg,
		       unsigned int *ntables)
{
	json_t *root = load(cache, json), *a, *kept, *o, *out;
	char *text = NULL;
	size_t i;

	*ntables = 0;
	if (!root || !(a = list_array(root))) {
		json_decref(root);
		errno = EINVAL;
		return NULL;
	}
	kept = json_array();
	json_array_foreach(a, i, o) {
		const char *kind, *table = NULL;
		uint8_t family = 0;
		json_t *body;

		kind = object_of(o, &family, &table, &body);
		if (!kind)
			continue;
		if (strcmp(kind, "metainfo") && !keep(family, table, arg))
			continue;
		*ntables += !strcmp(kind, "table");
		json_array_append(kept, o);
	}
	out = json_pack("{s:o}", "nftables", kept);
	if (out)
		/* compact: one line, control bytes in names escaped */
		text = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	json_decref(root);
	if (!text)
		errno = ENOMEM;
	return text;
}

/* "filter INPUT", "inet fw input": how the tool names a chain elsewhere
 * (out_text.c): ip tables by name alone. */
static void chain_words(char *buf, size_t size, uint8_t family, const char *table,
			const char *chain)
{
	if (family == 2 /* NFPROTO_IPV4 */)
		snprintf(buf, size, "%s %s", table, chain);
	else
		snprintf(buf, size, "%s %s %s", family_name(family), table, chain);
}

/* Rule positions: the list prints a chain's rules in order, but the
 * chains of a table may interleave with sets and other chains. */
struct chain_pos {
	uint8_t family;
	const char *table, *chain;
	unsigned int n;
};

static unsigned int next_pos(struct chain_pos **v, size_t *n, uint8_t family,
			     const char *table, const char *chain)
{
	size_t i;
	struct chain_pos *nv;

	/* a chain's rules come one after another: the last one first,
	 * or 16k rules in 6k chains cost 10^8 comparisons */
	if (*n && (*v)[*n - 1].family == family && !strcmp((*v)[*n - 1].table, table) &&
	    !strcmp((*v)[*n - 1].chain, chain))
		return ++(*v)[*n - 1].n;
	for (i = 0; i < *n; i++)
		if ((*v)[i].family == family && !strcmp((*v)[i].table, table) &&
		    !strcmp((*v)[i].chain, chain)) {
			struct chain_pos hit = (*v)[i];

			/* move it last, where the next rule looks first */
			memmove(&(*v)[i], &(*v)[i + 1], (*n - i - 1) * sizeof(hit));
			hit.n++;
			(*v)[*n - 1] = hit;
			return hit.n;
		}
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return 0;
	*v = nv;
	nv[*n] = (struct chain_pos){ family, table, chain, 1 };
	(*n)++;
	return 1;
}

int probe_nft_scan(struct probe_nft_cache *cache,
		   const char *json, probe_nft_keep keep, const void *arg,
		   struct probe_nft_counts *cnt,
		   int (*note)(const char *line, void *narg), void *narg)
{
	json_t *root = load(cache, json), *a, *o;
	struct chain_pos *pos = NULL;
	size_t i, npos = 0;
	int ret = 0;

	memset(cnt, 0, sizeof(*cnt));
	if (!root || !(a = list_array(root))) {
		json_decref(root);
		errno = EINVAL;
		return -1;
	}
	json_array_foreach(a, i, o) {
		const char *kind, *table = NULL;
		char what[128];
		uint8_t family = 0;
		json_t *body, *chain;
		unsigned int p;

		kind = object_of(o, &family, &table, &body);
		if (!kind || !strcmp(kind, "metainfo") ||
		    (keep && !keep(family, table, arg)))
			continue;
		cnt->tables += !strcmp(kind, "table");
		cnt->chains += !strcmp(kind, "chain");
		if (strcmp(kind, "rule"))
			continue;
		cnt->rules++;
		chain = json_object_get(body, "chain");
		if (!json_is_string(chain))
			continue;
		p = next_pos(&pos, &npos, family, table, json_string_value(chain));
		if (!p) {
			ret = -1;
			errno = ENOMEM;
			break;
		}
		if (note && probe_notes_nft_rule(json_object_get(body, "expr"), what,
						 sizeof(what))) {
			char where[300], line[512];

			chain_words(where, sizeof(where), family, table,
				    json_string_value(chain));
			snprintf(line, sizeof(line), "note: %s (#%u) uses %s; its state "
				 "is not copied", where, p, what);
			if (note(line, narg) < 0) {
				ret = -1;
				break;
			}
		}
	}
	free(pos);
	json_decref(root);
	return ret;
}

struct table_size {
	uint8_t family;
	const char *table;		/* in the parsed list */
	unsigned int chains, rules;
};

int probe_nft_table_sizes(struct probe_nft_cache *cache, const char *json,
			  void (*cb)(uint8_t family, const char *table,
				     unsigned int chains, unsigned int rules, void *arg),
			  void *arg)
{
	json_t *root = load(cache, json), *a, *o;
	struct table_size *t = NULL, *grown;
	size_t i, k, n = 0, last = 0;

	if (!root || !(a = list_array(root))) {
		json_decref(root);
		errno = EINVAL;
		return -1;
	}
	json_array_foreach(a, i, o) {
		const char *kind, *name = NULL;
		uint8_t f = 0;
		json_t *body;

		kind = object_of(o, &f, &name, &body);
		if (!kind || !name || !strcmp(kind, "metainfo"))
			continue;
		/* a list holds a table's objects together: the last one
		 * found is nearly always the one */
		if (last < n && t[last].family == f && !strcmp(t[last].table, name)) {
			k = last;
		} else {
			for (k = 0; k < n; k++)
				if (t[k].family == f && !strcmp(t[k].table, name))
					break;
			if (k == n) {
				grown = realloc(t, (n + 1) * sizeof(*t));
				if (!grown) {
					free(t);
					json_decref(root);
					errno = ENOMEM;
					return -1;
				}
				t = grown;
				t[n++] = (struct table_size){ f, name, 0, 0 };
			}
			last = k;
		}
		t[k].chains += !strcmp(kind, "chain");
		t[k].rules += !strcmp(kind, "rule");
	}
	for (k = 0; k < n; k++)
		cb(t[k].family, t[k].table, t[k].chains, t[k].rules, arg);
	free(t);
	json_decref(root);
	return 0;
}

/* Chains by (family, table, name), sorted, for bsearch: the copy's
 * chains are looked up in the source's, thousands of them. */
struct chain_key {
	uint8_t family;
	const char *table, *name;
};

static int cmp_key(const void *a, const void *b)
{
	const struct chain_key *x = a, *y = b;
	int d;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	d = strcmp(x->table, y->table);
	return d ? d : strcmp(x->name, y->name);
}

/* The chains ("chain" objects, by "name") or the chains that hold rules
 * ("rule" objects, by "chain") of a listing. NULL on ENOMEM. */
static struct chain_key *chain_keys(json_t *a, const char *kind_wanted,
				    const char *field, size_t *n)
{
	struct chain_key *v = calloc(json_array_size(a) + 1, sizeof(*v));
	size_t i;
	json_t *o;

	*n = 0;
	if (!v)
		return NULL;
	json_array_foreach(a, i, o) {
		const char *kind, *t = NULL;
		uint8_t f = 0;
		json_t *body, *nm;

		kind = object_of(o, &f, &t, &body);
		if (!kind || !t || strcmp(kind, kind_wanted))
			continue;
		nm = json_object_get(body, field);
		if (json_is_string(nm))
			v[(*n)++] = (struct chain_key){ f, t, json_string_value(nm) };
	}
	qsort(v, *n, sizeof(*v), cmp_key);
	return v;
}

static bool has_key(const struct chain_key *v, size_t n, uint8_t family,
		    const char *table, const char *name)
{
	struct chain_key k = { family, table, name };

	return bsearch(&k, v, n, sizeof(*v), cmp_key) != NULL;
}

char *probe_nft_extra_chains(struct probe_nft_cache *cache,
			     const char *copy_json, const char *src_json,
			     probe_nft_keep keep, const void *arg)
{
	json_t *copy = load(cache, copy_json), *src = load(cache, src_json);
	json_t *ca = copy ? list_array(copy) : NULL, *sa = src ? list_array(src) : NULL;
	json_t *cmds = json_array(), *o, *out = NULL;
	struct chain_key *src_chains = NULL, *ruled = NULL;
	size_t n_src = 0, n_ruled = 0;
	char *text = NULL;
	size_t i;

	if (!ca || !sa || !cmds)
		goto out;
	src_chains = chain_keys(sa, "chain", "name", &n_src);
	ruled = chain_keys(ca, "rule", "chain", &n_ruled);
	if (!src_chains || !ruled)
		goto out;
	json_array_foreach(ca, i, o) {
		const char *kind, *t = NULL, *name;
		uint8_t f = 0;
		json_t *body, *n;

		kind = object_of(o, &f, &t, &body);
		n = kind ? json_object_get(body, "name") : NULL;
		if (!kind || strcmp(kind, "chain") || !json_is_string(n) || !keep(f, t, arg))
			continue;
		name = json_string_value(n);
		if (has_key(src_chains, n_src, f, t, name) ||
		    has_key(ruled, n_ruled, f, t, name))
			continue;
		json_array_append_new(cmds, json_pack("{s:{s:{s:s,s:s,s:s}}}", "delete",
						      "chain", "family", family_name(f),
						      "table", t, "name", name));
	}
	if (json_array_size(cmds)) {
		out = json_pack("{s:O}", "nftables", cmds);
		text = out ? json_dumps(out, JSON_COMPACT) : NULL;
	}
out:
	free(src_chains);
	free(ruled);
	json_decref(out);
	json_decref(cmds);
	json_decref(copy);
	json_decref(src);
	return text;
}

int probe_nft_tables(struct probe_nft_cache *cache, const char *json,
		     void (*cb)(uint8_t family, const char *table, void *arg),
		     void *arg)
{
	json_t *root = load(cache, json), *a, *o;
	size_t i;

	if (!root || !(a = list_array(root))) {
		json_decref(root);
		errno = EINVAL;
		return -1;
	}
	json_array_foreach(a, i, o) {
		const char *kind, *t = NULL;
		uint8_t f = 0;
		json_t *body;

		kind = object_of(o, &f, &t, &body);
		if (kind && !strcmp(kind, "table"))
			cb(f, t, arg);
	}
	json_decref(root);
	return 0;
}

int probe_nft_base_chains(struct probe_nft_cache *cache, const char *json,
			  int (*cb)(uint8_t family, const char *table, const char *chain,
				    const char *hook, int32_t prio, void *arg),
			  void *arg)
{
	json_t *root = load(cache, json), *a, *o;
	size_t i;
	int ret = 0;

	if (!root || !(a = list_array(root))) {
		json_decref(root);
		errno = EINVAL;
		return -1;
	}
	json_array_foreach(a, i, o) {
		const char *kind, *t = NULL;
		uint8_t f = 0;
		json_t *body, *n, *h, *p;

		kind = object_of(o, &f, &t, &body);
		if (!kind || strcmp(kind, "chain"))
			continue;
		n = json_object_get(body, "name");
		h = json_object_get(body, "hook");
		p = json_object_get(body, "prio");
		if (!json_is_string(n) || !json_is_string(h) || !json_is_integer(p))
			continue;
		ret = cb(f, t, json_string_value(n), json_string_value(h),
			 (int32_t)json_integer_value(p), arg);
		if (ret < 0)
			break;
	}
	json_decref(root);
	return ret;
}
