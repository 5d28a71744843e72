/* iptables-save output -> struct ruleset. The save tools print every
 * match and target the way the user wrote them, through the same
 * libxtables extensions iptables itself uses; re-implementing that
 * printer on top of the kernel blob would drift with every extension.
 *
 * Legacy positions shift when rules change, but the legacy kernel sends
 * no change notification, so rules_xt_changed() fingerprints the tables
 * through getsockopt, which is much cheaper than a save-tool run. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/netfilter/xt_comment.h>

#include "mono_time.h"
#include "rules_xt.h"
#include "spawn_tool.h"
#include "xt_tables.h"

#define XT_MAX_TABLES	16	/* per family; the kernel has 5 */


/* One legacy table's fingerprint: what GET_INFO says, plus a hash of
 * the rules blob without counters. */
struct xt_print {
	char name[XT_TABLE_MAXNAMELEN];
	struct ipt_getinfo info;
	uint64_t hash;
};

struct xt_fam {
	uint8_t family;
	size_t entry_size;		/* the fixed part of one entry */
	size_t counters_off, next_off, target_off;	/* within one entry */
	int sock;			/* raw socket for getsockopt */
	int names_fd;			/* /proc/net/ip{,6}_tables_names */
	struct xt_print print[XT_MAX_TABLES];
	unsigned int nprint;
};

struct rules_xt {
	enum xt_flavour flavour;
	struct ruleset cur, prev;
	struct xt_fam fam[2];
	void *blob;			/* GET_ENTRIES buffer, reused when small */
	size_t blob_cap;
	unsigned int deep_ms;		/* between blob hashes */
	struct timespec last_deep;	/* when the last blob hash ended */
	struct timespec verified;	/* cur matched the kernel at this time
					 * (when the last blob hash began) */
	long deep_cost_us;		/* what the last blob hash took */
	bool loaded;			/* a refresh succeeded */
	/* GET_INFO of every table before arming (rules_xt_note_start) */
	struct xt_fam start[2];
	bool have_start;
	bool moved_since_start;		/* the first read's differed from it */
	struct timespec unsure_until;	/* rules_xt_unsure() */
	struct table_ref tables[RULES_XT_MAX_TABLES];	/* in cur */
	unsigned int ntables;
	char tool_err[600];		/* the last failed save tool and its words */
};

/* ---- parsing ----------------------------------------------------- */

/* NF_IP_PRI_* (and NF_IP6_PRI_*); 0 for a table iptables lacks */
static int32_t chain_prio(const char *table, enum hook hook)
{
	const struct xt_table *t = xt_table_find(table);

	return t ? xt_table_prio(t, hook) : 0;
}

/* Chain name -> ruleset index for the table being parsed. Save output
 * lists rules chain by chain, but a host with thousands of user chains
 * (kube-proxy) must not pay a list walk per chain switch. */
struct chain_map {
	uint32_t *slot;			/* 0 empty, else chain index + 1 */
	uint32_t size, used;
};

static uint32_t name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int map_put(struct chain_map *m, const struct ruleset *rs, uint32_t idx)
{
	const char *name = rs->chains[idx].name;
	uint32_t i;

	if (2 * (m->used + 1) > m->size) {
		struct chain_map n = { 0 };
		uint32_t j;

		n.size = m->size ? m->size * 2 : 64;
		n.slot = calloc(n.size, sizeof(*n.slot));
		if (!n.slot)
			return -1;
		for (j = 0; j < m->size; j++)
			if (m->slot[j] && map_put(&n, rs, m->slot[j] - 1) < 0) {
				free(n.slot);
				return -1;
			}
		free(m->slot);
		*m = n;
	}
	for (i = name_hash(name, strlen(name)) & (m->size - 1); m->slot[i];
	     i = (i + 1) & (m->size - 1))
		;
	m->slot[i] = idx + 1;
	m->used++;
	return 0;
}

static int map_get(const struct chain_map *m, const struct ruleset *rs,
		   const char *name, size_t len)
{
	uint32_t i;

	if (!m->size)
		return -1;
	for (i = name_hash(name, len) & (m->size - 1); m->slot[i];
	     i = (i + 1) & (m->size - 1)) {
		const char *c = rs->chains[m->slot[i] - 1].name;

		if (!strncmp(c, name, len) && c[len] == '\0')
			return (int)(m->slot[i] - 1);
	}
	return -1;
}

