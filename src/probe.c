/* --probe: the kernel judges a packet that does not exist, in a copy of
 * the traced namespace (probe_copy.c makes it). Here: enter the copy,
 * arm it like live tracing, send the packet in, run the same loop until
 * its story is complete, and print it with whatever the copy answered.
 *
 * Nothing of this touches the traced namespace: the sockets, the owned
 * table, the nf_log binding and the conntrack entries all live in the
 * copy, which the kernel frees when our last descriptor of it closes,
 * on every exit and on kill -9. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <jansson.h>

#include "app.h"
#include "arm.h"
#include "assemble.h"
#include "fate_names.h"
#include "ifname.h"
#include "mono_time.h"
#include "out_json.h"
#include "probe.h"
#include "probe_copy.h"
#include "probe_inject.h"
#include "path_end.h"
#include "rules_nft.h"
#include "safe_text.h"
#include "snapshots.h"
#include "story.h"

/* After the probe's fate is known: how long to wait for the copy's
 * answer (an RST, an echo reply, an ICMP error). The kernel handles a
 * frame from a packet socket (in the softirq run when send() leaves its
 * bh-disabled section) and a raw socket's packet within the send call,
 * answers included, so their events are queued by the time the probe's
 * last one is read; this is slack for a softirq deferred to ksoftirqd. */
#define ANSWER_WAIT_MS	10
/* A probe whose packet never reaches a traced hook (a bad route out of a
 * raw socket, an interface that is down) gives up after this. */
#define PROBE_GIVE_UP_MS	1500

struct probe_out {
	char *buf;
	size_t len;
	FILE *f;
};

struct probe_state {
	struct app app;
	const struct probe_opts *o;
	struct probe_copy pc;
	const struct probe_spec *cur;
	unsigned int index;		/* 1-based */
	struct probe_out story, looped, answers;
	bool seen;			/* the probe's block was emitted */
	enum fate_kind fate;
	char fate_text[256];
	/* a --from-host probe to an address of the copy's own comes back
	 * in over lo, a second pass under another trace id: where it ends
	 * is that pass's fate, not "sent out lo" */
	bool seen_looped;
	enum fate_kind looped_fate;
	char looped_text[256];
	unsigned int n_answers;
	struct timespec seen_at;
	/* Per interface of the copy, opened on first use and kept: closing
	 * a packet socket waits for an RCU grace period (8-15 ms). */
	struct probe_sender *wires;
	struct probe_fence *fences;
	/* the arming's --mark chain, as installed */
	bool armed_mark;
	uint32_t armed_mark_value;
};

static void out_begin(struct probe_out *p)
{
	p->buf = NULL;
	p->len = 0;
	p->f = open_memstream(&p->buf, &p->len);
	if (!p->f)
		die(EXIT_RUNTIME, "out of memory");
}

/* Write what was collected to stdout, and free it. */
static void out_end(struct probe_out *p, struct probe_state *st)
{
	if (fclose(p->f) == EOF)
		die(EXIT_RUNTIME, "out of memory");
	p->f = NULL;
	if (p->len && !st->app.output_closed &&
	    fwrite(p->buf, 1, p->len, stdout) != p->len)
		st->app.output_closed = true;
	free(p->buf);
	p->buf = NULL;
}

/* ---- which block is the probe ------------------------------------ */

static bool addr_eq(const struct pkt_hdrs *h, const struct probe_addr *src,
		    const struct probe_addr *dst)
{
	size_t n = h->family == AF_INET ? 4 : 16;

	return h->family == src->family && !memcmp(&h->src, &src->a, n) &&
	       !memcmp(&h->dst, &dst->a, n);
}

/* The probe's packet as the first traced chain saw it: its addresses and
 * protocol (nothing rewrote it before our chain at raw - 1). */
static bool is_probe(const struct probe_spec *ps, const struct story *s)
{
	const struct pkt_hdrs *h = &s->first.hdrs;

	if (!s->have_first || !s->first.decoded)
		return false;
	if (!addr_eq(h, &ps->pkt.src, &ps->pkt.dst) || h->proto != ps->pkt.proto)
		return false;
	if (ps->pkt.proto == IPPROTO_TCP || ps->pkt.proto == IPPROTO_UDP)
		return h->sport == ps->pkt.sport && h->dport == ps->pkt.dport;
	return h->icmp_type == ps->pkt.icmp_type;
}

