#!/usr/bin/env bats
# Shipping it: make install/uninstall into a DESTDIR, the man page, the
# shell completions, the version, the quiet build and the message for a
# missing library. Needs no lab namespaces (one empty namespace for the
# --netns completion); everything else happens in this test's temp dirs.

load lib

setup() {
	[ -x "$IPTT_BIN" ] || { echo "# $IPTT_BIN is missing: run make" >&3; return 1; }
	MAN=$IPTT_ROOT/build/iptables-trace.8
	make -s -C "$IPTT_ROOT" build/iptables-trace.8 >/dev/null
	COMPL_NS=
}
teardown() {
	[ -n "$COMPL_NS" ] && ip netns del "$COMPL_NS" 2>/dev/null
	return 0
}

# The options --help lists: every -x and --long-name it prints.
help_options() {
	"$IPTT_BIN" --help | grep -E '^ +-' | grep -oE -- '(^|[ ,])--?[a-zA-Z0-9][a-zA-Z0-9-]*' |
		sed 's/^[ ,]*//' | sort -u
}

@test "make install and uninstall with PREFIX and DESTDIR" {
	d=$BATS_TEST_TMPDIR/root
	make -s -C "$IPTT_ROOT" install DESTDIR="$d" PREFIX=/opt/iptt >/dev/null
	expect="/opt/iptt/sbin/iptables-trace
/opt/iptt/share/bash-completion/completions/iptables-trace
/opt/iptt/share/doc/iptables-trace/json.md
/opt/iptt/share/man/man8/iptables-trace.8
/opt/iptt/share/zsh/vendor-completions/_iptables-trace"
	got=$(cd "$d" && find . -type f | sed 's/^\.//' | sort)
	[ "$got" = "$expect" ] || { echo "# installed: $got" >&3; false; }
	[ -x "$d/opt/iptt/sbin/iptables-trace" ]
	"$d/opt/iptt/sbin/iptables-trace" --version | grep -q '^iptables-trace '
	cmp "$d/opt/iptt/share/doc/iptables-trace/json.md" "$IPTT_ROOT/docs/json.md"
	# the installed man page carries the version and no placeholder
	v=$(make -s -C "$IPTT_ROOT" version)
	head -1 "$d/opt/iptt/share/man/man8/iptables-trace.8" |
		grep -qF "\"iptables-trace $v\""
	! grep -q '@[A-Z]*@' "$d/opt/iptt/share/man/man8/iptables-trace.8"

	make -s -C "$IPTT_ROOT" uninstall DESTDIR="$d" PREFIX=/opt/iptt >/dev/null
	left=$(cd "$d" && find . -type f)
	[ -z "$left" ] || { echo "# left after uninstall: $left" >&3; false; }
}

@test "make install defaults to PREFIX=/usr/local" {
	d=$BATS_TEST_TMPDIR/root
	make -s -C "$IPTT_ROOT" install DESTDIR="$d" >/dev/null
	[ -x "$d/usr/local/sbin/iptables-trace" ]
	[ -f "$d/usr/local/share/man/man8/iptables-trace.8" ]
	make -s -C "$IPTT_ROOT" uninstall DESTDIR="$d" >/dev/null
	[ -z "$(find "$d" -type f)" ]
}

@test "man page: groff and man find nothing to warn about" {
	out=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$MAN" 2>&1)
	[ -z "$out" ] || { echo "# groff: $out" >&3; false; }
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$MAN" 2>&1 >/dev/null)
	[ -z "$out" ] || { echo "# man: $out" >&3; false; }
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS EXAMPLES ENVIRONMENT FILES \
		CAVEATS "EXIT STATUS" "SEE ALSO"; do
		grep -q "^\.SH \"\{0,1\}$s\"\{0,1\}\$" "$MAN" || { echo "# no section $s" >&3; false; }
	done
}

@test "man page: every option of --help is described" {
	# roff writes a dash in an option as \-
	text=$(sed 's/\\-/-/g' "$MAN")
	opts=$(help_options)
	[ "$(echo "$opts" | wc -l)" -gt 20 ]
	for o in $opts; do
		grep -qE -- "(^|[^a-zA-Z0-9-])$o([^a-zA-Z0-9-]|\$)" <<<"$text" ||
			{ echo "# $o is not in the man page" >&3; false; }
	done
}

