#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"

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
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = setns(fd, CLONE_NEWNET);
	saved = errno;
	close(fd);
	/* setns on a file that is not a net namespace fails with EINVAL */
	errno = saved;
	return ret;
}
