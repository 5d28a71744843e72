#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "out.h"
#include "out_json.h"
#include "safe_text.h"
#include "summary.h"

/* One rule (pos > 0) or one chain's policy (pos 0) that packets hit. */
struct sum_rule {
	size_t chain;			/* index into chains */
	unsigned int pos;
	char *text;			/* NULL when unknown; the policy's verdict */
	unsigned long packets, last;	/* last: packet number, counted once */
};

/* A chain the packets crossed, named like an event. */
struct sum_chain {
	struct trace_event key;		/* source, family, table, chain only */
	char *label;			/* table as shown: "nat", "inet fw" */
	unsigned int nrules;		/* from the snapshot when first seen */
	unsigned long packets, last;
};

const struct trace_event *summary_chain_key(const struct summary *sm, size_t i)
{
	return i < sm->nchains ? &sm->chains[i].key : NULL;
}

static bool same_chain(const struct trace_event *a, const struct trace_event *b)
{
	return a->source == b->source && a->family == b->family &&
	       !strcmp(a->table, b->table) && !strcmp(a->chain, b->chain);
}

/* As a step's "source" in JSON. */
static const char *source_name(const struct trace_event *key)
{
	return key->source == EV_SRC_XT ? "x_tables" : "nftables";
}

/* The chain of a step as the snapshots name chains: an event's source,
 * family, table and chain, from what the story keeps of its event. */
static void step_key(const struct story_step *st, struct trace_event *key)
{
	memset(key, 0, sizeof(*key));
	key->source = st->legacy ? EV_SRC_XT : EV_SRC_NFT;
	key->family = st->family;
	snprintf(key->table, sizeof(key->table), "%s", st->table_name);
	snprintf(key->chain, sizeof(key->chain), "%s", st->chain);
}

static struct sum_chain *find_chain(struct summary *sm, const struct story_step *st,
				    struct resolver *r, size_t *idx)
{
	const struct rs_chain *c;
	struct trace_event key;
	struct sum_chain *ch;
	size_t i;

	step_key(st, &key);
	for (i = 0; i < sm->nchains; i++)
		if (same_chain(&sm->chains[i].key, &key)) {
			*idx = i;
			return &sm->chains[i];
		}
	if (sm->nchains == sm->cap_chains) {
		size_t cap = sm->cap_chains ? 2 * sm->cap_chains : 16;
		struct sum_chain *n = realloc(sm->chains, cap * sizeof(*n));

		if (!n)
			return NULL;
		sm->chains = n;
		sm->cap_chains = cap;
	}
	ch = &sm->chains[sm->nchains];
	memset(ch, 0, sizeof(*ch));
	ch->key = key;
	/* "legacy nat", as the steps show it: an iptables-nft nat table
	 * may sit beside it under the same names */
	if (asprintf(&ch->label, "%s%s", out_backend(st), st->table) < 0) {
		ch->label = NULL;
		return NULL;
	}
	c = resolver_chain(r, &ch->key);
	ch->nrules = c ? c->nrules : 0;
	*idx = sm->nchains++;
	return ch;
}

static struct sum_rule *find_rule(struct summary *sm, size_t chain,
				  unsigned int pos, const char *text)
{
	struct sum_rule *ru;
	size_t i;

	for (i = 0; i < sm->nrules; i++) {
		ru = &sm->rules[i];
		if (ru->chain == chain && ru->pos == pos &&
		    (ru->text && text ? !strcmp(ru->text, text) : ru->text == text))
			return ru;
	}
	if (sm->nrules == sm->cap_rules) {
		size_t cap = sm->cap_rules ? 2 * sm->cap_rules : 32;
		struct sum_rule *n = realloc(sm->rules, cap * sizeof(*n));

		if (!n)
			return NULL;
		sm->rules = n;
		sm->cap_rules = cap;
	}
	ru = &sm->rules[sm->nrules];
	memset(ru, 0, sizeof(*ru));
	ru->chain = chain;
	ru->pos = pos;
	if (text && !(ru->text = strdup(text)))
		return NULL;
	sm->nrules++;
	return ru;
}

