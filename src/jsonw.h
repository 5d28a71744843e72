/* A JSON writer into memory, for the --json stories: jansson built an
 * object of about 400 keys a story, allocating each, and dumped it
 * byte by byte; it cost six times the whole text output. Values are
 * written in order, as they come: the caller keeps the schema's order.
 * Strings from the namespace owner go through jw_str, which escapes
 * what JSON requires and what a terminal would act on. */
#ifndef IPTT_JSONW_H
#define IPTT_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define JSONW_MAX_DEPTH	8

struct jsonw {
	char *buf;
	size_t len, cap;
	bool failed;			/* out of memory: the text is cut */
	bool after_key;			/* the next value is a member's */
	unsigned int depth;
	/* the container at each depth has a value: the next needs a comma
	 * (depth 0: a list of values written one after the other) */
	bool has_value[JSONW_MAX_DEPTH + 1];
};

/* size: the first allocation (it grows as needed) */
void jw_init(struct jsonw *w, size_t size);
void jw_free(struct jsonw *w);
/* Room for n more bytes made by reallocating: false (and the writer
 * failed) when there is none to be had. */
bool jw_grow(struct jsonw *w, size_t n);

/* The writes below are inline: a story has about 400 keys and 300
 * small values, and with a literal's length known when it is compiled
 * each is a few stores; out of line they cost a third of --json. */

/* Room for n more bytes? (A failed writer has none: its writes stop.) */
static inline bool jw_room(struct jsonw *w, size_t n)
{
	return (n <= w->cap - w->len && !w->failed) || jw_grow(w, n);
}

static inline void jw_put(struct jsonw *w, const char *s, size_t n)
{
	if (jw_room(w, n)) {
		memcpy(w->buf + w->len, s, n);
		w->len += n;
	}
}

/* Before a value: the comma after the one before it, unless it is a
 * member's, whose key wrote it. */
static inline void jw_value(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->has_value[w->depth] && jw_room(w, 1))
		w->buf[w->len++] = ',';
	w->has_value[w->depth] = true;
}

/* A string that needs no escaping, in quotes, and after them a colon
 * when it is a key. */
static inline void jw_quoted(struct jsonw *w, const char *s, size_t n, bool key)
{
	char *p;

	if (!jw_room(w, n + 3))
		return;
	p = w->buf + w->len;
	*p++ = '"';
	memcpy(p, s, n);
	p += n;
	*p++ = '"';
	if (key)
		*p++ = ':';
	w->len = (size_t)(p - w->buf);
}

void jw_object(struct jsonw *w);
void jw_object_end(struct jsonw *w);
void jw_array(struct jsonw *w);
void jw_array_end(struct jsonw *w);
/* A member's name: one of our own ASCII literals, written as it is. */
static inline void jw_keyn(struct jsonw *w, const char *key, size_t n)
{
	jw_value(w);
	jw_quoted(w, key, n, true);
	w->after_key = true;
}

static inline void jw_key(struct jsonw *w, const char *key)
{
	jw_keyn(w, key, strlen(key));
}

/* Any bytes (names, comments, rule texts): valid UTF-8 passes; '"',
 * '\\', the C0 controls, DEL and the C1 controls (U+0080..U+009F) are
 * escaped, and a byte that is not UTF-8 becomes U+FFFD. */
void jw_str(struct jsonw *w, const char *s);
/* jw_str, or null for NULL or "". */
void jw_str_or_null(struct jsonw *w, const char *s);
/* One of our own strings (kinds, verdicts, addresses): printable ASCII
 * without '"' or '\\', written as it is. */
static inline void jw_litn(struct jsonw *w, const char *s, size_t n)
{
	jw_value(w);
	jw_quoted(w, s, n, false);
}

static inline void jw_lit(struct jsonw *w, const char *s)
{
	jw_litn(w, s, strlen(s));
}
void jw_int(struct jsonw *w, long long v);
static inline void jw_bool(struct jsonw *w, bool v)
{
	jw_value(w);
	if (v)
		jw_put(w, "true", 4);
	else
		jw_put(w, "false", 5);
}

static inline void jw_null(struct jsonw *w)
{
	jw_value(w);
	jw_put(w, "null", 4);
}
/* The values written to list (at its depth 0) as the members of an
 * array, for parts that are gathered apart from their object. */
void jw_array_of(struct jsonw *w, const struct jsonw *list);

/* A member: its key, then its value. */
static inline void jw_key_str(struct jsonw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s);
}

static inline void jw_key_str_or_null(struct jsonw *w, const char *key,
				      const char *s)
{
	jw_key(w, key);
	jw_str_or_null(w, s);
}

static inline void jw_key_lit(struct jsonw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_lit(w, s);
}

static inline void jw_key_int(struct jsonw *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}

static inline void jw_key_bool(struct jsonw *w, const char *key, bool v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

#endif
