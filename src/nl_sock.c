#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <linux/netlink.h>

#include "nl_recv.h"
#include "nl_sock.h"

struct nl_sock {
	struct mnl_socket *nl;
	/* many messages per recv, parsed in place: keep them aligned */
	char buf[1 << 18] __attribute__((aligned(8)));
};

int nl_sock_events_rcvbuf(unsigned int mib)
{
	const unsigned long long lo = 16ull << 20, hi = 128ull << 20;
	unsigned long long ram = 0;
	struct sysinfo si;

	if (mib)
		return (int)(mib << 20);
	if (sysinfo(&si) == 0)
		ram = (unsigned long long)si.totalram * si.mem_unit;
	ram /= 128;
	return (int)(ram < lo ? lo : ram > hi ? hi : ram);
}

struct nl_sock *nl_sock_open(unsigned int group, int rcvbuf)
{
	struct nl_sock *s = calloc(1, sizeof(*s));
	int g = (int)group;

	if (!s)
		return NULL;
	s->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!s->nl || mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err;
	if (group && mnl_socket_setsockopt(s->nl, NETLINK_ADD_MEMBERSHIP, &g,
					   sizeof(g)) < 0)
		goto err;
	/* FORCE needs CAP_NET_ADMIN, which we have; fall back quietly. */
	if (rcvbuf && setsockopt(mnl_socket_get_fd(s->nl), SOL_SOCKET,
				 SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(s->nl), SOL_SOCKET, SO_RCVBUF,
			   &rcvbuf, sizeof(rcvbuf));
	return s;
err:
	nl_sock_close(s);
	return NULL;
}

void nl_sock_close(struct nl_sock *s)
{
	int saved = errno;

	if (!s)
		return;
	if (s->nl)
		mnl_socket_close(s->nl);
	free(s);
	errno = saved;
}

int nl_sock_fd(const struct nl_sock *s)
{
	return mnl_socket_get_fd(s->nl);
}

uint32_t nl_sock_portid(const struct nl_sock *s)
{
	return mnl_socket_get_portid(s->nl);
}

struct mnl_socket *nl_sock_mnl(const struct nl_sock *s)
{
	return s->nl;
}

/* One datagram from the kernel, through interruptions and overruns. */
static ssize_t recv_one(struct nl_sock *s, nl_sock_overrun_cb overrun,
			void *data)
{
	for (;;) {
		ssize_t n = nl_recv_kernel(s->nl, s->buf, sizeof(s->buf));

		if (n >= 0 || errno == EAGAIN || errno == EWOULDBLOCK)
			return n;
		if (errno == ENOBUFS) {
			if (overrun)
				overrun(data);
			continue;
		}
		if (errno != EINTR)
			return -1;
	}
}

int nl_sock_drain(struct nl_sock *s, mnl_cb_t cb, nl_sock_overrun_cb overrun,
		  void *data, size_t max, bool *empty)
{
	size_t got;

	if (empty)
		*empty = false;
	for (got = 0; !max || got < max; got++) {
		ssize_t n = recv_one(s, overrun, data);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (empty)
				*empty = true;
			return 0;
		}
		if (n < 0)
			return -1;
		/* seq 0: events are not answers to a request */
		mnl_cb_run(s->buf, (size_t)n, 0, 0, cb, data);
	}
	return 0;
}

int nl_sock_wait_ack(struct nl_sock *s, uint32_t seq)
{
	for (;;) {
		ssize_t n = recv_one(s, NULL, NULL);
		int ret;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				errno = ETIMEDOUT;
			return -1;
		}
		ret = mnl_cb_run(s->buf, (size_t)n, seq, nl_sock_portid(s), NULL, NULL);
		if (ret <= MNL_CB_STOP)
			return ret;	/* the ack (0) or its error (-1) */
	}
}
