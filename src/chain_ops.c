/* chain_ops.h: a chain's handles, edited as the notifications say. */
#include <string.h>

#include "chain_ops.h"

static long find(const uint64_t *h, size_t n, uint64_t handle)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (h[i] == handle)
			return (long)i;
	return -1;
}

static void insert_at(uint64_t *h, size_t *n, size_t at, uint64_t handle)
{
	memmove(h + at + 1, h + at, (*n - at) * sizeof(*h));
	h[at] = handle;
	(*n)++;
}

/* Where a DEL of handle took it out, among ops[0..upto): -1 if none. */
static long deleted_at(const struct chain_op *ops, const long *del_at,
		       size_t upto, uint64_t handle)
{
	size_t i;

	for (i = upto; i-- > 0;)
		if (ops[i].kind == CHAIN_OP_DEL && ops[i].handle == handle)
			return del_at[i];
	return -1;
}

long chain_ops_apply(const uint64_t *h, size_t n, const struct chain_op *ops,
		     size_t nops, uint64_t *out)
{
	long del_at[nops ? nops : 1];
	size_t k, len = n;
	long i;

	if (n)
		memcpy(out, h, n * sizeof(*h));
	for (k = 0; k < nops; k++) {
		const struct chain_op *op = &ops[k];

		del_at[k] = -1;
		if (!op->handle)
			return -1;
		if (op->kind == CHAIN_OP_DEL) {
			if ((i = find(out, len, op->handle)) < 0)
				return -1;
			memmove(out + i, out + i + 1, (len - (size_t)i - 1) * sizeof(*out));
			len--;
			del_at[k] = i;
			continue;
		}
		if (find(out, len, op->handle) >= 0)
			return -1;
		if (op->after) {
			if ((i = find(out, len, op->after)) < 0)
				return -1;
			insert_at(out, &len, (size_t)i + 1, op->handle);
		} else if (op->replaces) {
			/* first or last: where the rule it replaces was */
			if ((i = deleted_at(ops, del_at, k, op->handle)) < 0 ||
			    (size_t)i > len)
				return -1;
			insert_at(out, &len, (size_t)i, op->handle);
		} else {
			insert_at(out, &len, op->append ? len : 0, op->handle);
		}
	}
	return (long)len;
}
