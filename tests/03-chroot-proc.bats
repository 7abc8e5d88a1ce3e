#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# Lab 03: chroot into a small rootfs, find /proc empty, mount proc.
# Observers: /proc/PID/root, /proc/PID/mountinfo, nsenter, the host's
# /proc/self/mountinfo and findmnt, and the temporary directory itself.

load test_helper

setup_file() {
	snapshot_before
	# One rootfs for the tests that pass --rootfs; it is world-readable
	# so the unprivileged test can use it too.
	ROOTFS_DIR=$(mktemp -d /tmp/rootfs-for-tests.XXXXXX)
	chmod 755 "$ROOTFS_DIR"
	"$KIT/tools/mkrootfs" --quiet "$ROOTFS_DIR/rootfs"
	export ROOTFS=$ROOTFS_DIR/rootfs ROOTFS_DIR
}
teardown_file() { rm -rf "$ROOTFS_DIR"; }
setup() { require_built "$CHROOT_DEMO"; }
teardown() { reap_held; }

temp_rootfs_count() {
	find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'nslab-rootfs-*' | wc -l
}

@test "chroot: --help describes the lab and exits 0" {
	run -0 "$CHROOT_DEMO" --help
	[[ "$output" == *"chroot"* ]]
	[[ "$output" == *"--rootfs DIR"* ]]
}

@test "chroot: a default run builds, uses and removes its temporary rootfs" {
	require_root
	local before_mounts
	before_mounts=$(mount_state)
	run -0 "$CHROOT_DEMO"
	# The story, from inside: empty /proc first, then sh as PID 1.
	[[ "$output" == *"/proc has 0 entries"* ]]
	grep -Eq '^ +1 +root +sh$' <<<"$output"
	[ "$(temp_rootfs_count)" -eq 0 ]
	[ "$(mount_state)" = "$before_mounts" ]
}

@test "chroot: during --hold the child's root is the rootfs and its own mount table has proc" {
	require_root
	start_held "$CHROOT_DEMO" --rootfs "$ROOTFS"
	[ "$(readlink "/proc/$HELD_PID/root")" = "$ROOTFS" ]
	awk '$5 == "/proc" && $0 ~ / - proc /' "/proc/$HELD_PID/mountinfo" | grep -q .
	# The host's mount table shows nothing under the rootfs.
	run ! grep -F " $ROOTFS" /proc/self/mountinfo
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "chroot: during --hold, ps run inside by nsenter shows sh as PID 1" {
	require_root
	require_cmd nsenter
	start_held "$CHROOT_DEMO" --rootfs "$ROOTFS"
	run -0 nsenter -t "$HELD_PID" -p -m -r /bin/ps -o pid,comm
	grep -Eq '^ +1 +sh$' <<<"$output"
	stop_held TERM
}

@test "chroot: the temporary rootfs is removed after SIGTERM during --hold" {
	require_root
	start_held "$CHROOT_DEMO"
	local dir
	dir=$(readlink "/proc/$HELD_PID/root")
	[[ "$dir" == */nslab-rootfs-* ]]
	[ -d "$dir" ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	[ ! -e "$dir" ]
	gone "$HELD_PID"
}

@test "chroot: mounts and / propagation are unchanged after a SIGKILLed run" {
	require_root
	local before
	before=$(mount_state)
	start_held "$CHROOT_DEMO" --rootfs "$ROOTFS"
	stop_held KILL
	[ "$HELD_STATUS" -eq 137 ]
	wait_until 5 gone "$HELD_PID"
	[ "$(mount_state)" = "$before" ]
	run ! grep -F " $ROOTFS" /proc/self/mountinfo
}

@test "chroot: --shell leaves a shell as PID 1 in the chroot with proc mounted" {
	require_root
	run -3 "$CHROOT_DEMO" --quiet --shell --rootfs "$ROOTFS" <<<'echo "pid=$$"; ls /proc/1 >/dev/null && echo proc-ok; exit 3'
	[[ "$output" == *"pid=1"* ]]
	[[ "$output" == *"proc-ok"* ]]
}

@test "chroot: bad --rootfs values exit 2 and create nothing" {
	local file=$BATS_TEST_TMPDIR/a-file empty=$BATS_TEST_TMPDIR/empty
	touch "$file"
	mkdir "$empty"
	run -2 "$CHROOT_DEMO" --rootfs /does/not/exist
	[[ "$output" == *"No such file"* ]]
	run -2 "$CHROOT_DEMO" --rootfs "$file"
	[[ "$output" == *"not a directory"* ]]
	run -2 "$CHROOT_DEMO" --rootfs "$empty"
	[[ "$output" == *"no /bin/sh"* ]]
	run -2 "$CHROOT_DEMO" --rootfs ""
	run -2 "$CHROOT_DEMO" --rootfs /
	run -2 "$CHROOT_DEMO" --rootfs
	run -2 "$CHROOT_DEMO" --no-such-option
	[ "$(temp_rootfs_count)" -eq 0 ]
}

@test "chroot: an unprivileged user gets exit 1 and a message about root or sudo" {
	require_root
	require_cmd setpriv
	local demo
	demo=$(copy_for_nobody "$CHROOT_DEMO")
	run -1 --separate-stderr as_nobody "$demo" --rootfs "$ROOTFS"
	[[ "$stderr" == *"EPERM"*"sudo"* ]]
}

@test "chroot: nothing named nslab is left behind" {
	assert_nothing_left
}
