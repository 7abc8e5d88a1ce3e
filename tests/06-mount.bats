#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# shellcheck disable=SC2016 # the scripts in single quotes are expanded by the inner sh
# Lab 06: a mount namespace, a mount that leaks through shared propagation
# and one that does not, pivot_root, and the chroot escape.
# Observers: the host's /proc/self/mountinfo and findmnt (TARGET, SOURCE,
# PROPAGATION), findmnt -N PID and /proc/PID/mountinfo for the child's
# table, /proc/PID/root (by device and inode, and what ls finds through
# it), util-linux pivot_root(8) for the preconditions, and mount_state for
# the host's whole table before and after.

load test_helper

MOUNT_DEMO=$KIT/labs/06-mount/mount_demo

setup_file() { snapshot_before; }
setup() {
	require_built "$MOUNT_DEMO"
	[ -f "$KIT/labs/rootfs/.nslab-rootfs" ] || fail "labs/rootfs is not built (run: make)"
	ROOTFS=$(realpath "$KIT/labs/rootfs")
}
teardown() {
	reap_held
	end_ns_holders
}

# The scratch mount a held demo made, as its step 2 names it.
scratch_of_log() { sed -n 's/^\[2\] .*mount("nslab-mnt", "\([^"]*\)".*/\1/p' "$HELD_LOG"; }
# The PID of --escape's chrooted process, as its step 9 names it.
prisoner_of_log() { sed -n 's/^\[9\] fork() -> \([0-9]*\):.*/\1/p' "$HELD_LOG"; }
# Device and inode: the identity of a directory, wherever it is reached from.
dev_ino() { stat -L -c %d:%i "$1"; }
# Is something mounted on exactly $1 in the host's own table?
host_has_mount() { awk -v t="$1" '$5 == t {f = 1} END {exit !f}' /proc/self/mountinfo; }
# Nothing of a run is left: no scratch directory, no mount, no demo process
# (the janitor included, once it has done its work after a SIGKILL).
scratch_gone() { [ ! -e "$1" ] && ! grep -q "$1" /proc/self/mountinfo; }
no_demo_left() { ! pgrep -f "$MOUNT_DEMO" >/dev/null; }
holds_in_log() { [ "$(grep -c '^Holding' "$HELD_LOG")" -ge "$1" ]; }
# The commands the held demo printed at its Nth hold, one a line, as a
# student would paste them.
held_commands() {
	awk -v n="$1" '/^Holding/ {on = (++h == n); next} /^Press/ {on = 0} on {sub(/^ +/, ""); print}' "$HELD_LOG"
}
# The rows of findmnt's table in $output, without its header and tree
# branches, blanks squeezed: its columns, one blank apart.
findmnt_rows() { sed '1d; s/^[^/]*//' <<<"$output" | tr -s ' '; }
# Has process PID exec'd COMMAND (after unshare or nsenter has set it up)?
runs() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }
# The mountinfo line of the mount on exactly TARGET in process PID's table.
mount_line() { awk -v t="$2" '$5 == t' "/proc/$1/mountinfo"; }
# The peer group of the mount on TARGET in PID's table (shared:N), if any.
peer_group() { mount_line "$1" "$2" | grep -o 'shared:[0-9]*'; }

# Processes that hold a namespace open for a test (NS_HOLDERS); teardown
# ends them, after the demo, which cleans up in their namespaces.
NS_HOLDERS=()
end_ns_holders() {
	local p
	for p in "${NS_HOLDERS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	NS_HOLDERS=()
}

# in_private_ns SCRIPT ARGS...: run SCRIPT in a mount namespace of its own
# whose every mount is private, so that nothing it does reaches the host.
in_private_ns() {
	local script=$1
	shift
	unshare --mount --propagation private sh -c "$script" sh "$@"
}

# refused ERROR SCRIPT ARGS...: SCRIPT ends in a pivot_root that fails with
# ERROR (in strerror's words); allowed SCRIPT ARGS...: it goes through.
refused() {
	local error=$1
	shift
	run -1 in_private_ns "$@"
	[[ "$output" == *"$error"* ]] || fail "expected '$error', got: $output"
}
allowed() {
	run -0 in_private_ns "$1 && echo pivoted" "${@:2}"
	[ "$output" = pivoted ]
}

@test "mount: --help describes the lab and its options and exits 0" {
	run -0 "$MOUNT_DEMO" --help
	[[ "$output" == *"mount namespace"* ]]
	[[ "$output" == *"MS_REC|MS_PRIVATE"* ]]
	[[ "$output" == *"--escape"* ]]
	[[ "$output" == *"--hold-before-pivot"* ]]
	[[ "$output" == *"--rootfs DIR"* ]]
	[[ "$output" == *"--hold"* ]]
}

