/* NFNLGRP_NFTRACE listener. libnftnl parses the attributes it knows;
 * the conntrack attributes newer kernels add are read here with libmnl. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/trace.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "cli.h"
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
static struct nl_trace *nl_trace_open(void)
{
	struct nl_trace *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->sock = nl_sock_open(NFNLGRP_NFTRACE, NL_SOCK_EVENTS_RCVBUF);
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

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static int ct_attr_cb(const struct nlattr *a, void *data)
{
	struct trace_event *ev = data;

	switch (mnl_attr_get_type(a)) {
	case IPTT_NFTA_TRACE_CT_ID:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			ev->ct_id = ntohl(mnl_attr_get_u32(a));
			ev->has |= EV_HAS_CT;
		}
		break;
	case IPTT_NFTA_TRACE_CT_DIRECTION:
		if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			ev->ct_dir = mnl_attr_get_u8(a);
		break;
	case IPTT_NFTA_TRACE_CT_STATUS:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			ev->ct_status = ntohl(mnl_attr_get_u32(a));
		break;
	case IPTT_NFTA_TRACE_CT_STATE:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			ev->ct_state = ntohl(mnl_attr_get_u32(a));
			ev->has |= EV_HAS_CT;
		}
		break;
	}
	return MNL_CB_OK;	/* unknown attributes come from newer kernels */
}

static void copy_hdr(struct trace_event *ev, const struct nftnl_trace *nt,
		     uint16_t attr, uint16_t *len_out)
{
	uint32_t len = 0;
	const void *p;
	size_t room = sizeof(ev->hdr) - ev->nethdr_len - ev->transhdr_len;

	if (!nftnl_trace_is_set(nt, attr))
		return;
	p = nftnl_trace_get_data(nt, attr, &len);
	if (len > room)
		len = room;
	memcpy(ev->hdr + ev->nethdr_len + ev->transhdr_len, p, len);
	*len_out = len;
}

/* libnftnl exits the process (abi_breakage) on a trace message without
 * ID or TYPE, with an attribute of the wrong size, with a VERDICT nest
 * without CODE (or a JUMP/GOTO code without CHAIN), or with an empty LL,
 * NETWORK or TRANSPORT header. Check first, so a bad message is skipped
 * instead. */
static const enum mnl_attr_data_type trace_attr_types[NFTA_TRACE_MAX + 1] = {
	[NFTA_TRACE_TABLE] = MNL_TYPE_NUL_STRING,
	[NFTA_TRACE_CHAIN] = MNL_TYPE_NUL_STRING,
	[NFTA_TRACE_RULE_HANDLE] = MNL_TYPE_U64,
	[NFTA_TRACE_TYPE] = MNL_TYPE_U32,
	[NFTA_TRACE_VERDICT] = MNL_TYPE_NESTED,
	[NFTA_TRACE_ID] = MNL_TYPE_U32,
	[NFTA_TRACE_IIF] = MNL_TYPE_U32,
	[NFTA_TRACE_IIFTYPE] = MNL_TYPE_U16,
	[NFTA_TRACE_OIF] = MNL_TYPE_U32,
	[NFTA_TRACE_OIFTYPE] = MNL_TYPE_U16,
	[NFTA_TRACE_MARK] = MNL_TYPE_U32,
	[NFTA_TRACE_NFPROTO] = MNL_TYPE_U32,
	[NFTA_TRACE_POLICY] = MNL_TYPE_U32,
};

struct precheck {
	bool bad, have_id, have_type;
};

struct verdict_check {
	bool bad, have_code, have_chain;
	int32_t code;
};

static int verdict_attr_ok(const struct nlattr *a, void *data)
{
	struct verdict_check *v = data;
	uint16_t t = mnl_attr_get_type(a);

	if (t == NFTA_VERDICT_CODE) {
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0) {
			v->bad = true;
		} else {
			v->have_code = true;
			v->code = (int32_t)ntohl(mnl_attr_get_u32(a));
		}
	} else if (t == NFTA_VERDICT_CHAIN) {
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			v->bad = true;
		else
			v->have_chain = true;
	}
	return MNL_CB_OK;
}

