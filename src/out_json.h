/* JSON Lines backend (out_json_ops): one object per packet; schema in
 * docs/json.md. */
#ifndef IPTT_OUT_JSON_H
#define IPTT_OUT_JSON_H

#include "out.h"

/* Every object carries it; raised when a field changes type or meaning
 * (2: trace_id became a hex string, the text's base). */
#define JSON_SCHEMA_VERSION 2

#endif
