# Helpers for the namespace tests of iptables rules in iptables syntax, the
# legacy backend and mixed hosts (rule_flavours, mixed_host, ipset, ...).
# Load after lib.bash:
#
#   load lib
#   load legacy_lib
#   setup_file()    { p2_setup_file; }
#   teardown_file() { p2_teardown_file; }
#
# The central check, p2_check_block, takes every step line of a block
# that names a rule by position ("TABLE CHAIN (#N) TEXT => VERDICT", and
# the fate line "=> DROP by TABLE CHAIN (#N) TEXT") and compares TEXT
# with what the table's own tool prints for the N-th rule of that chain:
# iptables-save of the right flavour minus "-A CHAIN ", or `nft -s list
# chain` for native nf_tables tables. Nothing is hard-coded there, so a
# position printed where a handle was meant, or a rule text rebuilt
# differently from iptables-save, fails.

# Every backend's armed line, not only "(backend nft)" as lib.bash has it.
ARMED_RE='^iptables-trace: tracing .* \(backend (nft|nft\+legacy|legacy|legacy, TRACE rules)\) \.\.\. press Ctrl-C to stop$'

# ---------------------------------------------------------------- host safety

# The host's nf_log before the file's tests, compared at the end: nothing
# here may bind a logger outside the lab namespaces.
p2_setup_file() {
	cat /proc/net/netfilter/nf_log >"$BATS_FILE_TMPDIR/host_nf_log"
}

p2_teardown_file() {
	local now
	now=$(cat /proc/net/netfilter/nf_log)
	if [ "$now" != "$(cat "$BATS_FILE_TMPDIR/host_nf_log")" ]; then
		echo "# the host's /proc/net/netfilter/nf_log changed:" >&3
		diff "$BATS_FILE_TMPDIR/host_nf_log" - <<<"$now" | sed 's/^/#   /' >&3
		return 1
	fi
}

# The router's nf_log table (all families).
p2_nf_log() { ip netns exec "${1:-$RTR}" cat /proc/net/netfilter/nf_log; }

# The logger one family uses in the router: p2_logger 2|10 [NS]
p2_logger() { ip netns exec "${2:-$RTR}" cat "/proc/sys/net/netfilter/nf_log/$1"; }

# p2_nf_log_save: remember the router's nf_log; p2_assert_nf_log_back:
# it is the same again.
p2_nf_log_save() { P2_NF_LOG=$(p2_nf_log); }
p2_assert_nf_log_back() {
	local now
	now=$(p2_nf_log)
	[ "$now" = "$P2_NF_LOG" ] && return 0
	{
		echo "# the router's nf_log was not put back:"
		diff <(printf '%s\n' "$P2_NF_LOG") <(printf '%s\n' "$now") | sed 's/^/#   /'
	} >&3
	return 1
}

# assert_backend NAME: the armed line names this backend.
assert_backend() {
	grep -Fq "(backend $1) ... press Ctrl-C to stop" "$IPTT_ERR" && return 0
	echo "# wanted (backend $1); stderr:" >&3
	sed 's/^/#   /' "$IPTT_ERR" >&3
	return 1
}

# ---------------------------------------------------------------- rulesets

# ipt FLAVOUR FAM ARGS...: ip(6)tables-legacy / ip(6)tables-nft in the
# router. FLAVOUR legacy|nft, FAM 4|6.
ipt() {
	local fl=$1 fam=$2
	shift 2
	ip netns exec "$RTR" "$(_ipt_cmd "$fl" "$fam")" "$@"
}

# ipt_restore FLAVOUR FAM < RULES: load a table file with
# ip(6)tables-FLAVOUR-restore --noflush (-I lines work there too).
ipt_restore() {
	ip netns exec "$RTR" "$(_ipt_cmd "$1" "$2")-restore" --noflush
}

_ipt_cmd() {
	local six=
	[ "$2" = 6 ] && six=6
	echo "ip${six}tables-$1"
}

# save_rule FLAVOUR FAM TABLE CHAIN N: the N-th "-A CHAIN" line of
# ip(6)tables-FLAVOUR-save -t TABLE, without "-A CHAIN ". Fails when
# there is no such line.
save_rule() {
	local fl=$1 fam=$2 table=$3 chain=$4 n=$5 f
	f=$BATS_TEST_TMPDIR/save.$fl.$fam.$table
	[ -s "$f" ] || ip netns exec "$RTR" "$(_ipt_cmd "$fl" "$fam")-save" -t "$table" >"$f"
	awk -v c="-A $chain " -v n="$n" '
		index($0, c) == 1 && ++k == n { print substr($0, length(c) + 1); found = 1; exit }
		END { exit !found }' "$f"
}

