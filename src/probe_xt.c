#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include "probe_xt.h"
#include "ruleset.h"
#include "rules_xt.h"
#include "spawn_tool.h"

static void tool_msg(const char *tool, const struct spawn_result *r, int err,
		     char *msg, size_t msglen)
{
	if (r && r->err[0] && !strncmp(r->err, tool, strlen(tool)) &&
	    (r->err[strlen(tool)] == ':' || r->err[strlen(tool)] == ' '))
		snprintf(msg, msglen, "%s", r->err);	/* it names itself */
	else if (r && r->err[0])
		snprintf(msg, msglen, "%s: %s", tool, r->err);
	else if (r)
		snprintf(msg, msglen, "%s: failed without a message (exit %d)", tool,
			 r->status);
	else
		snprintf(msg, msglen, "%s: %s", tool, strerror(err));
	msg[strcspn(msg, "\n")] = '\0';
}

int probe_xt_run_out(const char *tool, const char *table, char **out,
		     char *msg, size_t msglen)
{
	const char *argv[] = { tool, table ? "-t" : NULL, table, NULL };

	return probe_run_out(argv, out, msg, msglen);
}

int probe_run_out(const char *const argv[], char **out, char *msg, size_t msglen)
{
	const char *tool = argv[0];
	struct spawn_result r;

	*out = NULL;
	if (spawn_run(argv, true, &r) < 0) {
		tool_msg(tool, NULL, errno, msg, msglen);
		return -1;
	}
	if (r.status) {
		tool_msg(tool, &r, 0, msg, msglen);
		spawn_result_free(&r);
		errno = EPROTO;
		return -1;
	}
	*out = r.out;
	return 0;
}

int probe_xt_run_in(const char *tool, const char *text, size_t len,
		    char *msg, size_t msglen)
{
	bool wait = strstr(tool, "legacy") != NULL;
	const char *argv[] = { tool, wait ? "-w" : NULL, NULL };

	return probe_run_in(argv, text, len, msg, msglen);
}

int probe_run_in(const char *const argv[], const char *text, size_t len,
		 char *msg, size_t msglen)
{
	const char *tool = argv[0];
	struct spawn_result r;

	if (spawn_run_input(argv, text, len, false, &r) < 0) {
		tool_msg(tool, NULL, errno, msg, msglen);
		return -1;
	}
	if (r.status) {
		tool_msg(tool, &r, 0, msg, msglen);
		errno = EPROTO;
		return -1;
	}
	return 0;
}

static int cmp_line(const void *a, const void *b);

/* Without comments and chain counters; and the tables sorted, since the
 * legacy save tools list them newest first (/proc/net/ip_tables_names)
 * and a restore makes them in the order it reads them. */
char *probe_xt_normal(const char *text)
{
	char *flat = malloc(strlen(text) + 1), *o = flat, **blocks = NULL, *out = NULL;
	const char *p = text;
	size_t n = 0, i, len = 0;

	if (!flat)
		return NULL;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t l = eol ? (size_t)(eol - p) : strlen(p);

		if (*p != '#') {
			size_t keep = l;

			if (*p == ':' && l && p[l - 1] == ']') {
				const char *b = memrchr(p, '[', l);

				if (b && b > p && b[-1] == ' ')
					keep = (size_t)(b - 1 - p);
			}
			memcpy(o, p, keep);
			o += keep;
			/* a table ends at its COMMIT: NUL-separated blocks */
			*o++ = keep == 6 && !memcmp(p, "COMMIT", 6) ? '\0' : '\n';
			n += o[-1] == '\0';
		}
		p += l + (eol ? 1 : 0);
	}
	*o = '\0';
	blocks = calloc(n + 1, sizeof(*blocks));
	if (!blocks)
		goto out;
	for (i = 0, p = flat; i < n; i++) {
		blocks[i] = (char *)p;
		len += strlen(p) + 1;
		p += strlen(p) + 1;
	}
	/* what follows the last COMMIT, if anything, stays last */
	blocks[n] = (char *)p;
	len += strlen(p) + 1;
	qsort(blocks, n, sizeof(*blocks), cmp_line);
	out = malloc(len + 1);
	if (!out)
		goto out;
	for (o = out, i = 0; i <= n; i++)
		o += sprintf(o, "%s%s", blocks[i], i < n ? "\n" : "");
out:
	free(blocks);
	free(flat);
	return out;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *probe_ipset_normal(const char *text)
{
	char *copy = strdup(text), **lines = NULL, *out = NULL, *s, *o;
	size_t n = 0, i;

	if (!copy)
		return NULL;
	for (s = copy; *s; s++)
		n += *s == '\n';
	lines = calloc(n + 2, sizeof(*lines));
	out = malloc(strlen(text) + 2);
	if (!lines || !out)
		goto out;
	n = 0;
	for (s = strtok(copy, "\n"); s; s = strtok(NULL, "\n"))
		lines[n++] = s;
	qsort(lines, n, sizeof(*lines), cmp_line);
	for (o = out, i = 0; i < n; i++)
		o += sprintf(o, "%s\n", lines[i]);
	*o = '\0';
	free(lines);
	free(copy);
	return out;
out:
	free(lines);
	free(out);
	free(copy);
	return NULL;
}

