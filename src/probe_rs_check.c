/* The probe copy's rulesets once loaded: held against the source (the
 * save tools' output, the census's chain counts), trimmed of the chains
 * iptables-nft-restore adds, counted for the opening line, and the notes
 * on what the copy cannot reproduce. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter.h>

#include "arm.h"
#include "nft_census.h"
#include "probe_nft.h"
#include "probe_notes.h"
#include "probe_rulesets.h"
#include "probe_xt.h"
#include "xt_tables.h"

static bool is_xt_table(uint8_t family, const char *table, const void *arg)
{
	const struct probe_rulesets *rs = arg;

	return table_ref_has(rs->xt_tables, rs->n_xt, family, table);
}

/* After the iptables-nft restore: the copy's nf_tables as the source's.
 * A chain of an iptables-nft table that the copy has and the source has
 * not can only be a built-in one the restore made; it goes when it is
 * empty. copy gets the copy's census as it is then (chains only). */
int probe_rs_prune(struct probe_ctx *c, const struct probe_rulesets *rs,
		   struct nft_census *copy)
{
	struct probe_nft_chain_ref *del = NULL, *grown;
	size_t i, j, n = 0;
	char msg[512], *cmds;
	int ret = 0;

	if (nft_census_read(copy, rs->n_files > 0) < 0)
		return probe_fail(c, "probe: cannot read the copy's ruleset: %s",
				  strerror(errno));
	if (!rs->xtnft[0] && !rs->xtnft[1])
		return 0;
	for (i = 0; i < copy->n && !ret; i++) {
		const struct nft_census_table *t = &copy->t[i];
		const struct nft_census_table *st = nft_census_table(&rs->src, t->family,
								     t->name);
		unsigned int rules;

		if (!st || !is_xt_table(t->family, t->name, rs))
			continue;
		for (j = 0; j < t->n && !ret; j++) {
			if (t->c[j].bound || nft_census_chain(st, t->c[j].name))
				continue;
			if (nft_census_count_rules(t->family, t->name, t->c[j].name,
						   &rules) < 0)
				ret = probe_fail(c, "probe: cannot read the copy's ruleset: %s",
						 strerror(errno));
			else if (rules)
				continue;
			else if (!(grown = realloc(del, (n + 1) * sizeof(*del))))
				ret = probe_fail(c, "probe: out of memory");
			else
				(del = grown)[n++] = (struct probe_nft_chain_ref){
					t->family, t->name, t->c[j].name };
		}
	}
	if (ret || !n) {
		free(del);
		return ret;
	}
	cmds = probe_nft_delete_chains(del, n);
	free(del);
	if (!cmds)
		return probe_fail(c, "probe: out of memory");
	if (probe_nft_load_json(cmds, msg, sizeof(msg)) < 0)
		ret = probe_fail(c, "probe: cannot trim the copy's iptables-nft chains: "
				 "nft: %s", msg);
	free(cmds);
	if (!ret) {
		/* what the counts and notes are taken from */
		nft_census_free(copy);
		if (nft_census_read(copy, rs->n_files > 0) < 0)
			ret = probe_fail(c, "probe: cannot read the copy's ruleset: %s",
					 strerror(errno));
	}
	return ret;
}

static bool same_text(const char *a, const char *b, char *(*normal)(const char *))
{
	char *na = normal(a), *nb = normal(b);
	bool same = na && nb && !strcmp(na, nb);

	free(na);
	free(nb);
	return same;
}

/* Read back from the copy what the restore tools made of the save
 * output: a restore that read a line differently from what the kernel
 * holds (a raw newline or quote in a name) shows here, and the copy is
 * refused rather than trusted. */
