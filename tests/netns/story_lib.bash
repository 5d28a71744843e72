# Helpers for the namespace tests of the story: fate, NAT, conntrack, JSON,
# reading comfort. Load after lib:
#   load lib
#   load story_lib

# p3_start NAME [--ns NS] ARGS...: one more tool instance next to (or
# instead of) iptt_start's, with --no-color, its output in
# $BATS_TEST_TMPDIR/NAME.out and NAME.err. Waits until it is armed.
p3_start() {
	local name=$1 ns=$RTR out err pid
	shift
	if [ "${1:-}" = --ns ]; then ns=$2; shift 2; fi
	out=$BATS_TEST_TMPDIR/$name.out err=$BATS_TEST_TMPDIR/$name.err
	: >"$out"; : >"$err"
	if [ "$ns" = - ]; then
		"$IPTT_BIN" --no-color "$@" >"$out" 2>"$err" 3>&- &
	else
		ip netns exec "$ns" "$IPTT_BIN" --no-color "$@" >"$out" 2>"$err" 3>&- &
	fi
	pid=$!
	lab_track "$pid"
	printf -v "P3_PID_$name" %s "$pid"
	IPTT_PID=$pid IPTT_ERR=$err iptt_wait_armed
}

# p3_stop NAME: drain, SIGINT, wait; exit 0 and a clean stderr.
p3_stop() {
	local name=$1 pid_var=P3_PID_$1
	local IPTT_PID=${!pid_var} IPTT_OUT=$BATS_TEST_TMPDIR/$1.out
	local IPTT_ERR=$BATS_TEST_TMPDIR/$1.err IPTT_RC
	iptt_stop_ok
}

# p3_out NAME: the path of an instance's stdout.
p3_out() { echo "$BATS_TEST_TMPDIR/$1.out"; }

