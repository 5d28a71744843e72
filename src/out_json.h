/* JSON Lines backend: one object per packet; schema in docs/json.md. */
#ifndef IPTT_OUT_JSON_H
#define IPTT_OUT_JSON_H

#include <stdio.h>
#include "story.h"

/* Every object carries it; raised when a field changes type or meaning
 * (2: trace_id became a hex string, the text's base). */
#define JSON_SCHEMA_VERSION 2

struct json_opts {
	const char *netns;		/* NULL: the tool's own namespace */
	unsigned int quiet_ms;
	/* --probe: "probe" or "answer" (the copy's answer to it), and the
	 * probe's number (1-based); NULL outside a probe */
	const char *probe_role;
	unsigned int probe;
};

/* Returns 0, or -1 when the object could not be built or written. */
int out_json_story(FILE *f, const struct story *s, const struct json_opts *o);

#endif
