/* Test helper: send one netlink datagram, given in hex, from a fresh
 * NETLINK_NETFILTER socket to a port id, as any process with
 * CAP_NET_ADMIN in the namespace can.
 *   nl_inject PORTID HEXBYTES */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>

int main(int argc, char **argv)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	unsigned char buf[4096];
	size_t n = 0, len;
	int fd;

	if (argc != 3 || (len = strlen(argv[2])) % 2 || len / 2 > sizeof(buf)) {
		fprintf(stderr, "usage: nl_inject PORTID HEXBYTES\n");
		return 2;
	}
	to.nl_pid = (unsigned int)strtoul(argv[1], NULL, 0);
	for (n = 0; n < len / 2; n++) {
		unsigned int b;

		if (sscanf(argv[2] + 2 * n, "%2x", &b) != 1)
			return 2;
		buf[n] = (unsigned char)b;
	}
	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
	if (fd < 0 || sendto(fd, buf, n, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("nl_inject");
		return 1;
	}
	close(fd);
	return 0;
}