/* What the filter of a single probe would select: the probe itself, and
 * anything sent back to its source (the same flow reversed, or ICMP).
 * The copy is armed once for every probe with a filter that selects all
 * of its packets; this keeps each story to what the probe's own filter
 * selected: the pcap-filter(7) expression, of old,
 *   ip and ((src host S and dst host D and tcp and src port SP and dst
 *   port DP) or (dst host S and ((tcp and dst port SP) or icmp)))
 * (for ICMP: src S, dst D and icmp, or dst S and icmp). */
static bool selected(const struct probe_spec *ps, const struct story *s)
{
	const struct pkt_hdrs *h = &s->first.hdrs;
	const struct probe_pkt_spec *k = &ps->pkt;
	size_t n = k->src.family == AF_INET ? 4 : 16;
	uint8_t icmp = k->src.family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	bool ports = k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP;

	if (!s->have_first || !s->first.decoded || h->family != k->src.family)
		return false;
	if (addr_eq(h, &k->src, &k->dst) && h->proto == (ports ? k->proto : icmp) &&
	    (!ports || (h->sport == k->sport && h->dport == k->dport)))
		return true;
	if (memcmp(&h->dst, &k->src.a, n))
		return false;
	return h->proto == icmp || (ports && h->proto == k->proto && h->dport == k->sport);
}

/* The fate line without its "=> ", or the fate's words. */
static void fate_text(const struct story *s, unsigned int quiet_ms, char *buf,
		      size_t size)
{
	char *l = out_fate_line(s, quiet_ms);

	snprintf(buf, size, "%s", l && strlen(l) > 3 ? l + 3 : fate_name(s->fate.kind)->text);
	free(l);
}

static void emit(const struct block *b, void *data)
{
	struct probe_state *st = data;
	struct app *app = &st->app;
	struct story s;
	bool probe, looped;
	FILE *f;

	if (app->failed || (app->arm && !b->started))
		return;
	if (app_build_story(app, b, &s) < 0)
		return;
	if (!selected(st->cur, &s)) {
		story_free(&s);
		return;
	}
	looped = st->cur->from_host && !st->seen_looped && is_probe(st->cur, &s) &&
		 !strcmp(s.first.in, "lo");
	probe = !looped && !st->seen && is_probe(st->cur, &s);
	f = probe ? st->story.f : looped ? st->looped.f : st->answers.f;
	app->out.probe_role = probe ? "probe" : looped ? "looped" : "answer";
	app->out.probe = st->index;
	if (app->cfg.format == OUT_TEXT && looped)
		fputs("the probe, back in over lo:\n", f);
	else if (app->cfg.format == OUT_TEXT && !probe)
		fputs("the host's answer (from the copy):\n", f);
	out_story(app->out_ops, f, &s, &app->out);
	if (probe) {
		st->seen = true;
		st->fate = s.fate.kind;
		fate_text(&s, app->cfg.quiet_ms, st->fate_text, sizeof(st->fate_text));
		clock_gettime(CLOCK_MONOTONIC, &st->seen_at);
	} else if (looped) {
		st->seen_looped = true;
		st->looped_fate = s.fate.kind;
		fate_text(&s, app->cfg.quiet_ms, st->looped_text, sizeof(st->looped_text));
	} else {
		st->n_answers++;
	}
	app->packets++;
	story_free(&s);
}

static bool ends_path(const struct block *b, const struct trace_event *ev, void *data)
{
	struct probe_state *st = data;

	return path_ends(b, ev, &st->app.resolver);
}

/* ---- the filter that selects the probe and its answers ----------- */

/* Every packet of the probes' families (no expression): one arming
 * serves every probe of a file. The copy has no traffic of its own but
 * neighbour discovery and MLD, which selected() leaves out. */
static void compile_all(struct probe_state *st)
{
	char err[512];

	st->app.cfg.filter.expr = NULL;
	if (filter_compile(&st->app.cfg.filter, &st->app.prog, err, sizeof(err)) != FILTER_OK)
		die(EXIT_RUNTIME, "the probes' filter: %s", err);
}