int probe_rs_verify(struct probe_ctx *c, const struct probe_rulesets *rs)
{
	static const char *const ipset_save[] = { "ipset", "save", NULL };
	char msg[600], *out = NULL;
	unsigned int i;
	int v6;

	/* One save per family, not one per table: each save reads the
	 * whole ruleset (a second at 16k rules). The tables come out as
	 * blocks, compared sorted; a table the copy holds that the source
	 * text has not (or the reverse) is a difference too. */
	for (v6 = 0; v6 < 2; v6++) {
		char *want = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&want, &len);

		if (!f)
			return probe_fail(c, "probe: out of memory");
		for (i = 0; i < rs->n_xt; i++)
			if (rs->xt_text[i] && (rs->xt_tables[i].family == NFPROTO_IPV6) == v6)
				fputs(rs->xt_text[i], f);
		if (fclose(f) == EOF || !want)
			return probe_fail(c, "probe: out of memory");
		if (!len) {
			free(want);
			continue;
		}
		if (probe_xt_run_out(probe_rs_tool(false, v6, false), NULL, &out, msg, sizeof(msg)) < 0) {
			free(want);
			return probe_fail(c, "probe: cannot check the copy: %s", msg);
		}
		if (!same_text(want, out, probe_xt_normal)) {
			free(want);
			free(out);
			return probe_fail(c, "probe: the %s iptables-nft tables do not copy "
					  "exactly (a name or comment holding a newline or "
					  "quote?); refusing an inexact copy", probe_rs_fam_word[v6]);
		}
		free(want);
		free(out);
	}
	for (v6 = 0; v6 < 2; v6++) {
		if (rs->legacy[v6]) {
			if (probe_xt_run_out(probe_rs_tool(true, v6, false), NULL, &out, msg, sizeof(msg)) < 0)
				return probe_fail(c, "probe: cannot check the copy: %s", msg);
			if (!same_text(rs->legacy[v6], out, probe_xt_normal)) {
				free(out);
				return probe_fail(c, "probe: the %s legacy iptables rules do not "
						  "copy exactly (a name or comment holding a "
						  "newline or quote?); refusing an inexact copy",
						  probe_rs_fam_word[v6]);
			}
			free(out);
		}
	}
	if (rs->ipset && rs->ipset[0]) {
		if (probe_run_out(ipset_save, &out, msg, sizeof(msg)) < 0)
			return probe_fail(c, "probe: cannot check the copy: %s", msg);
		if (!same_text(rs->ipset, out, probe_ipset_normal)) {
			free(out);
			return probe_fail(c, "probe: the ipsets do not copy exactly (a set "
					  "name holding a newline?); refusing an inexact copy");
		}
		free(out);
	}
	return 0;
}

static int add_note(const char *line, void *arg)
{
	return probe_note_add(arg, line) < 0 ? -1 : 0;
}

/* Tables iptables-nft-restore made in the copy: every ip/ip6 table with
 * an iptables name, in a family that got iptables-nft rules. */
struct xt_loaded {
	bool nft[2];
};

static bool not_xt_loaded(uint8_t family, const char *table, const void *arg)
{
	const struct xt_loaded *l = arg;

	if (arm_is_own_table(table))
		return false;
	if ((family == NFPROTO_IPV4 || family == NFPROTO_IPV6) && xt_table_find(table) &&
	    l->nft[family == NFPROTO_IPV6])
		return false;
	return true;
}

static int xt_notes(struct probe_ctx *c, const char *text, int v6, bool legacy)
{
	struct probe_copy *pc = c->pc;
	unsigned int t = 0, ch = 0, r = 0;

	if (!text)
		return 0;
	if (legacy) {
		probe_xt_counts(text, probe_rs_family[v6], &t, &ch, &r);
		pc->tables += t;
		pc->chains += ch;
		pc->rules += r;
	}
	if (probe_notes_xt_scan(text, probe_rs_family[v6], legacy, add_note, pc) < 0)
		return probe_fail(c, "probe: out of memory");
	return 0;
}

/* Two base chains at one hook and priority run in the reverse order of
 * their making. The copy makes its legacy tables after every nf_tables
 * chain, so a legacy chain runs first there; in the traced namespace
 * that depends on history the copy cannot see. Say so per pair. */
struct same_prio {
	struct probe_ctx *c;
	const struct ruleset *legacy;
};

static int note_same_prio(const struct same_prio *sp, uint8_t family, const char *table,
			  const struct nft_census_chain *ch)
{
	const char *chain = ch->name;
	enum hook h = ch->hook;
	int32_t prio = ch->prio;
	uint32_t i;

	if (h == HOOK_NONE || arm_is_own_table(table))
		return 0;
	for (i = 0; i < sp->legacy->nchains; i++) {
		const struct rs_chain *l = &sp->legacy->chains[i];

		if (l->hook != h || l->prio != prio ||
		    (family != NFPROTO_INET && family != l->family))
			continue;
		if (probe_note(sp->c, "legacy %s %s and %s %s %s run at the same hook and "
			       "priority; the copy runs the legacy one first, the traced "
			       "namespace may not", l->table, l->name, family_name(family),
			       table, chain) < 0)
			return -1;
	}
	return 0;
}

