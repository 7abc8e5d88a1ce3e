#!/usr/bin/env bats
# tools/nslab-clean: finds what killed runs leave, removes it only with
# --yes, and never touches anything without the nslab prefix.
# Observers: ip link, the cgroup directories, /proc/self/mountinfo, ps.

load test_helper

setup_file() { snapshot_before; }
setup() {
	require_root
	require_built "$UTS_DEMO"
	STRAY_DIR=${TMPDIR:-/tmp}/nslab-rootfs-cleantest
}
teardown() {
	reap_held
	remove_ipc_leftovers
	if [ -n "${SCRATCH:-}" ]; then
		umount "$SCRATCH/leak" 2>/dev/null || true
		umount "$SCRATCH" 2>/dev/null || true
		rmdir "$SCRATCH" 2>/dev/null || true
	fi
	ip link del nslabtcl1 2>/dev/null || true
	ip link del keepcl0 2>/dev/null || true
	ip link del keepnslab0 2>/dev/null || true
	umount "$STRAY_DIR/proc" 2>/dev/null || true
	rm -rf "$STRAY_DIR"
	# A process left in a cgroup keeps rmdir from removing it: end (and
	# reap) the test's own processes first.
	local p
	for p in ${STRAY_SLEEP:-} ${KEEP_SLEEP:-} ${FAKE_DEMO:-} ${NAMES_DEMO:-}; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	[ -z "${STRAY_CG:-}" ] || rmdir "$STRAY_CG/shell" "$STRAY_CG" 2>/dev/null || true
	[ -z "${KEEP_CG:-}" ] || rmdir "$KEEP_CG" 2>/dev/null || true
	[ -z "${NETNS_KIT:-}" ] || ip netns del "$NETNS_KIT" 2>/dev/null || true
	[ -z "${NETNS_KEEP:-}" ] || ip netns del "$NETNS_KEEP" 2>/dev/null || true
	# The first 'ip netns add' on a machine mounts /run/netns on itself
	# (to make it shared) and leaves it: take away what the test added.
	if [ -n "${RUN_NETNS_MOUNTS:-}" ]; then
		while [ "$(run_netns_mounts)" -gt "$RUN_NETNS_MOUNTS" ]; do
			umount /run/netns || break
		done
	fi
}

# How many mounts stand on /run/netns itself.
run_netns_mounts() { awk '$5 == "/run/netns"' /proc/self/mountinfo | wc -l; }

# The root of the hierarchy that holds the memory controller (v1 or v2).
cgroup_parent() {
	if [ "$(memory_cgroup_version)" = 2 ]; then
		awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo
	else
		awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ {print $5; exit}' /proc/self/mountinfo
	fi
}

# Is process PID still running?  (gone counts a zombie as gone; kill -0
# does not, and a killed process reparented to init is a zombie until init
# reaps it.)
alive() { ! gone "$1"; }

# Leftovers of every kind, made by hand: a veth pair, a cgroup with a
# process in a cgroup of another name below it (as Lab 09's --shell can
# make one), and a temporary rootfs with a mount inside.
make_leftovers() {
	ip link add nslabtcl1 type veth peer name nslabtcl1p
	local parent
	parent=$(cgroup_parent)
	[ -d "$parent" ] || fail "no cgroup hierarchy with the memory controller"
	STRAY_CG=$parent/nslab-cleantest-$$
	mkdir "$STRAY_CG" "$STRAY_CG/shell"
	sleep 300 3>&- &
	STRAY_SLEEP=$!
	echo "$STRAY_SLEEP" >"$STRAY_CG/shell/cgroup.procs"
	mkdir -p "$STRAY_DIR/proc"
	mount -t tmpfs nslabtest "$STRAY_DIR/proc"
}

# Lab 06's scratch mount as a SIGKILL of the demo and of its janitor
# leaves it: a tmpfs in $TMPDIR/nslab-mnt-*, with the leaked mount below.
make_scratch_leftover() {
	SCRATCH=${TMPDIR:-/tmp}/nslab-mnt-cleantest$$
	mkdir "$SCRATCH"
	mount -t tmpfs nslab-mnt "$SCRATCH"
	mkdir "$SCRATCH/leak"
	mount -t tmpfs nslab-leak "$SCRATCH/leak"
}

