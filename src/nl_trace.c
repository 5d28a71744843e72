/* NFNLGRP_NFTRACE listener: each trace message becomes one event. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <endian.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "cli.h"
#include "nl_attr.h"
#include "nl_sock.h"
#include "nl_trace.h"
#include "source.h"

/* Kernel 6.16+ attributes; Debian 12's headers predate them. */
#define IPTT_NFTA_TRACE_CT_ID		18
#define IPTT_NFTA_TRACE_CT_DIRECTION	19
#define IPTT_NFTA_TRACE_CT_STATUS	20
#define IPTT_NFTA_TRACE_CT_STATE	21

struct nl_trace {
	struct nl_sock *sock;
};

static void nl_trace_close(struct nl_trace *t);

/* Subscribe to trace events in the current network namespace. */
static struct nl_trace *nl_trace_open(int rcvbuf)
{
	struct nl_trace *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->sock = nl_sock_open(NFNLGRP_NFTRACE, rcvbuf);
	if (!t->sock) {
		nl_trace_close(t);
		return NULL;
	}
	return t;
}

static void nl_trace_close(struct nl_trace *t)
{
	if (!t)
		return;
	nl_sock_close(t->sock);
	free(t);
}

static int nl_trace_fd(const struct nl_trace *t)
{
	return nl_sock_fd(t->sock);
}

/* A validated NUL_STRING attribute into dst, cut to fit. (snprintf
 * "%s" did the same for 7% of our instructions.) */
static void copy_str(char *dst, size_t size, const struct nlattr *a)
{
	size_t len = strnlen(nla_data(a), nla_len(a));

	if (len >= size)
		len = size - 1;
	memcpy(dst, nla_data(a), len);
	dst[len] = '\0';
}

/* One pass over the message (nl_attr.h), no allocation: this runs
 * for every event, and libnftnl's trace parser allocates an object and a
 * copy of every string and header, and exits the process (abi_breakage)
 * on a message without ID or TYPE, an attribute of the wrong size, a
 * VERDICT nest without CODE (or a JUMP/GOTO code without CHAIN), or an
 * empty LL, NETWORK or TRANSPORT header. Such a message is skipped here
 * instead. Attributes this table does not know are skipped too: they
 * come from newer kernels. */
#define TRACE_ATTR_MAX	IPTT_NFTA_TRACE_CT_STATE

static const enum mnl_attr_data_type trace_attr_types[TRACE_ATTR_MAX + 1] = {
	[NFTA_TRACE_TABLE] = MNL_TYPE_NUL_STRING,
	[NFTA_TRACE_CHAIN] = MNL_TYPE_NUL_STRING,
	[NFTA_TRACE_RULE_HANDLE] = MNL_TYPE_U64,
	[NFTA_TRACE_TYPE] = MNL_TYPE_U32,
	[NFTA_TRACE_VERDICT] = MNL_TYPE_NESTED,
	[NFTA_TRACE_ID] = MNL_TYPE_U32,
	[NFTA_TRACE_LL_HEADER] = MNL_TYPE_BINARY,
	[NFTA_TRACE_NETWORK_HEADER] = MNL_TYPE_BINARY,
	[NFTA_TRACE_TRANSPORT_HEADER] = MNL_TYPE_BINARY,
	[NFTA_TRACE_IIF] = MNL_TYPE_U32,
	[NFTA_TRACE_IIFTYPE] = MNL_TYPE_U16,
	[NFTA_TRACE_OIF] = MNL_TYPE_U32,
	[NFTA_TRACE_OIFTYPE] = MNL_TYPE_U16,
	[NFTA_TRACE_MARK] = MNL_TYPE_U32,
	[NFTA_TRACE_NFPROTO] = MNL_TYPE_U32,
	[NFTA_TRACE_POLICY] = MNL_TYPE_U32,
	[IPTT_NFTA_TRACE_CT_ID] = MNL_TYPE_U32,
	[IPTT_NFTA_TRACE_CT_DIRECTION] = MNL_TYPE_U8,
	[IPTT_NFTA_TRACE_CT_STATUS] = MNL_TYPE_U32,
	[IPTT_NFTA_TRACE_CT_STATE] = MNL_TYPE_U32,
};

static bool is_ct_attr(uint16_t t)
{
	return t >= IPTT_NFTA_TRACE_CT_ID && t <= IPTT_NFTA_TRACE_CT_STATE;
}

