/* Run a program without a shell and collect what it prints: the save
 * tools and iptables-legacy for the legacy fallback. */
#ifndef IPTT_SPAWN_TOOL_H
#define IPTT_SPAWN_TOOL_H

#include <stdbool.h>
#include <stddef.h>

struct spawn_result {
	char *out;		/* stdout, NUL-terminated; NULL unless asked */
	size_t out_len;
	char err[512];		/* the start of stderr, NUL-terminated */
	int status;		/* exit code, or 128 + signal number */
};

/* Run argv[0], a program name found in /usr/sbin, /usr/bin, /sbin or
 * /bin only, with argv, stdin from /dev/null, in the current namespaces
 * and an environment of PATH (those directories) and LC_ALL=C alone. Returns 0 when it ran, whatever its exit code,
 * or -1 with errno set when it could not (ENOENT: not installed). Free
 * r->out with spawn_result_free(). */
int spawn_run(const char *const argv[], bool want_out, struct spawn_result *r);
/* The same with in[0..in_len) as its stdin (an iptables-restore or
 * ipset restore script), given through a memory file. */
int spawn_run_input(const char *const argv[], const char *in, size_t in_len,
		    bool want_out, struct spawn_result *r);
void spawn_result_free(struct spawn_result *r);

#endif
