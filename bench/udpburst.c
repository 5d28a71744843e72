/* bench/udpburst: send N small UDP datagrams, each from its own source
 * port, so that every one is a new conntrack entry and walks the nat
 * table (nat chains see only a connection's first packet).
 *
 *   udpburst -d ADDR -p PORT -n N [-b FIRST_SPORT] [-r PPS]
 *
 * Source ports are FIRST_SPORT, FIRST_SPORT+1, ... (default 20000), wrapping
 * below 65536 back to 1024; a port that cannot be bound is skipped. -r paces
 * the burst at PPS packets per second (default: as fast as possible).
 * Prints "sent N in MS ms" on stdout. Only for addresses inside the bench's
 * own namespaces. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET }, src = { .sin_family = AF_INET };
	const char payload[16] = "iptables-trace!";
	long n = 0, sent = 0, pps = 0, tries = 0;
	unsigned int sport = 20000;
	double t0, t1;
	int opt;

	while ((opt = getopt(argc, argv, "d:p:n:b:r:")) != -1) {
		switch (opt) {
		case 'd':
			if (inet_pton(AF_INET, optarg, &dst.sin_addr) != 1) {
				fprintf(stderr, "udpburst: bad address %s\n", optarg);
				return 2;
			}
			break;
		case 'p': dst.sin_port = htons((uint16_t)atoi(optarg)); break;
		case 'n': n = atol(optarg); break;
		case 'b': sport = (unsigned int)atoi(optarg); break;
		case 'r': pps = atol(optarg); break;
		default:
			fprintf(stderr, "usage: udpburst -d ADDR -p PORT -n N [-b SPORT] [-r PPS]\n");
			return 2;
		}
	}
	if (!dst.sin_addr.s_addr || !dst.sin_port || n <= 0) {
		fprintf(stderr, "udpburst: -d, -p and -n are required\n");
		return 2;
	}

	t0 = now_s();
	while (sent < n && tries < 4 * n) {
		int s = socket(AF_INET, SOCK_DGRAM, 0), one = 1;

		tries++;
		if (s < 0) {
			perror("udpburst: socket");
			return 1;
		}
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		src.sin_port = htons((uint16_t)sport);
		if (++sport > 65535)
			sport = 1024;
		if (bind(s, (struct sockaddr *)&src, sizeof(src)) == 0 &&
		    sendto(s, payload, sizeof(payload), 0, (struct sockaddr *)&dst,
			   sizeof(dst)) == (ssize_t)sizeof(payload))
			sent++;
		close(s);
		if (pps > 0) {
			double due = t0 + (double)sent / (double)pps, wait = due - now_s();

			if (wait > 0)
				usleep((useconds_t)(wait * 1e6));
		}
	}
	t1 = now_s();
	printf("sent %ld in %.0f ms\n", sent, (t1 - t0) * 1e3);
	return sent == n ? 0 : 1;
}
