/* Test driver for src/probe_copy.c (tests/netns/probe_copy.bats):
 *
 *   probe_copy_dump [--ruleset FILE]... [--wire] [--ct-flush] [--hold] NS [CMD ARG...]
 *
 * enters the `ip netns` namespace NS, makes the probe copy, prints what
 * probe_copy_make() returned (counts, interfaces, notes, the inode
 * numbers of the two namespaces) and a line "----", then runs CMD inside the copy (--wire:
 * inside the wire) from a child that setns()es there, and exits with its
 * status. --ct-flush: then flush the copy's conntrack table
 * (probe_copy_ct_flush) and run CMD once more. --hold: print "ready" and
 * wait until stdin closes, holding the copy (for the kill -9 test). The
 * copy goes when we go. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "netns.h"
#include "probe_copy.h"
#include "safe_text.h"

static void print_mac(const unsigned char *m)
{
	printf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static unsigned long inode_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

static void print_copy(const struct probe_copy *pc)
{
	size_t i;

	printf("counts: %u tables, %u chains, %u rules, %u ipsets, %u interfaces, "
	       "%u routes\n", pc->tables, pc->chains, pc->rules, pc->ipsets,
	       pc->interfaces, pc->routes);
	printf("netns: copy %lu wire %lu\n", inode_of(pc->copy_fd), inode_of(pc->wire_fd));
	for (i = 0; i < pc->n_ifaces; i++) {
		const struct probe_iface *f = &pc->ifaces[i];

		printf("iface %s ifindex %d mac ", f->name, f->ifindex);
		print_mac(f->mac);
		printf(" wire %d ", f->wire_ifindex);
		print_mac(f->wire_mac);
		printf(" %s\n", f->up ? "up" : "down");
	}
	for (i = 0; i < pc->n_notes; i++) {
		fput_visible(pc->notes[i], stdout);
		putchar('\n');
	}
	printf("----\n");	/* what CMD prints follows */
	fflush(stdout);
}

static int run_in(int fd, char **argv)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return 127;
	if (pid == 0) {
		if (setns(fd, CLONE_NEWNET) < 0) {
			perror("setns");
			_exit(127);
		}
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 127;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	struct probe_ruleset_file files[16];
	struct probe_copy pc;
	size_t nfiles = 0;
	bool wire = false, flush = false, hold = false;
	char err[1024];
	int i = 1, rc = 0;


	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--ruleset") && i + 1 < argc && nfiles < 16)
			files[nfiles++].path = argv[++i];
		else if (!strcmp(argv[i], "--wire"))
			wire = true;
		else if (!strcmp(argv[i], "--ct-flush"))
			flush = true;
		else if (!strcmp(argv[i], "--hold"))
			hold = true;
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: probe_copy_dump [--ruleset FILE]... [--wire] "
			"[--ct-flush] [--hold] NS [CMD ARG...]\n");
		return 2;
	}
	if (netns_enter(argv[i]) < 0) {
		fprintf(stderr, "probe_copy_dump: %s: %s\n", argv[i], strerror(errno));
		return 2;
	}
	if (probe_copy_make(files, nfiles, &pc, err, sizeof(err)) < 0) {
		fputs("probe_copy_dump: ", stderr);
		fput_visible(err, stderr);
		fputc('\n', stderr);
		return 1;
	}
	print_copy(&pc);
	if (hold) {
		char c;

		printf("ready\n");
		fflush(stdout);
		while (read(0, &c, 1) > 0)
			;
	}
	if (i + 1 < argc)
		rc = run_in(wire ? pc.wire_fd : pc.copy_fd, argv + i + 1);
	if (!rc && flush) {
		if (probe_copy_ct_flush(&pc) < 0) {
			fprintf(stderr, "probe_copy_dump: conntrack flush: %s\n",
				strerror(errno));
			rc = 1;
		} else if (i + 1 < argc) {
			rc = run_in(wire ? pc.wire_fd : pc.copy_fd, argv + i + 1);
		}
	}
	probe_copy_free(&pc);
	return rc;
}