# Lab 08's host objects as a SIGKILL leaves them, made by hand (perl's
# msgget, shmget and semget; a POSIX queue is a file of the mqueue file
# system), plus one of each just outside the kit's names, to be kept.
sysv() { # msgget|shmget|semget KEY: make it (perl-base is in every Debian)
	perl -e '
		my ($call, $key) = @ARGV;
		my $id = $call eq "msgget" ? msgget(hex $key, 01600)
		       : $call eq "shmget" ? shmget(hex $key, 4096, 01600)
		       : semget(hex $key, 1, 01600);
		defined $id or die "$call($key): $!\n";' "$1" "$2"
}
in_mqueue() { # SCRIPT: run SCRIPT in a directory showing the host's POSIX queues
	unshare --mount --propagation private sh -c "mount -t mqueue none /mnt && cd /mnt && $1"
}
IPC_KEYS="0x6e3ffff0 0x6e3ffff1 0x6e3ffff2 0x6e400000 0x6dffffff"
make_ipc_leftovers() {
	sysv msgget 0x6e3ffff0
	sysv shmget 0x6e3ffff1
	sysv semget 0x6e3ffff2
	sysv msgget 0x6e400000 # one past the kit's range
	sysv msgget 0x6dffffff # one before it
	in_mqueue 'touch nslab-ipc-cleantest keep-ipc-cleantest'
	IPC_MADE=1
}
remove_ipc_leftovers() {
	[ -n "${IPC_MADE:-}" ] || return 0
	local k
	for k in $IPC_KEYS; do
		ipcrm -Q "$k" 2>/dev/null || ipcrm -M "$k" 2>/dev/null || ipcrm -S "$k" 2>/dev/null || true
	done
	in_mqueue 'rm -f nslab-ipc-cleantest keep-ipc-cleantest'
}
# Is System V key KEY (0x...) on the host, of kind msg, shm or sem?
has_key() { awk -v k="$(($2))" 'FNR > 1 && $1 == k {f = 1} END {exit !f}' "/proc/sysvipc/$1"; }
has_queue() { in_mqueue "test -e $1"; }

@test "nslab-clean: --help exits 0; an unknown option exits 2 with a message and removes nothing, even after --yes" {
	run -0 "$NSLAB_CLEAN" --help
	[[ "$output" == *"--yes"* ]]
	run -2 "$NSLAB_CLEAN" --bogus
	[[ "$output" == *"unknown option '--bogus'"* ]]
	[[ "$output" == *"Usage:"* ]]
	# A typo after --yes stops the tool before it removes anything.
	ip link add nslabtcl1 type veth peer name nslabtcl1p
	run -2 "$NSLAB_CLEAN" --yes --quite
	[[ "$output" == *"unknown option '--quite'"* ]]
	ip link show nslabtcl1 >/dev/null
	# --quiet alone would list nothing and say all is well: refused.
	run -2 "$NSLAB_CLEAN" --quiet
	[[ "$output" == *"--quiet is for --yes"* ]]
	ip link show nslabtcl1 >/dev/null
}

@test "nslab-clean: without --yes it lists leftovers and removes nothing" {
	make_leftovers
	run -0 "$NSLAB_CLEAN"
	[[ "$output" == *"network link: nslabtcl1"* ]]
	[[ "$output" == *"cgroup: $STRAY_CG"* ]]
	[[ "$output" == *"temporary rootfs: $STRAY_DIR"* ]]
	[[ "$output" == *"--yes"* ]]
	ip link show nslabtcl1 >/dev/null
	[ -d "$STRAY_CG/shell" ]
	grep -qx "$STRAY_SLEEP" "$STRAY_CG/shell/cgroup.procs"
	alive "$STRAY_SLEEP"
	grep -q " $STRAY_DIR/proc " /proc/self/mountinfo
}

