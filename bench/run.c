/* bench/run: run one listener and account for it, for scripts/bench.sh.
 *
 *   run -o STATS [-e ERRFILE -r PATTERN] -- command [args...]
 *
 * Forks the command (stdout inherited), forwards SIGINT/SIGTERM to it, and
 * when it ends writes to STATS one line of key=value pairs taken from
 * wait4()'s rusage, which has microsecond CPU times for the whole process
 * (/proc/PID/stat only has 10 ms ticks):
 *
 *   pid= utime_us= stime_us= maxrss_kb= status=exit:N|signal:N wall_ms= ready_ms= ready_cpu_us=
 *
 * STATS.pid holds the command's pid as soon as it runs. With -e and -r the
 * command's stderr goes through us into ERRFILE, and the first line that
 * contains PATTERN sets ready_ms (wall time since the fork) and
 * ready_cpu_us (the command's CPU time so far, from /proc/PID/schedstat),
 * so "time to armed" needs no polling. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t child;

static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static long long schedstat_us(pid_t pid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return (long long)(ns / 1000);
}

static void usage(void)
{
	fprintf(stderr, "usage: run -o STATS [-e ERRFILE -r PATTERN] -- cmd [args]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *stats = NULL, *errfile = NULL, *pattern = NULL;
	double t0, ready_ms = -1;
	long long ready_cpu = -1;
	struct sigaction sa;
	struct rusage ru;
	int opt, status, pfd[2] = { -1, -1 }, errfd = -1;
	char path[4096], line[8192];
	size_t used = 0;
	FILE *f;

	while ((opt = getopt(argc, argv, "+o:e:r:")) != -1) {
		switch (opt) {
		case 'o': stats = optarg; break;
		case 'e': errfile = optarg; break;
		case 'r': pattern = optarg; break;
		default: usage();
		}
	}
	if (!stats || optind >= argc || (pattern && !errfile))
		usage();
	if (errfile) {
		errfd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (errfd < 0 || pipe(pfd) < 0) {
			perror("run");
			return 1;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	t0 = now_ms();
	child = fork();
	if (child < 0) {
		perror("run: fork");
		return 1;
	}
	if (child == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (errfd >= 0) {
			dup2(pfd[1], STDERR_FILENO);
			close(pfd[0]);
			close(pfd[1]);
			close(errfd);
		}
		execvp(argv[optind], argv + optind);
		perror("run: exec");
		_exit(127);
	}
	snprintf(path, sizeof(path), "%s.pid", stats);
	if ((f = fopen(path, "w"))) {
		fprintf(f, "%d\n", (int)child);
		fclose(f);
	}

	if (errfd >= 0) {
		close(pfd[1]);
		for (;;) {
			ssize_t n = read(pfd[0], line + used, sizeof(line) - 1 - used);
			char *nl;

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			if (write(errfd, line + used, (size_t)n) < 0)
				break;
			used += (size_t)n;
			line[used] = '\0';
			while ((nl = strchr(line, '\n')) || used == sizeof(line) - 1) {
				if (!nl)
					nl = line + used - 1;
				*nl = '\0';
				if (pattern && ready_ms < 0 && strstr(line, pattern)) {
					ready_ms = now_ms() - t0;
					ready_cpu = schedstat_us(child);
				}
				used -= (size_t)(nl + 1 - line);
				memmove(line, nl + 1, used);
				line[used] = '\0';
			}
		}
		close(pfd[0]);
		close(errfd);
	}

	while (wait4(child, &status, 0, &ru) < 0)
		if (errno != EINTR) {
			perror("run: wait4");
			return 1;
		}
	f = fopen(stats, "w");
	if (!f) {
		perror(stats);
		return 1;
	}
	fprintf(f, "pid=%d utime_us=%lld stime_us=%lld maxrss_kb=%ld status=%s:%d "
		"wall_ms=%.1f ready_ms=%.1f ready_cpu_us=%lld\n", (int)child,
		(long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
		(long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec,
		ru.ru_maxrss, WIFSIGNALED(status) ? "signal" : "exit",
		WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
		now_ms() - t0, ready_ms, ready_cpu);
	fclose(f);
	return 0;
}
