/* posix_spawn with stdout on a pipe and stderr in a memfd. No shell, so
 * no quoting: every argument reaches the program exactly as given. The
 * memfd keeps stderr from filling a second pipe while we read the first.
 *
 * We run as root for a caller whose environment we cannot trust (sudo
 * -E, a unit file, cron): the tool is found only in the system's own
 * directories, and gets an environment of our making. XTABLES_LIBDIR,
 * LD_PRELOAD or PATH from the caller would run their code as root. */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "spawn_tool.h"

static const char *const tool_dirs[] = {
	"/usr/sbin", "/usr/bin", "/sbin", "/bin",
};

static char *const clean_env[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	"LC_ALL=C",
	NULL,
};

/* The first executable name in the system directories, or ENOENT. */
static int tool_path(const char *name, char *buf, size_t size)
{
	size_t i;

	if (strchr(name, '/')) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < sizeof(tool_dirs) / sizeof(tool_dirs[0]); i++) {
		snprintf(buf, size, "%s/%s", tool_dirs[i], name);
		if (access(buf, X_OK) == 0)
			return 0;
	}
	errno = ENOENT;
	return -1;
}

void spawn_result_free(struct spawn_result *r)
{
	free(r->out);
	r->out = NULL;
	r->out_len = 0;
}

static int read_all(int fd, struct spawn_result *r)
{
	size_t cap = 1 << 16;
	char *buf = malloc(cap);

	if (!buf)
		return -1;
	r->out_len = 0;
	for (;;) {
		ssize_t n;

		if (cap - r->out_len < 4096) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -1;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + r->out_len, cap - r->out_len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		r->out_len += (size_t)n;
	}
	buf[r->out_len] = '\0';
	r->out = buf;
	return 0;
}

static void read_err(int fd, struct spawn_result *r)
{
	ssize_t n = pread(fd, r->err, sizeof(r->err) - 1, 0);

	r->err[n > 0 ? n : 0] = '\0';
	/* one message line is what callers show */
	while (n > 0 && (r->err[n - 1] == '\n' || r->err[n - 1] == ' '))
		r->err[--n] = '\0';
}

/* Our signal handlers and mask must not reach the tool: a blocked
 * SIGTERM would make it unkillable, a handler is meaningless there. */
static int spawn_attr(posix_spawnattr_t *attr)
{
	sigset_t none, all;

	sigemptyset(&none);
	sigfillset(&all);
	if (posix_spawnattr_init(attr))
		return -1;
	if (posix_spawnattr_setsigmask(attr, &none) ||
	    posix_spawnattr_setsigdefault(attr, &all) ||
	    posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK |
					   POSIX_SPAWN_SETSIGDEF)) {
		posix_spawnattr_destroy(attr);
		return -1;
	}
	return 0;
}

/* stdin from a memfd holding in: the tool reads it like a file, and we
 * never block writing a pipe while it blocks writing to us. */
static int input_fd(const char *in, size_t len)
{
	int fd = memfd_create("iptt-stdin", MFD_CLOEXEC), saved;
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t n = write(fd, in + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto err;
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) == 0)
		return fd;
err:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int spawn_run(const char *const argv[], bool want_out, struct spawn_result *r)
{
	return spawn_run_input(argv, NULL, 0, want_out, r);
}

int spawn_run_input(const char *const argv[], const char *in, size_t in_len,
		    bool want_out, struct spawn_result *r)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int pfd[2] = { -1, -1 }, efd, ifd = -1, st, err = 0;
	char path[256];
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (tool_path(argv[0], path, sizeof(path)) < 0)
		return -1;
	/* Sockets that libraries opened without close-on-exec (libnftables',
	 * libnetfilter_conntrack's) must not reach the tool: mark every
	 * descriptor; the child's 0-2 are dup2'd copies, which clears it. */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	efd = memfd_create("iptt-stderr", MFD_CLOEXEC);
	if (efd < 0)
		return -1;
	if (in && (ifd = input_fd(in, in_len)) < 0) {
		err = errno;
		close(efd);
		errno = err;
		return -1;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		err = errno;
		close(efd);
		if (ifd >= 0)
			close(ifd);
		errno = err;
		return -1;
	}
	if (spawn_attr(&attr) < 0) {
		err = ENOMEM;
		goto out_fds;
	}
	if (posix_spawn_file_actions_init(&fa)) {
		err = ENOMEM;
		goto out_attr;
	}
	/* dup2 clears close-on-exec on the copies the child keeps */
	if ((ifd >= 0 ? posix_spawn_file_actions_adddup2(&fa, ifd, 0)
		      : posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
							 O_RDONLY, 0)) ||
	    (want_out ? posix_spawn_file_actions_adddup2(&fa, pfd[1], 1)
		      : posix_spawn_file_actions_addopen(&fa, 1, "/dev/null",
							 O_WRONLY, 0)) ||
	    posix_spawn_file_actions_adddup2(&fa, efd, 2)) {
		err = ENOMEM;
		goto out_fa;
	}
	err = posix_spawn(&pid, path, &fa, &attr, (char *const *)argv, clean_env);
	if (err)
		goto out_fa;
	close(pfd[1]);
	pfd[1] = -1;
	if (want_out && read_all(pfd[0], r) < 0)
		err = errno;
	/* closed before waiting: a child we stopped reading gets EPIPE
	 * instead of blocking forever */
	close(pfd[0]);
	pfd[0] = -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			err = errno;
			break;
		}
	if (!err) {
		r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		read_err(efd, r);
	}
out_fa:
	posix_spawn_file_actions_destroy(&fa);
out_attr:
	posix_spawnattr_destroy(&attr);
out_fds:
	close(efd);
	if (ifd >= 0)
		close(ifd);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (err) {
		spawn_result_free(r);
		errno = err;
		return -1;
	}
	return 0;
}
