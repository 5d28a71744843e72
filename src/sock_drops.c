#include <stdint.h>
#include <sys/socket.h>
#include <linux/sock_diag.h>

#include "sock_drops.h"

#ifndef SO_MEMINFO
#define SO_MEMINFO	55
#endif

int sock_drops(int fd, unsigned long *drops)
{
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) < 0)
		return -1;
	*drops = len > SK_MEMINFO_DROPS * sizeof(mem[0]) ? mem[SK_MEMINFO_DROPS] : 0;
	return 0;
}
