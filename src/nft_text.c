#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft_text.h"

#define TERM		" # handle "
#define TERM_LEN	(sizeof(TERM) - 1)

/* Where " # handle N\n" occurs for one N, and how often. */
struct term {
	uint64_t handle;
	size_t start, end;		/* of " # handle", and just past "\n" */
	unsigned int count;		/* 0: empty slot */
};

struct terms {
	struct term *slot;
	size_t size;			/* a power of two */
};

static size_t hash64(uint64_t h, size_t size)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h & (size - 1);
}

static struct term *term_slot(const struct terms *t, uint64_t handle)
{
	size_t i = hash64(handle, t->size);

	while (t->slot[i].count && t->slot[i].handle != handle)
		i = (i + 1) & (t->size - 1);
	return &t->slot[i];
}

static const struct term *term_find(const struct terms *t, uint64_t handle)
{
	const struct term *s = term_slot(t, handle);

	return s->count ? s : NULL;
}

/* " # handle " digits "\n" at p? Sets *handle and *end. */
static bool term_at(const char *text, size_t len, size_t p, uint64_t *handle,
		    size_t *end)
{
	size_t i = p + TERM_LEN;
	uint64_t h = 0;

	if (i >= len || text[i] < '0' || text[i] > '9')
		return false;
	for (; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
		if (h > (UINT64_MAX - 9) / 10)
			return false;
		h = h * 10 + (uint64_t)(text[i] - '0');
	}
	if (i >= len || text[i] != '\n')
		return false;
	*handle = h;
	*end = i + 1;
	return true;
}

static int terms_index(struct terms *t, const char *text, size_t len,
		       size_t from)
{
	const char *p = text + from, *q;
	size_t n = 0, end;
	uint64_t h;

	while ((q = memmem(p, len - (size_t)(p - text), TERM, TERM_LEN))) {
		n++;
		p = q + TERM_LEN;
	}
	for (t->size = 16; t->size < 2 * n; t->size *= 2)
		;
	t->slot = calloc(t->size, sizeof(*t->slot));
	if (!t->slot)
		return -1;
	p = text + from;
	while ((q = memmem(p, len - (size_t)(p - text), TERM, TERM_LEN))) {
		size_t at = (size_t)(q - text);

		p = q + TERM_LEN;
		if (term_at(text, len, at, &h, &end)) {
			struct term *s = term_slot(t, h);

			if (!s->count++) {
				s->handle = h;
				s->start = at;
				s->end = end;
			}
		}
	}
	return 0;
}

/* The genuine terminator of handle h, or NULL. */
static const struct term *term_unique(const struct terms *t, uint64_t h)
{
	const struct term *s = term_find(t, h);

	return s && s->count == 1 ? s : NULL;
}

static bool starts(const char *text, size_t len, size_t at, const char *s,
		   size_t n)
{
	return at <= len && len - at >= n && !memcmp(text + at, s, n);
}

/* Past the line at `at` if it begins with prefix; else SIZE_MAX. */
static size_t skip_line(const char *text, size_t len, size_t at,
			const char *prefix)
{
	const char *nl;

	if (!starts(text, len, at, prefix, strlen(prefix)))
		return SIZE_MAX;
	nl = memchr(text + at, '\n', len - at);
	return nl ? (size_t)(nl - text) + 1 : SIZE_MAX;
}

/* Where a named chain's first rule begins: after "chain NAME { # handle
 * H\n", its comment line (whose exact bytes the kernel told us) and its
 * type line. SIZE_MAX when the listing does not look like that. */
static size_t rules_start(const char *text, size_t len, const struct terms *t,
			  const struct nft_text_chain *c)
{
	const struct term *h = term_unique(t, c->handle);
	size_t at;

	if (!h)
		return SIZE_MAX;
	at = h->end;
	if (c->comment) {
		size_t n = strlen(c->comment);

		if (!starts(text, len, at, "\t\tcomment \"", 11) ||
		    !starts(text, len, at + 11, c->comment, n) ||
		    !starts(text, len, at + 11 + n, "\"\n", 2))
			return SIZE_MAX;
		at += 11 + n + 2;
	}
	if (c->base)
		at = skip_line(text, len, at, "\t\ttype ");
	return at;
}