static void map_reset(struct chain_map *m)
{
	if (m->slot)
		memset(m->slot, 0, m->size * sizeof(*m->slot));
	m->used = 0;
}

struct parse_state {
	uint8_t family;
	struct ruleset *rs;
	char table[XT_TABLE_MAXNAMELEN];
	bool in_table, skip_table;
	char tainted[XT_MAX_TABLES][XT_TABLE_MAXNAMELEN];
	unsigned int ntainted;
	struct chain_map map;
	int last_chain;			/* most rules follow their chain's */
};

/* iptables-nft-save prints a table with a base chain it cannot show
 * after "# Table `X' contains incompatible base-chains, ...", listing
 * only part of it; "# Table `X' is incompatible" comes with no listing
 * at all. Either way the table is native nft to us. */
static void parse_comment(struct parse_state *ps, const char *line)
{
	const char *p = strstr(line, "# Table `"), *q;
	size_t len;

	if (!p || !strstr(line, "incompatible"))
		return;
	p += strlen("# Table `");
	q = strchr(p, '\'');
	len = q ? (size_t)(q - p) : 0;
	if (!len || len >= XT_TABLE_MAXNAMELEN || ps->ntainted == XT_MAX_TABLES)
		return;
	memcpy(ps->tainted[ps->ntainted], p, len);
	ps->tainted[ps->ntainted++][len] = '\0';
}

static bool is_tainted(const struct parse_state *ps, const char *table)
{
	unsigned int i;

	for (i = 0; i < ps->ntainted; i++)
		if (!strcmp(ps->tainted[i], table))
			return true;
	return false;
}

/* ":NAME POLICY [packets:bytes]"; POLICY "-" marks a user chain. */
static int parse_chain(struct parse_state *ps, char *line)
{
	char *name = line + 1, *pol, *end;
	enum hook hook = HOOK_NONE;
	int policy = NF_ACCEPT, idx;

	pol = strchr(name, ' ');
	if (!pol)
		return 0;		/* not save output: ignore */
	*pol++ = '\0';
	end = strchr(pol, ' ');
	if (end)
		*end = '\0';
	if (strcmp(pol, "-")) {
		hook = hook_from_name(name);
		policy = strcmp(pol, "DROP") ? NF_ACCEPT : NF_DROP;
	}
	idx = ruleset_add_chain(ps->rs, ps->family, ps->table, name, hook,
				hook == HOOK_NONE ? 0 : chain_prio(ps->table, hook),
				policy);
	if (idx < 0 || map_put(&ps->map, ps->rs, (uint32_t)idx) < 0)
		return -1;
	/* x_tables nat sees only a connection's first packet */
	ps->rs->chains[idx].nat = !strcmp(ps->table, "nat");
	ps->last_chain = idx;
	return 0;
}

/* "-A CHAIN text": the text is everything after the chain name. */
static int parse_rule(struct parse_state *ps, const char *line)
{
	const char *name = line + 3, *sp = strchr(name, ' ');
	size_t len = sp ? (size_t)(sp - name) : strlen(name);
	const char *text = sp ? sp + 1 : "";
	int idx = ps->last_chain;

	if (idx < 0 || strncmp(ps->rs->chains[idx].name, name, len) ||
	    ps->rs->chains[idx].name[len] != '\0')
		idx = map_get(&ps->map, ps->rs, name, len);
	if (idx < 0)
		return 0;		/* a rule in an undeclared chain */
	ps->last_chain = idx;
	return ruleset_add_rule(ps->rs, (uint32_t)idx, 0, text) < 0 ? -1 : 0;
}

static int parse_line(struct parse_state *ps, char *line)
{
	if (line[0] == '#') {
		parse_comment(ps, line);
		return 0;
	}
	if (line[0] == '*') {
		snprintf(ps->table, sizeof(ps->table), "%s", line + 1);
		ps->in_table = true;
		ps->skip_table = is_tainted(ps, ps->table);
		ps->last_chain = -1;
		map_reset(&ps->map);
		return 0;
	}
	if (!strcmp(line, "COMMIT")) {
		ps->in_table = false;
		return 0;
	}
	if (!ps->in_table || ps->skip_table)
		return 0;
	if (line[0] == ':')
		return parse_chain(ps, line);
	if (!strncmp(line, "-A ", 3))
		return parse_rule(ps, line);
	return 0;
}

