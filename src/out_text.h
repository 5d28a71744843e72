/* Text backend (out_text_ops): one block per packet, LOG-style packet
 * line first. */
#ifndef IPTT_OUT_TEXT_H
#define IPTT_OUT_TEXT_H

#include <stdbool.h>
#include "out.h"

/* One step as a line of any length, without indentation, colour or
 * newline, to f; what came from the namespace made harmless
 * (fput_visible). */
void out_text_step(FILE *f, const struct story_step *st, bool verbose);

#endif
