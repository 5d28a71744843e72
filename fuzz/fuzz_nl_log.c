/* libFuzzer target: nfnetlink_log messages (NFULNL_MSG_PACKET) and their
 * "TRACE: table:chain:type:rulenum " prefixes through nl_log_parse, as
 * the NFLOG source (nl_log_recv.c) feeds them: one recv() buffer of one
 * or more netlink messages. Events that parse go on to the header decoder, which finds
 * the transport header behind the network header itself. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "decode.h"
#include "event.h"
#include "nl_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* mnl_nlmsg_ok as it should be. libmnl 1.0.4 compares (int)nlmsg_len
 * with len, so a length of 2^31 or more passes: the parser then reads
 * far past the buffer, and with 0xfffffffd..0xffffffff NLMSG_ALIGN
 * wraps to 0 and mnl_nlmsg_next never moves (mnl_cb_run loops for
 * ever). Only the kernel or a CAP_NET_ADMIN sender can reach our
 * socket, so that is not fuzzed here; the parsers behind it are. */
static bool msg_ok(const struct nlmsghdr *nlh, int len)
{
	return len >= (int)sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) &&
	       nlh->nlmsg_len <= (unsigned int)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[1 << 16] __attribute__((aligned(8)));
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int len;

	if (size > sizeof(buf))
		return -1;
	memcpy(buf, data, size);
	len = (int)size;
	while (msg_ok(nlh, len)) {
		struct trace_event ev;
		struct pkt_hdrs p;

		if (nl_log_parse(nlh, &ev) == 0) {
			if (ev.nethdr_len > EV_HDR_MAX || ev.transhdr_len ||
			    !ev.table[0] || !ev.chain[0] ||
			    !memchr(ev.table, 0, sizeof(ev.table)) ||
			    !memchr(ev.chain, 0, sizeof(ev.chain)) ||
			    (ev.type != EV_TYPE_RULE && ev.type != EV_TYPE_RETURN &&
			     ev.type != EV_TYPE_POLICY))
				abort();
			decode_pkt(ev.hdr, ev.nethdr_len, NULL, 0, &p);
		}
		nlh = mnl_nlmsg_next(nlh, &len);
	}
	return 0;
}
