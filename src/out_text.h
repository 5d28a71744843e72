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
/* One step as a line without indentation or colour; for tests. */
int out_text_step(char *buf, size_t size, const struct story_step *st,
		  bool verbose);

/* The change and fate lines, without indentation or colour. */
int out_text_change(char *buf, size_t size, const struct story_change *c);
int out_text_fate(char *buf, size_t size, const struct story *s,
		  unsigned int quiet_ms);

#endif