/* The end of the save line at p. xtables_save_string() writes every
 * string with a byte outside [A-Za-z0-9_-] in double quotes, with \" and
 * \\ escaped, and nothing else: a comment or log prefix may hold a
 * newline, which belongs to the rule, and may hold a whole fake "-A"
 * line after it. A quote opens only at the start of a word and closes
 * only at its end, as the tool writes them. */
static const char *save_line_end(const char *p)
{
	bool quoted = false;
	const char *s;

	if (strncmp(p, "-A ", 3))
		return strchr(p, '\n');
	for (s = p; *s; s++) {
		if (quoted) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '"' && (s[1] == ' ' || s[1] == '\n' || !s[1]))
				quoted = false;
		} else if (*s == '"' && s > p && s[-1] == ' ') {
			quoted = true;
		} else if (*s == '\n') {
			return s;
		}
	}
	return NULL;
}

int rules_xt_parse(const char *save_text, uint8_t family, struct ruleset *rs)
{
	struct parse_state ps = { .family = family, .rs = rs, .last_chain = -1 };
	const char *p = save_text;
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	while (*p && ret == 0) {
		const char *eol = save_line_end(p);
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len + 1 > cap) {
			char *n = realloc(line, len + 1);
			if (!n) {
				ret = -1;
				break;
			}
			line = n;
			cap = len + 1;
		}
		memcpy(line, p, len);
		while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
			len--;
		line[len] = '\0';
		p += (eol ? (size_t)(eol - p) + 1 : (size_t)(strlen(p)));
		ret = parse_line(&ps, line);
	}
	free(line);
	free(ps.map.slot);
	if (ret < 0) {
		errno = ENOMEM;
		return -1;
	}
	return ruleset_index(rs);
}

/* ---- reading ----------------------------------------------------- */

static int read_table(struct rules_xt *x, const char *tool, const char *table,
		      uint8_t family, struct ruleset *rs)
{
	const char *argv[] = { tool, table ? "-t" : NULL, table, NULL };
	struct spawn_result r;
	int ret;

	if (spawn_run(argv, true, &r) < 0)
		return -1;
	if (r.status != 0) {
		snprintf(x->tool_err, sizeof(x->tool_err), "%s: %s", tool,
			 r.err[0] ? r.err : "failed without a message");
		spawn_result_free(&r);
		errno = EPROTO;
		return -1;
	}
	ret = rules_xt_parse(r.out, family, rs);
	spawn_result_free(&r);
	return ret;
}

/* iptables-nft-save gives up on the whole ruleset when one table holds
 * native nft rules it cannot parse (a mixed host's "table ip filter"
 * written with nft). Then read table by table and keep what it can. */
static int read_family(struct rules_xt *x, const char *tool, uint8_t family,
		       struct ruleset *rs, bool per_table_fallback)
{
	size_t i;

	if (read_table(x, tool, NULL, family, rs) == 0)
		return 0;
	if (!per_table_fallback || errno != EPROTO)
		return -1;
	for (i = 0; i < XT_N_TABLES; i++)
		read_table(x, tool, xt_tables[i].name, family, rs);	/* keep what parses */
	return 0;
}

static int fingerprint_all(struct rules_xt *x, struct xt_fam *snap, bool deep);
static bool prints_equal(const struct xt_fam *a, const struct xt_fam *b,
			 bool deep);

int rules_xt_read_chain(uint8_t family, const char *table, const char *chain,
			struct ruleset *rs)
{
	const char *tool = xt_tool_name(XT_NFT, family == NFPROTO_IPV6, XT_TOOL_CMD);
	/* argv elements, never a shell: the table is one of iptables' own
	 * names and the chain a plain one (no leading '-': not an option) */
	const char *argv[] = { tool, "-t", table, "-S", chain, NULL };
	struct spawn_result r;
	char *text;
	int ret;

	if (spawn_run(argv, true, &r) < 0)
		return -1;
	if (r.status != 0) {
		spawn_result_free(&r);
		errno = EPROTO;
		return -1;
	}
	/* -S prints the chain's "-P"/"-N" line and its "-A" lines as the
	 * save tool does; give them the save tool's frame */
	if (asprintf(&text, "*%s\n:%s - [0:0]\n%sCOMMIT\n", table, chain,
		     r.out) < 0) {
		spawn_result_free(&r);
		errno = ENOMEM;
		return -1;
	}
	spawn_result_free(&r);
	ret = rules_xt_parse(text, family, rs);
	free(text);
	return ret;
}

