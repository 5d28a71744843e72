/* NFNLGRP_NFTRACE listener: nf_tables trace messages -> trace_event. */
#ifndef IPTT_NL_TRACE_H
#define IPTT_NL_TRACE_H

#include <stddef.h>
#include <linux/netlink.h>
#include "event.h"

/* The listener itself is the source nl_trace_source (source.h). */

/* Decode one NFT_MSG_TRACE message. Returns 0, or -1 when it is not a
 * trace message or is malformed. Exposed for the fixture tests. */
int nl_trace_parse(const struct nlmsghdr *nlh, struct trace_event *ev);

#endif
