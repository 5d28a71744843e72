/* What the story keeps of its events for the printers: where each step
 * happened, and the packet's trace id, time and family. The printers
 * read these from the story and never an event, so that a new source
 * fills them here and nowhere in out_*.c. */
#include "story.h"

void story_set_block(struct story *s, const struct block *b)
{
	s->block = b;
	s->id = b->id;
	if (!b->nevs)
		return;
	s->ts = b->evs[0].ts;
	s->nfproto = b->evs[0].nfproto;
}

void story_step_set_event(struct story_step *st, const struct trace_event *ev)
{
	st->ev = ev;
	st->table_name = ev->table;
	st->chain = ev->chain;
	st->family = ev->family;
	st->legacy = ev_traits(ev)->legacy;
	st->has_handle = ev->has & EV_HAS_HANDLE;
	st->handle = ev->handle;
}