/* The copy is armed once, for every packet of the families the probes
 * use (setup_app): emit() keeps what each probe's filter would have
 * selected. Re-arm only when the --mark chain must change: closing the
 * socket that owns the table costs 8-15 ms. */
static void arm_for(struct probe_state *st, const struct probe_spec *ps)
{
	struct app *app = &st->app;
	struct arm_spec spec;
	const char *what = "";
	bool mark = ps->have_mark && !ps->from_host;

	if (!app->plan.arm_nft || (mark == st->armed_mark &&
				   (!mark || ps->mark == st->armed_mark_value)))
		return;
	arm_remove(app->arm);
	app->arm = NULL;
	memset(&spec, 0, sizeof(spec));
	spec.prog = &app->prog;
	spec.hook_prerouting = spec.hook_output = true;
	spec.ipv4 = app->cfg.ipv4;
	spec.ipv6 = app->cfg.ipv6;
	spec.set_mark = mark;
	spec.mark = ps->mark;
	app->arm = arm_install(&spec, &what);
	if (!app->arm)
		die(EXIT_RUNTIME, "arming the copy: %s: %s", what, strerror(errno));
	st->armed_mark = mark;
	st->armed_mark_value = ps->mark;
}

/* ---- the loop ---------------------------------------------------- */

/* Done when the probe's block is out and the answers had their time
 * (none open, ANSWER_WAIT_MS quiet), or the probe never showed. */
static bool probe_finished(struct probe_state *st, const struct timespec *sent)
{
	if (st->app.failed)
		return true;
	if (!st->seen)
		return ts_ms_since(sent) > PROBE_GIVE_UP_MS + (long)st->app.cfg.quiet_ms;
	return ts_ms_since(&st->seen_at) >= ANSWER_WAIT_MS &&
	       asm_open_blocks(st->app.assembler) == 0;
}

static void run_loop(struct probe_state *st, const struct timespec *sent)
{
	struct app *app = &st->app;
	struct pollfd pfd[3] = { { -1, POLLIN, 0 }, { -1, POLLIN, 0 }, { -1, POLLIN, 0 } };

	pfd[0].fd = app->sources_fd;
	if (app->resolver.nft)
		pfd[1].fd = rules_nft_fd(app->resolver.nft);
	while (!probe_finished(st, sent)) {
		int t = asm_next_timeout(app->assembler), n;

		/* short naps: the answers' wait is counted from here */
		if (t < 0 || t > 10)
			t = 10;
		n = poll(pfd, 3, t);
		if (n < 0 && errno != EINTR) {
			app->failed = true;
			break;
		}
		if (n > 0 && (pfd[1].revents & POLLIN))
			snapshots_news(&app->resolver);
		snapshots_before_events(&app->resolver);
		if (app_drain(app) < 0) {
			app->failed = true;
			break;
		}
		asm_flush(app->assembler, false);
	}
	snapshots_before_events(&app->resolver);
	if (!app->failed && app_drain(app) == 0)
		asm_flush(app->assembler, true);
}

/* ---- the fenced wait ---------------------------------------------- */

/* A fence comes back after everything queued before it was handled (see
 * probe_inject.h): no quiet time and no fixed wait for answers. An answer
 * the copy sends to itself (over lo) is queued behind the fence, so a
 * block still open after one takes another fence, until a round brings
 * no new event. */
#define FENCE_ROUNDS	8

/* Wait for the fence just sent, then read every event queued before it.
 * 0, or -1 when it did not come back in PROBE_GIVE_UP_MS or reading
 * failed (app.failed says which). */
static int fence_wait(struct probe_state *st, struct probe_fence *f)
{
	struct app *app = &st->app;
	struct pollfd pfd[4] = { { -1, POLLIN, 0 }, { -1, POLLIN, 0 }, { -1, POLLIN, 0 },
				 { f->rx, POLLIN, 0 } };
	struct timespec start;
	unsigned long before;
	int back = 0;

	pfd[0].fd = app->sources_fd;
	if (app->resolver.nft)
		pfd[1].fd = rules_nft_fd(app->resolver.nft);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!back) {
		int n;

		if (ts_ms_since(&start) > PROBE_GIVE_UP_MS)
			return -1;
		n = poll(pfd, 4, 10);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0 && (pfd[1].revents & POLLIN))
			snapshots_news(&app->resolver);
		/* the fence first: what the drain after it reads is all
		 * that came before it */
		back = probe_fence_back(f);
		if (back < 0)
			return -1;
		snapshots_before_events(&app->resolver);
		if (app_drain(app) < 0) {
			app->failed = true;
			return -1;
		}
	}
	do {
		before = app->events;
		snapshots_before_events(&app->resolver);
		if (app_drain(app) < 0) {
			app->failed = true;
			return -1;
		}
	} while (app->events != before);
	return 0;
}