static char *dup_trimmed(const char *s, size_t n)
{
	while (n && (*s == '\t' || *s == ' ')) {
		s++;
		n--;
	}
	return strndup(s, n);
}

/* One line of seg: [*at, next '\n' or end). */
static bool next_line(const char *seg, size_t n, size_t *at, size_t *ls,
		      size_t *le)
{
	const char *nl;

	if (*at > n)
		return false;
	nl = memchr(seg + *at, '\n', n - *at);
	*ls = *at;
	*le = nl ? (size_t)(nl - seg) : n;
	*at = *le + 1;
	return true;
}

/* A rule that binds an anonymous chain prints as
 *	"\t\t... jump {\n\t\t\tinner\n...\t\t}"
 * with no handles inside. The inner lines are the bound chain's rules
 * when their count matches what the kernel says; the rule's own text
 * becomes one line, "... jump { inner; inner }". */
static int split_binding(const char *seg, size_t n, char **outer,
			 struct nft_text_chain *bound)
{
	size_t at = 0, ls, le, head_end, nlines = 0, k;
	char *buf = NULL, *head;
	size_t blen = 0;
	FILE *f;

	next_line(seg, n, &at, &ls, &head_end);
	/* the inner lines, then the closing brace */
	while (next_line(seg, n, &at, &ls, &le))
		nlines++;
	head = dup_trimmed(seg, head_end);
	f = head ? open_memstream(&buf, &blen) : NULL;
	if (!f) {
		free(head);
		return -1;
	}
	fputs(head, f);
	free(head);
	if (nlines != (size_t)bound->nrules + 1) {
		fputs(" ... }", f);
		bound = NULL;
	}
	at = head_end + 1;
	for (k = 0; bound && k < bound->nrules; k++) {
		next_line(seg, n, &at, &ls, &le);
		bound->texts[k] = dup_trimmed(seg + ls, le - ls);
		if (!bound->texts[k])
			break;
		fprintf(f, "%s%s", k ? "; " : " ", bound->texts[k]);
	}
	if (bound)
		fputs(" }", f);
	if (fclose(f) || (bound && k < bound->nrules)) {
		free(buf);
		return -1;
	}
	*outer = buf;
	return 0;
}

static int split_chain(const char *text, size_t len, const struct terms *t,
		       struct nft_text_chain *chains, unsigned int nchains,
		       struct nft_text_chain *c)
{
	size_t prev = rules_start(text, len, t, c);
	unsigned int i;

	for (i = 0; i < c->nrules; i++) {
		const struct term *tm = term_unique(t, c->rules[i]);
		size_t start;
		int b = c->binds ? c->binds[i] : -1;

		if (!tm) {
			prev = SIZE_MAX;
			continue;
		}
		start = prev;
		if (start == SIZE_MAX || start > tm->start) {
			/* after an unknown rule: this rule's own line only */
			const char *nl = memrchr(text, '\n', tm->start);

			start = nl ? (size_t)(nl - text) + 1 : 0;
		}
		prev = tm->end;
		if (b >= 0 && (unsigned int)b < nchains && chains[b].bound) {
			if (split_binding(text + start, tm->start - start,
					  &c->texts[i], &chains[b]) < 0)
				return -1;
			continue;
		}
		c->texts[i] = dup_trimmed(text + start, tm->start - start);
		if (!c->texts[i])
			return -1;
	}
	return 0;
}

int nft_text_split(const char *text, size_t len, struct nft_text_chain *chains,
		   unsigned int nchains)
{
	struct terms t;
	unsigned int i;
	int ret = 0;

	/* The first line names the table, with the table's handle: a
	 * number of another counter, which may equal a chain's. */
	const char *nl = memchr(text, '\n', len);
	size_t skip = nl ? (size_t)(nl - text) + 1 : len;

	if (terms_index(&t, text, len, skip) < 0)
		return -1;
	for (i = 0; i < nchains && ret == 0; i++)
		if (!chains[i].bound)
			ret = split_chain(text, len, &t, chains, nchains, &chains[i]);
	free(t.slot);
	if (ret < 0)
		errno = ENOMEM;
	return ret;
}

bool nft_text_plain_name(const char *name)
{
	const char *p = name;

	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	      *p == '_' || *p == '.'))
		return false;
	for (p++; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("/-_.", *p)))
			return false;
	return true;
}