int summary_add(struct summary *sm, const struct story *s, struct resolver *r)
{
	size_t i, ci;

	sm->packets++;
	for (i = 0; i < s->nsteps; i++) {
		const struct story_step *st = &s->steps[i];
		struct sum_chain *ch;
		struct sum_rule *ru;

		if (st->kind == STEP_PACKET)
			continue;
		if (!(ch = find_chain(sm, st, r, &ci)))
			return -1;
		if (ch->last != sm->packets) {
			ch->last = sm->packets;
			ch->packets++;
		}
		/* a user chain's end crossed it, and is no rule; a rule no
		 * longer in the ruleset has no position */
		if (st->kind == STEP_RETURN || (st->kind == STEP_RULE && !st->pos))
			continue;
		ru = find_rule(sm, ci, st->kind == STEP_RULE ? st->pos : 0,
			       st->kind == STEP_RULE ? st->text :
			       step_verdict_name(st));
		if (!ru)
			return -1;
		if (ru->last != sm->packets) {
			ru->last = sm->packets;
			ru->packets++;
		}
	}
	return 0;
}

static bool was_hit(const struct summary *sm, size_t chain, unsigned int pos)
{
	size_t i;

	for (i = 0; i < sm->nrules; i++)
		if (sm->rules[i].chain == chain && sm->rules[i].pos == pos)
			return true;
	return false;
}

static void put(FILE *f, const char *s)
{
	fput_visible(s, f);
}

int summary_print_text(FILE *f, const struct summary *sm, struct resolver *r)
{
	struct rule_view rv;
	size_t i, c;
	unsigned int pos;
	bool any = false;

	fprintf(f, "Summary of %lu packet%s\n", sm->packets, sm->packets == 1 ? "" : "s");
	fputs("  rules hit (packets, rule):\n", f);
	for (i = 0; i < sm->nrules; i++) {
		const struct sum_rule *ru = &sm->rules[i];
		const struct sum_chain *ch = &sm->chains[ru->chain];

		fprintf(f, "  %8lu  ", ru->packets);
		put(f, ch->label);
		fputc(' ', f);
		put(f, ch->key.chain);
		if (ru->pos) {
			fprintf(f, " (#%u) ", ru->pos);
			put(f, ru->text ? ru->text : "(rule text unavailable)");
		} else {
			fputs(" policy ", f);
			put(f, ru->text);
		}
		fputc('\n', f);
	}
	fputs("  chains crossed (packets, chain, rules in its snapshot):\n", f);
	for (c = 0; c < sm->nchains; c++) {
		const struct sum_chain *ch = &sm->chains[c];

		fprintf(f, "  %8lu  ", ch->packets);
		put(f, ch->label);
		fputc(' ', f);
		put(f, ch->key.chain);
		fprintf(f, " (%u rule%s)\n", ch->nrules, ch->nrules == 1 ? "" : "s");
	}
	fputs("  rules of those chains no traced packet hit:\n", f);
	for (c = 0; c < sm->nchains; c++) {
		const struct sum_chain *ch = &sm->chains[c];

		for (pos = 1; pos <= ch->nrules; pos++) {
			if (was_hit(sm, c, pos))
				continue;
			any = true;
			fputs("            ", f);
			put(f, ch->label);
			fputc(' ', f);
			put(f, ch->key.chain);
			fprintf(f, " (#%u) ", pos);
			put(f, resolver_rule_at(r, &ch->key, pos, &rv) && rv.text ?
			    rv.text : "(rule text unavailable)");
			fputc('\n', f);
		}
	}
	if (!any)
		fputs("            (none)\n", f);
	return ferror(f) ? -1 : 0;
}

