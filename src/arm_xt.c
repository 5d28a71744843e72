/* Legacy TRACE rules through iptables-legacy. Rules are added and deleted
 * by running the tool (no shell): libiptc has no stable API, and the tool
 * takes the xtables lock that other programs (Docker, kube-proxy) honour.
 * Deleting by the same spec, not by position, is safe against rules
 * others insert meanwhile; the comment carries our PID and a random
 * 64-bit token, so the spec is ours alone. The PID is for people: in
 * another PID namespace it names some other process. Ownership is the
 * token: a live run holds the flock() of statedir's rules.TOKEN, which
 * the kernel releases when it dies, in whatever PID namespace. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/random.h>

#include "arm_xt.h"
#include "rules_xt.h"
#include "spawn_tool.h"
#include "statedir.h"
#include <linux/netfilter.h>	/* after the libc headers it clashes with */

#define MAX_RULES	4		/* 2 families x 2 hooks */
#define MAX_ARGS	24
#define MAX_SAVE_ARGS	64

/* fam: 0 IPv4, 1 IPv6 */
static const char *tool(int fam, enum xt_tool t)
{
	return xt_tool_name(XT_LEGACY, fam == 1, t);
}

struct xt_rule {
	int fam;			/* 0 IPv4, 1 IPv6 */
	const char *chain;
	unsigned int hook;		/* NF_INET_PRE_ROUTING, NF_INET_LOCAL_OUT */
	const char *args[MAX_ARGS];	/* between the chain and NULL */
	int nargs;
	bool installed;
	bool missing;			/* taken out by someone, not yet back */
};

struct arm_xt {
	struct xt_rule rules[MAX_RULES];
	int nrules;
	char iface[IFNAMSIZ], oface[IFNAMSIZ];
	char bytecode[XT_BPF_MAX_NUM_INSTR * 48 + 8];
	char limit[32], burst[16];
	char comment[48];
	char lock_name[32];		/* rules.TOKEN */
	int lock_fd;
	bool made_raw[2];		/* the raw table came with our rules */
	uint64_t stamp[2];		/* raw's GET_INFO stamp when last read */
	bool stamped[2];
	unsigned int checks;		/* arm_xt_repair() calls since a full read */
};

static bool has_raw_table(int fam);

static void set_err(char *err, size_t errlen, const char *tool,
		    const struct spawn_result *r)
{
	if (!err || !errlen)
		return;
	if (r && r->err[0])
		snprintf(err, errlen, "%s", r->err);
	else if (r)
		snprintf(err, errlen, "%s exited with status %d", tool, r->status);
	else
		snprintf(err, errlen, "%s: %s", tool, strerror(errno));
}

