/* /run/iptables-trace: what a run leaves for the next one when it is
 * killed, and the locks that tell a live run from a dead one.
 *
 *   nf_log.COOKIE   the loggers a run replaced in the namespace with that
 *                   netns cookie, and the namespace's inode; flock()ed
 *                   by the run that wrote it, for as long as it runs
 *   rules.TOKEN     flock()ed by the run whose legacy TRACE rules carry
 *                   TOKEN in their comment
 *
 * A lock is released by the kernel when its holder dies, even by
 * kill -9, and means the same in every PID namespace, which a PID does
 * not. IPTT_STATE_DIR overrides the directory (tests). */
#ifndef IPTT_STATEDIR_H
#define IPTT_STATEDIR_H

#include <stdbool.h>
#include <stddef.h>

#define STATEDIR_DEFAULT	"/run/iptables-trace"

const char *statedir_path(void);

/* Create (mode 0600) and lock DIR/name for this run. Returns the fd,
 * or -1 with errno set (EBUSY: another live run holds it). */
int statedir_lock(const char *name);

/* Lock an existing DIR/name that a live run would hold. Returns the fd
 * (its owner is gone; the caller may unlink it), or -1 with errno
 * ENOENT (no such file) or EBUSY (its owner lives). */
int statedir_try_lock(const char *name);

/* Unlink DIR/name, then close fd (so nobody sees it unlocked). */
void statedir_release(const char *name, int fd);

/* Is a network namespace with this nsfs inode number reachable, by a
 * process or thread in it, an open fd or a bind mount? */
bool statedir_netns_alive(unsigned long long ino);

/* Remove what dead runs left for namespaces that are gone, and rules
 * locks nobody holds. Never a locked file. Returns how many files were
 * removed. */
unsigned int statedir_gc(void);

#endif