/* True when the probe's story and its answers are complete; false to
 * fall back to the timed wait (a fence that did not come back, a probe
 * that was not seen). */
static bool run_fenced(struct probe_state *st, struct probe_fence *f,
		       const struct probe_sender *snd)
{
	struct app *app = &st->app;
	unsigned long before = app->events;
	int round;

	for (round = 0; round < FENCE_ROUNDS; round++) {
		if (round && probe_fence_send(f, snd) < 0)
			return false;
		if (fence_wait(st, f) < 0)
			return false;
		asm_flush(app->assembler, false);
		if (app->failed)
			return false;
		if (st->seen && !asm_open_blocks(app->assembler))
			return true;
		if (round && app->events == before)
			break;
		before = app->events;
	}
	if (round == FENCE_ROUNDS)
		return false;
	/* a round without events: what is still open is over */
	asm_close_open(app->assembler);
	asm_flush(app->assembler, false);
	if (asm_open_blocks(app->assembler))
		asm_flush(app->assembler, true);
	return st->seen && !app->failed;
}

/* ---- fates and --expect ------------------------------------------ */

static const char *actual_name(enum fate_kind k)
{
	return fate_name(k)->expect;
}

static bool fate_matches(enum probe_expect e, enum fate_kind k)
{
	return e == PROBE_EXPECT_NONE ||
	       fate_expect_mask(probe_expect_name(e)) & 1u << k;
}

struct probe_result {
	enum fate_kind fate;
	bool seen, matched;
	char fate_text[256];
	int send_errno;			/* the copy refused to send it: why */
	bool decided;			/* fate is known: seen, or refused */
};

/* ---- output around the stories ----------------------------------- */

static void print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (s)
		printf("%s\n", s);
	free(s);
}

static json_t *json_text(const char *s)
{
	json_t *j = json_string(s);

	return j ? j : json_string("(not valid UTF-8)");
}

static void print_copy_line(const struct probe_state *st)
{
	const struct probe_copy *pc = &st->pc;
	const char *ns = st->o->netns;
	size_t i;

	if (st->o->format == OUT_JSON) {
		json_t *o = json_object(), *c = json_object(), *notes = json_array();

		json_object_set_new(o, "schema_version", json_integer(JSON_SCHEMA_VERSION));
		json_object_set_new(o, "netns", ns ? json_text(ns) : json_null());
		json_object_set_new(c, "tables", json_integer(pc->tables));
		json_object_set_new(c, "chains", json_integer(pc->chains));
		json_object_set_new(c, "rules", json_integer(pc->rules));
		json_object_set_new(c, "ipsets", json_integer(pc->ipsets));
		json_object_set_new(c, "interfaces", json_integer(pc->interfaces));
		json_object_set_new(c, "routes", json_integer(pc->routes));
		for (i = 0; i < pc->n_notes; i++)
			json_array_append_new(notes, json_text(pc->notes[i]));
		json_object_set_new(c, "notes", notes);
		json_object_set_new(o, "probe_copy", c);
		print_json(o);
		return;
	}
	fputs("probe in a copy of ", stdout);
	if (ns) {
		fputs("namespace ", stdout);
		fput_visible(ns, stdout);
	} else {
		fputs("this namespace", stdout);
	}
	printf(": %u table%s, %u chain%s, %u rule%s, %u ipset%s, %u interface%s, "
	       "%u route%s\n", pc->tables, pc->tables == 1 ? "" : "s",
	       pc->chains, pc->chains == 1 ? "" : "s", pc->rules, pc->rules == 1 ? "" : "s",
	       pc->ipsets, pc->ipsets == 1 ? "" : "s", pc->interfaces,
	       pc->interfaces == 1 ? "" : "s", pc->routes, pc->routes == 1 ? "" : "s");
	for (i = 0; i < pc->n_notes; i++) {
		/* each note is a whole line, "note: ..." */
		if (strncmp(pc->notes[i], "note: ", 6))
			fputs("note: ", stdout);
		fput_visible(pc->notes[i], stdout);
		fputc('\n', stdout);
	}
	fputc('\n', stdout);
}