@test "man page: SEE ALSO names the related tools" {
	see=$(sed -n '/^\.SH "\{0,1\}SEE ALSO/,$p' "$MAN" | sed 's/\\-/-/g')
	for m in 'nft (8)' 'iptables (8)' 'xtables-monitor (8)' 'tcpdump (8)' \
		'pcap-filter (7)' 'conntrack (8)' 'ip-netns (8)'; do
		grep -qF ".BR $m" <<<"$see" || { echo "# SEE ALSO lacks $m" >&3; false; }
	done
}

# complete WORD...: what the bash completion offers for the last WORD
complete_bash() {
	bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_iptables_trace
		printf "%s\n" "${COMPREPLY[@]}"' _ \
		"$IPTT_ROOT/completion/iptables-trace.bash" "$@"
}

@test "bash completion: the options of --help, and their values" {
	offered=$(complete_bash iptables-trace - | sed 's/=$//' | sort -u)
	for o in $(help_options); do
		grep -qxF -- "$o" <<<"$offered" || { echo "# bash does not offer $o" >&3; false; }
	done
	[ "$(complete_bash iptables-trace --backend = '' | sort | tr '\n' ' ')" = "auto legacy nft " ]
	[ "$(complete_bash iptables-trace --rule-syntax = i)" = iptables ]
	[ "$(complete_bash iptables-trace --chain P)" = PREROUTING ]
	[ "$(complete_bash iptables-trace --verdict d | sort | tr '\n' ' ')" = "delivered drop " ]
	[ "$(complete_bash iptables-trace -o l)" = lo ]
	[ "$(complete_bash iptables-trace -i l)" = lo ]
	complete_bash iptables-trace --ba | grep -qx -- --backend=
}

@test "bash completion: --netns from ip netns list, -i from that namespace" {
	COMPL_NS=${IPTT_NS_PREFIX:-iptt-$$}-compl-$RANDOM
	ip netns add "$COMPL_NS"
	ip -n "$COMPL_NS" link add iptt-dummy0 type veth peer name iptt-dummy1
	complete_bash iptables-trace --netns "${COMPL_NS%-*}" | grep -qxF "$COMPL_NS"
	complete_bash iptables-trace --netns "$COMPL_NS" -i iptt-d | grep -qx iptt-dummy0
	# without --netns: our own interfaces
	! complete_bash iptables-trace -i iptt-d | grep -q iptt-dummy
}

@test "zsh completion: the options of --help" {
	f=$IPTT_ROOT/completion/_iptables-trace
	head -1 "$f" | grep -qx '#compdef iptables-trace'
	for o in $(help_options); do
		grep -qE -- "(^|[^a-zA-Z0-9-])$o([^a-zA-Z0-9-]|\$)" "$f" ||
			{ echo "# zsh does not offer $o" >&3; false; }
	done
	if command -v zsh >/dev/null; then zsh -n "$f"; fi
}

@test "--version: the git version and the libraries it was built with" {
	v=$(make -s -C "$IPTT_ROOT" version)
	[ -n "$v" ] && [ "$v" != unknown ]
	if [ -e "$IPTT_ROOT/.git" ]; then
		[ "$v" = "$(git -C "$IPTT_ROOT" describe --tags --always --dirty --match 'v[0-9]*' | sed 's/^v//')" ]
	fi
	line=$("$IPTT_BIN" --version)
	libs="libmnl [0-9.]+, libnftnl [0-9.]+, libnftables [0-9.]+, libpcap [0-9.]+, libnetfilter_log [0-9.]+, libnetfilter_conntrack [0-9.]+, jansson [0-9.]+"
	[[ $line =~ ^iptables-trace\ [^\ ]+\ \($libs\)$ ]] || { echo "# got: $line" >&3; false; }
	[ "$line" = "iptables-trace $v (${line#* (}" ] || { echo "# $line is not version $v (rebuild?)" >&3; false; }
	[[ $line == *"libnftnl $(pkg-config --modversion libnftnl),"* ]]
}

@test "a tarball from make dist carries its version in VERSION" {
	d=$BATS_TEST_TMPDIR
	v=$(make -s -C "$IPTT_ROOT" version)
	tgz=$(make -s -C "$IPTT_ROOT" dist DISTDIR="$d")
	[ "$tgz" = "$d/iptables-trace-$v.tar.gz" ]
	tar -C "$d" -xzf "$tgz"
	[ "$(cat "$d/iptables-trace-$v/VERSION")" = "$v" ]
	[ ! -e "$d/iptables-trace-$v/.git" ]
	[ "$(make -s -C "$d/iptables-trace-$v" version)" = "$v" ]
	[ ! -e "$d/iptables-trace-$v/build" ]
}