@test "mount: a default run tells the story in order and leaves the host's mount table exactly as it was" {
	require_root
	local before
	before=$(mount_state)
	run -0 "$MOUNT_DEMO"
	[[ "$output" == *"[1] host: \"/\""*"[2] host: mkdtemp()"*"[3] clone(CLONE_NEWNS|CLONE_NEWPID)"* ]]
	[[ "$output" == *"[4] child: mount(\"nslab-leak\""*"it LEAKED"*"[5] child: mount(\"/\", MS_REC|MS_PRIVATE)"* ]]
	[[ "$output" == *"it stayed inside"*"[6] child: mount(\"$ROOTFS\""*"[7] child: pivot_root"* ]]
	[[ "$output" == *"[8] child: mount(\"proc\""*"lists 2 mounts: / /proc"*"[9] the child has exited"* ]]
	[[ "$output" == *"nothing of ours is mounted"* ]]
	[[ "$output" != *"[10]"* ]]
	[ "$(mount_state)" = "$before" ]
}

@test "mount: step 1 reads the propagation of / as findmnt does" {
	require_root
	require_cmd findmnt
	run -0 "$MOUNT_DEMO"
	case "$(findmnt -n -o PROPAGATION /)" in
	shared*) grep -q '^\[1\] host: "/" in /proc/self/mountinfo: shared:[0-9]*' <<<"$output" ;;
	private*) grep -q '^\[1\] host: "/" in /proc/self/mountinfo: private$' <<<"$output" ;;
	*) grep -q '^\[1\] host: "/" in /proc/self/mountinfo: master:' <<<"$output" ;;
	esac
}

@test "mount: at --hold-before-pivot the host has the mount made while shared, not the one made after MS_REC|MS_PRIVATE" {
	require_root
	require_cmd findmnt
	local before scratch
	before=$(mount_state)
	start_held "$MOUNT_DEMO" --hold-before-pivot
	scratch=$(scratch_of_log)
	[ -n "$scratch" ]
	[[ "$(cat "$HELD_LOG")" == *"[5] "* && "$(cat "$HELD_LOG")" != *"[6] "* ]]
	# The host's own view: the scratch mount is shared, and the child's
	# first mount has arrived below it...
	[ "$(findmnt -n -o PROPAGATION "$scratch")" = shared ]
	run -0 findmnt -n -o SOURCE,PROPAGATION "$scratch/leak"
	[[ "$output" == "nslab-leak "*shared ]]
	host_has_mount "$scratch/leak"
	# ...but not the second one.
	run ! findmnt "$scratch/kept"
	run ! host_has_mount "$scratch/kept"
	run ! grep -q nslab-kept /proc/self/mountinfo
	# The child's own table has both, and all of it is private now.
	run -0 findmnt -N "$HELD_PID" -n -o SOURCE,PROPAGATION "$scratch/kept"
	[ "$output" = "nslab-kept private" ]
	run -0 findmnt -N "$HELD_PID" -n -o SOURCE "$scratch/leak"
	[ "$output" = nslab-leak ]
	# Private, every one: not shared, and not a slave either (master:N).
	[ "$(findmnt -N "$HELD_PID" -rn -o PROPAGATION | sort -u)" = private ]
	# SIGTERM ends this hold only: the story goes on to --hold's own, after
	# pivot_root, where the child's table no longer has either mount.
	kill -TERM "$HELD_DEMO"
	wait_until 5 holds_in_log 2
	[ "$(findmnt -N "$HELD_PID" -rn -o TARGET)" = $'/\n/proc' ]
	host_has_mount "$scratch/leak"
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	grep -q '^==> host:    umount2(.*): nothing of ours is mounted$' "$HELD_LOG"
	scratch_gone "$scratch"
	[ "$(mount_state)" = "$before" ]
}

