#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/netfilter.h>

#include "arm.h"
#include "nft_census.h"
#include "probe_nft.h"
#include "probe_rulesets.h"
#include "probe_xt.h"
#include "xt_tables.h"

#define RS_FILE_MAX	(256u << 20)	/* a --ruleset file larger than this is a mistake */

const char *probe_rs_tool(bool legacy, int v6, bool restore)
{
	return xt_tool_name(legacy ? XT_LEGACY : XT_NFT, v6,
			    restore ? XT_TOOL_RESTORE : XT_TOOL_SAVE);
}

const uint8_t probe_rs_family[2] = { NFPROTO_IPV4, NFPROTO_IPV6 };
const char *const probe_rs_fam_word[2] = { "IPv4", "IPv6" };

/* ---- reading ------------------------------------------------------- */

static char *read_file(const char *path, size_t *len, char *msg, size_t msglen)
{
	struct stat st;
	char *buf = NULL;
	size_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(msg, msglen, "%s", strerror(errno));
		goto err;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > RS_FILE_MAX) {
		snprintf(msg, msglen, "%s", S_ISREG(st.st_mode) ? "larger than 256 MiB"
			 : "not a regular file");
		goto err;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(msg, msglen, "out of memory");
		goto err;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + off, (size_t)st.st_size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	if (memchr(buf, '\0', off)) {
		snprintf(msg, msglen, "holds a NUL byte: not a ruleset");
		goto err;
	}
	close(fd);
	*len = off;
	return buf;
err:
	free(buf);
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int read_files(struct probe_ctx *c, const struct probe_ruleset_file *files,
		      size_t n, struct probe_rulesets *rs)
{
	size_t i;

	rs->files = calloc(n ? n : 1, sizeof(*rs->files));
	if (!rs->files)
		return probe_fail(c, "probe: out of memory");
	for (i = 0; i < n; i++) {
		struct probe_rs_file *f = &rs->files[rs->n_files];
		char msg[256];

		f->path = files[i].path;
		f->text = read_file(f->path, &f->len, msg, sizeof(msg));
		if (!f->text)
			return probe_fail(c, "probe: cannot read --ruleset %s: %s",
					  f->path, msg);
		rs->n_files++;
		f->kind = probe_rsfile_kind(f->path, f->text);
		if (f->kind == PROBE_RS_NFT)
			rs->nft_replaced = true;
		else
			rs->xt_replaced[f->kind == PROBE_RS_XT6] = true;
	}
	return 0;
}

static bool keep_native(uint8_t family, const char *table, const void *arg)
{
	const struct probe_rulesets *rs = arg;

	return !arm_is_own_table(table) &&
	       !table_ref_has(rs->xt_tables, rs->n_xt, family, table);
}

/* "# Table `filter' is incompatible, use 'nft' tool." and "# Table
 * `filter' contains incompatible base-chains ...": only a comment line
 * of the save tool's own, never a word in a rule, decides. */
static bool incompatible(const char *out)
{
	const char *p = out;

	for (; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (!strncmp(p, "# Table `", 9) && memmem(p, len, "incompatible", 12))
			return true;
	}
	return false;
}

/* iptables-nft-save, table by table: a table it calls incompatible
 * (native nft rules in "ip filter") is native nft to us, copied as JSON
 * with the others. What it prints must stand for as many chains and
 * rules as the kernel holds, or a name it printed raw broke a line. */
static int read_xtnft_table(struct probe_ctx *c, struct probe_rulesets *rs, int v6,
			    const char *table, unsigned int kchains, unsigned int krules,
			    bool given, char *part)
{
	const char *tool = probe_rs_tool(false, v6, false);
	unsigned int tables = 0, chains = 0, rules = 0;
	char *out = part, msg[600];

	if (given && !out)
		return 0;	/* not printed: incompatible, copied as JSON */
	if (!given && probe_xt_run_out(tool, table, &out, msg, sizeof(msg)) < 0) {
		if (errno == ENOENT)
			return probe_fail(c, "probe: %s is not installed; it is needed to "
					  "copy the iptables-nft table %s", tool, table);
		return 0;	/* it cannot read it: native rules, copied as JSON */
	}
	if (incompatible(out)) {
		free(out);
		return 0;
	}
	if (rs->n_xt == RULES_XT_MAX_TABLES) {
		free(out);
		return probe_fail(c, "probe: too many iptables-nft tables");
	}
	if (!rs->xt_replaced[v6]) {
		probe_xt_counts(out, probe_rs_family[v6], &tables, &chains, &rules);
		/* the tool prints every built-in chain, the kernel has
		 * only those iptables-nft made */
		if (kchains > chains || krules != rules) {
			free(out);
			return probe_fail(c, "probe: %s prints table %s with %u chains and "
					  "%u rules where the kernel has %u and %u (a name "
					  "holding a newline?); refusing to copy it inexactly",
					  tool, table, chains, rules, kchains, krules);
		}
		if (probe_xt_check_lines(out, probe_rs_family[v6], tool, c->err, c->errlen) < 0) {
			free(out);
			return -1;
		}
		rs->xt_text[rs->n_xt] = out;
		rs->xtnft[v6] = true;
		out = NULL;
	}
	free(out);
	rs->xt_tables[rs->n_xt].family = probe_rs_family[v6];
	snprintf(rs->xt_tables[rs->n_xt++].name, sizeof(rs->xt_tables[0].name), "%s",
		 table);
	return 0;
}

static int xt_index_of(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < XT_N_TABLES; i++)
		if (strlen(xt_tables[i].name) == len && !memcmp(name, xt_tables[i].name, len))
			return (int)i;
	return -1;
}

