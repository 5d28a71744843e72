/* Neighbour entries (ARP, NDP) for the probe copy. A packet the copy
 * forwards or sends leaves through the wire only once its next hop's
 * link address is known; with the source's entries copied it leaves at
 * once, as in the source, instead of waiting for an answer that no one
 * in the wire gives. A known address is copied as STALE (usable now, and
 * the kernel's own to age), a permanent or noarp one as it is; entries
 * still being resolved, or failed, are not copied. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "probe_int.h"

static uint16_t copied_state(uint16_t state)
{
	if (state & (NUD_PERMANENT | NUD_NOARP))
		return state & (NUD_PERMANENT | NUD_NOARP);
	if (state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE))
		return NUD_STALE;
	return 0;
}

static int copy_neigh(struct probe_ctx *c, const struct nlmsghdr *src)
{
	const struct ndmsg *snd = mnl_nlmsg_get_payload(src);
	char buf[512] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	const struct nlattr *a, *dst = NULL, *lladdr = NULL;
	struct ndmsg *nd;
	int ifindex = probe_map_ifindex(c, snd->ndm_ifindex);
	uint16_t state = copied_state(snd->ndm_state);

	if (!ifindex || !state || (snd->ndm_flags & NTF_PROXY))
		return 0;
	mnl_attr_for_each(a, src, sizeof(*snd)) {
		if (mnl_attr_get_type(a) == NDA_DST)
			dst = a;
		else if (mnl_attr_get_type(a) == NDA_LLADDR)
			lladdr = a;
	}
	if (!dst || !lladdr || mnl_attr_get_payload_len(dst) > 16 ||
	    mnl_attr_get_payload_len(lladdr) > 32)
		return 0;
	nlh->nlmsg_type = RTM_NEWNEIGH;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = snd->ndm_family;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = state;
	nd->ndm_flags = snd->ndm_flags & NTF_ROUTER;
	nd->ndm_type = snd->ndm_type;
	mnl_attr_put(nlh, NDA_DST, mnl_attr_get_payload_len(dst), mnl_attr_get_payload(dst));
	mnl_attr_put(nlh, NDA_LLADDR, mnl_attr_get_payload_len(lladdr),
		     mnl_attr_get_payload(lladdr));
	if (pnl_talk(&c->copy, nlh) == 0)
		return 0;
	/* the copy is still right without it: it will ask, as the source did */
	return probe_note(c, "a neighbour entry is not in the copy: %s", strerror(errno));
}

int probe_neigh_copy(struct probe_ctx *c)
{
	static const unsigned char families[] = { AF_INET, AF_INET6 };
	size_t f, i;
	int ret = 0;

	for (f = 0; f < sizeof(families) && ret == 0; f++) {
		struct ndmsg hdr = { .ndm_family = families[f] };
		struct pnl_msgs m;

		if (pnl_dump(&c->src, RTM_GETNEIGH, &hdr, sizeof(hdr), &m) < 0)
			return probe_fail(c, "probe: cannot list the neighbour entries: %s",
					  strerror(errno));
		for (i = 0; i < m.n && ret == 0; i++)
			if (m.m[i]->nlmsg_type == RTM_NEWNEIGH)
				ret = copy_neigh(c, m.m[i]);
		pnl_msgs_free(&m);
	}
	return ret;
}
