#include <ctype.h>
#include <string.h>

#include "fate_names.h"

/* Colour: green where the packet went on, red where it stopped; none
 * where nobody knows. */
static const struct fate_name names[] = {
	[FATE_UNKNOWN]   = { "unknown",   NULL,     "unknown",  "unknown", NC_NONE },
	[FATE_DROP]      = { "drop",      "DROP",   "DROP",     "drop",    NC_RED },
	[FATE_REJECT]    = { "reject",    "REJECT", "REJECT",   "reject",  NC_RED },
	[FATE_QUEUE]     = { "queue",     "QUEUE",  "QUEUE",    "queue",   NC_RED },
	[FATE_STOLEN]    = { "stolen",    "STOLEN", "STOLEN",   "stolen",  NC_RED },
	/* accepted by every chain, then dropped by routing */
	[FATE_NOROUTE]   = { "no_route",  "DROP",   "DROP",     "drop",    NC_RED },
	[FATE_LOCAL]     = { "delivered", "ACCEPT", "ACCEPT, delivered locally", "local",
			     NC_GREEN },
	[FATE_FORWARDED] = { "forwarded", "ACCEPT", "ACCEPT, forwarded", "forward", NC_GREEN },
	[FATE_BRIDGED]   = { "bridged",   "ACCEPT", "ACCEPT, bridged", "forward", NC_GREEN },
	[FATE_SENT]      = { "sent",      "ACCEPT", "ACCEPT, sent", "accept", NC_GREEN },
	[FATE_ACCEPTED]  = { "accepted",  "ACCEPT", "ACCEPT",   "accept",  NC_GREEN },
	[FATE_UNTOUCHED] = { "untouched", "ACCEPT", "ACCEPT",   "accept",  NC_GREEN },
};

#define N_FATES (sizeof(names) / sizeof(names[0]))

const struct fate_name *fate_name(enum fate_kind k)
{
	static const struct fate_name none = { "?", NULL, "?", "unknown", NC_RED };

	return (size_t)k < N_FATES && names[k].key ? &names[k] : &none;
}

/* word equals s, ignoring case and taking '-' for '_' */
static bool same_word(const char *word, size_t len, const char *s)
{
	size_t i;

	if (!s || strlen(s) != len)
		return false;
	for (i = 0; i < len; i++) {
		char c = word[i] == '-' ? '_' : word[i];

		if (tolower((unsigned char)c) != tolower((unsigned char)s[i]))
			return false;
	}
	return true;
}

unsigned int fate_mask(const char *word, size_t len)
{
	unsigned int mask = 0;
	size_t k;

	for (k = 0; k < N_FATES; k++)
		if (same_word(word, len, names[k].key) ||
		    same_word(word, len, names[k].verdict))
			mask |= 1u << k;
	return mask;
}

unsigned int fate_expect_mask(const char *word)
{
	unsigned int mask = 0;
	size_t k;

	for (k = 0; k < N_FATES; k++)
		if (same_word(word, strlen(word), names[k].expect) ||
		    same_word(word, strlen(word), names[k].verdict))
			mask |= 1u << k;
	return mask;
}
