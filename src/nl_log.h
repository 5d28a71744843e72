/* nfnetlink_log group 0 listener: legacy x_tables TRACE -> trace_event.
 *
 * Legacy TRACE reports through the nf_log logger of the packet's family.
 * While open, nfnetlink_log is that logger for IPv4 and IPv6 in the
 * current network namespace; nl_log_close() puts back what was there. */
#ifndef IPTT_NL_LOG_H
#define IPTT_NL_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/netlink.h>
#include "event.h"

/* Bytes of each packet the kernel copies: L3 + L4 headers with room for
 * IP options and IPv6 extension headers. Matches EV_HDR_MAX. */
#define NL_LOG_COPY_RANGE	EV_HDR_MAX

struct nl_log;
struct nl_sock;

/* Listen on NFLOG group 0, with a receive buffer of rcvbuf bytes, and
 * bind nfnetlink_log for IPv4 and IPv6 in the current network
 * namespace. record: keep a state file for a killed run's repair (not
 * for a namespace that dies with us, a probe's copy). Returns NULL with
 * errno set:
 *   EBUSY   another socket holds group 0; nothing was changed.
 *   ENOENT  the namespace has no nf_log sysctls (no nf_log support).
 * Enter the namespace before calling. */
struct nl_log *nl_log_open(bool record, int rcvbuf);

/* Unbind and put back the logger each family had before nl_log_open()
 * ("NONE" when none), unless someone bound another logger meanwhile:
 * that one stays. Idempotent: every exit path may call it, and
 * calls after the first do nothing and return 0. Returns -1 with errno
 * set when a logger could not be put back; it tried both families. */
int nl_log_close(struct nl_log *l);
/* nl_log_close() if not done yet, then free. NULL is fine. */
void nl_log_free(struct nl_log *l);

/* For a fatal signal's handler (async-signal-safe): put back the
 * loggers with the fds and names nl_log_open() prepared, and drop the
 * state file when that worked. Nothing else; the process then dies. */
void nl_log_emergency_restore(struct nl_log *l);

/* Repair what a killed run left in the current namespace without
 * binding anything: when its state file (nf_log.COOKIE) is not locked by
 * a live run and nobody holds group 0, put back the loggers it recorded
 * where nfnetlink_log is still bound, and remove the file. Returns 1
 * when a logger was put back (what: "ipv4 nf_log_ipv4, ..."), 0 when
 * there was nothing to do, -1 with errno set. */
int nl_log_recover(char *what, size_t whatlen);

/* The logger bound before nl_log_open() for NFPROTO_IPV4 or IPV6:
 * "nf_log_ipv4", "NONE", ... For messages and tests. */
const char *nl_log_saved_logger(const struct nl_log *l, uint8_t nfproto);

/* Nonblocking; poll it for POLLIN. -1 after nl_log_close(). */
int nl_log_fd(const struct nl_log *l);

/* The socket that holds group 0, for nl_log_recv.c's receiving; NULL
 * after nl_log_close(). */
struct nl_sock *nl_log_sock(const struct nl_log *l);

/* nl_log_recv.c: the events, and the source (source.h) that binds the
 * logger at open and puts it back at close. */

/* Decode one NFULNL_MSG_PACKET message carrying a TRACE prefix into ev
 * (source EV_SRC_XT, no trace id, no verdict; ev->ts is left zero,
 * the source sets the receive time). Returns 0, or -1 when the
 * message is not a TRACE message or is malformed. Exposed for the
 * fixture tests. */
int nl_log_parse(const struct nlmsghdr *nlh, struct trace_event *ev);

#endif
