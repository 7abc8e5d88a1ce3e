#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# Lab 04: a veth pair between the host and a new network namespace.
# Observers: ip (host side), nsenter -n ip (namespace side), ping (from
# the host and from inside), unshare (what a fresh namespace holds here).
# Traffic goes only to the kit's own veth addresses.

load test_helper

setup_file() { snapshot_before; }
setup() {
	require_built "$VETH_DEMO"
}
# Has process PID become a shell (the demo's child, after its exec)?
is_shell() { grep -qx -e bash -e sh "/proc/$1/comm" 2>/dev/null; }

teardown() {
	reap_held
	release_netns
	# The first of two held demos, if a test holds two.
	if [ -n "${FIRST_DEMO:-}" ]; then
		HELD_DEMO=$FIRST_DEMO FIRST_DEMO=
		reap_held
	fi
	# A namespaced shell that outlived its killed demo, if a test failed.
	if [ -n "${ORPHAN_SHELL:-}" ] && ! gone "$ORPHAN_SHELL"; then
		kill -KILL "$ORPHAN_SHELL" 2>/dev/null || true
	fi
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
	# The names carry the demo's PID, not its child's.
	link_gone "nslab${HELD_PID}h"
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "veth: during --hold the namespace end has its address and lo is UP" {
	require_root
	require_cmd ip nsenter unshare
	# What every new network namespace holds here: lo, and tunl0, sit0...
	# when the ipip or sit modules are loaded.
	local fresh
	fresh=$(unshare --net ip -o link show | grep -c .)
	start_held "$VETH_DEMO"
	# The demo's count of a new namespace's links is the one seen here.
	grep -q "^==> namespace: a new network namespace has $fresh interface(s): lo$" "$HELD_LOG"
	run -0 nsenter -t "$HELD_PID" -n ip -br addr show dev "nslab${HELD_DEMO}c"
	[[ "$output" == *"10.200.0.2/24"* ]]
	[[ "$output" == *" UP "* ]]
	run -0 nsenter -t "$HELD_PID" -n ip -o link show lo
	[[ "$output" == *"<LOOPBACK,UP,LOWER_UP>"* ]]
	# Only those and the veth end live in there.
	run -0 nsenter -t "$HELD_PID" -n ip -o link show
	[ "$(grep -c . <<<"$output")" -eq $((fresh + 1)) ]
	# Its own routing table: one route, to the veth subnet, no default.
	run -0 nsenter -t "$HELD_PID" -n ip -4 route show
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "10.200.0.0/24 dev nslab${HELD_DEMO}c proto kernel scope link src 10.200.0.2"* ]]
	# Step 6's sockets are still open, each bound to its end (SO_BINDTODEVICE:
	# ss writes the device after a %).
	require_cmd ss
	[[ "$(ss -Huan src 10.200.0.1)" == *"10.200.0.1%nslab${HELD_DEMO}h:"* ]]
	[[ "$(nsenter -t "$HELD_PID" -n ss -Huan src 10.200.0.2)" == *"10.200.0.2%nslab${HELD_DEMO}c:"* ]]
	stop_held TERM
}

