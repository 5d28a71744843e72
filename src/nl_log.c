/* NFLOG group 0 for legacy TRACE: binding the logger, and undoing it.
 * Receiving and decoding the events is nl_log_recv.c's.
 *
 * Setup talks to nfnetlink_log with libnetfilter_log's message builders
 * over one libmnl socket, so the same socket that holds group 0 reads
 * the events and we see every error code the kernel returns.
 *
 * The logger binding (sysctl net.netfilter.nf_log.<pf>) outlives the
 * socket, so it is recorded before it is changed and written back at
 * close. The sysctl files are opened once, in the namespace being
 * traced: writes through them reach that namespace wherever we are at
 * exit. A small state file keyed by the namespace cookie lets the next
 * run put back the original logger after a kill -9. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_log/libnetfilter_log.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "nl_log.h"
#include "nl_sock.h"
#include "statedir.h"

#define LOGGER_MAX	64		/* NF_LOGGER_NAME_LEN */
#define OUR_LOGGER	"nfnetlink_log"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE	71
#endif

enum { FAM_V4, FAM_V6, FAM_N };

static const uint8_t fam_pf[FAM_N] = { NFPROTO_IPV4, NFPROTO_IPV6 };

struct nl_log {
	struct nl_sock *sock;		/* holds group 0; NULL once closed */
	uint32_t seq;
	int sysctl_fd[FAM_N];
	char saved[FAM_N][LOGGER_MAX];
	size_t saved_len[FAM_N];	/* for the signal handler */
	volatile sig_atomic_t bound[FAM_N];	/* we changed this family's logger */
	bool closed;
	char state_name[48];		/* "nf_log.COOKIE"; "" when there is none */
	char state_full[512];		/* its path, for the signal handler */
	int state_fd;			/* locked while we run */
};

/* ---- nf_log sysctls ---------------------------------------------- */

static int sysctl_open(int pf)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/sys/net/netfilter/nf_log/%d", pf);
	return open(path, O_RDWR | O_CLOEXEC);
}

static int logger_read(int fd, char *name, size_t size)
{
	ssize_t n = pread(fd, name, size - 1, 0);

	if (n < 0)
		return -1;
	name[n] = '\0';
	name[strcspn(name, "\n")] = '\0';
	return 0;
}

static int logger_write(int fd, const char *name)
{
	size_t len = strlen(name);
	ssize_t n = pwrite(fd, name, len, 0);

	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* ---- state file for runs killed before they could restore -------- */

static int netns_cookie(int fd, uint64_t *cookie)
{
	socklen_t len = sizeof(*cookie);

	return getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len);
}

/* The nsfs inode of the namespace we are in: what statedir_gc() looks
 * for to tell whether the namespace still exists. */
static unsigned long long netns_ino(void)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) < 0)
		return 0;
	return (unsigned long long)st.st_ino;
}

static void state_name(char *buf, size_t size, uint64_t cookie)
{
	snprintf(buf, size, "nf_log.%" PRIu64, cookie);
}

/* "IPV4 IPV6 [INO]": the loggers a dead run replaced. */
static int state_read(int fd, char saved[FAM_N][LOGGER_MAX])
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return sscanf(buf, "%63s %63s", saved[FAM_V4], saved[FAM_V6]) == 2 ? 0 : -1;
}

/* Called once we hold group 0: a live run would hold it, so a state
 * file for this namespace is a dead run's (and its lock, which we take,
 * is free). Where the dead run's logger is still bound, the logger it
 * replaced is the one to put back. Then the file is ours, locked for as
 * long as we run, so no cleanup takes it for a dead run's. Best effort:
 * without /run we still restore on every normal exit. */
static void state_take(struct nl_log *l)
{
	char saved[FAM_N][LOGGER_MAX], buf[160];
	uint64_t cookie;
	int i, n;

	l->state_name[0] = '\0';
	if (netns_cookie(nl_sock_fd(l->sock), &cookie) < 0)
		return;		/* old kernel: no recovery after kill -9 */
	state_name(l->state_name, sizeof(l->state_name), cookie);
	snprintf(l->state_full, sizeof(l->state_full), "%s/%s", statedir_path(),
		 l->state_name);
	l->state_fd = statedir_lock(l->state_name);
	if (l->state_fd < 0) {
		l->state_name[0] = '\0';
		return;
	}
	if (state_read(l->state_fd, saved) == 0)
		for (i = 0; i < FAM_N; i++)
			if (!strcmp(l->saved[i], OUR_LOGGER))
				memcpy(l->saved[i], saved[i], LOGGER_MAX);
	n = snprintf(buf, sizeof(buf), "%s %s %llu\n", l->saved[FAM_V4],
		     l->saved[FAM_V6], netns_ino());
	if (ftruncate(l->state_fd, 0) < 0 || n < 0 || (size_t)n >= sizeof(buf) ||
	    pwrite(l->state_fd, buf, (size_t)n, 0) != n) {
		statedir_release(l->state_name, l->state_fd);
		l->state_fd = -1;
		l->state_name[0] = '\0';
	}
}

