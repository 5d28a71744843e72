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

void fput_visible(const char *str, FILE *f)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, run = 0;

	while (i < n) {
		size_t len;
		int control;

		/* most of every line: printable ASCII, taken as it is */
		if (s[i] >= 0x20 && s[i] < 0x7f) {
			i++;
			run++;
			continue;
		}
		len = utf8_seq_len(s + i, n - i);
		/* U+0080..U+009F is C2 80..C2 9F: CSI and friends */
		control = len == 0 || len == 1 ||
			  (len == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0);

		if (!control) {
			i += len;
			run += len;
			continue;
		}
		fwrite(s + i - run, 1, run, f);
		run = 0;
		if (len == 2) {
			fprintf(f, "\\x%02x\\x%02x", s[i], s[i + 1]);
			i += 2;
		} else {
			fprintf(f, "\\x%02x", s[i]);
			i++;
		}
	}
	fwrite(s + i - run, 1, run, f);
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
