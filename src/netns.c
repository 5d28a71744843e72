#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <linux/nsfs.h>

#include "netns.h"

/* The path is opened with O_PATH first: opening a FIFO for reading
 * would block until a writer comes, and a device could act on open.
 * Only a file of the nsfs filesystem is opened for real, through the
 * O_PATH descriptor, so it cannot be swapped in between. */
static int open_nsfs(const char *path)
{
	struct statfs sfs;
	char self[64];
	int pfd, fd, saved;

	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -1;
	if (fstatfs(pfd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC) {
		close(pfd);
		errno = EINVAL;
		return -1;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	saved = errno;
	close(pfd);
	errno = saved;
	return fd;
}

int netns_enter(const char *name)
{
	char path[4096];
	int fd, ret, saved;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
		errno = ENOENT;
		return -1;
	} else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open_nsfs(path);
	if (fd < 0)
		return -1;
	/* another kind of namespace (uts, mnt ...) is no network namespace */
	ret = ioctl(fd, NS_GET_NSTYPE);
	if (ret != CLONE_NEWNET) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	ret = setns(fd, CLONE_NEWNET);
	saved = errno;
	close(fd);
	/* setns on a file that is not a net namespace fails with EINVAL */
	errno = saved;
	return ret;
}