/* ---- nfnetlink_log configuration --------------------------------- */

/* Send one config message and wait for its ack. Log messages that are
 * already queued for group 0 are skipped while waiting. */
static int config_send(struct nl_log *l, struct nlmsghdr *nlh)
{
	uint32_t seq = ++l->seq;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl_sock_mnl(l->sock), nlh, nlh->nlmsg_len) < 0)
		return -1;
	return nl_sock_wait_ack(l->sock, seq);
}

static int config_cmd(struct nl_log *l, uint8_t pf, uint8_t cmd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nflog_nlmsg_put_header(buf, NFULNL_MSG_CONFIG,
						      pf, 0);

	if (nflog_attr_put_cfg_cmd(nlh, cmd) < 0)
		return -1;
	return config_send(l, nlh);
}

static int config_group(struct nl_log *l, uint16_t flags)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nflog_nlmsg_put_header(buf, NFULNL_MSG_CONFIG,
						      AF_UNSPEC, 0);

	if (nflog_attr_put_cfg_mode(nlh, NFULNL_COPY_PACKET,
				    NL_LOG_COPY_RANGE) < 0)
		return -1;
	/* TRACE already flushes every message; say so anyway, so no event
	 * waits in the kernel for the batch timer. */
	mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(1));
	mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT, htonl(0));
	mnl_attr_put_u16(nlh, NFULA_CFG_FLAGS, htons(flags));
	return config_send(l, nlh);
}

/* Who holds group 0 in this namespace? The kernel answers EPERM both to
 * a missing CAP_NET_ADMIN and to a group another socket holds. */
