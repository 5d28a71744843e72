#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include "xt_tables.h"

#define H(h) (1u << (h))

const struct xt_table xt_tables[XT_N_TABLES] = {
	{ "raw", H(HOOK_PREROUTING) | H(HOOK_OUTPUT) },
	{ "mangle", H(HOOK_PREROUTING) | H(HOOK_INPUT) | H(HOOK_FORWARD) |
		    H(HOOK_OUTPUT) | H(HOOK_POSTROUTING) },
	{ "nat", H(HOOK_PREROUTING) | H(HOOK_INPUT) | H(HOOK_OUTPUT) |
		 H(HOOK_POSTROUTING) },
	{ "filter", H(HOOK_INPUT) | H(HOOK_FORWARD) | H(HOOK_OUTPUT) },
	{ "security", H(HOOK_INPUT) | H(HOOK_FORWARD) | H(HOOK_OUTPUT) },
};

static const int32_t prio[XT_N_TABLES] = { -300, -150, -100, 0, 50 };

const struct xt_table *xt_table_find(const char *name)
{
	size_t i;

	for (i = 0; i < XT_N_TABLES; i++)
		if (!strcmp(name, xt_tables[i].name))
			return &xt_tables[i];
	return NULL;
}

int32_t xt_table_prio(const struct xt_table *t, enum hook hook)
{
	if (!strcmp(t->name, "nat") &&
	    (hook == HOOK_INPUT || hook == HOOK_POSTROUTING))
		return 100;
	return prio[t - xt_tables];
}

bool xt_builtin_chain(const char *table, const char *name, enum hook hook,
		      int32_t prio)
{
	const struct xt_table *t = xt_table_find(table);
	const char *h = hook_name(hook), *n = name;

	if (hook < HOOK_PREROUTING || hook > HOOK_POSTROUTING)
		return false;
	/* its name is the hook's, in capitals: "FORWARD", not "forward" */
	for (; *h && *n == toupper((unsigned char)*h); h++, n++)
		;
	if (*h || *n)
		return false;
	return t && (t->hooks & 1u << hook) && prio == xt_table_prio(t, hook);
}

const char *xt_tool_name(enum xt_flavour flavour, bool v6, enum xt_tool tool)
{
	static const char *const names[2][2][3] = {
		[XT_LEGACY] = {
			{ "iptables-legacy", "iptables-legacy-save", "iptables-legacy-restore" },
			{ "ip6tables-legacy", "ip6tables-legacy-save", "ip6tables-legacy-restore" },
		},
		[XT_NFT] = {
			{ "iptables-nft", "iptables-nft-save", "iptables-nft-restore" },
			{ "ip6tables-nft", "ip6tables-nft-save", "ip6tables-nft-restore" },
		},
	};

	return names[flavour][v6][tool];
}

const char *xt_names_path(bool v6)
{
	return v6 ? "/proc/net/ip6_tables_names" : "/proc/net/ip_tables_names";
}

int xt_get_info(int sock, bool v6, const char *table, struct ipt_getinfo *info)
{
	socklen_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (strlen(table) >= sizeof(info->name)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(info->name, table, strlen(table));
	return getsockopt(sock, v6 ? SOL_IPV6 : SOL_IP,
			  v6 ? IP6T_SO_GET_INFO : IPT_SO_GET_INFO, info, &len);
}

int xt_get_entries(int sock, bool v6, const char *table, unsigned int size,
		   struct ipt_get_entries *ge)
{
	socklen_t len = (socklen_t)(sizeof(*ge) + size);

	memset(ge, 0, sizeof(*ge) + size);
	if (strlen(table) >= sizeof(ge->name)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(ge->name, table, strlen(table));
	ge->size = size;
	return getsockopt(sock, v6 ? SOL_IPV6 : SOL_IP,
			  v6 ? IP6T_SO_GET_ENTRIES : IPT_SO_GET_ENTRIES, ge, &len);
}
