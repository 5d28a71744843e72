#include "text_copy.h"
#include "textbuf.h"

void tb_init(struct textbuf *t, FILE *f)
{
	t->f = f;
	t->len = 0;
}

int tb_flush(struct textbuf *t)
{
	size_t n = t->len;

	t->len = 0;
	return n && fwrite(t->buf, 1, n, t->f) != n ? -1 : 0;
}

void tb_put(struct textbuf *t, const char *s, size_t n)
{
	if (n > sizeof(t->buf) - t->len)
		tb_flush(t);
	if (n >= sizeof(t->buf)) {
		fwrite(s, 1, n, t->f);
		return;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

void tb_uint(struct textbuf *t, unsigned long long v)
{
	char digits[TEXT_UINT_MAX];

	tb_put(t, digits, text_uint(digits, v));
}