# save_snapshot FLAVOUR FAM TABLE...: take the save output now, for
# later save_rule calls of this test (while the tool runs, when its own
# TRACE rules sit in legacy raw and shift the positions there).
save_snapshot() {
	local fl=$1 fam=$2 table
	shift 2
	for table in "$@"; do
		ip netns exec "$RTR" "$(_ipt_cmd "$fl" "$fam")-save" -t "$table" \
			>"$BATS_TEST_TMPDIR/save.$fl.$fam.$table"
	done
}

# nft_rule FAMILY TABLE CHAIN N: the N-th rule of a native chain as
# `nft -s list chain` prints it (rules sit two tabs deep; the chain's
# "type ..." line is not a rule).
nft_rule() {
	local fam=$1 table=$2 chain=$3 n=$4
	ip netns exec "$RTR" nft -s list chain "$fam" "$table" "$chain" | awk -v n="$n" '
		/^\t\t[^\t]/ && !/^\t\ttype / { sub(/^\t\t/, ""); if (++k == n) { print; found = 1; exit } }
		END { exit !found }'
}

# ---------------------------------------------------------------- the check

_P2_VERDICT_RE='^(ACCEPT|DROP|REJECT|QUEUE|STOLEN|REPEAT|continue|break|return|(jump|goto) [^ ]+)$'

# p2_rule_text WHERE FAM TABLE CHAIN N: the text the tool must print.
# WHERE is legacy, nft (iptables-nft) or native:FAMILY.
p2_rule_text() {
	case $1 in
	legacy | nft) save_rule "$1" "$2" "$3" "$4" "$5" ;;
	native:*) nft_rule "${1#native:}" "$3" "$4" "$5" ;;
	*) return 1 ;;
	esac
}

