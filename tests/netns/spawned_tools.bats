#!/usr/bin/env bats
# The save tools run as root on the caller's behalf: they must get
# nothing of ours but stdin, stdout and stderr, and an environment of
# the tool's making (the caller's may come from sudo -E, cron or a unit
# file). A wrapper standing in for iptables-legacy-save, in a /usr/sbin
# of the test's own mount namespace, writes down what it was given.

load lib

setup() {
	lab_setup
	ip netns exec "$RTR" iptables-legacy -A FORWARD -p icmp -j ACCEPT
	SEEN=$BATS_TEST_TMPDIR/seen
	mkdir -p "$SEEN"
}
teardown() { lab_teardown; }

RECORD='ls -l /proc/$$/fd >"$SEEN/fds.$$"; env >"$SEEN/env.$$"'

# run_with_save BODY ARGS...: run the tool with ARGS in the router, with
# /usr/sbin replaced by links to the real one and an iptables-legacy-save
# that runs the bash snippet BODY first, then the real tool.
run_with_save() {
	local real=$BATS_TEST_TMPDIR/real-sbin body=$1
	shift
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
	iptt_run "$@"
	IPTT_WRAP=()
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

@test "a save tool that fails: its own message, not 'Protocol error'" {
	run_with_save 'echo "iptables-legacy-save v1.8.9 (legacy): fake failure" >&2; exit 1' \
		-p icmp --timeout 0.3
	assert_error 1 'reading the legacy rules: iptables-legacy-save: iptables-legacy-save v1.8.9 \(legacy\): fake failure$'
}
