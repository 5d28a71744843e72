/* When the rulesets are read: the one owner of their freshness. The
 * loop calls these where it can be seen; everything else (the
 * resolver, the packet-path checks, the story) only looks at the
 * snapshots as they are. Chains are read at start and on ruleset news;
 * a chain's rules and rule text only when a printed packet names them
 * (a dump of every rule is most of the start-up on a big host). */
#ifndef IPTT_SNAPSHOTS_H
#define IPTT_SNAPSHOTS_H

#include <stdbool.h>
#include <time.h>
#include "resolver.h"

struct block;
struct summary;

/* The readers are open: point the resolver's view at their snapshots. */
void snapshots_bind(struct resolver *r);
/* Once tracing is armed: the chains of every nf_tables table (not
 * their rules). */
void snapshots_start(struct resolver *r);
/* The ruleset-change socket is readable: learn what changed. The
 * re-read waits for events that need it (snapshots_before_events). */
void snapshots_news(struct resolver *r);
/* Events are about to be read: re-read what changed, so that each is
 * judged against the chains the packet crossed. */
void snapshots_before_events(struct resolver *r);
/* Every event source was read empty in a round that began at
 * round_start (CLOCK_REALTIME, as event times): a rule replaced before
 * then is the new one for every event read after. */
void snapshots_drained(struct resolver *r, const struct timespec *round_start);
/* The legacy reader's first read (a hash of the tables' blobs, then
 * iptables-legacy-save), when none was done yet: app.c runs it after
 * the armed line in a thread of its own, while events are read. It
 * touches r->legacy only, and not the view: until the caller binds it
 * again (snapshots_bind) the view has no legacy snapshot
 * (view.legacy_pending) and the path checks end no packet by what
 * legacy chains would do. Returns 0, or -1 with errno set
 * (rules_xt_refresh's, rules_xt_error's message). */
int snapshots_legacy_load(struct resolver *r);
/* Every read block b's story will do, done now: the snapshots brought
 * up to date, the rules of each chain its events name, a table re-read
 * when an event's handle is in neither snapshot, and the text of each
 * rule it names. Returns whether legacy text may be trusted as newer
 * than the packet (always, without legacy events). */
bool snapshots_prepare_block(struct resolver *r, const struct block *b);
/* How long to hold a legacy block whose last event came at since
 * (CLOCK_MONOTONIC) so that the check of its text can run: 0 now. */
long snapshots_hold_ms(const struct resolver *r, const struct timespec *since);
/* --summary, before printing: the text of every rule of the chains its
 * packets crossed (the unhit ones are shown too). */
void snapshots_prepare_summary(struct resolver *r, const struct summary *sm);

#endif