@test "mount: during --hold the child's table is / and /proc only, its root is the rootfs, and the host sees neither" {
	require_root
	require_cmd findmnt
	start_held "$MOUNT_DEMO"
	run -0 findmnt -N "$HELD_PID" -rn -o TARGET
	[ "$output" = $'/\n/proc' ]
	[ "$(wc -l <"/proc/$HELD_PID/mountinfo")" -eq 2 ]
	[ "$(findmnt -N "$HELD_PID" -rn -o PROPAGATION | sort -u)" = private ]
	# proc with the three flags of step 8.
	run -0 findmnt -N "$HELD_PID" -n -o FSTYPE,OPTIONS /proc
	[[ "$output" == "proc "*nosuid* && "$output" == *nodev* && "$output" == *noexec* ]]
	# /proc/PID/root: readlink says "/" (the path seen from the child's
	# root); device and inode say which directory that is.
	[ "$(readlink "/proc/$HELD_PID/root")" = / ]
	[ "$(dev_ino "/proc/$HELD_PID/root")" = "$(dev_ino "$ROOTFS")" ]
	[ "$(ls "/proc/$HELD_PID/root/")" = "$(ls "$ROOTFS")" ]
	# The child's proc belongs to its own PID namespace: one process, no
	# host PID whose /proc/PID/root would lead back out.
	[ "$(find "/proc/$HELD_PID/root/proc" -maxdepth 1 -regex '.*/[0-9]+' | wc -l)" -eq 1 ]
	# The host has no mount on or below the rootfs: the bind stayed inside.
	run ! grep -F " $ROOTFS" /proc/self/mountinfo
	# The copy that leaked at step 4 is still on the host.
	grep -q ' - tmpfs nslab-leak ' /proc/self/mountinfo
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "mount: with --escape the chrooted process reaches the host's / and the pivoted child does not" {
	require_root
	start_held "$MOUNT_DEMO" --escape
	local prisoner
	prisoner=$(prisoner_of_log)
	[ -n "$prisoner" ]
	# Out: its root is the host's "/", and it lists what the host lists.
	[ "$(dev_ino "/proc/$prisoner/root")" = "$(dev_ino /)" ]
	[ "$(ls "/proc/$prisoner/root/")" = "$(ls /)" ]
	[ "$(readlink "/proc/$prisoner/root")" = / ]
	# It stopped itself to be looked at.
	grep -q '^State:.*T' "/proc/$prisoner/status"
	# The pivoted child climbed the same way and is still in the rootfs.
	[ "$(dev_ino "/proc/$HELD_PID/root")" = "$(dev_ino "$ROOTFS")" ]
	[ "$(ls "/proc/$HELD_PID/root/")" = "$(ls "$ROOTFS")" ]
	grep -q 'chdir("..") 0 times' "$HELD_LOG"
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	gone "$prisoner"
	grep -q '^\[11\] the child has exited' "$HELD_LOG"
}

@test "mount: --escape: strace sees both processes climb (chroot into bin, then into .), and only the chrooted one with chdir" {
	require_root
	require_cmd strace
	local t=$BATS_TEST_TMPDIR/trace
	run -0 env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=chroot,chdir -e signal=none -o "$t" "$MOUNT_DEMO" --escape
	[ "$(grep -c 'chroot("bin") *= 0' "$t")" -eq 2 ] || fail "$(cat "$t")"
	[ "$(grep -c 'chroot(".") *= 0' "$t")" -eq 2 ] || fail "$(cat "$t")"
	# The prisoner climbs with chdir(".."); after pivot_root, ".." is
	# already "." and the child climbs 0 times.
	[ "$(awk '/chdir\("\.\."\)/ {print $1}' "$t" | sort -u | wc -l)" -eq 1 ] || fail "$(cat "$t")"
}

@test "mount: step 6 binds the rootfs alone: a mount the host has below it stays behind" {
	require_root
	require_cmd findmnt
	# In a throwaway mount namespace (private: nothing reaches the host), a
	# tmpfs on the rootfs's /tmp; the demo held there must not carry it in
	# (MS_BIND without MS_REC).  Its table is / and /proc, and its /tmp is
	# the rootfs's own directory, not the tmpfs.
	# shellcheck disable=SC2016 # expanded by the inner bash
	run -0 unshare --mount --propagation private bash -c 'mount -t tmpfs nslab-below "$3/tmp" || exit
		"$1" --hold --pidfile "$2.pid" </dev/null >"$2.log" 2>&1 3>&- &
		for _ in $(seq 500); do grep -q "^Holding" "$2.log" 2>/dev/null && break; sleep 0.02; done
		child=$(cat "$2.pid")
		findmnt -N "$child" -rn -o TARGET | tr "\n" " "; echo
		stat -c %d:%i "/proc/$child/root/tmp"
		kill -TERM $! && wait $!
		echo "status $?"' _ "$MOUNT_DEMO" "$BATS_TEST_TMPDIR/below" "$ROOTFS"
	[ "${lines[0]}" = "/ /proc " ]
	# Its /tmp is the rootfs's own directory (which the tmpfs covers only
	# in the throwaway namespace): the same device and inode.
	[ "${lines[1]}" = "$(stat -c %d:%i "$ROOTFS/tmp")" ]
	[ "${lines[2]}" = "status 0" ]
	# The host never saw the tmpfs, and nothing is left.
	run ! grep -q nslab-below /proc/self/mountinfo
}

@test "mount: where / is shared (as under systemd), only the deliberate leak reaches a stand-in host" {
	require_root
	# A stand-in host: a namespace whose mounts are all shared, in peer
	# groups of its own (made private first: nothing reaches the real host).
	# shellcheck disable=SC2016 # expanded by the inner bash
	run -0 unshare --mount --propagation private bash -c 'mount --make-rshared / || exit
		before=$(cat /proc/self/mountinfo)
		"$1" --hold --pidfile "$2.pid" </dev/null >"$2.log" 2>&1 3>&- &
		for _ in $(seq 500); do grep -q "^Holding" "$2.log" 2>/dev/null && break; sleep 0.02; done
		sed -n "s/^\[1\] .*: //p" "$2.log"
		grep -c " - tmpfs nslab-leak " /proc/self/mountinfo
		grep -c -e " - tmpfs nslab-kept " -e " $3 " -e " $3/proc " /proc/self/mountinfo
		kill -TERM $! && wait $!
		echo "status $?"
		[ "$before" = "$(cat /proc/self/mountinfo)" ] && echo "table as before"' \
		_ "$MOUNT_DEMO" "$BATS_TEST_TMPDIR/standin" "$ROOTFS"
	[[ "${lines[0]}" == shared:* ]]
	[ "${lines[1]}" = 1 ]
	[ "${lines[2]}" = 0 ]
	[ "${lines[3]}" = "status 0" ]
	[ "${lines[4]}" = "table as before" ]
}

@test "mount: a peer namespace made before step 2 receives the scratch mount, but never the leak" {
	require_root
	require_cmd nsenter findmnt
	local standin peer scratch before_peer before_standin
	# A stand-in host whose mounts are all shared, as under systemd (made
	# private first: nothing reaches the real host).  A sleep holds it.
	unshare --mount --propagation private sh -c 'mount --make-rshared / && exec sleep 600' \
		</dev/null >/dev/null 2>&1 3>&- &
	standin=$!
	NS_HOLDERS+=("$standin")
	wait_until 5 runs "$standin" sleep
	# The peer: a namespace cloned from the stand-in with its propagation
	# unchanged, before the demo starts, so that each of its mounts is a
	# peer of the stand-in's.
	nsenter -t "$standin" -m -- unshare --mount --propagation unchanged sleep 600 \
		</dev/null >/dev/null 2>&1 3>&- &
	peer=$!
	NS_HOLDERS+=("$peer")
	wait_until 5 runs "$peer" sleep
	[ "$(ns_inode "$peer" mnt)" != "$(ns_inode "$standin" mnt)" ]
	before_peer=$(cat "/proc/$peer/mountinfo")
	before_standin=$(cat "/proc/$standin/mountinfo")
	start_held nsenter -t "$standin" -m -- "$MOUNT_DEMO" --hold-before-pivot
	scratch=$(scratch_of_log)
	[ -n "$scratch" ]
	# The leak of step 4 reached the stand-in host, as the lesson says.
	mount_line "$standin" "$scratch/leak" | grep -q ' - tmpfs nslab-leak '
	# The scratch mount of step 2 reached the peer (it is connected), but
	# neither of the child's mounts did...
	mount_line "$peer" "$scratch" | grep -q ' - tmpfs nslab-mnt '
	run ! grep -e nslab-leak -e nslab-kept "/proc/$peer/mountinfo"
	run ! findmnt -N "$peer" "$scratch/leak"
	# ...because the peer's copy is in another peer group than the
	# stand-in's, which left the one they shared (MS_PRIVATE, then
	# MS_SHARED) before the child was cloned.
	[ -n "$(peer_group "$standin" "$scratch")" ]
	[ "$(peer_group "$peer" "$scratch")" != "$(peer_group "$standin" "$scratch")" ]
	# Nor later, after pivot_root (the second hold).
	kill -TERM "$HELD_DEMO"
	wait_until 5 holds_in_log 2
	mount_line "$standin" "$scratch/leak" | grep -q ' - tmpfs nslab-leak '
	run ! grep -e nslab-leak -e nslab-kept "/proc/$peer/mountinfo"
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	# Once the demo has removed the scratch directory, the peer's copy of
	# its mount is gone too (rmdir detaches it in every other namespace):
	# both tables are as they were.
	[ "$(cat "/proc/$peer/mountinfo")" = "$before_peer" ]
	[ "$(cat "/proc/$standin/mountinfo")" = "$before_standin" ]
}

# killed_leaves_nothing OPTIONS...: hold the demo with OPTIONS, SIGKILL it,
# and see the janitor put the host's table back, with no process left.
killed_leaves_nothing() {
	local before scratch child
	before=$(mount_state)
	start_held "$MOUNT_DEMO" "$@"
	scratch=$(scratch_of_log)
	child=$(prisoner_of_log)
	child=${child:-$HELD_PID}
	grep -q " $scratch " /proc/self/mountinfo
	# At the first hold the leaked mount is on the host: seen there, not
	# only in the narration.
	[ "${1:-}" != --hold-before-pivot ] || host_has_mount "$scratch/leak"
	stop_held KILL
	[ "$HELD_STATUS" -eq 137 ]
	wait_until 5 gone "$child"
	wait_until 5 scratch_gone "$scratch"
	wait_until 5 no_demo_left
	[ "$(mount_state)" = "$before" ]
}

@test "mount: SIGKILL while the leaked mount is on the host: the janitor removes it, and the table is as before" {
	require_root
	killed_leaves_nothing --hold-before-pivot
	# (That was at the first hold, with the leaked mount in place.)
	[ "$(grep -c '^Holding' "$HELD_LOG")" -eq 1 ]
	grep -q '^==> host:    our mountinfo lists .* it LEAKED$' "$HELD_LOG"
}

@test "mount: SIGKILL during --hold --escape leaves nothing either, the stopped prisoner included" {
	require_root
	killed_leaves_nothing --escape
}

@test "mount: SIGKILL at random moments of a run leaves nothing, with no help from nslab-clean" {
	require_root
	local before
	before=$(mount_state)
	# The moments are drawn from the measured length of a run here, so that
	# at least half the runs are really killed, however fast the machine.
	run without_bats kill_at_random KILL 20 "$MOUNT_DEMO" --escape
	echo "$output"
	enough_interrupted KILL 20 "$output"
	wait_until 5 no_demo_left
	run ! compgen -G "${TMPDIR:-/tmp}/nslab-mnt-*"
	[ "$(mount_state)" = "$before" ]
}

@test "mount: SIGTERM and SIGINT during --hold exit 0, remove the pidfile and leave no process or mount" {
	require_root
	local before sig child scratch
	before=$(mount_state)
	for sig in TERM INT; do
		start_held "$MOUNT_DEMO"
		child=$HELD_PID
		scratch=$(scratch_of_log)
		stop_held "$sig"
		[ "$HELD_STATUS" -eq 0 ]
		gone "$child"
		[ ! -e "$BATS_TEST_TMPDIR/held.pid" ]
		scratch_gone "$scratch"
		no_demo_left
		[ "$(mount_state)" = "$before" ]
	done
}

@test "mount: --hold-before-pivot alone, ended with SIGINT, runs to the end and exits 0" {
	require_root
	local pidfile=$BATS_TEST_TMPDIR/early.pid log=$BATS_TEST_TMPDIR/early.log pid status=0
	"$MOUNT_DEMO" --hold-before-pivot --pidfile "$pidfile" </dev/null >"$log" 2>&1 3>&- &
	pid=$!
	wait_until 10 grep -q '^Holding' "$log"
	kill -INT "$pid"
	wait "$pid" || status=$?
	cat "$log"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^Holding' "$log")" -eq 1 ]
	grep -q '^\[9\] the child has exited' "$log"
	[ ! -e "$pidfile" ]
}

@test "mount: --shell runs a shell as PID 1 in the new root and passes on its status" {
	require_root
	run -7 "$MOUNT_DEMO" --quiet --shell <<<'echo "pid=$$"; wc -l </proc/self/mountinfo; ls /; exit 7'
	[[ "$output" == *$'\npid=1\n2\n'"$(ls "$ROOTFS")"* ]]
}

@test "mount: a child killed by a signal gives exit status 128+signal, and nothing is left" {
	require_root
	local before scratch
	before=$(mount_state)
	start_held "$MOUNT_DEMO"
	scratch=$(scratch_of_log)
	# From the host: inside its namespace, PID 1 ignores even SIGKILL.
	kill -KILL "$HELD_PID"
	wait_held
	[ "$HELD_STATUS" -eq 137 ]
	scratch_gone "$scratch"
	[ "$(mount_state)" = "$before" ]
}

@test "mount: two runs at once both succeed, each with its own scratch mount" {
	require_root
	local a b sa=0 sb=0
	"$MOUNT_DEMO" --escape >"$BATS_TEST_TMPDIR/a" 2>&1 3>&- &
	a=$!
	"$MOUNT_DEMO" --escape >"$BATS_TEST_TMPDIR/b" 2>&1 3>&- &
	b=$!
	wait "$a" || sa=$?
	wait "$b" || sb=$?
	cat "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$sa" -eq 0 ]
	[ "$sb" -eq 0 ]
	[ "$(grep -h '^\[2\]' "$BATS_TEST_TMPDIR/a")" != "$(grep -h '^\[2\]' "$BATS_TEST_TMPDIR/b")" ]
}

