#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "text_copy.h"
#include "text_fmt.h"

/* The output so far: what fits is written, all of it is counted. */
struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len < o->size) {
		size_t room = o->size - o->len;

		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

/* v in base 10 or 16, at least width digits, padded with pad */
static void put_num(struct out *o, unsigned int v, unsigned int base,
		    bool upper, unsigned int width, char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[TEXT_UINT_MAX];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - ++n] = digits[v % base];
		v /= base;
	} while (v);
	while (n < width && n < sizeof(tmp))
		tmp[sizeof(tmp) - ++n] = pad;
	put(o, tmp + sizeof(tmp) - n, n);
}

int text_vfmt(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	const char *p = fmt;
	va_list orig;
	int ret;

	va_copy(orig, ap);
	while (*p) {
		const char *pct = strchr(p, '%');
		unsigned int width = 0;
		char pad = ' ';

		if (!pct) {
			put(&o, p, strlen(p));
			break;
		}
		put(&o, p, (size_t)(pct - p));
		p = pct + 1;
		if (*p == '0') {
			pad = '0';
			p++;
		}
		while (*p >= '0' && *p <= '9' && width < TEXT_UINT_MAX)
			width = width * 10 + (unsigned int)(*p++ - '0');
		if (width >= TEXT_UINT_MAX)
			goto other;	/* wider than put_num pads */
		switch (*p) {
		case 's':
			if (width)
				goto other;
			{
				const char *s = va_arg(ap, const char *);

				put(&o, s, strlen(s));
			}
			break;
		case 'u':
			put_num(&o, va_arg(ap, unsigned int), 10, false, width, pad);
			break;
		case 'x':
		case 'X':
			put_num(&o, va_arg(ap, unsigned int), 16, *p == 'X', width, pad);
			break;
		case '%':
			if (width || pad != ' ')
				goto other;
			put(&o, "%", 1);
			break;
		default:
			goto other;
		}
		p++;
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	va_end(orig);
	return (int)o.len;
other:
	/* a conversion this does not know: printf's own answer */
	ret = vsnprintf(buf, size, fmt, orig);
	va_end(orig);
	return ret;
}

int text_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = text_vfmt(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