# jq_ok FILE [jq args...] FILTER: jq -e FILTER on FILE must yield true.
# Dumps the file on failure.
jq_ok() {
	local file=$1 filter=${!#}
	local -a args=("${@:2:$#-2}")
	if ! jq -e "${args[@]}" "$filter" "$file" >/dev/null; then
		{
			echo "# jq filter did not hold: $filter"
			echo "# on:"
			sed 's/^/#   /' "$file"
		} >&3
		return 1
	fi
}

# fate_line BLOCK: the block's last line, the fate, without indent.
fate_line() {
	local last
	last=$(printf '%s\n' "$1" | tail -n 1)
	echo "${last#"${last%%[![:space:]]*}"}"
}

# assert_fate BLOCK EXPECTED: the block's fate line equals EXPECTED.
assert_fate() {
	local got
	got=$(fate_line "$1")
	[ "$got" = "$2" ] && return 0
	{
		echo "# wanted the fate line: $2"
		echo "# got:                  $got"
		printf '%s\n' "$1" | sed 's/^/#   /'
	} >&3
	return 1
}

# elapsed_ms T0: milliseconds since T0 (from now_ns).
now_ns() { date +%s%N; }
elapsed_ms() { echo $(( ($(now_ns) - $1) / 1000000 )); }

# udp_send NS HOST PORT: one datagram, without waiting for an answer.
udp_send() {
	ip netns exec "$1" socat -u - UDP:"$2":"$3" <<<"x" 2>/dev/null
}

# ct_list NS ARGS...: conntrack -L in NS, without the summary line.
ct_list() { ip netns exec "$1" conntrack -L "${@:2}" 2>/dev/null; }

# ct_field LINE KEY N: the Nth value of KEY=... in a conntrack -L line
# (src/dst/sport/dport appear twice: 1 original, 2 reply).
ct_field() {
	printf '%s\n' "$1" | tr ' ' '\n' | grep "^$2=" | sed -n "${3}p" | cut -d= -f2
}

# nfq_listen NS QUEUE VERDICT DELAY: a tiny NFQUEUE listener (perl, raw
# netlink) that answers every packet of QUEUE with VERDICT (1 accept,
# 0 drop) after DELAY seconds. Returns once it is bound; killed at
# teardown.
nfq_listen() {
	local ready=$BATS_TEST_TMPDIR/nfq.$2 prog=$BATS_TEST_TMPDIR/nfq.pl i
	: >"$ready"
	cat >"$prog" <<-'EOF'
		use strict; use warnings; use Socket;
		my ($q, $verdict, $delay) = @ARGV;
		# AF_NETLINK 16, NETLINK_NETFILTER 12
		socket(my $s, 16, SOCK_RAW, 12) or die "socket: $!";
		bind($s, pack("S S L L", 16, 0, 0, 0)) or die "bind: $!";
		my $seq = 0;
		sub attr { my ($t, $d) = @_; my $l = 4 + length $d;
			pack("S S", $l, $t) . $d . ("\0" x ((4 - $l % 4) % 4)) }
		# nfnetlink_queue (subsystem 3): 1 VERDICT, 2 CONFIG
		sub msg { my ($type, $payload) = @_;
			my $body = pack("C C n", 0, 0, $q) . $payload;
			pack("L S S L L", 16 + length $body, (3 << 8) | $type, 1, ++$seq, 0) . $body }
		send($s, msg(2, attr(1, pack("C C n", 1, 0, 0))), 0) or die;	# CMD BIND
		send($s, msg(2, attr(2, pack("N C", 0xffff, 1))), 0) or die;	# COPY_META
		$| = 1; print "ready\n";
		while (1) {
			my $buf; defined recv($s, $buf, 65536, 0) or die "recv: $!";
			while (length $buf >= 16) {
				my ($len, $type) = unpack("L S", $buf);
				last if $len < 16;
				my $m = substr($buf, 0, $len);
				$buf = substr($buf, ($len + 3) & ~3);
				next unless $type == (3 << 8);		# PACKET
				my $off = 20;
				while ($off + 4 <= length $m) {
					my ($al, $at) = unpack("S S", substr($m, $off, 4));
					last if $al < 4;
					if (($at & 0x7fff) == 1) {	# PACKET_HDR: id first
						my $id = unpack("N", substr($m, $off + 4, 4));
						select(undef, undef, undef, $delay);
						send($s, msg(1, attr(2, pack("N N", $verdict, $id))), 0);
					}
					$off += ($al + 3) & ~3;
				}
			}
		}
	EOF
	ip netns exec "$1" perl "$prog" "$2" "$3" "$4" >"$ready" 2>&1 3>&- &
	lab_track $!
	for i in $(seq 50); do
		grep -q ready "$ready" && return 0
		sleep 0.05
	done
	echo "# the NFQUEUE listener did not start:" >&3
	sed 's/^/#   /' "$ready" >&3
	return 1
}

# jq: the lines a -v text block shows for an object's steps and fate, in
# order. Rule-made changes, as their text lines, come from P3_JQ_CHANGES.
P3_JQ_DEFS='
def tbl: (if .source == "x_tables" then "legacy " else "" end) +
	(if .family == "ip" or .family == "ip6" then "" else .family + " " end) + .table;
def vtxt: if .verdict == "jump" or .verdict == "goto" then .verdict + " " + .target else .verdict end;
'
P3_JQ_LINES=$P3_JQ_DEFS'
(.steps[] |
	if .type == "rule" then
		"\(tbl) \(.chain) (#\(.position)) \(.rule) => \(vtxt) [handle \(.handle) verdict \(.verdict_code)]"
	elif .type == "policy" then "\(tbl) \(.chain) \(.verdict)"
	else "\(tbl) \(.chain) return" end),
"=> \(.fate.text)"'
P3_JQ_CHANGES=$P3_JQ_DEFS'
.changes[] | select(.by == "rule") |
	if (.text | startswith("\(.what) by \(.rule | tbl) \(.rule.chain) (#\(.rule.position)): ")) and
	   (.text | contains(" -> ")) and (.text | split(" -> ")[1] | contains(.to))
	then .text else "change text disagrees with its fields: \(.)" end'

# first_line_re OBJ: an extended regex for the first line of the text
# block that shows the same packet as the JSON object OBJ (in another run
# on the same traffic: source ports and ids may differ, addresses,
# interfaces, ICMP types and service ports do not).
first_line_re() {
	local src dst what
	src=$(jq -r .packet.src <<<"$1") dst=$(jq -r .packet.dst <<<"$1")
	if [ "$(jq -r .family <<<"$1")" = ip6 ]; then
		src=$(ip6_re "$src") dst=$(ip6_re "$dst")
	fi
	what=$(jq -r '.packet | if .icmp_type != null then "TYPE=\(.icmp_type) "
		elif .dport < 32768 then "DPT=\(.dport) " else "SPT=\(.sport) " end' <<<"$1")
	echo "^IN=$(jq -r '.iif // ""' <<<"$1") OUT=.* SRC=$src DST=$dst .*$what"
}

# json_matches_text JSON TEXT: TEXT is a -v text run on the same traffic
# as the --json run JSON (one after the other). For every object, the
# text block of the same packet shows the same steps in order, the same
# rule-made changes and the same fate line; both runs hold as many
# packets.
json_matches_text() {
	local json=$1 text=$2 n=0 obj blk want got line
	while IFS= read -r obj; do
		blk=$(block "$(first_line_re "$obj")" 1 "$text") || return 1
		want=$(jq -r "$P3_JQ_LINES" <<<"$obj")
		got=$(printf '%s\n' "$blk" | sed -e 1d -e 's/^  //' |
			grep -Ev '^(packet now: |conntrack: |[A-Z]+ by )| did not match\)$' || true)
		if [ "$want" != "$got" ]; then
			{
				echo "# JSON and text disagree (- JSON, + text) on:"
				echo "#   $obj"
				diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | sed 's/^/#   /'
			} >&3
			return 1
		fi
		while IFS= read -r line; do
			[ -n "$line" ] || continue
			assert_lines "$blk" "$line" || return 1
		done < <(jq -r "$P3_JQ_CHANGES" <<<"$obj")
		n=$((n + 1))
	done <"$json"
	if [ "$n" -eq 0 ] || [ "$n" -ne "$(block_count "$text")" ]; then
		echo "# $n JSON objects, $(block_count "$text") text blocks" >&3
		return 1
	fi
}

# assert_json_lines FILE: every line is one JSON object, and there is one at least.
assert_json_lines() {
	local lines objs
	lines=$(wc -l <"$1")
	objs=$(jq -R 'fromjson? | objects | 1' "$1" | wc -l)
	if [ "$lines" -eq 0 ] || [ "$lines" -ne "$objs" ] || [ -n "$(tail -c 1 "$1")" ]; then
		{ echo "# $lines lines, $objs JSON objects in:"; sed 's/^/#   /' "$1"; } >&3
		return 1
	fi
}

