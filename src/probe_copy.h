/* A throwaway copy of the traced network namespace, for --probe: the
 * kernel itself judges a synthetic packet there, with the same
 * interfaces, addresses, routes, policy rules, path sysctls, ipsets and
 * rulesets. The copy and its "wire" (the namespace holding the veth
 * peers) are anonymous namespaces held only by our descriptors, so they
 * vanish when the process ends, even on kill -9. Nothing is created or
 * changed in the traced namespace: it is only read. */
#ifndef IPTT_PROBE_COPY_H
#define IPTT_PROBE_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>

struct probe_iface {
	char name[IFNAMSIZ];		/* same name as in the traced namespace */
	int ifindex;			/* in the copy */
	unsigned char mac[6];		/* the copy interface's MAC */
	int wire_ifindex;		/* its veth peer, inside the wire namespace;
					 * 0 for lo and bridges, which have none */
	unsigned char wire_mac[6];
	bool up;
	/* The source's interface had a carrier (or was down): the wire's
	 * end is up. Without one (a veth whose peer is down) the wire's end
	 * stays down, so that the copy has no carrier either. */
	bool carrier;
	/* A port of a bridge in the copy: a frame that is not IP goes to
	 * the bridge, not to a socket bound to the port. */
	bool port;
};

struct probe_copy {
	int copy_fd;			/* O_RDONLY fd of /proc/self/ns/net of the copy */
	int wire_fd;			/* netns fd holding the veth peers (the "wire") */
	struct probe_iface *ifaces;
	size_t n_ifaces;
	/* for the opening line: "probe in a copy of namespace NAME: 3 tables,
	 * 41 chains, 212 rules, 2 ipsets, 4 interfaces, 9 routes" */
	unsigned int tables, chains, rules, ipsets, interfaces, routes;
	/* One line each, "note: ..." without a newline: what the copy
	 * cannot reproduce. Names from the namespace are in them as they
	 * are: print them with fput_visible(). */
	char **notes;
	size_t n_notes;
};

/* --ruleset FILE, repeatable: loaded into the copy instead of the live
 * ruleset of its kind (see probe_rsfile.h for how the kind is told). */
struct probe_ruleset_file {
	const char *path;
};

/* Called while the process is in the traced namespace (main.c's
 * netns_enter already ran). Builds the copy and the wire and returns
 * with the process still in the traced namespace. Returns 0, or -1
 * with a one-line message in err (what is wrong and what to do). */
int probe_copy_make(const struct probe_ruleset_file *files, size_t n_files,
		    struct probe_copy *pc, char *err, size_t errlen);

/* Deletes nothing in the traced namespace (nothing was created there);
 * closes the fds, which makes both anonymous namespaces disappear. */
void probe_copy_free(struct probe_copy *pc);

/* Flush the copy's conntrack table (each probe starts from an empty
 * one). Returns 0, or -1 with errno set. */
int probe_copy_ct_flush(const struct probe_copy *pc);

/* The interface of that name in the copy, or NULL. */
const struct probe_iface *probe_copy_iface(const struct probe_copy *pc,
					   const char *name);

#endif
