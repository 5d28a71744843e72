/* NFLOG group 0 events of legacy TRACE: decoding them into trace_event,
 * counting what the kernel dropped, and the source the app polls. The
 * logger binding they need is nl_log.c's. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_log/libnetfilter_log.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "cli.h"
#include "nl_attr.h"
#include "nl_log.h"
#include "nl_sock.h"
#include "source.h"
#include "xt_tables.h"

#define TRACE_PREFIX	"TRACE: "

/* enum ip_conntrack_info and the ct state bits nft reports */
#define CTINFO_IS_REPLY		3
#define CTINFO_UNTRACKED	7
#define CT_STATE_UNTRACKED_BIT	(1u << 6)

/* ---- parsing ----------------------------------------------------- */

static int is_packet_msg(const struct nlmsghdr *nlh)
{
	return NFNL_SUBSYS_ID(nlh->nlmsg_type) == NFNL_SUBSYS_ULOG &&
	       NFNL_MSG_TYPE(nlh->nlmsg_type) == NFULNL_MSG_PACKET;
}

/* Each NFULA_* attribute into tb; false for a message that is not an
 * NFLOG packet or whose attributes have the wrong shape. The walk is
 * nl_attr.h's, inline: libmnl's callbacks cost a tenth of a legacy
 * host's instructions, for about ten attributes an event. */
static bool parse_attrs(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	const struct nlattr *a;

	memset(tb, 0, (NFULA_MAX + 1) * sizeof(*tb));
	if (!is_packet_msg(nlh) ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct nfgenmsg))
		return false;
	nla_for_each(a, (const char *)mnl_nlmsg_get_payload(nlh) +
			MNL_ALIGN(sizeof(struct nfgenmsg)),
		     (const char *)nlh + MNL_ALIGN(nlh->nlmsg_len)) {
		uint16_t type = nla_type(a);

		if (type > NFULA_MAX)
			continue;	/* attribute from a newer kernel */
		switch (type) {
		case NFULA_MARK:
		case NFULA_IFINDEX_INDEV:
		case NFULA_IFINDEX_OUTDEV:
		case NFULA_SEQ:
		case NFULA_CT_INFO:
			if (!nla_shape_ok(a, MNL_TYPE_U32))
				return false;
			break;
		case NFULA_PREFIX:
			if (!nla_shape_ok(a, MNL_TYPE_NUL_STRING))
				return false;
			break;
		}
		tb[type] = a;
	}
	return true;
}

/* The entry's id and status from the NFULA_CT nest, a dozen
 * attributes of which these two are read. */
static void parse_ct(const struct nlattr *nest, struct trace_event *ev)
{
	const struct nlattr *a;

	nla_for_each_nested(a, nest) {
		switch (nla_type(a)) {
		case CTA_ID:
			if (nla_shape_ok(a, MNL_TYPE_U32)) {
				ev->ct_id = nla_be32(a);
				ev->has |= EV_HAS_CT;
			}
			break;
		case CTA_STATUS:
			if (nla_shape_ok(a, MNL_TYPE_U32))
				ev->ct_status = nla_be32(a);
			break;
		}
	}
}

/* ctinfo -> the ct state bit and direction, as nf_tables traces them */
static void set_ctinfo(struct trace_event *ev, uint32_t ctinfo)
{
	if (ctinfo == CTINFO_UNTRACKED) {
		ev->ct_state = CT_STATE_UNTRACKED_BIT;
	} else {
		ev->ct_state = 1u << (ctinfo % CTINFO_IS_REPLY + 1);
		ev->ct_dir = ctinfo >= CTINFO_IS_REPLY;
	}
}

static const struct { const char *name; enum ev_type type; } trace_types[] = {
	{ "rule", EV_TYPE_RULE }, { "return", EV_TYPE_RETURN },
	{ "policy", EV_TYPE_POLICY },
};

/* "TRACE: table:chain:type:rulenum " -- the kernel's format. Chain names
 * may contain ':' (x_tables does not forbid it), so split the table off
 * the front and type and rulenum off the back. */
