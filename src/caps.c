/* Raw capget/capset and prctl: no libcap dependency for two calls. */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "caps.h"

/* What the loop needs after set-up (documented in the man page):
 * CAP_NET_ADMIN for nf_tables and conntrack netlink reads, the legacy
 * table fingerprints (IPT_SO_GET_INFO), putting back TRACE rules that
 * someone else removed, putting back the nf_log logger and removing
 * TRACE rules at exit; CAP_NET_RAW for the iptables-*-save and
 * iptables-legacy children, which open a raw socket. */
#define KEEP(c)	((uint64_t)1 << (c))
static const uint64_t keep = KEEP(CAP_NET_ADMIN) | KEEP(CAP_NET_RAW);

static int get_caps(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return (int)syscall(SYS_capget, &h, d);
}

bool caps_have(int cap)
{
	struct __user_cap_data_struct d[2];

	if (cap < 0 || cap > 63 || get_caps(d) < 0)
		return false;
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

int caps_drop_after_setup(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int cap, i;

	if (get_caps(d) < 0)
		return -1;
	/* The bounding set first: dropping it needs CAP_SETPCAP, which goes
	 * below. Without CAP_SETPCAP (a non-root user with ambient caps)
	 * exec cannot give children more than our own sets anyway. */
	if ((d[0].effective >> CAP_SETPCAP) & 1)
		for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
			if (!(keep & KEEP(cap)) &&
			    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
				return -1;
	for (i = 0; i < 2; i++) {
		uint32_t k = (uint32_t)(keep >> (32 * i));

		d[i].effective &= k;
		d[i].permitted &= k;
		d[i].inheritable &= k;
	}
	/* ambient caps outside permitted or inheritable go with them */
	if (syscall(SYS_capset, &h, d) < 0)
		return -1;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}
