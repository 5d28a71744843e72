#!/usr/bin/env bats
# Fidelity against real rulesets nobody here wrote: the shapes ufw,
# dockerd, kube-proxy, firewalld, the nftables examples, fail2ban and
# libvirt generate (tests/fixtures/rulesets/, adapted to the lab's
# interfaces and addresses), loaded into the router. For every packet
# the tool prints (-v, so that each block carries its trace id and each
# step its handle):
#   - each step's text and position equal what iptables-save (of the
#     right flavour) or `nft -s list chain` print for that position
#     (p2_check_all);
#   - each nf_tables step's position is the position of its handle in
#     `nft -a list chain`;
#   - the steps equal, in order, what `nft monitor trace` run beside the
#     tool prints for the same trace id: (table, chain, handle, verdict)
#     for rules, (table, chain, verdict) for policies. nft monitor does
#     not print the end-of-chain "continue" events, nor our own table.
# A check that compares nothing fails.

load lib
load legacy_lib

setup_file() { p2_setup_file; }
teardown_file() { p2_teardown_file; }
setup() { lab_setup; }
teardown() { lab_teardown; }

RS=$IPTT_ROOT/tests/fixtures/rulesets

# ---------------------------------------------------------------- tracing

# fid_start ARGS...: `nft -a monitor trace` in the router, then the tool
# with -v and ARGS.
fid_start() {
	MON_OUT=$BATS_TEST_TMPDIR/monitor.out
	ip netns exec "$RTR" nft -a monitor trace >"$MON_OUT" 2>&1 3>&- &
	MON_PID=$!
	lab_track $MON_PID
	p2_start -v "$@"
}

# fid_stop: stop the tool (clean exit, clean stderr), give nft monitor
# time to print the last events, stop it.
fid_stop() {
	p2_stop || return 1
	sleep 0.3
	kill -TERM "$MON_PID" 2>/dev/null || true
	wait "$MON_PID" 2>/dev/null || true
	[ -z "${P2_SHOW:-}" ] || sed 's/^/# mon: /' "$MON_OUT" >&3
}

# The tool's -v output without what -v adds: the trace id after the
# header, "[handle H verdict V]" after the steps, the lines for rules
# that did not match and the "packet now:" lines. What remains is the
# plain output, which p2_check_all reads.
fid_plain() {
	sed -E -e 's/ \[trace id [0-9a-f]{8}\]$//' \
		-e 's/ \[handle [0-9]+ verdict -?[0-9]+\]$//' \
		-e '/^  [^ ].* \(#[0-9]+(-#[0-9]+)? did not match\)$/d' \
		-e '/^  packet now: /d' "$IPTT_OUT"
}

# nft_rule (legacy_lib) for listings with anonymous chains: `nft list`
# prints a rule with a bound chain (jump { ... }) over several lines,
# the tool on one, its rules joined by "; " as nft accepts them back.
# The bound chain's own rules (chain __chainN, which nft cannot list by
# name) are the lines inside the rule that jumped to it, found through
# FID_ANON (chain -> "parent-chain position", from the tool's steps).
declare -A FID_ANON=()
nft_rule() {
	local fam=$1 table=$2 chain=$3 n=$4 parent= inner=0
	if [[ $chain == __chain* ]]; then
		[ -n "${FID_ANON[$chain]:-}" ] || return 1
		parent=${FID_ANON[$chain]}
		chain=${parent% *} inner=$n n=${parent#* }
	fi
	ip netns exec "$RTR" nft -s list chain "$fam" "$table" "$chain" 2>/dev/null |
		awk -v n="$n" -v inner="$inner" '
		/^\t\t[^\t]/ && !/^\t\ttype / && !/^\t\t}$/ {
			if (k == n) exit
			sub(/^\t\t/, ""); k++; cur = $0; nin = 0; next
		}
		/^\t\t\t/ && k == n {
			sub(/^\t\t\t/, ""); nin++
			if (inner == nin) { print; found = 1; exit }
			cur = cur (nin == 1 ? " " : "; ") $0; next
		}
		/^\t\t}$/ && k == n && nin { cur = cur " }" }
		END {
			if (!found && !inner && k == n) { print cur; found = 1 }
			exit !found
		}'
}

