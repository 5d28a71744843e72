/* What the kernel dropped for a socket whose receive buffer was full.
 * On this kernel neither channel shows all its losses otherwise: an
 * nf_tables overrun reports one ENOBUFS for any number of events, and
 * NFLOG leaves no gap in its sequence numbers for the messages it drops.
 * The socket's own counter (SK_MEMINFO_DROPS) is exact for both. */
#ifndef IPTT_SOCK_DROPS_H
#define IPTT_SOCK_DROPS_H

/* The socket's drop count since it was opened. Returns 0, or -1 with
 * errno set (a kernel without SO_MEMINFO). */
int sock_drops(int fd, unsigned long *drops);

#endif
