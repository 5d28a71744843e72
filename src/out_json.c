/* jansson builds the object; field names are a stable interface
 * (docs/json.md), so add fields, never rename them. Every key is one of
 * our own ASCII literals: put() sets them without jansson's UTF-8
 * check, which ran for each of about 400 keys a story. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <linux/netfilter.h>

#include "decode.h"
#include "fate_names.h"
#include "out_json.h"
#include "safe_text.h"
#include "summary.h"

static void put(json_t *o, const char *key, json_t *value)
{
	json_object_set_new_nocheck(o, key, value);
}

/* One of our own strings (names of kinds, verdicts, addresses, hex):
 * ASCII, so without jansson's UTF-8 check. */
static json_t *lit(const char *s)
{
	return json_string_nocheck(s);
}

/* A string from the kernel as JSON: jansson refuses bytes that are not
 * UTF-8, which would drop the key; they become U+FFFD instead. ASCII is
 * UTF-8, and checked eight bytes at a time: jansson's check of every
 * rule text, byte by byte, was a tenth of our instructions. */
static json_t *str_valid(const char *s)
{
	size_t n = strlen(s);
	json_t *j = text_is_ascii(s, n) ? json_stringn_nocheck(s, n) :
					  json_stringn(s, n);
	char *valid;

	if (j)
		return j;
	valid = utf8_valid_dup(s);
	j = valid ? json_string(valid) : NULL;
	free(valid);
	return j ? j : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? str_valid(s) : json_null();
}

static json_t *tcp_flags(uint8_t flags)
{
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; i < 8; i++)
		if (flags & (1 << i))
			json_array_append_new(a, lit(decode_tcp_flag(i)));
	return a;
}

static const char *proto_name(uint8_t p)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	case IPPROTO_SCTP: return "sctp";
	case IPPROTO_UDPLITE: return "udplite";
	}
	return NULL;
}

static json_t *packet_json(const struct pkt_view *v)
{
	const struct pkt_hdrs *p = &v->hdrs;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	const char *pn;
	json_t *o = json_object();
	size_t i;

	put(o, "iif", str_or_null(v->in));
	put(o, "oif", str_or_null(v->out));
	for (i = 0; i < pkt_meta_nfields; i++)
		put(o, pkt_meta_fields[i].json,
		    json_integer(pkt_meta_get(&v->meta, &pkt_meta_fields[i])));
	if (!v->decoded)
		return o;
	decode_addr_text(p->family, &p->src, s, sizeof(s));
	decode_addr_text(p->family, &p->dst, d, sizeof(d));
	put(o, "src", lit(s));
	put(o, "dst", lit(d));
	put(o, "len", json_integer(p->family == AF_INET ? p->len : p->len + 40));
	put(o, p->family == AF_INET ? "ttl" : "hoplimit",
	    json_integer(p->ttl));
	put(o, p->family == AF_INET ? "tos" : "tc", json_integer(p->tos));
	if (p->family == AF_INET) {
		put(o, "id", json_integer(p->ipid));
		put(o, "df", json_boolean(p->frag & IPTT_IP_DF));
	} else {
		put(o, "flowlabel", json_integer(p->flowlabel));
	}
	pn = proto_name(p->proto);
	/* null: behind IPv6 extension headers that were not captured */
	put(o, "proto", p->proto_unknown ? json_null() :
	    pn ? lit(pn) : json_integer(p->proto));
	if (!p->have_l4)
		return o;
	switch (p->proto) {
	case IPPROTO_TCP:
		put(o, "tcp_flags", tcp_flags(p->tcp_flags));
		/* fall through */
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
		put(o, "sport", json_integer(p->sport));
		put(o, "dport", json_integer(p->dport));
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		put(o, "icmp_type", json_integer(p->icmp_type));
		put(o, "icmp_code", json_integer(p->icmp_code));
		if (p->icmp_echo) {
			put(o, "icmp_id", json_integer(p->icmp_id));
			put(o, "icmp_seq", json_integer(p->icmp_seq));
		}
		break;
	}
	return o;
}

static const char *kind_name(enum step_kind k)
{
	switch (k) {
	case STEP_RULE: return "rule";
	case STEP_POLICY: return "policy";
	case STEP_RETURN: return "return";
	case STEP_PACKET: break;	/* never a JSON step */
	}
	return "?";
}

