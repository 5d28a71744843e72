/* libFuzzer target: the iptables-save text parser (rules_xt_parse), then
 * lookups by position in what it built, as the resolver does them.
 *
 * Input: one byte that picks the family (low bit: IPv6), then the text;
 * it is NUL-terminated here, so embedded NULs end it early, as a C
 * string from the save tool would. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netfilter.h>

#include "rules_xt.h"
#include "ruleset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t family;
	struct ruleset rs;
	char *text;
	uint32_t i;

	if (size < 1 || size > 1 << 16)
		return -1;
	family = data[0] & 1 ? NFPROTO_IPV6 : NFPROTO_IPV4;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';

	ruleset_init(&rs);
	if (rules_xt_parse(text, family, &rs) == 0) {
		for (i = 0; i < rs.nchains; i++) {
			const struct rs_chain *c = &rs.chains[i];
			const struct rs_rule *r;

			if (ruleset_chain(&rs, c->family, c->table, c->name) == NULL)
				abort();	/* every chain is found by name */
			r = ruleset_rule_by_pos(&rs, c->family, c->table, c->name,
						c->nrules);
			if (c->nrules && (!r || r->pos != c->nrules || !r->text))
				abort();
			/* past the end: NULL, unless a duplicate chain of the
			 * same name (not save output, but parsed) has more */
			ruleset_rule_by_pos(&rs, c->family, c->table, c->name,
					    c->nrules + 1);
		}
	}
	/* a second parse into the same set appends, as a refresh of the
	 * other family does */
	rules_xt_parse(text, family == NFPROTO_IPV4 ? NFPROTO_IPV6 : NFPROTO_IPV4,
		       &rs);
	ruleset_clear(&rs);
	free(text);
	return 0;
}
