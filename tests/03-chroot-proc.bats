#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# Lab 03: chroot into a small rootfs, find /proc empty, mount proc.
# Observers: /proc/PID/root (and the child's /proc seen through it),
# /proc/PID/mountinfo, nsenter into the child's mount namespace (findmnt,
# ps), and the host's /proc/self/mountinfo and findmnt.

load test_helper

setup_file() {
	snapshot_before
	# A rootfs of the tests' own for --rootfs; world-readable, so the
	# unprivileged test can use it too.  The default is labs/rootfs.
	ROOTFS_DIR=$(mktemp -d /tmp/rootfs-for-tests.XXXXXX)
	chmod 755 "$ROOTFS_DIR"
	"$MKROOTFS" --quiet "$ROOTFS_DIR/rootfs"
	export ROOTFS=$ROOTFS_DIR/rootfs ROOTFS_DIR
}
teardown_file() { rm -rf "$ROOTFS_DIR"; }
setup() {
	require_built "$CHROOT_DEMO"
	[ -f "$KIT/labs/rootfs/.nslab-rootfs" ] || fail "labs/rootfs is not built (run: make)"
	LABS_ROOTFS=$(realpath "$KIT/labs/rootfs")
}
teardown() {
	reap_held
	# A test that mounted something on the rootfs and failed before its
	# own umount must not leave it to the tests after it.
	if [ -n "${ROOTFS:-}" ] && mountpoint -q "$ROOTFS/proc"; then umount "$ROOTFS/proc"; fi
}

# Has the held demo printed its "Holding" banner N times (or more)?
holds_in_log() { [ "$(grep -c '^Holding' "$HELD_LOG")" -ge "$1" ]; }

# Does PID's own mount table list a proc mounted on /proc?  Mount points
# in /proc/PID/mountinfo are seen from PID's root, so this is /proc inside.
proc_mounted_in() {
	awk '$5 == "/proc" && / - proc /' "/proc/$1/mountinfo" | grep -q .
}

@test "chroot: --help describes the lab and its options and exits 0" {
	run -0 "$CHROOT_DEMO" --help
	[[ "$output" == *"chroot"* ]]
	[[ "$output" == *"--rootfs DIR"* ]]
	[[ "$output" == *"labs/rootfs"*"make"* ]]
	[[ "$output" == *"--hold-before-mount"* ]]
}

@test "chroot: a default run tells the story in order and leaves the host's mounts as they were" {
	require_root
	local before_mounts
	before_mounts=$(mount_state)
	run -0 "$CHROOT_DEMO"
	[[ "$output" == *"[1] the root filesystem: $LABS_ROOTFS "* ]]
	# Empty /proc first, then sh as PID 1 once proc is mounted.  (This is
	# the narration; the host's own view of that empty /proc is checked at
	# --hold-before-mount below.)
	[[ "$output" == *"/proc has 0 entries"*"[6] mount(\"proc\""*"[7] "* ]]
	grep -Eq '^ +1 +root +sh$' <<<"$output"
	[[ "$output" == *"host mounts under $LABS_ROOTFS: 0"* ]]
	[ "$(mount_state)" = "$before_mounts" ]
}

@test "chroot: step 9's sh unmounts the proc it was given, as strace sees it" {
	require_root
	require_cmd strace
	local t=$BATS_TEST_TMPDIR/trace
	run -0 env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=umount2 -e signal=none -o "$t" "$CHROOT_DEMO" --quiet
	grep -Eq '^[0-9]+ +umount2\("/proc", 0\) += 0$' "$t" || fail "$(cat "$t")"
}

