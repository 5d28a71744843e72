/* libFuzzer target: nf_tables trace messages (NFT_MSG_TRACE) through
 * nl_trace_parse, as the trace source feeds them: one recv() buffer that
 * may hold several netlink messages, each checked as mnl_nlmsg_ok does (see msg_ok).
 * Whatever parses goes on to the header decoder, as in the tool.
 *
 * nl_trace_parse must return -1 on a malformed message, never exit (as
 * libnftnl's parser, which it once used, does: abi_breakage); libFuzzer
 * reports an exit as a crash. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "decode.h"
#include "event.h"
#include "nl_trace.h"

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
	/* the receive buffer is aligned; keep the fuzzer's bytes exact */
	static char buf[1 << 16] __attribute__((aligned(8)));
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int len;

	if (size > sizeof(buf))
		return -1;	/* not kept in the corpus */
	memcpy(buf, data, size);
	len = (int)size;
	while (msg_ok(nlh, len)) {
		struct trace_event ev;
		struct pkt_hdrs p;

		if (nl_trace_parse(nlh, &ev) == 0) {
			/* what nl_trace.c promises the rest of the tool */
			if (ev.nethdr_len + ev.transhdr_len > EV_HDR_MAX ||
			    !memchr(ev.table, 0, sizeof(ev.table)) ||
			    !memchr(ev.chain, 0, sizeof(ev.chain)) ||
			    !memchr(ev.jump_target, 0, sizeof(ev.jump_target)))
				abort();
			decode_pkt(ev.hdr, ev.nethdr_len,
				   ev.transhdr_len ? ev.hdr + ev.nethdr_len : NULL,
				   ev.transhdr_len, &p);
		}
		nlh = mnl_nlmsg_next(nlh, &len);
	}
	return 0;
}