@test "mount: the scratch directory goes into \$TMPDIR; one with a blank is refused with exit 1" {
	require_root
	local dir=$BATS_TEST_TMPDIR/tmp
	mkdir "$dir" "$dir/with blank"
	TMPDIR=$dir run -0 "$MOUNT_DEMO"
	[[ "$output" == *"mount(\"nslab-mnt\", \"$dir/nslab-mnt-"* ]]
	TMPDIR="$dir/with blank" run -1 "$MOUNT_DEMO"
	[[ "$output" == *"TMPDIR without links or blanks"* ]]
	[ -z "$(ls -A "$dir/with blank")" ]
}

@test "mount: a TMPDIR that is missing or a file fails at mkdtemp() with the errno, exit 1, and nothing made" {
	require_root
	local file=$BATS_TEST_TMPDIR/a-file missing=$BATS_TEST_TMPDIR/no-such-dir before snapshot
	echo untouched >"$file"
	before=$(mount_state)
	snapshot=$(nslab_snapshot)
	TMPDIR=$missing run -1 --separate-stderr "$MOUNT_DEMO"
	[[ "$stderr" == *"mkdtemp(\"$missing/nslab-mnt-"*"\") failed: ENOENT (No such file or directory): no such file or directory — check the path"* ]]
	# It stops before step 2: no scratch mount was made, nor a directory.
	[[ "$output" == "[1] "* && "$output" != *"[2]"* ]]
	[ ! -e "$missing" ]
	TMPDIR=$file run -1 --separate-stderr "$MOUNT_DEMO"
	[[ "$stderr" == *"mkdtemp(\"$file/nslab-mnt-"*"\") failed: ENOTDIR (Not a directory): a part of the path is not a directory — check the path"* ]]
	[[ "$output" != *"[2]"* ]]
	[ "$(cat "$file")" = untouched ]
	[ -z "$(find "$BATS_TEST_TMPDIR" -name 'nslab-mnt-*')" ]
	wait_until 5 no_demo_left
	[ "$(mount_state)" = "$before" ]
	[ "$(nslab_snapshot)" = "$snapshot" ]
}