/* Before each story of a probe file: which line it is. */
static void print_probe_header(const struct probe_state *st, const struct probe_spec *ps)
{
	if (st->o->format == OUT_JSON || !st->o->file)
		return;
	printf("probe %u (line %u): %s\n", st->index, ps->line, ps->what);
}

/* --ct established|related: the entry comes from ctnetlink, without the
 * NAT the rules would have bound to the connection's first packet. An
 * established packet is rewritten only by that binding, so a probe of a
 * NATed connection is judged unrewritten: say so, rather than let the
 * fate pass for a real packet's. */
static const char *ct_note(const struct probe_spec *ps)
{
	if (ps->ct != PROBE_CT_ESTABLISHED && ps->ct != PROBE_CT_RELATED)
		return NULL;
	return "the conntrack entry was made without NAT: if the rules NAT this "
	       "connection, its real packets are rewritten and this probe was not";
}

static void print_result(const struct probe_state *st, const struct probe_spec *ps,
			 const struct probe_result *r)
{
	const char *actual = r->decided ? actual_name(r->fate) : "unknown";
	const char *note = ct_note(ps);

	if (st->o->format == OUT_JSON) {
		json_t *o = json_object();

		json_object_set_new(o, "schema_version", json_integer(JSON_SCHEMA_VERSION));
		json_object_set_new(o, "probe", json_integer(st->index));
		json_object_set_new(o, "probe_role", json_string("result"));
		json_object_set_new(o, "line", ps->line ? json_integer(ps->line) : json_null());
		json_object_set_new(o, "what", json_text(ps->what));
		json_object_set_new(o, "seen", json_boolean(r->seen));
		json_object_set_new(o, "send_error", r->send_errno ?
				    json_string(strerror(r->send_errno)) : json_null());
		json_object_set_new(o, "fate", json_string(actual));
		json_object_set_new(o, "fate_text", json_text(r->fate_text));
		json_object_set_new(o, "expected", ps->expect ?
				    json_string(probe_expect_name(ps->expect)) : json_null());
		json_object_set_new(o, "matched", ps->expect ? json_boolean(r->matched) :
				    json_null());
		json_object_set_new(o, "ct_note", note ? json_string(note) : json_null());
		print_json(o);
		return;
	}
	if (note)
		printf("note: --ct %s: %s\n\n", ps->ct == PROBE_CT_RELATED ?
		       "related" : "established", note);
	if (r->send_errno)
		printf("the probe never entered the firewall: %s refused to send "
		       "it: %s\n\n", ps->from_host ? "the copy's raw socket" :
		       "the wire side of its interface", strerror(r->send_errno));
	else if (!r->seen)
		printf("the probe was not seen at any traced hook within %d ms: the "
		       "copy dropped it before the firewall, or never sent it\n\n",
		       PROBE_GIVE_UP_MS);
	if (ps->expect)
		printf("expect %s: got %s (%s)%s\n\n", probe_expect_name(ps->expect),
		       actual, r->fate_text, r->matched ? "" : ": MISMATCH");
}

static void print_table(const struct probe_state *st, const struct probe_result *res)
{
	size_t i;

	if (st->o->format == OUT_JSON)
		return;
	printf("%-5s %-5s %-8s %-8s %-8s %s\n", "probe", "line", "expected", "actual",
	       "result", "packet");
	for (i = 0; i < st->o->n_probes; i++) {
		const struct probe_spec *ps = &st->o->probes[i];
		const char *actual = res[i].decided ? actual_name(res[i].fate) : "unknown";

		printf("%-5zu %-5u %-8s %-8s %-8s %s\n", i + 1, ps->line,
		       ps->expect ? probe_expect_name(ps->expect) : "-", actual,
		       !ps->expect ? "-" : res[i].matched ? "ok" : "MISMATCH", ps->what);
	}
}

