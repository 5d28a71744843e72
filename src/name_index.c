#include <stdlib.h>
#include <string.h>

#include "name_index.h"

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

void name_index_build(struct name_index *ix, const void *v, uint32_t n,
		      name_index_at at)
{
	uint32_t size, i, j;

	ix->slot = NULL;
	ix->size = 0;
	for (size = 64; size < 2 * n; size *= 2)
		;
	if (!(ix->slot = calloc(size, sizeof(*ix->slot))))
		return;
	ix->size = size;
	for (i = 0; i < n; i++) {
		for (j = name_hash(at(v, i)) & (size - 1); ix->slot[j];
		     j = (j + 1) & (size - 1))
			;
		ix->slot[j] = i + 1;
	}
}

long name_index_find(const struct name_index *ix, const void *v, uint32_t n,
		     name_index_at at, const char *name)
{
	uint32_t i;

	if (!ix->size) {
		for (i = 0; i < n; i++)
			if (!strcmp(at(v, i), name))
				return i;
		return -1;
	}
	for (i = name_hash(name) & (ix->size - 1); ix->slot[i];
	     i = (i + 1) & (ix->size - 1))
		if (!strcmp(at(v, ix->slot[i] - 1), name))
			return ix->slot[i] - 1;
	return -1;
}

void name_index_free(struct name_index *ix)
{
	free(ix->slot);
	ix->slot = NULL;
	ix->size = 0;
}
