#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "nft_dump.h"
#include "nft_tables.h"

struct table_name {
	uint8_t family;
	char *name;
};

/* The names of one whole dump: an interrupted try is forgotten, so the
 * caller sees every table once. */
struct tables_ctx {
	struct table_name *t;
	size_t n, cap;
	bool nomem;
};

static void forget(void *data)
{
	struct tables_ctx *d = data;

	while (d->n)
		free(d->t[--d->n].name);
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tables_ctx *d = data;
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(*nfg)) {
		if (mnl_attr_get_type(a) != NFTA_TABLE_NAME ||
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			continue;
		if (d->n == d->cap) {
			size_t cap = d->cap ? 2 * d->cap : 16;
			struct table_name *t = realloc(d->t, cap * sizeof(*t));

			if (!t)
				goto nomem;
			d->t = t;
			d->cap = cap;
		}
		d->t[d->n].family = nfg->nfgen_family;
		d->t[d->n].name = strdup(mnl_attr_get_str(a));
		if (!d->t[d->n].name)
			goto nomem;
		d->n++;
		break;
	}
	return MNL_CB_OK;
nomem:
	d->nomem = true;
	errno = ENOMEM;
	return MNL_CB_ERROR;
}

int nft_tables_each(nft_table_cb cb, void *data)
{
	struct tables_ctx d = { 0 };
	int ret;
	size_t i;

	ret = nft_dump(NFT_MSG_GETTABLE, NFPROTO_UNSPEC, NULL, NULL, table_cb,
		       forget, &d);
	for (i = 0; ret == 0 && i < d.n; i++)
		cb(d.t[i].family, d.t[i].name, data);
	forget(&d);
	free(d.t);
	if (d.nomem)
		errno = ENOMEM;
	return ret;
}