# fid_text_check TABLE=WHERE...: p2_check_all on the plain output; at
# least one step compared.
fid_text_check() {
	local verbose=$IPTT_OUT
	fid_plain >"$BATS_TEST_TMPDIR/plain.out"
	local l re='^  inet [^ ]+ ([^ ]+) \(#([0-9]+)\) .* => (jump|goto) (__chain[0-9]+)$'
	while IFS= read -r l; do
		[[ $l =~ $re ]] &&
			FID_ANON[${BASH_REMATCH[4]}]="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
	done <"$BATS_TEST_TMPDIR/plain.out"
	IPTT_OUT=$BATS_TEST_TMPDIR/plain.out
	p2_check_all 4 "$@" || { IPTT_OUT=$verbose; return 1; }
	IPTT_OUT=$verbose
	if [ "$P2_CHECKED" -lt 1 ]; then
		echo "# no step was compared with the rulesets' own listing" >&3
		return 1
	fi
	FID_TEXT=$P2_CHECKED
}

_verdict_name() {	# CODE [TARGET]
	case $1 in
	0) echo drop ;; 1) echo accept ;; 2) echo stolen ;; 3) echo queue ;;
	-1) echo continue ;; -2) echo break ;; -3) echo "jump $2" ;;
	-4) echo "goto $2" ;; -5) echo return ;; *) echo "verdict $1" ;;
	esac
}

