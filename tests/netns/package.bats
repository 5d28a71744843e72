#!/usr/bin/env bats
# PACKAGE BUILD TEST (about 20 s): builds the Debian package from a
# `make dist` tarball of the working tree's tracked files in a temp dir,
# so the build cannot touch the checkout; checks it with lintian and
# unpacks it into a throwaway root to run it. Installs dpkg-dev,
# debhelper and lintian first (scripts/deps.sh package, idempotent);
# skips, saying why, only when they cannot be installed.

load lib

setup_file() {
	export PKG_DIR=$BATS_FILE_TMPDIR/pkg
	mkdir -p "$PKG_DIR"
	if ! sh "$IPTT_ROOT/scripts/deps.sh" package >"$PKG_DIR/deps.log" 2>&1; then
		export PKG_SKIP="cannot install dpkg-dev, debhelper, lintian: $(tail -1 "$PKG_DIR/deps.log")"
		return 0
	fi
	export PKG_VERSION
	PKG_VERSION=$(make -s -C "$IPTT_ROOT" version)
	tgz=$(make -s -C "$IPTT_ROOT" dist DISTDIR="$PKG_DIR")
	tar -C "$PKG_DIR" -xzf "$tgz"
	export PKG_SRC=$PKG_DIR/iptables-trace-$PKG_VERSION
	export PKG_DEBVER
	PKG_DEBVER=$(cd "$PKG_SRC" && dpkg-parsechangelog -S Version)
	export PKG_DEB=$PKG_DIR/iptables-trace_${PKG_DEBVER}_$(dpkg --print-architecture).deb
	export PKG_RC=0
	(cd "$PKG_SRC" && dpkg-buildpackage -us -uc -b -j2) >"$PKG_DIR/build.log" 2>&1 ||
		PKG_RC=$?
}

setup() {
	[ -z "${PKG_SKIP:-}" ] || skip "$PKG_SKIP"
}

@test "package: dpkg-buildpackage -b builds the .deb" {
	if [ "$PKG_RC" -ne 0 ] || [ ! -f "$PKG_DEB" ]; then
		echo "# dpkg-buildpackage exited with $PKG_RC; the log ends:" >&3
		tail -30 "$PKG_DIR/build.log" | sed 's/^/#   /' >&3
		false
	fi
	# no tests at build time, and warnings are not errors for distributions
	! grep -q -- '-Werror ' "$PKG_DIR/build.log"
	! grep -qE '^(ok|not ok) ' "$PKG_DIR/build.log"
}

@test "package: lintian finds no errors" {
	[ -f "$PKG_DEB" ]
	out=$(lintian "$PKG_DEB" 2>&1 | grep -v 'running with root privileges') || true
	[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/# lintian: /' >&3
	! grep -q '^E: ' <<<"$out"
}

@test "package: the files, and --version from the unpacked root" {
	[ -f "$PKG_DEB" ]
	root=$BATS_TEST_TMPDIR/root
	dpkg -x "$PKG_DEB" "$root"
	for f in usr/sbin/iptables-trace usr/share/man/man8/iptables-trace.8.gz \
		usr/share/doc/iptables-trace/json.md usr/share/doc/iptables-trace/copyright \
		usr/share/bash-completion/completions/iptables-trace \
		usr/share/zsh/vendor-completions/_iptables-trace; do
		[ -f "$root/$f" ] || { echo "# the package lacks /$f" >&3; false; }
	done
	line=$("$root/usr/sbin/iptables-trace" --version)
	[[ $line =~ ^iptables-trace\ ${PKG_VERSION//./\\.}\ \(libmnl\ [0-9.]+,\ libnftnl\ [0-9.]+,.*jansson\ [0-9.]+\)$ ]] ||
		{ echo "# --version: $line (want $PKG_VERSION)" >&3; false; }
	# the man page: version, and json.md by its installed path
	zcat "$root/usr/share/man/man8/iptables-trace.8.gz" | head -1 |
		grep -qF "\"iptables-trace $PKG_VERSION\""
	zcat "$root/usr/share/man/man8/iptables-trace.8.gz" |
		grep -qF '/usr/share/doc/iptables\-trace/json.md'
	[ "$(dpkg-deb -f "$PKG_DEB" Version)" = "$PKG_DEBVER" ]
	dpkg-deb -f "$PKG_DEB" Recommends | grep -qw iptables
}