int probe_xt_check_lines(const char *text, uint8_t family, const char *what,
			 char *msg, size_t msglen)
{
	struct ruleset rs;
	uint32_t i;
	int ret = 0;

	ruleset_init(&rs);
	if (rules_xt_parse(text, family, &rs) < 0) {
		snprintf(msg, msglen, "probe: out of memory");
		ruleset_clear(&rs);
		return -1;
	}
	for (i = 0; i < rs.nrules && !ret; i++) {
		const struct rs_rule *r = &rs.rules[i];

		if (r->text && !strchr(r->text, '\n'))
			continue;
		/* the chain name is data: it is not printed here */
		snprintf(msg, msglen, "probe: %s: rule #%u of a chain of table %s holds a "
			 "newline, which a restore would cut into two rules; refusing to "
			 "copy it inexactly (use --ruleset with a fixed file)", what,
			 r->pos, rs.chains[r->chain].table);
		ret = -1;
	}
	for (i = 0; i < rs.nchains && !ret; i++)
		if (strpbrk(rs.chains[i].name, "\n\r")) {
			snprintf(msg, msglen, "probe: %s: a chain name of table %s holds "
				 "a newline; refusing to copy it inexactly", what,
				 rs.chains[i].table);
			ret = -1;
		}
	ruleset_clear(&rs);
	return ret;
}

static int legacy_entries(uint8_t family, const char *table, unsigned int *n)
{
	bool v6 = family == NFPROTO_IPV6;
	struct ipt_getinfo info;
	int sock, ret, e;

	sock = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (sock < 0)
		return -1;
	ret = xt_get_info(sock, v6, table, &info);
	e = errno;
	close(sock);
	errno = e;
	*n = info.num_entries;
	return ret;
}

int probe_xt_check_legacy(const char *text, uint8_t family, char *msg,
			  size_t msglen)
{
	struct ruleset rs;
	uint32_t i, j;
	int ret = 0;

	ruleset_init(&rs);
	if (rules_xt_parse(text, family, &rs) < 0) {
		snprintf(msg, msglen, "probe: out of memory");
		ruleset_clear(&rs);
		return -1;
	}
	for (i = 0; i < rs.nchains && !ret; i++) {
		const char *table = rs.chains[i].table;
		unsigned int expect = 1, have = 0;
		bool first = true;

		for (j = 0; j < i && first; j++)
			first = strcmp(rs.chains[j].table, table) != 0;
		if (!first)
			continue;
		for (j = 0; j < rs.nchains; j++)
			if (!strcmp(rs.chains[j].table, table))
				expect += rs.chains[j].nrules +
					  (rs.chains[j].hook == HOOK_NONE ? 2 : 1);
		if (legacy_entries(family, table, &have) < 0)
			continue;	/* gone since the save: the copy is as old */
		if (have != expect) {
			snprintf(msg, msglen, "probe: the legacy %s table %s has %u entries "
				 "in the kernel but its save output stands for %u (a name or "
				 "comment holding a newline?); refusing to copy it inexactly",
				 family == NFPROTO_IPV6 ? "IPv6" : "IPv4", table, have, expect);
			ret = -1;
		}
	}
	ruleset_clear(&rs);
	return ret;
}

void probe_xt_counts(const char *text, uint8_t family, unsigned int *tables,
		     unsigned int *chains, unsigned int *rules)
{
	struct ruleset rs;
	uint32_t i, j;

	ruleset_init(&rs);
	if (rules_xt_parse(text, family, &rs) == 0) {
		*chains += rs.nchains;
		*rules += rs.nrules;
		for (i = 0; i < rs.nchains; i++) {
			bool first = true;

			for (j = 0; j < i && first; j++)
				first = strcmp(rs.chains[j].table, rs.chains[i].table) != 0;
			*tables += first;
		}
	}
	ruleset_clear(&rs);
}

struct decl {
	const char *line;
	size_t len;
	long rank;
	size_t place;			/* ties keep their order */
};

static int cmp_decl(const void *a, const void *b)
{
	const struct decl *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->place < y->place ? -1 : x->place > y->place;
}

char *probe_xt_order_chains(const char *text,
			    long (*rank)(const char *name, const void *arg),
			    const void *arg)
{
	const char *p = text, *first = NULL, *after = NULL;
	struct decl *d = NULL, *grown;
	size_t n = 0, i, len = strlen(text);
	char name[256], *out = NULL, *o;

	for (; *p; p = after) {
		const char *eol = strchr(p, '\n');
		size_t l = eol ? (size_t)(eol - p + 1) : strlen(p);
		size_t nl = strcspn(p + 1, " \n");
		after = p + l;
		if (*p != ':') {
			if (first)
				break;
			continue;
		}
		first = first ? first : p;
		if (!(grown = realloc(d, (n + 1) * sizeof(*d))))
			goto out;
		d = grown;
		snprintf(name, sizeof(name), "%.*s", (int)nl, p + 1);
		/* unknown (a built-in chain the kernel lacks): first, as saved */
		d[n] = (struct decl){ p, l, nl < sizeof(name) ? rank(name, arg) : -1, n };
		n++;
	}
	if (!first) {
		out = strdup(text);
		goto out;
	}
	qsort(d, n, sizeof(*d), cmp_decl);
	if (!(out = malloc(len + 1)))
		goto out;
	o = mempcpy(out, text, (size_t)(first - text));
	for (i = 0; i < n; i++)
		o = mempcpy(o, d[i].line, d[i].len);
	/* the declarations ended where the first other line began */
	p = first;
	for (i = 0; i < n; i++)
		p += d[i].len;
	strcpy(o, p);
out:
	free(d);
	return out;
}
