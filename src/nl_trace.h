/* NFNLGRP_NFTRACE listener: nf_tables trace messages -> trace_event. */
#ifndef IPTT_NL_TRACE_H
#define IPTT_NL_TRACE_H

#include <stddef.h>
#include <linux/netlink.h>
#include "event.h"

struct nl_trace;

/* Subscribe to trace events in the current network namespace.
 * Returns NULL and sets errno on failure. */
struct nl_trace *nl_trace_open(void);
void nl_trace_close(struct nl_trace *t);
int nl_trace_fd(const struct nl_trace *t);

/* Read what is queued without blocking, calling cb for each event.
 * A receive-buffer overrun is counted in *lost and is not an error.
 * Returns the number of events read, or -1 with errno set. */
typedef void (*nl_trace_cb)(const struct trace_event *ev, void *data);
int nl_trace_drain(struct nl_trace *t, nl_trace_cb cb, void *data,
		   unsigned long *lost);

/* Decode one NFT_MSG_TRACE message. Returns 0, or -1 when it is not a
 * trace message or is malformed. Exposed for the fixture tests. */
int nl_trace_parse(const struct nlmsghdr *nlh, struct trace_event *ev);

#endif
