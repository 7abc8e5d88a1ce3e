#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# Lab 04: a veth pair between the host and a new network namespace.
# Observers: ip (host side), nsenter -n ip (namespace side), ping.
# Traffic goes only to the kit's own veth addresses.

load test_helper

setup_file() { snapshot_before; }
setup() {
	require_built "$VETH_DEMO"
}
teardown() {
	reap_held
	# Links this file's tests create by hand, if a test failed half-way.
	local l
	for l in nslabt4xh nslabt4yc; do
		ip link del "$l" 2>/dev/null || true
	done
}

@test "veth: --help describes the lab and exits 0" {
	run -0 "$VETH_DEMO" --help
	[[ "$output" == *"veth pair"* ]]
	[[ "$output" == *"--subnet"* ]]
}

@test "veth: during --hold the host end is UP with the host address" {
	require_root
	require_cmd ip
	start_held "$VETH_DEMO"
	local h=nslab${HELD_DEMO}h
	run -0 ip -br addr show dev "$h"
	[[ "$output" == *" UP "* ]]
	[[ "$output" == *"10.200.0.1/24"* ]]
	# The other end is not on the host any more.
	link_gone "nslab${HELD_DEMO}c"
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "veth: during --hold the namespace end has its address and lo is UP" {
	require_root
	require_cmd ip nsenter
	start_held "$VETH_DEMO"
	run -0 nsenter -t "$HELD_PID" -n ip -br addr show dev "nslab${HELD_DEMO}c"
	[[ "$output" == *"10.200.0.2/24"* ]]
	[[ "$output" == *" UP "* ]]
	run -0 nsenter -t "$HELD_PID" -n ip -o link show lo
	[[ "$output" == *"<LOOPBACK,UP,LOWER_UP>"* ]]
	# Only lo and the veth end live in there.
	run -0 nsenter -t "$HELD_PID" -n ip -o link show
	[ "$(grep -c . <<<"$output")" -eq 2 ]
	# Its own routing table: the veth subnet only, no default route.
	run -0 nsenter -t "$HELD_PID" -n ip route show
	[[ "$output" == "10.200.0.0/24 dev nslab${HELD_DEMO}c"* ]]
	[[ "$output" != *default* ]]
	stop_held TERM
}

@test "veth: during --hold, ping through the host end reaches the namespace" {
	require_root
	require_cmd ping
	start_held "$VETH_DEMO" --subnet 10.203.0.0/24
	run -0 ping -c 1 -W 2 -I "nslab${HELD_DEMO}h" 10.203.0.2
	[[ "$output" == *"1 received"* ]]
	stop_held TERM
}

@test "veth: after a normal run no nslab link exists" {
	require_root
	local before
	before=$(nslab_links)
	run -0 "$VETH_DEMO" --name nslabt4n
	[[ "$output" == *"RTM_DELLINK nslabt4nh"* ]]
	link_gone nslabt4nh
	link_gone nslabt4nc
	[ "$(nslab_links)" = "$before" ]
}

@test "veth: SIGTERM during --hold removes the pair and exits 0" {
	require_root
	start_held "$VETH_DEMO" --name nslabt4t
	ip link show nslabt4th >/dev/null
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	link_gone nslabt4th
	gone "$HELD_PID"
}

@test "veth: after SIGKILL of the demo, the kernel removes the pair by itself" {
	require_root
	start_held "$VETH_DEMO" --name nslabt4k
	ip link show nslabt4kh >/dev/null
	stop_held KILL
	[ "$HELD_STATUS" -eq 137 ]
	# The child dies with the demo, its namespace goes, and the veth end
	# inside takes its peer with it.
	wait_until 5 link_gone nslabt4kh
}

@test "veth: a name that already exists fails with EEXIST and makes nothing" {
	require_root
	ip link add nslabt4xh type veth peer name nslabt4xc
	local before
	before=$(ip -o link show | grep nslab | sed 's/^[0-9]*: //' | sort)
	run -1 --separate-stderr "$VETH_DEMO" --name nslabt4x
	[[ "$stderr" == *"RTM_NEWLINK"*"EEXIST"*"already exists"* ]]
	# The test's own pair is untouched and nothing else appeared.
	[ "$(ip -o link show | grep nslab | sed 's/^[0-9]*: //' | sort)" = "$before" ]
	ip link del nslabt4xh
}

@test "veth: when only the peer's name is taken, no half-made host end is left" {
	require_root
	# Another pair holds the name the demo wants for its peer.
	ip link add nslabt4yc type veth peer name nslabt4yz
	run -1 --separate-stderr "$VETH_DEMO" --name nslabt4y
	[[ "$stderr" == *"EEXIST"* ]]
	link_gone nslabt4yh
	ip link del nslabt4yc
}

@test "veth: bad --subnet and --name values exit 2 and create nothing" {
	local before bad
	before=$(nslab_links)
	for bad in 10.200.0.0/16 10.200.0.5/24 300.1.1.0/24 10.200.0/24 abc "" \
		127.0.0.0/24 0.0.0.0/24 224.1.2.0/24 10.200.0.0 "10.200.0.0/24 "; do
		run -2 "$VETH_DEMO" --subnet "$bad"
		[[ "$output" == *"--subnet"* ]]
		[[ "$output" != *"RTM_NEWLINK"* ]]
	done
	for bad in foo nslab_this_is_too_long "nslab/x" "nslab x" ""; do
		run -2 "$VETH_DEMO" --name "$bad"
		[[ "$output" == *"--name"* ]]
	done
	run -2 "$VETH_DEMO" --subnet
	run -2 "$VETH_DEMO" --bogus
	[ "$(nslab_links)" = "$before" ]
}

@test "veth: two runs at once with different subnets both succeed" {
	require_root
	local a b sa=0 sb=0
	"$VETH_DEMO" --subnet 10.211.0.0/24 >"$BATS_TEST_TMPDIR/a.log" 2>&1 3>&- &
	a=$!
	"$VETH_DEMO" --subnet 10.212.0.0/24 >"$BATS_TEST_TMPDIR/b.log" 2>&1 3>&- &
	b=$!
	wait "$a" || sa=$?
	wait "$b" || sb=$?
	cat "$BATS_TEST_TMPDIR/a.log" "$BATS_TEST_TMPDIR/b.log"
	[ "$sa" -eq 0 ]
	[ "$sb" -eq 0 ]
	grep -q "traffic: crossed" "$BATS_TEST_TMPDIR/a.log"
	grep -q "traffic: crossed" "$BATS_TEST_TMPDIR/b.log"
}

@test "veth: --shell runs a shell in the namespace and passes on its status" {
	require_root
	run -4 "$VETH_DEMO" --quiet --shell --name nslabt4s <<<'ip -br addr show dev nslabt4sc; exit 4'
	[[ "$output" == *"nslabt4sc"*"10.200.0.2/24"* ]]
	link_gone nslabt4sh
}

@test "veth: an unprivileged user gets exit 1 and a message about root or sudo" {
	require_root
	require_cmd setpriv
	local demo
	demo=$(copy_for_nobody "$VETH_DEMO")
	run -1 --separate-stderr as_nobody "$demo"
	[[ "$stderr" == *"EPERM"*"sudo"* ]]
}

@test "veth: nothing named nslab is left behind" {
	assert_nothing_left
}
