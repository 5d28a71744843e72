#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_notes.h"
#include "rules_xt.h"

/* meta and socket keys that read the local socket or its owner */
static const char *const socket_keys[] = { "skuid", "skgid", "cgroup", NULL };

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

static const char *str_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* One statement or expression object: its key names what it is. */
static bool object_state(const char *key, const json_t *v, char *buf, size_t size)
{
	static const char *const stateful[] = {
		"limit", "quota", "ct count", "socket", "ct helper", "meter",
		"ct expectation", "synproxy", NULL,
	};
	const char *k;

	if (in_list(key, stateful)) {
		snprintf(buf, size, "%s", key);
		return true;
	}
	if (!strcmp(key, "meta") && (k = str_of(v, "key")) && in_list(k, socket_keys)) {
		snprintf(buf, size, "meta %s", k);
		return true;
	}
	if (!strcmp(key, "ct") && (k = str_of(v, "key")) && !strcmp(k, "helper")) {
		snprintf(buf, size, "ct helper");
		return true;
	}
	if ((!strcmp(key, "set") || !strcmp(key, "map")) && (k = str_of(v, "op")) &&
	    (!strcmp(k, "add") || !strcmp(k, "update") || !strcmp(k, "delete"))) {
		const char *set = str_of(v, "set");

		snprintf(buf, size, "%s %s", k, set ? set : "a set");
		return true;
	}
	if (!strcmp(key, "numgen") && (k = str_of(v, "mode")) && !strcmp(k, "inc")) {
		snprintf(buf, size, "numgen inc");
		return true;
	}
	if (!strcmp(key, "xt")) {
		/* an iptables-nft rule's extension, by its bare name */
		static const char *const xt_stateful[] = {
			"recent", "limit", "hashlimit", "quota", "quota2",
			"connlimit", "owner", "cgroup", "socket", "helper",
			"rateest", "SET", NULL,
		};
		const char *name = json_is_object(v) ? str_of(v, "name") : NULL;

		if (!name || !in_list(name, xt_stateful))
			return false;
		snprintf(buf, size, "xt %s", name);
		return true;
	}
	return false;
}

static bool walk(const json_t *v, char *buf, size_t size)
{
	const char *key;
	const json_t *x;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (walk(x, buf, size))
				return true;
		return false;
	}
	if (!json_is_object(v))
		return false;
	json_object_foreach((json_t *)v, key, x)
		if (object_state(key, x, buf, size) || walk(x, buf, size))
			return true;
	return false;
}

bool probe_notes_nft_rule(const json_t *expr, char *buf, size_t size)
{
	return expr && walk(expr, buf, size);
}

/* ---- iptables-save text ------------------------------------------- */

/* Next word of a save line into w; a word in double quotes (how the
 * save tools write any string with other than [A-Za-z0-9_-]) comes
 * back flagged, so that a comment saying "-m recent" means nothing. */
static const char *next_word(const char *p, char *w, size_t size, bool *quoted)
{
	size_t n = 0;

	while (*p == ' ')
		p++;
	if (!*p)
		return NULL;
	*quoted = *p == '"';
	if (*quoted) {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (n + 1 < size)
				w[n++] = *p;
		}
		if (*p)
			p++;
	} else {
		for (; *p && *p != ' '; p++)
			if (n + 1 < size)
				w[n++] = *p;
	}
	w[n] = '\0';
	return p;
}

const char *probe_notes_xt_rule(const char *text)
{
	static const struct { const char *opt, *word, *note; } uses[] = {
		{ "-m", "recent", "-m recent" },
		{ "-m", "limit", "-m limit" },
		{ "-m", "hashlimit", "-m hashlimit" },
		{ "-m", "quota", "-m quota" },
		{ "-m", "quota2", "-m quota2" },
		{ "-m", "connlimit", "-m connlimit" },
		{ "-m", "owner", "-m owner" },
		{ "-m", "cgroup", "-m cgroup" },
		{ "-m", "socket", "-m socket" },
		{ "-m", "helper", "-m helper" },
		{ "-m", "rateest", "-m rateest" },
		{ "-j", "SET", "-j SET" },
		{ "--helper", NULL, "-j CT --helper" },
		{ "--mode", "nth", "-m statistic --mode nth" },
	};
	char prev[64] = "", w[64];
	const char *p = text;
	bool quoted, prev_quoted = true;
	size_t i;

	while (p && (p = next_word(p, w, sizeof(w), &quoted))) {
		for (i = 0; i < sizeof(uses) / sizeof(uses[0]) && !quoted; i++) {
			if (!uses[i].word && !strcmp(w, uses[i].opt))
				return uses[i].note;
			if (uses[i].word && !prev_quoted && !strcmp(prev, uses[i].opt) &&
			    !strcmp(w, uses[i].word))
				return uses[i].note;
		}
		snprintf(prev, sizeof(prev), "%s", w);
		prev_quoted = quoted;
	}
	return NULL;
}

int probe_notes_xt_scan(const char *save_text, uint8_t family, bool legacy,
			int (*note)(const char *line, void *arg), void *arg)
{
	struct ruleset rs;
	uint32_t i;
	int ret = 0;

	ruleset_init(&rs);
	if (rules_xt_parse(save_text, family, &rs) < 0) {
		ruleset_clear(&rs);
		return -1;
	}
	for (i = 0; i < rs.nrules && ret == 0; i++) {
		const struct rs_rule *r = &rs.rules[i];
		const struct rs_chain *c = &rs.chains[r->chain];
		const char *what = r->text ? probe_notes_xt_rule(r->text) : NULL;
		char line[512];

		if (!what)
			continue;
		snprintf(line, sizeof(line), "note: %s%s %s (#%u) uses %s; its state "
			 "is not copied", legacy ? "legacy " : "", c->table, c->name,
			 r->pos, what);
		ret = note(line, arg);
	}
	ruleset_clear(&rs);
	return ret;
}
