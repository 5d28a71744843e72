# Helpers for the x_tables module tests (legacy_fallback.bats,
# xt_modules.bats). They drive src/arm_xt.c, rules_xt.c, backend.c and
# nl_log.c through two small programs, tests/tools/xt_probe.c and
# nflog_capture.c, that `make testlibs` links against every module but
# main.c (so a half-finished main.c cannot break them).
#
# Namespaces are named iptt-xt-<pid>-<test>-<random>-<role> ($IPTT_NS_PREFIX
# instead of iptt when set) and deleted in
# teardown; nothing here touches the host's firewall or nf_log, and
# xt_assert_host_nf_log (teardown_file) checks the latter.

XT_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

xt_build() {
	local d=$BATS_FILE_TMPDIR tools=$XT_ROOT/build/tests t
	for t in xt_probe nflog_capture; do
		[ -x "$tools/$t" ] || {
			echo "# $tools/$t is missing: run make testlibs" >&3
			return 1
		}
	done
	# /proc/PID/comm is how a live run is told from a dead one
	cp "$tools/xt_probe" "$d/iptables-trace"
	cat /proc/net/netfilter/nf_log >"$d/host_nf_log"
	PROBE=$tools/xt_probe CAPTURE=$tools/nflog_capture LIVE_PROBE=$d/iptables-trace
	export PROBE CAPTURE LIVE_PROBE
}

STATE_DIR=${IPTT_STATE_DIR:-/run/iptables-trace}

# xt_state_file NS: NS's nf_log state file, by the namespace inode it
# records: only this test's own file, whatever else runs on the machine.
xt_state_file() {
	local ino
	ino=$(stat -L -c %i "/run/netns/$1") || return 0
	grep -lE "^[^ ]+ [^ ]+ $ino\$" "$STATE_DIR"/nf_log.* 2>/dev/null || true
}

xt_assert_host_nf_log() {
	diff -u "$BATS_FILE_TMPDIR/host_nf_log" /proc/net/netfilter/nf_log
}

# xt_ns ROLE...: one namespace per role, lo up; sets NS_<ROLE>.
xt_ns() {
	local role ns
	for role in "$@"; do
		ns=${IPTT_NS_PREFIX:-iptt}-xt-$$-$BATS_TEST_NUMBER-$RANDOM-$role
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		XT_NAMESPACES+=("$ns")
		printf -v "NS_${role^^}" '%s' "$ns"
	done
}

# xt_pair A B: veth between namespaces A (10.99.8.1, fd00:98::1) and
# B (10.99.8.2, fd00:98::2), interface veth0 on both sides.
xt_pair() {
	ip -n "$1" link add veth0 type veth peer name veth0 netns "$2"
	ip -n "$1" addr add 10.99.8.1/24 dev veth0
	ip -n "$2" addr add 10.99.8.2/24 dev veth0
	ip -n "$1" addr add fd00:98::1/64 dev veth0 nodad
	ip -n "$2" addr add fd00:98::2/64 dev veth0 nodad
	ip -n "$1" link set veth0 up
	ip -n "$2" link set veth0 up
}

xt_teardown() {
	local p ns i
	# TERM first: a capture killed with -9 leaves its state file behind
	for p in "${XT_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for i in $(seq 20); do
		for p in "${XT_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && break; done
		kill -0 "$p" 2>/dev/null || break
		sleep 0.05
	done
	for p in "${XT_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	for p in "${XT_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	for ns in "${XT_NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	XT_PIDS=() XT_NAMESPACES=()
}

# xt_bg NS OUT CMD...: run CMD in NS in the background, stdin from a fifo
# kept open by us (close it with xt_close_stdin), stdout to OUT.
xt_bg() {
	local ns=$1 out=$2
	shift 2
	XT_FIFO=$BATS_TEST_TMPDIR/stdin.$RANDOM
	mkfifo "$XT_FIFO"
	ip netns exec "$ns" "$@" <"$XT_FIFO" >"$out" 2>&1 &
	XT_LAST_PID=$!
	XT_PIDS+=("$XT_LAST_PID")
	exec {XT_FIFO_FD}>"$XT_FIFO"
}

# xt_fake_sbin NS SETUP CMD...: run CMD in NS, in a mount namespace of its
# own whose /usr/sbin is an empty tmpfs that the shell snippet SETUP fills
# ($real is the real /usr/sbin). The tool looks for its helpers in the
# system directories only, so this is how a test hides or fakes one
# without touching the host.
xt_fake_sbin() {
	local ns=$1 setup=$2 real=$BATS_TEST_TMPDIR/real-sbin
	shift 2
	mkdir -p "$real"
	ip netns exec "$ns" unshare -m --propagation private sh -c '
		real=$1 setup=$2
		shift 2
		mount --bind /usr/sbin "$real" && mount -t tmpfs tmpfs /usr/sbin &&
			cd /usr/sbin && eval "$setup" && cd / && exec "$@"' \
		sh "$real" "$setup" "$@"
}

xt_close_stdin() {
	exec {XT_FIFO_FD}>&-
}

# xt_wait_for FILE REGEX [TENTHS]: until a line of FILE matches.
xt_wait_for() {
	local i
	for i in $(seq "${3:-50}"); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# timed out waiting for /$2/ in $1:" >&3
	sed 's/^/#   /' "$1" >&3 2>/dev/null || true
	return 1
}

# The logger of family 2 or 10 in NS, as its sysctl says.
xt_logger() {
	ip netns exec "$1" cat "/proc/sys/net/netfilter/nf_log/$2"
}