@test "nslab-clean: --yes removes links, cgroups (killing their processes), mounts and rootfs" {
	make_leftovers
	# Something without the prefix, which it must not touch.
	ip link add keepcl0 type veth peer name keepcl1
	run -0 "$NSLAB_CLEAN" --yes
	link_gone nslabtcl1
	link_gone nslabtcl1p
	[ ! -d "$STRAY_CG" ]
	wait_until 5 gone "$STRAY_SLEEP"
	run ! grep -q "$STRAY_DIR" /proc/self/mountinfo
	[ ! -e "$STRAY_DIR" ]
	ip link show keepcl0 >/dev/null
	ip link del keepcl0
	run -0 "$NSLAB_CLEAN"
	[[ "$output" == *"nothing named nslab found"* ]]
}

@test "nslab-clean: finds, and with --yes removes, Lab 06's scratch mounts with the mount below" {
	make_scratch_leftover
	run -0 "$NSLAB_CLEAN"
	[[ "$output" == *"scratch mount: $SCRATCH"* ]]
	grep -q " $SCRATCH/leak " /proc/self/mountinfo
	run -0 "$NSLAB_CLEAN" --yes
	echo "$output"
	run ! grep -q " ${SCRATCH}[/ ]" /proc/self/mountinfo
	[ ! -e "$SCRATCH" ]
}

@test "nslab-clean: finds, and with --yes removes, Lab 08's IPC objects, and only the kit's" {
	require_cmd perl ipcrm
	make_ipc_leftovers
	has_key msg 0x6e3ffff0
	has_queue nslab-ipc-cleantest
	run -0 "$NSLAB_CLEAN"
	[[ "$output" == *"System V message queue: key 0x6e3ffff0"* ]]
	[[ "$output" == *"System V shared memory: key 0x6e3ffff1"* ]]
	[[ "$output" == *"System V semaphore set: key 0x6e3ffff2"* ]]
	[[ "$output" == *"POSIX message queue: /nslab-ipc-cleantest"* ]]
	[[ "$output" != *"0x6e400000"* && "$output" != *"0x6dffffff"* && "$output" != *keep-ipc* ]]
	# Listing removed nothing.  (One check a line: in "a && b" under set -e,
	# a failing a would not fail the test.)
	has_key msg 0x6e3ffff0
	has_key shm 0x6e3ffff1
	has_key sem 0x6e3ffff2
	has_queue nslab-ipc-cleantest
	run -0 "$NSLAB_CLEAN" --yes
	echo "$output"
	run ! has_key msg 0x6e3ffff0
	run ! has_key shm 0x6e3ffff1
	run ! has_key sem 0x6e3ffff2
	run ! has_queue nslab-ipc-cleantest
	# What is not the kit's is still there.
	has_key msg 0x6e400000
	has_key msg 0x6dffffff
	has_queue keep-ipc-cleantest
}

@test "nslab-clean: --yes ends a forgotten --hold demo, which cleans up after itself" {
	start_held "$UTS_DEMO"
	local child=$HELD_PID demo=$HELD_DEMO
	run -0 "$NSLAB_CLEAN" --yes
	[[ "$output" == *"running demo: $demo"* ]]
	wait_held
	[ "$HELD_STATUS" -eq 0 ]
	gone "$child"
}

