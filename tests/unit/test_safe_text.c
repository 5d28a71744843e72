/* What may reach a terminal from a name or comment, and what JSON gets. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "safe_text.h"

static void assert_visible(const char *in, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fput_visible(in, f);
	fclose(f);
	assert_string_equal(buf, want);
	free(buf);
}

static void test_controls_are_escaped(void **state)
{
	(void)state;
	assert_visible("plain text", "plain text");
	assert_visible("clear\033[2Jscreen", "clear\\x1b[2Jscreen");
	assert_visible("bell\a", "bell\\x07");
	/* OSC 52 would set the clipboard */
	assert_visible("\033]52;c;ZXZpbA==\a", "\\x1b]52;c;ZXZpbA==\\x07");
	assert_visible("a\nb\rc\td", "a\\x0ab\\x0dc\\x09d");
	assert_visible("del\x7f", "del\\x7f");
	/* C1 CSI as UTF-8 (U+009B) and as a lone byte */
	assert_visible("c1\xc2\x9b" "2J", "c1\\xc2\\x9b2J");
	assert_visible("raw\x9b" "2J", "raw\\x9b2J");
}

/* Printable ASCII is taken eight bytes at a time: every byte that must
 * be escaped, at every place in and around such a word, is escaped
 * there, and the printable bytes at each edge of the word pass. */
static void test_each_byte_at_each_place_of_a_word(void **state)
{
	char in[24], want[64];
	unsigned int c, at;

	(void)state;
	for (c = 1; c < 0x100; c++) {
		if (c >= 0x20 && c < 0x7f)
			continue;
		for (at = 0; at < 20; at++) {
			memset(in, ' ' + (int)at, 20);
			in[20] = '\0';
			in[at] = (char)c;
			memcpy(want, in, at);
			snprintf(want + at, sizeof(want) - at, "\\x%02x%s", c, in + at + 1);
			assert_visible(in, want);
		}
	}
	/* the highest and lowest printable bytes, whole words of them */
	assert_visible("~~~~~~~~        ~~~~~~~~ ", "~~~~~~~~        ~~~~~~~~ ");
}

static void test_utf8_passes(void **state)
{
	(void)state;
	assert_visible("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5");
	/* U+00A0 is the first code point after C1 */
	assert_visible("\xc2\xa0", "\xc2\xa0");
	/* overlong, surrogate, truncated, beyond U+10FFFF */
	assert_visible("\xc0\xaf", "\\xc0\\xaf");
	assert_visible("\xed\xa0\x80", "\\xed\\xa0\\x80");
	assert_visible("\xe2\x82", "\\xe2\\x82");
	assert_visible("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
}

static void test_utf8_valid_dup(void **state)
{
	char *s;

	(void)state;
	s = utf8_valid_dup("ok \xc3\xa9");
	assert_string_equal(s, "ok \xc3\xa9");
	free(s);
	s = utf8_valid_dup("bad \xff\xfe end");
	assert_string_equal(s, "bad \xef\xbf\xbd\xef\xbf\xbd end");
	free(s);
	s = utf8_valid_dup("");
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controls_are_escaped),
		cmocka_unit_test(test_each_byte_at_each_place_of_a_word),
		cmocka_unit_test(test_utf8_passes),
		cmocka_unit_test(test_utf8_valid_dup),
	};

	return cmocka_run_group_tests_name("safe_text", tests, NULL, NULL);
}