/* One iptables-nft-save of a family, cut into its tables: every save
 * reads the whole ruleset, so one per table costs a second per table at
 * 16k rules. A table's part runs from its "*name" line to its COMMIT;
 * only the tool's comments are between parts. Anything else (a "*" line
 * inside a part, a table twice, another line between parts: a name
 * holding a newline) gives the cut up, and each table is saved alone as
 * before (so does a table the tool calls incompatible); the counts
 * against the kernel and the check after the restore
 * judge the parts as they judged those saves. 0 with parts[] (NULL: not
 * printed, an incompatible table), or -1. */
static int save_parts(const char *tool, char *parts[XT_N_TABLES])
{
	char *out, msg[600];
	const char *p, *start = NULL;
	int cur = -1, i;

	memset(parts, 0, XT_N_TABLES * sizeof(*parts));
	if (probe_xt_run_out(tool, NULL, &out, msg, sizeof(msg)) < 0)
		return -1;
	for (p = out; *p;) {
		const char *eol = strchr(p, '\n');
		size_t l = eol ? (size_t)(eol - p) : strlen(p);
		const char *next = eol ? eol + 1 : p + l;

		if (cur < 0 && *p == '*') {
			cur = xt_index_of(p + 1, l - 1);
			if (cur < 0 || parts[cur])
				goto fail;
			start = p;
		} else if (cur < 0 && (*p != '#' ||
				       /* which table it means is the per-table
					* saves' to tell (incompatible()) */
				       (!strncmp(p, "# Table `", 9) &&
					memmem(p, l, "incompatible", 12)))) {
			goto fail;
		} else if (cur >= 0 && *p == '*') {
			goto fail;
		} else if (cur >= 0 && l == 6 && !memcmp(p, "COMMIT", 6)) {
			parts[cur] = strndup(start, (size_t)(next - start));
			if (!parts[cur])
				goto fail;
			cur = -1;
		}
		p = next;
	}
	if (cur >= 0)
		goto fail;
	free(out);
	return 0;
fail:
	for (i = 0; i < XT_N_TABLES; i++) {
		free(parts[i]);
		parts[i] = NULL;
	}
	free(out);
	return -1;
}

/* The ip/ip6 tables that carry an iptables table's name, and how many
 * chains and rules the kernel has in each. */
struct xt_seen {
	bool has[2][XT_N_TABLES];
	unsigned int chains[2][XT_N_TABLES], rules[2][XT_N_TABLES];
};

static void seen_table(const struct nft_census_table *ct, struct xt_seen *s)
{
	const struct xt_table *t = xt_table_find(ct->name);
	int v6 = ct->family == NFPROTO_IPV6;

	if ((ct->family != NFPROTO_IPV4 && ct->family != NFPROTO_IPV6) || !t)
		return;
	s->has[v6][t - xt_tables] = true;
	s->chains[v6][t - xt_tables] = ct->chains;
	s->rules[v6][t - xt_tables] = ct->rules;
}

