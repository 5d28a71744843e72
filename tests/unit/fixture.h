/* Helpers shared by the unit tests: read the files in tests/fixtures.
 * Header-only because the Makefile builds every test_*.c on its own. */
#ifndef IPTT_TEST_FIXTURE_H
#define IPTT_TEST_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/netlink.h>

#include "assemble.h"
#include "event.h"
#include "nl_trace.h"

#ifndef FIXTURES
#error "build with -DFIXTURES=\"<path to tests/fixtures>\""
#endif

/* The whole file, NUL-terminated; the test fails when it is missing. */
static inline char *fixture_read(const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open fixture %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

/* One captured NFT_MSG_TRACE message, decoded by nl_trace_parse. */
static inline void fixture_event(const char *name, struct trace_event *ev)
{
	size_t len;
	char *buf = fixture_read(name, &len);
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;

	assert_true(len >= sizeof(*nlh));
	assert_int_equal(nlh->nlmsg_len, len);
	assert_int_equal(nl_trace_parse(nlh, ev), 0);
	free(buf);
}

/* A stream written by nlcapture -s: (u32 length, message)*. Calls cb for
 * every message in order and returns how many there were. */
static inline size_t fixture_stream(const char *name,
				    void (*cb)(const struct nlmsghdr *nlh,
					       void *data),
				    void *data)
{
	size_t len, off = 0, n = 0;
	char *buf = fixture_read(name, &len);

	while (off + sizeof(uint32_t) <= len) {
		uint32_t mlen;
		void *msg;

		memcpy(&mlen, buf + off, sizeof(mlen));
		off += sizeof(mlen);
		assert_true(mlen >= sizeof(struct nlmsghdr) && off + mlen <= len);
		/* aligned copy: the stream packs messages back to back */
		msg = malloc(mlen);
		assert_non_null(msg);
		memcpy(msg, buf + off, mlen);
		cb(msg, data);
		free(msg);
		off += mlen;
		n++;
	}
	assert_int_equal(off, len);
	free(buf);
	return n;
}

/* A block of captured events (up to four), as the assembler passes one
 * to the path checks and the story. */
struct blk { struct block b; struct trace_event evs[4]; };

static inline void blk_init(struct blk *k, const char *const *fixtures, size_t n)
{
	size_t i;

	assert_true(n <= 4);
	memset(k, 0, sizeof(*k));
	for (i = 0; i < n; i++)
		fixture_event(fixtures[i], &k->evs[i]);
	k->b.id = k->evs[0].id;
	k->b.evs = k->evs;
	k->b.nevs = n;
	k->b.cap = 4;
}

#endif
