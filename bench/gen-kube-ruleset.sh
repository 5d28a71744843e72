#!/bin/sh
# Print a ruleset shaped like a Kubernetes node's kube-proxy (iptables mode)
# in iptables-save format, for iptables-nft-restore.
#
#   sh bench/gen-kube-ruleset.sh [SERVICES]      (default 2000)
#
# Per service: one KUBE-SERVICES rule (cluster IP 10.96.x.y), a KUBE-SVC
# chain with a KUBE-MARK-MASQ rule and one statistic rule per endpoint (1-3),
# and per endpoint a KUBE-SEP chain (hairpin KUBE-MARK-MASQ + DNAT). Every
# 20th service also has a NodePort (KUBE-NODEPORTS -> KUBE-EXT chain), and a
# few services have no endpoints (filter KUBE-SERVICES REJECT). 2000
# services give about 16,500 rules in 6,100 chains.
#
# The traced service is fixed so that bench.sh knows where to send:
#   bench/target:dns  10.96.255.250 udp 5353, 3 endpoints 10.244.255.2-4:5353
# Its KUBE-SERVICES rule is the fifth from the end of the chain, so a
# packet to it is compared against every other service rule first.
# The mangle table adds a matching non-terminal rule with a comment and a
# jump chain, as CNI plugins do, so each packet reports more steps.
set -eu

N=${1:-2000}