static json_t *step_ref(const struct story_step *st)
{
	json_t *o;

	if (!st)
		return json_null();
	o = json_object();
	put(o, "table", str_valid(st->table_name));
	put(o, "family", lit(family_name(st->family)));
	put(o, "chain", str_valid(st->chain));
	put(o, "position", st->pos ? json_integer(st->pos) : json_null());
	put(o, "rule", str_or_null(st->text));
	return o;
}

/* JSON "steps" holds rule, policy and return steps; packet versions go
 * to "packet_versions". This is a story step's index in "steps". */
static json_int_t json_index(const struct story *s, const struct story_step *st)
{
	json_int_t n = 0;
	const struct story_step *p;

	for (p = s->steps; p < st; p++)
		if (p->kind != STEP_PACKET)
			n++;
	return n;
}

static json_t *step_index(const struct story *s, const struct story_step *st)
{
	return st ? json_integer(json_index(s, st)) : json_null();
}

static json_t *step_json(const struct story_step *st, json_int_t index)
{
	json_t *o = json_object();

	put(o, "index", json_integer(index));
	put(o, "type", lit(kind_name(st->kind)));
	put(o, "source", lit(st->legacy ? "x_tables" : "nftables"));
	put(o, "family", lit(family_name(st->family)));
	put(o, "table", str_valid(st->table_name));
	put(o, "chain", str_valid(st->chain));
	put(o, "hook", str_or_null(hook_name(st->hook)));
	put(o, "position", st->pos ? json_integer(st->pos) : json_null());
	put(o, "handle", st->has_handle ?
	    json_integer((json_int_t)st->handle) : json_null());
	put(o, "rule", str_or_null(st->text));
	put(o, "syntax", st->text ? lit(st->syntax ==
	    SYNTAX_IPTABLES ? "iptables" : "nft") : json_null());
	put(o, "rule_may_be_stale", json_boolean(st->stale));
	put(o, "verdict", st->kind == STEP_RETURN ?
	    lit("return") : lit(step_verdict_name(st)));
	put(o, "verdict_code", json_integer(st->verdict));
	put(o, "target", str_or_null(st->target));
	return o;
}

static json_t *tuple_json(const struct ct_tuple *t)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	const char *pn = proto_name(t->proto);
	json_t *o = json_object();

	decode_addr_text(t->family, &t->src, s, sizeof(s));
	decode_addr_text(t->family, &t->dst, d, sizeof(d));
	put(o, "src", lit(s));
	put(o, "dst", lit(d));
	put(o, "proto", pn ? lit(pn) : json_integer(t->proto));
	if (t->proto == IPPROTO_ICMP || t->proto == IPPROTO_ICMPV6) {
		put(o, "icmp_id", json_integer(t->sport));
	} else {
		put(o, "sport", json_integer(t->sport));
		put(o, "dport", json_integer(t->dport));
	}
	return o;
}

