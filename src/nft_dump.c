#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "nft_dump.h"

/* A busy host (kube-proxy, firewalld) may commit again and again while
 * a big dump runs; give up only after this many interrupted tries. */
#define DUMP_TRIES	50

/* The kernel's dump messages go up to 32 KiB (MNL_SOCKET_DUMP_SIZE). */
#define DUMP_BUF	32768

static int dump_once(struct mnl_socket *nl, uint16_t msg_type, uint8_t family,
		     const char *table, const char *chain, nft_dump_cb cb,
		     void *data, uint32_t seq)
{
	char *buf = malloc(DUMP_BUF);
	struct nlmsghdr *nlh;
	int ret = -1, saved;

	if (!buf)
		return -1;
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
		ssize_t n = mnl_socket_recvfrom(nl, buf, DUMP_BUF);

		if (n < 0)
			goto out;
		ret = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl),
				 cb, data);
	} while (ret > MNL_CB_STOP);
	ret = ret == MNL_CB_STOP ? 0 : -1;
	if (ret < 0 && errno == EINTR) {
		/* the rest of an interrupted dump is still queued: drain it
		 * so the retry reads only its own answer */
		ssize_t n;

		while ((n = mnl_socket_recvfrom(nl, buf, DUMP_BUF)) > 0 &&
		       mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl),
				  NULL, NULL) > MNL_CB_STOP)
			;
		errno = EINTR;
	}
out:
	saved = errno;
	free(buf);
	errno = saved;
	return ret;
}

int nft_dump(uint16_t msg_type, uint8_t family, const char *table,
	     const char *chain, nft_dump_cb cb, void (*restart)(void *data),
	     void *data)
{
	struct mnl_socket *nl;
	int ret = -1, saved, i;

	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	for (i = 1; i <= DUMP_TRIES; i++) {
		ret = dump_once(nl, msg_type, family, table, chain, cb, data,
				(uint32_t)i);
		if (ret == 0 || errno != EINTR)
			break;
		if (restart)
			restart(data);
	}
out:
	saved = errno;
	mnl_socket_close(nl);
	errno = saved;
	return ret;
}