static void note_tables(struct rules_xt *x)
{
	uint32_t i;

	x->ntables = 0;
	for (i = 0; i < x->cur.nchains && x->ntables < RULES_XT_MAX_TABLES; i++)
		if (!table_ref_has(x->tables, x->ntables, x->cur.chains[i].family,
				   x->cur.chains[i].table)) {
			x->tables[x->ntables].family = x->cur.chains[i].family;
			snprintf(x->tables[x->ntables].name, sizeof(x->tables[0].name),
				 "%s", x->cur.chains[i].table);
			x->ntables++;
		}
}

static void replace_snapshot(struct rules_xt *x, struct ruleset *fresh)
{
	ruleset_clear(&x->prev);
	x->prev = x->cur;
	x->cur = *fresh;
	note_tables(x);
}

static bool in_family(const struct rs_chain *c, const void *arg)
{
	return c->family == *(const uint8_t *)arg;
}

/* iptables-nft-save fetches the whole ruleset whatever -t says, so one
 * run per family that changed is the cheapest re-read there is; the
 * family that did not change is kept. */
int rules_xt_refresh_tables(struct rules_xt *x, const struct table_ref *tables,
			    unsigned int n)
{
	struct ruleset fresh;
	bool changed[2] = { false, false };
	unsigned int i;
	int f, err;

	if (x->flavour != XT_NFT)
		return rules_xt_refresh(x);
	for (i = 0; i < n; i++)
		changed[tables[i].family == NFPROTO_IPV6] = true;
	ruleset_init(&fresh);
	for (f = 0; f < 2; f++) {
		if (!changed[f]) {
			if (ruleset_copy_if(&x->cur, &fresh, in_family,
					    &x->fam[f].family) < 0)
				goto err;
		} else if (read_family(x, xt_tool_name(XT_NFT, f, XT_TOOL_SAVE), x->fam[f].family,
				       &fresh, true) < 0) {
			goto err;
		}
	}
	if (ruleset_index(&fresh) < 0)
		goto err;
	replace_snapshot(x, &fresh);
	x->loaded = true;
	return 0;
err:
	err = errno;
	ruleset_clear(&fresh);
	errno = err;
	return -1;
}

int rules_xt_refresh(struct rules_xt *x)
{
	struct ruleset fresh;
	struct xt_fam prints[2];
	struct timespec start;
	int i, err;

	/* Fingerprint first: a change between it and the save run only
	 * costs one more re-read, never a missed one. The save output is
	 * at least as new as the fingerprint. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (x->flavour == XT_LEGACY) {
		struct timespec end;

		if (fingerprint_all(x, prints, true) < 0)
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &end);
		x->deep_cost_us = ts_us_between(&start, &end);
	}
	ruleset_init(&fresh);
	for (i = 0; i < 2; i++)
		if (read_family(x, xt_tool_name(x->flavour, i, XT_TOOL_SAVE), x->fam[i].family,
				&fresh, x->flavour == XT_NFT) < 0) {
			err = errno;
			ruleset_clear(&fresh);
			errno = err;
			return -1;
		}
	/* The first read after arming: did anything move in between, up
	 * to the end of the save? (A change during the save shows only
	 * after it.) It runs while events are read, and the packets traced
	 * meanwhile came after the hash above: a second one after the save,
	 * equal to it, verifies the read for them, where a check begun
	 * after their events would have them wait (rules_xt_deep_wait_ms). */
	if (x->flavour == XT_LEGACY && !x->loaded && x->have_start) {
		struct xt_fam after[2];
		struct timespec a0, a1;
		bool same;

		clock_gettime(CLOCK_MONOTONIC, &a0);
		same = fingerprint_all(x, after, true) == 0 &&
		       prints_equal(prints, after, true);
		clock_gettime(CLOCK_MONOTONIC, &a1);
		x->moved_since_start = !same ||
				       !prints_equal(x->start, prints, false);
		if (same) {
			start = a0;
			x->deep_cost_us = ts_us_between(&a0, &a1);
		}
	}
	if (x->flavour == XT_LEGACY)
		for (i = 0; i < 2; i++) {
			memcpy(x->fam[i].print, prints[i].print, sizeof(prints[i].print));
			x->fam[i].nprint = prints[i].nprint;
		}
	clock_gettime(CLOCK_MONOTONIC, &x->last_deep);
	x->verified = start;
	replace_snapshot(x, &fresh);
	x->loaded = true;
	return 0;
}

