/* Seed corpora for the fuzz targets, from tests/fixtures:
 *
 *   mkseeds FIXTURES_DIR OUT_DIR
 *
 * writes OUT_DIR/<target>/<name> for every target in fuzz/:
 *   nl_trace  every *.nlmsg; every message of *.stream on its own; the
 *             first messages of the stream back to back (one recv())
 *   nl_log    every *.bin; all of them back to back
 *   decode    the header bytes of every captured event, in both input
 *             forms, plus variants: IPv4 options, a later fragment, an
 *             IPv6 hop-by-hop header, and (single fixtures) cuts at
 *             every 4 bytes
 *   rules_xt  every *.save, with the family byte first
 *   nft_text  every nft-list-*.txt, with a control byte first
 *   out       blocks of captured events, grouped by trace id as the
 *             assembler does, in fuzz_out's input layout
 * It uses the project's own parsers, so the seeds are what the tool
 * would decode. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/netlink.h>

#include "event.h"
#include "nl_log.h"
#include "nl_trace.h"

static const char *out_dir;

static void die(const char *what)
{
	fprintf(stderr, "mkseeds: %s: %s\n", what, strerror(errno));
	exit(1);
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	struct stat st;
	char *buf;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "rb")) || fstat(fileno(f), &st) < 0)
		die(path);
	/* aligned for netlink headers, NUL-terminated for text */
	if (!(buf = aligned_alloc(8, ((size_t)st.st_size + 8) & ~(size_t)7)))
		die("malloc");
	if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		die(path);
	buf[st.st_size] = '\0';
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

static void __attribute__((format(printf, 4, 5)))
seed(const char *target, const void *a, size_t alen, const char *fmt, ...)
{
	char dir[4096], path[8192], name[256];
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	snprintf(dir, sizeof(dir), "%s/%s", out_dir, target);
	mkdir(out_dir, 0755);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "wb")) || fwrite(a, 1, alen, f) != alen ||
	    fclose(f) != 0)
		die(path);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

/* ---- decode: [0x80, l3len, l3, l4] or [0x00, l3 with l4] ---------- */

static void decode_seeds(const struct trace_event *ev, const char *name)
{
	uint8_t buf[2 + EV_HDR_MAX + 8];
	size_t n = ev->nethdr_len + ev->transhdr_len, cut;

	if (!(ev->has & EV_HAS_NETHDR))
		return;
	buf[0] = 0x80;
	buf[1] = (uint8_t)ev->nethdr_len;
	memcpy(buf + 2, ev->hdr, n);
	seed("decode", buf, 2 + n, "%s.split", name);
	buf[0] = 0;
	memcpy(buf + 1, ev->hdr, n);
	seed("decode", buf, 1 + n, "%s.whole", name);
	/* truncated headers; the stream's events are cut in the others */
	for (cut = 4; cut < n && !strstr(name, ".stream."); cut += 4)
		seed("decode", buf, 1 + cut, "%s.cut%zu", name, cut);
	if ((ev->hdr[0] >> 4) == 4 && n >= 20) {
		uint8_t v[1 + EV_HDR_MAX + 8] = { 0 };
		size_t ihl = (size_t)(ev->hdr[0] & 15) * 4;

		/* a later fragment: no transport header to decode */
		memcpy(v + 1, ev->hdr, n);
		v[1 + 6] = 0x20;
		v[1 + 7] = 0x10;
		seed("decode", v, 1 + n, "%s.frag", name);
		/* 4 bytes of options (NOP NOP NOP EOL) before L4 */
		if (ihl == 20 && n + 4 <= EV_HDR_MAX) {
			memcpy(v + 1, ev->hdr, 20);
			v[1] = 0x46;
			v[1 + 6] = v[1 + 7] = 0;
			memcpy(v + 21, "\x01\x01\x01\x00", 4);
			memcpy(v + 25, ev->hdr + 20, n - 20);
			seed("decode", v, 1 + n + 4, "%s.opts", name);
		}
	}
	if ((ev->hdr[0] >> 4) == 6 && n >= 40 && n + 8 <= EV_HDR_MAX) {
		uint8_t v[1 + EV_HDR_MAX + 8] = { 0 };

		/* hop-by-hop options header (PadN), then the original L4 */
		memcpy(v + 1, ev->hdr, 40);
		v[1 + 6] = 0;
		v[41] = ev->hdr[6];
		memcpy(v + 43, "\x01\x04\0\0\0\0", 6);
		memcpy(v + 49, ev->hdr + 40, n - 40);
		seed("decode", v, 1 + n + 8, "%s.hbh", name);
	}
}

/* ---- out: [opts, nev-1, quiet] events, strings -------------------- */

#define OUT_MAX 8

static void out_seed(const struct trace_event *evs, size_t n, const char *name)
{
	static const char tail[] =
		"veth0\0no route to 192.0.2.1\0"
		"filter\0-p tcp -m comment --comment \"a \\\"b\\\"\" -j ACCEPT\0ssh-in\0"
		"inet fx\0ip saddr 10.99.0.99 counter packets 0 bytes 0 drop\0\0"
		"nat\0-j DNAT --to-destination 10.99.2.2:80\0\0";
	static const uint8_t opts[] = { 0x00, 0x07, 0xa5, 0x68 };
	size_t len = 3 + n * sizeof(*evs) + sizeof(tail), i;
	uint8_t *buf = malloc(len);

	if (!buf)
		die("malloc");
	memcpy(buf + 3, evs, n * sizeof(*evs));
	memcpy(buf + 3 + n * sizeof(*evs), tail, sizeof(tail));
	buf[1] = (uint8_t)(n - 1);
	buf[2] = 100;
	for (i = 0; i < sizeof(opts); i++) {
		buf[0] = opts[i];
		seed("out", buf, len, "%s.o%02x", name, opts[i]);
	}
	free(buf);
}