/* An anonymous chain ("jump { ... }") has no JSON form in libnftables
 * 1.0.6: the listing holds it as a string that no load accepts, and nft
 * warns on stderr while making it. Its text form is no way out: text
 * parses names and comments as syntax (probe_nft.h). So such a table is
 * never listed. */
static bool has_bound_chain(const struct nft_census_table *t)
{
	size_t k;

	for (k = 0; k < t->n; k++)
		if (t->c[k].bound)
			return true;
	return false;
}

/* The names go in as data: die() escapes what a terminal would act on. */
static int bound_chain_table(struct probe_ctx *c, const struct nft_census_table *t,
			     enum probe_rs_bound bound)
{
	if (bound == PROBE_RS_BOUND_NOTE)
		return probe_note(c, "table %s %s holds an anonymous chain (jump "
				  "{ ... }): its rules were not scanned for state the "
				  "copy lacks", family_name(t->family), t->name);
	return probe_fail(c, "probe: cannot copy table %s %s exactly: it holds an "
			  "anonymous chain (jump { ... }), which libnftables cannot "
			  "list as JSON; give the ruleset as a file with --ruleset",
			  family_name(t->family), t->name);
}

/* The native tables, each listed alone: nft lists one table without
 * reading the others (the iptables-nft ones may hold 16k rules). */
int probe_rs_list_native(struct probe_ctx *c, const struct nft_census *cs,
			 probe_rs_keep keep, const void *arg,
			 enum probe_rs_bound bound, struct probe_nft_listing **out)
{
	struct probe_nft_listing *l = probe_nft_listing_new();
	char msg[512];
	size_t i;

	*out = l;
	if (!l)
		return probe_fail(c, "probe: out of memory");
	for (i = 0; i < cs->n; i++) {
		const struct nft_census_table *t = &cs->t[i];

		if (!keep(t->family, t->name, arg))
			continue;
		if (has_bound_chain(t)) {
			if (bound_chain_table(c, t, bound) < 0)
				return -1;
			continue;
		}
		if (probe_nft_listing_add(l, t->family, t->name, msg, sizeof(msg)) < 0)
			return probe_fail(c, "probe: cannot read the nftables ruleset: %s",
					  msg);
	}
	return 0;
}

/* The saves of the families that have iptables-nft tables. They run in
 * a thread of their own while the census counts the rules: the tool and
 * our socket read the same kernel objects, each on a core (the rule
 * dump takes 0.1 s at 16k rules, a save 0.2 s). A thread shares our
 * network namespace, and the tool gets it from the thread. */
struct saves {
	bool want[2], cut[2];
	char *parts[2][XT_N_TABLES];
};

static void *run_saves(void *arg)
{
	struct saves *sv = arg;
	int v6;

	for (v6 = 0; v6 < 2; v6++)
		if (sv->want[v6])
			sv->cut[v6] = save_parts(probe_rs_tool(false, v6, false), sv->parts[v6]) == 0;
	return NULL;
}

static void free_saves(struct saves *sv)
{
	int v6, i;

	for (v6 = 0; v6 < 2; v6++)
		for (i = 0; sv->cut[v6] && i < XT_N_TABLES; i++)
			free(sv->parts[v6][i]);
}

static void seen_all(const struct nft_census *cs, struct xt_seen *seen)
{
	size_t i;

	memset(seen, 0, sizeof(*seen));
	for (i = 0; i < cs->n; i++)
		seen_table(&cs->t[i], seen);
}

