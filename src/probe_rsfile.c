#include <stdbool.h>
#include <string.h>

#include "probe_rsfile.h"

static bool v6_name(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	return !strncmp(base, "ip6", 3) || (n && base[n - 1] == '6');
}

enum probe_rs_kind probe_rsfile_kind(const char *path, const char *text)
{
	bool v6_comment = false, xt = false;
	const char *p = text;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *s = p;

		while (s < p + len && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		if (s < p + len && *s == '#') {
			if (memmem(s, (size_t)(p + len - s), "ip6tables-save", 14))
				v6_comment = true;
		} else if (s < p + len) {
			xt = *s == '*';
			break;
		}
		p += len + (eol ? 1 : 0);
	}
	if (!xt)
		return PROBE_RS_NFT;
	return v6_comment || v6_name(path) ? PROBE_RS_XT6 : PROBE_RS_XT4;
}
