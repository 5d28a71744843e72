/* The one table of fate names: the words of the fate line, the JSON
 * key, the verdict each fate amounts to, its colour. The printers,
 * --verdict and the exit summary take their words from here, so that a
 * new fate kind is named once. */
#ifndef IPTT_FATE_NAMES_H
#define IPTT_FATE_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include "story.h"
#include "verdict_names.h"

struct fate_name {
	const char *key;	/* JSON "kind" and a --verdict word */
	const char *verdict;	/* ACCEPT, DROP, ...; NULL: not known */
	const char *text;	/* the fate line's words: "ACCEPT, forwarded" */
	const char *expect;	/* the --expect word that names it most
				 * closely: local, forward, accept, drop, ... */
	enum name_color color;	/* of the fate line: the packet went on
				 * (green) or stopped (red) */
};

const struct fate_name *fate_name(enum fate_kind k);

/* The packet went on (green) rather than stopped (red). */
static inline bool fate_accepted(enum fate_kind k)
{
	const char *v = fate_name(k)->verdict;

	return v && v[0] == 'A';
}

/* A --verdict word of len bytes, case and '-'/'_' aside: a fate's key
 * ("delivered", "no-route"), or a verdict ("accept"), which stands for
 * every fate that amounts to it. The set of fates as 1 << kind, or 0
 * for a word that names none. */
unsigned int fate_mask(const char *word, size_t len);

/* A probe's --expect word (accept, drop, reject, local, forward): the
 * fates it stands for, as fate_mask(); "accept" and "drop" take every
 * fate of that verdict. */
unsigned int fate_expect_mask(const char *word);

#endif