/* ---- one probe --------------------------------------------------- */

static const struct probe_sender *open_sender(struct probe_state *st,
					     const struct probe_spec *ps,
					     struct probe_sender *host)
{
	const struct probe_iface *pi;
	struct probe_sender *w;

	if (ps->from_host) {
		if (probe_sender_host(host, ps->pkt.src.family, ps->have_mark, ps->mark) < 0)
			die(EXIT_RUNTIME, "opening a raw socket in the copy: %s",
			    strerror(errno));
		return host;
	}
	pi = probe_copy_iface(&st->pc, ps->iface);
	if (!pi || pi->wire_ifindex <= 0)	/* check_wires() said so before */
		die(EXIT_RUNTIME, "-i %s: the copy has no wire to send from", ps->iface);
	w = &st->wires[pi - st->pc.ifaces];
	if (w->fd >= 0)
		return w;
	if (probe_sender_wire(w, st->pc.wire_fd, st->pc.copy_fd, pi->wire_ifindex,
			      pi->wire_mac, pi->mac) < 0)
		die(EXIT_RUNTIME, "opening a packet socket on the wire side of %s: %s",
		    ps->iface, strerror(errno));
	return w;
}

/* A fence for this probe, and the CPU it must be sent from (the one the
 * probe is sent from: each CPU has its own receive backlog). False when
 * none can be used: legacy tables (nfnetlink_log sends in batches), a
 * bridge's port, no lo. The timed wait does without. */
static struct probe_fence *fence_open(struct probe_state *st, const struct probe_spec *ps,
				     cpu_set_t *cpus)
{
	const struct probe_iface *pi;
	const char *nofence = getenv("IPTT_PROBE_NO_FENCE");
	struct probe_fence *f;
	cpu_set_t one;
	int cpu;

	if (st->app.plan.listen_xt || (nofence && *nofence))
		return NULL;
	pi = probe_copy_iface(&st->pc, ps->from_host ? "lo" : ps->iface);
	if (!pi || pi->port || pi->ifindex <= 0 || (ps->from_host && !pi->up))
		return NULL;
	f = &st->fences[pi - st->pc.ifaces];
	if (f->rx < 0 && probe_fence_open(f, pi->ifindex, ps->from_host) < 0)
		return NULL;
	if (sched_getaffinity(0, sizeof(*cpus), cpus) < 0 || (cpu = sched_getcpu()) < 0)
		return NULL;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof(one), &one) == 0 ? f : NULL;
}

static void run_one(struct probe_state *st, const struct probe_spec *ps,
		    struct probe_result *r)
{
	struct probe_sender host = { .fd = -1 };
	const struct probe_sender *snd, *wire;
	struct probe_fence *fence;
	cpu_set_t cpus;
	struct timespec sent;
	uint8_t pkt[PROBE_PKT_MAX];
	char err[512];
	int len;

