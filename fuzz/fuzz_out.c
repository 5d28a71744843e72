/* libFuzzer target: the print layer (out.c) and its text and JSON formats
 * on stories built from fuzzed events, with odd strings everywhere a
 * name or rule text comes from the kernel or the user's ruleset.
 *
 * Input:
 *   byte 0    options: 1 color, 2 timestamps, 4 verbose, 0x18 the route
 *             answer (route_kind), 0x20 interfaces have names, 0x40 a
 *             netns name, 0x80 replace step tables/texts/targets
 *   byte 1    number of events, 1 + (b % 8)
 *   byte 2    quiet time in ms
 *   then      that many struct trace_event, raw (short input: zeros);
 *             names are NUL-terminated and header lengths clamped here,
 *             as nl_trace.c and nl_log.c guarantee
 *   then      NUL-separated strings: interface name, route reason, and
 *             per step a table label, a rule text and a jump target
 *
 * The story is built by story_build with an empty resolver (no rulesets,
 * no conntrack), as the unit tests do; its lookups of routes and
 * interface names are answered from the input below, and the bridge and
 * conntrack know nothing, instead of the kernel. The JSON line must
 * parse back and keep the schema's keys (docs/json.md). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "bridge.h"
#include "event.h"
#include "out.h"
#include "resolver.h"
#include "route.h"
#include "story.h"
#include "../tests/unit/lookups_none.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EVS 8

static struct {
	const char *ifname;		/* NULL: no such interface */
	enum route_kind route;
	const char *why;
} stub;

static bool fake_ifname(void *ctx, uint32_t ifindex, char *name)
{
	(void)ctx;
	(void)ifindex;
	if (!stub.ifname)
		return false;
	snprintf(name, IFNAMSIZ, "%s", stub.ifname);
	return true;
}

static void fake_route(void *ctx, const struct pkt_hdrs *p, uint32_t iif,
		       struct route_answer *a)
{
	(void)ctx;
	(void)p;
	(void)iif;
	memset(a, 0, sizeof(*a));
	a->kind = stub.route;
	snprintf(a->oif, sizeof(a->oif), "%s", stub.ifname ? stub.ifname : "");
	snprintf(a->why, sizeof(a->why), "%s", stub.why);
}

static const struct story_lookups fake_lookups = {
	.ifname = fake_ifname, .route = fake_route,
	.bridge_link = no_bridge_link, .bridge_fdb_port = no_fdb_port,
	.conntrack = no_conntrack,
};

/* Next NUL-separated string of the tail; "" once it is used up. */
static const char *next_str(const char **p, const char *end)
{
	const char *s = *p, *z;

	if (s >= end)
		return "";
	z = memchr(s, '\0', (size_t)(end - s));
	*p = z ? z + 1 : end;
	return s;
}

static void fix_event(struct trace_event *ev, long sec)
{
	ev->source = ev->source & 1 ? EV_SRC_XT : EV_SRC_NFT;
	ev->table[sizeof(ev->table) - 1] = '\0';
	ev->chain[sizeof(ev->chain) - 1] = '\0';
	ev->jump_target[sizeof(ev->jump_target) - 1] = '\0';
	if (ev->nethdr_len > EV_HDR_MAX)
		ev->nethdr_len %= EV_HDR_MAX + 1;
	if (ev->transhdr_len > EV_HDR_MAX - ev->nethdr_len)
		ev->transhdr_len = (uint16_t)(EV_HDR_MAX - ev->nethdr_len);
	/* a receive time, as nl_*_drain stamps it */
	ev->ts.tv_sec = sec;
	ev->ts.tv_nsec = labs(ev->ts.tv_nsec) % 1000000000L;
}

/* A step's string, replaced by one the story owns too */
static void replace(struct story *s, char **field, const char *str)
{
	char *n = story_strdup(s, str);

	if (n)
		*field = n;
}

