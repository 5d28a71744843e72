#include <string.h>

#include "xt_tables.h"

#define H(h) (1u << (h))

const struct xt_table xt_tables[XT_N_TABLES] = {
	{ "raw", H(HOOK_PREROUTING) | H(HOOK_OUTPUT) },
	{ "mangle", H(HOOK_PREROUTING) | H(HOOK_INPUT) | H(HOOK_FORWARD) |
		    H(HOOK_OUTPUT) | H(HOOK_POSTROUTING) },
	{ "nat", H(HOOK_PREROUTING) | H(HOOK_INPUT) | H(HOOK_OUTPUT) |
		 H(HOOK_POSTROUTING) },
	{ "filter", H(HOOK_INPUT) | H(HOOK_FORWARD) | H(HOOK_OUTPUT) },
	{ "security", H(HOOK_INPUT) | H(HOOK_FORWARD) | H(HOOK_OUTPUT) },
};

static const int32_t prio[XT_N_TABLES] = { -300, -150, -100, 0, 50 };

const struct xt_table *xt_table_find(const char *name)
{
	size_t i;

	for (i = 0; i < XT_N_TABLES; i++)
		if (!strcmp(name, xt_tables[i].name))
			return &xt_tables[i];
	return NULL;
}

int32_t xt_table_prio(const struct xt_table *t, enum hook hook)
{
	if (!strcmp(t->name, "nat") &&
	    (hook == HOOK_INPUT || hook == HOOK_POSTROUTING))
		return 100;
	return prio[t - xt_tables];
}
