/* Capabilities: what the process has, and giving up what the loop does
 * not need once set-up is done (a pledge after set-up). */
#ifndef IPTT_CAPS_H
#define IPTT_CAPS_H

#include <stdbool.h>
#include <linux/capability.h>

/* Whether capability CAP (linux/capability.h) is in the effective set. */
bool caps_have(int cap);

/* Keep only CAP_NET_ADMIN and CAP_NET_RAW: in the effective, permitted,
 * inheritable and ambient sets, and (when CAP_SETPCAP allows) in the
 * bounding set, so the iptables-*-save children get no more than that
 * either; and set no_new_privs. Returns 0, or -1 with errno. */
int caps_drop_after_setup(void);

#endif
