/* The one way the program reports a fatal error: one line on stderr
 * and a documented exit code (cli.h). exit() runs app_close(). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "app.h"

void die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "iptables-trace: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}
