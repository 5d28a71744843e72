#!/usr/bin/env bats
# The save tools run as root on the caller's behalf: they must get
# nothing of ours but stdin, stdout and stderr, and an environment of
# the tool's making (the caller's may come from sudo -E, cron or a unit
# file). A wrapper standing in for iptables-legacy-save, in a /usr/sbin
# of the test's own mount namespace, writes down what it was given.

load lib
load legacy_lib	# its ARMED_RE: the backend here is nft+legacy

setup() {
	lab_setup
	ip netns exec "$RTR" iptables-legacy -A FORWARD -p icmp -j ACCEPT
	SEEN=$BATS_TEST_TMPDIR/seen
	mkdir -p "$SEEN"
}
teardown() { lab_teardown; }

RECORD='ls -l /proc/$$/fd >"$SEEN/fds.$$"; env >"$SEEN/env.$$"'

# with_save BODY: set IPTT_WRAP so that the tool runs with /usr/sbin
# replaced by links to the real one and an iptables-legacy-save that runs
# the bash snippet BODY first, then the real tool.
with_save() {
	local real=$BATS_TEST_TMPDIR/real-sbin body=$1
	printf '#!/bin/bash\nSEEN=%q\n%s\nexec -a iptables-legacy-save %q/xtables-legacy-multi "$@"\n' \
		"$SEEN" "$body" "$real" >"$BATS_TEST_TMPDIR/save-wrapper"
	chmod +x "$BATS_TEST_TMPDIR/save-wrapper"
	mkdir -p "$real"
	IPTT_WRAP=(env -i PATH=/usr/sbin:/usr/bin FOO=caller XTABLES_LIBDIR=/nonexistent
		unshare -m --propagation private sh -c '
		real=$1 wrapper=$2
		shift 2
		mount --bind /usr/sbin "$real" && mount -t tmpfs tmpfs /usr/sbin || exit 99
		for f in "$real"/*; do ln -s "$f" /usr/sbin/; done
		rm /usr/sbin/iptables-legacy-save
		cp "$wrapper" /usr/sbin/iptables-legacy-save
		exec "$@"' sh "$real" "$BATS_TEST_TMPDIR/save-wrapper")
}

# run_with_save BODY ARGS...: iptt_run ARGS so.
run_with_save() {
	with_save "$1"
	shift
	iptt_run "$@"
	IPTT_WRAP=()
}

# start_with_save BODY ARGS...: iptt_start ARGS so.
start_with_save() {
	with_save "$1"
	shift
	iptt_start "$@"
	local rc=$?
	IPTT_WRAP=()
	return $rc
}

@test "spawned save tools: only fds 0-2, PATH and LC_ALL, nothing from the caller" {
	run_with_save "$RECORD" -p icmp --timeout 0.3
	[ "$IPTT_RC" -eq 0 ]
	ls "$SEEN"/fds.* >/dev/null
	for f in "$SEEN"/fds.*; do
		# 0, 1, 2 and the directory listing's own descriptor
		if grep -E 'socket:|memfd:|pipe:' "$f" | grep -vE ' [012] -> '; then
			echo "# a descriptor of ours reached the tool:" >&3
			sed 's/^/#   /' "$f" >&3
			false
		fi
	done
	for f in "$SEEN"/env.*; do
		grep -qx 'PATH=/usr/sbin:/usr/bin:/sbin:/bin' "$f"
		grep -qx 'LC_ALL=C' "$f"
		! grep -E '^(FOO|XTABLES_LIBDIR|LD_PRELOAD)=' "$f"
	done
}

# The legacy rules are read right after the armed line: a failing save
# tool ends the run there, with the tool's own words.
@test "a save tool that fails: its own message, not 'Protocol error'" {
	run_with_save 'echo "iptables-legacy-save v1.8.9 (legacy): fake failure" >&2; exit 1' \
		-p icmp --timeout 0.3
	[ "$IPTT_RC" -eq 1 ]
	[ ! -s "$IPTT_OUT" ]
	[ "$(wc -l <"$IPTT_ERR")" -eq 2 ]
	head -n 1 "$IPTT_ERR" | grep -Eq "$ARMED_RE"
	tail -n 1 "$IPTT_ERR" | grep -Eqx 'iptables-trace: reading the legacy rules: iptables-legacy-save: iptables-legacy-save v1.8.9 \(legacy\): fake failure'
}

# Issue 11: iptables-legacy-save takes 0.3 s and 120 MB at 100k rules,
# and ran before the armed line. The line now comes first and the save
# after it. Here the save waits until the test has sent its packet, so
# the packet is traced before the text arrives: its rule's text and
# position must still be right. (Before, the save ran before the line,
# which never came.)
HELD='echo held >>"$SEEN/saves"; while [ ! -e "$SEEN/go" ]; do sleep 0.02; done'

@test "the legacy save runs after the armed line; a packet traced before the text gets it right" {
	start_with_save "$HELD" -p icmp
	ping_ok "$CLI" $SRV_IP
	touch "$SEEN/go"
	iptt_stop_ok
	[ -s "$SEEN/saves" ]
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines "$b" \
		"legacy filter FORWARD (#1) -p icmp -j ACCEPT => ACCEPT"
	refute_line_re "$b" 'stale'
}

# Events are read while the save runs, as they come, not in one batch
# after it: the order in which a packet's nft and legacy events come in
# is what puts each legacy event in its own packet's block (read in one
# batch, the legacy events of a packet over lo, whose output and input
# passes have the same headers, all went to the input pass's block).
@test "events of packets traced before the text are read while the save runs" {
	start_with_save "$HELD" -p icmp
	ping_ok "$CLI" $SRV_IP
	local i ok=
	for i in $(seq 40); do
		iptt_queued || { ok=1; break; }
		sleep 0.05
	done
	touch "$SEEN/go"
	[ -n "$ok" ] || { echo "# events stayed queued while the save was held" >&3; false; }
	iptt_stop_ok
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines "$b" "legacy filter FORWARD (#1) -p icmp -j ACCEPT => ACCEPT"
}

# The rules change after the packet and before the text is read: the
# read shows the new rule at the packet's position, which the packet
# never crossed. Its blocks must say that the text may be stale.
@test "legacy rules changed between the armed line and the first read: earlier packets' text may be stale" {
	start_with_save "$HELD" -p icmp
	ping_ok "$CLI" $SRV_IP
	ip netns exec "$RTR" iptables-legacy -I FORWARD -p icmp -m comment \
		--comment "inserted after the packet" -j ACCEPT
	touch "$SEEN/go"
	# the first packet's story comes after the read
	local i
	for i in $(seq 100); do
		grep -q ' SEQ=1$' "$IPTT_OUT" && break
		sleep 0.05
	done
	ping_ok "$CLI" $SRV_IP
	iptt_stop_ok
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 .* SEQ=1$" 1)
	assert_lines "$b" \
		'legacy filter FORWARD (#1) -p icmp -m comment --comment "inserted after the packet" -j ACCEPT (text may be stale) => ACCEPT'
	# a packet after the read is told without doubt
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 .* SEQ=1$" 2)
	assert_lines "$b" \
		'legacy filter FORWARD (#1) -p icmp -m comment --comment "inserted after the packet" -j ACCEPT => ACCEPT'
}

# The same, with an edit that leaves every size alone (iptables -R):
# only the rules themselves show it, hashed before and after the save.
@test "a same-size legacy edit between the armed line and the first read: stale too" {
	start_with_save "$HELD" -p icmp
	ping_ok "$CLI" $SRV_IP
	ip netns exec "$RTR" iptables-legacy -R FORWARD 1 -p icmp -j DROP
	touch "$SEEN/go"
	iptt_stop_ok
	b=$(block "^IN=r0 OUT= SRC=$CLI_IP DST=$SRV_IP .*TYPE=8 ")
	assert_lines_re "$b" '^  legacy filter FORWARD \(#1\) -p icmp -j DROP \(text may be stale\) => DROP'
}