static int parse_prefix(const char *p, struct trace_event *ev)
{
	const char *table, *colon, *last, *type;
	char *end;
	unsigned long num;
	size_t len, tlen, i;

	if (strncmp(p, TRACE_PREFIX, strlen(TRACE_PREFIX)))
		return -1;
	table = p + strlen(TRACE_PREFIX);
	len = strlen(table);
	while (len && table[len - 1] == ' ')
		len--;
	colon = memchr(table, ':', len);
	last = memrchr(table, ':', len);
	if (!colon || colon == table || last == colon)
		return -1;
	type = memrchr(table, ':', (size_t)(last - table));
	if (!type || type == colon || type == colon + 1)
		return -1;		/* no chain name */
	if (!(table[len - 1] >= '0' && table[len - 1] <= '9'))
		return -1;
	errno = 0;
	num = strtoul(last + 1, &end, 10);
	if (errno || end != table + len || num > UINT32_MAX || end == last + 1)
		return -1;
	tlen = (size_t)(last - type - 1);
	for (i = 0; i < sizeof(trace_types) / sizeof(trace_types[0]); i++)
		if (strlen(trace_types[i].name) == tlen &&
		    !strncmp(type + 1, trace_types[i].name, tlen))
			break;
	if (i == sizeof(trace_types) / sizeof(trace_types[0]))
		return -1;
	if ((size_t)(colon - table) >= sizeof(ev->table) ||
	    (size_t)(type - colon - 1) >= sizeof(ev->chain))
		return -1;
	memcpy(ev->table, table, (size_t)(colon - table));
	ev->table[colon - table] = '\0';
	memcpy(ev->chain, colon + 1, (size_t)(type - colon - 1));
	ev->chain[type - colon - 1] = '\0';
	ev->type = trace_types[i].type;
	ev->rulenum = (uint32_t)num;
	return 0;
}

/* Is this what x_tables' TRACE could have sent?
 *
 * On the wire nothing tells it apart: TRACE logs through nf_log_trace()
 * with a LOG-type loginfo, which nfulnl_log_packet() replaces by its
 * default_loginfo (group 0, no flags), and a LOG rule (nfnetlink_log
 * bound), an NFLOG rule or an nft "log group 0" rule with the same
 * prefix builds the same attributes from the same skb. Captured here
 * (tests/fixtures/nflog_forged_*.bin) they differ only in NFULA_SEQ. So
 * check what TRACE's origin implies: the kernel's exact prefix (one
 * trailing space, no leading zero), a table name x_tables has, sent at
 * a hook where that table is registered, and for a built-in chain that
 * chain's own hook; the copy not cut short by a rule's snaplen. A
 * forgery that passes names a rule at the right hook, which the
 * resolver then shows with that rule's real text. */
static const char *const builtin_chains[NF_INET_NUMHOOKS] = {
	"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING",
};

static bool kernel_shaped(const char *prefix, const struct trace_event *ev,
			  const struct nlattr *const *tb)
{
	const struct nfulnl_msg_packet_hdr *ph;
	const struct xt_table *t;
	const char *num;
	size_t len = strlen(prefix), i;
	unsigned int hooks;

	if (len < 2 || prefix[len - 1] != ' ' || prefix[len - 2] == ' ')
		return false;
	num = strrchr(prefix, ':') + 1;
	if (num[0] == '0')
		return false;
	/* enum hook counts the hooks as NF_INET_* does */
	t = xt_table_find(ev->table);
	hooks = t ? t->hooks : 0;
	if (!hooks || !tb[NFULA_PACKET_HDR] ||
	    nla_len(tb[NFULA_PACKET_HDR]) < sizeof(*ph))
		return false;
	ph = nla_data(tb[NFULA_PACKET_HDR]);
	if (ph->hook >= NF_INET_NUMHOOKS || !(hooks & (1 << ph->hook)))
		return false;
	for (i = 0; i < NF_INET_NUMHOOKS; i++)
		if ((hooks & (1 << i)) && !strcmp(ev->chain, builtin_chains[i]) &&
		    i != ph->hook)
			return false;
	if (tb[NFULA_PAYLOAD]) {
		const uint8_t *p = nla_data(tb[NFULA_PAYLOAD]);
		uint16_t got = nla_len(tb[NFULA_PAYLOAD]);
		unsigned int want = 0;

		if (ev->family == NFPROTO_IPV4 && got >= 4)
			want = (unsigned int)(p[2] << 8 | p[3]);
		else if (ev->family == NFPROTO_IPV6 && got >= 6)
			want = 40u + (unsigned int)(p[4] << 8 | p[5]);
		if (want > NL_LOG_COPY_RANGE)
			want = NL_LOG_COPY_RANGE;
		if (got < want)
			return false;
	}
	return true;
}

