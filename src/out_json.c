/* The --json story, written as it comes (jsonw.h). Field names are a
 * stable interface (docs/json.md): add fields, never rename them. The
 * keys come in the schema's order; the out_ops calls come in the
 * story's, so the parts the walk interleaves with the steps (packet
 * versions and header changes) are gathered apart and put in their
 * place when the steps are done. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>

#include "decode.h"
#include "fate_names.h"
#include "jsonw.h"
#include "out_json.h"
#include "summary.h"

/* The object's parts from "steps" on, in the schema's order. */
enum part {
	PART_STEPS, PART_ORDER_NOTE, PART_VERSIONS, PART_CHANGES,
	PART_CONNTRACK, PART_FATE, PART_END,
};

static const char *const part_keys[PART_END] = {
	[PART_STEPS] = "steps", [PART_ORDER_NOTE] = "order_note",
	[PART_VERSIONS] = "packet_versions", [PART_CHANGES] = "changes",
	[PART_CONNTRACK] = "conntrack", [PART_FATE] = "fate",
};

struct json_story {
	struct jsonw out;		/* the object, up to the part at */
	struct jsonw versions, changes;	/* their arrays' members */
	enum part at;			/* the first part not yet written */
	long long nsteps;		/* in "steps" so far */
};

static void tcp_flags(struct jsonw *w, uint8_t flags)
{
	unsigned int i;

	jw_array(w);
	for (i = 0; i < 8; i++)
		if (flags & (1 << i))
			jw_lit(w, decode_tcp_flag(i));
	jw_array_end(w);
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

static void proto(struct jsonw *w, uint8_t p)
{
	const char *pn = proto_name(p);

	if (pn)
		jw_lit(w, pn);
	else
		jw_int(w, p);
}

/* The members of a packet's object; the caller opens and closes it. */
static void packet_members(struct jsonw *w, const struct pkt_view *v)
{
	const struct pkt_hdrs *p = &v->hdrs;
	char a[INET6_ADDRSTRLEN];
	size_t i;

	jw_key_str_or_null(w, "iif", v->in);
	jw_key_str_or_null(w, "oif", v->out);
	for (i = 0; i < pkt_meta_nfields; i++)
		jw_key_int(w, pkt_meta_fields[i].json,
			   pkt_meta_get(&v->meta, &pkt_meta_fields[i]));
	if (!v->decoded)
		return;
	decode_addr_text(p->family, &p->src, a, sizeof(a));
	jw_key_lit(w, "src", a);
	decode_addr_text(p->family, &p->dst, a, sizeof(a));
	jw_key_lit(w, "dst", a);
	jw_key_int(w, "len", p->family == AF_INET ? p->len : p->len + 40);
	jw_key_int(w, p->family == AF_INET ? "ttl" : "hoplimit", p->ttl);
	jw_key_int(w, p->family == AF_INET ? "tos" : "tc", p->tos);
	if (p->family == AF_INET) {
		jw_key_int(w, "id", p->ipid);
		jw_key_bool(w, "df", p->frag & IPTT_IP_DF);
	} else {
		jw_key_int(w, "flowlabel", p->flowlabel);
	}
	jw_key(w, "proto");
	/* null: behind IPv6 extension headers that were not captured */
	if (p->proto_unknown)
		jw_null(w);
	else
		proto(w, p->proto);
	if (!p->have_l4)
		return;
	switch (p->proto) {
	case IPPROTO_TCP:
		jw_key(w, "tcp_flags");
		tcp_flags(w, p->tcp_flags);
		/* fall through */
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
		jw_key_int(w, "sport", p->sport);
		jw_key_int(w, "dport", p->dport);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		jw_key_int(w, "icmp_type", p->icmp_type);
		jw_key_int(w, "icmp_code", p->icmp_code);
		if (p->icmp_echo) {
			jw_key_int(w, "icmp_id", p->icmp_id);
			jw_key_int(w, "icmp_seq", p->icmp_seq);
		}
		break;
	}
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

static void position(struct jsonw *w, const struct story_step *st)
{
	if (st->pos)
		jw_int(w, st->pos);
	else
		jw_null(w);
}

static void step_ref(struct jsonw *w, const struct story_step *st)
{
	if (!st) {
		jw_null(w);
		return;
	}
	jw_object(w);
	jw_key_str(w, "table", st->table_name);
	jw_key_lit(w, "family", family_name(st->family));
	jw_key_str(w, "chain", st->chain);
	jw_key(w, "position");
	position(w, st);
	jw_key_str_or_null(w, "rule", st->text);
	jw_object_end(w);
}

/* JSON "steps" holds rule, policy and return steps; packet versions go
 * to "packet_versions". This is a story step's index in "steps". */
static long long json_index(const struct story *s, const struct story_step *st)
{
	long long n = 0;
	const struct story_step *p;

	for (p = s->steps; p < st; p++)
		if (p->kind != STEP_PACKET)
			n++;
	return n;
}

static void step_index(struct jsonw *w, const struct story *s,
		       const struct story_step *st)
{
	if (st)
		jw_int(w, json_index(s, st));
	else
		jw_null(w);
}

static void tuple_json(struct jsonw *w, const struct ct_tuple *t)
{
	char a[INET6_ADDRSTRLEN];

	jw_object(w);
	decode_addr_text(t->family, &t->src, a, sizeof(a));
	jw_key_lit(w, "src", a);
	decode_addr_text(t->family, &t->dst, a, sizeof(a));
	jw_key_lit(w, "dst", a);
	jw_key(w, "proto");
	proto(w, t->proto);
	if (t->proto == IPPROTO_ICMP || t->proto == IPPROTO_ICMPV6) {
		jw_key_int(w, "icmp_id", t->sport);
	} else {
		jw_key_int(w, "sport", t->sport);
		jw_key_int(w, "dport", t->dport);
	}
	jw_object_end(w);
}

static void tuple_or_null(struct jsonw *w, const struct story_ct *c,
			  const struct ct_tuple *t)
{
	if (c->have_entry)
		tuple_json(w, t);
	else
		jw_null(w);
}

static void ct_json(struct jsonw *w, const struct story_ct *c)
{
	char status[128], *tok, *save = NULL;

	if (!c->have_state && !c->have_entry) {
		jw_null(w);
		return;
	}
	jw_object(w);
	jw_key(w, "state");
	if (c->have_state)
		jw_lit(w, ct_state_name(c->state));
	else
		jw_null(w);
	jw_key(w, "direction");
	if (c->have_state && (c->state & CT_ST_INVALID))
		jw_null(w);
	else
		jw_lit(w, c->dir ? "reply" : "original");
	jw_key(w, "id");
	if (c->id || c->have_entry)
		jw_int(w, c->id ? c->id : c->entry.id);
	else
		jw_null(w);
	ct_status_text(status, sizeof(status), c->status);
	jw_key(w, "status");
	jw_array(w);
	for (tok = strtok_r(status, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		jw_lit(w, tok);
	jw_array_end(w);
	jw_key(w, "original");
	tuple_or_null(w, c, &c->entry.orig);
	jw_key(w, "reply");
	tuple_or_null(w, c, &c->entry.reply);
	jw_key_bool(w, "looked_up_later", c->looked_up_later);
	jw_object_end(w);
}

static void timestamp(struct jsonw *w, const struct timespec *ts)
{
	char buf[64];
	struct tm tm;

	gmtime_r(&ts->tv_sec, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000);
	jw_lit(w, buf);
}

/* Most stories fit: one allocation each */
#define STORY_JSON_SIZE	(16 * 1024)

static int json_begin(struct out_ctx *c)
{
	const struct story *s = c->s;
	const struct out_opts *opts = c->o;
	struct json_story *j = calloc(1, sizeof(*j));
	struct jsonw *w;
	uint8_t fam;
	char id[16];

	if (!j)
		return -1;
	jw_init(&j->out, STORY_JSON_SIZE);
	jw_init(&j->versions, 1024);
	jw_init(&j->changes, 1024);
	c->priv = j;
	w = &j->out;
	/* one base everywhere: the text's "[trace id 1a2b3c4d]" */
	snprintf(id, sizeof(id), "%08x", s->id);
	jw_object(w);
	jw_key_int(w, "schema_version", JSON_SCHEMA_VERSION);
	jw_key(w, "timestamp");
	timestamp(w, &s->ts);
	jw_key_lit(w, "trace_id", id);
	jw_key_str_or_null(w, "netns", opts->netns);
	if (opts->probe_role) {
		jw_key_lit(w, "probe_role", opts->probe_role);
		jw_key_int(w, "probe", opts->probe);
	}
	/* an event that did not say is IPv4's */
	fam = s->nfproto == NFPROTO_IPV6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
	jw_key_lit(w, "family", family_name(fam));
	jw_key_str_or_null(w, "iif", s->have_first ? s->first.in : NULL);
	jw_key_str_or_null(w, "oif", s->fate.out);
	jw_key(w, "packet");
	if (s->have_first) {
		jw_object(w);
		packet_members(w, &s->first);
		jw_object_end(w);
	} else {
		jw_null(w);
	}
	jw_key(w, part_keys[PART_STEPS]);
	jw_array(w);
	j->at = PART_STEPS;
	return 0;
}

/* Write every part before p that was not written: the steps' end, the
 * gathered arrays, null for the others. The caller writes p. */
static void parts_before(struct json_story *j, enum part p)
{
	struct jsonw *w = &j->out;

	for (; j->at < p; j->at++) {
		if (j->at == PART_STEPS) {
			jw_array_end(w);
			continue;
		}
		jw_key(w, part_keys[j->at]);
		if (j->at == PART_VERSIONS)
			jw_array_of(w, &j->versions);
		else if (j->at == PART_CHANGES)
			jw_array_of(w, &j->changes);
		else
			jw_null(w);
	}
}

/* Start part p, after the ones before it; out.h's order brings each
 * once, and a call out of it would write a key twice: the story is
 * then refused rather than printed wrong. */
static struct jsonw *part(struct out_ctx *c, enum part p)
{
	struct json_story *j = c->priv;

	if (j->at > p)
		j->out.failed = true;
	parts_before(j, p);
	j->at = p + 1;
	jw_key(&j->out, part_keys[p]);
	return &j->out;
}

static void json_packet(struct out_ctx *c, const struct story_step *st)
{
	struct json_story *j = c->priv;
	struct jsonw *w = &j->versions;

	jw_object(w);
	packet_members(w, &st->pkt);
	jw_key_int(w, "before_step", json_index(c->s, st));
	jw_object_end(w);
}

static void json_step(struct out_ctx *c, const struct story_step *st)
{
	struct json_story *j = c->priv;
	struct jsonw *w = &j->out;

	jw_object(w);
	jw_key_int(w, "index", j->nsteps++);
	jw_key_lit(w, "type", kind_name(st->kind));
	jw_key_lit(w, "source", st->legacy ? "x_tables" : "nftables");
	jw_key_lit(w, "family", family_name(st->family));
	jw_key_str(w, "table", st->table_name);
	jw_key_str(w, "chain", st->chain);
	jw_key_str_or_null(w, "hook", hook_name(st->hook));
	jw_key(w, "position");
	position(w, st);
	jw_key(w, "handle");
	if (st->has_handle)
		jw_int(w, (long long)st->handle);
	else
		jw_null(w);
	jw_key_str_or_null(w, "rule", st->text);
	jw_key(w, "syntax");
	if (st->text)
		jw_lit(w, st->syntax == SYNTAX_IPTABLES ? "iptables" : "nft");
	else
		jw_null(w);
	jw_key_bool(w, "rule_may_be_stale", st->stale);
	jw_key_lit(w, "verdict", st->kind == STEP_RETURN ? "return" :
		   step_verdict_name(st));
	jw_key_int(w, "verdict_code", st->verdict);
	jw_key_str_or_null(w, "target", st->target);
	jw_object_end(w);
}

/* text: the text output's line for it, which a port change joined to
 * its address change shares */
static void json_change(struct out_ctx *c, const struct story_change *ch,
			const char *text)
{
	struct json_story *j = c->priv;
	struct jsonw *w = &j->changes;

	jw_object(w);
	jw_key_lit(w, "what", ch->what);
	jw_key_lit(w, "field", ch->field);
	jw_key_lit(w, "from", ch->from);
	jw_key_lit(w, "to", ch->to);
	jw_key_lit(w, "by", ch->by ? "rule" : "conntrack");
	jw_key(w, "step");
	step_index(w, c->s, ch->by);
	jw_key(w, "rule");
	step_ref(w, ch->by);
	jw_key(w, "text");
	if (text)
		jw_str(w, text);
	else
		jw_null(w);
	jw_object_end(w);
}

static void json_order_note(struct out_ctx *c, const char *note)
{
	jw_str(part(c, PART_ORDER_NOTE), note);
}

static void json_conntrack(struct out_ctx *c, const struct story_ct *ct)
{
	ct_json(part(c, PART_CONNTRACK), ct);
}

static void json_fate(struct out_ctx *c, const char *line)
{
	const struct story *s = c->s;
	const struct story_fate *f = &s->fate;
	const struct fate_name *n = fate_name(f->kind);
	struct jsonw *w = part(c, PART_FATE);

	jw_object(w);
	jw_key_lit(w, "kind", n->key);
	jw_key(w, "verdict");
	if (n->verdict)
		jw_lit(w, n->verdict);
	else
		jw_null(w);
	jw_key_bool(w, "by_policy", f->by && f->by->kind == STEP_POLICY);
	jw_key_bool(w, "incomplete", f->cut);
	jw_key(w, "step");
	step_index(w, s, f->by);
	jw_key(w, "rule");
	step_ref(w, f->by);
	jw_key_str_or_null(w, "out", f->out);
	jw_key(w, "text");
	/* the text output's fate line without "=> " */
	if (line)
		jw_str(w, line + 3);
	else
		jw_null(w);
	jw_object_end(w);
}

/* One story, one line, one write. */
static int json_end(struct out_ctx *c)
{
	struct json_story *j = c->priv;
	struct jsonw *w = &j->out;
	int ret;

	/* the gathered arrays' failures come with them (jw_array_of) */
	parts_before(j, PART_END);
	jw_object_end(w);
	ret = !w->failed && fwrite(w->buf, 1, w->len, c->f) == w->len &&
	      fputc('\n', c->f) != EOF ? 0 : -1;
	jw_free(&j->out);
	jw_free(&j->versions);
	jw_free(&j->changes);
	free(j);
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
