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

struct listed {
	uint8_t family;
	char *name;
	json_t *root;			/* {"nftables": [...]}, as nft listed it */
};

struct probe_nft_listing {
	struct listed *t;
	size_t n;
};

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

struct probe_nft_listing *probe_nft_listing_new(void)
{
	return calloc(1, sizeof(struct probe_nft_listing));
}

void probe_nft_listing_free(struct probe_nft_listing *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->t[i].name);
		json_decref(l->t[i].root);
	}
	free(l->t);
	free(l);
}

size_t probe_nft_listing_tables(const struct probe_nft_listing *l)
{
	return l->n;
}

/* {"list": {"table": {...}}} as JSON: the name goes as a string value,
 * never into command text. */
static char *list_cmd(uint8_t family, const char *table)
{
	json_t *cmd = json_pack("{s:[{s:{s:{s:s,s:s}}}]}", "nftables", "list", "table",
				"family", family_name(family), "name", table);
	char *text = cmd ? json_dumps(cmd, JSON_COMPACT) : NULL;

	json_decref(cmd);
	return text;
}

int probe_nft_listing_add(struct probe_nft_listing *l, uint8_t family,
			  const char *table, char *msg, size_t msglen)
{
	struct nft_ctx *nft = json_ctx();
	char *cmd = list_cmd(family, table), *name = strdup(table);
	struct listed *grown;
	json_t *root = NULL;
	int ret = -1;

	if (!nft || !cmd || !name) {
		first_line(nft ? "out of memory" : "cannot start libnftables", msg, msglen);
		goto out;
	}
	if (nft_run_cmd_from_buffer(nft, cmd) != 0) {
		first_line(nft_ctx_get_error_buffer(nft), msg, msglen);
		goto out;
	}
	root = json_loads(nft_ctx_get_output_buffer(nft), 0, NULL);
	grown = root ? realloc(l->t, (l->n + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		first_line(root ? "out of memory" : "nft listed what is not JSON", msg,
			   msglen);
		goto out;
	}
	l->t = grown;
	l->t[l->n++] = (struct listed){ family, name, root };
	name = NULL;
	root = NULL;
	ret = 0;
out:
	json_decref(root);
	free(name);
	free(cmd);
	if (nft)
		nft_ctx_free(nft);
	return ret;
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

char *probe_nft_listing_json(const struct probe_nft_listing *l, uint8_t family,
			     const char *table)
{
	json_t *all = NULL, *a, *o;
	char *text = NULL;
	size_t i, k;

	for (i = 0; table && i < l->n; i++)
		if (l->t[i].family == family && !strcmp(l->t[i].name, table))
			/* compact: one line, control bytes in names escaped */
			return json_dumps(l->t[i].root, JSON_COMPACT);
	if (table) {
		errno = ENOENT;
		return NULL;
	}
	if (!(all = json_array()))
		goto out;
	for (i = 0; i < l->n; i++) {
		if (!(a = list_array(l->t[i].root)))
			continue;
		json_array_foreach(a, k, o) {
			const char *t = NULL;
			uint8_t f = 0;
			json_t *body;
			const char *kind = object_of(o, &f, &t, &body);

			/* one metainfo, the first listing's */
			if (kind && (strcmp(kind, "metainfo") || !i) &&
			    json_array_append(all, o) < 0)
				goto out;
		}
	}
	o = json_pack("{s:O}", "nftables", all);
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
out:
	json_decref(all);
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

/* The rules of one listed table, numbered per chain as the story
 * numbers them. */
static int table_notes(json_t *a, int (*note)(const char *line, void *narg),
		       void *narg)
{
	struct chain_pos *pos = NULL;
	size_t i, npos = 0;
	json_t *o;
	int ret = 0;

	json_array_foreach(a, i, o) {
		const char *kind, *table = NULL;
		char what[128], where[300], line[512];
		uint8_t family = 0;
		json_t *body, *chain;
		unsigned int p;

		kind = object_of(o, &family, &table, &body);
		if (!kind || strcmp(kind, "rule"))
			continue;
		chain = json_object_get(body, "chain");
		if (!json_is_string(chain))
			continue;
		p = next_pos(&pos, &npos, family, table, json_string_value(chain));
		if (!p) {
			ret = -1;
			errno = ENOMEM;
			break;
		}
		if (!probe_notes_nft_rule(json_object_get(body, "expr"), what, sizeof(what)))
			continue;
		chain_words(where, sizeof(where), family, table, json_string_value(chain));
		snprintf(line, sizeof(line), "note: %s (#%u) uses %s; its state is not "
			 "copied", where, p, what);
		if ((ret = note(line, narg)) < 0)
			break;
	}
	free(pos);
	return ret;
}

int probe_nft_listing_notes(const struct probe_nft_listing *l,
			    int (*note)(const char *line, void *narg), void *narg)
{
	size_t i;
	json_t *a;

	for (i = 0; i < l->n; i++)
		if ((a = list_array(l->t[i].root)) && table_notes(a, note, narg) < 0)
			return -1;
	return 0;
}

char *probe_nft_delete_chains(const struct probe_nft_chain_ref *v, size_t n)
{
	json_t *cmds = json_array(), *out = NULL;
	char *text = NULL;
	size_t i;

	for (i = 0; cmds && i < n; i++)
		if (json_array_append_new(cmds, json_pack("{s:{s:{s:s,s:s,s:s}}}", "delete",
							  "chain", "family",
							  family_name(v[i].family),
							  "table", v[i].table,
							  "name", v[i].name)) < 0)
			goto out;
	out = cmds ? json_pack("{s:O}", "nftables", cmds) : NULL;
	text = out ? json_dumps(out, JSON_COMPACT) : NULL;
out:
	json_decref(out);
	json_decref(cmds);
	return text;
}
