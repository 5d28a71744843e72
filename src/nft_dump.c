#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
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

struct nft_dumper {
	struct mnl_socket *nl;
	char *buf;
	uint32_t seq;
};

static void dumper_drop_socket(struct nft_dumper *d)
{
	if (d->nl)
		mnl_socket_close(d->nl);
	d->nl = NULL;
}

struct nft_dumper *nft_dumper_open(void)
{
	/* zeroed: the request has padding the kernel must not see as ours */
	struct nft_dumper *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->buf = calloc(1, DUMP_BUF);
	if (!d->buf) {
		free(d);
		return NULL;
	}
	return d;
}

void nft_dumper_close(struct nft_dumper *d)
{
	if (!d)
		return;
	dumper_drop_socket(d);
	free(d->buf);
	free(d);
}

/* One try. The socket is kept for the next dump while a dump ends
 * cleanly (NLMSG_DONE read, nothing left queued); after an interrupted
 * or failed one it goes away with what is left of the answer, and the
 * next try reads only its own. */
static int dump_once(struct nft_dumper *d, uint16_t msg_type, uint8_t family,
		     const char *table, const char *chain, nft_dump_cb cb,
		     void *data, uint16_t flags)
{
	struct nlmsghdr *nlh;
	int ret = -1, saved;
	uint32_t seq;

	if (!d->nl) {
		d->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
		if (!d->nl)
			return -1;
		if (mnl_socket_bind(d->nl, 0, MNL_SOCKET_AUTOPID) < 0)
			goto out;
	}
	seq = ++d->seq;
	memset(d->buf, 0, MNL_SOCKET_BUFFER_SIZE);
	nlh = nftnl_nlmsg_build_hdr(d->buf, msg_type, family, flags, seq);
	/* attribute 1 is the table in chain and rule messages alike
	 * (NFTA_CHAIN_TABLE, NFTA_RULE_TABLE) */
	if (table)
		mnl_attr_put_strz(nlh, 1, table);
	if (chain && msg_type == NFT_MSG_GETRULE)
		mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, chain);
	if (chain && msg_type == NFT_MSG_GETCHAIN)
		mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, chain);
	if (mnl_socket_sendto(d->nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	do {
		ssize_t n = nl_recv_kernel(d->nl, d->buf, DUMP_BUF);

		if (n < 0)
			goto out;
		ret = mnl_cb_run(d->buf, (size_t)n, seq,
				 mnl_socket_get_portid(d->nl), cb, data);
	} while (ret > MNL_CB_STOP);
	ret = ret == MNL_CB_STOP ? 0 : -1;
out:
	saved = errno;
	if (ret < 0)
		dumper_drop_socket(d);
	errno = saved;
	return ret;
}

int nft_dumper_run(struct nft_dumper *d, uint16_t msg_type, uint8_t family,
		   const char *table, const char *chain, nft_dump_cb cb,
		   void (*restart)(void *data), void *data)
{
	int ret = -1, i;

	for (i = 0; i < DUMP_TRIES; i++) {
		ret = dump_once(d, msg_type, family, table, chain, cb, data,
				NLM_F_DUMP);
		if (ret == 0 || errno != EINTR)
			break;
		if (restart)
			restart(data);
	}
	return ret;
}

int nft_dumper_get(struct nft_dumper *d, uint16_t msg_type, uint8_t family,
		   const char *table, const char *name, nft_dump_cb cb,
		   void *data)
{
	return dump_once(d, msg_type, family, table, name, cb, data, NLM_F_ACK);
}

int nft_dump(uint16_t msg_type, uint8_t family, const char *table,
	     const char *chain, nft_dump_cb cb, void (*restart)(void *data),
	     void *data)
{
	struct nft_dumper *d = nft_dumper_open();
	int ret, saved;

	if (!d)
		return -1;
	ret = nft_dumper_run(d, msg_type, family, table, chain, cb, restart, data);
	saved = errno;
	nft_dumper_close(d);
	errno = saved;
	return ret;
}
