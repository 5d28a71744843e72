#!/usr/bin/env bats
# snapshots_prepare_block() (src/snapshots.c), through its test driver
# build/tests/snapshots_prepare: start-up reads no rules, the resolver's
# lookups never read them, and after the block is prepared every rule it
# names is there with its position and text, also one added after the
# last read whose news was not read yet.

load lib

SNP=${IPTT_SNAPSHOTS_PREPARE:-$IPTT_ROOT/build/tests/snapshots_prepare}

setup() {
	[ -x "$SNP" ] || { echo "# $SNP is missing: run make testlibs" >&3; return 1; }
	lab_setup
	rtr_nft <<-'EOF2'
	table inet snap {
		chain in {
			type filter hook input priority 0; policy accept;
			tcp dport 22 accept
			udp dport 53 jump u
		}
		chain u {
			ip saddr 192.0.2.1 counter drop
		}
	}
	EOF2
}
teardown() { lab_teardown; }

# The handle the table's next object gets: handles count up per table.
next_handle() {
	ip netns exec "$RTR" nft -a list table inet snap |
		sed -n '2,$s/.* # handle \([0-9]*\)$/\1/p' | sort -n | tail -1 |
		awk '{ print $1 + 1 }'
}

@test "snapshots: a block's rules and text are read when it is prepared, not before" {
	local h22 h53 hu
	h22=$(nft_handle "$RTR" inet snap in 'tcp dport 22 accept')
	h53=$(nft_handle "$RTR" inet snap in 'udp dport 53 jump u')
	hu=$(nft_handle "$RTR" inet snap u 'ip saddr 192.0.2.1 counter drop')
	run ip netns exec "$RTR" "$SNP" inet snap "in:$h22" "in:$h53" "u:$hu"
	[ "$status" -eq 0 ]
	diff -u - <(printf '%s\n' "$output") <<-EOF2
	before in $h22: miss
	before in $h53: miss
	before u $hu: miss
	after in $h22: pos=1 text=tcp dport 22 accept
	after in $h53: pos=2 text=udp dport 53 jump u
	after u $hu: pos=1 text=ip saddr 192.0.2.1 counter drop
	EOF2
}

# The lookups keep answering from the snapshot as it was until the block
# is prepared again; then the new rule is there and the old one moved.
@test "snapshots: a rule added after the last read is found when the next block is prepared" {
	local h22 new
	h22=$(nft_handle "$RTR" inet snap in 'tcp dport 22 accept')
	new=$(next_handle)
	run ip netns exec "$RTR" "$SNP" inet snap "in:$h22" "in:$new" -- \
		nft insert rule inet snap in position "$h22" tcp dport 80 accept
	[ "$status" -eq 0 ]
	diff -u - <(printf '%s\n' "$output") <<-EOF2
	before in $h22: miss
	before in $new: miss
	after in $h22: pos=1 text=tcp dport 22 accept
	after in $new: miss
	changed in $h22: pos=1 text=tcp dport 22 accept
	changed in $new: miss
	again in $h22: pos=2 text=tcp dport 22 accept
	again in $new: pos=1 text=tcp dport 80 accept
	EOF2
}