static bool group0_held(void)
{
	unsigned int group, portid;
	char line[128];
	bool held = false;
	FILE *f = fopen("/proc/net/netfilter/nfnetlink_log", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%u %u", &group, &portid) == 2 && group == 0)
			held = true;
	fclose(f);
	return held;
}

static int restore(struct nl_log *l)
{
	int i, ret = 0, err = 0;

	for (i = 0; i < FAM_N; i++) {
		char now[LOGGER_MAX];

		if (!l->bound[i])
			continue;
		/* Someone bound another logger while we ran: theirs to keep. */
		if (logger_read(l->sysctl_fd[i], now, sizeof(now)) == 0 &&
		    strcmp(now, OUR_LOGGER)) {
			l->bound[i] = false;
			continue;
		}
		if (logger_write(l->sysctl_fd[i], l->saved[i]) < 0) {
			err = errno;
			ret = -1;
			continue;
		}
		l->bound[i] = false;
	}
	if (ret < 0)
		errno = err;
	return ret;
}

struct nl_log *nl_log_open(bool record, int rcvbuf)
{
	struct nl_log *l = calloc(1, sizeof(*l));
	int i, err, ret;

	if (!l)
		return NULL;
	l->sysctl_fd[FAM_V4] = l->sysctl_fd[FAM_V6] = -1;
	l->state_fd = -1;
	l->closed = true;	/* nothing to undo yet */
	for (i = 0; i < FAM_N; i++) {
		l->sysctl_fd[i] = sysctl_open(fam_pf[i]);
		if (l->sysctl_fd[i] < 0 ||
		    logger_read(l->sysctl_fd[i], l->saved[i], LOGGER_MAX) < 0)
			goto err;
	}
	/* group 0 is joined by the bind command, not by membership */
	l->sock = nl_sock_open(0, rcvbuf);
	if (!l->sock)
		goto err;

	/* The group first: when someone else holds it we leave without
	 * having touched the loggers. */
	if (config_cmd(l, AF_UNSPEC, NFULNL_CFG_CMD_BIND) < 0) {
		if (errno == EPERM && group0_held())
			errno = EBUSY;
		goto err;
	}
	/* Conntrack info needs CONFIG_NETFILTER_NETLINK_GLUE_CT: the kernel
	 * may load it and ask us to retry (EAGAIN), or lack it (EOPNOTSUPP);
	 * events without it are still complete traces. */
	ret = config_group(l, NFULNL_CFG_F_SEQ | NFULNL_CFG_F_CONNTRACK);
	if (ret < 0 && errno == EAGAIN)
		ret = config_group(l, NFULNL_CFG_F_SEQ | NFULNL_CFG_F_CONNTRACK);
	if (ret < 0 && config_group(l, NFULNL_CFG_F_SEQ) < 0)
		goto err;

	if (record)
		state_take(l);
	for (i = 0; i < FAM_N; i++)
		l->saved_len[i] = strlen(l->saved[i]);
	l->closed = false;
	for (i = 0; i < FAM_N; i++) {
		if (config_cmd(l, fam_pf[i], NFULNL_CFG_CMD_PF_BIND) < 0)
			goto err;
		l->bound[i] = true;
	}
	return l;
err:
	err = errno;
	nl_log_free(l);
	errno = err;
	return NULL;
}

int nl_log_close(struct nl_log *l)
{
	int ret, err;

	if (!l || l->closed)
		return 0;
	l->closed = true;
	ret = restore(l);
	err = errno;
	/* Only once the loggers are back: while the state file exists, a
	 * run that finds group 0 free takes it for a dead run's. */
	if (l->state_fd >= 0) {
		if (ret == 0)
			statedir_release(l->state_name, l->state_fd);
		else
			close(l->state_fd);	/* the next run retries */
		l->state_fd = -1;
	}
	/* Closing the socket would release the group too; unbinding first
	 * stops events before the socket goes away. */
	config_cmd(l, AF_UNSPEC, NFULNL_CFG_CMD_UNBIND);
	nl_sock_close(l->sock);
	l->sock = NULL;
	errno = err;
	return ret;
}

void nl_log_free(struct nl_log *l)
{
	int i, err = errno;

	if (!l)
		return;
	nl_log_close(l);
	nl_sock_close(l->sock);
	for (i = 0; i < FAM_N; i++)
		if (l->sysctl_fd[i] >= 0)
			close(l->sysctl_fd[i]);
	free(l);
	errno = err;
}

/* From a signal handler: only pread/pwrite/unlink on what nl_log_open()
 * prepared (open fds, the names and their lengths, the state file's
 * path); no stdio, no malloc, no locks. */
void nl_log_emergency_restore(struct nl_log *l)
{
	static const char ours[] = OUR_LOGGER;
	bool all = true;
	int i;

	if (!l || l->closed)
		return;
	for (i = 0; i < FAM_N; i++) {
		char now[LOGGER_MAX];
		ssize_t n;

		if (!l->bound[i])
			continue;
		n = pread(l->sysctl_fd[i], now, sizeof(now), 0);
		/* someone else's logger since: theirs to keep */
		if (n < (ssize_t)sizeof(ours) - 1 ||
		    memcmp(now, ours, sizeof(ours) - 1) ||
		    (n > (ssize_t)sizeof(ours) - 1 && now[sizeof(ours) - 1] != '\n')) {
			l->bound[i] = 0;
			continue;
		}
		if (pwrite(l->sysctl_fd[i], l->saved[i], l->saved_len[i], 0) ==
		    (ssize_t)l->saved_len[i])
			l->bound[i] = 0;
		else
			all = false;
	}
	/* the lock goes with the process; the file only once restored */
	if (all && l->state_fd >= 0)
		unlink(l->state_full);
}

int nl_log_recover(char *what, size_t whatlen)
{
	char saved[FAM_N][LOGGER_MAX], name[48];
	uint64_t cookie;
	int fd, sock, i, ret = 0, err = 0;
	size_t off = 0;

	if (what && whatlen)
		what[0] = '\0';
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -1;
	i = netns_cookie(sock, &cookie);
	close(sock);
	if (i < 0)
		return 0;	/* no cookies, no state files */
	state_name(name, sizeof(name), cookie);
	fd = statedir_try_lock(name);
	if (fd < 0)
		return errno == ENOENT || errno == EBUSY ? 0 : -1;
	/* Group 0 held without the state lock: a program of its own
	 * (ulogd) that wants nfnetlink_log bound; leave both alone. */
	if (group0_held() || state_read(fd, saved) < 0) {
		close(fd);
		return 0;
	}
	for (i = 0; i < FAM_N; i++) {
		char now[LOGGER_MAX];
		int sfd = sysctl_open(fam_pf[i]);

		if (sfd < 0 || logger_read(sfd, now, sizeof(now)) < 0) {
			err = errno;
			ret = -1;
		} else if (!strcmp(now, OUR_LOGGER) && strcmp(saved[i], OUR_LOGGER)) {
			if (logger_write(sfd, saved[i]) < 0) {
				err = errno;
				ret = -1;
			} else {
				if (ret == 0)
					ret = 1;
				if (what && off < whatlen) {
					int n = snprintf(what + off, whatlen - off,
							 "%s%s %s", off ? ", " : "",
							 i ? "ipv6" : "ipv4", saved[i]);

					if (n > 0)
						off += (size_t)n;
				}
			}
		}
		if (sfd >= 0)
			close(sfd);
	}
	if (ret >= 0)
		statedir_release(name, fd);
	else
		close(fd);
	errno = err;
	return ret;
}

const char *nl_log_saved_logger(const struct nl_log *l, uint8_t nfproto)
{
	return l->saved[nfproto == NFPROTO_IPV6 ? FAM_V6 : FAM_V4];
}

int nl_log_fd(const struct nl_log *l)
{
	return l->sock ? nl_sock_fd(l->sock) : -1;
}

struct nl_sock *nl_log_sock(const struct nl_log *l)
{
	return l->sock;
}

