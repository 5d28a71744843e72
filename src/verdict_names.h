/* The one table of verdict names: the word a verdict is shown as, the
 * colour the text output gives it, and whether a chain name follows.
 * The printers and the summary take their words from here. */
#ifndef IPTT_VERDICT_NAMES_H
#define IPTT_VERDICT_NAMES_H

#include <stdbool.h>
#include <stdint.h>

/* The colour of a name where the text output has colour. The tables
 * say it (verdicts here, fates in fate_names.c), not the printer, so
 * that a new kind is coloured where it is named. */
enum name_color { NC_NONE, NC_GREEN, NC_RED, NC_BLUE };

struct verdict_name {
	const char *name;	/* "ACCEPT", "jump", "continue"; "?" unknown */
	enum name_color color;
	bool takes_target;	/* a chain name follows: "jump web" */
};

/* verdict: the kernel's number (NF_* and NFT_*; a queue's number in
 * the upper bits). Never NULL. */
const struct verdict_name *verdict_lookup(int32_t verdict);

static inline const char *verdict_name(int32_t verdict)
{
	return verdict_lookup(verdict)->name;
}

#endif