static bool verdict_ok(const struct nlattr *a)
{
	struct verdict_check v = { false, false, false, 0 };

	if (mnl_attr_parse_nested(a, verdict_attr_ok, &v) < 0 || v.bad ||
	    !v.have_code)
		return false;
	return v.have_chain || (v.code != NFT_JUMP && v.code != NFT_GOTO);
}

static int precheck_cb(const struct nlattr *a, void *data)
{
	struct precheck *p = data;
	uint16_t t = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, NFTA_TRACE_MAX) < 0)
		return MNL_CB_OK;	/* newer attributes */
	if ((t == NFTA_TRACE_LL_HEADER || t == NFTA_TRACE_NETWORK_HEADER ||
	     t == NFTA_TRACE_TRANSPORT_HEADER) && !mnl_attr_get_payload_len(a)) {
		p->bad = true;
		return MNL_CB_OK;
	}
	if (!trace_attr_types[t])
		return MNL_CB_OK;	/* raw attributes */
	if (mnl_attr_validate(a, trace_attr_types[t]) < 0) {
		p->bad = true;
		return MNL_CB_OK;
	}
	if (t == NFTA_TRACE_VERDICT && !verdict_ok(a))
		p->bad = true;
	p->have_id |= t == NFTA_TRACE_ID;
	p->have_type |= t == NFTA_TRACE_TYPE;
	return MNL_CB_OK;
}

