/* The assembler's questions about one event: does it start a packet we
 * traced, does it end the packet's path? Asked on the receive path, for
 * every event: pure reads of the event, its block and the snapshots as
 * they are (chains, hooks, priorities, policies; legacy rule text,
 * which is in memory). Nothing here reads a ruleset. */
#ifndef IPTT_PATH_END_H
#define IPTT_PATH_END_H

#include <stdbool.h>
#include "assemble.h"
#include "event.h"
#include "resolver.h"

/* Is ev our tracing rule firing (own_table: our table, NULL: none)? */
bool path_starts_packet(const struct trace_event *ev, const char *own_table);
/* Does ev end the path of block b's packet: a drop, or an accept with
 * no traced base chain left on the way? False when that cannot be told
 * from the snapshots: the quiet time decides then. */
bool path_ends(const struct block *b, const struct trace_event *ev,
	       const struct resolver *r);

#endif
