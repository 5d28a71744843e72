/* An iptables rule's verdict, read from its iptables-save text: legacy
 * TRACE events name a rule by its position, not what it decided. Read
 * once per rule, when its snapshot is indexed (ruleset.c). */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "event.h"
#include "xt_verdict.h"

/* The word after the first " -g " (or at the start of the text), or
 * else after the first " -j ", into buf; *go_to: it was -g. One walk
 * from dash to dash: two strstr walks and an snprintf cost four times
 * as much. */
static bool verdict_word(const char *text, char *buf, size_t size, bool *go_to)
{
	const char *p, *jump = NULL, *go = NULL;
	size_t i = 0;

	for (p = text; !go && (p = strchr(p, '-')); p++)
		if ((p == text || p[-1] == ' ') &&
		    (p[1] == 'g' || p[1] == 'j') && p[2] == ' ') {
			if (p[1] == 'g')
				go = p;
			else if (!jump)
				jump = p;
		}
	if (!(p = go ? go : jump))
		return false;
	*go_to = go;
	for (p += 3; *p && !isspace((unsigned char)*p) && i + 1 < size; p++)
		buf[i++] = *p;
	buf[i] = '\0';
	return true;
}

static void copy_target(char *target, size_t size, const char *word)
{
	size_t n = strlen(word);

	if (!size)
		return;
	if (n >= size)
		n = size - 1;
	memcpy(target, word, n);
	target[n] = '\0';
}

int32_t xt_rule_verdict(const char *text, char *target, size_t size)
{
	/* NAT targets end the nat table's walk like ACCEPT does */
	static const char *const accepting[] = {
		"ACCEPT", "DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP",
	};
	char word[64];
	size_t i;
	bool go_to;

	if (size)
		target[0] = '\0';
	if (!text)
		return EV_V_CONTINUE;
	if (!verdict_word(text, word, sizeof(word), &go_to))
		return EV_V_CONTINUE;	/* a rule without a target only counts */
	if (go_to) {
		copy_target(target, size, word);
		return EV_V_GOTO;
	}
	if (!strcmp(word, "DROP") || !strcmp(word, "REJECT"))
		return EV_V_DROP;
	if (!strcmp(word, "RETURN"))
		return EV_V_RETURN;
	if (!strcmp(word, "QUEUE") || !strcmp(word, "NFQUEUE"))
		return EV_V_QUEUE;
	for (i = 0; i < sizeof(accepting) / sizeof(accepting[0]); i++)
		if (!strcmp(word, accepting[i]))
			return EV_V_ACCEPT;
	/* A user chain or a non-terminal extension target (MARK, LOG, ...):
	 * the caller knows which chains exist. */
	copy_target(target, size, word);
	return EV_V_JUMP;
}
