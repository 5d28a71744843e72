/* The text printer's buffer: what goes in comes out, in order, across
 * its size, and a failed write is reported at the flush. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "textbuf.h"

static void test_pieces_across_the_buffer_come_out_in_order(void **state)
{
	char *out = NULL, want[3 * TEXTBUF_SIZE], big[TEXTBUF_SIZE + 10];
	size_t len = 0, n = 0, i;
	struct textbuf t;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	assert_non_null(f);
	tb_init(&t, f);
	/* pieces of 7 and single bytes until past the buffer's size */
	for (i = 0; n + 8 < TEXTBUF_SIZE + 100; i++) {
		tb_puts(&t, "piece-7");
		tb_putc(&t, (char)('a' + i % 26));
		memcpy(want + n, "piece-7", 7);
		want[n + 7] = (char)('a' + i % 26);
		n += 8;
	}
	/* one larger than the buffer goes straight out, after what is held */
	memset(big, 'x', sizeof(big));
	tb_put(&t, big, sizeof(big));
	memcpy(want + n, big, sizeof(big));
	n += sizeof(big);
	tb_uint(&t, 18446744073709551615ull);
	tb_uint(&t, 0);
	memcpy(want + n, "184467440737095516150", 21);
	n += 21;
	assert_int_equal(tb_flush(&t), 0);
	fclose(f);
	assert_int_equal(len, n);
	assert_memory_equal(out, want, n);
	free(out);
}

static void test_a_write_that_fails_is_reported_at_the_flush(void **state)
{
	char big[TEXTBUF_SIZE + 1];
	struct textbuf t;
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	assert_non_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	tb_init(&t, f);
	memset(big, 'x', sizeof(big));
	/* written at once, and refused: the flush, with nothing left to
	 * write, still says so */
	tb_put(&t, big, sizeof(big));
	assert_int_equal(tb_flush(&t), -1);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces_across_the_buffer_come_out_in_order),
		cmocka_unit_test(test_a_write_that_fails_is_reported_at_the_flush),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