	st->cur = ps;
	st->seen = false;
	st->seen_looped = false;
	st->n_answers = 0;
	st->fate = FATE_UNKNOWN;
	snprintf(st->fate_text, sizeof(st->fate_text), "unknown");
	if (st->index > 1 && probe_copy_ct_flush(&st->pc) < 0)
		die(EXIT_RUNTIME, "emptying the copy's conntrack table: %s",
		    strerror(errno));
	arm_for(st, ps);
	if (probe_ct_create(ps, err, sizeof(err)) < 0)
		die(EXIT_RUNTIME, "--ct %s: %s", ps->ct == PROBE_CT_RELATED ?
		    "related" : "established", err);
	snd = open_sender(st, ps, &host);
	wire = ps->from_host ? NULL : snd;
	len = probe_packet_build(&ps->pkt, pkt, sizeof(pkt));
	if (len < 0)
		die(EXIT_RUNTIME, "building the probe's packet: %s", strerror(errno));
	out_begin(&st->story);
	out_begin(&st->looped);
	out_begin(&st->answers);
	fence = fence_open(st, ps, &cpus);
	clock_gettime(CLOCK_MONOTONIC, &sent);
	/* The copy may refuse to send it at all: a raw socket without a
	 * route (ENETUNREACH), an interface without carrier (ENETDOWN). A
	 * real packet would not get further: that is the probe's outcome. */
	r->send_errno = 0;
	/* EPERM: a rule at OUTPUT dropped it, after its hooks traced it */
	if (probe_send(snd, pkt, (size_t)len, &ps->pkt.dst) < 0 && errno != EPERM)
		r->send_errno = errno ? errno : EIO;
	if (!r->send_errno && !(fence && probe_fence_send(fence, wire) == 0 &&
				run_fenced(st, fence, wire)))
		run_loop(st, &sent);
	probe_sender_close(&host);
	if (fence)
		sched_setaffinity(0, sizeof(cpus), &cpus);
	if (st->app.failed)
		die(EXIT_RUNTIME, "tracing the probe in the copy: %s", strerror(errno));
	print_probe_header(st, ps);
	out_end(&st->story, st);
	out_end(&st->looped, st);
	out_end(&st->answers, st);
	r->seen = st->seen;
	r->fate = st->fate;
	snprintf(r->fate_text, sizeof(r->fate_text), "%s", st->fate_text);
	if (st->seen && st->seen_looped) {
		r->fate = st->looped_fate;
		snprintf(r->fate_text, sizeof(r->fate_text), "%s", st->looped_text);
	}
	r->decided = st->seen;
	/* no route for a packet of the host: routing dropped it, as the
	 * story says of a routed packet that has none */
	if (r->send_errno == ENETUNREACH || r->send_errno == EHOSTUNREACH) {
		r->fate = FATE_NOROUTE;
		r->decided = true;
		snprintf(r->fate_text, sizeof(r->fate_text), "DROP by routing: no "
			 "route to %s; the socket refused to send it", ps->dst_text);
	}
	r->matched = r->decided && fate_matches(ps->expect, r->fate);
	print_result(st, ps, r);
	fflush(stdout);
}

/* ---- set-up ------------------------------------------------------ */

static void check_ifaces(const struct probe_opts *o)
{
	size_t i;

	for (i = 0; i < o->n_probes; i++) {
		const struct probe_spec *ps = &o->probes[i];
		char list[1024];

		if (ps->from_host || if_nametoindex(ps->iface))
			continue;
		ifname_list(list, sizeof(list));
		if (ps->line)
			die(EXIT_USAGE, "%s:%u: -i %s: no such interface in %s%s (it has: %s)",
			    o->file, ps->line, ps->iface, o->netns ? "network namespace " :
			    "this network namespace", o->netns ? o->netns : "", list);
		die(EXIT_USAGE, "-i %s: no such interface in %s%s (it has: %s)", ps->iface,
		    o->netns ? "network namespace " : "this network namespace",
		    o->netns ? o->netns : "", list);
	}
}

/* Before anything is printed: every -i has a wire in the copy. Loopback
 * and bridges have none (a packet arrives on a bridge through a port). */
static void check_wires(const struct probe_state *st)
{
	size_t i;

	for (i = 0; i < st->o->n_probes; i++) {
		const struct probe_spec *ps = &st->o->probes[i];
		const struct probe_iface *pi;

		if (ps->from_host)
			continue;
		pi = probe_copy_iface(&st->pc, ps->iface);
		if (pi && pi->wire_ifindex > 0)
			continue;
		if (ps->line)
			die(EXIT_USAGE, "%s:%u: -i %s: no packet arrives on %s from a wire "
			    "(loopback or a bridge); probe a port of it, or use "
			    "--from-host", st->o->file, ps->line, ps->iface, ps->iface);
		die(EXIT_USAGE, "-i %s: no packet arrives on %s from a wire (loopback "
		    "or a bridge); probe a port of it, or use --from-host", ps->iface,
		    ps->iface);
	}
}

static void check_rulesets(const struct probe_opts *o)
{
	size_t i;

	for (i = 0; i < o->n_rulesets; i++) {
		FILE *f = fopen(o->rulesets[i], "re");

		if (!f)
			die(EXIT_USAGE, "--ruleset %s: %s", o->rulesets[i], strerror(errno));
		fclose(f);
	}
}