int nl_trace_parse(const struct nlmsghdr *nlh, struct trace_event *ev)
{
	struct precheck pre = { false, false, false };
	struct nftnl_trace *nt;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_TRACE)
		return -1;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nfgenmsg)) ||
	    mnl_attr_parse(nlh, sizeof(struct nfgenmsg), precheck_cb, &pre) < 0 ||
	    pre.bad || !pre.have_id || !pre.have_type)
		return -1;
	nt = nftnl_trace_alloc();
	if (!nt)
		return -1;
	if (nftnl_trace_nlmsg_parse(nlh, nt) < 0 ||
	    !nftnl_trace_is_set(nt, NFTNL_TRACE_ID) ||
	    !nftnl_trace_is_set(nt, NFTNL_TRACE_TABLE) ||
	    !nftnl_trace_is_set(nt, NFTNL_TRACE_CHAIN) ||
	    !nftnl_trace_is_set(nt, NFTNL_TRACE_TYPE)) {
		nftnl_trace_free(nt);
		return -1;
	}

	memset(ev, 0, sizeof(*ev));
	ev->source = EV_SRC_NFT;
	ev->id = nftnl_trace_get_u32(nt, NFTNL_TRACE_ID);
	ev->family = nftnl_trace_get_u32(nt, NFTNL_TRACE_FAMILY);
	ev->type = nftnl_trace_get_u32(nt, NFTNL_TRACE_TYPE);
	copy_str(ev->table, sizeof(ev->table), nftnl_trace_get_str(nt, NFTNL_TRACE_TABLE));
	copy_str(ev->chain, sizeof(ev->chain), nftnl_trace_get_str(nt, NFTNL_TRACE_CHAIN));
	if (nftnl_trace_is_set(nt, NFTNL_TRACE_RULE_HANDLE)) {
		ev->handle = nftnl_trace_get_u64(nt, NFTNL_TRACE_RULE_HANDLE);
		ev->has |= EV_HAS_HANDLE;
	}
	if (nftnl_trace_is_set(nt, NFTNL_TRACE_VERDICT)) {
		ev->verdict = (int32_t)nftnl_trace_get_u32(nt, NFTNL_TRACE_VERDICT);
		ev->has |= EV_HAS_VERDICT;
	}
	if (nftnl_trace_is_set(nt, NFTNL_TRACE_JUMP_TARGET))
		copy_str(ev->jump_target, sizeof(ev->jump_target),
			 nftnl_trace_get_str(nt, NFTNL_TRACE_JUMP_TARGET));
	if (nftnl_trace_is_set(nt, NFTNL_TRACE_POLICY)) {
		ev->policy = nftnl_trace_get_u32(nt, NFTNL_TRACE_POLICY);
		/* A policy event carries its verdict here, not in VERDICT. */
		if (!(ev->has & EV_HAS_VERDICT)) {
			ev->verdict = (int32_t)ev->policy;
			ev->has |= EV_HAS_VERDICT;
		}
	}
	if (nftnl_trace_is_set(nt, NFTNL_TRACE_IIF)) {
		ev->iif = nftnl_trace_get_u32(nt, NFTNL_TRACE_IIF);
		ev->has |= EV_HAS_IIF;
	}
	if (nftnl_trace_is_set(nt, NFTNL_TRACE_OIF)) {
		ev->oif = nftnl_trace_get_u32(nt, NFTNL_TRACE_OIF);
		ev->has |= EV_HAS_OIF;
	}
	if (nftnl_trace_is_set(nt, NFTNL_TRACE_MARK))
		ev->meta.mark = nftnl_trace_get_u32(nt, NFTNL_TRACE_MARK);
	if (nftnl_trace_is_set(nt, NFTNL_TRACE_NFPROTO)) {
		ev->nfproto = nftnl_trace_get_u32(nt, NFTNL_TRACE_NFPROTO);
		ev->has |= EV_HAS_NFPROTO;
	} else {
		ev->nfproto = ev->family;
	}
	copy_hdr(ev, nt, NFTNL_TRACE_NETWORK_HEADER, &ev->nethdr_len);
	if (ev->nethdr_len)
		ev->has |= EV_HAS_NETHDR;
	copy_hdr(ev, nt, NFTNL_TRACE_TRANSPORT_HEADER, &ev->transhdr_len);
	if (nftnl_trace_is_set(nt, NFTNL_TRACE_LL_HEADER)) {
		uint32_t len = 0;
		const void *p = nftnl_trace_get_data(nt, NFTNL_TRACE_LL_HEADER, &len);

		if (len >= sizeof(ev->ll)) {
			memcpy(ev->ll, p, sizeof(ev->ll));
			ev->has |= EV_HAS_LLHDR;
		}
	}
	nftnl_trace_free(nt);

	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), ct_attr_cb, ev);
	return 0;
}

struct drain_ctx {
	source_cb cb;
	void *data;
	unsigned long *lost;
	int count;
};

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct drain_ctx *d = data;
	struct trace_event ev;

	if (nl_trace_parse(nlh, &ev) < 0)
		return MNL_CB_OK;	/* not ours to judge: skip it */
	clock_gettime(CLOCK_REALTIME, &ev.ts);
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

/* A receive-buffer overrun is counted in *lost and is not an error. */
static int nl_trace_drain(struct nl_trace *t, source_cb cb, void *data,
			  unsigned long *lost)
{
	struct drain_ctx d = { cb, data, lost, 0 };

	return nl_sock_drain(t->sock, msg_cb, overrun, &d) < 0 ? -1 : d.count;
}

/* ---- the source ---------------------------------------------------- */

static void *src_open(bool ephemeral)
{
	(void)ephemeral;	/* nothing outlives the socket */
	return nl_trace_open();
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

static int src_drain(void *h, source_cb cb, void *data,
		     struct source_loss *loss)
{
	return nl_trace_drain(h, cb, data, &loss->overruns);
}

static int src_close(void *h)
{
	nl_trace_close(h);
	return 0;
}

const struct source_ops nl_trace_source = {
	.open = src_open,
	.open_error = src_open_error,
	.fd = src_fd,
	.drain = src_drain,
	.close = src_close,
};