static json_t *ct_json(const struct story_ct *c)
{
	char status[128], *tok, *save = NULL;
	json_t *o, *st;

	if (!c->have_state && !c->have_entry)
		return json_null();
	o = json_object();
	put(o, "state", c->have_state ?
	    lit(ct_state_name(c->state)) : json_null());
	put(o, "direction", c->have_state && (c->state & CT_ST_INVALID) ?
	    json_null() : lit(c->dir ? "reply" : "original"));
	put(o, "id", c->id || c->have_entry ?
	    json_integer(c->id ? c->id : c->entry.id) : json_null());
	ct_status_text(status, sizeof(status), c->status);
	st = json_array();
	for (tok = strtok_r(status, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		json_array_append_new(st, lit(tok));
	put(o, "status", st);
	put(o, "original", c->have_entry ? tuple_json(&c->entry.orig) : json_null());
	put(o, "reply", c->have_entry ? tuple_json(&c->entry.reply) : json_null());
	put(o, "looked_up_later", json_boolean(c->looked_up_later));
	return o;
}

static json_t *timestamp(const struct timespec *ts)
{
	char buf[64];
	struct tm tm;

	gmtime_r(&ts->tv_sec, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000);
	return lit(buf);
}

/* The object's keys are set in the schema's order when the story
 * begins, the ones the walk fills in as placeholders: jansson keeps a
 * key's place when its value is replaced. */
static int json_begin(struct out_ctx *c)
{
	const struct story *s = c->s;
	const struct out_opts *opts = c->o;
	json_t *o = json_object();
	uint8_t fam;
	char id[16];

	if (!o)
		return -1;
	/* one base everywhere: the text's "[trace id 1a2b3c4d]" */
	snprintf(id, sizeof(id), "%08x", s->id);
	put(o, "schema_version", json_integer(JSON_SCHEMA_VERSION));
	put(o, "timestamp", timestamp(&s->ts));
	put(o, "trace_id", lit(id));
	put(o, "netns", str_or_null(opts->netns));
	if (opts->probe_role) {
		put(o, "probe_role", lit(opts->probe_role));
		put(o, "probe", json_integer(opts->probe));
	}
	/* an event that did not say is IPv4's */
	fam = s->nfproto == NFPROTO_IPV6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
	put(o, "family", lit(family_name(fam)));
	put(o, "iif", s->have_first ? str_or_null(s->first.in) : json_null());
	put(o, "oif", str_or_null(s->fate.out));
	put(o, "packet", s->have_first ? packet_json(&s->first) : json_null());
	put(o, "steps", json_array());
	put(o, "order_note", json_null());
	put(o, "packet_versions", json_array());
	put(o, "changes", json_array());
	put(o, "conntrack", json_null());
	put(o, "fate", json_null());
	c->priv = o;
	return 0;
}

static void append(struct out_ctx *c, const char *key, json_t *v)
{
	json_array_append_new(json_object_get(c->priv, key), v);
}

static void json_packet(struct out_ctx *c, const struct story_step *st)
{
	json_t *v = packet_json(&st->pkt);

	put(v, "before_step", json_integer(json_index(c->s, st)));
	append(c, "packet_versions", v);
}

static void json_step(struct out_ctx *c, const struct story_step *st)
{
	json_t *steps = json_object_get(c->priv, "steps");

	json_array_append_new(steps, step_json(st, (json_int_t)json_array_size(steps)));
}

/* text: the text output's line for it, which a port change joined to
 * its address change shares */
static void json_change(struct out_ctx *c, const struct story_change *ch,
			const char *text)
{
	json_t *o = json_object();

	put(o, "what", lit(ch->what));
	put(o, "field", lit(ch->field));
	put(o, "from", lit(ch->from));
	put(o, "to", lit(ch->to));
	put(o, "by", ch->by ? lit("rule") : lit("conntrack"));
	put(o, "step", step_index(c->s, ch->by));
	put(o, "rule", step_ref(ch->by));
	put(o, "text", text ? str_valid(text) : json_null());
	append(c, "changes", o);
}

static void json_order_note(struct out_ctx *c, const char *note)
{
	put(c->priv, "order_note", str_valid(note));
}

static void json_conntrack(struct out_ctx *c, const struct story_ct *ct)
{
	put(c->priv, "conntrack", ct_json(ct));
}

static void json_fate(struct out_ctx *c, const char *line)
{
	const struct story *s = c->s;
	const struct story_fate *f = &s->fate;
	const struct fate_name *n = fate_name(f->kind);
	json_t *o = json_object();

	put(o, "kind", lit(n->key));
	put(o, "verdict", n->verdict ? lit(n->verdict) :
	    json_null());
	put(o, "by_policy", json_boolean(f->by && f->by->kind == STEP_POLICY));
	put(o, "incomplete", json_boolean(f->cut));
	put(o, "step", step_index(s, f->by));
	put(o, "rule", step_ref(f->by));
	put(o, "out", str_or_null(f->out));
	/* the text output's fate line without "=> " */
	put(o, "text", line ? str_valid(line + 3) : json_null());
	put(c->priv, "fate", o);
}

/* One string, one write: json_dumpf writes token by token. Into a
 * buffer on the stack when the story fits (json_dumps grows one of its
 * own from 16 bytes, doubling and copying ten times for 8 KB). */
static int json_end(struct out_ctx *c)
{
	char buf[64 * 1024], *text = buf;
	size_t n = json_dumpb(c->priv, buf, sizeof(buf), JSON_COMPACT);
	int ret;

	if (n == 0 || n > sizeof(buf)) {
		text = json_dumps(c->priv, JSON_COMPACT);
		n = text ? strlen(text) : 0;
	}
	json_decref(c->priv);
	ret = text && fwrite(text, 1, n, c->f) == n && fputc('\n', c->f) != EOF ? 0 : -1;
	if (text != buf)
		free(text);
	return ret;
}

const struct out_ops out_json_ops = {
	.begin = json_begin,
	.packet = json_packet,
	.step = json_step,
	.change = json_change,
	.order_note = json_order_note,
	.conntrack = json_conntrack,
	.fate = json_fate,
	.end = json_end,
	.summary = summary_print_json,
};
