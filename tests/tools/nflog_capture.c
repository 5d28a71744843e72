/* nflog_capture: record raw NFLOG group 0 messages (legacy TRACE) for
 * test fixtures, and exercise nl_log's setup and restore for real.
 *
 *   nflog_capture [-d DIR] [-n COUNT] [-t QUIET_MS] [-w READY_FILE]
 *
 * Run it inside a throwaway namespace (ip netns exec NS ...). It opens
 * the listener with nl_log_open(), so the namespace's loggers are bound
 * and put back exactly as iptables-trace does it. Each message goes
 * byte for byte, netlink header included, to DIR/nflog-NNNN.bin, and one
 * summary line per message to stdout:
 *   NNNN family table chain type rulenum iif oif mark len
 * READY_FILE is created once listening, so a script knows when to send.
 * Exit status: 0, 3 when group 0 is held by another socket (EBUSY),
 * 1 on other errors. See tests/fixtures/README-nflog.md. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>

#include "nl_log.h"
#include "nl_sock.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void save(const char *dir, unsigned int n, const struct nlmsghdr *nlh)
{
	char path[4096];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/nflog-%04u.bin", dir, n);
	f = fopen(path, "w");
	if (!f || fwrite(nlh, 1, nlh->nlmsg_len, f) != nlh->nlmsg_len)
		fprintf(stderr, "nflog_capture: %s: %s\n", path, strerror(errno));
	if (f)
		fclose(f);
}

static void summary(unsigned int n, const struct nlmsghdr *nlh)
{
	struct trace_event ev;
	static const char *const types[] = { "?", "policy", "return", "rule" };

	if (nl_log_parse(nlh, &ev) < 0) {
		printf("%04u not-trace len %u\n", n, nlh->nlmsg_len);
		return;
	}
	printf("%04u %s %s %s %s %u %u %u %u %u\n", n,
	       ev.family == 10 ? "ip6" : "ip", ev.table, ev.chain,
	       types[ev.type <= 3 ? ev.type : 0], ev.rulenum, ev.iif, ev.oif,
	       ev.meta.mark, ev.nethdr_len);
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *ready = NULL;
	unsigned long count = 0, quiet_ms = 2000;
	static char buf[1 << 18];
	struct nl_log *l;
	unsigned int n = 0;
	int opt, ret = 0;

	while ((opt = getopt(argc, argv, "d:n:t:w:")) != -1) {
		switch (opt) {
		case 'd': dir = optarg; break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 't': quiet_ms = strtoul(optarg, NULL, 10); break;
		case 'w': ready = optarg; break;
		default:
			fprintf(stderr, "usage: nflog_capture [-d DIR] [-n COUNT] "
				"[-t QUIET_MS] [-w READY_FILE]\n");
			return 1;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	l = nl_log_open(true, nl_sock_events_rcvbuf(0));
	if (!l) {
		fprintf(stderr, "nflog_capture: %s\n", errno == EBUSY ?
			"another program holds NFLOG group 0" : strerror(errno));
		return errno == EBUSY ? 3 : 1;
	}
	fprintf(stderr, "nflog_capture: saved loggers ipv4=%s ipv6=%s\n",
		nl_log_saved_logger(l, 2), nl_log_saved_logger(l, 10));
	if (ready) {
		FILE *f = fopen(ready, "w");
		if (f)
			fclose(f);
	}
	while (!stop && (!count || n < count)) {
		struct pollfd pfd = { .fd = nl_log_fd(l), .events = POLLIN };
		ssize_t got;
		int len;

		if (poll(&pfd, 1, (int)quiet_ms) <= 0)
			break;
		got = recv(pfd.fd, buf, sizeof(buf), 0);
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ENOBUFS)
				continue;
			ret = 1;
			break;
		}
		len = (int)got;
		for (const struct nlmsghdr *nlh = (void *)buf;
		     mnl_nlmsg_ok(nlh, len) && (!count || n < count);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			save(dir, n, nlh);
			summary(n, nlh);
			n++;
		}
		fflush(stdout);
	}
	if (nl_log_close(l) < 0) {
		fprintf(stderr, "nflog_capture: restoring the loggers: %s\n",
			strerror(errno));
		ret = 1;
	}
	nl_log_free(l);
	return ret;
}