bool rules_xt_loaded(const struct rules_xt *x)
{
	return x->loaded;
}

/* ---- legacy change detection -------------------------------------- */

/* Word-at-a-time FNV-style hash: the blob can be megabytes. */
static uint64_t hash_blob(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	while (n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

/* A table's entries into the reused blob, for the size GET_INFO gave
 * (xt_get_entries zeroes it: stale bytes behind a name would change a
 * hash). NULL with errno set (EAGAIN: the table changed since GET_INFO). */
static struct ipt_get_entries *get_entries(struct rules_xt *x, struct xt_fam *f,
					   const char *name, unsigned int size)
{
	struct ipt_get_entries *ge;
	size_t need = sizeof(*ge) + size;

	if (need > x->blob_cap) {
		void *nb = realloc(x->blob, need);
		if (!nb)
			return NULL;
		x->blob = nb;
		x->blob_cap = need;
	}
	ge = x->blob;
	return xt_get_entries(f->sock, f->family == NFPROTO_IPV6, name, size, ge) < 0 ?
	       NULL : ge;
}

/* A blob bigger than this is not kept for the next read: a kube-like
 * nat table's is 60 MB at 100k rules, and its pages would stay resident
 * between reads a second or more apart. Faulting them in again costs
 * less than the kernel's copy itself. */
#define XT_BLOB_KEEP	(1u << 20)

static void put_entries(struct rules_xt *x)
{
	if (x->blob_cap <= XT_BLOB_KEEP)
		return;
	free(x->blob);
	x->blob = NULL;
	x->blob_cap = 0;
}

/* The entries blob with every entry's counters zeroed, hashed. The
 * kernel fills in only what userspace may see (no pointers, no private
 * match state), so equal rules give equal bytes. */
static int table_hash(struct rules_xt *x, struct xt_fam *f, struct xt_print *pr)
{
	struct ipt_get_entries *ge = get_entries(x, f, pr->name, pr->info.size);
	size_t off;

	/* EAGAIN: the table changed since GET_INFO; the caller says changed */
	if (!ge) {
		int err = errno;

		put_entries(x);
		errno = err;
		return -1;
	}
	for (off = 0; off + f->counters_off + sizeof(struct xt_counters) <= ge->size;) {
		unsigned char *e = (unsigned char *)ge->entrytable + off;
		uint16_t next;

		memset(e + f->counters_off, 0, sizeof(struct xt_counters));
		memcpy(&next, e + f->next_off, sizeof(next));
		if (!next)
			break;
		off += next;
	}
	pr->hash = hash_blob((const unsigned char *)ge->entrytable, ge->size);
	put_entries(x);
	return 0;
}

static int read_names(struct xt_fam *f, char names[XT_MAX_TABLES][XT_TABLE_MAXNAMELEN],
		      unsigned int *n)
{
	char buf[512], *p, *save = NULL;
	ssize_t len;

	*n = 0;
	if (f->names_fd < 0)
		return 0;		/* no legacy support for this family */
	len = pread(f->names_fd, buf, sizeof(buf) - 1, 0);
	if (len < 0)
		return -1;
	buf[len] = '\0';
	for (p = strtok_r(buf, "\n", &save); p && *n < XT_MAX_TABLES;
	     p = strtok_r(NULL, "\n", &save))
		snprintf(names[(*n)++], XT_TABLE_MAXNAMELEN, "%s", p);
	return 0;
}

static int fingerprint_fam(struct rules_xt *x, struct xt_fam *f,
			   struct xt_fam *out, bool deep)
{
	/* zeroed: the whole name buffers go into the compared prints */
	char names[XT_MAX_TABLES][XT_TABLE_MAXNAMELEN] = { { 0 } };
	unsigned int n, i;

	out->nprint = 0;
	if (read_names(f, names, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		struct xt_print *pr = &out->print[out->nprint];

		memset(pr, 0, sizeof(*pr));
		memcpy(pr->name, names[i], sizeof(pr->name));
		/* Only tables that exist: asking for one that does not would
		 * make the kernel create it in this namespace. */
		if (xt_get_info(f->sock, f->family == NFPROTO_IPV6, pr->name, &pr->info) < 0 ||
		    (deep && table_hash(x, f, pr) < 0)) {
			if (errno == EAGAIN) {
				pr->hash = 0;	/* changing right now */
			} else if (errno != ENOENT) {
				return -1;
			}
		}
		out->nprint++;
	}
	return 0;
}

static int fingerprint_all(struct rules_xt *x, struct xt_fam *snap, bool deep)
{
	int i;

	for (i = 0; i < 2; i++)
		if (fingerprint_fam(x, &x->fam[i], &snap[i], deep) < 0)
			return -1;
	return 0;
}

static bool print_equal(const struct xt_print *a, const struct xt_print *b,
			bool deep)
{
	return !strcmp(a->name, b->name) && (!deep || a->hash == b->hash) &&
	       !memcmp(&a->info, &b->info, sizeof(a->info));
}


/* Both families' prints alike (deep: the blob hashes too)? */
static bool prints_equal(const struct xt_fam *a, const struct xt_fam *b,
			 bool deep)
{
	unsigned int i, j;

	for (i = 0; i < 2; i++) {
		if (a[i].nprint != b[i].nprint)
			return false;
		for (j = 0; j < a[i].nprint; j++)
			if (!print_equal(&a[i].print[j], &b[i].print[j], deep))
				return false;
	}
	return true;
}

int rules_xt_note_start(struct rules_xt *x)
{
	if (x->flavour != XT_LEGACY) {
		errno = EINVAL;
		return -1;
	}
	if (fingerprint_all(x, x->start, false) < 0)
		return -1;
	x->have_start = true;
	return 0;
}

bool rules_xt_moved_since_start(const struct rules_xt *x)
{
	return x->moved_since_start;
}

void rules_xt_set_unsure_until(struct rules_xt *x, const struct timespec *t)
{
	x->unsure_until = *t;
}

bool rules_xt_unsure(const struct rules_xt *x, const struct timespec *first)
{
	return x->moved_since_start && !ts_before(&x->unsure_until, first);
}

void rules_xt_set_deep_interval(struct rules_xt *x, unsigned int ms)
{
	x->deep_ms = ms;
}

static int check(struct rules_xt *x, bool deep)
{
	struct xt_fam now[2];
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (fingerprint_all(x, now, deep) < 0)
		return -1;
	if (!prints_equal(now, x->fam, deep))
		return 1;
	if (deep) {
		clock_gettime(CLOCK_MONOTONIC, &x->last_deep);
		x->deep_cost_us = ts_us_between(&start, &x->last_deep);
		x->verified = start;
	}
	return 0;
}

int rules_xt_changed(struct rules_xt *x)
{
	if (x->flavour != XT_LEGACY)
		return 0;
	/* Inserts and deletes, which shift positions, change the entry
	 * count and size: GET_INFO alone catches them, in a microsecond.
	 * Reading the blob costs about 0.5 us per rule, so same-size
	 * edits are looked for only every deep_ms. */
	return check(x, ts_ms_since(&x->last_deep) >= (long)x->deep_ms);
}

long rules_xt_deep_wait_ms(const struct rules_xt *x, const struct timespec *since)
{
	struct timespec now;
	long gap_us, left;

	if (x->flavour != XT_LEGACY || !ts_before(&x->verified, since))
		return 0;
	gap_us = x->deep_cost_us * (100 - RULES_XT_DEEP_SHARE) / RULES_XT_DEEP_SHARE;
	clock_gettime(CLOCK_MONOTONIC, &now);
	left = (gap_us - ts_us_between(&x->last_deep, &now) + 999) / 1000;
	return left > 0 ? left : 0;
}

int rules_xt_fresh_since(struct rules_xt *x, const struct timespec *since,
			 bool force)
{
	int ret;

	if (x->flavour != XT_LEGACY)
		return 1;
	if (!ts_before(&x->verified, since))
		ret = check(x, false);
	else if (force || !rules_xt_deep_wait_ms(x, since))
		ret = check(x, true);
	else
		ret = check(x, false);
	if (ret == 1 && rules_xt_refresh(x) < 0)
		return -1;
	if (ret < 0)
		return -1;
	return !ts_before(&x->verified, since);
}

/* ---- one table, straight from the kernel --------------------------- */

/* A family whose module was loaded after rules_xt_open(), by our own
 * TRACE rules say, has no file or socket yet. */
static int fam_ensure_open(struct xt_fam *f)
{
	bool v6 = f->family == NFPROTO_IPV6;

	if (f->names_fd < 0)
		f->names_fd = open(xt_names_path(v6), O_RDONLY | O_CLOEXEC);
	if (f->names_fd < 0)
		return errno == ENOENT ? 0 : -1;	/* no legacy tables */
	if (f->sock < 0)
		f->sock = socket(v6 ? AF_INET6 : AF_INET,
				 SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	return f->sock < 0 ? -1 : 0;
}

/* GET_INFO on a table that exists; 0 with info->name[0] == '\0' when it
 * does not (not listed, or gone). */
static int table_info(struct xt_fam *f, const char *table,
		      struct ipt_getinfo *info)
{
	char names[XT_MAX_TABLES][XT_TABLE_MAXNAMELEN] = { { 0 } };
	unsigned int n, i;

	memset(info, 0, sizeof(*info));
	if (strlen(table) >= sizeof(info->name)) {
		errno = EINVAL;
		return -1;
	}
	if (fam_ensure_open(f) < 0 || read_names(f, names, &n) < 0)
		return -1;
	for (i = 0; i < n && strcmp(names[i], table); i++)
		;
	if (i == n)
		return 0;
	if (xt_get_info(f->sock, f->family == NFPROTO_IPV6, table, info) < 0) {
		memset(info, 0, sizeof(*info));
		return errno == ENOENT ? 0 : -1;
	}
	return 0;
}

static uint64_t info_stamp(const struct ipt_getinfo *info)
{
	return info->name[0] ? hash_blob((const unsigned char *)info,
					 sizeof(*info)) : 0;
}

int rules_xt_table_stamp(struct rules_xt *x, uint8_t family, const char *table,
			 uint64_t *stamp)
{
	struct ipt_getinfo info;

	if (x->flavour != XT_LEGACY) {
		errno = EINVAL;
		return -1;
	}
	if (table_info(&x->fam[family == NFPROTO_IPV6], table, &info) < 0)
		return -1;
	*stamp = info_stamp(&info);
	return 0;
}

/* Does this entry (len bytes, matches from hdr to toff, then the target)
 * carry a comment match of q's text and q's target? */
static bool entry_is(const unsigned char *e, size_t len, size_t hdr,
		     size_t toff, const struct xt_rule_query *q)
{
	const struct xt_entry_target *t;
	bool comment = false;
	size_t off = hdr;

	if (toff < hdr || toff + sizeof(*t) > len)
		return false;
	while (off + sizeof(struct xt_entry_match) <= toff) {
		const struct xt_entry_match *m = (const void *)(e + off);
		const struct xt_comment_info *ci = (const void *)m->data;
		size_t msize = m->u.match_size;

		if (msize < sizeof(*m) || off + msize > toff)
			return false;
		if (!strncmp(m->u.user.name, "comment", sizeof(m->u.user.name)) &&
		    msize >= sizeof(*m) + sizeof(*ci) &&
		    !strncmp(ci->comment, q->comment, sizeof(ci->comment)))
			comment = true;
		off += msize;
	}
	t = (const void *)(e + toff);
	return comment && !strncmp(t->u.user.name, q->target,
				   sizeof(t->u.user.name));
}

/* A built-in chain's rules are the entries from its hook entry up to
 * its policy entry (the underflow). */
static unsigned int chain_find(const struct xt_fam *f,
			       const struct ipt_getinfo *info,
			       const unsigned char *blob,
			       const struct xt_rule_query *q)
{
	size_t off = info->hook_entry[q->hook], end = info->underflow[q->hook];
	unsigned int pos = 1;

	if (!(info->valid_hooks & (1u << q->hook)))
		return 0;
	while (off < end && off + f->entry_size <= info->size) {
		uint16_t next, toff;

		memcpy(&next, blob + off + f->next_off, sizeof(next));
		memcpy(&toff, blob + off + f->target_off, sizeof(toff));
		if (next < f->entry_size || off + next > info->size)
			return 0;
		if (entry_is(blob + off, next, f->entry_size, toff, q))
			return pos;
		off += next;
		pos++;
	}
	return 0;
}

int rules_xt_find_rules(struct rules_xt *x, uint8_t family, const char *table,
			struct xt_rule_query *q, unsigned int n, uint64_t *stamp)
{
	struct xt_fam *f = &x->fam[family == NFPROTO_IPV6];
	struct ipt_get_entries *ge;
	struct ipt_getinfo info;
	unsigned int i;

	if (x->flavour != XT_LEGACY) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (q[i].hook >= NF_INET_NUMHOOKS || strlen(q[i].comment) >=
		    sizeof(((struct xt_comment_info *)0)->comment)) {
			errno = EINVAL;
			return -1;
		}
		q[i].pos = 0;
	}
	if (table_info(f, table, &info) < 0)
		return -1;
	if (stamp)
		*stamp = info_stamp(&info);
	if (!info.name[0])
		return 0;
	/* EAGAIN: it changed since GET_INFO */
	if (!(ge = get_entries(x, f, info.name, info.size))) {
		int err = errno;

		put_entries(x);
		errno = err;
		return -1;
	}
	for (i = 0; i < n; i++)
		q[i].pos = chain_find(f, &info, (const unsigned char *)ge->entrytable,
				      &q[i]);
	put_entries(x);
	return 0;
}

/* ---- object ------------------------------------------------------ */

static void fam_init(struct xt_fam *f, uint8_t family)
{
	bool v6 = family == NFPROTO_IPV6;

	memset(f, 0, sizeof(*f));
	f->family = family;
	f->counters_off = v6 ? offsetof(struct ip6t_entry, counters)
			     : offsetof(struct ipt_entry, counters);
	f->next_off = v6 ? offsetof(struct ip6t_entry, next_offset)
			 : offsetof(struct ipt_entry, next_offset);
	f->target_off = v6 ? offsetof(struct ip6t_entry, target_offset)
			   : offsetof(struct ipt_entry, target_offset);
	f->entry_size = v6 ? sizeof(struct ip6t_entry) : sizeof(struct ipt_entry);
	f->sock = -1;
	f->names_fd = -1;
}

struct rules_xt *rules_xt_open(enum xt_flavour flavour)
{
	struct rules_xt *x = calloc(1, sizeof(*x));
	int i, err;

	if (!x)
		return NULL;
	x->flavour = flavour;
	x->deep_ms = RULES_XT_DEEP_MS;
	ruleset_init(&x->cur);
	ruleset_init(&x->prev);
	fam_init(&x->fam[0], NFPROTO_IPV4);
	fam_init(&x->fam[1], NFPROTO_IPV6);
	if (flavour != XT_LEGACY)
		return x;
	/* Opened now, in the traced namespace: both stay bound to it. */
	for (i = 0; i < 2; i++) {
		struct xt_fam *f = &x->fam[i];
		bool v6 = f->family == NFPROTO_IPV6;

		f->names_fd = open(xt_names_path(v6), O_RDONLY | O_CLOEXEC);
		if (f->names_fd < 0)
			continue;	/* no legacy tables for this family */
		f->sock = socket(v6 ? AF_INET6 : AF_INET,
				 SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		if (f->sock < 0)
			goto err;
	}
	return x;
err:
	err = errno;
	rules_xt_close(x);
	errno = err;
	return NULL;
}

void rules_xt_close(struct rules_xt *x)
{
	int i;

	if (!x)
		return;
	for (i = 0; i < 2; i++) {
		if (x->fam[i].sock >= 0)
			close(x->fam[i].sock);
		if (x->fam[i].names_fd >= 0)
			close(x->fam[i].names_fd);
	}
	ruleset_clear(&x->cur);
	ruleset_clear(&x->prev);
	free(x->blob);
	free(x);
}

const struct ruleset *rules_xt_get(const struct rules_xt *x)
{
	return &x->cur;
}

const struct ruleset *rules_xt_previous(const struct rules_xt *x)
{
	return &x->prev;
}

bool rules_xt_has_table(const struct rules_xt *x, uint8_t family,
			const char *table)
{
	/* asked for every printed iptables-nft step: a list of the
	 * snapshot's tables, not a scan of its thousands of chains */
	return table_ref_has(x->tables, x->ntables, family, table);
}

const char *rules_xt_error(const struct rules_xt *x)
{
	return x && x->tool_err[0] ? x->tool_err : NULL;
}
