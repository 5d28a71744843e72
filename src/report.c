/* The one way the program reports a fatal error: one line on stderr
 * and a documented exit code (cli.h). exit() runs app_close(). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "safe_text.h"

void die(int code, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	/* Messages quote what others chose (table and interface names, a
	 * tool's own error line): no byte of it may act on a terminal. */
	fputs("iptables-trace: ", stderr);
	if (n >= 0)
		fput_visible(msg, stderr);
	else
		fputs(fmt, stderr);
	fputc('\n', stderr);
	free(msg);
	exit(code);
}
