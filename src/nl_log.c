/* NFLOG group 0 listener for legacy TRACE.
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

#include "nl_recv.h"
#include "nl_log.h"
#include "statedir.h"
#include "xt_tables.h"

/* Same as the nf_tables listener: a burst must not overrun us while a
 * block is printed. */
#define LOG_RCVBUF	(16 << 20)
#define LOGGER_MAX	64		/* NF_LOGGER_NAME_LEN */
#define TRACE_PREFIX	"TRACE: "
#define OUR_LOGGER	"nfnetlink_log"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE	71
#endif

/* enum ip_conntrack_info and the ct state bits nft reports */
#define CTINFO_IS_REPLY		3
#define CTINFO_UNTRACKED	7
#define CT_STATE_UNTRACKED_BIT	(1u << 6)

enum { FAM_V4, FAM_V6, FAM_N };

static const uint8_t fam_pf[FAM_N] = { NFPROTO_IPV4, NFPROTO_IPV6 };

struct nl_log {
	struct mnl_socket *nl;
	uint32_t portid, seq;
	int sysctl_fd[FAM_N];
	char saved[FAM_N][LOGGER_MAX];
	size_t saved_len[FAM_N];	/* for the signal handler */
	volatile sig_atomic_t bound[FAM_N];	/* we changed this family's logger */
	bool closed;
	char state_name[48];		/* "nf_log.COOKIE"; "" when there is none */
	char state_full[512];		/* its path, for the signal handler */
	int state_fd;			/* locked while we run */
	bool have_seq;
	uint32_t next_seq;		/* expected NFULA_SEQ */
	bool overrun;			/* ENOBUFS counted as 1, gap not seen yet */
	/* netlink messages are parsed in place: keep them aligned */
	char buf[1 << 18] __attribute__((aligned(8)));
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
	if (netns_cookie(mnl_socket_get_fd(l->nl), &cookie) < 0)
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
	int ret;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(l->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		ssize_t n = nl_recv_kernel(l->nl, l->buf, sizeof(l->buf));

		if (n < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			/* nfnetlink answers before sendto() returns, so an
			 * empty queue means the ack was lost to an overrun. */
			if (errno == EAGAIN)
				errno = ETIMEDOUT;
			return -1;
		}
		ret = mnl_cb_run(l->buf, n, seq, l->portid, NULL, NULL);
		if (ret <= MNL_CB_STOP)
			return ret;	/* the ack (0) or its error (-1) */
	}
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

static struct nl_log *open_log(bool record)
{
	struct nl_log *l = calloc(1, sizeof(*l));
	int i, size = LOG_RCVBUF, err, ret;

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
	l->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!l->nl || mnl_socket_bind(l->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err;
	l->portid = mnl_socket_get_portid(l->nl);
	/* FORCE needs CAP_NET_ADMIN, which we have; fall back quietly. */
	if (setsockopt(mnl_socket_get_fd(l->nl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &size, sizeof(size)) < 0)
		setsockopt(mnl_socket_get_fd(l->nl), SOL_SOCKET, SO_RCVBUF,
			   &size, sizeof(size));

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

struct nl_log *nl_log_open(void)
{
	return open_log(true);
}

struct nl_log *nl_log_open_unrecorded(void)
{
	return open_log(false);
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
	mnl_socket_close(l->nl);
	l->nl = NULL;
	errno = err;
	return ret;
}

void nl_log_free(struct nl_log *l)
{
	int i, err = errno;

	if (!l)
		return;
	nl_log_close(l);
	if (l->nl)
		mnl_socket_close(l->nl);
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
	return l->nl ? mnl_socket_get_fd(l->nl) : -1;
}

/* ---- parsing ----------------------------------------------------- */

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, NFULA_MAX) < 0)
		return MNL_CB_OK;	/* attribute from a newer kernel */
	switch (type) {
	case NFULA_MARK:
	case NFULA_IFINDEX_INDEV:
	case NFULA_IFINDEX_OUTDEV:
	case NFULA_SEQ:
	case NFULA_CT_INFO:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		break;
	case NFULA_PREFIX:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		break;
	}
	tb[type] = a;
	return MNL_CB_OK;
}

static int ct_attr_cb(const struct nlattr *a, void *data)
{
	struct trace_event *ev = data;

	switch (mnl_attr_get_type(a)) {
	case CTA_ID:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			ev->ct_id = ntohl(mnl_attr_get_u32(a));
			ev->has |= EV_HAS_CT;
		}
		break;
	case CTA_STATUS:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			ev->ct_status = ntohl(mnl_attr_get_u32(a));
		break;
	}
	return MNL_CB_OK;
}