@test "veth: the commands printed under --hold name this run's end and child, and show what the page says" {
	require_root
	require_cmd nsenter ping
	start_held "$VETH_DEMO"
	local cmds h=nslab${HELD_DEMO}h
	mapfile -t cmds < <(sed -n '/^Holding/,/^Press/p' "$HELD_LOG" | sed -n 's/^ *sudo //p')
	[ "${cmds[*]}" = "ip -br addr show dev $h nsenter -t $HELD_PID -n ip -br addr nsenter -t $HELD_PID -n ip route ping -c 3 -I $h 10.200.0.2" ] ||
		fail "printed: ${cmds[*]}"
	run -0 bash -c "${cmds[0]}"
	[[ "$output" == "$h@"*" UP "*"10.200.0.1/24"* ]]
	run -0 bash -c "${cmds[1]}"
	[[ "$output" == *"nslab${HELD_DEMO}c@"*"10.200.0.2/24"* ]]
	run -0 bash -c "${cmds[2]}"
	[[ "$output" == "10.200.0.0/24 dev nslab${HELD_DEMO}c "* ]]
	run -0 bash -c "${cmds[3]}"
	[[ "$output" == *"3 received"* ]]
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

@test "veth: during --hold the host's routing table gains only the subnet's route on the host end" {
	require_root
	require_cmd ip
	local before during
	before=$(ip -4 route show | sed 's/ *$//' | sort)
	start_held "$VETH_DEMO"
	during=$(ip -4 route show | sed 's/ *$//' | sort)
	# Nothing of the host's own routes went or changed...
	[ -z "$(comm -23 <(echo "$before") <(echo "$during"))" ]
	# ...and the one new route is the subnet's, through the host end, up.
	[ "$(comm -13 <(echo "$before") <(echo "$during"))" = \
		"10.200.0.0/24 dev nslab${HELD_DEMO}h proto kernel scope link src 10.200.0.1" ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	# With the pair gone, the host's table is as it was.
	[ "$(ip -4 route show | sed 's/ *$//' | sort)" = "$before" ]
}

@test "veth: the demo's own UDP echo taught each side the other end's MAC, 02:6e:<demo PID>:01 or :02" {
	require_root
	require_cmd ip nsenter
	start_held "$VETH_DEMO"
	local h=nslab${HELD_DEMO}h c=nslab${HELD_DEMO}c mac
	mac=$(printf '02:6e:%02x:%02x:%02x' $((HELD_DEMO >> 16 & 255)) \
		$((HELD_DEMO >> 8 & 255)) $((HELD_DEMO & 255)))
	# Each end carries the address the demo gave it, not a random one.
	run -0 ip -o link show dev "$h"
	[[ "$output" == *"link/ether $mac:01 "* ]]
	run -0 nsenter -t "$HELD_PID" -n ip -o link show dev "$c"
	[[ "$output" == *"link/ether $mac:02 "* ]]
	# The test has sent nothing: only step 6's datagrams and their ARP can
	# have filled the neighbour tables, on both sides of the cable.
	run -0 ip -4 neigh show dev "$h"
	[[ "$output" == "10.200.0.2 lladdr $mac:02 "* ]]
	run -0 nsenter -t "$HELD_PID" -n ip -4 neigh show dev "$c"
	[[ "$output" == "10.200.0.1 lladdr $mac:01 "* ]]
	stop_held TERM
}

@test "veth: during --hold the child's network namespace is new, and the only one it does not share with the demo" {
	require_root
	require_cmd lsns
	local t ns net
	start_held "$VETH_DEMO"
	net=$(ns_inode "$HELD_PID" net)
	[ "$net" != "$(ns_inode "$HELD_DEMO" net)" ]
	for ns in /proc/"$HELD_DEMO"/ns/*; do
		t=${ns##*/}
		[ "$t" = net ] && continue
		[ "$(ns_inode "$HELD_PID" "$t")" = "$(ns_inode "$HELD_DEMO" "$t")" ] ||
			fail "the child has a $t namespace of its own"
	done
	# lsns sees one process in that namespace: the child.
	lsns_shows "^ *$net +net +1 +$HELD_PID " -t net
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

@test "veth: SIGTERM or SIGINT during --hold removes the pair and exits 0" {
	require_root
	local sig child
	for sig in TERM INT; do
		start_held "$VETH_DEMO" --name nslabt4t
		child=$HELD_PID
		ip link show nslabt4th >/dev/null
		stop_held "$sig"
		[ "$HELD_STATUS" -eq 0 ]
		link_gone nslabt4th
		gone "$child"
		[ ! -e "$BATS_TEST_TMPDIR/held.pid" ]
	done
}

@test "veth: the child killed during --hold: the demo removes the pair and exits 137" {
	require_root
	start_held "$VETH_DEMO" --name nslabt4d
	kill -KILL "$HELD_PID"
	wait_held
	[ "$HELD_STATUS" -eq 137 ]
	link_gone nslabt4dh
}

@test "veth: deleting the host end from outside takes the namespace end with it" {
	require_root
	require_cmd ip nsenter
	start_held "$VETH_DEMO" --name nslabt4o
	nsenter -t "$HELD_PID" -n ip link show nslabt4oc >/dev/null
	ip link del nslabt4oh
	run ! nsenter -t "$HELD_PID" -n ip link show nslabt4oc
	# The demo finds its pair gone at step 8: a runtime error, said so.
	stop_held TERM
	[ "$HELD_STATUS" -eq 1 ]
	grep -q "RTM_DELLINK.*failed: ENODEV" "$HELD_LOG"
	link_gone nslabt4oh
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

@test "veth: SIGKILL of the demo during --shell: the shell dies with it and the kernel removes the pair" {
	require_root
	start_shell "$VETH_DEMO" --name nslabt4z
	ORPHAN_SHELL=$HELD_PID
	ip link show nslabt4zh >/dev/null
	# Killed before its exec, the child would end by itself (its pipe from
	# the demo closes): wait until it is the shell.
	wait_until 5 is_shell "$ORPHAN_SHELL"
	# The shell reads a fifo that never ends: only PR_SET_PDEATHSIG ends
	# it, and only then does the namespace, with its end of the pair, go.
	stop_held KILL
	[ "$HELD_STATUS" -eq 137 ]
	wait_until 5 gone "$ORPHAN_SHELL"
	wait_until 5 link_gone nslabt4zh
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
	# One character over the limit: "NAMEh" would not fit in a link name.
	run -2 --separate-stderr "$VETH_DEMO" --name nslabt4s1234567
	[[ "$stderr" == *"--name must start with \"nslab\" and have at most 14 characters"* ]]
	run -2 "$VETH_DEMO" --subnet
	run -2 "$VETH_DEMO" --bogus
	[ "$(nslab_links)" = "$before" ]
}

@test "veth: two held at once, with different subnets: each pair carries its own traffic only" {
	require_root
	require_cmd ip nsenter ping
	local tmp=$BATS_TEST_TMPDIR a b
	mkdir -p "$tmp/a" "$tmp/b"
	BATS_TEST_TMPDIR=$tmp/a start_held "$VETH_DEMO" --subnet 10.211.0.0/24
	FIRST_DEMO=$HELD_DEMO a=$HELD_PID
	BATS_TEST_TMPDIR=$tmp/b start_held "$VETH_DEMO" --subnet 10.212.0.0/24
	b=$HELD_PID
	# From the host, each host end's address reaches its namespace end...
	run -0 ping -c 1 -W 1 -I 10.211.0.1 10.211.0.2
	[[ "$output" == *"1 received"* ]]
	run -0 ping -c 1 -W 1 -I 10.212.0.1 10.212.0.2
	[[ "$output" == *"1 received"* ]]
	# ...and from inside, each namespace reaches its host end.
	run -0 nsenter -t "$a" -n ping -c 1 -W 1 10.211.0.1
	run -0 nsenter -t "$b" -n ping -c 1 -W 1 10.212.0.1
	# Each namespace has its own end and its own route, not the other's.
	run -0 nsenter -t "$a" -n ip -br addr
	[[ "$output" == *"10.211.0.2/24"* && "$output" != *"10.212."* ]]
	run -0 nsenter -t "$b" -n ip route
	[[ "$output" == "10.212.0.0/24 dev "* && "$output" != *"10.211."* ]]
	# So one namespace cannot reach the other: no route, no way.
	run -2 nsenter -t "$a" -n ping -c 1 -W 1 10.212.0.2
	[[ "$output" == *"Network is unreachable"* ]]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	HELD_DEMO=$FIRST_DEMO FIRST_DEMO=
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	run -1 grep -E '10\.21[12]\.' < <(ip -o addr show)
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
	run -1 grep -E '10\.21[12]\.' < <(ip -o addr show)
}

@test "veth: --shell runs a shell in the namespace and passes on its status" {
	require_root
	# The longest name --name takes (14 characters): its ends' names have
	# the 15 bytes a link name may have.
	run -4 "$VETH_DEMO" --quiet --shell --name nslabt4s123456 <<<'ip -br addr show dev nslabt4s123456c; exit 4'
	[[ "$output" == *"nslabt4s123456c"*"10.200.0.2/24"* ]]
	link_gone nslabt4s123456h
}

@test "veth: SIGTERM during --shell, the namespace held open from outside: exit 143, the pair gone at once" {
	require_root
	start_shell "$VETH_DEMO" --name nslabt4t
	ip link show nslabt4th >/dev/null
	# Held open from outside, the namespace outlives the shell, and with it
	# the pair: only the demo's own RTM_DELLINK removes it.
	hold_netns "$HELD_PID"
	nsenter --net="/proc/$NETNS_HOLDER/fd/5" ip link show nslabt4tc >/dev/null
	stop_held TERM
	[ "$HELD_STATUS" -eq 143 ]
	# At once: no waiting for the kernel.
	link_gone nslabt4th
	run -0 nsenter --net="/proc/$NETNS_HOLDER/fd/5" ip -o link show
	[[ "$output" != *nslabt4tc* ]]
	release_netns
}

@test "veth: an unprivileged user gets exit 1 and a message about root or sudo" {
	require_root
	require_cmd setpriv
	local demo
	copy_for_nobody "$VETH_DEMO"; demo=$NOBODY_COPY
	run -1 --separate-stderr as_nobody "$demo"
	[[ "$stderr" == *"EPERM"*"sudo"* ]]
}

@test "veth: nothing named nslab is left behind" {
	assert_nothing_left
}
