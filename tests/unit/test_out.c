/* The one walk over a story (out.c): which parts a format is handed, in
 * which order, with which shared sentence. A format that records its
 * calls stands in for text and JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "out.h"

#include <linux/netfilter.h>

/* The recording format writes one word per call, in order. */
#define add(c, ...) fprintf((c)->f, __VA_ARGS__)

static int rec_begin(struct out_ctx *c)
{
	add(c, "begin;");
	return 0;
}

static void rec_packet(struct out_ctx *c, const struct story_step *st)
{
	add(c, "packet %zu;", (size_t)(st - c->s->steps));
}

static void rec_step(struct out_ctx *c, const struct story_step *st)
{
	add(c, "step %zu;", (size_t)(st - c->s->steps));
}

static void rec_change(struct out_ctx *c, const struct story_change *ch,
		       const char *line)
{
	add(c, "change %s [%s];", ch->field, line);
}

static void rec_note(struct out_ctx *c, const char *note)
{
	add(c, "note %s;", note);
}

static void rec_ct(struct out_ctx *c, const struct story_ct *ct)
{
	(void)ct;
	add(c, "ct;");
}

static void rec_fate(struct out_ctx *c, const char *line)
{
	add(c, "fate [%s];", line);
}

static int rec_end(struct out_ctx *c)
{
	add(c, "end");
	return 0;
}

static const struct out_ops rec_ops = {
	.begin = rec_begin, .packet = rec_packet, .step = rec_step,
	.change = rec_change, .order_note = rec_note, .conntrack = rec_ct,
	.fate = rec_fate, .end = rec_end,
};

/* out_story through ops, and what it wrote (malloc'd) */
static char *walk(const struct out_ops *ops, const struct story *s, int want)
{
	struct out_opts o = { .quiet_ms = 100 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(out_story(ops, f, s, &o), want);
	fclose(f);
	return buf;
}

static struct story_step rule(const char *table, const char *chain,
			      unsigned int pos, const char *text, int32_t verdict)
{
	struct story_step st;

	memset(&st, 0, sizeof(st));
	st.kind = STEP_RULE;
	st.table = (char *)table;
	st.table_name = table;
	st.chain = chain;
	st.family = NFPROTO_IPV4;
	st.pos = pos;
	st.text = (char *)text;
	st.verdict = verdict;
	return st;
}

static void change(struct story_change *c, const struct story_step *by,
		   size_t after, const char *what, const char *field,
		   const char *from, const char *to)
{
	memset(c, 0, sizeof(*c));
	c->by = by;
	c->after = after;
	c->note = "";
	snprintf(c->what, sizeof(c->what), "%s", what);
	snprintf(c->field, sizeof(c->field), "%s", field);
	snprintf(c->from, sizeof(c->from), "%s", from);
	snprintf(c->to, sizeof(c->to), "%s", to);
}

/* A DNATed packet dropped later: a rule, the packet as rewritten, a
 * legacy drop. The port change is joined to its address change and is
 * handed the address's line; conntrack, unknown, is not handed at all. */
static void test_walk_order(void **state)
{
	struct story_step steps[3];
	struct story s;
	char *got;

	(void)state;
	memset(&s, 0, sizeof(s));
	steps[0] = rule("nat", "PREROUTING", 1, "-j DNAT", NF_ACCEPT);
	memset(&steps[1], 0, sizeof(steps[1]));
	steps[1].kind = STEP_PACKET;
	steps[2] = rule("filter", "FORWARD", 3, "-j DROP", NF_DROP);
	steps[2].legacy = true;
	s.steps = steps;
	s.nsteps = 3;
	change(&s.changes[0], &steps[0], 1, "DNAT", "DST", "192.0.2.1", "10.0.0.2");
	snprintf(s.changes[0].ep_from, sizeof(s.changes[0].ep_from), "192.0.2.1:80");
	snprintf(s.changes[0].ep_to, sizeof(s.changes[0].ep_to), "10.0.0.2:8080");
	change(&s.changes[1], &steps[0], 1, "DNAT", "DPT", "80", "8080");
	s.changes[1].joined = true;
	change(&s.changes[2], NULL, 3, "SNAT", "SRC", "10.0.0.1", "10.0.0.9");
	s.nchanges = 3;
	snprintf(s.order_note, sizeof(s.order_note), "a guess");
	s.fate.kind = FATE_DROP;
	s.fate.by = &steps[2];

	got = walk(&rec_ops, &s, 0);
	assert_string_equal(got,
		"begin;"
		"step 0;"
		"change DST [DNAT by nat PREROUTING (#1): 192.0.2.1:80 -> 10.0.0.2:8080];"
		"change DPT [DNAT by nat PREROUTING (#1): 192.0.2.1:80 -> 10.0.0.2:8080];"
		"packet 1;"
		"step 2;"
		"change SRC [SNAT by conntrack: SRC 10.0.0.1 -> 10.0.0.9];"
		"note a guess;"
		"fate [=> DROP by legacy filter FORWARD (#3) -j DROP];"
		"end");
	free(got);

	/* conntrack is handed over once something is known of it */
	s.nchanges = 0;
	s.order_note[0] = '\0';
	s.ct.have_state = true;
	got = walk(&rec_ops, &s, 0);
	assert_string_equal(got, "begin;step 0;packet 1;step 2;ct;"
			    "fate [=> DROP by legacy filter FORWARD (#3) -j DROP];end");
	free(got);
}

/* A fate kind without a sentence of its own says its table words, and
 * where the packet went. */
static void test_fate_from_table(void **state)
{
	struct story s;
	char *l;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.fate.kind = FATE_BRIDGED;
	snprintf(s.fate.out, sizeof(s.fate.out), "veth2");
	l = out_fate_line(&s, 100);
	assert_string_equal(l, "=> ACCEPT, bridged out veth2");
	free(l);
	s.fate.kind = FATE_SENT;
	s.fate.out[0] = '\0';
	l = out_fate_line(&s, 100);
	assert_string_equal(l, "=> ACCEPT, sent");
	free(l);
}

/* The format follows the option, and a format that failed to begin
 * has nothing written. */
static int fail_begin(struct out_ctx *c)
{
	(void)c;
	return -1;
}

static void test_formats(void **state)
{
	struct out_ops failing = rec_ops;
	struct story s;
	char *got;

	(void)state;
	assert_ptr_equal(out_ops_for(OUT_TEXT), &out_text_ops);
	assert_ptr_equal(out_ops_for(OUT_JSON), &out_json_ops);
	memset(&s, 0, sizeof(s));
	failing.begin = fail_begin;
	got = walk(&failing, &s, -1);
	assert_string_equal(got, "");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_order),
		cmocka_unit_test(test_fate_from_table),
		cmocka_unit_test(test_formats),
	};

	return cmocka_run_group_tests_name("out", tests, NULL, NULL);
}