@test "mount: pivot_root wants new_root to be a mount point (EINVAL), and not on the root's own mount (EBUSY)" {
	require_root
	require_cmd unshare pivot_root
	local t=$BATS_TEST_TMPDIR/t
	mkdir "$t"
	# A directory on a tmpfs of its own, not bound onto itself: EINVAL.
	refused "Invalid argument" 'mount -t tmpfs nslab-t "$1" && mkdir "$1/new" && cd "$1/new" && pivot_root . .' "$t"
	# Bound onto itself, the same directory will do.
	allowed 'mount -t tmpfs nslab-t "$1" && mkdir "$1/new" && mount --bind "$1/new" "$1/new" &&
		cd "$1/new" && pivot_root . .' "$t"
	# new_root "/" is on the current root's mount: EBUSY.
	refused "Device or resource busy" 'cd / && pivot_root . .'
}

@test "mount: pivot_root wants put_old at or under new_root (EINVAL)" {
	require_root
	require_cmd unshare pivot_root
	refused "Invalid argument" 'mount --bind "$1" "$1" && cd "$1" && pivot_root . /proc' "$ROOTFS"
	# The same with put_old inside new_root goes through.
	allowed 'mount --bind "$1" "$1" && mount -t tmpfs nslab-old "$1/tmp" &&
		cd "$1" && pivot_root . tmp' "$ROOTFS"
}

