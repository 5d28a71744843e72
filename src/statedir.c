/* Lock files and leftovers under /run/iptables-trace (see statedir.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "statedir.h"

const char *statedir_path(void)
{
	const char *d = getenv("IPTT_STATE_DIR");

	return d && *d == '/' ? d : STATEDIR_DEFAULT;
}

static void make_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", statedir_path(), name);
}

/* Take the lock on an open file, and make sure the file is still the
 * one at path: a cleanup may have unlinked it between our open() and
 * flock(), and a lock on an unlinked file protects nothing. 1: locked
 * and current; 0: stale, try again; -1: error (EBUSY when held). */
static int lock_current(int fd, const char *path)
{
	struct stat a, b;

	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			errno = EBUSY;
		return -1;
	}
	if (fstat(fd, &a) < 0)
		return -1;
	if (stat(path, &b) < 0)
		return errno == ENOENT ? 0 : -1;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int lock_path(const char *name, bool create)
{
	char path[512];
	int tries, fd, r, e;

	make_path(path, sizeof(path), name);
	if (create)
		mkdir(statedir_path(), 0700);
	for (tries = 0; tries < 16; tries++) {
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW |
			  (create ? O_CREAT : 0), 0600);
		if (fd < 0)
			return -1;
		r = lock_current(fd, path);
		if (r == 1)
			return fd;
		e = errno;
		close(fd);
		if (r < 0) {
			errno = e;
			return -1;
		}
		if (!create) {
			errno = ENOENT;
			return -1;
		}
	}
	errno = EAGAIN;
	return -1;
}

int statedir_lock(const char *name)
{
	return lock_path(name, true);
}

int statedir_try_lock(const char *name)
{
	return lock_path(name, false);
}

void statedir_release(const char *name, int fd)
{
	char path[512];

	if (fd < 0)
		return;
	make_path(path, sizeof(path), name);
	unlink(path);
	close(fd);
}

/* ---- is a namespace still there? --------------------------------- */

static bool link_is_ns(const char *path, const char *want)
{
	char buf[64];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	return !strcmp(buf, want);
}

static bool dir_has_link(const char *dir, const char *want)
{
	char path[1024];
	struct dirent *de;
	bool found = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		found = link_is_ns(path, want);
	}
	closedir(d);
	return found;
}

static bool tasks_in(const char *pid, unsigned long long ino)
{
	char path[1024];
	struct dirent *de;
	struct stat st;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%s/task", pid);
	if (!(d = opendir(path)))
		return false;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task/%s/ns/net", pid,
			 de->d_name);
		found = stat(path, &st) == 0 && st.st_ino == ino;
	}
	closedir(d);
	return found;
}

/* nsfs bind mounts (ip netns add) show their namespace as the root
 * field of mountinfo: "net:[INO]". */
static bool mounts_have(const char *pid, const char *want)
{
	char path[600], line[4096], root[256];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/mountinfo", pid);
	if (!(f = fopen(path, "re")))
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %*s %255s", root) == 1 &&
			!strcmp(root, want);
	fclose(f);
	return found;
}

#define MAX_MNT_NS	1024

bool statedir_netns_alive(unsigned long long ino)
{
	unsigned long long seen[MAX_MNT_NS];
	size_t nseen = 0, i;
	char want[48], path[600];
	struct dirent *de;
	bool found = false;
	DIR *proc = opendir("/proc");

	if (!proc)
		return true;	/* cannot tell: keep */
	snprintf(want, sizeof(want), "net:[%llu]", ino);
	while (!found && (de = readdir(proc))) {
		struct stat st;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (tasks_in(de->d_name, ino))
			found = true;
		snprintf(path, sizeof(path), "/proc/%s/fd", de->d_name);
		if (!found && dir_has_link(path, want))
			found = true;
		/* one mount table per mount namespace is enough */
		snprintf(path, sizeof(path), "/proc/%s/ns/mnt", de->d_name);
		if (found || stat(path, &st) < 0)
			continue;
		for (i = 0; i < nseen && seen[i] != st.st_ino; i++)
			;
		if (i < nseen)
			continue;
		if (nseen < MAX_MNT_NS)
			seen[nseen++] = st.st_ino;
		found = mounts_have(de->d_name, want);
	}
	closedir(proc);
	return found;
}

/* ---- leftovers --------------------------------------------------- */

/* An nf_log state file: "IPV4 IPV6 INO". Without the inode (written by
 * an older version) we cannot tell, and keep it. */
static bool state_ns_gone(int fd)
{
	char buf[256], l4[64], l6[64];
	unsigned long long ino;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return false;
	buf[n] = '\0';
	if (n == 0)
		return true;	/* never written: a run killed at once */
	if (sscanf(buf, "%63s %63s %llu", l4, l6, &ino) != 3)
		return false;
	return !statedir_netns_alive(ino);
}

unsigned int statedir_gc(void)
{
	struct dirent *de;
	unsigned int removed = 0;
	DIR *d = opendir(statedir_path());

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		bool rules = !strncmp(de->d_name, "rules.", 6);
		int fd;

		if (!rules && strncmp(de->d_name, "nf_log.", 7))
			continue;
		if (strchr(de->d_name, '/') || strstr(de->d_name, ".tmp"))
			continue;
		fd = statedir_try_lock(de->d_name);
		if (fd < 0)
			continue;	/* a live run's, or gone */
		/* An unheld rules lock says nothing any more: rules whose
		 * lock is missing are a dead run's all the same. */
		if (rules || state_ns_gone(fd)) {
			statedir_release(de->d_name, fd);
			removed++;
		} else {
			close(fd);
		}
	}
	closedir(d);
	return removed;
}
