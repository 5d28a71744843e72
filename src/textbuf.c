#include "text_copy.h"
#include "textbuf.h"

void tb_init(struct textbuf *t, FILE *f)
{
	t->f = f;
	t->len = 0;
	t->failed = false;
}

static void write_out(struct textbuf *t, const char *s, size_t n)
{
	if (n && fwrite(s, 1, n, t->f) != n)
		t->failed = true;
}

int tb_flush(struct textbuf *t)
{
	write_out(t, t->buf, t->len);
	t->len = 0;
	return t->failed ? -1 : 0;
}

void tb_put_slow(struct textbuf *t, const char *s, size_t n)
{
	tb_flush(t);
	if (n >= sizeof(t->buf)) {
		write_out(t, s, n);
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