struct blocks {
	struct trace_event evs[OUT_MAX];
	size_t n, count;
};

static void out_seed_numbered(struct blocks *b)
{
	char name[32];

	if (!b->n)
		return;
	snprintf(name, sizeof(name), "stream%zu", b->count++);
	out_seed(b->evs, b->n, name);
	b->n = 0;
}

/* ---- per fixture --------------------------------------------------- */

static void nft_message(const struct nlmsghdr *nlh, const char *name,
			struct blocks *blocks)
{
	struct trace_event ev;

	seed("nl_trace", nlh, nlh->nlmsg_len, "%s", name);
	if (nl_trace_parse(nlh, &ev) < 0)
		return;
	decode_seeds(&ev, name);
	if (blocks) {
		if (blocks->n && (blocks->evs[0].id != ev.id || blocks->n == OUT_MAX))
			out_seed_numbered(blocks);
		blocks->evs[blocks->n++] = ev;
	} else {
		out_seed(&ev, 1, name);
	}
}

static void do_stream(const char *buf, size_t len, const char *name)
{
	struct blocks blocks = { .n = 0 };
	char many[8192] __attribute__((aligned(8)));
	size_t off = 0, nmany = 0, i = 0;

	while (off + 4 <= len) {
		uint32_t mlen;
		struct nlmsghdr *msg;
		char sub[300];

		memcpy(&mlen, buf + off, 4);
		off += 4;
		if (mlen < sizeof(*msg) || off + mlen > len)
			break;
		if (!(msg = aligned_alloc(8, (mlen + 7) & ~7u)))
			die("malloc");
		memcpy(msg, buf + off, mlen);
		snprintf(sub, sizeof(sub), "%s.%03zu", name, i++);
		nft_message(msg, sub, &blocks);
		if (nmany + NLMSG_ALIGN(mlen) <= sizeof(many) && i <= 12) {
			memset(many + nmany, 0, NLMSG_ALIGN(mlen));
			memcpy(many + nmany, msg, mlen);
			nmany += NLMSG_ALIGN(mlen);
		}
		free(msg);
		off += mlen;
	}
	out_seed_numbered(&blocks);
	seed("nl_trace", many, nmany, "%s.many", name);
}

int main(int argc, char **argv)
{
	char all_log[4096] __attribute__((aligned(8)));
	struct trace_event xt[4];
	size_t nall = 0, nxt = 0;
	struct dirent **names;
	int n, i;

	if (argc != 3) {
		fprintf(stderr, "usage: mkseeds FIXTURES_DIR OUT_DIR\n");
		return 2;
	}
	out_dir = argv[2];
	n = scandir(argv[1], &names, NULL, alphasort);
	if (n < 0)
		die(argv[1]);
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		struct trace_event ev;
		size_t len;
		char *buf;

		if (!strncmp(name, "nft-list-", 9) && ends_with(name, ".txt")) {
			/* nft_text: a control byte, then the listing */
			buf = slurp(argv[1], name, &len);
			{
				char *s = malloc(len + 1);

				if (!s)
					die("malloc");
				s[0] = 1;
				memcpy(s + 1, buf, len);
				seed("nft_text", s, len + 1, "%s", name);
				free(s);
			}
			free(buf);
			free(names[i]);
			continue;
		}
		if (name[0] == '.' || !(ends_with(name, ".nlmsg") ||
		    ends_with(name, ".stream") || ends_with(name, ".bin") ||
		    ends_with(name, ".save"))) {
			free(names[i]);
			continue;
		}
		buf = slurp(argv[1], name, &len);
		if (ends_with(name, ".nlmsg")) {
			nft_message((const struct nlmsghdr *)buf, name, NULL);
		} else if (ends_with(name, ".stream")) {
			do_stream(buf, len, name);
		} else if (ends_with(name, ".bin")) {
			seed("nl_log", buf, len, "%s", name);
			if (nall + NLMSG_ALIGN(len) <= sizeof(all_log)) {
				memset(all_log + nall, 0, NLMSG_ALIGN(len));
				memcpy(all_log + nall, buf, len);
				nall += NLMSG_ALIGN(len);
			}
			if (nl_log_parse((const struct nlmsghdr *)buf, &ev) == 0) {
				ev.ts.tv_sec = ev.ts.tv_nsec = 0;
				decode_seeds(&ev, name);
				out_seed(&ev, 1, name);
				if (nxt < 4)
					xt[nxt++] = ev;
			}
		} else {
			char *s = malloc(len + 1);

			if (!s)
				die("malloc");
			s[0] = strstr(name, "ip6") ? '6' : '4';
			memcpy(s + 1, buf, len);
			seed("rules_xt", s, len + 1, "%s", name);
			free(s);
		}
		free(buf);
		free(names[i]);
	}
	free(names);
	if (nall)
		seed("nl_log", all_log, nall, "all.bin");
	if (nxt)
		out_seed(xt, nxt, "nflog-all");
	return 0;
}
