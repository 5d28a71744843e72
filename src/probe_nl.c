#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "nl_recv.h"
#include "probe_nl.h"

#define PNL_BUF		32768	/* the kernel's dump messages fit (MNL_SOCKET_DUMP_SIZE) */
#define PNL_TRIES	20	/* a dump interrupted by a change is tried again */

int pnl_open(struct pnl *p)
{
	p->seq = 1;
	p->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!p->nl)
		return -1;
	if (mnl_socket_bind(p->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int saved = errno;

		mnl_socket_close(p->nl);
		p->nl = NULL;
		errno = saved;
		return -1;
	}
	return 0;
}

void pnl_close(struct pnl *p)
{
	if (p->nl)
		mnl_socket_close(p->nl);
	p->nl = NULL;
}

void pnl_msgs_free(struct pnl_msgs *m)
{
	while (m->n)
		free(m->m[--m->n]);
	free(m->m);
	m->m = NULL;
}

static int keep_cb(const struct nlmsghdr *nlh, void *data)
{
	struct pnl_msgs *m = data;
	struct nlmsghdr *copy;

	if (!(m->n & (m->n + 1)) || !m->m) {
		/* grow at 0, 1, 3, 7 ...: powers of two minus one */
		struct nlmsghdr **n = realloc(m->m, 2 * (m->n + 1) * sizeof(*n));

		if (!n)
			return MNL_CB_ERROR;
		m->m = n;
	}
	copy = malloc(nlh->nlmsg_len);
	if (!copy)
		return MNL_CB_ERROR;
	memcpy(copy, nlh, nlh->nlmsg_len);
	m->m[m->n++] = copy;
	return MNL_CB_OK;
}

/* After NLM_F_DUMP_INTR the rest of the dump is still queued: read it
 * to its end, so that the next try reads only its own answer. */
static void drain(struct pnl *p, char *buf, ssize_t n, uint32_t seq)
{
	for (;;) {
		const struct nlmsghdr *nlh = (const void *)buf;
		int len = (int)n;

		if (n <= 0)
			return;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			if (nlh->nlmsg_seq == seq && (nlh->nlmsg_type == NLMSG_DONE ||
						      nlh->nlmsg_type == NLMSG_ERROR))
				return;
		n = nl_recv_kernel(p->nl, buf, PNL_BUF);
	}
}

static int dump_once(struct pnl *p, uint16_t type, const void *hdr,
		     size_t hdrlen, struct pnl_msgs *out)
{
	char *buf = calloc(1, PNL_BUF);
	struct nlmsghdr *nlh;
	uint32_t seq = ++p->seq;
	int ret = -1, saved;
	ssize_t n = 0;

	if (!buf)
		return -1;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	memcpy(mnl_nlmsg_put_extra_header(nlh, hdrlen), hdr, hdrlen);
	if (mnl_socket_sendto(p->nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	do {
		n = nl_recv_kernel(p->nl, buf, PNL_BUF);
		if (n < 0)
			goto out;
		ret = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(p->nl),
				 keep_cb, out);
	} while (ret > MNL_CB_STOP);
	ret = ret == MNL_CB_STOP ? 0 : -1;
	if (ret < 0 && errno == EINTR)
		drain(p, buf, n, seq);
out:
	saved = errno;
	free(buf);
	errno = saved;
	return ret;
}

int pnl_dump(struct pnl *p, uint16_t type, const void *hdr, size_t hdrlen,
	     struct pnl_msgs *out)
{
	int i, ret = -1;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < PNL_TRIES; i++) {
		ret = dump_once(p, type, hdr, hdrlen, out);
		if (ret == 0 || errno != EINTR)
			break;
		/* NLM_F_DUMP_INTR: what was kept mixes two states */
		pnl_msgs_free(out);
	}
	if (ret < 0) {
		int saved = errno;

		pnl_msgs_free(out);
		errno = saved;
	}
	return ret;
}

int pnl_talk(struct pnl *p, struct nlmsghdr *nlh)
{
	char buf[8192];
	uint32_t seq = ++p->seq;
	int ret;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(p->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		ssize_t n = nl_recv_kernel(p->nl, buf, sizeof(buf));

		if (n < 0)
			return -1;
		/* an ACK is an NLMSG_ERROR of 0: libmnl returns MNL_CB_STOP,
		 * a real error -1 with errno set from it */
		ret = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(p->nl),
				 NULL, NULL);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -1 : 0;
}