static int parse_tb(const struct nlmsghdr *nlh, const struct nlattr **tb,
		    struct trace_event *ev)
{
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);

	ev_clear(ev);
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nfg) ||
	    (nfg->nfgen_family != NFPROTO_IPV4 && nfg->nfgen_family != NFPROTO_IPV6) ||
	    nfg->res_id != 0)	/* group 0 */
		return -1;
	if (!tb[NFULA_PREFIX] ||
	    parse_prefix((const char *)nla_data(tb[NFULA_PREFIX]), ev) < 0)
		return -1;
	ev->family = nfg->nfgen_family;
	if (!kernel_shaped((const char *)nla_data(tb[NFULA_PREFIX]), ev, tb)) {
		ev_clear(ev);
		return -1;
	}
	ev->source = EV_SRC_XT;
	ev->family = ev->nfproto = nfg->nfgen_family;
	ev->has |= EV_HAS_NFPROTO;
	if (tb[NFULA_PAYLOAD]) {
		uint16_t len = nla_len(tb[NFULA_PAYLOAD]);

		if (len > EV_HDR_MAX)
			len = EV_HDR_MAX;
		memcpy(ev->hdr, nla_data(tb[NFULA_PAYLOAD]), len);
		/* The decoder finds L4 behind L3 itself. */
		ev->nethdr_len = len;
		ev->transhdr_len = 0;
		if (len)
			ev->has |= EV_HAS_NETHDR;
	}
	if (tb[NFULA_IFINDEX_INDEV]) {
		ev->iif = nla_be32(tb[NFULA_IFINDEX_INDEV]);
		ev->has |= EV_HAS_IIF;
	}
	if (tb[NFULA_IFINDEX_OUTDEV]) {
		ev->oif = nla_be32(tb[NFULA_IFINDEX_OUTDEV]);
		ev->has |= EV_HAS_OIF;
	}
	if (tb[NFULA_MARK])
		ev->meta.mark = nla_be32(tb[NFULA_MARK]);
	if (tb[NFULA_CT])
		parse_ct(tb[NFULA_CT], ev);
	if (tb[NFULA_CT_INFO] && (ev->has & EV_HAS_CT))
		set_ctinfo(ev, nla_be32(tb[NFULA_CT_INFO]));
	return 0;
}

int nl_log_parse(const struct nlmsghdr *nlh, struct trace_event *ev)
{
	const struct nlattr *tb[NFULA_MAX + 1];

	if (!parse_attrs(nlh, tb))
		return -1;
	return parse_tb(nlh, tb, ev);
}

/* ---- receiving --------------------------------------------------- */

/* The source: the binding, and where NFLOG's sequence numbers were. */
struct nl_log_src {
	struct nl_log *l;
	bool have_seq;
	uint32_t next_seq;		/* expected NFULA_SEQ */
	bool overrun;			/* ENOBUFS counted as 1, gap not seen yet */
};

struct drain_ctx {
	struct nl_log_src *src;
	source_cb cb;
	void *data;
	unsigned long *lost;
	int count;
	struct timespec stamp;	/* source_stamp() */
};

/* NFULA_SEQ counts every message the kernel built for the group, sent
 * or dropped, so a gap is the exact number of events lost. The gap shows
 * only with the next message, which may never come (the burst is over):
 * an overrun counts 1 at once and the rest of its gap later. */