# The kernel's trace id is a hash of the packet's buffer and flow: two
# packets of one connection can share it. A packet is therefore named
# ID.N, N counting the packets with that id: in the tool's output the
# blocks, in nft monitor's the "packet:" lines of our own table (each
# packet crosses it once, at prerouting or at output).
#
# The tool's steps, one line per step: "ID FAMILY TABLE CHAIN rule
# HANDLE VERDICT" or "ID FAMILY TABLE CHAIN policy VERDICT" (tables
# printed without a family are ip tables: these are IPv4 packets).
# Also checks each rule step's position against its handle in
# `nft -a list chain` and counts them in FID_POS.
tool_steps() {
	local b line id fam table chain pos rest verdict handle code target h
	local -A seen=()
	FID_POS=0
	: >"$BATS_TEST_TMPDIR/tool.steps"
	while IFS= read -r -d '' b; do
		line=${b%%$'\n'*}
		[[ $line =~ \[trace\ id\ ([0-9a-f]{8})\]$ ]] || {
			echo "# block without a trace id: $line" >&3
			return 1
		}
		seen[${BASH_REMATCH[1]}]=$((${seen[${BASH_REMATCH[1]}]:-0} + 1))
		id=${BASH_REMATCH[1]}.${seen[${BASH_REMATCH[1]}]}
		while IFS= read -r line; do
			fam=ip
			if [[ $line =~ ^\ \ (inet|ip|ip6|bridge|netdev|arp)\ (.*)$ ]]; then
				fam=${BASH_REMATCH[1]} line="  ${BASH_REMATCH[2]}"
			fi
			if [[ $line =~ ^\ \ ([^ ]+)\ ([^ ]+)\ \(#([0-9]+)\)\ .*\ =\>\ ([^[]*)\ \[handle\ ([0-9]+)\ verdict\ (-?[0-9]+)\]$ ]]; then
				table=${BASH_REMATCH[1]} chain=${BASH_REMATCH[2]}
				pos=${BASH_REMATCH[3]} verdict=${BASH_REMATCH[4]}
				handle=${BASH_REMATCH[5]} code=${BASH_REMATCH[6]}
				target=
				[[ $verdict =~ ^(jump|goto)\ (.*)$ ]] && target=${BASH_REMATCH[2]}
				echo "$id $fam $table $chain rule $handle $(_verdict_name "$code" "$target")"
				case $chain in __chain*) continue ;; esac	# anonymous: no listing of its own
				h=$(nft_handle "$RTR" "$fam" "$table" "$chain" "$pos" 2>/dev/null)
				if [ "$h" != "$handle" ]; then
					echo "# $fam $table $chain: position #$pos is handle '${h}' in nft -a list, the tool printed handle $handle" >&3
					return 1
				fi
				FID_POS=$((FID_POS + 1))
			elif [[ $line =~ ^\ \ ([^ ]+)\ ([^ ]+)\ (ACCEPT|DROP)$ ]]; then
				echo "$id $fam ${BASH_REMATCH[1]} ${BASH_REMATCH[2]} policy ${BASH_REMATCH[3],,}"
			fi
		done <<<"$b"
	done < <(_blocks) >>"$BATS_TEST_TMPDIR/tool.steps"
}

# nft monitor's steps in the same shape, our own table left out.
monitor_steps() {
	awk '
		$1 != "trace" || $2 != "id" { next }
		$4 == "inet" && $5 ~ /^iptables-trace-[0-9]+$/ {
			if ($7 == "packet:") n[$3]++
			next
		}
		{ $3 = $3 "." n[$3] }
		$7 == "rule" {
			if (match($0, / # handle [0-9]+ \(verdict [^)]*\)$/)) {
				s = substr($0, RSTART)
				sub(/^ # handle /, "", s); h = s; sub(/ .*/, "", h)
				v = s; sub(/^[0-9]+ \(verdict /, "", v); sub(/\)$/, "", v)
				print $3, $4, $5, $6, "rule", h, v
			} else
				print $3, $4, $5, $6, "rule ?", $0
			next
		}
		# the rules of bound chains: nft monitor finds no text for them
		$7 == "unknown" && $8 == "rule" && $9 == "handle" {
			v = $0; sub(/.*\(verdict /, "", v); sub(/\)$/, "", v)
			print $3, $4, $5, $6, "rule", $10, v
			next
		}
		$7 == "policy" { print $3, $4, $5, $6, "policy", $8; next }
		$7 == "packet:" { next }
		{ print $3, $4, $5, $6, "other", $0 }
	' <(awk '	# a rule with a bound chain spans several lines: join them
		/^trace id / { if (NR > 1) print buf; buf = $0; next }
		{ buf = buf " " $0 }
		END { if (NR) print buf }' "$MON_OUT") >"$BATS_TEST_TMPDIR/monitor.steps"
}

# fid_compare: per trace id, the tool's steps equal nft monitor's, and
# both saw the same packets. Sets FID_STEPS (steps compared).
fid_compare() {
	tool_steps || return 1
	monitor_steps
	local ids id t m bad=
	ids=$(cut -d' ' -f1 "$BATS_TEST_TMPDIR/tool.steps" "$BATS_TEST_TMPDIR/monitor.steps" | sort -u)
	FID_STEPS=0
	for id in $ids; do
		t=$(grep "^$id " "$BATS_TEST_TMPDIR/tool.steps" || true)
		m=$(grep "^$id " "$BATS_TEST_TMPDIR/monitor.steps" || true)
		if [ "$t" != "$m" ]; then
			{
				echo "# trace id $id: the tool's steps differ from nft monitor trace's:"
				diff <(printf '%s\n' "$t") <(printf '%s\n' "$m") | sed 's/^/#   /'
			} >&3
			bad=1
		fi
		[ -n "$t" ] && FID_STEPS=$((FID_STEPS + $(grep -c . <<<"$t")))
	done
	local tb mb
	tb=$(grep -c 'trace id' "$IPTT_OUT" || true)
	mb=$(grep -cE '^trace id [0-9a-f]{8} inet iptables-trace-[0-9]+ [a-z]+ packet: ' "$MON_OUT" || true)
	if [ "$tb" -ne "$mb" ]; then
		echo "# the tool printed $tb packets, nft monitor trace saw $mb" >&3
		bad=1
	fi
	if [ -n "$bad" ]; then
		{ echo "# tool output:"; sed 's/^/#   /' "$IPTT_OUT"
		  echo "# nft monitor trace:"; sed 's/^/#   /' "$MON_OUT"; } >&3
		return 1
	fi
	if [ "$FID_STEPS" -lt 1 ] || [ "$FID_POS" -lt 1 ]; then
		echo "# nothing compared: $FID_STEPS steps, $FID_POS positions" >&3
		return 1
	fi
}

# load_rules FLAVOUR FILE: an iptables-save file into the router.
load_rules() { grep -v '^#' "$RS/$2" | ip netns exec "$RTR" "iptables-$1-restore"; }

# ---------------------------------------------------------------- tests

@test "dockerd (iptables-nft): published port DNAT, isolation jumps and returns, masquerade, policy drop" {
	load_rules nft docker.rules
	tcp_listen "$SRV" 80
	fid_start host $CLI_IP and tcp or icmp
	tcp_connect "$CLI" $RTR_IP1 8080 | grep -qx hello
	ping_ok "$SRV" $CLI_IP
	tcp_fails "$CLI" $SRV_IP 81
	fid_stop
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=TCP .*DPT=8080 .*SYN")
	assert_lines_re "$b" \
		"^  nat PREROUTING \(#1\) -m addrtype --dst-type LOCAL -j DOCKER => jump DOCKER " \
		"^  nat DOCKER \(#2\) .*-j DNAT --to-destination $SRV_IP:80 => ACCEPT " \
		"^  filter FORWARD \(#1\) -j DOCKER-USER => jump DOCKER-USER " \
		"^  filter DOCKER-USER \(#1\) -j RETURN => return " \
		"^  filter FORWARD \(#2\) -j DOCKER-ISOLATION-STAGE-1 => jump DOCKER-ISOLATION-STAGE-1 " \
		"^  filter DOCKER-ISOLATION-STAGE-1 \(#2\) -j RETURN => return " \
		"^  filter FORWARD \(#4\) -o r1 -j DOCKER => jump DOCKER " \
		"^  filter DOCKER \(#1\) .* => ACCEPT " \
		"^  => ACCEPT, forwarded out r1$"
	b=$(block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  filter DOCKER-ISOLATION-STAGE-1 \(#1\) .* => jump DOCKER-ISOLATION-STAGE-2 " \
		"^  filter DOCKER-ISOLATION-STAGE-2 \(#2\) -j RETURN => return " \
		"^  filter DOCKER-ISOLATION-STAGE-1 \(#2\) -j RETURN => return " \
		"^  filter FORWARD \(#5\) -i r1 ! -o r1 -j ACCEPT => ACCEPT " \
		"^  nat POSTROUTING \(#1\) -s 10.99.2.0/24 ! -o r1 -j MASQUERADE => ACCEPT " \
		"^  MASQUERADE by nat POSTROUTING \(#1\): $SRV_IP -> $RTR_IP1$"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=TCP .*DPT=81 .*SYN")
	assert_lines "$b" "filter FORWARD DROP" "=> DROP by policy of filter FORWARD"
	fid_text_check nat=nft filter=nft
	fid_compare
}

# ufw's INPUT path for the router's own addresses: an echo request
# accepted in ufw-before-input, ssh through ufw-not-local (addrtype
# RETURN) to ufw-user-input, port 23 through the limit/LOG rule of
# ufw-after-logging-input to INPUT's policy; a forwarded echo request
# accepted in ufw-before-forward.
ufw_traffic() {
	tcp_listen "$RTR" 22
	ping_ok "$CLI" $RTR_IP1
	tcp_connect "$CLI" $RTR_IP1 22 | grep -qx hello
	tcp_fails "$CLI" $RTR_IP1 23
	ping_ok "$CLI" $SRV_IP
}

ufw_asserts() {
	local L=${1:-}	# "legacy " where the tables are legacy
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  ${L}filter INPUT \(#2\) -j ufw-before-input => jump ufw-before-input" \
		"^  ${L}filter ufw-before-input \(#1-#7 did not match\)$" \
		"^  ${L}filter ufw-before-input \(#8\) -p icmp -m icmp --icmp-type 8 -j ACCEPT => ACCEPT" \
		"^  => ACCEPT, delivered locally$"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=TCP .*DPT=22 .*SYN")
	assert_lines_re "$b" \
		"^  ${L}filter ufw-before-input \(#10\) -j ufw-not-local => jump ufw-not-local" \
		"^  ${L}filter ufw-not-local \(#1\) -m addrtype --dst-type LOCAL -j RETURN => return" \
		"^  ${L}filter ufw-before-input \(#13\) -j ufw-user-input => jump ufw-user-input" \
		"^  ${L}filter ufw-user-input \(#1\) -p tcp -m tcp --dport 22 -j ACCEPT => ACCEPT" \
		"^  => ACCEPT, delivered locally$"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=TCP .*DPT=23 .*SYN")
	assert_lines_re "$b" \
		"^  ${L}filter INPUT \(#4\) -j ufw-after-logging-input => jump ufw-after-logging-input" \
		"^  ${L}filter ufw-after-logging-input \(#1\) -m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix \"\[UFW BLOCK\] \" => continue" \
		"^  ${L}filter INPUT DROP$" \
		"^  => DROP by policy of ${L}filter INPUT$"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  ${L}filter ufw-before-forward \(#5\) -p icmp -m icmp --icmp-type 8 -j ACCEPT => ACCEPT" \
		"^  => ACCEPT, forwarded out r1$"
}

@test "ufw (iptables-nft): before-input, not-local return, user-input, limit LOG, policy drop" {
	load_rules nft ufw.rules
	fid_start host $CLI_IP
	ufw_traffic
	fid_stop
	ufw_asserts
	fid_text_check filter=nft
	fid_compare
}

# Legacy tables report over NFLOG, not to nft monitor: here the steps
# are checked against iptables-legacy-save only.
@test "ufw (iptables-legacy): before-input, not-local return, user-input, limit LOG, policy drop" {
	load_rules legacy ufw.rules
	fid_start host $CLI_IP
	assert_backend nft+legacy
	ufw_traffic
	fid_stop
	ufw_asserts "legacy "
	fid_text_check filter=legacy
	[ "$FID_TEXT" -ge 10 ]
	# and nf_tables saw none of these steps
	! grep -E '^trace id [0-9a-f]+ ip filter ' "$MON_OUT"
}

@test "kube-proxy (iptables-nft): ClusterIP via SVC/SEP with statistic, MARK-MASQ, POSTROUTING masquerade, REJECT, RETURN" {
	load_rules nft kube-proxy.rules
	ip -n "$SRV" addr add 10.99.2.3/24 dev s0
	ip -n "$RTR" route add 10.96.0.0/16 dev r1
	tcp_listen "$SRV" 80
	fid_start host $CLI_IP and tcp or icmp
	tcp_connect "$CLI" 10.96.0.10 80 | grep -qx hello
	tcp_fails "$CLI" 10.96.0.20 80
	ping_ok "$CLI" $SRV_IP
	fid_stop
	local svc=KUBE-SVC-2CMXP7HKUVJN7L6M
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=10.96.0.10 .*PROTO=TCP .*DPT=80 .*SYN")
	assert_lines_re "$b" \
		"^  nat PREROUTING \(#1\) -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES => jump KUBE-SERVICES" \
		"^  nat KUBE-SERVICES \(#1\) -d 10.96.0.10/32 -p tcp -m comment --comment \"default/nginx:http cluster IP\" -m tcp --dport 80 -j $svc => jump $svc" \
		"^  nat $svc \(#1\) .* -j KUBE-MARK-MASQ => jump KUBE-MARK-MASQ" \
		"^  nat KUBE-MARK-MASQ \(#1\) -j MARK --set-xmark 0x4000/0x4000 => continue" \
		"^  nat $svc \(#[23]\) .* -j KUBE-SEP-[A-Z0-9]+ => jump KUBE-SEP-" \
		"^  nat KUBE-SEP-[A-Z0-9]+ \(#2\) .* -j DNAT --to-destination 10.99.2.[23]:80 => ACCEPT" \
		"^  filter KUBE-FORWARD \(#2\) .* -m mark --mark 0x4000/0x4000 -j ACCEPT => ACCEPT" \
		"^  nat KUBE-POSTROUTING \(#2\) -j MARK --set-xmark 0x4000/0x0 => continue" \
		"^  nat KUBE-POSTROUTING \(#3\) .* -j MASQUERADE --random-fully => ACCEPT" \
		"^  => ACCEPT, forwarded out r1$"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=10.96.0.20 .*PROTO=TCP .*DPT=80 .*SYN")
	assert_lines_re "$b" \
		"^  filter FORWARD \(#3\) .* -j KUBE-SERVICES => jump KUBE-SERVICES" \
		"^  => REJECT by filter KUBE-SERVICES \(#1\) .* -j REJECT --reject-with icmp-port-unreachable$"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  nat POSTROUTING \(#1\) .* -j KUBE-POSTROUTING => jump KUBE-POSTROUTING" \
		"^  nat KUBE-POSTROUTING \(#1\) -m mark ! --mark 0x4000/0x4000 -j RETURN => return" \
		"^  nat POSTROUTING ACCEPT$"
	fid_text_check nat=nft filter=nft
	fid_compare
}

@test "fail2ban and libvirt (iptables-nft): banned source rejected, RETURN, guest masquerade to ports, inbound REJECT" {
	load_rules nft fail2ban-libvirt.rules
	ip -n "$CLI" addr add 10.99.1.3/24 dev c0
	tcp_listen "$RTR" 22
	tcp_listen "$CLI" 5555
	fid_start net 10.99.1.0/24 and tcp
	tcp_connect "$CLI" $RTR_IP1 22 | grep -qx hello
	! ip netns exec "$CLI" timeout 5 socat -T1 - \
		TCP:$RTR_IP1:22,bind=10.99.1.3,connect-timeout=0.5 </dev/null 2>/dev/null
	tcp_connect "$SRV" $CLI_IP 5555 | grep -qx hello
	tcp_fails "$CLI" $SRV_IP 80
	fid_stop
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=TCP .*DPT=22 .*SYN")
	assert_lines_re "$b" \
		"^  filter INPUT \(#1\) -p tcp -m multiport --dports 22 -j f2b-sshd => jump f2b-sshd" \
		"^  filter f2b-sshd \(#2\) -j RETURN => return" \
		"^  filter INPUT \(#2\) -j LIBVIRT_INP => jump LIBVIRT_INP" \
		"^  filter INPUT ACCEPT$"
	b=$(block "^IN=r0 OUT= SRC=10.99.1.3 DST=$RTR_IP1 .*PROTO=TCP .*DPT=22 .*SYN")
	assert_lines_re "$b" \
		"^  => REJECT by filter f2b-sshd \(#1\) -s 10.99.1.3/32 -j REJECT --reject-with icmp-port-unreachable$"
	b=$(block "^IN=r1 OUT= SRC=$SRV_IP DST=$CLI_IP .*PROTO=TCP .*DPT=5555 .*SYN")
	assert_lines_re "$b" \
		"^  filter LIBVIRT_FWO \(#1\) -s 10.99.2.0/24 -i r1 -j ACCEPT => ACCEPT" \
		"^  nat LIBVIRT_PRT \(#3\) -s 10.99.2.0/24 ! -d 10.99.2.0/24 -p tcp -j MASQUERADE --to-ports 1024-65535 => ACCEPT" \
		"^  MASQUERADE by nat LIBVIRT_PRT \(#3\): $SRV_IP:[0-9]+ -> $RTR_IP1:[0-9]+$"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=TCP .*DPT=80 .*SYN")
	assert_lines_re "$b" \
		"^  => REJECT by filter LIBVIRT_FWI \(#2\) -o r1 -j REJECT --reject-with icmp-port-unreachable$"
	fid_text_check mangle=nft nat=nft filter=nft
	fid_compare
}

@test "firewalld (inet): zone dispatch by vmap, set lookup, jumps to empty chains, forward-port DNAT, reject" {
	rtr_nft <"$RS/firewalld.nft"
	ip -n "$CLI" addr add 10.99.1.3/24 dev c0
	tcp_listen "$RTR" 22
	tcp_listen "$SRV" 80
	fid_start net 10.99.1.0/24 and '(tcp or icmp)'
	ping_ok "$CLI" $RTR_IP1
	tcp_connect "$CLI" $RTR_IP1 22 | grep -qx hello
	tcp_fails "$CLI" $RTR_IP1 23
	tcp_connect "$CLI" $RTR_IP1 8080 | grep -qx hello
	ping_fail "$CLI" -I 10.99.1.3 $RTR_IP1
	fid_stop
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  inet firewalld filter_INPUT \(#5\) jump filter_INPUT_ZONES => jump filter_INPUT_ZONES" \
		"^  inet firewalld filter_INPUT_ZONES \(#2\) iifname vmap \{ \"r0\" : goto filter_IN_public, \"r1\" : goto filter_IN_trusted \} => goto filter_IN_public" \
		"^  inet firewalld filter_IN_public \(#6\) meta l4proto \{ icmp, ipv6-icmp \} accept => ACCEPT" \
		"^  => ACCEPT, delivered locally$"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=TCP .*DPT=22 .*SYN")
	assert_lines_re "$b" \
		"^  inet firewalld filter_IN_public \(#4\) jump filter_IN_public_allow => jump filter_IN_public_allow" \
		"^  inet firewalld filter_IN_public_allow \(#1\) tcp dport 22 ct state \{ new, untracked \} accept => ACCEPT"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=TCP .*DPT=23 .*SYN")
	assert_lines_re "$b" \
		"^  => REJECT by inet firewalld filter_IN_public \(#7\) reject with icmpx admin-prohibited$"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=TCP .*DPT=8080 .*SYN")
	assert_lines_re "$b" \
		"^  inet firewalld nat_PRE_public_allow \(#1\) meta nfproto ipv4 tcp dport 8080 dnat ip to 10.99.2.2:80 => ACCEPT" \
		"^  DNAT by inet firewalld nat_PRE_public_allow \(#1\): $RTR_IP1:8080 -> $SRV_IP:80$" \
		"^  inet firewalld filter_FORWARD \(#2\) ct status dnat accept => ACCEPT" \
		"^  => ACCEPT, forwarded out r1$"
	b=$(block "^IN=r0 OUT= SRC=10.99.1.3 DST=$RTR_IP1 .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  inet firewalld filter_INPUT_ZONES \(#1\) ip saddr @blocked goto filter_IN_drop => goto filter_IN_drop" \
		"^  => DROP by inet firewalld filter_IN_drop \(#1\) drop$"
	fid_text_check
	fid_compare
}

@test "nftables sample (inet filter): ct vmap, blackhole set, limit, dport vmap jump, anonymous chain with log, log drop" {
	rtr_nft <"$RS/nft-sample.nft"
	ip -n "$CLI" addr add 10.99.1.3/24 dev c0
	tcp_listen "$RTR" 22
	tcp_listen "$SRV" 80
	fid_start net 10.99.1.0/24 and '(tcp or icmp)'
	ping_ok "$CLI" $RTR_IP1
	tcp_connect "$CLI" $RTR_IP1 22 | grep -qx hello
	tcp_fails "$CLI" $RTR_IP1 80
	tcp_fails "$CLI" $RTR_IP1 8000
	tcp_fails "$CLI" $RTR_IP1 25
	ping_fail "$CLI" -I 10.99.1.3 $RTR_IP1
	tcp_connect "$CLI" $SRV_IP 80 | grep -qx hello
	fid_stop
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  inet filter input \(#4\) icmp type echo-request limit rate 5/second accept => ACCEPT"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=TCP .*DPT=22 .*SYN")
	assert_lines_re "$b" \
		"^  inet filter input \(#5\) tcp dport vmap \{ 22 : jump ssh_in, 80 : accept \} => jump ssh_in" \
		"^  inet filter ssh_in \(#2\) ip saddr 10.99.1.0/24 counter accept => ACCEPT"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=TCP .*DPT=80 .*SYN")
	assert_lines_re "$b" "^  inet filter input \(#5\) .* => ACCEPT"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=TCP .*DPT=25 .*SYN")
	assert_lines_re "$b" \
		"^  => DROP by inet filter input \(#7\) counter log prefix \"input drop: \" drop$"
	b=$(block "^IN=r0 OUT= SRC=10.99.1.3 DST=$RTR_IP1 .*PROTO=ICMP TYPE=8 ")
	assert_lines_re "$b" \
		"^  => DROP by inet filter input \(#3\) ip saddr @blackhole counter drop$"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*PROTO=TCP .*DPT=80 .*SYN")
	assert_lines_re "$b" \
		"^  inet filter forward \(#2\) iifname \"r0\" oifname \"r1\" tcp dport \{ 80, 443 \} accept => ACCEPT"
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$RTR_IP1 .*PROTO=TCP .*DPT=8000 .*SYN")
	assert_lines_re "$b" \
		"^  inet filter input \(#6\) tcp dport 8000 jump \{ counter; log prefix \"anon 8000: \"; tcp flags syn drop \} => jump (__chain[0-9]+)" \
		"^  inet filter __chain[0-9]+ \(#2\) log prefix \"anon 8000: \" => continue" \
		"^  => DROP by inet filter __chain[0-9]+ \(#3\) tcp flags syn drop$"
	fid_text_check
	fid_compare
}
