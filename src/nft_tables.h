/* The nf_tables tables of the current namespace, from one netlink dump:
 * libnftables' "list tables" fetches every rule of every table too. */
#ifndef IPTT_NFT_TABLES_H
#define IPTT_NFT_TABLES_H

#include <stdint.h>

typedef void (*nft_table_cb)(uint8_t family, const char *name, void *data);

/* Call cb for every table, once each, after the whole dump has been
 * read (an interrupted dump is retried). Returns 0, or -1 with errno set when
 * nf_tables did not answer (no nfnetlink, no nf_tables, no permission). */
int nft_tables_each(nft_table_cb cb, void *data);

#endif
