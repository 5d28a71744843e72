/* --probe and --probe-file: a synthetic packet judged by the kernel in a
 * throwaway copy of the traced namespace (probe_copy.h makes the copy).
 * probe_cli.c: the command line and probe-file lines -> probe specs;
 * probe.c: the run; probe_inject.c: sockets and conntrack in the copy. */
#ifndef IPTT_PROBE_H
#define IPTT_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include "out_format.h"
#include "probe_packet.h"

enum probe_ct { PROBE_CT_NONE, PROBE_CT_NEW, PROBE_CT_ESTABLISHED, PROBE_CT_RELATED };

enum probe_expect {
	PROBE_EXPECT_NONE, PROBE_EXPECT_ACCEPT, PROBE_EXPECT_DROP,
	PROBE_EXPECT_REJECT, PROBE_EXPECT_LOCAL, PROBE_EXPECT_FORWARD,
};

struct probe_spec {
	char iface[IFNAMSIZ];		/* -i; "" with --from-host */
	bool from_host;
	struct probe_pkt_spec pkt;	/* addresses, protocol, ports, flags */
	char src_text[64], dst_text[64];	/* as given, for messages */
	bool have_mark;
	uint32_t mark;
	enum probe_ct ct;
	enum probe_expect expect;
	unsigned int line;		/* of the probe file; 0: command line */
	char what[200];			/* "tcp 10.0.0.1:40000 -> 10.0.0.2:80 in on r0" */
};

#define PROBE_MAX_RULESETS 16
/* The copy has no traffic but the probe's, handled within its send
 * call: a block quiet this long is complete (live tracing waits 250). */
#define PROBE_QUIET_MS	30

struct probe_opts {
	const char *netns;
	const char *rulesets[PROBE_MAX_RULESETS];
	size_t n_rulesets;
	const char *file;		/* --probe-file */
	enum out_format format;		/* -j: OUT_JSON */
	bool verbose, quiet;
	int color;			/* enum color_mode */
	unsigned int quiet_ms;
	struct probe_spec *probes;
	size_t n_probes;
};

/* Does argv ask for --probe or --probe-file? (before cli_parse) */
bool probe_wanted(int argc, char **argv);

/* Parse the command line into o (probes[0] for --probe; the file is read
 * later with probe_read_file). On error: -1, one line in err, and the
 * exit code to use in *code. */
int probe_parse_cmdline(int argc, char **argv, struct probe_opts *o,
			char *err, size_t errlen);
/* One probe's options (argv[0] is not an option), for the command line
 * and for each probe-file line. 0, or -1 with one line in err. */
int probe_parse_spec(int argc, char **argv, struct probe_spec *ps,
		     char *err, size_t errlen);
/* Split a probe-file line into words at whitespace; a '#' at the start
 * of a word ends the line. Writes NULs into line; *argv points into it
 * (argv[0] is a placeholder). Returns the word count (0: nothing to
 * run), or -1 (ENOMEM). Free *argv. */
int probe_split_line(char *line, char ***argv);
/* Read FILE: one probe per line. 0, or -1 with one line in err naming
 * the line. */
int probe_read_file(struct probe_opts *o, char *err, size_t errlen);
void probe_opts_free(struct probe_opts *o);

/* "accept", "drop", ... */
const char *probe_expect_name(enum probe_expect e);

/* The run, in the traced namespace (main.c entered it). Returns the
 * exit code; dies on fatal errors. */
int probe_run(struct probe_opts *o);

#endif