/* ctinfo -> the ct state bit and direction, as nf_tables traces them */
static void set_ctinfo(struct trace_event *ev, uint32_t ctinfo)
{
	if (ctinfo == CTINFO_UNTRACKED) {
		ev->ct_state = CT_STATE_UNTRACKED_BIT;
	} else {
		ev->ct_state = 1u << (ctinfo % CTINFO_IS_REPLY + 1);
		ev->ct_dir = ctinfo >= CTINFO_IS_REPLY;
	}
}

static const struct { const char *name; enum ev_type type; } trace_types[] = {
	{ "rule", EV_TYPE_RULE }, { "return", EV_TYPE_RETURN },
	{ "policy", EV_TYPE_POLICY },
};

/* "TRACE: table:chain:type:rulenum " -- the kernel's format. Chain names
 * may contain ':' (x_tables does not forbid it), so split the table off
 * the front and type and rulenum off the back. */
static int parse_prefix(const char *p, struct trace_event *ev)
{
	const char *table, *colon, *last, *type;
	char *end;
	unsigned long num;
	size_t len, tlen, i;

	if (strncmp(p, TRACE_PREFIX, strlen(TRACE_PREFIX)))
		return -1;
	table = p + strlen(TRACE_PREFIX);
	len = strlen(table);
	while (len && table[len - 1] == ' ')
		len--;
	colon = memchr(table, ':', len);
	last = memrchr(table, ':', len);
	if (!colon || colon == table || last == colon)
		return -1;
	type = memrchr(table, ':', (size_t)(last - table));
	if (!type || type == colon || type == colon + 1)
		return -1;		/* no chain name */
	if (!(table[len - 1] >= '0' && table[len - 1] <= '9'))
		return -1;
	errno = 0;
	num = strtoul(last + 1, &end, 10);
	if (errno || end != table + len || num > UINT32_MAX || end == last + 1)
		return -1;
	tlen = (size_t)(last - type - 1);
	for (i = 0; i < sizeof(trace_types) / sizeof(trace_types[0]); i++)
		if (strlen(trace_types[i].name) == tlen &&
		    !strncmp(type + 1, trace_types[i].name, tlen))
			break;
	if (i == sizeof(trace_types) / sizeof(trace_types[0]))
		return -1;
	if ((size_t)(colon - table) >= sizeof(ev->table) ||
	    (size_t)(type - colon - 1) >= sizeof(ev->chain))
		return -1;
	memcpy(ev->table, table, (size_t)(colon - table));
	ev->table[colon - table] = '\0';
	memcpy(ev->chain, colon + 1, (size_t)(type - colon - 1));
	ev->chain[type - colon - 1] = '\0';
	ev->type = trace_types[i].type;
	ev->rulenum = (uint32_t)num;
	ev->has |= EV_HAS_RULENUM;
	return 0;
}

/* Is this what x_tables' TRACE could have sent?
 *
 * On the wire nothing tells it apart: TRACE logs through nf_log_trace()
 * with a LOG-type loginfo, which nfulnl_log_packet() replaces by its
 * default_loginfo (group 0, no flags), and a LOG rule (nfnetlink_log
 * bound), an NFLOG rule or an nft "log group 0" rule with the same
 * prefix builds the same attributes from the same skb. Captured here
 * (tests/fixtures/nflog_forged_*.bin) they differ only in NFULA_SEQ. So
 * check what TRACE's origin implies: the kernel's exact prefix (one
 * trailing space, no leading zero), a table name x_tables has, sent at
 * a hook where that table is registered, and for a built-in chain that
 * chain's own hook; the copy not cut short by a rule's snaplen. A
 * forgery that passes names a rule at the right hook, which the
 * resolver then shows with that rule's real text. */