@test "mount: pivot_root refuses shared propagation (EINVAL): new_root, its parent, or put_old" {
	require_root
	require_cmd unshare pivot_root
	local t=$BATS_TEST_TMPDIR/t
	mkdir "$t"
	# new_root itself shared.
	refused "Invalid argument" 'mount --bind "$1" "$1" && mount --make-shared "$1" && cd "$1" && pivot_root . .' "$ROOTFS"
	# new_root private, but the mount it sits on shared.
	refused "Invalid argument" 'mount -t tmpfs nslab-t "$1" && mount --make-shared "$1" && mkdir "$1/new" &&
		mount --bind "$1/new" "$1/new" && mount --make-private "$1/new" && cd "$1/new" && pivot_root . .' "$t"
	# put_old a mount point, shared.
	refused "Invalid argument" 'mount --bind "$1" "$1" && mount -t tmpfs nslab-old "$1/tmp" &&
		mount --make-shared "$1/tmp" && cd "$1" && pivot_root . tmp' "$ROOTFS"
	# Everything shared, as under systemd, and no MS_REC|MS_PRIVATE first.
	refused "Invalid argument" 'mount --make-rshared / && mount --bind "$1" "$1" && cd "$1" && pivot_root . .' "$ROOTFS"
}

@test "mount: pivot_root refuses a caller whose root is not a mount point, as after chroot (EINVAL)" {
	require_root
	require_cmd unshare
	grep -q '^mode=busybox' "$ROOTFS/.nslab-rootfs" || skip "needs a busybox rootfs (its pivot_root applet)"
	# Inside the chroot the root is a plain directory; the new root is a
	# tmpfs mounted on its /tmp.
	refused "Invalid argument" 'mount -t tmpfs nslab-t "$1/tmp" && chroot "$1" /bin/pivot_root /tmp /tmp' "$ROOTFS"
	# Without the chroot, the same pivot goes through.
	allowed 'mount -t tmpfs nslab-t "$1/tmp" && cd "$1/tmp" && pivot_root . .' "$ROOTFS"
}