static json_t *str_or_null(const char *s)
{
	json_t *j;
	char *valid;

	if (!s)
		return json_null();
	if ((j = json_string(s)))
		return j;
	valid = utf8_valid_dup(s);
	j = valid ? json_string(valid) : NULL;
	free(valid);
	return j ? j : json_null();
}

int summary_print_json(FILE *f, const struct summary *sm, struct resolver *r)
{
	json_t *top = json_object(), *o = json_object(), *rules = json_array(),
	       *chains = json_array();
	struct rule_view rv;
	size_t i, c;
	unsigned int pos;
	char *text;
	int ret;

	json_object_set_new(o, "schema_version", json_integer(JSON_SCHEMA_VERSION));
	json_object_set_new(o, "packets", json_integer((json_int_t)sm->packets));
	json_object_set_new(o, "traced", sm->traced < 0 ? json_null() :
			    json_integer((json_int_t)sm->traced));
	json_object_set_new(o, "lost", sm->lost < 0 ? json_null() :
			    json_integer((json_int_t)sm->lost));
	for (i = 0; i < sm->nrules; i++) {
		const struct sum_rule *ru = &sm->rules[i];
		const struct sum_chain *ch = &sm->chains[ru->chain];
		json_t *j = json_object();

		json_object_set_new(j, "source", json_string(source_name(&ch->key)));
		json_object_set_new(j, "family", json_string(family_name(ch->key.family)));
		json_object_set_new(j, "table", str_or_null(ch->key.table));
		json_object_set_new(j, "chain", str_or_null(ch->key.chain));
		json_object_set_new(j, "type", json_string(ru->pos ? "rule" : "policy"));
		json_object_set_new(j, "position", ru->pos ? json_integer(ru->pos) : json_null());
		json_object_set_new(j, "rule", ru->pos ? str_or_null(ru->text) : json_null());
		json_object_set_new(j, "verdict", ru->pos ? json_null() : str_or_null(ru->text));
		json_object_set_new(j, "packets", json_integer((json_int_t)ru->packets));
		json_array_append_new(rules, j);
	}
	for (c = 0; c < sm->nchains; c++) {
		const struct sum_chain *ch = &sm->chains[c];
		json_t *j = json_object(), *miss = json_array();

		json_object_set_new(j, "source", json_string(source_name(&ch->key)));
		json_object_set_new(j, "family", json_string(family_name(ch->key.family)));
		json_object_set_new(j, "table", str_or_null(ch->key.table));
		json_object_set_new(j, "chain", str_or_null(ch->key.chain));
		json_object_set_new(j, "packets", json_integer((json_int_t)ch->packets));
		json_object_set_new(j, "rules", json_integer(ch->nrules));
		for (pos = 1; pos <= ch->nrules; pos++) {
			json_t *m;

			if (was_hit(sm, c, pos))
				continue;
			m = json_object();
			json_object_set_new(m, "position", json_integer(pos));
			json_object_set_new(m, "rule", resolver_rule_at(r, &ch->key, pos, &rv) ?
					    str_or_null(rv.text) : json_null());
			json_array_append_new(miss, m);
		}
		json_object_set_new(j, "not_hit", miss);
		json_array_append_new(chains, j);
	}
	json_object_set_new(o, "rules", rules);
	json_object_set_new(o, "chains", chains);
	json_object_set_new(top, "summary", o);
	text = json_dumps(top, JSON_COMPACT);
	json_decref(top);
	ret = text && fputs(text, f) != EOF && fputc('\n', f) != EOF ? 0 : -1;
	free(text);
	return ret;
}

void summary_free(struct summary *sm)
{
	size_t i;

	for (i = 0; i < sm->nrules; i++)
		free(sm->rules[i].text);
	for (i = 0; i < sm->nchains; i++)
		free(sm->chains[i].label);
	free(sm->rules);
	free(sm->chains);
	memset(sm, 0, sizeof(*sm));
}
