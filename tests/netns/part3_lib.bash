# Helpers for the part 3 tests (fate, NAT, conntrack, JSON, reading
# comfort). Load after lib:
#   load lib
#   load part3_lib

# p3_start NAME [--ns NS] ARGS...: one more tool instance next to (or
# instead of) iptt_start's, with --no-color, its output in
# $BATS_TEST_TMPDIR/NAME.out and NAME.err. Waits until it is armed. Two
# instances with the same filter see the same packets under the same trace
# ids, so a text run and a JSON run can be compared packet by packet.
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

# jq_ok FILE FILTER [jq args...]: FILTER (run with jq -e on FILE, -s
# when FILE holds several objects is up to the caller) must yield true.
# Dumps the file on failure.
jq_ok() {
	local file=$1 filter=$2
	shift 2
	if ! jq -e "$@" "$filter" "$file" >/dev/null; then
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

# nfq_listen NS QUEUE VERDICT: a tiny NFQUEUE listener (perl, raw
# netlink) that answers every packet of QUEUE with VERDICT (1 accept,
# 0 drop). Returns once it is bound; killed at teardown.
nfq_listen() {
	local ready=$BATS_TEST_TMPDIR/nfq.$2 i
	: >"$ready"
	ip netns exec "$1" perl -e '
		use strict; use warnings; use Socket;
		my ($q, $verdict) = @ARGV;
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
						send($s, msg(1, attr(2, pack("N N", $verdict, $id))), 0);
					}
					$off += ($al + 3) & ~3;
				}
			}
		}' "$2" "$3" >"$ready" 2>&1 3>&- &
	lab_track $!
	for i in $(seq 50); do
		grep -q ready "$ready" && return 0
		sleep 0.05
	done
	echo "# the NFQUEUE listener did not start:" >&3
	sed 's/^/#   /' "$ready" >&3
	return 1
}
