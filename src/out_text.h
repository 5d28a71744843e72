/* Text backend (out_text_ops): one block per packet, LOG-style packet
 * line first. */
#ifndef IPTT_OUT_TEXT_H
#define IPTT_OUT_TEXT_H

#include <stdbool.h>
#include "out.h"

/* One step as a line of any length, without indentation, colour or
 * escaping (malloc'd; NULL on ENOMEM). */
char *out_text_step(const struct story_step *st, bool verbose);

#endif