@test "mount: without a PID namespace, a host process's /proc/PID/root leads back out of a pivoted root" {
	require_root
	require_cmd unshare pivot_root
	# What the lab's CLONE_NEWPID prevents: a proc of the host's PID
	# namespace lists the host's processes, and their roots.
	run -0 in_private_ns 'mount --bind "$1" "$1" && cd "$1" && pivot_root . . && umount -l . &&
		mount -t proc proc /proc && ls "/proc/$2/root/"' "$ROOTFS" "$$"
	[ "$output" = "$(ls /)" ]
}

@test "mount: --quiet prints only result lines, and no colour codes when output is not a terminal" {
	require_root
	run -0 env -u NO_COLOR "$MOUNT_DEMO" --quiet --escape
	[ -n "$output" ]
	[[ "$output" != *$'\033'* ]]
	run ! grep -v '^==> ' <<<"$output"
}

@test "mount: bad input exits 2 with the usage and creates nothing" {
	local file=$BATS_TEST_TMPDIR/a-file empty=$BATS_TEST_TMPDIR/empty before
	touch "$file"
	mkdir "$empty"
	before=$(nslab_snapshot)
	run -2 "$MOUNT_DEMO" --no-such-option
	[[ "$output" == *"Usage: mount_demo"* ]]
	run -2 "$MOUNT_DEMO" stray-argument
	[[ "$output" == *"unexpected argument"* ]]
	run -2 "$MOUNT_DEMO" --rootfs
	run -2 "$MOUNT_DEMO" --rootfs ""
	[[ "$output" == *"needs a directory"* ]]
	run -2 "$MOUNT_DEMO" --rootfs /does/not/exist
	[[ "$output" == *"No such file"* ]]
	run -2 "$MOUNT_DEMO" --rootfs "$file"
	[[ "$output" == *"not a directory"* ]]
	run -2 "$MOUNT_DEMO" --rootfs "$empty"
	[[ "$output" == *"no /bin/sh"* ]]
	run -2 "$MOUNT_DEMO" --rootfs /
	[[ "$output" == *"root already"* ]]
	run -2 "$MOUNT_DEMO" --rootfs "/$(printf 'p%.0s' {1..5000})"
	[[ "$output" == *"File name too long"* ]]
	run -2 "$MOUNT_DEMO" --hold --shell
	run -2 "$MOUNT_DEMO" --pidfile /nonexistent/dir/pid
	run -2 "$MOUNT_DEMO" --pidfile ""
	[[ "$output" != *"clone("* && "$output" != *"mkdtemp"* ]]
	[ "$(nslab_snapshot)" = "$before" ]
}

@test "mount: with no labs/rootfs beside it, the demo says to run make and exits 1, creating nothing" {
	require_root
	local before demo=$BATS_TEST_TMPDIR/kit/labs/06-mount/mount_demo
	mkdir -p "${demo%/*}"
	cp "$MOUNT_DEMO" "$demo"
	before=$(nslab_snapshot)
	run -1 "$demo"
	[[ "$output" == *"no root filesystem in $BATS_TEST_TMPDIR/kit/labs/rootfs: run \`make\`"* ]]
	[[ "$output" != *"[1]"* ]]
	# ...and --rootfs still works for such a copy.
	run -0 "$demo" --quiet --rootfs "$ROOTFS"
	[ "$(nslab_snapshot)" = "$before" ]
}

@test "mount: a --rootfs without /proc fails at step 8's mount of proc with exit 1, and nothing is left" {
	require_root
	local copy before scratch
	# --rootfs asks only for /bin/sh, so such a root gets as far as the pivot.
	copy=$(mktemp -d "$BATS_TEST_TMPDIR/nslab-test-rootfs.XXXXXX")
	cp -a "$ROOTFS/." "$copy"
	rmdir "$copy/proc"
	before=$(mount_state)
	run -1 --separate-stderr "$MOUNT_DEMO" --rootfs "$copy"
	[[ "$output" == *"[7] child: pivot_root"* && "$output" != *"[8]"* ]]
	[[ "$stderr" == *'mount("proc", "/proc") failed: ENOENT (No such file or directory): no such file or directory — check the path'* ]]
	# The host still takes away the mount that leaked, and its scratch.
	[[ "$output" == *"==> host:    umount2("*"nothing of ours is mounted"* ]]
	scratch=$(sed -n 's/^\[2\] .*mount("nslab-mnt", "\([^"]*\)".*/\1/p' <<<"$output")
	[ -n "$scratch" ]
	scratch_gone "$scratch"
	wait_until 5 no_demo_left
	[ "$(mount_state)" = "$before" ]
	# Nothing was made in the copy, and nothing is mounted on it.
	[ ! -e "$copy/proc" ]
	run ! grep -F " $copy" /proc/self/mountinfo
	rm -rf "$copy"
}