static void count_gap(struct drain_ctx *d, const struct nlattr *seq_attr)
{
	struct nl_log_src *l = d->src;
	uint32_t seq, gap;

	if (!seq_attr)
		return;
	seq = nla_be32(seq_attr);
	gap = l->have_seq ? seq - l->next_seq : 0;
	if (l->overrun && gap)
		gap--;
	*d->lost += gap;
	l->overrun = false;
	l->have_seq = true;
	l->next_seq = seq + 1;
}

static void count_overrun(void *data)
{
	struct drain_ctx *d = data;

	if (d->src->overrun)
		return;
	d->src->overrun = true;
	(*d->lost)++;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NFULA_MAX + 1];
	struct drain_ctx *d = data;
	struct trace_event ev;

	if (!parse_attrs(nlh, tb))
		return MNL_CB_OK;	/* not ours to judge: skip it */
	count_gap(d, tb[NFULA_SEQ]);
	/* Group 0 also carries LOG/NFLOG messages when something logs to
	 * it; only TRACE prefixes parse. */
	if (parse_tb(nlh, tb, &ev) < 0)
		return MNL_CB_OK;
	/* Receive time, like nf_tables events. NFULA_TIMESTAMP is the skb
	 * timestamp: absent unless something enabled rx timestamps, and a
	 * monotonic departure time on paced TCP output. */
	source_stamp(&d->stamp, d->count);
	ev.ts = d->stamp;
	d->cb(&ev, d->data);
	d->count++;
	return MNL_CB_OK;
}

/* Events the kernel dropped (receive buffer full) are not an error:
 * they are counted exactly, from the gaps in NFLOG's sequence numbers. */
static int src_drain(void *h, source_cb cb, void *data,
		     struct source_loss *loss, size_t max, bool *empty)
{
	struct nl_log_src *src = h;
	struct nl_sock *sock = nl_log_sock(src->l);
	struct drain_ctx d = { .src = src, .cb = cb, .data = data, .lost = &loss->lost };

	if (!sock) {
		errno = EBADF;
		return -1;
	}
	return nl_sock_drain(sock, msg_cb, count_overrun, &d, max, empty) < 0 ?
	       -1 : d.count;
}

/* ---- the source ---------------------------------------------------- */

static void *src_open(const struct source_opts *o)
{
	struct nl_log_src *src = calloc(1, sizeof(*src));

	if (!src)
		return NULL;
	src->l = nl_log_open(!o->ephemeral, o->rcvbuf);
	if (!src->l) {
		int err = errno;

		free(src);
		errno = err;
		return NULL;
	}
	return src;
}

static int src_open_error(int err, char *msg, size_t size)
{
	if (err == EBUSY) {
		snprintf(msg, size, "another program holds NFLOG group 0 in this "
			 "namespace (ulogd, or another iptables-trace?); stop it, or "
			 "use --backend=nft to skip legacy tables");
		return EXIT_BUSY;
	}
	snprintf(msg, size, "binding nfnetlink_log for legacy TRACE: %s",
		 strerror(err));
	return err == EPERM || err == EACCES ? EXIT_PRIVILEGE : EXIT_KERNEL;
}

static int src_fd(const void *h)
{
	const struct nl_log_src *src = h;

	return nl_log_fd(src->l);
}

static int src_close(void *h)
{
	struct nl_log_src *src = h;
	int ret = nl_log_close(src->l), err = errno;

	nl_log_free(src->l);
	free(src);
	errno = err;
	return ret;
}

static void src_emergency(void *h)
{
	const struct nl_log_src *src = h;

	nl_log_emergency_restore(src->l);
}

const struct source_ops nl_log_source = {
	.kind = EV_SRC_XT,
	.open = src_open,
	.open_error = src_open_error,
	.fd = src_fd,
	.drain = src_drain,
	.close = src_close,
	.close_what = "putting back the nf_log logger",
	.emergency = src_emergency,
};
