/* The JSON printer on names that are not UTF-8. Table and chain names are
 * bytes (nft -j takes any), and jansson refuses non-UTF-8 strings: the
 * key used to vanish from the object (found by fuzz/fuzz_out). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include "fixture.h"
#include "out.h"
#include "story.h"

#include <linux/netfilter.h>

#define FFFD "\xef\xbf\xbd"

static json_t *story_json_with(const char *table, const char *chain,
			       uint32_t mark, const char *order_note)
{
	struct trace_event ev;
	struct story_step st;
	struct block b;
	struct story s;
	struct out_opts o = { .netns = NULL, .quiet_ms = 100 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	json_t *j;

	fixture_event("nft-policy-drop-input.nlmsg", &ev);
	snprintf(ev.table, sizeof(ev.table), "%s", table);
	snprintf(ev.chain, sizeof(ev.chain), "%s", chain);
	memset(&b, 0, sizeof(b));
	b.evs = &ev;
	b.nevs = b.cap = 1;
	memset(&st, 0, sizeof(st));
	st.kind = STEP_POLICY;
	story_step_set_event(&st, &ev);
	st.table = ev.table;
	st.verdict = NF_DROP;
	memset(&s, 0, sizeof(s));
	story_set_block(&s, &b);
	s.steps = &st;
	s.nsteps = 1;
	s.fate.kind = FATE_DROP;
	s.fate.by = &st;
	s.have_first = true;
	s.first.meta.mark = mark;
	if (order_note)
		snprintf(s.order_note, sizeof(s.order_note), "%s", order_note);

	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(out_story(&out_json_ops, f, &s, &o), 0);
	fclose(f);
	j = json_loads(text, 0, NULL);
	assert_non_null(j);
	free(text);
	return j;
}

static json_t *story_json(const char *table, const char *chain)
{
	return story_json_with(table, chain, 0, NULL);
}

static const char *get(json_t *o, const char *path1, const char *key)
{
	json_t *v = json_object_get(o, path1);

	if (json_is_array(v))
		v = json_array_get(v, 0);
	v = json_object_get(v, key);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static void test_names_not_utf8(void **state)
{
	json_t *j;

	(void)state;
	/* a stray byte, a character cut short, a surrogate, an overlong */
	j = story_json("f\xffx", "in\xc3");
	assert_string_equal(get(j, "steps", "table"), "f" FFFD "x");
	assert_string_equal(get(j, "steps", "chain"), "in" FFFD);
	assert_string_equal(get(j, "fate", "text"),
			    "DROP by policy of f" FFFD "x in" FFFD);
	json_decref(j);

	j = story_json("\xed\xa0\x80", "\xc0\xaf");
	assert_string_equal(get(j, "steps", "table"), FFFD FFFD FFFD);
	assert_string_equal(get(j, "steps", "chain"), FFFD FFFD);
	json_decref(j);

	/* valid UTF-8 and control bytes stay as they are */
	j = story_json("t\xc3\xa9st", "\xf0\x9f\x90\xa7\x1b[0m");
	assert_string_equal(get(j, "steps", "table"), "t\xc3\xa9st");
	assert_string_equal(get(j, "steps", "chain"), "\xf0\x9f\x90\xa7\x1b[0m");
	json_decref(j);
}

/* ASCII goes through unchecked, eight bytes at a time: a stray byte
 * after the first word, or in the last bytes, is still caught. The
 * order note names chains too, and kept its key. */
static void test_long_names_not_utf8(void **state)
{
	json_t *j;

	(void)state;
	j = story_json_with("a-long-table-name\xff", "chain-name-of-20-b\xc3x",
			    0, "legacy raw before nft fw\xff, at equal priority");
	assert_string_equal(get(j, "steps", "table"), "a-long-table-name" FFFD);
	assert_string_equal(get(j, "steps", "chain"), "chain-name-of-20-b" FFFD "x");
	assert_string_equal(json_string_value(json_object_get(j, "order_note")),
			    "legacy raw before nft fw" FFFD ", at equal priority");
	json_decref(j);

	j = story_json("a-long-table-name", "a-long-chain-name-in-ascii");
	assert_string_equal(get(j, "steps", "table"), "a-long-table-name");
	assert_string_equal(get(j, "steps", "chain"), "a-long-chain-name-in-ascii");
	json_decref(j);
}

/* One base for the trace id everywhere: the text's "[trace id 1a2b3c4d]";
 * the objects say which schema they follow. */
static void test_trace_id_hex_and_schema(void **state)
{
	json_t *j, *v;

	(void)state;
	j = story_json("filter", "INPUT");
	v = json_object_get(j, "trace_id");
	assert_true(json_is_string(v));
	assert_int_equal(strlen(json_string_value(v)), 8);
	assert_int_equal(strspn(json_string_value(v), "0123456789abcdef"), 8);
	assert_int_equal(json_integer_value(json_object_get(j, "schema_version")), 2);
	json_decref(j);
}

/* The numbers a packet line shows beside its headers come from one
 * table (pkt_meta.c): each is a key of the packet object. */
static void test_packet_meta_keys(void **state)
{
	json_t *j, *p;

	(void)state;
	j = story_json_with("filter", "INPUT", 0x2a, NULL);
	p = json_object_get(j, "packet");
	assert_true(json_is_object(p));
	assert_int_equal(json_integer_value(json_object_get(p, "mark")), 0x2a);
	json_decref(j);
	j = story_json("filter", "INPUT");
	p = json_object_get(j, "packet");
	assert_true(json_is_integer(json_object_get(p, "mark")));
	assert_int_equal(json_integer_value(json_object_get(p, "mark")), 0);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_not_utf8),
		cmocka_unit_test(test_long_names_not_utf8),
		cmocka_unit_test(test_trace_id_hex_and_schema),
		cmocka_unit_test(test_packet_meta_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