@test "nslab-clean: --yes ends with SIGKILL a demo that cannot answer SIGTERM (stopped with Ctrl-Z)" {
	start_held "$UTS_DEMO"
	local child=$HELD_PID demo=$HELD_DEMO
	# A demo suspended and forgotten: the SIGTERM waits for a SIGCONT that
	# never comes, so only the SIGKILL after 5 seconds ends it.
	kill -STOP "$demo"
	run -0 "$NSLAB_CLEAN"
	[[ "$output" == *"running demo: $demo"* ]]
	alive "$demo"
	# "SIGKILL after 5 seconds": 5 s by the clock, not 250 rounds of a loop
	# (which took 9 s here).  Timed to the demo's end, not the tool's: the
	# rest of its work takes seconds more under the distro check's emulation.
	local t0=${EPOCHREALTIME//[!0-9]/} cleaner ms
	"$NSLAB_CLEAN" --yes >"$BATS_TEST_TMPDIR/clean.out" 2>&1 3>&- &
	cleaner=$!
	wait_until 15 gone "$demo"
	ms=$(((${EPOCHREALTIME//[!0-9]/} - t0) / 1000))
	wait "$cleaner" || fail "nslab-clean --yes failed: $(cat "$BATS_TEST_TMPDIR/clean.out")"
	[ "$ms" -ge 5000 ] || fail "the demo ended after $ms ms, before its 5 s"
	[ "$ms" -lt 8000 ] || fail "the demo ended after $ms ms"
	wait_held
	[ "$HELD_STATUS" -eq 137 ]
	# Its child goes with it (PR_SET_PDEATHSIG).
	wait_until 5 gone "$child"
}

@test "nslab-clean: finds, and with --yes removes, nslab* network namespaces, and only those" {
	NETNS_KIT=nslab-cleantest$$ NETNS_KEEP=keep-nslab-cleantest$$
	RUN_NETNS_MOUNTS=$(run_netns_mounts)
	ip netns add "$NETNS_KIT"
	ip netns add "$NETNS_KEEP"
	run -0 "$NSLAB_CLEAN"
	[[ "$output" == *"network namespace: $NETNS_KIT"* ]]
	[[ "$output" != *"$NETNS_KEEP"* ]]
	# A named namespace is a bind mount of its nsfs file on /run/netns/NAME:
	# listing left it mounted.
	grep -q " /run/netns/$NETNS_KIT " /proc/self/mountinfo
	run -0 "$NSLAB_CLEAN" --yes --quiet
	# --quiet prints only what could not be removed.
	[ -z "$output" ]
	run ! grep -q " /run/netns/$NETNS_KIT " /proc/self/mountinfo
	[ ! -e "/run/netns/$NETNS_KIT" ]
	grep -q " /run/netns/$NETNS_KEEP " /proc/self/mountinfo
}

@test "nslab-clean: --yes leaves alone links, cgroups and processes whose names only resemble the kit's" {
	# One leftover of the kit's, so that --yes has something to do.
	ip link add nslabtcl1 type veth peer name nslabtcl1p
	# The user's: "nslab" inside a name but not at its start; a cgroup of
	# that kind with a process in it; a program named like a demo that is
	# not one of the kit's labs/NN-topic/ programs.
	ip link add keepnslab0 type veth peer name xnslab0
	KEEP_CG=$(cgroup_parent)/keep-nslab-cleantest-$$
	mkdir "$KEEP_CG"
	sleep 300 3>&- &
	KEEP_SLEEP=$!
	echo "$KEEP_SLEEP" >"$KEEP_CG/cgroup.procs"
	# shellcheck disable=SC2016 # for the inner bash
	bash -c 'exec -a "$0" sleep 300' "$BATS_TEST_TMPDIR/uts_demo" 3>&- &
	FAKE_DEMO=$!
	wait_until 5 grep -q uts_demo "/proc/$FAKE_DEMO/cmdline"
	# A process whose command line names the kit's very demo (a debugger,
	# strace, a pager on it) is not running it.
	tail -f "$UTS_DEMO" >/dev/null 3>&- &
	NAMES_DEMO=$!
	run -0 "$NSLAB_CLEAN" --yes
	echo "$output"
	link_gone nslabtcl1
	ip link show keepnslab0 >/dev/null
	ip link show xnslab0 >/dev/null
	[ -d "$KEEP_CG" ]
	grep -qx "$KEEP_SLEEP" "$KEEP_CG/cgroup.procs"
	alive "$KEEP_SLEEP"
	alive "$FAKE_DEMO"
	alive "$NAMES_DEMO"
}

@test "nslab-clean: a held demo whose program was rebuilt since it started is still found" {
	start_held "$UTS_DEMO"
	local child=$HELD_PID demo=$HELD_DEMO
	# make writes a new file: the running demo's executable is "(deleted)".
	cp -p "$UTS_DEMO" "$UTS_DEMO.nslab-rebuilt"
	mv -f "$UTS_DEMO.nslab-rebuilt" "$UTS_DEMO"
	[[ "$(readlink "/proc/$demo/exe")" == *" (deleted)" ]]
	run -0 "$NSLAB_CLEAN" --yes
	[[ "$output" == *"running demo: $demo"* ]]
	wait_held
	[ "$HELD_STATUS" -eq 0 ]
	gone "$child"
}

@test "nslab-clean: nothing named nslab is left behind" {
	assert_nothing_left
}
