/* libFuzzer target: the nft listing splitter (nft_text_split), the one
 * parser of printed rule text that remains.
 *
 * Input: one control byte, then a listing. The chains and rule handles
 * the kernel would report are taken from the listing itself ("chain ... {
 * # handle N" starts a chain, every other " # handle N" is a rule of the
 * current chain), so mutations make listings that disagree with them;
 * the control byte's bits set the comment, base and binding flags. Every
 * text that comes back must be NUL-free and no longer than the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nft_text.h"

#define MAX_CHAINS	16
#define MAX_RULES	64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct spec {
	uint64_t rules[MAX_RULES];
	int binds[MAX_RULES];
	char *texts[MAX_RULES];
};

static uint64_t number(const char *p)
{
	uint64_t n = 0;

	while (*p >= '0' && *p <= '9' && n < (1ULL << 60))
		n = n * 10 + (uint64_t)(*p++ - '0');
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct spec specs[MAX_CHAINS];
	struct nft_text_chain tc[MAX_CHAINS];
	unsigned int n = 0, i, j;
	uint8_t ctl;
	char *text;
	const char *p;

	if (size < 1 || size > 1 << 16)
		return -1;
	ctl = data[0];
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	memset(tc, 0, sizeof(tc));
	memset(specs, 0, sizeof(specs));
	for (p = text; (p = strstr(p, " # handle ")); p += 10) {
		const char *line = p;

		while (line > text && line[-1] != '\n')
			line--;
		if (!strncmp(line, "\tchain ", 7) && n < MAX_CHAINS) {
			tc[n].handle = number(p + 10);
			tc[n].rules = specs[n].rules;
			tc[n].binds = specs[n].binds;
			tc[n].texts = specs[n].texts;
			tc[n].base = ctl & 1;
			tc[n].comment = ctl & 2 ? "c" : NULL;
			n++;
		} else if (n && tc[n - 1].nrules < MAX_RULES) {
			struct nft_text_chain *c = &tc[n - 1];

			specs[n - 1].rules[c->nrules] = number(p + 10);
			specs[n - 1].binds[c->nrules] = -1;
			c->nrules++;
		}
	}
	/* a bound chain: the last one, bound by the first chain's first rule */
	if (n > 1 && (ctl & 4) && tc[0].nrules) {
		tc[n - 1].bound = true;
		specs[0].binds[0] = (int)(n - 1);
	}
	nft_text_split(text, strlen(text), tc, n);
	for (i = 0; i < n; i++)
		for (j = 0; j < tc[i].nrules; j++) {
			if (specs[i].texts[j] && strlen(specs[i].texts[j]) > size)
				abort();
			free(specs[i].texts[j]);
		}
	nft_text_plain_name(text);
	free(text);
	return 0;
}
