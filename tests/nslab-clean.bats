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
	ip link del nslabtcl1 2>/dev/null || true
	ip link del keepcl0 2>/dev/null || true
	umount "$STRAY_DIR/proc" 2>/dev/null || true
	rm -rf "$STRAY_DIR"
	[ -z "${STRAY_CG:-}" ] || rmdir "$STRAY_CG" 2>/dev/null || true
}

# Leftovers of every kind, made by hand: a veth pair, a cgroup with a
# process in it, and a temporary rootfs with a mount inside.
make_leftovers() {
	ip link add nslabtcl1 type veth peer name nslabtcl1p
	local parent
	if [ "$(memory_cgroup_version)" = 2 ]; then
		parent=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
	else
		parent=$(awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ {print $5; exit}' /proc/self/mountinfo)
	fi
	STRAY_CG=$parent/nslab-cleantest-$$
	mkdir "$STRAY_CG"
	sleep 300 3>&- &
	STRAY_SLEEP=$!
	echo "$STRAY_SLEEP" >"$STRAY_CG/cgroup.procs"
	mkdir -p "$STRAY_DIR/proc"
	mount -t tmpfs nslabtest "$STRAY_DIR/proc"
}

@test "nslab-clean: --help exits 0; an unknown option exits 2" {
	run -0 "$NSLAB_CLEAN" --help
	[[ "$output" == *"--yes"* ]]
	run -2 "$NSLAB_CLEAN" --bogus
}

@test "nslab-clean: without --yes it lists leftovers and removes nothing" {
	make_leftovers
	run -0 "$NSLAB_CLEAN"
	[[ "$output" == *"network link: nslabtcl1"* ]]
	[[ "$output" == *"cgroup: $STRAY_CG"* ]]
	[[ "$output" == *"temporary rootfs: $STRAY_DIR"* ]]
	[[ "$output" == *"--yes"* ]]
	ip link show nslabtcl1 >/dev/null
	[ -d "$STRAY_CG" ]
	kill -0 "$STRAY_SLEEP"
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

@test "nslab-clean: --yes ends a forgotten --hold demo, which cleans up after itself" {
	start_held "$UTS_DEMO"
	local child=$HELD_PID demo=$HELD_DEMO
	run -0 "$NSLAB_CLEAN" --yes
	[[ "$output" == *"running demo: $demo"* ]]
	wait_held
	[ "$HELD_STATUS" -eq 0 ]
	gone "$child"
}

@test "nslab-clean: nothing named nslab is left behind" {
	assert_nothing_left
}