/* A verdict has a code, and a jump or goto the chain it names. */
static bool parse_verdict(const struct nlattr *nest,
			  const struct nlattr **code_out,
			  const struct nlattr **chain_out)
{
	const struct nlattr *a, *code = NULL, *chain = NULL;
	int32_t v;

	nla_for_each_nested(a, nest) {
		uint16_t t = nla_type(a);

		if (t == NFTA_VERDICT_CODE) {
			if (!nla_shape_ok(a, MNL_TYPE_U32))
				return false;
			code = a;
		} else if (t == NFTA_VERDICT_CHAIN) {
			if (!nla_shape_ok(a, MNL_TYPE_NUL_STRING))
				return false;
			chain = a;
		}
	}
	if (!code)
		return false;
	v = (int32_t)nla_be32(code);
	*code_out = code;
	*chain_out = chain;
	return chain || (v != NFT_JUMP && v != NFT_GOTO);
}

struct trace_attrs {
	const struct nlattr *tb[TRACE_ATTR_MAX + 1];
	const struct nlattr *code, *chain;	/* of tb[NFTA_TRACE_VERDICT] */
};

/* Each attribute this table knows into ta; false for a message that is
 * not a trace event we can read. */
static bool parse_attrs(const struct nlmsghdr *nlh, struct trace_attrs *ta)
{
	const struct nlattr *a;

	memset(ta, 0, sizeof(*ta));
	/* where and as far as libmnl's mnl_attr_for_each() walks */
	nla_for_each(a, (const char *)mnl_nlmsg_get_payload(nlh) +
			MNL_ALIGN(sizeof(struct nfgenmsg)),
		     (const char *)nlh + MNL_ALIGN(nlh->nlmsg_len)) {
		uint16_t t = nla_type(a);

		if (t > TRACE_ATTR_MAX || !trace_attr_types[t])
			continue;
		if (!nla_shape_ok(a, trace_attr_types[t])) {
			/* a conntrack attribute of the wrong shape is only
			 * left out, as before these attributes existed */
			if (!is_ct_attr(t))
				return false;
			continue;
		}
		if (t == NFTA_TRACE_VERDICT &&
		    !parse_verdict(a, &ta->code, &ta->chain))
			return false;
		ta->tb[t] = a;
	}
	return ta->tb[NFTA_TRACE_ID] && ta->tb[NFTA_TRACE_TYPE] &&
	       ta->tb[NFTA_TRACE_TABLE] && ta->tb[NFTA_TRACE_CHAIN];
}

/* Network header, then transport header, as much as ev->hdr holds. */
static void copy_hdr(struct trace_event *ev, const struct nlattr *a,
		     uint16_t *len_out)
{
	size_t room = sizeof(ev->hdr) - ev->nethdr_len - ev->transhdr_len;
	size_t len = nla_len(a);

	if (len > room)
		len = room;
	memcpy(ev->hdr + ev->nethdr_len + ev->transhdr_len,
	       nla_data(a), len);
	*len_out = (uint16_t)len;
}

