/* Test driver for snapshots_prepare_block() (tests/netns/snapshots.bats):
 *
 *   snapshots_prepare FAMILY TABLE CHAIN:HANDLE... [-- CMD ARG...]
 *
 * in the current namespace: opens the nf_tables reader and reads the
 * chain lists as a run does once armed (snapshots_start), makes a block
 * of one rule event per CHAIN:HANDLE and prints what the resolver's
 * lookups answer before and after snapshots_prepare_block:
 *
 *   before CHAIN HANDLE: pos=N text=TEXT | miss
 *   after CHAIN HANDLE: pos=N text=TEXT | miss
 *
 * Before, the chains' rules are not read (start-up reads none) and the
 * lookups must not read them: "miss". After, every rule is there with
 * its position and text. With CMD: then runs it (a change after those
 * reads, whose news nobody has read), prints the lookups again
 * ("changed": still the snapshot as it was), prepares the block again
 * and prints them once more ("again"). */
#include <errno.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <linux/netfilter.h>

#include "assemble.h"
#include "resolver.h"
#include "rules_nft.h"
#include "ruleset.h"
#include "snapshots.h"

#define MAX_EVS 16

extern char **environ;

static void show(const char *when, const struct resolver *r,
		 const struct trace_event *ev)
{
	struct rule_view rv;

	printf("%s %s %" PRIu64 ": ", when, ev->chain, ev->handle);
	if (resolver_rule(r, ev, &rv))
		printf("pos=%u text=%s\n", rv.pos, rv.text ? rv.text : "(none)");
	else
		printf("miss\n");
}

static void show_all(const char *when, const struct resolver *r,
		     const struct block *b)
{
	size_t i;

	for (i = 0; i < b->nevs; i++)
		show(when, r, &b->evs[i]);
}

static int run(char **argv)
{
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct trace_event evs[MAX_EVS];
	struct resolver r = { 0 };
	struct block b = { 0 };
	char **cmd = NULL;
	uint8_t family;
	int i;

	if (argc < 4) {
		fprintf(stderr, "usage: %s FAMILY TABLE CHAIN:HANDLE... [-- CMD...]\n",
			argv[0]);
		return 2;
	}
	family = family_from_name(argv[1]);
	for (i = 3; i < argc && b.nevs < MAX_EVS; i++) {
		struct trace_event *ev = &evs[b.nevs];
		char *colon = strrchr(argv[i], ':');

		if (!strcmp(argv[i], "--")) {
			cmd = argv + i + 1;
			break;
		}
		if (!colon)
			return 2;
		memset(ev, 0, sizeof(*ev));
		ev->source = EV_SRC_NFT;
		ev->family = family;
		ev->nfproto = NFPROTO_IPV4;
		ev->type = EV_TYPE_RULE;
		ev->has = EV_HAS_HANDLE;
		ev->handle = strtoull(colon + 1, NULL, 10);
		snprintf(ev->table, sizeof(ev->table), "%s", argv[2]);
		snprintf(ev->chain, sizeof(ev->chain), "%.*s",
			 (int)(colon - argv[i]), argv[i]);
		b.nevs++;
	}
	b.evs = evs;
	if (!(r.nft = rules_nft_open())) {
		perror("rules_nft_open");
		return 1;
	}
	snapshots_bind(&r);
	snapshots_start(&r);
	show_all("before", &r, &b);
	snapshots_prepare_block(&r, &b);
	show_all("after", &r, &b);
	if (cmd && *cmd) {
		if (run(cmd) < 0) {
			fprintf(stderr, "%s failed\n", cmd[0]);
			return 1;
		}
		show_all("changed", &r, &b);
		snapshots_prepare_block(&r, &b);
		show_all("again", &r, &b);
	}
	rules_nft_close(r.nft);
	return 0;
}
