#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "safe_text.h"
#include "text_copy.h"

void jw_free(struct jsonw *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

/* Room for n more bytes, when there is not: false (and the writer
 * failed) when there is none to be had. */
static bool grow(struct jsonw *w, size_t n)
{
	size_t cap;
	char *p;

	if (w->failed)
		return false;
	cap = w->cap ? w->cap : 256;	/* jw_init's first */
	while (cap - w->len < n)
		cap *= 2;
	p = realloc(w->buf, cap);
	if (!p) {
		w->failed = true;
		return false;
	}
	w->buf = p;
	w->cap = cap;
	return true;
}

/* Room for n more bytes? (A failed writer has none: its writes stop.) */
static inline bool room(struct jsonw *w, size_t n)
{
	return (n <= w->cap - w->len && !w->failed) || grow(w, n);
}

void jw_init(struct jsonw *w, size_t size)
{
	memset(w, 0, sizeof(*w));
	grow(w, size);
}

static inline void put(struct jsonw *w, const char *s, size_t n)
{
	if (room(w, n)) {
		memcpy(w->buf + w->len, s, n);
		w->len += n;
	}
}

static inline void putc_(struct jsonw *w, char c)
{
	if (room(w, 1))
		w->buf[w->len++] = c;
}

/* A string that needs no escaping, in quotes, and after them a colon
 * when it is a key. */
static void quoted(struct jsonw *w, const char *s, size_t n, bool key)
{
	char *p;

	if (!room(w, n + 3))
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

/* Before a value: the comma after the one before it, unless it is a
 * member's, whose key wrote it. */
static void value(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->has_value[w->depth])
		putc_(w, ',');
	w->has_value[w->depth] = true;
}

static void open_(struct jsonw *w, char c)
{
	value(w);
	putc_(w, c);
	if (w->depth < JSONW_MAX_DEPTH)
		w->depth++;
	else
		w->failed = true;	/* a caller's bug: no schema nests so deep */
	w->has_value[w->depth] = false;
}

static void close_(struct jsonw *w, char c)
{
	putc_(w, c);
	if (w->depth)
		w->depth--;
}

void jw_object(struct jsonw *w) { open_(w, '{'); }
void jw_object_end(struct jsonw *w) { close_(w, '}'); }
void jw_array(struct jsonw *w) { open_(w, '['); }
void jw_array_end(struct jsonw *w) { close_(w, ']'); }

void jw_keyn(struct jsonw *w, const char *key, size_t n)
{
	value(w);
	quoted(w, key, n, true);
	w->after_key = true;
}

void jw_litn(struct jsonw *w, const char *s, size_t n)
{
	value(w);
	quoted(w, s, n, false);
}

/* Eight bytes that JSON and a terminal both take as they are:
 * printable ASCII but '"' and '\\'. A byte equal to c is a zero byte
 * of w ^ c, which borrows into its top bit. */
static bool plain8(const unsigned char *s)
{
	const uint64_t ones = 0x0101010101010101ull, tops = 0x8080808080808080ull;
	uint64_t w, q, b;

	if (!printable8(s))
		return false;
	memcpy(&w, s, 8);
	q = w ^ ('"' * ones);
	b = w ^ ('\\' * ones);
	return !((((q - ones) & ~q) | ((b - ones) & ~b)) & tops);
}

static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* "\u00XX", upper-case hex as jansson wrote it */
static void put_u(struct jsonw *w, unsigned int c)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[6] = { '\\', 'u', '0', '0', hex[(c >> 4) & 15], hex[c & 15] };

	put(w, e, sizeof(e));
}

static void put_escape(struct jsonw *w, unsigned char c)
{
	switch (c) {
	case '"': put(w, "\\\"", 2); return;
	case '\\': put(w, "\\\\", 2); return;
	case '\b': put(w, "\\b", 2); return;
	case '\f': put(w, "\\f", 2); return;
	case '\n': put(w, "\\n", 2); return;
	case '\r': put(w, "\\r", 2); return;
	case '\t': put(w, "\\t", 2); return;
	}
	put_u(w, c);
}

void jw_str(struct jsonw *w, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, run = 0;

	value(w);
	putc_(w, '"');
	while (i < n) {
		size_t len;

		/* nearly every name and rule text: ASCII that needs nothing */
		if (n - i >= 8 && plain8(s + i)) {
			i += 8;
			run += 8;
			continue;
		}
		if (plain(s[i])) {
			i++;
			run++;
			continue;
		}
		len = s[i] < 0x80 ? 1 : utf8_seq_len(s + i, n - i);
		if (len > 1 && !utf8_is_c1(s + i, len)) {
			i += len;		/* UTF-8 beyond the C1 controls */
			run += len;
			continue;
		}
		put(w, str + i - run, run);
		run = 0;
		if (len == 0) {
			put(w, "\xef\xbf\xbd", 3);	/* U+FFFD */
			i++;
		} else if (len == 2) {
			put_u(w, s[i + 1]);		/* C1: U+0080..U+009F */
			i += 2;
		} else {
			put_escape(w, s[i++]);
		}
	}
	put(w, str + i - run, run);
	putc_(w, '"');
}

void jw_str_or_null(struct jsonw *w, const char *s)
{
	if (s && *s)
		jw_str(w, s);
	else
		jw_null(w);
}

void jw_int(struct jsonw *w, long long v)
{
	char digits[TEXT_UINT_MAX + 1];
	unsigned long long u = (unsigned long long)v;
	size_t n = 0;

	if (v < 0) {
		digits[n++] = '-';
		u = 0 - u;
	}
	n += text_uint(digits + n, u);
	value(w);
	put(w, digits, n);
}

void jw_bool(struct jsonw *w, bool v)
{
	value(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void jw_null(struct jsonw *w)
{
	value(w);
	put(w, "null", 4);
}

void jw_array_of(struct jsonw *w, const struct jsonw *list)
{
	jw_array(w);
	put(w, list->buf, list->len);
	w->has_value[w->depth] = list->len > 0;
	if (list->failed)
		w->failed = true;
	jw_array_end(w);
}