int nl_trace_parse(const struct nlmsghdr *nlh, struct trace_event *ev)
{
	struct trace_attrs ta;
	const struct nlattr *const *tb = ta.tb;
	const struct nfgenmsg *nfg;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_TRACE ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nfgenmsg)))
		return -1;
	if (!parse_attrs(nlh, &ta))
		return -1;

	ev_clear(ev);
	nfg = mnl_nlmsg_get_payload(nlh);
	ev->source = EV_SRC_NFT;
	ev->id = nla_be32(tb[NFTA_TRACE_ID]);
	ev->family = nfg->nfgen_family;
	ev->type = nla_be32(tb[NFTA_TRACE_TYPE]);
	copy_str(ev->table, sizeof(ev->table), tb[NFTA_TRACE_TABLE]);
	copy_str(ev->chain, sizeof(ev->chain), tb[NFTA_TRACE_CHAIN]);
	if (tb[NFTA_TRACE_RULE_HANDLE]) {
		ev->handle = nla_be64(tb[NFTA_TRACE_RULE_HANDLE]);
		ev->has |= EV_HAS_HANDLE;
	}
	if (tb[NFTA_TRACE_VERDICT]) {
		ev->verdict = (int32_t)nla_be32(ta.code);
		ev->has |= EV_HAS_VERDICT;
		if (ev->verdict == NFT_JUMP || ev->verdict == NFT_GOTO)
			copy_str(ev->jump_target, sizeof(ev->jump_target),
				 ta.chain);
	}
	if (tb[NFTA_TRACE_POLICY]) {
		ev->policy = nla_be32(tb[NFTA_TRACE_POLICY]);
		/* A policy event carries its verdict here, not in VERDICT. */
		if (!(ev->has & EV_HAS_VERDICT)) {
			ev->verdict = (int32_t)ev->policy;
			ev->has |= EV_HAS_VERDICT;
		}
	}
	if (tb[NFTA_TRACE_IIF]) {
		ev->iif = nla_be32(tb[NFTA_TRACE_IIF]);
		ev->has |= EV_HAS_IIF;
	}
	if (tb[NFTA_TRACE_OIF]) {
		ev->oif = nla_be32(tb[NFTA_TRACE_OIF]);
		ev->has |= EV_HAS_OIF;
	}
	if (tb[NFTA_TRACE_MARK])
		ev->meta.mark = nla_be32(tb[NFTA_TRACE_MARK]);
	if (tb[NFTA_TRACE_NFPROTO]) {
		ev->nfproto = nla_be32(tb[NFTA_TRACE_NFPROTO]);
		ev->has |= EV_HAS_NFPROTO;
	} else {
		ev->nfproto = ev->family;
	}
	if (tb[NFTA_TRACE_NETWORK_HEADER]) {
		copy_hdr(ev, tb[NFTA_TRACE_NETWORK_HEADER], &ev->nethdr_len);
		if (ev->nethdr_len)
			ev->has |= EV_HAS_NETHDR;
	}
	if (tb[NFTA_TRACE_TRANSPORT_HEADER])
		copy_hdr(ev, tb[NFTA_TRACE_TRANSPORT_HEADER], &ev->transhdr_len);
	if (tb[NFTA_TRACE_LL_HEADER] &&
	    nla_len(tb[NFTA_TRACE_LL_HEADER]) >= sizeof(ev->ll)) {
		memcpy(ev->ll, nla_data(tb[NFTA_TRACE_LL_HEADER]),
		       sizeof(ev->ll));
		ev->has |= EV_HAS_LLHDR;
	}
	/* Conntrack, kernel 6.16+ */
	if (tb[IPTT_NFTA_TRACE_CT_ID]) {
		ev->ct_id = nla_be32(tb[IPTT_NFTA_TRACE_CT_ID]);
		ev->has |= EV_HAS_CT;
	}
	if (tb[IPTT_NFTA_TRACE_CT_DIRECTION])
		ev->ct_dir = nla_u8(tb[IPTT_NFTA_TRACE_CT_DIRECTION]);
	if (tb[IPTT_NFTA_TRACE_CT_STATUS])
		ev->ct_status = nla_be32(tb[IPTT_NFTA_TRACE_CT_STATUS]);
	if (tb[IPTT_NFTA_TRACE_CT_STATE]) {
		ev->ct_state = nla_be32(tb[IPTT_NFTA_TRACE_CT_STATE]);
		ev->has |= EV_HAS_CT;
	}
	return 0;
}

struct drain_ctx {
	source_cb cb;
	void *data;
	unsigned long *lost;
	int count;
	struct timespec stamp;	/* source_stamp() */
};

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct drain_ctx *d = data;
	struct trace_event ev;

	if (nl_trace_parse(nlh, &ev) < 0)
		return MNL_CB_OK;	/* not ours to judge: skip it */
	source_stamp(&d->stamp, d->count);
	ev.ts = d->stamp;
	d->cb(&ev, d->data);
	d->count++;
	return MNL_CB_OK;
}

/* The kernel does not say how many events an overrun cost. */
static void overrun(void *data)
{
	struct drain_ctx *d = data;

	(*d->lost)++;
}


/* ---- the source ---------------------------------------------------- */

static void *src_open(const struct source_opts *o)
{
	return nl_trace_open(o->rcvbuf);	/* nothing outlives the socket */
}

static bool kernel_lacks(int e)
{
	return e == EOPNOTSUPP || e == EPROTONOSUPPORT || e == EAFNOSUPPORT ||
	       e == ENOENT || e == EINVAL;
}

static int src_open_error(int err, char *msg, size_t size)
{
	if (kernel_lacks(err)) {
		snprintf(msg, size, "this kernel has no nf_tables trace events "
			 "(need nf_tables with NFNLGRP_NFTRACE): %s", strerror(err));
		return EXIT_KERNEL;
	}
	snprintf(msg, size, "subscribing to nf_tables trace events: %s",
		 strerror(err));
	return err == EPERM ? EXIT_PRIVILEGE : EXIT_RUNTIME;
}

static int src_fd(const void *h)
{
	return nl_trace_fd(h);
}

/* A receive-buffer overrun is counted and is not an error. */
static int src_drain(void *h, source_cb cb, void *data,
		     struct source_loss *loss, size_t max, bool *empty)
{
	struct nl_trace *t = h;
	struct drain_ctx d = { .cb = cb, .data = data, .lost = &loss->overruns };

	return nl_sock_drain(t->sock, msg_cb, overrun, &d, max, empty) < 0 ?
	       -1 : d.count;
}

static int src_close(void *h)
{
	nl_trace_close(h);
	return 0;
}

const struct source_ops nl_trace_source = {
	.kind = EV_SRC_NFT,
	.open = src_open,
	.open_error = src_open_error,
	.fd = src_fd,
	.drain = src_drain,
	.close = src_close,
};