static void make_copy(struct probe_state *st)
{
	struct probe_ruleset_file files[PROBE_MAX_RULESETS];
	char err[1024] = "";
	size_t i;

	for (i = 0; i < st->o->n_rulesets; i++)
		files[i].path = st->o->rulesets[i];
	/* A --ruleset that does not load is bad input (its message names
	 * the file and quotes the loader); anything else is a failure. */
	if (probe_copy_make(files, st->o->n_rulesets, &st->pc, err, sizeof(err)) < 0)
		die(strstr(err, "--ruleset ") ? EXIT_USAGE : EXIT_RUNTIME, "%s",
		    err[0] ? err : strerror(errno));
	/* No exit handler for it: the copy is fds and memory, which die()'s
	 * exit() gives back as it is, and the namespace goes with the last
	 * fd. (What outlives the process is app.c's to undo.) */
	if (setns(st->pc.copy_fd, CLONE_NEWNET) < 0)
		die(EXIT_RUNTIME, "entering the copy: %s", strerror(errno));
}

static void setup_app(struct probe_state *st)
{
	size_t i;
	const struct probe_opts *o = st->o;
	struct app *app = &st->app;
	struct asm_ops ops = {
		.ends_path = ends_path, .emit = emit, .data = st,
	};
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	memset(&app->cfg, 0, sizeof(app->cfg));
	app->cfg.hook_prerouting = app->cfg.hook_output = true;
	for (i = 0; i < o->n_probes; i++) {
		if (o->probes[i].pkt.src.family == AF_INET)
			app->cfg.ipv4 = true;
		else
			app->cfg.ipv6 = true;
	}
	app->cfg.quiet_ms = o->quiet_ms;
	app->cfg.format = o->format;
	app->cfg.netns = o->netns;
	app->ephemeral_ns = true;
	compile_all(st);
	app->out_ops = out_ops_for(app->cfg.format);
	app->out.color = o->color == COLOR_ALWAYS ||
			 (o->color == COLOR_AUTO && isatty(STDOUT_FILENO) &&
			  !(nc && *nc) && !(term && !strcmp(term, "dumb")));
	app->out.verbose = o->verbose;
	app->out.quiet_ms = o->quiet_ms;
	app->out.netns = o->netns;
	app_open(app, &ops);
	app_read_rules(app);
	/* the copy's rules do not change: read them all before probing */
	app_rules_ready(app);
}

int probe_run(struct probe_opts *o)
{
	static struct probe_state st;	/* app.c's on_exit handler runs after main */
	struct probe_result *res;
	bool all_matched = true;
	size_t i;

	st.o = o;
	signal(SIGPIPE, SIG_IGN);
	check_ifaces(o);
	check_rulesets(o);
	make_copy(&st);
	check_wires(&st);
	st.wires = calloc(st.pc.n_ifaces + 1, sizeof(*st.wires));
	st.fences = calloc(st.pc.n_ifaces + 1, sizeof(*st.fences));
	if (!st.wires || !st.fences)
		die(EXIT_RUNTIME, "out of memory");
	for (i = 0; i <= st.pc.n_ifaces; i++) {
		st.wires[i].fd = -1;
		st.fences[i].rx = st.fences[i].tx = -1;
	}
	print_copy_line(&st);
	fflush(stdout);
	setup_app(&st);
	res = calloc(o->n_probes, sizeof(*res));
	if (!res)
		die(EXIT_RUNTIME, "out of memory");
	for (i = 0; i < o->n_probes; i++) {
		/* the arming covers one family; a file may mix them */
		st.index = (unsigned int)i + 1;
		run_one(&st, &o->probes[i], &res[i]);
		if (o->probes[i].expect && !res[i].matched)
			all_matched = false;
	}
	if (o->file)
		print_table(&st, res);
	free(res);
	for (i = 0; i <= st.pc.n_ifaces; i++) {
		probe_sender_close(&st.wires[i]);
		probe_fence_close(&st.fences[i]);
	}
	free(st.wires);
	free(st.fences);
	if (fflush(stdout) == EOF && errno != EPIPE)
		die(EXIT_RUNTIME, "writing output: %s", strerror(errno));
	app_close(&st.app);
	probe_copy_free(&st.pc);
	return all_matched ? EXIT_OK : EXIT_EXPECT;
}
