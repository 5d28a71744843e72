#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "nl_recv.h"
#include "nft_dump.h"

/* A busy host (kube-proxy, firewalld) may commit again and again while
 * a big dump runs; give up only after this many interrupted tries. */
#define DUMP_TRIES	50

/* The kernel's dump messages go up to 32 KiB (MNL_SOCKET_DUMP_SIZE). */
#define DUMP_BUF	32768

/* One try, on a socket of its own: what is left of an interrupted dump
 * goes away with it, and the next try reads only its own answer. */
static int dump_once(uint16_t msg_type, uint8_t family, const char *table,
		     const char *chain, nft_dump_cb cb, void *data)
{
	/* zeroed: the request has padding the kernel must not see as ours */
	char *buf = calloc(1, DUMP_BUF);
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	struct nlmsghdr *nlh;
	int ret = -1, saved;
	uint32_t seq = 1;

	if (!buf || !nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	nlh = nftnl_nlmsg_build_hdr(buf, msg_type, family, NLM_F_DUMP, seq);
	/* attribute 1 is the table in chain and rule messages alike
	 * (NFTA_CHAIN_TABLE, NFTA_RULE_TABLE) */
	if (table)
		mnl_attr_put_strz(nlh, 1, table);
	if (chain && msg_type == NFT_MSG_GETRULE)
		mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, chain);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	do {
		ssize_t n = nl_recv_kernel(nl, buf, DUMP_BUF);

		if (n < 0)
			goto out;
		ret = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl),
				 cb, data);
	} while (ret > MNL_CB_STOP);
	ret = ret == MNL_CB_STOP ? 0 : -1;
out:
	saved = errno;
	if (nl)
		mnl_socket_close(nl);
	free(buf);
	errno = saved;
	return ret;
}

int nft_dump(uint16_t msg_type, uint8_t family, const char *table,
	     const char *chain, nft_dump_cb cb, void (*restart)(void *data),
	     void *data)
{
	int ret = -1, i;

	for (i = 0; i < DUMP_TRIES; i++) {
		ret = dump_once(msg_type, family, table, chain, cb, data);
		if (ret == 0 || errno != EINTR)
			break;
		if (restart)
			restart(data);
	}
	return ret;
}