@test "make without a library names the Debian package to install" {
	empty=$BATS_TEST_TMPDIR/pkgconfig
	mkdir "$empty"
	rc=0
	out=$(PKG_CONFIG_PATH=$empty PKG_CONFIG_LIBDIR=$empty \
		make -C "$IPTT_ROOT" BUILD="$BATS_TEST_TMPDIR/build" all 2>&1) || rc=$?
	[ "$rc" -ne 0 ]
	grep -qxF 'Makefile: missing libnftnl (install libnftnl-dev, or run: make deps)' <<<"$out"
	grep -qxF 'Makefile: missing libnetfilter_conntrack (install libnetfilter-conntrack-dev, or run: make deps)' <<<"$out"
	grep -qxF 'Makefile: missing jansson (install libjansson-dev, or run: make deps)' <<<"$out"
	# it stopped before compiling anything
	! grep -q 'No such file' <<<"$out"
	[ ! -e "$BATS_TEST_TMPDIR/build" ]
	# make clean does not need the libraries
	PKG_CONFIG_PATH=$empty PKG_CONFIG_LIBDIR=$empty \
		make -s -C "$IPTT_ROOT" BUILD="$BATS_TEST_TMPDIR/build" clean
}

@test "quiet build: CC and LD lines, V=1 shows commands, WERROR=0, -MMD" {
	b=$BATS_TEST_TMPDIR/build
	out=$(make --no-print-directory -C "$IPTT_ROOT" BUILD="$b" "$b/obj/report.o" 2>&1)
	[ "$out" = "  CC   src/report.c" ] || { echo "# got: $out" >&3; false; }
	# header dependencies: the .d file names the header report.c
	# includes, with an empty rule for it (-MP)
	grep -qE '^[^:]*report\.o:.* src/app\.h' "$b/obj/report.d"
	grep -qx 'src/app.h:' "$b/obj/report.d"
	! grep -q 'wildcard' <<<"$(make -p -n -C "$IPTT_ROOT" BUILD="$b" "$b/obj/report.o" 2>/dev/null | grep "^$b/obj/report.o:")"
	out=$(make -n -C "$IPTT_ROOT" BUILD="$b" V=1 -B "$b/obj/report.o" 2>&1)
	grep -q -- '-Werror' <<<"$out"
	grep -q -- '-c -o .*report.o src/report.c' <<<"$out"
	out=$(make -n -C "$IPTT_ROOT" BUILD="$b" V=1 WERROR=0 -B "$b/obj/report.o" 2>&1)
	! grep -q -- '-Werror' <<<"$out"
	# LD: link the objects of the main build (copied, times kept)
	cp -a "$IPTT_ROOT"/build/obj/*.o "$b/obj/"
	cp -a "$IPTT_ROOT"/build/version.h "$b/"
	out=$(make --no-print-directory -C "$IPTT_ROOT" BUILD="$b" "$b/iptables-trace" 2>&1)
	grep -qx "  LD   $b/iptables-trace" <<<"$out" || { echo "# got: $out" >&3; false; }
	! grep -qE '(^| )(cc|gcc) ' <<<"$out"
}

@test "plain make builds the program and the man page, not a part of them" {
	b=$BATS_TEST_TMPDIR/build
	out=$(make -n --no-print-directory -C "$IPTT_ROOT" BUILD="$b" 2>&1)
	grep -q -- "-o $b/iptables-trace " <<<"$out" || { echo "# got: $out" >&3; false; }
	grep -q "$b/iptables-trace.8" <<<"$out"
}

# Writable data that outlives a call, in the object of every source
# (not stale ones of removed files): "file.o symbol".
writable_statics() {
	local c o
	for c in "$IPTT_ROOT"/src/*.c; do
		o=$IPTT_ROOT/build/obj/$(basename "${c%.c}").o
		objdump -t "$o" | awk -v f="$(basename "$o")" \
			'/ O / && $4 ~ /^\.(data|bss)($|\.)/ && $4 !~ /rel\.ro/ {
				sub(/\.[0-9]+$/, "", $NF); print f, $NF }'
	done | sort
}

@test "no globals: only the signal flag and the app of each way to run outlive a call" {
	# the apps are function statics of main.c and probe.c, because the
	# on_exit handler that undoes them runs after main returns
	out=$(writable_statics)
	want=$(printf '%s\n' 'main.o app' 'main.o stop_signal' 'probe.o st')
	[ "$out" = "$want" ] || { diff <(echo "$want") <(echo "$out") >&3; false; }
}
