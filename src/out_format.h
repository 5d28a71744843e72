/* The output formats (--json), and the out_ops that prints each: the
 * one place a new format is added to the list. */
#ifndef IPTT_OUT_FORMAT_H
#define IPTT_OUT_FORMAT_H

enum out_format { OUT_TEXT, OUT_JSON };

struct out_ops;
extern const struct out_ops out_text_ops;	/* out_text.c */
extern const struct out_ops out_json_ops;	/* out_json.c */

static inline const struct out_ops *out_ops_for(enum out_format fmt)
{
	return fmt == OUT_JSON ? &out_json_ops : &out_text_ops;
}

#endif
