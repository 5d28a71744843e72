/* Command line -> struct config. */
#ifndef IPTT_CLI_H
#define IPTT_CLI_H

#include <stdbool.h>
#include "backend.h"
#include "filter.h"
#include "out_format.h"
#include "resolver.h"

/* Exit codes, documented in --help, README and the man page. */
enum exit_code {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,	/* an unexpected failure while running */
	EXIT_USAGE = 2,		/* bad option or filter */
	EXIT_PRIVILEGE = 3,	/* not root / no CAP_NET_ADMIN */
	EXIT_NETNS = 4,		/* unknown or unusable network namespace */
	EXIT_KERNEL = 5,	/* the kernel lacks a needed feature */
	EXIT_BUSY = 6,		/* another program holds what we need */
	EXIT_EXPECT = 7,	/* --probe: a fate differed from --expect */
};

struct config {
	struct filter_spec filter;
	char *expr_buf;			/* joined FILTER EXPRESSION words */
	bool hook_prerouting, hook_output;
	bool ipv4, ipv6;
	unsigned int limit_rate, limit_unit, limit_burst;
	unsigned long count;		/* 0: unlimited */
	double timeout;			/* seconds; 0: none */
	const char *netns;
	enum syntax syntax;
	enum backend_req backend;
	bool trace_rules;		/* arm with legacy TRACE rules */
	bool cleanup;			/* remove leftovers and exit */
	enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER } color;
	bool timestamps, verbose;
	enum out_format format;		/* -j: OUT_JSON */
	bool quiet;			/* -q: no armed line, no stderr summary */
	bool summary;			/* --summary: rules and chains at exit */
	bool follow;			/* --follow: whole connections */
	unsigned int verdicts;		/* --verdict: 1 << fate_kind; 0: all */
	char **argv_copy;		/* argv without iptables' "!" words */
	unsigned int quiet_ms;
	unsigned int buffer_mib;	/* --buffer-size; 0: nl_sock's default */
};

/* Parse argv. Exits with a message for -h, -V and usage errors. */
void cli_parse(int argc, char **argv, struct config *cfg);
void cli_free(struct config *cfg);
/* --help, --version: print and exit (for --probe's parser too). */
void __attribute__((noreturn)) cli_help(void);
void __attribute__((noreturn)) cli_version(void);

#endif
