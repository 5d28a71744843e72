/* Which nf_tables rules were replaced in place, and when that became
 * certain for the events (nft_replaced.h). */
#include <stdio.h>
#include <string.h>

#include "mono_time.h"
#include "nft_replaced.h"

static void set_ref(struct nft_rule_ref *ref, uint8_t family,
		    const char *table, uint64_t handle)
{
	ref->family = family;
	snprintf(ref->table, sizeof(ref->table), "%s", table);
	ref->handle = handle;
}

static bool is_ref(const struct nft_rule_ref *ref, uint8_t family,
		   const char *table, uint64_t handle)
{
	return ref->family == family && ref->handle == handle &&
	       !strcmp(ref->table, table);
}

void nft_replaced_deleted(struct nft_replaced *nr, uint8_t family,
			  const char *table, uint64_t handle)
{
	if (nr->npending == NFT_REPLACED_PENDING) {
		nr->pending_lost = true;
		return;
	}
	set_ref(&nr->pending[nr->npending++], family, table, handle);
}

static void record(struct nft_replacement *e, uint8_t family,
		   const char *table, uint64_t handle)
{
	memset(e, 0, sizeof(*e));
	set_ref(&e->rule, family, table, handle);
	clock_gettime(CLOCK_REALTIME, &e->learned);
}

void nft_replaced_lost_track(struct nft_replaced *nr)
{
	record(&nr->all, 0, "", 0);
	nr->have_all = true;
}

bool nft_replaced_created(struct nft_replaced *nr, uint8_t family,
			  const char *table, uint64_t handle)
{
	unsigned int i;
	bool found = nr->pending_lost;

	for (i = 0; !found && i < nr->npending; i++)
		found = is_ref(&nr->pending[i], family, table, handle);
	if (!found)
		return false;
	/* The oldest record leaves the ring unsettled only if 64 rules were
	 * replaced before one round of reading: then nothing is sure. */
	if (nr->n == NFT_REPLACED_MAX && !nr->r[nr->next].settled)
		nft_replaced_lost_track(nr);
	record(&nr->r[nr->next], family, table, handle);
	nr->next = (nr->next + 1) % NFT_REPLACED_MAX;
	if (nr->n < NFT_REPLACED_MAX)
		nr->n++;
	return true;
}

void nft_replaced_new_generation(struct nft_replaced *nr)
{
	nr->npending = 0;
	nr->pending_lost = false;
}

static void settle(struct nft_replacement *e, const struct timespec *round_start,
		   const struct timespec *now)
{
	if (!e->settled && ts_before(&e->learned, round_start)) {
		e->settled = true;
		e->settled_at = *now;
	}
}

void nft_replaced_settle(struct nft_replaced *nr,
			 const struct timespec *round_start,
			 const struct timespec *now)
{
	unsigned int i;

	for (i = 0; i < nr->n; i++)
		settle(&nr->r[i], round_start, now);
	if (nr->have_all)
		settle(&nr->all, round_start, now);
}

bool nft_replaced_since(const struct nft_replaced *nr, uint8_t family,
			const char *table, uint64_t handle,
			const struct timespec *since)
{
	unsigned int i;

	if (nr->have_all && !ts_before(&nr->all.learned, since))
		return true;
	for (i = 0; i < nr->n; i++)
		if (is_ref(&nr->r[i].rule, family, table, handle) &&
		    !ts_before(&nr->r[i].learned, since))
			return true;
	return false;
}

/* Received before the replacement settled: maybe queued before it. */
static bool older(const struct nft_replacement *e, const struct timespec *ts)
{
	return !e->settled || !ts_before(&e->settled_at, ts);
}

bool nft_replaced_may_be_older(const struct nft_replaced *nr, uint8_t family,
			       const char *table, uint64_t handle,
			       const struct timespec *ts)
{
	unsigned int i;

	if (nr->have_all && older(&nr->all, ts))
		return true;
	for (i = 0; i < nr->n; i++)
		if (is_ref(&nr->r[i].rule, family, table, handle) && older(&nr->r[i], ts))
			return true;
	return false;
}
