/* The sysctls that change a packet's path, copied from the traced
 * namespace. /proc/sys/net belongs to the network namespace of whoever
 * opens the file, so every value is read here, in the source, and
 * written after a setns into the copy. Writing "all" or
 * net.ipv4.ip_forward changes every interface, so the global values go
 * first, then "all", then "default", then each interface's own. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "probe_int.h"

static const char *const global_keys[] = {
	"ipv4/ip_forward",
	"ipv4/icmp_echo_ignore_all",
	"ipv4/icmp_echo_ignore_broadcasts",
	"ipv4/icmp_ratelimit",
	"ipv4/icmp_ratemask",
	"ipv4/icmp_errors_use_inbound_ifaddr",
	"ipv4/ip_nonlocal_bind",
	"ipv4/ip_early_demux",
	"ipv4/fwmark_reflect",
	"ipv4/tcp_fwmark_accept",
	"ipv4/tcp_syncookies",
	"ipv4/fib_multipath_hash_policy",
	"ipv6/icmp/echo_ignore_all",
	"ipv6/icmp/ratelimit",
	"ipv6/fwmark_reflect",
	"ipv6/ip_nonlocal_bind",
};

static const char *const conf4_keys[] = {
	"forwarding", "rp_filter", "accept_local", "route_localnet",
	"src_valid_mark", "accept_source_route", "proxy_arp", "proxy_arp_pvlan",
	"arp_filter", "arp_ignore", "arp_announce", "arp_accept",
	"accept_redirects", "send_redirects", "bc_forwarding",
	"disable_policy", "disable_xfrm",
};

static const char *const conf6_keys[] = {
	"forwarding", "accept_source_route", "disable_ipv6", "accept_redirects",
	"disable_policy", "seg6_enabled", "ioam6_enabled",
};

struct sysval {
	char path[288];			/* under /proc/sys/net/ */
	char value[128];
};

struct sysvals {
	struct sysval *v;
	size_t n, cap;
};

static int read_value(struct sysvals *s, const char *path)
{
	char full[320];
	struct sysval *v;
	ssize_t n;
	int fd;

	snprintf(full, sizeof(full), "/proc/sys/net/%s", path);
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == EACCES ? 0 : -1;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct sysval *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv) {
			close(fd);
			return -1;
		}
		s->v = nv;
		s->cap = cap;
	}
	v = &s->v[s->n];
	n = read(fd, v->value, sizeof(v->value) - 1);
	close(fd);
	if (n <= 0)
		return 0;		/* write-only or empty: nothing to copy */
	v->value[n] = '\0';
	snprintf(v->path, sizeof(v->path), "%s", path);
	s->n++;
	return 0;
}

static int read_conf(struct sysvals *s, const char *fam, const char *dev,
		     const char *const *keys, size_t nkeys)
{
	char path[288];
	size_t i;

	for (i = 0; i < nkeys; i++) {
		snprintf(path, sizeof(path), "%s/conf/%s/%s", fam, dev, keys[i]);
		if (read_value(s, path) < 0)
			return -1;
	}
	return 0;
}

/* Every writable file of a directory whose name starts with prefix:
 * the conntrack settings (tcp_loose, tcp_be_liberal, timeouts ...) and
 * br_netfilter's bridge-nf-call-*, which come and go with modules. */
static int read_dir(struct sysvals *s, const char *dir, const char *prefix)
{
	char full[128], path[288];
	struct dirent *d;
	DIR *dp;
	int ret = 0;

	snprintf(full, sizeof(full), "/proc/sys/net/%s", dir);
	dp = opendir(full);
	if (!dp)
		return 0;
	while (ret == 0 && (d = readdir(dp))) {
		struct stat st;

		if (strncmp(d->d_name, prefix, strlen(prefix)) ||
		    fstatat(dirfd(dp), d->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode) || !(st.st_mode & S_IWUSR))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		ret = read_value(s, path);
	}
	closedir(dp);
	return ret;
}

static int read_all(struct probe_ctx *c, struct sysvals *s)
{
	size_t i;

	for (i = 0; i < sizeof(global_keys) / sizeof(global_keys[0]); i++)
		if (read_value(s, global_keys[i]) < 0)
			return -1;
	if (read_dir(s, "netfilter", "nf_conntrack_") < 0 ||
	    read_dir(s, "bridge", "bridge-nf-") < 0)
		return -1;
	if (read_conf(s, "ipv4", "all", conf4_keys, sizeof(conf4_keys) / sizeof(conf4_keys[0])) < 0 ||
	    read_conf(s, "ipv6", "all", conf6_keys, sizeof(conf6_keys) / sizeof(conf6_keys[0])) < 0 ||
	    read_conf(s, "ipv4", "default", conf4_keys, sizeof(conf4_keys) / sizeof(conf4_keys[0])) < 0 ||
	    read_conf(s, "ipv6", "default", conf6_keys, sizeof(conf6_keys) / sizeof(conf6_keys[0])) < 0)
		return -1;
	for (i = 0; i < c->pc->n_ifaces; i++) {
		/* interface names hold no '/' and are never "." or ".."
		 * (dev_valid_name): one path component each */
		const char *dev = c->pc->ifaces[i].name;

		if (read_conf(s, "ipv4", dev, conf4_keys, sizeof(conf4_keys) / sizeof(conf4_keys[0])) < 0 ||
		    read_conf(s, "ipv6", dev, conf6_keys, sizeof(conf6_keys) / sizeof(conf6_keys[0])) < 0)
			return -1;
	}
	return 0;
}

/* In the copy. A setting the copy does not have (a module that is not
 * loaded there, a value only the initial namespace may set) is a note,
 * not a failure: the copy is still the best there is. */
static int write_all(struct probe_ctx *c, const struct sysvals *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct sysval *v = &s->v[i];
		char full[320];
		int fd;
		ssize_t n;

		snprintf(full, sizeof(full), "/proc/sys/net/%s", v->path);
		fd = open(full, O_WRONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && !strncmp(v->path, "bridge/", 7))
			continue;	/* br_netfilter is per namespace: not here */
		n = fd < 0 ? -1 : write(fd, v->value, strlen(v->value));
		if (n < 0) {
			char value[128];

			snprintf(value, sizeof(value), "%s", v->value);
			value[strcspn(value, "\n")] = '\0';
			if (probe_note(c, "sysctl net/%s = %s is not in the copy: %s",
				       v->path, value, strerror(errno)) < 0) {
				if (fd >= 0)
					close(fd);
				return -1;
			}
		}
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

int probe_sysctl_copy(struct probe_ctx *c)
{
	struct sysvals s = { 0 };
	int ret;

	if (read_all(c, &s) < 0) {
		free(s.v);
		return probe_fail(c, "probe: cannot read the sysctls: %s", strerror(errno));
	}
	if (probe_enter(c->pc->copy_fd) < 0) {
		free(s.v);
		return probe_fail(c, "probe: cannot enter the copy: %s", strerror(errno));
	}
	ret = write_all(c, &s);
	if (probe_enter(c->src_fd) < 0)
		ret = probe_fail(c, "probe: cannot return to the traced namespace: %s",
				 strerror(errno));
	free(s.v);
	return ret;
}