static int legacy_order_notes(struct probe_ctx *c, const struct probe_rulesets *rs,
			      const struct nft_census *copy)
{
	struct ruleset legacy;
	struct same_prio sp = { c, &legacy };
	size_t i, j;
	int v6, ret = 0;

	ruleset_init(&legacy);
	for (v6 = 0; v6 < 2 && !ret; v6++)
		if (rs->legacy[v6])
			ret = rules_xt_parse(rs->legacy[v6], probe_rs_family[v6], &legacy);
	for (i = 0; i < rs->n_files && !ret; i++)
		if (rs->files[i].kind != PROBE_RS_NFT && rs->files[i].legacy)
			ret = rules_xt_parse(rs->files[i].text,
					     probe_rs_family[rs->files[i].kind == PROBE_RS_XT6],
					     &legacy);
	if (ret < 0)
		ret = probe_fail(c, "probe: out of memory");
	for (i = 0; legacy.nchains && i < copy->n && !ret; i++)
		for (j = 0; j < copy->t[i].n && !ret; j++)
			ret = note_same_prio(&sp, copy->t[i].family, copy->t[i].name,
					     &copy->t[i].c[j]);
	ruleset_clear(&legacy);
	return ret;
}

/* The copy's nf_tables counts. With --ruleset files they are the copy's
 * own (its census with rules). Without, every table came from the
 * source: the rules are counted there (the census dump that costs),
 * and the copy must have as many chains in each as the source has. */
static int nft_counts(struct probe_ctx *c, const struct probe_rulesets *rs,
		      const struct nft_census *copy)
{
	struct probe_copy *pc = c->pc;
	unsigned int src_tables = 0, copied = 0;
	size_t i;

	for (i = 0; i < copy->n; i++) {
		const struct nft_census_table *t = &copy->t[i], *st;

		if (arm_is_own_table(t->name))
			continue;
		copied++;
		pc->chains += t->chains;
		if (rs->n_files) {
			pc->rules += t->rules;
			continue;
		}
		st = nft_census_table(&rs->src, t->family, t->name);
		if (!st || st->chains != t->chains)
			return probe_fail(c, "probe: the copy's %s table has %u chains where "
					  "the traced namespace has %u; refusing an inexact "
					  "copy", family_name(t->family), t->chains,
					  st ? st->chains : 0);
		pc->rules += st->rules;
	}
	pc->tables += copied;
	/* and no table of the source is missing from the copy */
	for (i = 0; !rs->n_files && i < rs->src.n; i++)
		src_tables += !arm_is_own_table(rs->src.t[i].name);
	if (!rs->n_files && src_tables != copied)
		return probe_fail(c, "probe: the copy has %u nftables tables where the "
				  "traced namespace has %u; refusing an inexact copy",
				  copied, src_tables);
	return 0;
}

/* The notes of the copy's native rules: those of the source's listing,
 * which the copy loaded; or with an nft --ruleset file, the copy's own
 * tables that iptables-nft-restore did not make. */
static int nft_notes(struct probe_ctx *c, const struct probe_rulesets *rs,
		     const struct nft_census *copy)
{
	struct xt_loaded loaded = { { rs->xtnft[0], rs->xtnft[1] } };
	struct probe_nft_listing *l = NULL;
	size_t i;
	int ret = 0;

	if (rs->native)
		return probe_nft_listing_notes(rs->native, add_note, c->pc) < 0 ?
			probe_fail(c, "probe: out of memory") : 0;
	for (i = 0; i < rs->n_files; i++)
		if (rs->files[i].kind != PROBE_RS_NFT && !rs->files[i].legacy)
			loaded.nft[rs->files[i].kind == PROBE_RS_XT6] = true;
	ret = probe_rs_list_native(c, copy, not_xt_loaded, &loaded, PROBE_RS_BOUND_NOTE,
				   &l);
	if (!ret && probe_nft_listing_notes(l, add_note, c->pc) < 0)
		ret = probe_fail(c, "probe: out of memory");
	probe_nft_listing_free(l);
	return ret;
}

/* The opening line's counts and the notes, from what the copy holds
 * now: nf_tables from its census, legacy tables from what was restored
 * (the copy's legacy tables are exactly that, as verified). */
int probe_rs_count(struct probe_ctx *c, const struct probe_rulesets *rs,
		   const struct nft_census *copy)
{
	size_t i;
	int v6, ret;

	ret = nft_counts(c, rs, copy) < 0 || nft_notes(c, rs, copy) < 0 ||
	      legacy_order_notes(c, rs, copy) < 0 ? -1 : 0;
	for (i = 0; i < rs->n_xt && !ret; i++)
		ret = xt_notes(c, rs->xt_text[i], rs->xt_tables[i].family == NFPROTO_IPV6,
			       false);
	for (v6 = 0; v6 < 2 && !ret; v6++)
		ret = xt_notes(c, rs->legacy[v6], v6, true);
	for (i = 0; i < rs->n_files && !ret; i++)
		if (rs->files[i].kind != PROBE_RS_NFT)
			ret = xt_notes(c, rs->files[i].text, rs->files[i].kind == PROBE_RS_XT6,
				       rs->files[i].legacy);
	return ret;
}
