/* The JSON writer: its structure is what jansson reads back, and a
 * string from the namespace owner comes out as valid JSON that carries
 * no byte a terminal acts on, whatever byte stands where. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "jsonw.h"

/* w's text as a C string (the writer does not end it with a NUL) */
static char *text_of(struct jsonw *w)
{
	char *s = malloc(w->len + 1);

	assert_non_null(s);
	assert_false(w->failed);
	memcpy(s, w->buf, w->len);
	s[w->len] = '\0';
	return s;
}

static void assert_no_terminal_controls(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		assert_true(*p >= 0x20 && *p != 0x7f);
		if (*p == 0xc2)
			assert_true(p[1] >= 0xa0);
	}
}

static void test_members_and_values_get_their_commas(void **state)
{
	struct jsonw w, list, none;
	char *s;

	(void)state;
	jw_init(&w, 1);		/* grows from one byte */
	jw_init(&list, 4);
	jw_init(&none, 4);
	jw_object(&list);
	jw_key(&list, "a");
	jw_int(&list, 1);
	jw_object_end(&list);
	jw_int(&list, 2);
	jw_lit(&list, "x");
	jw_object(&w);
	jw_key(&w, "min");
	jw_int(&w, LLONG_MIN);
	jw_key(&w, "max");
	jw_int(&w, LLONG_MAX);
	jw_key(&w, "zero");
	jw_int(&w, 0);
	jw_key(&w, "t");
	jw_bool(&w, true);
	jw_key(&w, "f");
	jw_bool(&w, false);
	jw_key(&w, "n");
	jw_str_or_null(&w, "");
	jw_key(&w, "empty");
	jw_array(&w);
	jw_array_end(&w);
	jw_key(&w, "nested");
	jw_array(&w);
	jw_object(&w);
	jw_object_end(&w);
	jw_array(&w);
	jw_null(&w);
	jw_null(&w);
	jw_array_end(&w);
	jw_array_end(&w);
	jw_key(&w, "list");
	jw_array_of(&w, &list);
	jw_key(&w, "none");
	jw_array_of(&w, &none);
	jw_key(&w, "last");
	jw_str(&w, "end");
	jw_object_end(&w);
	s = text_of(&w);
	assert_string_equal(s,
		"{\"min\":-9223372036854775808,\"max\":9223372036854775807,"
		"\"zero\":0,\"t\":true,\"f\":false,\"n\":null,\"empty\":[],"
		"\"nested\":[{},[null,null]],\"list\":[{\"a\":1},2,\"x\"],"
		"\"none\":[],\"last\":\"end\"}");
	free(s);
	jw_free(&w);
	jw_free(&list);
	jw_free(&none);
}

/* jw_str of in writes exactly want */
static void assert_jw_str(const char *in, const char *want)
{
	struct jsonw w;
	char *s;

	jw_init(&w, 64);
	jw_str(&w, in);
	s = text_of(&w);
	assert_string_equal(s, want);
	free(s);
	jw_free(&w);
}

/* The escapes jansson wrote, byte for byte: consumers saw these. */
static void test_escapes_are_the_ones_jansson_wrote(void **state)
{
	(void)state;
	assert_jw_str("q\"b\\s/\b\f\n\r\t\x01\x1f",
		      "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001F\"");
}

/* What jansson passed raw and a terminal acts on: DEL and the C1
 * controls (U+009B is CSI) are escaped; other UTF-8 passes. */
static void test_del_and_c1_are_escaped_utf8_passes(void **state)
{
	(void)state;
	assert_jw_str("\x7f" "\xc2\x9b" "\xc2\x80" "\xc2\xa0" "\xc3\xa9" "\xe2\x82\xac"
		      "\xf0\x9f\x98\x80",
		      "\"\\u007F\\u009B\\u0080\xc2\xa0\xc3\xa9\xe2\x82\xac"
		      "\xf0\x9f\x98\x80\"");
}

/* Each byte that does not start a valid sequence becomes U+FFFD, as
 * utf8_valid_dup made it for jansson: overlong, surrogate, too large,
 * a lone continuation, a sequence cut short. */
static void test_bytes_that_are_not_utf8_become_fffd(void **state)
{
	(void)state;
	assert_jw_str("a\xc0\x80" "b\xed\xa0\x80" "c\xf5" "d\x80" "e\xe2\x82",
		      "\"a\xef\xbf\xbd\xef\xbf\xbd"
		      "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		      "c\xef\xbf\xbd" "d\xef\xbf\xbd"
		      "e\xef\xbf\xbd\xef\xbf\xbd\"");
}

/* Every byte value at every place of a 20-byte name (so in and out of
 * the eight-byte fast path): jansson reads the string back, to the
 * byte itself for ASCII and to U+FFFD for a lone high byte, and the
 * text holds no terminal control. */
static void test_each_byte_at_each_place_reads_back(void **state)
{
	const char base[] = "abcdefghijklmnopqrst";
	unsigned int b;
	size_t at;

	(void)state;
	for (b = 1; b < 256; b++)
		for (at = 0; at < sizeof(base) - 1; at++) {
			char in[sizeof(base)], want[sizeof(base) + 2], *s;
			struct jsonw w;
			json_t *j;

			memcpy(in, base, sizeof(base));
			in[at] = (char)b;
			memcpy(want, base, at);
			if (b < 0x80) {
				want[at] = (char)b;
				strcpy(want + at + 1, base + at + 1);
			} else {
				memcpy(want + at, "\xef\xbf\xbd", 3);
				strcpy(want + at + 3, base + at + 1);
			}
			jw_init(&w, 8);
			jw_str(&w, in);
			s = text_of(&w);
			assert_no_terminal_controls(s);
			j = json_loads(s, JSON_DECODE_ANY, NULL);
			assert_non_null(j);
			assert_string_equal(json_string_value(j), want);
			json_decref(j);
			free(s);
			jw_free(&w);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members_and_values_get_their_commas),
		cmocka_unit_test(test_escapes_are_the_ones_jansson_wrote),
		cmocka_unit_test(test_del_and_c1_are_escaped_utf8_passes),
		cmocka_unit_test(test_bytes_that_are_not_utf8_become_fffd),
		cmocka_unit_test(test_each_byte_at_each_place_reads_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