static const char *const builtin_chains[NF_INET_NUMHOOKS] = {
	"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING",
};

static bool kernel_shaped(const char *prefix, const struct trace_event *ev,
			  const struct nlattr *const *tb)
{
	const struct nfulnl_msg_packet_hdr *ph;
	const struct xt_table *t;
	const char *num;
	size_t len = strlen(prefix), i;
	unsigned int hooks;

	if (len < 2 || prefix[len - 1] != ' ' || prefix[len - 2] == ' ')
		return false;
	num = strrchr(prefix, ':') + 1;
	if (num[0] == '0')
		return false;
	/* enum hook counts the hooks as NF_INET_* does */
	t = xt_table_find(ev->table);
	hooks = t ? t->hooks : 0;
	if (!hooks || !tb[NFULA_PACKET_HDR] ||
	    mnl_attr_get_payload_len(tb[NFULA_PACKET_HDR]) < sizeof(*ph))
		return false;
	ph = mnl_attr_get_payload(tb[NFULA_PACKET_HDR]);
	if (ph->hook >= NF_INET_NUMHOOKS || !(hooks & (1 << ph->hook)))
		return false;
	for (i = 0; i < NF_INET_NUMHOOKS; i++)
		if ((hooks & (1 << i)) && !strcmp(ev->chain, builtin_chains[i]) &&
		    i != ph->hook)
			return false;
	if (tb[NFULA_PAYLOAD]) {
		const uint8_t *p = mnl_attr_get_payload(tb[NFULA_PAYLOAD]);
		uint16_t got = mnl_attr_get_payload_len(tb[NFULA_PAYLOAD]);
		unsigned int want = 0;

		if (ev->family == NFPROTO_IPV4 && got >= 4)
			want = (unsigned int)(p[2] << 8 | p[3]);
		else if (ev->family == NFPROTO_IPV6 && got >= 6)
			want = 40u + (unsigned int)(p[4] << 8 | p[5]);
		if (want > NL_LOG_COPY_RANGE)
			want = NL_LOG_COPY_RANGE;
		if (got < want)
			return false;
	}
	return true;
}

static int parse_tb(const struct nlmsghdr *nlh, const struct nlattr **tb,
		    struct trace_event *ev)
{
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);

	memset(ev, 0, sizeof(*ev));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nfg) ||
	    (nfg->nfgen_family != NFPROTO_IPV4 && nfg->nfgen_family != NFPROTO_IPV6) ||
	    nfg->res_id != 0)	/* group 0 */
		return -1;
	if (!tb[NFULA_PREFIX] ||
	    parse_prefix(mnl_attr_get_str(tb[NFULA_PREFIX]), ev) < 0)
		return -1;
	ev->family = nfg->nfgen_family;
	if (!kernel_shaped(mnl_attr_get_str(tb[NFULA_PREFIX]), ev, tb)) {
		memset(ev, 0, sizeof(*ev));
		return -1;
	}
	ev->source = EV_SRC_XT;
	ev->family = ev->nfproto = nfg->nfgen_family;
	ev->has |= EV_HAS_NFPROTO;
	if (tb[NFULA_PAYLOAD]) {
		uint16_t len = mnl_attr_get_payload_len(tb[NFULA_PAYLOAD]);

		if (len > EV_HDR_MAX)
			len = EV_HDR_MAX;
		memcpy(ev->hdr, mnl_attr_get_payload(tb[NFULA_PAYLOAD]), len);
		/* The decoder finds L4 behind L3 itself. */
		ev->nethdr_len = len;
		ev->transhdr_len = 0;
		if (len)
			ev->has |= EV_HAS_NETHDR;
	}
	if (tb[NFULA_IFINDEX_INDEV]) {
		ev->iif = ntohl(mnl_attr_get_u32(tb[NFULA_IFINDEX_INDEV]));
		ev->has |= EV_HAS_IIF;
	}
	if (tb[NFULA_IFINDEX_OUTDEV]) {
		ev->oif = ntohl(mnl_attr_get_u32(tb[NFULA_IFINDEX_OUTDEV]));
		ev->has |= EV_HAS_OIF;
	}
	if (tb[NFULA_MARK]) {
		ev->mark = ntohl(mnl_attr_get_u32(tb[NFULA_MARK]));
		/* nf_tables sends the mark only when set; do the same */
		if (ev->mark)
			ev->has |= EV_HAS_MARK;
	}
	if (tb[NFULA_CT] && mnl_attr_parse_nested(tb[NFULA_CT], ct_attr_cb, ev) < 0)
		return -1;
	if (tb[NFULA_CT_INFO] && (ev->has & EV_HAS_CT))
		set_ctinfo(ev, ntohl(mnl_attr_get_u32(tb[NFULA_CT_INFO])));
	return 0;
}

