/* The rows of pkt_meta.h: how each number a source reports of a packet
 * is named in the LOG line and in JSON. */
#include "pkt_meta.h"

const struct pkt_meta_field pkt_meta_fields[] = {
	{ "mark", "MARK", META_HEX, offsetof(struct pkt_meta, mark) },
};

const size_t pkt_meta_nfields = sizeof(pkt_meta_fields) / sizeof(pkt_meta_fields[0]);
