#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "safe_text.h"

/* RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF. */
size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

bool text_is_ascii(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	uint64_t w, any = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		any |= w;
	}
	for (; i < n; i++)
		any |= s[i];
	return !(any & 0x8080808080808080ull);
}

static void put_hex(struct textbuf *t, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

	tb_put(t, e, sizeof(e));
}

void tb_visible(struct textbuf *t, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, run = 0;

	while (i < n) {
		size_t len;
		int control;

		/* most of every line: printable ASCII, taken as it is */
		if (n - i >= 8 && printable8(s + i)) {
			i += 8;
			run += 8;
			continue;
		}
		if (s[i] >= 0x20 && s[i] < 0x7f) {
			i++;
			run++;
			continue;
		}
		len = utf8_seq_len(s + i, n - i);
		/* U+0080..U+009F is C2 80..C2 9F: CSI and friends */
		control = len == 0 || len == 1 ||
			  utf8_is_c1(s + i, len);

		if (!control) {
			i += len;
			run += len;
			continue;
		}
		tb_put(t, str + i - run, run);
		run = 0;
		put_hex(t, s[i++]);
		if (len == 2)
			put_hex(t, s[i++]);
	}
	tb_put(t, str + i - run, run);
}

void fput_visible(const char *str, FILE *f)
{
	struct textbuf t;

	tb_init(&t, f);
	tb_visible(&t, str);
	tb_flush(&t);
}

char *utf8_valid_dup(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, o = 0;
	/* every invalid byte may become the 3 bytes of U+FFFD */
	char *out = malloc(3 * n + 1);

	if (!out)
		return NULL;
	while (i < n) {
		size_t len = utf8_seq_len(s + i, n - i);

		if (len) {
			memcpy(out + o, s + i, len);
			o += len;
			i += len;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	return out;
}
