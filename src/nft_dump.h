/* nf_tables objects straight from the kernel, over netlink: the one
 * source of truth for which chains and rules exist and in what order.
 * Names travel as netlink attributes, never as command text. */
#ifndef IPTT_NFT_DUMP_H
#define IPTT_NFT_DUMP_H

#include <stdint.h>
#include <linux/netlink.h>

typedef int (*nft_dump_cb)(const struct nlmsghdr *nlh, void *data);

/* Dump NFT_MSG_GETTABLE, GETCHAIN or GETRULE objects of family
 * (NFPROTO_UNSPEC: all), limited to table and, for rules, chain when
 * they are not NULL; cb sees each object's message (MNL_CB_OK to go
 * on). A dump that a concurrent commit interrupted (NLM_F_DUMP_INTR) is
 * retried from the start, after restart(data) forgets what cb kept.
 * Returns 0, or -1 with errno set (EINTR when retries ran out). */
int nft_dump(uint16_t msg_type, uint8_t family, const char *table,
	     const char *chain, nft_dump_cb cb, void (*restart)(void *data),
	     void *data);

/* The same on one socket kept from dump to dump: a reader that dumps
 * chain by chain (a whole table's rule dump costs the kernel the square
 * of its rule count, since every part of the answer walks the rules
 * before it again) pays for one socket, not one per chain. */
struct nft_dumper;
struct nft_dumper *nft_dumper_open(void);
void nft_dumper_close(struct nft_dumper *d);
int nft_dumper_run(struct nft_dumper *d, uint16_t msg_type, uint8_t family,
		   const char *table, const char *chain, nft_dump_cb cb,
		   void (*restart)(void *data), void *data);
/* One object by name, not a dump: NFT_MSG_GETCHAIN of (family, table,
 * name). cb sees its message. Returns 0, or -1 with errno set (ENOENT:
 * there is no such chain). */
int nft_dumper_get(struct nft_dumper *d, uint16_t msg_type, uint8_t family,
		   const char *table, const char *name, nft_dump_cb cb,
		   void *data);

#endif