static int is_packet_msg(const struct nlmsghdr *nlh)
{
	return NFNL_SUBSYS_ID(nlh->nlmsg_type) == NFNL_SUBSYS_ULOG &&
	       NFNL_MSG_TYPE(nlh->nlmsg_type) == NFULNL_MSG_PACKET;
}

int nl_log_parse(const struct nlmsghdr *nlh, struct trace_event *ev)
{
	const struct nlattr *tb[NFULA_MAX + 1] = { NULL };

	if (!is_packet_msg(nlh) ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct nfgenmsg) ||
	    mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, tb) < 0)
		return -1;
	return parse_tb(nlh, tb, ev);
}

/* ---- receiving --------------------------------------------------- */

struct drain_ctx {
	struct nl_log *l;
	nl_log_cb cb;
	void *data;
	unsigned long *lost;
	int count;
};

/* NFULA_SEQ counts every message the kernel built for the group, sent
 * or dropped, so a gap is the exact number of events lost. The gap shows
 * only with the next message, which may never come (the burst is over):
 * an overrun counts 1 at once and the rest of its gap later. */
static void count_gap(struct drain_ctx *d, const struct nlattr *seq_attr)
{
	struct nl_log *l = d->l;
	uint32_t seq, gap;

	if (!seq_attr)
		return;
	seq = ntohl(mnl_attr_get_u32(seq_attr));
	gap = l->have_seq ? seq - l->next_seq : 0;
	if (l->overrun && gap)
		gap--;
	*d->lost += gap;
	l->overrun = false;
	l->have_seq = true;
	l->next_seq = seq + 1;
}

static void count_overrun(struct drain_ctx *d)
{
	if (d->l->overrun)
		return;
	d->l->overrun = true;
	(*d->lost)++;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NFULA_MAX + 1] = { NULL };
	struct drain_ctx *d = data;
	struct trace_event ev;

	if (!is_packet_msg(nlh) ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct nfgenmsg) ||
	    mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, tb) < 0)
		return MNL_CB_OK;	/* not ours to judge: skip it */
	count_gap(d, tb[NFULA_SEQ]);
	/* Group 0 also carries LOG/NFLOG messages when something logs to
	 * it; only TRACE prefixes parse. */
	if (parse_tb(nlh, tb, &ev) < 0)
		return MNL_CB_OK;
	/* Receive time, like nf_tables events. NFULA_TIMESTAMP is the skb
	 * timestamp: absent unless something enabled rx timestamps, and a
	 * monotonic departure time on paced TCP output. */
	clock_gettime(CLOCK_REALTIME, &ev.ts);
	d->cb(&ev, d->data);
	d->count++;
	return MNL_CB_OK;
}

int nl_log_drain(struct nl_log *l, nl_log_cb cb, void *data,
		 unsigned long *lost)
{
	struct drain_ctx d = { l, cb, data, lost, 0 };

	if (!l->nl) {
		errno = EBADF;
		return -1;
	}
	for (;;) {
		ssize_t n = nl_recv_kernel(l->nl, l->buf, sizeof(l->buf));

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return d.count;
			/* The kernel dropped events for us; the rest of
			 * each packet's path is still worth showing. */
			if (errno == ENOBUFS) {
				count_overrun(&d);
				continue;
			}
			if (errno == EINTR)
				continue;
			return -1;
		}
		/* seq 0: events are not answers to a request */
		mnl_cb_run(l->buf, n, 0, 0, msg_cb, &d);
	}
}
