/* Text backend: one block per packet, LOG-style packet line first. */
#ifndef IPTT_OUT_TEXT_H
#define IPTT_OUT_TEXT_H

#include <stdbool.h>
#include <stdio.h>
#include "story.h"

struct text_opts {
	bool color;
	bool timestamps;
	bool verbose;
	unsigned int quiet_ms;		/* for the "fate unknown" line */
};

void out_text_story(FILE *f, const struct story *s, const struct text_opts *o);
/* One step, change or fate as a line of any length, without
 * indentation, colour or escaping (malloc'd; NULL on ENOMEM). */
char *out_text_step(const struct story_step *st, bool verbose);
char *out_text_change(const struct story_change *c);
char *out_text_fate(const struct story *s, unsigned int quiet_ms);

#endif
