/* The event sockets' receive buffer: --buffer-size, or a share of the
 * RAM between two bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/sysinfo.h>

#include "nl_sock.h"

static void test_buffer_size_given_in_mib(void **state)
{
	(void)state;
	assert_int_equal(nl_sock_events_rcvbuf(1), 1 << 20);
	assert_int_equal(nl_sock_events_rcvbuf(16), 16 << 20);
	assert_int_equal(nl_sock_events_rcvbuf(1024), 1 << 30);
}

static void test_default_is_a_128th_of_ram_within_16_and_128_mib(void **state)
{
	struct sysinfo si;
	long long ram, want;

	(void)state;
	assert_int_equal(sysinfo(&si), 0);
	ram = (long long)si.totalram * si.mem_unit;
	want = ram / 128;
	if (want < 16 << 20)
		want = 16 << 20;
	if (want > 128 << 20)
		want = 128 << 20;
	assert_int_equal(nl_sock_events_rcvbuf(0), want);
	assert_in_range(nl_sock_events_rcvbuf(0), 16 << 20, 128 << 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buffer_size_given_in_mib),
		cmocka_unit_test(test_default_is_a_128th_of_ram_within_16_and_128_mib),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