static int read_nft(struct probe_ctx *c, struct probe_rulesets *rs)
{
	struct xt_seen seen;
	struct saves sv = { 0 };
	pthread_t th;
	bool threaded;
	int v6, ret = 0;
	size_t i;

	/* the kernel's own counts, to hold the save tool's output against */
	if (nft_census_read(&rs->src, false) < 0)
		return probe_fail(c, "probe: cannot read the nftables ruleset: %s",
				  strerror(errno));
	seen_all(&rs->src, &seen);
	for (v6 = 0; v6 < 2; v6++)
		for (i = 0; i < XT_N_TABLES; i++)
			sv.want[v6] |= seen.has[v6][i];
	threaded = (sv.want[0] || sv.want[1]) &&
		   pthread_create(&th, NULL, run_saves, &sv) == 0;
	if (nft_census_rules(&rs->src) < 0)
		ret = probe_fail(c, "probe: cannot read the nftables ruleset: %s",
				 strerror(errno));
	if (threaded)
		pthread_join(th, NULL);
	else
		run_saves(&sv);
	seen_all(&rs->src, &seen);	/* now with the rule counts */
	for (v6 = 0; v6 < 2 && !ret; v6++) {
		if (!sv.want[v6])
			continue;
		for (i = 0; i < XT_N_TABLES; i++) {
			if (seen.has[v6][i] && !ret)
				ret = read_xtnft_table(c, rs, v6, xt_tables[i].name,
						       seen.chains[v6][i], seen.rules[v6][i],
						       sv.cut[v6], sv.cut[v6] ? sv.parts[v6][i] : NULL);
			else if (sv.cut[v6])
				free(sv.parts[v6][i]);
			sv.parts[v6][i] = NULL;
		}
	}
	free_saves(&sv);
	if (ret < 0)
		return -1;
	if (rs->nft_replaced)
		return 0;
	return probe_rs_list_native(c, &rs->src, keep_native, rs, PROBE_RS_BOUND_REFUSE,
				    &rs->native);
}

static bool has_legacy_tables(int v6)
{
	FILE *f = fopen(xt_names_path(v6), "re");
	char line[64];
	bool any = false;

	if (!f)
		return false;
	while (!any && fgets(line, sizeof(line), f))
		any = line[0] != '\n';
	fclose(f);
	return any;
}

static int read_legacy(struct probe_ctx *c, struct probe_rulesets *rs)
{
	int v6;
	char msg[600];
	unsigned int i;

	for (v6 = 0; v6 < 2; v6++) {
		const char *tool = probe_rs_tool(true, v6, false);
		bool nft_of_family = false;

		if (!has_legacy_tables(v6))
			continue;
		for (i = 0; i < rs->n_xt; i++)
			nft_of_family |= rs->xt_tables[i].family == probe_rs_family[v6];
		rs->legacy_host[v6] = !nft_of_family;
		if (rs->xt_replaced[v6])
			continue;
		if (probe_xt_run_out(tool, NULL, &rs->legacy[v6], msg, sizeof(msg)) < 0)
			return probe_fail(c, "probe: cannot read the legacy %s rules: %s",
					  probe_rs_fam_word[v6], msg);
		if (probe_xt_check_lines(rs->legacy[v6], probe_rs_family[v6], tool, c->err,
					 c->errlen) < 0 ||
		    probe_xt_check_legacy(rs->legacy[v6], probe_rs_family[v6], c->err,
					  c->errlen) < 0)
			return -1;
	}
	for (i = 0; i < rs->n_files; i++)
		if (rs->files[i].kind != PROBE_RS_NFT)
			rs->files[i].legacy = rs->legacy_host[rs->files[i].kind == PROBE_RS_XT6];
	return 0;
}

/* ipset keeps its sets per namespace in the ip_set module; without the
 * module loaded there are none (and asking would load it). */
static int read_ipset(struct probe_ctx *c, struct probe_rulesets *rs)
{
	char msg[600];

	if (access("/sys/module/ip_set", F_OK) < 0)
		return 0;
	static const char *const argv[] = { "ipset", "save", NULL };

	if (probe_run_out(argv, &rs->ipset, msg, sizeof(msg)) < 0) {
		if (errno == ENOENT)
			return probe_note(c, "ipset is not installed: sets are not copied");
		return probe_fail(c, "probe: cannot read the ipsets: %s", msg);
	}
	return 0;
}

int probe_rulesets_read(struct probe_ctx *c, const struct probe_ruleset_file *files,
			size_t n_files, struct probe_rulesets *rs)
{
	memset(rs, 0, sizeof(*rs));
	if (read_files(c, files, n_files, rs) < 0 || read_ipset(c, rs) < 0 ||
	    read_nft(c, rs) < 0 || read_legacy(c, rs) < 0) {
		probe_rulesets_free(rs);
		return -1;
	}
	return 0;
}

