/* Names by hash, for arrays of thousands of them (a kube-proxy table's
 * chains, which every jump names): the index holds positions, the
 * caller's array the names. */
#ifndef IPTT_NAME_INDEX_H
#define IPTT_NAME_INDEX_H

#include <stdint.h>

struct name_index {
	uint32_t *slot;			/* 0 empty, else position + 1 */
	uint32_t size;			/* a power of two, or 0: no index */
};

/* the name at position i of the caller's array v */
typedef const char *(*name_index_at)(const void *v, uint32_t i);

/* Index the n names of v. Without memory the index stays empty and
 * lookups walk the array: slower, the same answers. */
void name_index_build(struct name_index *ix, const void *v, uint32_t n,
		      name_index_at at);
/* The position of name among the n of v, or -1. */
long name_index_find(const struct name_index *ix, const void *v, uint32_t n,
		     name_index_at at, const char *name);
void name_index_free(struct name_index *ix);

#endif
