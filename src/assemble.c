/* Blocks are kept in arrival order of their first event. A block ends
 * when its fate is known, when its trace id starts a new packet, or
 * after a quiet time with no events. Ready blocks are emitted in order
 * of completion. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "assemble.h"

/* Bounds memory when events keep coming for ids that never finish. */
#define MAX_OPEN_BLOCKS	4096

struct assembler {
	struct asm_ops ops;
	unsigned int quiet_ms;
	struct block **open;
	size_t nopen, cap;
};

struct assembler *asm_new(const struct asm_ops *ops, unsigned int quiet_ms)
{
	struct assembler *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->ops = *ops;
	a->quiet_ms = quiet_ms;
	return a;
}

static void block_free(struct block *b)
{
	free(b->evs);
	free(b);
}

void asm_free(struct assembler *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->nopen; i++)
		block_free(a->open[i]);
	free(a->open);
	free(a);
}

static long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* Emit and drop open[i], keeping the others in order. */
static void complete(struct assembler *a, size_t i)
{
	struct block *b = a->open[i];

	memmove(&a->open[i], &a->open[i + 1], (a->nopen - i - 1) * sizeof(b));
	a->nopen--;
	if (b->nevs)
		a->ops.emit(b, a->ops.data);
	block_free(b);
}

static struct block *find_open(struct assembler *a, uint32_t id, size_t *idx)
{
	size_t i;

	for (i = a->nopen; i-- > 0;)
		if (a->open[i]->id == id) {
			*idx = i;
			return a->open[i];
		}
	return NULL;
}

static struct block *block_new(struct assembler *a, uint32_t id)
{
	struct block *b;

	if (a->nopen == MAX_OPEN_BLOCKS)
		complete(a, 0);
	if (a->nopen == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;
		struct block **n = realloc(a->open, ncap * sizeof(*n));

		if (!n)
			return NULL;
		a->open = n;
		a->cap = ncap;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->id = id;
	clock_gettime(CLOCK_MONOTONIC, &b->first);
	a->open[a->nopen++] = b;
	return b;
}

static int block_append(struct block *b, const struct trace_event *ev)
{
	if (b->nevs == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 16;
		struct trace_event *n = realloc(b->evs, ncap * sizeof(*n));

		if (!n)
			return -1;
		b->evs = n;
		b->cap = ncap;
	}
	b->evs[b->nevs++] = *ev;
	clock_gettime(CLOCK_MONOTONIC, &b->last);
	return 0;
}

int asm_add(struct assembler *a, const struct trace_event *ev)
{
	size_t idx = 0;
	struct block *b = find_open(a, ev->id, &idx);

	if (b && a->ops.starts_packet(ev, a->ops.data)) {
		/* Trace ids come from a hash of the skb, so a later packet of
		 * the same flow can reuse the id of one still open. */
		b->superseded = true;
		complete(a, idx);
		b = NULL;
	}
	if (!b && !(b = block_new(a, ev->id)))
		return -1;
	if (block_append(b, ev) < 0)
		return -1;
	if (a->ops.ends_path(b, ev, a->ops.data)) {
		b->fate_known = true;
		find_open(a, ev->id, &idx);
		complete(a, idx);
	}
	return 0;
}

void asm_flush(struct assembler *a, bool flush_all)
{
	struct timespec now;
	size_t i = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	while (i < a->nopen) {
		if (flush_all || ms_between(&a->open[i]->last, &now) >= a->quiet_ms)
			complete(a, i);
		else
			i++;
	}
}

int asm_next_timeout(const struct assembler *a)
{
	struct timespec now;
	long best = -1, left;
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 0; i < a->nopen; i++) {
		left = (long)a->quiet_ms - ms_between(&a->open[i]->last, &now);
		if (left < 0)
			left = 0;
		if (best < 0 || left < best)
			best = left;
	}
	return (int)best;
}

size_t asm_open_blocks(const struct assembler *a)
{
	return a->nopen;
}