# p2_check_block BLOCK FAM TABLE=WHERE...: every positioned step of BLOCK
# (an IPv4 or IPv6 packet: FAM 4|6) must carry the rule text its table's
# own tool prints. TABLE=WHERE says where a table shown as TABLE lives:
# "nat=legacy", "filter=nft" (iptables-nft), "filter6=native" (native nft,
# family ip/ip6 as FAM says). Tables shown with a family ("inet fw") are
# native, and legacy ones read "legacy nat ...". A table not mapped, or a
# legacy table's step without the marker, fails the check. Sets P2_CHECKED to the
# number of lines compared.
p2_check_block() {
	local blk=$1 fam=$2 line body kind fam_w table chain n rest where want bad=
	shift 2
	local -A map=()
	local kv
	for kv in "$@"; do map[${kv%%=*}]=${kv#*=}; done
	P2_CHECKED=0
	while IFS= read -r line; do
		fam_w= body=
		if [[ $line =~ ^\ \ =\>\ [A-Z]+\ by\ (.*)$ ]]; then
			body=${BASH_REMATCH[1]}
			[[ $body =~ ^policy\ of ]] && continue
			kind=fate
		elif [[ $line =~ ^\ \ ([a-z][^ ]*\ .*)$ ]]; then
			body=${BASH_REMATCH[1]}
			kind=step
		else
			continue
		fi
		if [[ $body =~ ^(inet|bridge|netdev|arp)\ ([^ ]+)\ ([^ ]+)\ \(#([0-9]+)\)\ (.*)$ ]]; then
			fam_w=${BASH_REMATCH[1]} table=${BASH_REMATCH[2]} chain=${BASH_REMATCH[3]}
			n=${BASH_REMATCH[4]} rest=${BASH_REMATCH[5]}
			where=native:$fam_w
		elif [[ $body =~ ^legacy\ ([^ ]+)\ ([^ ]+)\ \(#([0-9]+)\)\ (.*)$ ]]; then
			# legacy (x_tables) steps carry the marker, and only they
			table=${BASH_REMATCH[1]} chain=${BASH_REMATCH[2]}
			n=${BASH_REMATCH[3]} rest=${BASH_REMATCH[4]}
			where=legacy
			if [ "${map[$table]:-}" != legacy ]; then
				echo "# '$table' is not legacy in the map ($*): $line" >&3
				bad=1
				continue
			fi
		elif [[ $body =~ ^([^ ]+)\ ([^ ]+)\ \(#([0-9]+)\)\ (.*)$ ]]; then
			table=${BASH_REMATCH[1]} chain=${BASH_REMATCH[2]}
			n=${BASH_REMATCH[3]} rest=${BASH_REMATCH[4]}
			where=${map[$table]:-}
			if [ "$where" = legacy ]; then
				echo "# a legacy step without the legacy marker: $line" >&3
				bad=1
				continue
			fi
			[ "$where" = native ] && where=native:ip${fam/4/}
			if [ -z "$where" ]; then
				echo "# table '$table' is not in the map ($*): $line" >&3
				bad=1
				continue
			fi
		else
			continue	# "packet now:", "DNAT by ...:", policy lines ...
		fi
		if ! want=$(p2_rule_text "$where" "$fam" "$table" "$chain" "$n"); then
			echo "# no rule #$n in $where $table $chain for: $line" >&3
			bad=1
			continue
		fi
		P2_CHECKED=$((P2_CHECKED + 1))
		if [ "$kind" = fate ]; then
			[ "$rest" = "$want" ] && continue
		elif [ "${rest:0:${#want}}" = "$want" ] &&
			[[ ${rest:${#want}} =~ ^\ =\>\ (.*)$ ]] &&
			[[ ${BASH_REMATCH[1]} =~ $_P2_VERDICT_RE ]]; then
			continue
		fi
		{
			echo "# rule text differs from $where for $table $chain #$n:"
			echo "#   tool:  $line"
			echo "#   wants: $want"
		} >&3
		bad=1
	done <<<"$blk"
	if [ -n "$bad" ]; then
		{ echo "# in the block:"; printf '%s\n' "$blk" | sed 's/^/#   /'; } >&3
		return 1
	fi
}

# p2_check_all FAM TABLE=WHERE...: p2_check_block on every block of the
# output whose packet is of family FAM (4: "SRC=N.N.N.N", 6: an address
# with colons). Sets P2_CHECKED to the total.
p2_check_all() {
	local fam=$1 b total=0 re
	shift
	if [ "$fam" = 4 ]; then re='SRC=[0-9]+\.'; else re='SRC=[0-9a-f]*:'; fi
	while IFS= read -r -d '' b; do
		[[ ${b%%$'\n'*} =~ $re ]] || continue
		p2_check_block "$b" "$fam" "$@" || return 1
		total=$((total + P2_CHECKED))
	done < <(_blocks)
	P2_CHECKED=$total
}

# ---------------------------------------------------------------- tracing

# p2_start ARGS...: iptt_start with the router's nf_log saved first.
p2_start() {
	p2_nf_log_save
	iptt_start "$@"
}

# p2_stop: iptt_stop_ok, then the router's nf_log must be back.
# P2_SHOW=1 in the environment prints the trace (for writing tests).
p2_stop() {
	iptt_stop_ok || return 1
	[ -z "${P2_SHOW:-}" ] || sed 's/^/# /' "$IPTT_OUT" >&3
	p2_assert_nf_log_back
}

# ---------------------------------------------------------------- leftovers

# trace_rules [NS]: the iptables-trace TRACE rules in legacy raw, both
# families ("4: -A ..." / "6: -A ..."), nothing when there are none.
trace_rules() {
	local ns=${1:-$RTR}
	ip netns exec "$ns" iptables-legacy-save -t raw 2>/dev/null |
		grep -E '^-A .*"iptables-trace [0-9]+:[0-9a-f]{16}".*-j TRACE' | sed 's/^/4: /' || true
	ip netns exec "$ns" ip6tables-legacy-save -t raw 2>/dev/null |
		grep -E '^-A .*"iptables-trace [0-9]+:[0-9a-f]{16}".*-j TRACE' | sed 's/^/6: /' || true
}

# ---------------------------------------------------------------- NFLOG group 0

# A tiny program that only binds NFLOG group 0 in the router, as ulogd
# would, without touching the loggers. Starts it in the background
# (tracked) and waits until it holds the group; P2_HOLDER is its pid.
p2_hold_group0() {
	local out=$BATS_TEST_TMPDIR/holder.out i
	ip netns exec "$RTR" python3 -c '
import signal, socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
s.bind((0, 0))
# NFULNL_MSG_CONFIG of NFNL_SUBSYS_ULOG, group 0 (res_id), NFULA_CFG_CMD BIND
attr = struct.pack("=HHB3x", 5, 1, 1)
body = struct.pack("=BBH", 0, 0, 0) + attr
s.send(struct.pack("=IHHII", 16 + len(body), (4 << 8) | 1, 1 | 4, 1, 0) + body)
err = struct.unpack("=i", s.recv(4096)[16:20])[0]
if err:
    print("holder: bind of group 0 failed: %d" % err, flush=True)
    sys.exit(1)
print("holding", flush=True)
signal.pause()
' </dev/null >"$out" 2>&1 3>&- &
	P2_HOLDER=$!
	lab_track $P2_HOLDER
	for i in $(seq 100); do
		grep -qx holding "$out" && return 0
		kill -0 $P2_HOLDER 2>/dev/null || break
		sleep 0.05
	done
	echo "# the group 0 holder did not start:" >&3
	sed 's/^/#   /' "$out" >&3
	return 1
}

# The portid holding NFLOG group 0 in the router (nothing when free).
p2_group0_portid() {
	ip netns exec "$RTR" awk '$1 == 0 { print $2 }' /proc/net/netfilter/nfnetlink_log
}
