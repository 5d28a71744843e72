/* A printer's output, gathered in memory and written in large pieces:
 * a stdio call per piece of a line was a tenth of our CPU per packet
 * (fwrite and fputs lock the stream and copy short strings byte by
 * byte). */
#ifndef IPTT_TEXTBUF_H
#define IPTT_TEXTBUF_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define TEXTBUF_SIZE	8192

struct textbuf {
	FILE *f;
	size_t len;
	bool failed;			/* a write to f fell short */
	char buf[TEXTBUF_SIZE];
};

void tb_init(struct textbuf *t, FILE *f);
/* What is gathered to f; -1 when f refused it, or any write before:
 * errno says why. */
int tb_flush(struct textbuf *t);
/* tb_put when s does not fit in what is left */
void tb_put_slow(struct textbuf *t, const char *s, size_t n);
void tb_uint(struct textbuf *t, unsigned long long v);

/* Inline: most pieces are our own short literals, whose length and
 * copy the compiler then knows. */
static inline void tb_put(struct textbuf *t, const char *s, size_t n)
{
	/* n first: a constant one larger than the buffer folds away */
	if (n <= sizeof(t->buf) && t->len <= sizeof(t->buf) - n) {
		memcpy(t->buf + t->len, s, n);
		t->len += n;
	} else {
		tb_put_slow(t, s, n);
	}
}

static inline void tb_puts(struct textbuf *t, const char *s)
{
	tb_put(t, s, strlen(s));
}

static inline void tb_putc(struct textbuf *t, char c)
{
	if (t->len == sizeof(t->buf))
		tb_flush(t);
	t->buf[t->len++] = c;
}

#endif
