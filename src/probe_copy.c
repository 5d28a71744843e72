/* The probe copy: two fresh anonymous network namespaces, the copy and
 * its wire, held only by our descriptors (never bind-mounted, so they
 * go when we go), filled from the traced namespace in the order that
 * lets each part lean on the one before: interfaces, sysctls, links up,
 * addresses, routes, policy rules, neighbour entries, then ipsets and
 * rulesets (rules name sets, interfaces and addresses). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "probe_int.h"
#include "probe_rulesets.h"

int probe_fail(struct probe_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (c->errlen)
		vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	/* one line, whatever a tool's message held */
	if (c->errlen)
		c->err[strcspn(c->err, "\n")] = '\0';
	return -1;
}

int probe_note_add(struct probe_copy *pc, const char *line)
{
	char **n = realloc(pc->notes, (pc->n_notes + 1) * sizeof(*n));

	if (!n)
		return -1;
	pc->notes = n;
	if (!(pc->notes[pc->n_notes] = strdup(line)))
		return -1;
	pc->n_notes++;
	return 0;
}

int probe_note(struct probe_ctx *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "note: ");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (probe_note_add(c->pc, line) < 0)
		return probe_fail(c, "probe: out of memory");
	return 0;
}

int probe_enter(int fd)
{
	return setns(fd, CLONE_NEWNET);
}

int probe_map_ifindex(const struct probe_ctx *c, int src)
{
	size_t i;

	for (i = 0; i < c->nmap; i++)
		if (c->map[i].src == src)
			return c->map[i].copy;
	return 0;
}

const struct probe_iface *probe_copy_iface(const struct probe_copy *pc,
					   const char *name)
{
	size_t i;

	for (i = 0; i < pc->n_ifaces; i++)
		if (!strcmp(pc->ifaces[i].name, name))
			return &pc->ifaces[i];
	return NULL;
}

static int open_own_netns(void)
{
	/* the thread's own: setns and unshare act on the calling thread */
	return open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
}

/* The wire takes no part in IPv6: its veth ends would otherwise send
 * router solicitations and DAD probes into the copy, through its
 * firewall and into its conntrack table. */
static int wire_quiet(void)
{
	static const char *const keys[] = {
		"/proc/sys/net/ipv6/conf/all/disable_ipv6",
		"/proc/sys/net/ipv6/conf/default/disable_ipv6",
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		int fd = open(keys[i], O_WRONLY | O_CLOEXEC);

		if (fd < 0)
			continue;	/* no IPv6 at all: quiet already */
		if (write(fd, "1", 1) != 1) {
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

/* unshare() moves us into each new namespace; a socket opened there
 * stays bound to it after we leave. */
static int make_namespaces(struct probe_ctx *c)
{
	struct probe_copy *pc = c->pc;
	int ret = 0;

	if (unshare(CLONE_NEWNET) < 0)
		return probe_fail(c, "probe: cannot create a network namespace: %s "
				  "(run as root)", strerror(errno));
	if ((pc->copy_fd = open_own_netns()) < 0 || pnl_open(&c->copy) < 0)
		ret = probe_fail(c, "probe: cannot open the copy: %s", strerror(errno));
	else if (unshare(CLONE_NEWNET) < 0)
		ret = probe_fail(c, "probe: cannot create a network namespace: %s",
				 strerror(errno));
	else if ((pc->wire_fd = open_own_netns()) < 0 || pnl_open(&c->wire) < 0 ||
		 wire_quiet() < 0)
		ret = probe_fail(c, "probe: cannot open the wire: %s", strerror(errno));
	if (probe_enter(c->src_fd) < 0)
		ret = probe_fail(c, "probe: cannot return to the traced namespace: %s",
				 strerror(errno));
	return ret;
}

static int build(struct probe_ctx *c, const struct probe_ruleset_file *files,
		 size_t n_files)
{
	struct probe_rulesets rs;
	int ret;

	/* Everything that is read from the traced namespace is read before
	 * anything is loaded: a ruleset that cannot be copied exactly is
	 * refused before the copy holds half of it. */
	if (probe_rulesets_read(c, files, n_files, &rs) < 0)
		return -1;
	ret = probe_links_copy(c) < 0 || probe_sysctl_copy(c) < 0 ||
	      probe_links_up(c) < 0 || probe_addrs_copy(c) < 0 ||
	      probe_routes_copy(c) < 0 || probe_rules_copy(c) < 0 ||
	      probe_neigh_copy(c) < 0 ||
	      probe_rulesets_load(c, &rs) < 0 ? -1 : 0;
	probe_rulesets_free(&rs);
	return ret;
}

int probe_copy_make(const struct probe_ruleset_file *files, size_t n_files,
		    struct probe_copy *pc, char *err, size_t errlen)
{
	struct probe_ctx c = { .pc = pc, .err = err, .errlen = errlen };
	int ret = -1;

	memset(pc, 0, sizeof(*pc));
	pc->copy_fd = pc->wire_fd = -1;
	if (errlen)
		err[0] = '\0';
	c.src_fd = open_own_netns();
	if (c.src_fd < 0)
		return probe_fail(&c, "probe: cannot open the traced namespace: %s",
				  strerror(errno));
	if (pnl_open(&c.src) < 0)
		probe_fail(&c, "probe: cannot open rtnetlink: %s", strerror(errno));
	else if (make_namespaces(&c) == 0)
		ret = build(&c, files, n_files);
	/* whatever failed, end where we began */
	if (probe_enter(c.src_fd) < 0 && ret == 0)
		ret = probe_fail(&c, "probe: cannot return to the traced namespace: %s",
				 strerror(errno));
	pnl_close(&c.src);
	pnl_close(&c.copy);
	pnl_close(&c.wire);
	close(c.src_fd);
	free(c.map);
	if (ret < 0)
		probe_copy_free(pc);
	return ret;
}

void probe_copy_free(struct probe_copy *pc)
{
	size_t i;

	if (pc->copy_fd >= 0)
		close(pc->copy_fd);
	if (pc->wire_fd >= 0)
		close(pc->wire_fd);
	pc->copy_fd = pc->wire_fd = -1;
	for (i = 0; i < pc->n_notes; i++)
		free(pc->notes[i]);
	free(pc->notes);
	free(pc->ifaces);
	pc->notes = NULL;
	pc->ifaces = NULL;
	pc->n_notes = pc->n_ifaces = 0;
}

/* The conntrack socket is opened inside the copy and used from here:
 * a netlink socket keeps the namespace it was made in. */
int probe_copy_ct_flush(const struct probe_copy *pc)
{
	struct nfct_handle *h;
	uint32_t family = AF_UNSPEC;
	int src_fd, ret, saved;

	src_fd = open_own_netns();
	if (src_fd < 0)
		return -1;
	if (probe_enter(pc->copy_fd) < 0) {
		saved = errno;
		close(src_fd);
		errno = saved;
		return -1;
	}
	h = nfct_open(CONNTRACK, 0);
	saved = errno;
	if (probe_enter(src_fd) < 0) {
		saved = errno;
		if (h)
			nfct_close(h);
		h = NULL;
	}
	close(src_fd);
	if (!h) {
		errno = saved;
		return -1;
	}
	ret = nfct_query(h, NFCT_Q_FLUSH, &family);
	saved = errno;
	nfct_close(h);
	errno = saved;
	return ret;
}
