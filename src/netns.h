/* Enter the network namespace to trace, before any socket is opened:
 * netlink listeners only hear their own namespace. */
#ifndef IPTT_NETNS_H
#define IPTT_NETNS_H

/* name: an `ip netns` name or a path such as /proc/PID/ns/net.
 * Returns 0, or -1 with errno set (ENOENT: no such namespace). */
int netns_enter(const char *name);

#endif
