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

bool jw_grow(struct jsonw *w, size_t n)
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

void jw_init(struct jsonw *w, size_t size)
{
	memset(w, 0, sizeof(*w));
	jw_grow(w, size);
}

static inline void putc_(struct jsonw *w, char c)
{
	if (jw_room(w, 1))
		w->buf[w->len++] = c;
}

static void open_(struct jsonw *w, char c)
{
	jw_value(w);
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

/* Eight bytes that JSON and a terminal both take as they are:
 * printable ASCII but '"' and '\\'. A byte equal to c is a zero byte
 * of w ^ c, which borrows into its top bit. */
static inline bool plain8(const unsigned char *s)
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

static inline bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* "\u00XX", upper-case hex as jansson wrote it */
static void put_u(struct jsonw *w, unsigned int c)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[6] = { '\\', 'u', '0', '0', hex[(c >> 4) & 15], hex[c & 15] };

	jw_put(w, e, sizeof(e));
}

static void put_escape(struct jsonw *w, unsigned char c)
{
	switch (c) {
	case '"': jw_put(w, "\\\"", 2); return;
	case '\\': jw_put(w, "\\\\", 2); return;
	case '\b': jw_put(w, "\\b", 2); return;
	case '\f': jw_put(w, "\\f", 2); return;
	case '\n': jw_put(w, "\\n", 2); return;
	case '\r': jw_put(w, "\\r", 2); return;
	case '\t': jw_put(w, "\\t", 2); return;
	}
	put_u(w, c);
}

/* From byte i on, the bytes of s that need a look of their own. */
static void str_rest(struct jsonw *w, const char *str, size_t n, size_t i)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t run = 0;

	while (i < n) {
		size_t len;

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
		jw_put(w, str + i - run, run);
		run = 0;
		if (len == 0) {
			jw_put(w, "\xef\xbf\xbd", 3);	/* U+FFFD */
			i++;
		} else if (len == 2) {
			put_u(w, s[i + 1]);		/* C1: U+0080..U+009F */
			i += 2;
		} else {
			put_escape(w, s[i++]);
		}
	}
	jw_put(w, str + i - run, run);
}

void jw_str(struct jsonw *w, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0;
	char *p;

	jw_value(w);
	if (!jw_room(w, n + 2))
		return;
	/* nearly every name and rule text: ASCII that needs nothing,
	 * copied as it is checked */
	p = w->buf + w->len + 1;
	for (; n - i >= 8 && plain8(s + i); i += 8)
		memcpy(p + i, s + i, 8);
	for (; i < n && plain(s[i]); i++)
		p[i] = (char)s[i];
	w->buf[w->len] = '"';
	w->len += 1 + i;
	if (i < n)
		str_rest(w, str, n, i);
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
	jw_value(w);
	jw_put(w, digits, n);
}

void jw_array_of(struct jsonw *w, const struct jsonw *list)
{
	jw_array(w);
	jw_put(w, list->buf, list->len);
	w->has_value[w->depth] = list->len > 0;
	if (list->failed)
		w->failed = true;
	jw_array_end(w);
}