/* tool -w N -t raw OP CHAIN [1] args... */
static int run_rule(int fam, const char *op, const char *chain,
		    const char *const *args, int nargs, char *err, size_t errlen)
{
	const char *argv[MAX_SAVE_ARGS + 12];
	struct spawn_result r;
	int n = 0, i;

	argv[n++] = tool(fam, XT_TOOL_CMD);
	argv[n++] = "-w";
	argv[n++] = ARM_XT_LOCK_WAIT;
	argv[n++] = "-t";
	argv[n++] = "raw";
	argv[n++] = op;
	argv[n++] = chain;
	if (!strcmp(op, "-I"))
		argv[n++] = "1";
	for (i = 0; i < nargs; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (spawn_run(argv, false, &r) < 0) {
		set_err(err, errlen, tool(fam, XT_TOOL_CMD), NULL);
		return -1;
	}
	if (r.status != 0) {
		set_err(err, errlen, tool(fam, XT_TOOL_CMD), &r);
		errno = EPROTO;
		return -1;
	}
	return 0;
}

int arm_xt_bytecode(const struct filter_prog *prog, char *buf, size_t size)
{
	size_t off;
	unsigned int i;
	int n;

	n = snprintf(buf, size, "%u", prog->len);
	if (n < 0 || (size_t)n >= size)
		goto nospc;
	off = (size_t)n;
	for (i = 0; i < prog->len; i++) {
		const struct sock_filter *f = &prog->insns[i];

		n = snprintf(buf + off, size - off, ",%u %u %u %u", f->code,
			     f->jt, f->jf, f->k);
		if (n < 0 || (size_t)n >= size - off)
			goto nospc;
		off += (size_t)n;
	}
	return (int)off;
nospc:
	errno = ENOSPC;
	return -1;
}

static const char *limit_unit(unsigned int seconds)
{
	switch (seconds) {
	case 60: return "minute";
	case 3600: return "hour";
	case 86400: return "day";
	default: return "second";
	}
}

static void build_rule(struct arm_xt *a, const struct arm_spec *s, int fam,
		       const char *chain, bool input_side)
{
	struct xt_rule *r = &a->rules[a->nrules++];

	r->fam = fam;
	r->chain = chain;
	r->hook = input_side ? NF_INET_PRE_ROUTING : NF_INET_LOCAL_OUT;
	if (input_side && a->iface[0]) {
		if (s->not_in_iface)
			r->args[r->nargs++] = "!";
		r->args[r->nargs++] = "-i";
		r->args[r->nargs++] = a->iface;
	}
	if (!input_side && a->oface[0]) {
		if (s->not_out_iface)
			r->args[r->nargs++] = "!";
		r->args[r->nargs++] = "-o";
		r->args[r->nargs++] = a->oface;
	}
	if (a->bytecode[0]) {
		r->args[r->nargs++] = "-m";
		r->args[r->nargs++] = "bpf";
		r->args[r->nargs++] = "--bytecode";
		r->args[r->nargs++] = a->bytecode;
	}
	if (s->limit_rate) {
		r->args[r->nargs++] = "-m";
		r->args[r->nargs++] = "limit";
		r->args[r->nargs++] = "--limit";
		r->args[r->nargs++] = a->limit;
		r->args[r->nargs++] = "--limit-burst";
		r->args[r->nargs++] = a->burst;
	}
	r->args[r->nargs++] = "-m";
	r->args[r->nargs++] = "comment";
	r->args[r->nargs++] = "--comment";
	r->args[r->nargs++] = a->comment;
	r->args[r->nargs++] = "-j";
	r->args[r->nargs++] = "TRACE";
}

struct arm_xt *arm_xt_install(const struct arm_spec *spec, char *err,
			      size_t errlen)
{
	struct arm_xt *a = calloc(1, sizeof(*a));
	int fam, i, e;

	if (!a)
		return NULL;
	a->lock_fd = -1;
	if (spec->in_iface && strlen(spec->in_iface) >= sizeof(a->iface)) {
		/* truncated, it would name another interface */
		if (err && errlen)
			snprintf(err, errlen, "interface name too long: %s",
				 spec->in_iface);
		free(a);
		errno = EINVAL;
		return NULL;
	}
	if (spec->in_iface)
		snprintf(a->iface, sizeof(a->iface), "%s", spec->in_iface);
	if (spec->out_iface)
		snprintf(a->oface, sizeof(a->oface), "%s", spec->out_iface);
	if (spec->prog && spec->prog->len &&
	    arm_xt_bytecode(spec->prog, a->bytecode, sizeof(a->bytecode)) < 0)
		goto fail;
	snprintf(a->limit, sizeof(a->limit), "%u/%s", spec->limit_rate,
		 limit_unit(spec->limit_unit));
	snprintf(a->burst, sizeof(a->burst), "%u",
		 spec->limit_burst ? spec->limit_burst : 5);
	{
		uint64_t token;

		if (getrandom(&token, sizeof(token), 0) != sizeof(token))
			goto fail;
		snprintf(a->comment, sizeof(a->comment), ARM_XT_COMMENT_PREFIX
			 "%ld:%016" PRIx64, (long)getpid(), token);
		snprintf(a->lock_name, sizeof(a->lock_name), "rules.%016" PRIx64,
			 token);
	}
	/* held before the first rule exists, so no cleanup sees it unowned */
	a->lock_fd = statedir_lock(a->lock_name);
	if (a->lock_fd < 0) {
		if (err && errlen)
			snprintf(err, errlen, "locking %s/%s: %s", statedir_path(),
				 a->lock_name, strerror(errno));
		goto fail;
	}
	for (fam = 0; fam < 2; fam++) {
		if (!(fam ? spec->ipv6 : spec->ipv4))
			continue;
		if (spec->hook_prerouting)
			build_rule(a, spec, fam, "PREROUTING", true);
		if (spec->hook_output)
			build_rule(a, spec, fam, "OUTPUT", false);
	}
	for (fam = 0; fam < 2; fam++)
		a->made_raw[fam] = !has_raw_table(fam);
	for (i = 0; i < a->nrules; i++) {
		struct xt_rule *r = &a->rules[i];

		if (run_rule(r->fam, "-I", r->chain, r->args, r->nargs, err,
			     errlen) < 0)
			goto fail;
		r->installed = true;
	}
	for (fam = 0; fam < 2; fam++)
		a->made_raw[fam] = a->made_raw[fam] && has_raw_table(fam);
	return a;
fail:
	e = errno;
	/* keep the first error's message, not the undo's */
	arm_xt_free(a);
	errno = e;
	return NULL;
}

int arm_xt_remove(struct arm_xt *a, char *err, size_t errlen)
{
	int i, ret = 0, e = 0;

	if (!a)
		return 0;
	for (i = a->nrules - 1; i >= 0; i--) {
		struct xt_rule *r = &a->rules[i];

		if (!r->installed)
			continue;
		if (run_rule(r->fam, "-D", r->chain, r->args, r->nargs,
			     ret ? NULL : err, errlen) < 0) {
			if (!ret)
				e = errno;
			ret = -1;
			continue;
		}
		r->installed = false;
	}
	if (ret)
		errno = e;
	return ret;
}

static void list_add(char *list, size_t size, const struct xt_rule *r)
{
	size_t len = strlen(list);

	snprintf(list + len, size - len, "%s%s (IPv%d)", len ? ", " : "",
		 r->chain, r->fam ? 6 : 4);
}

int arm_xt_repair(struct arm_xt *a, struct rules_xt *x,
		  struct arm_xt_repair *out)
{
	int fam, i, ret = 0, e = 0;
	bool deep;

	memset(out, 0, sizeof(*out));
	if (!a)
		return 0;
	deep = ++a->checks >= ARM_XT_DEEP_CHECKS;
	if (deep)
		a->checks = 0;
	for (fam = 0; fam < 2; fam++) {
		uint8_t family = fam ? NFPROTO_IPV6 : NFPROTO_IPV4;
		struct xt_rule_query q[MAX_RULES];
		struct xt_rule *which[MAX_RULES];
		bool missing = false;
		unsigned int n = 0, j;
		uint64_t stamp;

		for (i = 0; i < a->nrules; i++) {
			struct xt_rule *r = &a->rules[i];

			/* not after arm_xt_remove() */
			if (r->fam != fam || (!r->installed && !r->missing))
				continue;
			q[n] = (struct xt_rule_query){ .hook = r->hook,
				.comment = a->comment, .target = "TRACE" };
			which[n++] = r;
			missing = missing || r->missing;
		}
		if (!n)
			continue;
		if (!deep && !missing && a->stamped[fam]) {
			if (rules_xt_table_stamp(x, family, "raw", &stamp) < 0) {
				e = errno;
				ret = -1;
				continue;
			}
			if (stamp == a->stamp[fam])
				continue;
		}
		if (rules_xt_find_rules(x, family, "raw", q, n, &stamp) < 0) {
			/* EAGAIN: changing as we read; look again next time */
			a->stamped[fam] = false;
			if (errno != EAGAIN) {
				e = errno;
				ret = -1;
			}
			continue;
		}
		/* Our own inserts below change it again: the next call reads
		 * once more and finds them. */
		a->stamp[fam] = stamp;
		a->stamped[fam] = true;
		for (j = 0; j < n; j++) {
			struct xt_rule *r = which[j];

			if (q[j].pos) {
				r->installed = true;
				r->missing = false;
				continue;
			}
			if (run_rule(r->fam, "-I", r->chain, r->args, r->nargs,
				     out->err[0] ? NULL : out->err,
				     sizeof(out->err)) == 0) {
				r->installed = true;
				r->missing = false;
				list_add(out->put_back, sizeof(out->put_back), r);
				continue;
			}
			if (!r->missing)
				list_add(out->failed, sizeof(out->failed), r);
			r->installed = false;
			r->missing = true;
		}
	}
	if (!out->failed[0])
		out->err[0] = '\0';
	if (ret)
		errno = e;
	return ret;
}

void arm_xt_free(struct arm_xt *a)
{
	int e = errno;

	if (!a)
		return;
	/* A rule we failed to delete stays owned by nobody once the lock
	 * goes: the next run or --cleanup removes it. */
	arm_xt_remove(a, NULL, 0);
	statedir_release(a->lock_name, a->lock_fd);
	free(a);
	errno = e;
}

/* ---- leftovers --------------------------------------------------- */

bool arm_xt_is_own_rule(const char *text)
{
	return strstr(text, "--comment \"" ARM_XT_COMMENT_PREFIX) != NULL;
}

/* Split iptables-save rule text into words, undoing its quoting:
 * "..." with \" and \\ inside. Writes into buf; words point into it. */
static int split_words(const char *text, char *buf, const char **words,
		       int max)
{
	int n = 0;

	while (*text) {
		while (*text == ' ')
			text++;
		if (!*text)
			break;
		if (n == max)
			return -1;
		words[n++] = buf;
		if (*text == '"') {
			for (text++; *text && *text != '"'; text++) {
				if (*text == '\\' && text[1])
					text++;
				*buf++ = *text;
			}
			if (*text)
				text++;
		} else {
			while (*text && *text != ' ')
				*buf++ = *text++;
		}
		*buf++ = '\0';
	}
	return n;
}

/* Is the run that owns this comment alive? "iptables-trace PID:TOKEN":
 * its lock rules.TOKEN is held. "iptables-trace PID" (older versions):
 * the PID is a running iptables-trace, as well as that can be told. A
 * dead owner's lock file is removed here. */
static bool owner_alive(const char *comment)
{
	const char *p = comment + strlen(ARM_XT_COMMENT_PREFIX), *colon;
	char path[64], comm[32] = "", name[32];
	long pid;
	FILE *f;
	int fd;

	colon = strchr(p, ':');
	if (colon) {
		size_t i, n = strlen(colon + 1);

		if (n != 16)
			return false;
		for (i = 0; i < n; i++)
			if (!isxdigit((unsigned char)colon[1 + i]) ||
			    isupper((unsigned char)colon[1 + i]))
				return false;
		snprintf(name, sizeof(name), "rules.%s", colon + 1);
		fd = statedir_try_lock(name);
		if (fd >= 0) {
			statedir_release(name, fd);
			return false;
		}
		/* EBUSY: held. ENOENT: its run is gone (or was never
		 * able to lock). */
		return errno == EBUSY;
	}
	pid = strtol(p, NULL, 10);
	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strncmp(comm, "iptables-trace", 14);
}

static bool has_raw_table(int fam)
{
	char line[64];
	bool found = false;
	FILE *f = fopen(xt_names_path(fam == 1), "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strcmp(line, "raw\n");
	fclose(f);
	return found;
}

static int cleanup_line(int fam, const char *line, bool all,
			unsigned int *removed, char *err, size_t errlen)
{
	const char *words[MAX_SAVE_ARGS], *chain, *comment = NULL;
	char *buf;
	int n, i, ret = 0;

	if (strncmp(line, "-A PREROUTING ", 14) && strncmp(line, "-A OUTPUT ", 10))
		return 0;
	if (!arm_xt_is_own_rule(line + 3))
		return 0;
	buf = malloc(strlen(line) + 1);
	if (!buf)
		return -1;
	n = split_words(line + 3, buf, words, MAX_SAVE_ARGS);
	/* words: CHAIN args... -j TRACE */
	if (n < 3 || strcmp(words[n - 2], "-j") || strcmp(words[n - 1], "TRACE"))
		goto out;
	chain = words[0];
	for (i = 1; i + 1 < n; i++)
		if (!strcmp(words[i], "--comment"))
			comment = words[i + 1];
	if (!comment || strncmp(comment, ARM_XT_COMMENT_PREFIX,
				strlen(ARM_XT_COMMENT_PREFIX)))
		goto out;
	if (!all && owner_alive(comment))
		goto out;
	ret = run_rule(fam, "-D", chain, words + 1, n - 1, err, errlen);
	if (ret == 0 && removed)
		(*removed)++;
out:
	free(buf);
	return ret;
}

int arm_xt_cleanup(bool all, unsigned int *removed, char *err, size_t errlen)
{
	unsigned int dummy = 0;
	int fam;

	if (!removed)
		removed = &dummy;
	*removed = 0;
	for (fam = 0; fam < 2; fam++) {
		const char *argv[] = { tool(fam, XT_TOOL_SAVE), "-t", "raw", NULL };
		struct spawn_result r;
		char *line, *save = NULL;
		int ret = 0;

		/* Listing a table that does not exist would create it. */
		if (!has_raw_table(fam))
			continue;
		if (spawn_run(argv, true, &r) < 0) {
			set_err(err, errlen, tool(fam, XT_TOOL_SAVE), NULL);
			return -1;
		}
		if (r.status != 0) {
			set_err(err, errlen, tool(fam, XT_TOOL_SAVE), &r);
			spawn_result_free(&r);
			errno = EPROTO;
			return -1;
		}
		for (line = strtok_r(r.out, "\n", &save); line && ret == 0;
		     line = strtok_r(NULL, "\n", &save))
			ret = cleanup_line(fam, line, all, removed, err, errlen);
		spawn_result_free(&r);
		if (ret < 0)
			return -1;
	}
	return 0;
}

const char *arm_xt_comment(const struct arm_xt *a)
{
	return a->comment;
}

const char *arm_xt_made_tables(const struct arm_xt *a)
{
	if (!a || !(a->made_raw[0] || a->made_raw[1]))
		return NULL;
	return a->made_raw[0] && a->made_raw[1] ? "IPv4 and IPv6" :
	       a->made_raw[0] ? "IPv4" : "IPv6";
}
