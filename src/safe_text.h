/* Strings from whoever owns the namespace (names, comments, interface
 * names, log prefixes) on their way to a terminal or into JSON. */
#ifndef IPTT_SAFE_TEXT_H
#define IPTT_SAFE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include "textbuf.h"

/* Write s so that no byte of it can act on a terminal: C0 controls,
 * DEL, the C1 controls (U+0080..U+009F) and bytes that are not UTF-8
 * become "\xNN", the way nft and ip show them. Valid UTF-8 text and
 * everything printable pass as they are. */
void fput_visible(const char *s, FILE *f);
/* Is s[0..n) ASCII (and so UTF-8)? */
bool text_is_ascii(const char *s, size_t n);
/* The same into a printer's buffer. */
void tb_visible(struct textbuf *t, const char *s);

/* s as valid UTF-8 (malloc'd): each byte that does not belong to a valid
 * sequence becomes U+FFFD. NULL only on ENOMEM. */
char *utf8_valid_dup(const char *s);

/* The length of the valid UTF-8 sequence at s (n bytes available), or
 * 0 when the byte at s does not start one. */
size_t utf8_seq_len(const unsigned char *s, size_t n);

/* Is the sequence of len bytes at s a C1 control, U+0080..U+009F
 * (C2 80..C2 9F: CSI and friends)? */
static inline bool utf8_is_c1(const unsigned char *s, size_t len)
{
	return len == 2 && s[0] == 0xc2 && s[1] < 0xa0;
}

/* Eight bytes of printable ASCII (0x20..0x7e)? A byte below 0x20
 * borrows into its top bit, one of 0x7f and up carries into it or has
 * it; what a carry or borrow does to the next byte only sends the word
 * to the byte loop. */
static inline bool printable8(const unsigned char *s)
{
	const uint64_t ones = 0x0101010101010101ull, tops = 0x8080808080808080ull;
	uint64_t w;

	memcpy(&w, s, 8);
	return !((((w - 0x20 * ones) & ~w) | (w + ones) | w) & tops);
}

#endif
