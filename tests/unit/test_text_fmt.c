/* The hot paths' snprintf: for every format they use, and some they do
 * not (which go to vsnprintf), the same text, length and truncation as
 * snprintf, at every buffer size. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "text_fmt.h"

#define SAME_AS_SNPRINTF(fmt, ...) do {					\
	char want[256], got[256];					\
	size_t size;							\
	int wn = snprintf(want, sizeof(want), fmt, __VA_ARGS__);	\
									\
	for (size = 0; size <= (size_t)wn + 1; size++) {		\
		int gn;							\
									\
		memset(want, '#', sizeof(want));			\
		memset(got, '#', sizeof(got));				\
		wn = snprintf(want, size, fmt, __VA_ARGS__);		\
		gn = text_fmt(got, size, fmt, __VA_ARGS__);		\
		assert_int_equal(gn, wn);				\
		assert_memory_equal(got, want, sizeof(want));		\
	}								\
} while (0)

static void test_line_formats_match_snprintf_at_every_size(void **state)
{
	unsigned int v[] = { 0, 1, 9, 10, 255, 65535, 4294967295u };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		SAME_AS_SNPRINTF("%u", v[i]);
		SAME_AS_SNPRINTF(" SPT=%u DPT=%u WINDOW=%u RES=0x%02x", v[i], v[i], v[i], v[i] & 0xff);
		SAME_AS_SNPRINTF(" LEN=%u TOS=0x%02X PREC=0x%02X", v[i], v[i] & 0xff, v[i] & 0xe0);
		SAME_AS_SNPRINTF(" %s=0x%x", "MARK", v[i]);
		SAME_AS_SNPRINTF("%5u|%05u|%02x|%8X", v[i], v[i], v[i], v[i]);
	}
	SAME_AS_SNPRINTF("[%s]:%u -> [%s]:%u", "fd00::1", 80u, "fd00::2", 65535u);
	SAME_AS_SNPRINTF("%s by %s%s %s (#%u): %s", "DNAT", "legacy ", "nat",
			 "PREROUTING", 3u, "10.0.0.1:80 -> 10.0.0.2:8080");
	SAME_AS_SNPRINTF("100%% %s", "sure");
	SAME_AS_SNPRINTF("%s", "");
	SAME_AS_SNPRINTF("no conversion at all%s", "");
}

/* What it does not do itself it leaves to vsnprintf, the same. */
static void test_other_conversions_fall_back_to_vsnprintf(void **state)
{
	(void)state;
	SAME_AS_SNPRINTF("%d %s", -5, "after");
	SAME_AS_SNPRINTF("%s %lu", "before", 18446744073709551615ul);
	SAME_AS_SNPRINTF("%-5u|%5s|", 7u, "ab");
	SAME_AS_SNPRINTF("%.2s", "abcdef");
	SAME_AS_SNPRINTF("%u %c", 42u, 'z');
	SAME_AS_SNPRINTF("[%30u] [%021x]", 7u, 255u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_formats_match_snprintf_at_every_size),
		cmocka_unit_test(test_other_conversions_fall_back_to_vsnprintf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
