/* The text output's packet line: the kernel LOG target's rendering of
 * a packet. Only the text output prints it; a header of its own so
 * that the unit tests and the fuzzer reach it. */
#ifndef IPTT_LOG_LINE_H
#define IPTT_LOG_LINE_H

#include <stddef.h>
#include <stdint.h>
#include "decode.h"
#include "pkt_meta.h"

/* Write p as IN=.. OUT=.. SRC=.. DST=.. LEN=.. with meta's numbers
 * after (MARK=..); in/out are interface names, "" when absent. Returns snprintf's value: the length of the
 * whole line, whatever size was. */
int log_line(char *buf, size_t size, const struct pkt_hdrs *p,
	     const char *in, const char *out, const struct pkt_meta *meta);

#endif