static void check_json(const char *text, const struct story *s)
{
	json_error_t err;
	json_t *o = json_loads(text, 0, &err), *steps;
	const unsigned char *p;
	size_t i, n = 0;

	if (!o)
		abort();	/* not JSON */
	/* no byte a terminal acts on: C0, DEL, C1 (C2 80..9F) */
	for (p = (const unsigned char *)text; *p && *p != '\n'; p++)
		if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] < 0xa0 && p[1] >= 0x80))
			abort();
	for (i = 0; i < s->nsteps; i++)
		n += s->steps[i].kind != STEP_PACKET;
	steps = json_object_get(o, "steps");
	if (!json_is_array(steps) || json_array_size(steps) != n)
		abort();
	for (i = 0; i < n; i++) {
		json_t *st = json_array_get(steps, i);

		/* every step names its table and chain (docs/json.md) */
		if (!json_is_string(json_object_get(st, "table")) ||
		    !json_is_string(json_object_get(st, "chain")) ||
		    !json_object_get(st, "rule") || !json_object_get(st, "target"))
			abort();
	}
	if (!json_is_object(json_object_get(o, "fate")) ||
	    !json_is_string(json_object_get(json_object_get(o, "fate"), "text")))
		abort();
	json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	static int print = -1;
	struct trace_event evs[MAX_EVS];
	struct resolver r;
	struct block b;
	struct story s;
	struct out_opts to, jo;
	const char *tail, *end;
	char *tail_copy;
	size_t tail_len = 0;
	size_t nev, i, want;
	char *json = NULL;
	size_t json_len = 0;
	FILE *mem;
	uint8_t opt;

	if (size < 3 || size > 3 + MAX_EVS * sizeof(struct trace_event) + 4096)
		return -1;
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	if (print < 0)
		print = getenv("FUZZ_OUT_PRINT") != NULL;
	opt = data[0];
	nev = 1 + data[1] % MAX_EVS;
	memset(evs, 0, sizeof(evs));
	want = nev * sizeof(struct trace_event);
	memcpy(evs, data + 3, size - 3 < want ? size - 3 : want);
	/* a NUL-terminated copy, so the last string ends too */
	if (size - 3 > want) {
		tail_len = size - 3 - want;
		if (!(tail_copy = malloc(tail_len + 1)))
			return 0;
		memcpy(tail_copy, data + 3 + want, tail_len);
		tail_copy[tail_len] = '\0';
	} else if (!(tail_copy = calloc(1, 1))) {
		return 0;
	}
	tail = tail_copy;
	end = tail_copy + tail_len;
	for (i = 0; i < nev; i++)
		fix_event(&evs[i], 1764000000L + (long)i);

	stub.ifname = opt & 0x20 ? next_str(&tail, end) : NULL;
	stub.route = (enum route_kind)((opt >> 3) & 3);
	stub.why = next_str(&tail, end);

	memset(&b, 0, sizeof(b));
	b.id = evs[0].id;
	b.evs = evs;
	b.nevs = b.cap = nev;
	memset(&r, 0, sizeof(r));
	if (story_build(&s, &b, &r, true, &fake_lookups) < 0) {
		story_free(&s);
		free(tail_copy);
		return 0;
	}
	if (opt & 0x80)
		for (i = 0; i < s.nsteps; i++) {
			struct story_step *st = &s.steps[i];

			if (st->kind == STEP_PACKET)
				continue;
			replace(&s, &st->table, next_str(&tail, end));
			replace(&s, &st->text, next_str(&tail, end));
			replace(&s, &st->target, next_str(&tail, end));
			st->pos = (unsigned int)(st->ev->handle % 1000);
		}

	to = (struct out_opts){ .color = opt & 1, .timestamps = opt & 2,
				.verbose = opt & 4, .quiet_ms = data[2] };
	/* FUZZ_OUT_PRINT=1 build/fuzz/fuzz_out INPUT shows what it printed */
	out_story(&out_text_ops, print ? stderr : devnull, &s, &to);

	jo = (struct out_opts){ .netns = opt & 0x40 ? next_str(&tail, end) : NULL,
				.quiet_ms = data[2] };
	mem = open_memstream(&json, &json_len);
	if (!mem)
		abort();
	if (out_story(&out_json_ops, mem, &s, &jo) < 0)
		abort();	/* the packet would be missing from the output */
	fclose(mem);
	if (print)
		fputs(json, stderr);
	check_json(json, &s);
	free(json);
	story_free(&s);
	free(tail_copy);
	return 0;
}
