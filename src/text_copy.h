/* Bounded copies and decimals without printf: these run for every
 * step or header change of every packet, and snprintf("%s") costs
 * about ten times a copy. */
#ifndef IPTT_TEXT_COPY_H
#define IPTT_TEXT_COPY_H

#include <stddef.h>
#include <string.h>

/* src into dst, cut to fit; size > 0. */
static inline void text_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

#define TEXT_UINT_MAX	21	/* 18446744073709551615 and its NUL */

/* v in decimal into buf (TEXT_UINT_MAX bytes); returns its length. */
static inline size_t text_uint(char *buf, unsigned long long v)
{
	char tmp[TEXT_UINT_MAX];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

#endif
