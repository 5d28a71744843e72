/* What the parts of the probe copy share while it is being made. */
#ifndef IPTT_PROBE_INT_H
#define IPTT_PROBE_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "probe_copy.h"
#include "probe_nl.h"

/* source ifindex -> copy ifindex, for routes and addresses */
struct probe_ifmap {
	int src;
	int copy;
};

struct probe_ctx {
	struct probe_copy *pc;
	int src_fd;			/* the traced namespace, to come back to */
	struct pnl src, copy, wire;	/* rtnetlink, one socket per namespace */
	struct probe_ifmap *map;
	size_t nmap;
	char *err;
	size_t errlen;
};

/* Write the one-line error; returns -1 for "return probe_fail(...)". */
int probe_fail(struct probe_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append a note ("note: " is prepended). Returns 0, or -1 on ENOMEM
 * (with the error written). */
int probe_note(struct probe_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int probe_note_add(struct probe_copy *pc, const char *line);

/* setns into a namespace fd; the thread's netns only. */
int probe_enter(int fd);

/* copy ifindex for a source ifindex, or 0 */
int probe_map_ifindex(const struct probe_ctx *c, int src);

/* the parts, in the order probe_copy_make runs them */
int probe_links_copy(struct probe_ctx *c);
int probe_addrs_copy(struct probe_ctx *c);
int probe_sysctl_copy(struct probe_ctx *c);
int probe_routes_copy(struct probe_ctx *c);
int probe_rules_copy(struct probe_ctx *c);
int probe_neigh_copy(struct probe_ctx *c);
int probe_links_up(struct probe_ctx *c);

#endif