void probe_rulesets_free(struct probe_rulesets *rs)
{
	size_t i;

	nft_census_free(&rs->src);
	probe_nft_listing_free(rs->native);
	for (i = 0; i < RULES_XT_MAX_TABLES; i++)
		free(rs->xt_text[i]);
	for (i = 0; i < 2; i++)
		free(rs->legacy[i]);
	free(rs->ipset);
	for (i = 0; i < rs->n_files; i++)
		free(rs->files[i].text);
	free(rs->files);
	memset(rs, 0, sizeof(*rs));
}

/* ---- loading, in the copy ----------------------------------------- */

static int load_ipset(struct probe_ctx *c, const struct probe_rulesets *rs)
{
	static const char *const restore[] = { "ipset", "restore", NULL };
	char msg[600];
	const char *p;

	if (!rs->ipset || !rs->ipset[0])
		return 0;
	for (p = rs->ipset; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		c->pc->ipsets += !strncmp(p, "create ", 7);
	if (probe_run_in(restore, rs->ipset, strlen(rs->ipset), msg, sizeof(msg)) < 0)
		return probe_fail(c, "probe: cannot copy the ipsets: %s", msg);
	return 0;
}

static int xt_index(const struct probe_rulesets *rs, uint8_t family, const char *table)
{
	unsigned int i;

	for (i = 0; i < rs->n_xt; i++)
		if (rs->xt_tables[i].family == family && !strcmp(rs->xt_tables[i].name, table))
			return (int)i;
	return -1;
}

static long chain_rank(const char *name, const void *arg)
{
	const struct nft_census_table *t = arg;
	const struct nft_census_chain *c = nft_census_chain(t, name);

	return c ? (long)(c - t->c) : -1;
}

/* A run of iptables-nft tables of one family, next to each other in the
 * source's order, goes to one restore: one process and one cache fetch
 * for all of them, and the tables are made in the order they come. */
struct xt_run {
	FILE *f;
	char *text;
	size_t len;
	int v6;				/* -1: nothing in the run */
};

/* The chains are made in the source's order, not the save's (sorted):
 * the copy's kernel then lists them as the source's does, and the save
 * that verifies the copy is as fast as the one that read the source. */
static int run_add(struct probe_ctx *c, const struct probe_rulesets *rs,
		   struct xt_run *run, unsigned int i)
{
	const struct table_ref *tr = &rs->xt_tables[i];
	const struct nft_census_table *st = nft_census_table(&rs->src, tr->family, tr->name);
	char *text;
	int ok;

	if (run->v6 < 0 && !(run->f = open_memstream(&run->text, &run->len)))
		return probe_fail(c, "probe: out of memory");
	run->v6 = tr->family == NFPROTO_IPV6;
	text = st ? probe_xt_order_chains(rs->xt_text[i], chain_rank, st) : NULL;
	ok = fputs(text ? text : rs->xt_text[i], run->f) >= 0;
	free(text);
	return ok && (text || !st) ? 0 : probe_fail(c, "probe: out of memory");
}

static int run_restore(struct probe_ctx *c, struct xt_run *run)
{
	char msg[600];
	int ret = 0, v6 = run->v6;

	if (v6 < 0)
		return 0;
	run->v6 = -1;
	if (fclose(run->f) == EOF || !run->text)
		ret = probe_fail(c, "probe: out of memory");
	else if (probe_xt_run_in(probe_rs_tool(false, v6, true), run->text, run->len, msg,
				 sizeof(msg)) < 0)
		ret = probe_fail(c, "probe: cannot copy the %s iptables-nft tables: %s",
				 probe_rs_fam_word[v6], msg);
	free(run->text);
	run->text = NULL;
	return ret;
}

/* One table of the source, in the source's order: two base chains at
 * the same hook and priority run in the reverse order of their making
 * (KERNEL-FACTS), so the copy makes them in the source's order. */
static int load_table(struct probe_ctx *c, const struct probe_rulesets *rs,
		      struct xt_run *run, uint8_t family, const char *table)
{
	char msg[512], *json;
	int i, ret = 0;

	i = xt_index(rs, family, table);
	if (i >= 0 && !rs->xt_text[i])
		return 0;
	if (i >= 0 && run->v6 >= 0 && run->v6 != (family == NFPROTO_IPV6) &&
	    run_restore(c, run) < 0)
		return -1;
	if (i >= 0)
		return run_add(c, rs, run, (unsigned int)i);
	if (rs->nft_replaced || !keep_native(family, table, rs))
		return 0;
	if (run_restore(c, run) < 0)
		return -1;
	json = probe_nft_listing_json(rs->native, family, table);
	if (!json)
		ret = probe_fail(c, "probe: cannot copy the nftables tables: %s",
				 strerror(errno));
	else if (probe_nft_load_json(json, msg, sizeof(msg)) < 0)
		ret = probe_fail(c, "probe: cannot copy the nftables tables: nft: %s", msg);
	free(json);
	return ret;
}

static int load_nft(struct probe_ctx *c, const struct probe_rulesets *rs)
{
	struct xt_run run = { .v6 = -1 };
	char msg[512];
	size_t i;

	/* A --ruleset nft file may start with "flush ruleset": it goes
	 * before the iptables-nft tables, which it would otherwise empty. */
	for (i = 0; i < rs->n_files; i++)
		if (rs->files[i].kind == PROBE_RS_NFT &&
		    probe_nft_load_file(rs->files[i].path, msg, sizeof(msg)) < 0)
			return probe_fail(c, "probe: --ruleset %s does not load: %s",
					  rs->files[i].path, msg);
	if (!rs->xtnft[0] && !rs->xtnft[1]) {
		char *json;
		int ret = 0;

		/* nothing to keep in order with: one load */
		if (!rs->native || !probe_nft_listing_tables(rs->native))
			return 0;
		json = probe_nft_listing_json(rs->native, 0, NULL);
		if (!json)
			return probe_fail(c, "probe: out of memory");
		if (probe_nft_load_json(json, msg, sizeof(msg)) < 0)
			ret = probe_fail(c, "probe: cannot copy the nftables tables: nft: %s",
					 msg);
		free(json);
		return ret;
	}
	for (i = 0; i < rs->src.n; i++)
		if (load_table(c, rs, &run, rs->src.t[i].family, rs->src.t[i].name) < 0)
			break;
	if (i < rs->src.n) {
		/* what the run holds is not restored */
		if (run.v6 >= 0)
			fclose(run.f);
		free(run.text);
		return -1;
	}
	return run_restore(c, &run);
}

static int load_xt(struct probe_ctx *c, const struct probe_rulesets *rs)
{
	char msg[600];
	size_t i;
	int v6;

	for (v6 = 0; v6 < 2; v6++)
		if (rs->legacy[v6] &&
		    probe_xt_run_in(probe_rs_tool(true, v6, true), rs->legacy[v6], strlen(rs->legacy[v6]),
				    msg, sizeof(msg)) < 0)
			return probe_fail(c, "probe: cannot copy the %s legacy iptables rules: %s",
					  probe_rs_fam_word[v6], msg);
	for (i = 0; i < rs->n_files; i++) {
		const struct probe_rs_file *f = &rs->files[i];

		v6 = f->kind == PROBE_RS_XT6;
		if (f->kind != PROBE_RS_NFT &&
		    probe_xt_run_in(probe_rs_tool(f->legacy, v6, true), f->text, f->len, msg,
				    sizeof(msg)) < 0)
			return probe_fail(c, "probe: --ruleset %s does not load: %s",
					  f->path, msg);
	}
	return 0;
}

int probe_rulesets_load(struct probe_ctx *c, const struct probe_rulesets *rs)
{
	struct nft_census copy = { 0 };
	int ret;

	if (probe_enter(c->pc->copy_fd) < 0)
		return probe_fail(c, "probe: cannot enter the copy: %s", strerror(errno));
	ret = load_ipset(c, rs) < 0 || load_nft(c, rs) < 0 || load_xt(c, rs) < 0 ||
	      probe_rs_verify(c, rs) < 0 || probe_rs_prune(c, rs, &copy) < 0 ||
	      probe_rs_count(c, rs, &copy) < 0 ? -1 : 0;
	nft_census_free(&copy);
	if (probe_enter(c->src_fd) < 0)
		ret = probe_fail(c, "probe: cannot return to the traced namespace: %s",
				 strerror(errno));
	return ret;
}