awk -v N="$N" '
function rnd() {			# deterministic LCG
	seed = (seed * 16807) % 2147483647	# Park-Miller: exact in doubles
	return seed
}
function hash16(   s, i) {		# kube-style base32 chain suffix
	s = ""
	for (i = 0; i < 16; i++)
		s = s substr(B32, int(rnd() / 65536) % 32 + 1, 1)
	return s
}
function service(i, ns, name, port, proto, vip, neps, nodeport,   svc, sep, e, ep, c, left) {
	svc = "KUBE-SVC-" hash16()
	c = ns "/" name ":" port
	nchains++; chains[nchains] = svc
	nsvc++
	if (neps == 0) {
		frej[++nrej] = sprintf("-A KUBE-SERVICES -d %s/32 -p %s -m comment --comment \"%s has no endpoints\" -m %s --dport %d -j REJECT --reject-with icmp-port-unreachable", vip, proto, c, proto, port)
		return
	}
	svcrule[nsvc] = sprintf("-A KUBE-SERVICES -d %s/32 -p %s -m comment --comment \"%s cluster IP\" -m %s --dport %d -j %s", vip, proto, c, proto, port, svc)
	bl[++nb] = sprintf("-A %s ! -s 10.244.0.0/16 -d %s/32 -p %s -m comment --comment \"%s cluster IP\" -m %s --dport %d -j KUBE-MARK-MASQ", svc, vip, proto, c, proto, port)
	for (e = 0; e < neps; e++) {
		sep = "KUBE-SEP-" hash16()
		nchains++; chains[nchains] = sep
		if (i < 0)
			ep = sprintf("10.244.255.%d", e + 2)
		else
			ep = sprintf("10.244.%d.%d", int(i / 250) + 1, i % 250 + 2 + e)
		left = neps - e
		if (left > 1)
			bl[++nb] = sprintf("-A %s -m comment --comment \"%s -> %s:%d\" -m statistic --mode random --probability %.11f -j %s", svc, c, ep, port, 1.0 / left, sep)
		else
			bl[++nb] = sprintf("-A %s -m comment --comment \"%s -> %s:%d\" -j %s", svc, c, ep, port, sep)
		bl[++nb] = sprintf("-A %s -s %s/32 -m comment --comment \"%s\" -j KUBE-MARK-MASQ", sep, ep, c)
		bl[++nb] = sprintf("-A %s -p %s -m comment --comment \"%s\" -m %s -j DNAT --to-destination %s:%d", sep, proto, c, proto, ep, port)
	}
	if (nodeport) {
		ext = "KUBE-EXT-" hash16()
		nchains++; chains[nchains] = ext
		np[++nnp] = sprintf("-A KUBE-NODEPORTS -p %s -m comment --comment \"%s\" -m %s --dport %d -j %s", proto, c, proto, nodeport, ext)
		bl[++nb] = sprintf("-A %s -m comment --comment \"masquerade traffic for %s external destinations\" -j KUBE-MARK-MASQ", ext, c)
		bl[++nb] = sprintf("-A %s -j %s", ext, svc)
	}
}
BEGIN {
	B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	seed = 42
	split("80 443 8080 9090 53 5432 6379 3000 8443 9100", ports, " ")
	split("default kube-system monitoring payments shop auth search logging", nss, " ")
	nrej = 0; nnp = 0; nsvc = 0; nchains = 0
	# near the end, where a long chain makes it cost most; first in a
	# small one (N - 5 would be no service at all, and no DNAT)
	target_at = N > 5 ? N - 5 : 0
	for (i = 0; i < N; i++) {
		if (i == target_at)
			service(-1, "bench", "target", 5353, "udp", "10.96.255.250", 3, 0)
		port = ports[i % 10 + 1] + 0
		proto = (port == 53 || i % 17 == 0) ? "udp" : "tcp"
		vip = sprintf("10.96.%d.%d", int(i / 250), i % 250 + 1)
		neps = (i % 97 == 13) ? 0 : (i % 3) + 1
		service(i, nss[i % 8 + 1], sprintf("svc-%04d", i), port, proto, vip, neps, (i % 20 == 7) ? 30000 + i : 0)
	}

	print "*mangle"
	print ":PREROUTING ACCEPT [0:0]"
	print ":INPUT ACCEPT [0:0]"
	print ":FORWARD ACCEPT [0:0]"
	print ":OUTPUT ACCEPT [0:0]"
	print ":POSTROUTING ACCEPT [0:0]"
	print ":KUBE-IPTABLES-HINT - [0:0]"
	print ":KUBE-KUBELET-CANARY - [0:0]"
	print ":KUBE-PROXY-CANARY - [0:0]"
	print ":CNI-PREROUTING - [0:0]"
	print "-A PREROUTING -m comment --comment \"cni: pod and service traffic\" -j CNI-PREROUTING"
	print "-A CNI-PREROUTING -d 10.96.0.0/12 -m comment --comment \"cni: count service traffic\""
	print "-A CNI-PREROUTING -s 10.244.0.0/16 -m comment --comment \"cni: pod source\" -j MARK --set-xmark 0x10000/0x10000"
	print "COMMIT"

	print "*filter"
	print ":INPUT ACCEPT [0:0]"
	print ":FORWARD ACCEPT [0:0]"
	print ":OUTPUT ACCEPT [0:0]"
	print ":KUBE-EXTERNAL-SERVICES - [0:0]"
	print ":KUBE-FIREWALL - [0:0]"
	print ":KUBE-FORWARD - [0:0]"
	print ":KUBE-KUBELET-CANARY - [0:0]"
	print ":KUBE-NODEPORTS - [0:0]"
	print ":KUBE-PROXY-CANARY - [0:0]"
	print ":KUBE-PROXY-FIREWALL - [0:0]"
	print ":KUBE-SERVICES - [0:0]"
	print "-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL"
	print "-A INPUT -m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS"
	print "-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES"
	print "-A INPUT -j KUBE-FIREWALL"
	print "-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL"
	print "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD"
	print "-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"
	print "-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES"
	print "-A OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL"
	print "-A OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"
	print "-A OUTPUT -j KUBE-FIREWALL"
	print "-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment \"block incoming localnet connections\" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP"
	print "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP"
	print "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT"
	print "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"
	for (i = 1; i <= nrej; i++)
		print frej[i]
	print "COMMIT"

	print "*nat"
	print ":PREROUTING ACCEPT [0:0]"
	print ":INPUT ACCEPT [0:0]"
	print ":OUTPUT ACCEPT [0:0]"
	print ":POSTROUTING ACCEPT [0:0]"
	print ":KUBE-MARK-MASQ - [0:0]"
	print ":KUBE-NODEPORTS - [0:0]"
	print ":KUBE-POSTROUTING - [0:0]"
	print ":KUBE-SERVICES - [0:0]"
	for (i = 1; i <= nchains; i++)
		print ":" chains[i] " - [0:0]"
	print "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"
	print "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"
	print "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING"
	print "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000"
	print "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN"
	print "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0"
	print "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully"
	for (i = 1; i <= nnp; i++)
		print np[i]
	for (i = 1; i <= nsvc; i++)
		if (i in svcrule)
			print svcrule[i]
	print "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS"
	for (i = 1; i <= nb; i++)
		print bl[i]
	print "COMMIT"
}'