@test "chroot: the default rootfs is labs/rootfs, found from the program's path, from any directory" {
	require_root
	# Started through a symlink in another directory, from "/": the rootfs
	# is found from /proc/self/exe, not from the cwd or argv[0].
	ln -s "$CHROOT_DEMO" "$BATS_TEST_TMPDIR/demo-link"
	cd /
	start_held "$BATS_TEST_TMPDIR/demo-link"
	[ "$(readlink "/proc/$HELD_PID/root")" = "$LABS_ROOTFS" ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "chroot: with no labs/rootfs beside it, the demo says to run make and exits 1, creating nothing" {
	require_root
	local before demo=$BATS_TEST_TMPDIR/kit/labs/03-chroot-proc/chroot_proc_demo
	mkdir -p "${demo%/*}"
	cp "$CHROOT_DEMO" "$demo"
	before=$(mount_state)
	run -1 "$demo"
	[[ "$output" == *"no root filesystem in $BATS_TEST_TMPDIR/kit/labs/rootfs"* ]]
	[[ "$output" == *"run \`make\`"* ]]
	[[ "$output" != *"clone("* ]]
	# Half a rootfs (no .nslab-rootfs: mkrootfs did not finish) is missing too.
	mkdir -p "$BATS_TEST_TMPDIR/kit/labs/rootfs/bin"
	cp /bin/sh "$BATS_TEST_TMPDIR/kit/labs/rootfs/bin/"
	run -1 "$demo"
	[[ "$output" == *"run \`make\`"* ]]
	# ...and --rootfs still works for such a copy.
	run -0 "$demo" --quiet --rootfs "$ROOTFS"
	[ "$(mount_state)" = "$before" ]
}

@test "chroot: a rootfs whose /proc already holds files makes step 5's claim false: exit 1, said, nothing left mounted" {
	require_root
	local rf=$BATS_TEST_TMPDIR/rf before
	cp -a "$ROOTFS" "$rf"
	: >"$rf/proc/stray"
	before=$(mount_state)
	run -1 --separate-stderr "$CHROOT_DEMO" --rootfs "$rf"
	[[ "$output" == *"[5] /proc has 1 entries"* ]]
	[[ "$output" != *"before mounting proc, /proc is empty"* ]]
	[[ "$stderr" == *"$rf/proc is not empty before any mount: use a fresh rootfs"* ]]
	[ "$(mount_state)" = "$before" ]
	run ! grep -F " $rf/" /proc/self/mountinfo
}

@test "chroot: during --hold the child's root is the rootfs and its own mount table has proc, nosuid,nodev,noexec" {
	require_root
	require_cmd nsenter findmnt
	start_held "$CHROOT_DEMO" --rootfs "$ROOTFS"
	[ "$(readlink "/proc/$HELD_PID/root")" = "$ROOTFS" ]
	proc_mounted_in "$HELD_PID"
	# The child's /proc, seen from the host through its root: PID 1 is there.
	[ -d "/proc/$HELD_PID/root/proc/1" ]
	# The same mount seen in the child's mount namespace, without the chroot.
	run -0 nsenter -t "$HELD_PID" -m findmnt -n -o FSTYPE,OPTIONS "$ROOTFS/proc"
	[[ "$output" == "proc "* ]]
	[[ "$output" == *nosuid* && "$output" == *nodev* && "$output" == *noexec* ]]
	# Step 3: no mount in the child's namespace is shared with any other.
	run -0 nsenter -t "$HELD_PID" -m cat /proc/self/mountinfo
	run ! grep -q 'shared:' <<<"$output"
	# The host's mount table shows nothing under the rootfs.
	run ! grep -F " $ROOTFS/" /proc/self/mountinfo
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "chroot: during --hold the child's working directory is the rootfs too, not where the demo was started" {
	require_root
	# Started from a directory outside the rootfs: chroot() alone would
	# leave the child's working directory there, outside its new root.
	cd "$BATS_TEST_TMPDIR"
	start_held "$CHROOT_DEMO" --rootfs "$ROOTFS"
	[ "$(readlink "/proc/$HELD_PID/root")" = "$ROOTFS" ]
	[ "$(readlink "/proc/$HELD_PID/cwd")" = "$ROOTFS" ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "chroot: during --hold only the mnt and pid namespaces are new, and the child's proc shows its PID namespace alone" {
	require_root
	local t
	start_held "$CHROOT_DEMO" --rootfs "$ROOTFS"
	# CLONE_NEWPID|CLONE_NEWNS and nothing more: chroot is no namespace.
	for t in mnt pid; do
		[ "$(ns_inode "$HELD_PID" "$t")" != "$(ns_inode $$ "$t")" ]
	done
	for t in net uts ipc user cgroup time; do
		[ -e "/proc/$$/ns/$t" ] || continue
		[ "$(ns_inode "$HELD_PID" "$t")" = "$(ns_inode $$ "$t")" ]
	done
	# The kernel's own record: the child is PID 1 of its namespace.
	[ "$(nspid "$HELD_PID")" = "$HELD_PID 1" ]
	# Its proc lists the one process of that namespace, sh as 1 (waiting
	# for the end), and the host finds no other process in it.
	local -a procs=("/proc/$HELD_PID/root/proc"/[0-9]*)
	[ "${procs[*]}" = "/proc/$HELD_PID/root/proc/1" ]
	[ "$(pids_in_pid_ns "$HELD_PID")" = "$HELD_PID" ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "chroot: even where / is shared (as under systemd), the child's proc mount does not reach the host" {
	require_root
	require_cmd unshare findmnt
	# A stand-in host: a mount namespace whose mounts are all shared, in
	# peer groups of its own (made private first: on a systemd host a plain
	# copy of a shared mount would still be a peer of the real host's).
	# shellcheck disable=SC2016 # expanded by the inner bash
	run -0 unshare --mount bash -c 'mount --make-rshared / || exit
		"$1" --rootfs "$2" --hold --pidfile "$3" </dev/null >/dev/null 2>&1 3>&- &
		for _ in $(seq 500); do [ -s "$3" ] && break; sleep 0.02; done
		findmnt -n -o PROPAGATION /
		grep -c " /proc .* - proc " "/proc/$(cat "$3")/mountinfo"
		grep -c " $2/proc " /proc/self/mountinfo
		kill -TERM $! && wait $!' _ "$CHROOT_DEMO" "$ROOTFS" "$BATS_TEST_TMPDIR/held.pid"
	[ "${lines[0]}" = shared ]
	# The child's own mount table has its proc, at the moment the stand-in
	# host looks (so the 0 below is not that of a demo that never got there)...
	[ "${lines[1]}" = 1 ]
	# ...and the stand-in host's table has nothing on the rootfs's /proc.
	[ "${lines[2]}" = 0 ]
}

@test "chroot: during --hold, ps run inside by nsenter shows sh as PID 1" {
	require_root
	require_cmd nsenter
	start_held "$CHROOT_DEMO" --rootfs "$ROOTFS"
	run -0 nsenter -t "$HELD_PID" -p -m -r /bin/ps -e -o pid,comm
	grep -Eq '^ +1 +sh$' <<<"$output"
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "chroot: at --hold-before-mount the host sees the child chrooted with an empty /proc, then the story goes on" {
	require_root
	require_cmd nsenter findmnt
	start_held "$CHROOT_DEMO" --rootfs "$ROOTFS" --hold-before-mount
	# Held at step 5: no step 6 yet, and the observers agree.
	[[ "$(cat "$HELD_LOG")" == *"[5] "* && "$(cat "$HELD_LOG")" != *"[6] "* ]]
	[ "$(readlink "/proc/$HELD_PID/root")" = "$ROOTFS" ]
	# As the page says, findmnt -N prints nothing at all and exits 1: the
	# child's mount table lists only what it can reach from its root, none yet.
	run -1 findmnt -N "$HELD_PID"
	[ -z "$output" ]
	# The story's "/proc has 0 entries" is what the host finds there.
	grep -q '/proc has 0 entries' "$HELD_LOG"
	# (ls must succeed: one that fails, say for a child gone, prints nothing either.)
	run -0 ls -A "/proc/$HELD_PID/root/proc"
	[ -z "$output" ]
	run -0 nsenter -t "$HELD_PID" -m -r ls -A /proc
	[ -z "$output" ]
	run ! proc_mounted_in "$HELD_PID"
	run ! nsenter -t "$HELD_PID" -m findmnt "$ROOTFS/proc"
	# SIGTERM ends this hold only: steps 6 to 8 follow, then --hold's own.
	kill -TERM "$HELD_DEMO"
	wait_until 5 holds_in_log 2
	[ -d "/proc/$HELD_PID/root/proc/1" ]
	proc_mounted_in "$HELD_PID"
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	grep -q '^==> host:    nothing is left mounted; exit status 0$' "$HELD_LOG"
}

@test "chroot: --hold-before-mount alone, ended with SIGINT, runs to the end and exits 0" {
	require_root
	local pidfile=$BATS_TEST_TMPDIR/early.pid log=$BATS_TEST_TMPDIR/early.log pid child status=0
	"$CHROOT_DEMO" --hold-before-mount --pidfile "$pidfile" </dev/null >"$log" 2>&1 3>&- &
	pid=$!
	# Until it is waited for, teardown ends it if a check below fails.
	HELD_DEMO=$pid
	wait_until 10 grep -q '^Holding' "$log"
	child=$(cat "$pidfile")
	run -0 ls -A "/proc/$child/root/proc"
	[ -z "$output" ]
	kill -INT "$pid"
	wait "$pid" || status=$?
	HELD_DEMO=
	cat "$log"
	[ "$status" -eq 0 ]
	grep -q '^\[9\] the child exited (status 0)' "$log"
	[ "$(grep -c '^Holding' "$log")" -eq 1 ]
	gone "$child"
	[ ! -e "$pidfile" ]
}

@test "chroot: --hold-before-mount with --shell goes on into the shell, whose status is passed on" {
	require_root
	local pidfile=$BATS_TEST_TMPDIR/early.pid log=$BATS_TEST_TMPDIR/early.log pid child status=0
	"$CHROOT_DEMO" --quiet --hold-before-mount --shell --pidfile "$pidfile" \
		<<<'echo "pid=$$"; [ -e /proc/1/status ] && echo proc-ok; exit 4' >"$log" 2>&1 3>&- &
	pid=$!
	# Until it is waited for, teardown ends it if a check below fails.
	HELD_DEMO=$pid
	wait_until 10 grep -q '^Holding' "$log"
	child=$(cat "$pidfile")
	run -0 ls -A "/proc/$child/root/proc"
	[ -z "$output" ]
	kill -TERM "$pid"
	wait "$pid" || status=$?
	HELD_DEMO=
	cat "$log"
	[ "$status" -eq 4 ]
	grep -qx 'pid=1' "$log"
	grep -qx 'proc-ok' "$log"
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
	run ! grep -F " $ROOTFS/" /proc/self/mountinfo
}

@test "chroot: a child killed by a signal gives exit status 128+signal, and nothing is left" {
	require_root
	local before
	before=$(mount_state)
	start_held "$CHROOT_DEMO" --rootfs "$ROOTFS"
	# From the host: inside its namespace, PID 1 ignores even SIGKILL.
	kill -KILL "$HELD_PID"
	wait_held
	cat "$HELD_LOG"
	[ "$HELD_STATUS" -eq 137 ]
	gone "$HELD_PID"
	[ "$(mount_state)" = "$before" ]
	[ ! -e "$BATS_TEST_TMPDIR/held.pid" ]
}

@test "chroot: a mount that appears below the rootfs during the run is counted at step 9, and the demo exits 1" {
	require_root
	start_held "$CHROOT_DEMO" --rootfs "$ROOTFS"
	# Made on the host while the child holds: the child's private mount
	# namespace never sees it, but the final check of the host's table must.
	mount -t tmpfs nslab-test "$ROOTFS/proc"
	stop_held TERM
	umount "$ROOTFS/proc"
	cat "$HELD_LOG"
	[ "$HELD_STATUS" -eq 1 ]
	grep -q "^\[9\] the child exited (status 0); host mounts under $ROOTFS: 1\$" "$HELD_LOG"
	grep -q ": 1 mount(s) left under $ROOTFS\$" "$HELD_LOG"
	run ! grep -q 'nothing is left mounted' "$HELD_LOG"
}

@test "chroot: --shell leaves a shell as PID 1 in the chroot with proc mounted" {
	require_root
	run -3 "$CHROOT_DEMO" --quiet --shell --rootfs "$ROOTFS" <<<'echo "pid=$$"; [ -e /proc/1/status ] && echo proc-ok; exit 3'
	[[ "$output" == *"pid=1"* ]]
	[[ "$output" == *"proc-ok"* ]]
}

@test "chroot: a rootfs whose /bin/sh is an absolute symlink, valid only inside (as busybox makes), is accepted" {
	require_root
	local dir=$BATS_TEST_TMPDIR/linked
	"$MKROOTFS" --quiet --from-host "$dir"
	mv "$dir/bin/sh" "$dir/bin/nslab-test-sh"
	ln -s /bin/nslab-test-sh "$dir/bin/sh"
	[ ! -e /bin/nslab-test-sh ]
	run -0 "$CHROOT_DEMO" --quiet --rootfs "$dir"
}

@test "chroot: a rootfs with something mounted below it is refused with exit 1, and the mount is left alone" {
	require_root
	mount -t tmpfs nslab-test "$ROOTFS/proc"
	run "$CHROOT_DEMO" --rootfs "$ROOTFS"
	umount "$ROOTFS/proc"
	[ "$status" -eq 1 ]
	[[ "$output" == *"1 mount(s) below $ROOTFS already"* ]]
	[[ "$output" == *"sudo umount $ROOTFS/proc"* ]]
	[[ "$output" != *"clone("* ]]
}

@test "chroot: bad --rootfs values exit 2 and create nothing" {
	local file=$BATS_TEST_TMPDIR/a-file empty=$BATS_TEST_TMPDIR/empty before
	touch "$file"
	mkdir "$empty"
	before=$(nslab_snapshot)
	run -2 "$CHROOT_DEMO" --rootfs /does/not/exist
	[[ "$output" == *"No such file"* ]]
	run -2 "$CHROOT_DEMO" --rootfs "$file"
	[[ "$output" == *"not a directory"* ]]
	run -2 "$CHROOT_DEMO" --rootfs "$empty"
	[[ "$output" == *"no /bin/sh"* ]]
	run -2 "$CHROOT_DEMO" --rootfs ""
	[[ "$output" == *"needs a directory"* ]]
	run -2 "$CHROOT_DEMO" --rootfs "/$(printf 'p%.0s' {1..5000})"
	[[ "$output" == *"File name too long"* ]]
	run -2 "$CHROOT_DEMO" --rootfs /
	[[ "$output" == *"the host's root already"* ]]
	run -2 "$CHROOT_DEMO" --rootfs
	[[ "$output" == *"requires an argument"* ]]
	run -2 "$CHROOT_DEMO" --no-such-option
	[[ "$output" == *"Usage: chroot_proc_demo"* ]]
	run -2 "$CHROOT_DEMO" stray-argument
	[[ "$output" == *"unexpected argument 'stray-argument'"* ]]
	[[ "$output" != *"clone("* ]]
	[ "$(nslab_snapshot)" = "$before" ]
}

@test "chroot: --quiet prints only result lines, and no colour codes when output is not a terminal" {
	require_root
	run -0 env -u NO_COLOR "$CHROOT_DEMO" --quiet
	[ -n "$output" ]
	[[ "$output" != *$'\033'* ]]
	run ! grep -v '^==> ' <<<"$output"
}

@test "chroot: an unprivileged user gets exit 1 and a message about root or sudo" {
	require_root
	require_cmd setpriv
	local demo
	copy_for_nobody "$CHROOT_DEMO"; demo=$NOBODY_COPY
	run -1 --separate-stderr as_nobody "$demo" --rootfs "$ROOTFS"
	[[ "$stderr" == *"EPERM"*"sudo"* ]]
}

@test "chroot: nothing named nslab is left behind" {
	assert_nothing_left
}