@test "mount: an unprivileged user gets exit 1 and a message about root or sudo, and nothing is left" {
	require_root
	require_cmd setpriv
	local demo before
	copy_for_nobody "$MOUNT_DEMO"; demo=$NOBODY_COPY
	# A rootfs nobody can reach, wherever the kit was cloned (a home
	# directory closed to others, as on Debian 13 and Ubuntu 21.04+).
	local rootfs=${demo%/*}/rootfs
	cp -a "$ROOTFS" "$rootfs"
	before=$(nslab_snapshot)
	run -1 --separate-stderr as_nobody "$demo" --rootfs "$rootfs"
	[[ "$stderr" == *"EPERM"*"sudo"* ]]
	wait_until 5 no_demo_left
	[ "$(nslab_snapshot)" = "$before" ]
}

@test "mount: the --hold commands that need no root work without it" {
	require_root
	require_cmd setpriv findmnt
	start_held "$MOUNT_DEMO" --hold-before-pivot
	local scratch
	scratch=$(scratch_of_log)
	# findmnt reads /proc/PID/mountinfo, which anyone may read.
	run -0 as_nobody findmnt -R -o TARGET,SOURCE,PROPAGATION "$scratch"
	[[ "$output" == *nslab-leak* ]]
	run -0 as_nobody findmnt -N "$HELD_PID" -R -o TARGET,SOURCE,PROPAGATION "$scratch"
	[[ "$output" == *nslab-kept* ]]
	kill -TERM "$HELD_DEMO"
	wait_until 5 holds_in_log 2
	run -0 as_nobody findmnt -N "$HELD_PID"
	[[ "$output" == *"/proc"* ]]
	# ...while /proc/PID/root, like /proc/PID/ns/*, wants root (ptrace rules).
	run ! as_nobody ls "/proc/$HELD_PID/root/"
	stop_held TERM
}

@test "mount: the commands printed at both holds run from the host and show what the page says" {
	require_root
	require_cmd findmnt
	local scratch prisoner line n=0
	start_held "$MOUNT_DEMO" --hold-before-pivot --escape
	scratch=$(scratch_of_log)
	[ -n "$scratch" ]
	# Before step 6: the host's table has the scratch mount and the leak,
	# shared; the child's has both of its mounts, all private since step 5.
	while read -r line; do
		run -0 bash -c "$line" </dev/null
		case "$line" in
		"findmnt -R -o TARGET,SOURCE,PROPAGATION $scratch")
			[ "$(findmnt_rows)" = "$scratch nslab-mnt shared"$'\n'"$scratch/leak nslab-leak shared" ] ;;
		"findmnt -N $HELD_PID -R -o TARGET,SOURCE,PROPAGATION $scratch")
			[ "$(findmnt_rows)" = "$scratch nslab-mnt private"$'\n'"$scratch/leak nslab-leak private"$'\n'"$scratch/kept nslab-kept private" ] ;;
		*) fail "not a command the page describes at --hold-before-pivot: $line" ;;
		esac
		n=$((n + 1))
	done < <(held_commands 1)
	[ "$n" -eq 2 ]
	# After step 10: the leak is still on the host; the child's table is the
	# rootfs and its proc; through the roots, the rootfs's files and (for
	# the escaped process) the host's.
	kill -TERM "$HELD_DEMO"
	wait_until 5 holds_in_log 2
	prisoner=$(prisoner_of_log)
	[ -n "$prisoner" ]
	n=0
	while read -r line; do
		# Run as root, as this test is: without its sudo.
		run -0 bash -c "${line#sudo }" </dev/null
		case "$line" in
		"findmnt -R -o TARGET,SOURCE,PROPAGATION $scratch")
			[ "$(findmnt_rows)" = "$scratch nslab-mnt shared"$'\n'"$scratch/leak nslab-leak shared" ] ;;
		"findmnt -N $HELD_PID")
			[ "$(findmnt_rows | cut -d' ' -f1)" = $'/\n/proc' ]
			[ "$(findmnt_rows | sed -n 1p | cut -d' ' -f3)" = "$(findmnt -n -o FSTYPE -T "$ROOTFS")" ]
			[[ "$(findmnt_rows | sed -n 2p)" == "/proc proc proc "*nosuid*nodev*noexec* ]] ;;
		"sudo ls /proc/$HELD_PID/root/") [ "$output" = "$(ls "$ROOTFS")" ] ;;
		"sudo ls /proc/$prisoner/root/") [ "$output" = "$(ls /)" ] ;;
		*) fail "not a command the page describes at --hold: $line" ;;
		esac
		n=$((n + 1))
	done < <(held_commands 2)
	[ "$n" -eq 4 ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	scratch_gone "$scratch"
}

@test "mount: nothing named nslab is left behind" {
	assert_nothing_left
}
