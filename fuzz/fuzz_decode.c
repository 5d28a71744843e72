/* libFuzzer target: packet header decoding (decode.c) on truncated
 * headers, IPv4 options and odd IHLs, IPv6 extension headers, fragments,
 * and the LOG-style line (log_line.c) and rewrite check built from the
 * result.
 *
 * Input: one control byte, then header bytes.
 *   control & 0x80: the transport header is separate (as nf_tables
 *                   sends it): the next byte is the network header's
 *                   length, the rest after it is L4.
 *   otherwise:      all of it is L3 with L4 behind it (as in NFLOG).
 * Both forms are also decoded a second time cut one byte short, and the
 * two results compared with decode_rewritten. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "log_line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *l3, *l4 = NULL;
	size_t l3len, l4len = 0;
	struct pkt_hdrs a, b;
	char line[512], tiny[8];
	uint8_t *copy;
	int ra, rb, n;

	if (size < 1 || size > 4096)
		return -1;
	if (data[0] & 0x80) {
		if (size < 2)
			return 0;
		l3 = data + 2;
		l3len = data[1] < size - 2 ? data[1] : size - 2;
		l4 = l3 + l3len;
		l4len = size - 2 - l3len;
	} else {
		l3 = data + 1;
		l3len = size - 1;
	}
	/* exact-size heap copies, so ASan sees any read past the end */
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	l3 = copy + (l3 - data);
	if (l4)
		l4 = copy + (l4 - data);

	ra = decode_pkt(l3, l3len, l4, l4len, &a);
	if (l4 && l4len)
		rb = decode_pkt(l3, l3len, l4, l4len - 1, &b);
	else
		rb = decode_pkt(l3, l3len ? l3len - 1 : 0, NULL, 0, &b);
	if (ra == 0) {
		struct pkt_meta meta = { .mark = data[0] };

		n = log_line(line, sizeof(line), &a, "eth0", "", &meta);
		if (n < 0 || (size_t)n != strlen(line))
			abort();	/* the line never needs 512 bytes */
		/* cut short: snprintf semantics, still terminated */
		n = log_line(tiny, sizeof(tiny), &a, "in", "out", &meta);
		if (n < 0 || strlen(tiny) >= sizeof(tiny))
			abort();
		if (rb == 0)
			decode_rewritten(&a, &b);
		if (decode_rewritten(&a, &a))
			abort();
	}
	free(copy);
	return 0;
}
