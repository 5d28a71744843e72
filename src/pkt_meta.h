/* What a source reports of a packet beside its headers and interfaces:
 * numbers the packet lines show as they are (the mark). The events
 * carry them as one struct, the story copies it whole into each packet
 * view, and the printers walk pkt_meta_fields[]. So a new one is its
 * field here, its row in pkt_meta.c, and its decoding in its source;
 * the LOG line, JSON and the story follow. */
#ifndef IPTT_PKT_META_H
#define IPTT_PKT_META_H

#include <stddef.h>
#include <stdint.h>

struct pkt_meta {
	uint32_t mark;
};

enum pkt_meta_style {
	META_HEX,		/* MARK=0x2a */
	META_DEC,		/* PRIO=3 */
};

struct pkt_meta_field {
	const char *json;	/* its JSON key (docs/json.md: never renamed) */
	const char *log;	/* its name in the LOG line: "MARK" */
	enum pkt_meta_style style;
	size_t offset;		/* in struct pkt_meta */
};

/* In the order the kernel's LOG target prints them, after the headers;
 * the LOG line leaves out a field that is 0, JSON always has it. */
extern const struct pkt_meta_field pkt_meta_fields[];
extern const size_t pkt_meta_nfields;

static inline uint32_t pkt_meta_get(const struct pkt_meta *m,
				    const struct pkt_meta_field *f)
{
	return *(const uint32_t *)((const char *)m + f->offset);
}

#endif
