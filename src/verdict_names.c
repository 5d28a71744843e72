#include "event.h"
#include "verdict_names.h"

static const struct {
	int32_t code;
	struct verdict_name n;
} verdicts[] = {
	{ EV_V_DROP,     { "DROP",     NC_RED,   false } },
	{ EV_V_ACCEPT,   { "ACCEPT",   NC_GREEN, false } },
	{ EV_V_STOLEN,   { "STOLEN",   NC_NONE,  false } },
	{ EV_V_QUEUE,    { "QUEUE",    NC_NONE,  false } },
	{ EV_V_REPEAT,   { "REPEAT",   NC_NONE,  false } },
	{ EV_V_CONTINUE, { "continue", NC_NONE,  false } },
	{ EV_V_BREAK,    { "break",    NC_NONE,  false } },
	{ EV_V_JUMP,     { "jump",     NC_BLUE,  true } },
	{ EV_V_GOTO,     { "goto",     NC_BLUE,  true } },
	{ EV_V_RETURN,   { "return",   NC_NONE,  false } },
};

#define N_VERDICTS (sizeof(verdicts) / sizeof(verdicts[0]))

static const struct verdict_name *find(int32_t v)
{
	size_t i;

	for (i = 0; i < N_VERDICTS; i++)
		if (verdicts[i].code == v)
			return &verdicts[i].n;
	return NULL;
}

const struct verdict_name *verdict_lookup(int32_t v)
{
	/* queue 5 is shown as a queue, but not coloured as one verdict */
	static const struct verdict_name queue = { "QUEUE", NC_NONE, false };
	static const struct verdict_name none = { "?", NC_NONE, false };
	const struct verdict_name *n = find(v);

	if (n)
		return n;
	/* NF_QUEUE carries the queue number in the upper bits */
	return (v & 0xff) == EV_V_QUEUE ? &queue : &none;
}
