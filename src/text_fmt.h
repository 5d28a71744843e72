/* snprintf for the lines every packet gets (its LOG line, header
 * changes, conntrack tuples, the fate): glibc's printf machinery was an
 * eighth of our instructions a packet. The conversions those lines use,
 * %s, %u, %x and %X with a '0' flag and a width, and %%, are done here;
 * any other falls back to vsnprintf, so the result is always
 * vsnprintf's. */
#ifndef IPTT_TEXT_FMT_H
#define IPTT_TEXT_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* As vsnprintf: at most size bytes with the NUL; returns the length the
 * whole text has, or -1. */
int text_vfmt(char *buf, size_t size, const char *fmt, va_list ap);
int text_fmt(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
