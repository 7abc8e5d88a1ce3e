# Shared helpers for the nslab bats suite.  Load with:  load test_helper
# The variables set here are read by the test files.
# shellcheck disable=SC2034
#
# The suite's rule: every effect a lab claims is checked by something
# other than the lab itself (hostname, nsenter, lsns, ip, /proc, the
# cgroup files), and nothing named "nslab" outlives a test.

bats_require_minimum_version 1.5.0

# tests/run may run a file's tests side by side (bats --jobs): only a
# file that says so, by unsetting this after loading us.  The others look
# at the whole machine, test after test, and keep their order.
BATS_NO_PARALLELIZE_WITHIN_FILE=true

KIT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
UTS_DEMO=$KIT/labs/01-uts/uts_demo
export NO_COLOR=1

# ---- every test has a time limit ----

# A test still running NSLAB_TEST_TIMEOUT seconds (default 600) after it
# started is cut off by a watchdog that each test starts here: it writes
# the test's name and the processes the test left into the test's output,
# makes the test fail, and ends those processes (SIGTERM, then SIGKILL).
# bats' own BATS_TEST_TIMEOUT (1.7+) is not enough: it signals only the
# test's direct children, while a test blocked reading the output of `run`
# waits for every process that holds that pipe - a grandchild, or an
# orphan the test never knew.  So the watchdog ends every descendant of
# the test and every process whose environment carries the test's mark,
# wherever it was reparented to.  0 turns the limit off.
nslab_watchdog() {
	local test_pid=$1 limit=$2 out=$3 name=$4 mark=$5 start nap t0
	start=$(nslab_starttime "$test_pid") || return 0
	exec {nap}<> <(:)
	t0=$SECONDS
	while [ "$(nslab_starttime "$test_pid" 2>/dev/null)" = "$start" ]; do
		if [ $((SECONDS - t0)) -ge "$limit" ]; then
			local pids
			pids=$(nslab_test_procs "$test_pid" "$mark")
			{
				echo "TIMEOUT: $name ran for more than ${limit}s (NSLAB_TEST_TIMEOUT); cut off."
				echo "The processes it left (ended now, SIGTERM then SIGKILL):"
				# shellcheck disable=SC2086 # one PID a word
				[ -z "$pids" ] || ps -o pid,ppid,stat,etime,args -p "$(echo $pids | tr ' ' ,)" 2>&1
			} >>"$out"
			kill -ABRT "$test_pid" 2>/dev/null
			# shellcheck disable=SC2086
			[ -z "$pids" ] || kill -TERM $pids 2>/dev/null
			read -r -t 5 -u "$nap" _
			pids=$(nslab_test_procs "$test_pid" "$mark")
			# shellcheck disable=SC2086
			[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
			return 0
		fi
		read -r -t 1 -u "$nap" _
	done
}
# The start time of PID (field 22 of /proc/PID/stat): PID plus this is one process.
nslab_starttime() {
	local stat
	read -r stat <"/proc/$1/stat" || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086 # split into fields on purpose
	set -- $stat
	echo "${20}"
}
# Every descendant of PID, and every process marked with MARK in its
# environment, PID itself left out.
nslab_test_procs() {
	local root=$1 mark=$2 p pp
	local -A parent=()
	for p in /proc/[0-9]*; do
		read -r pp <"$p/stat" 2>/dev/null || continue
		pp=${pp##*) } pp=${pp#* } pp=${pp%% *}
		parent[${p#/proc/}]=$pp
	done
	{
		for p in "${!parent[@]}"; do
			pp=${parent[$p]}
			while [ -n "$pp" ] && [ "$pp" != 0 ] && [ "$pp" != 1 ]; do
				[ "$pp" = "$root" ] && { echo "$p"; break; }
				pp=${parent[$pp]:-}
			done
		done
		grep -lzx "NSLAB_TEST_MARK=$mark" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3
	} | grep -vx "$root" | sort -un
}
# Started once per test (bats sources this file in each test's own process,
# and once more, without bats_perform_test, for setup_file).
if declare -F bats_perform_test >/dev/null && [ "${NSLAB_TEST_TIMEOUT:-600}" != 0 ]; then
	export NSLAB_TEST_MARK="$BATS_RUN_TMPDIR#$BATS_SUITE_TEST_NUMBER"
	# The test fails as "timed out" (bats 1.7+ says so in its TAP line).
	trap 'BATS_TEST_TIMEOUT=${NSLAB_TEST_TIMEOUT:-600} BATS_TIMED_OUT=1; exit 1' ABRT
	# Twice in the background: the watchdog is no child of the test, so
	# nothing that ends the test's children ends it too.  None of the
	# test's descriptors stays open in it.
	( nslab_watchdog $$ "${NSLAB_TEST_TIMEOUT:-600}" "$BATS_OUT" \
		"test $BATS_SUITE_TEST_NUMBER (${BATS_TEST_FILENAME##*/}: $BATS_TEST_NAME)" "$NSLAB_TEST_MARK" \
		</dev/null >/dev/null 2>&1 3>&- 4>&- & )
fi

# ---- guards: skip, with the reason, when the host cannot run a test ----

require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (run: sudo make check)"
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			skip "needs '$c' (install: sudo vagrant/provision.sh)"
	done
}

# A demo that was not built is a failure, not a skip: `make check`
# builds everything first.
require_built() {
	local f
	for f in "$@"; do
		[ -x "$f" ] || fail "$f is not built (run: make)"
	done
}

fail() {
	echo "FAIL: $*" >&2
	return 1
}

# wait_until SECONDS COMMAND...: poll COMMAND until it succeeds, up to
# SECONDS*50 times, 20 ms apart; then fail.  That is SECONDS when COMMAND
# is quick, and longer when it is slow (a TCG guest): a round count, not a
# deadline, on purpose, so a slow machine is given more time rather than
# less.  Only tests poll - the labs themselves synchronise with pipes.
wait_until() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 50; i++)); do
		"$@" && return 0
		sleep 0.02
	done
	echo "gave up after $((limit * 50)) tries (${limit}s or more) waiting for: $*" >&2
	return 1
}

# ---- a demo held open with --hold --pidfile ----

# start_held DEMO [ARGS...]: start DEMO with --hold in the background and
# wait until its namespace is ready.  Sets HELD_DEMO (the demo's PID),
# HELD_PID (the namespaced child's host PID) and HELD_LOG.
start_held() {
	HELD_LOG=$BATS_TEST_TMPDIR/held.log
	local pidfile=$BATS_TEST_TMPDIR/held.pid
	rm -f "$pidfile"
	# fd 3 is bats' own; a background job must not keep it open.
	"$@" --hold --pidfile "$pidfile" </dev/null >"$HELD_LOG" 2>&1 3>&- &
	HELD_DEMO=$!
	local i
	for ((i = 0; i < 500; i++)); do
		[ -s "$pidfile" ] && break
		if ! kill -0 "$HELD_DEMO" 2>/dev/null; then
			cat "$HELD_LOG" >&2
			fail "demo exited before it was ready: $*"
			return 1
		fi
		sleep 0.02
	done
	[ -s "$pidfile" ] || { cat "$HELD_LOG" >&2; fail "no pidfile after 10s: $*"; return 1; }
	HELD_PID=$(cat "$pidfile")
	# The pidfile is written just before the hold begins; wait for the
	# hold's banner so a signal sent now is one the hold will see.
	wait_until 5 grep -q '^Holding' "$HELD_LOG"
}

# stop_held [SIGNAL]: signal the held demo (default TERM), wait for it,
# and set HELD_STATUS to its exit status.
stop_held() {
	local sig=${1:-TERM}
	kill -"$sig" "$HELD_DEMO"
	wait_held
}

# wait_held: wait for the held demo to end by itself; set HELD_STATUS.
wait_held() {
	HELD_STATUS=0
	wait "$HELD_DEMO" || HELD_STATUS=$?
	HELD_DEMO=
}

# start_shell DEMO [ARGS...]: start DEMO --shell in the background, its
# shell reading a fifo nobody writes to (it waits, as at a terminal).
# Sets HELD_DEMO, HELD_PID (the shell's host PID) and HELD_LOG, as
# start_held does, once the pidfile is written.
start_shell() {
	HELD_LOG=$BATS_TEST_TMPDIR/shell.log
	local pidfile=$BATS_TEST_TMPDIR/shell.pid fifo=$BATS_TEST_TMPDIR/shell.stdin
	rm -f "$pidfile" "$fifo"
	mkfifo "$fifo"
	exec 4<>"$fifo"
	"$@" --shell --pidfile "$pidfile" <&4 >"$HELD_LOG" 2>&1 3>&- 4>&- &
	HELD_DEMO=$!
	exec 4>&-
	wait_until 10 test -s "$pidfile" || { cat "$HELD_LOG" >&2; return 1; }
	HELD_PID=$(cat "$pidfile")
}

# hold_netns PID: an outside process (a sleep in the host's namespaces)
# holds PID's network namespace open by a file descriptor, so that the
# namespace outlives every process in it.  Sets NETNS_HOLDER; the
# namespace is /proc/$NETNS_HOLDER/fd/5.  release_netns ends it.
hold_netns() {
	# shellcheck disable=SC2217 # only its descriptors matter
	sleep 600 5<"/proc/$1/ns/net" </dev/null >/dev/null 2>&1 3>&- 4>&- &
	NETNS_HOLDER=$!
	wait_until 5 test -e "/proc/$NETNS_HOLDER/fd/5"
}
release_netns() {
	[ -z "${NETNS_HOLDER:-}" ] && return 0
	kill "$NETNS_HOLDER" 2>/dev/null || true
	wait "$NETNS_HOLDER" 2>/dev/null || true
	NETNS_HOLDER=
}

# For teardown(): make sure no held demo outlives its test.  SIGTERM
# first, so the demo removes what it made; SIGKILL only if it hangs.
reap_held() {
	if [ -n "${HELD_DEMO:-}" ]; then
		kill -TERM "$HELD_DEMO" 2>/dev/null || true
		wait_until 5 gone "$HELD_DEMO" 2>/dev/null || kill -KILL "$HELD_DEMO" 2>/dev/null || true
		wait "$HELD_DEMO" 2>/dev/null || true
		HELD_DEMO=
	fi
}

# Is process PID gone - not running any more?  A zombie counts as gone: it
# has exited and holds nothing but its PID until its parent (often init,
# for a killed demo's child) gets round to reaping it.  (State letters
# may be lower case, e.g. "t" while LeakSanitizer traces a process.)
gone() {
	local state
	kill -0 "$1" 2>/dev/null || return 0
	state=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -z "$state" ] || [ "$state" = Z ] || [ "$state" = X ]
}

# lsns_shows REGEX LSNS-ARGS...: does lsns print a line matching REGEX?
# lsns from util-linux 2.38 (Debian 12) stops its scan of /proc when a
# process vanishes while it reads it, so a busy machine can make one run
# miss a namespace: only three misses in a row count.
lsns_shows() {
	local re=$1
	shift
	for _ in 1 2 3; do
		lsns "$@" | grep -Eq "$re" && return 0
	done
	echo "lsns $* never showed /$re/; last output:" >&2
	lsns "$@" >&2
	return 1
}

# The namespace a process is in, as the inode of /proc/PID/ns/TYPE.
ns_inode() { stat -L -c %i "/proc/$1/ns/$2"; }
# Every process one of whose /proc/PID/ns/FILEs is the namespace of inode NS
# (a namespace lives as long as one of these, or an open file, holds it).
procs_in_ns() { # NS FILE...
	local ns=$1 f paths=()
	shift
	for f in "$@"; do paths+=(/proc/[0-9]*/ns/"$f"); done
	stat -L -c '%i %n' "${paths[@]}" 2>/dev/null |
		awk -v ns="$ns" '$1 == ns { split($2, p, "/"); print p[3] }' | sort -un
}
no_process_in_ns() { [ -z "$(procs_in_ns "$@")" ]; }

# ---- nothing left behind ----

# Everything the kit could leave on a machine, one item a line: network
# links, named network namespaces, cgroups, mounts, temporary rootfs
# directories and running demo processes.
nslab_snapshot() {
	{
		ip -o link show 2>/dev/null | grep -o 'nslab[^:@ ]*' || true
		ip netns list 2>/dev/null | grep nslab || true
		find /sys/fs/cgroup -maxdepth 8 -type d -name 'nslab*' 2>/dev/null || true
		grep nslab /proc/self/mountinfo | awk '{print "mount " $5}' || true
		# (Not the runners' own: tests/run's TAP copy, make vm-check's and
		# tests/distro's work directories.)
		find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'nslab-*' ! -name 'nslab-tap.*' ! -name 'nslab-vm.*' ! -name 'nslab-distro.*' 2>/dev/null || true
		pgrep -a -f '^[^ ]*(_demo|/mini_container|/nsbench)( |$)' || true
		# Lab 08's host objects: System V keys 0x6e000000-0x6e3fffff, POSIX
		# queues nslab-ipc-* (seen through a throwaway mqueue mount; root only).
		awk 'FNR > 1 && $1 >= 1845493760 && $1 <= 1849688063 {print FILENAME, $1}' \
			/proc/sysvipc/msg /proc/sysvipc/shm /proc/sysvipc/sem 2>/dev/null || true
		unshare --mount --propagation private sh -c 'mount -t mqueue none /mnt && ls /mnt' 2>/dev/null |
			grep '^nslab' | sed 's|^|mqueue /|' || true
	} | sort
}

# Call from setup_file; the file's last test calls assert_nothing_left.
snapshot_before() {
	nslab_snapshot >"$BATS_FILE_TMPDIR/nslab-before"
}

assert_nothing_left() {
	local after
	after=$(nslab_snapshot)
	if [ "$after" != "$(cat "$BATS_FILE_TMPDIR/nslab-before")" ]; then
		echo "left behind (before | after):" >&2
		diff "$BATS_FILE_TMPDIR/nslab-before" <(echo "$after") >&2 || true
		return 1
	fi
}

# in_userns_as_root CMD...: CMD as root of a new user namespace whose maps
# are the identity over every uid and gid (real root may write those).
# Under `unshare --map-root-user` only uid 0 is mapped, and that root
# cannot pass a directory of another owner closed to others - the kit
# cloned into a 0700 home, as on Debian 13; here every owner is mapped.
in_userns_as_root() {
	local go pid self
	self=$(readlink /proc/self/ns/user)
	exec {go}<> <(:)
	# shellcheck disable=SC2016 # the inner shell's own variables
	unshare --user sh -c 'read -r _ <&3 && exec "$@" 3<&-' sh "$@" 3<&"$go" &
	pid=$!
	# unshare execs sh in its own process: once that is in the new
	# namespace, its maps can be written.
	if ! wait_until 10 userns_differs "$pid" "$self"; then
		kill "$pid" # still waiting on its pipe: not reaped, its PID is its own
		wait "$pid"
		exec {go}<&-
		return 1
	fi
	echo "0 0 4294967295" >"/proc/$pid/uid_map"
	echo "0 0 4294967295" >"/proc/$pid/gid_map"
	echo go >&"$go"
	exec {go}<&-
	wait "$pid"
}
userns_differs() { [ "$(readlink "/proc/$1/ns/user" 2>/dev/null)" != "$2" ]; }

# copy_for_nobody DEMO: sets NOBODY_COPY to a copy of DEMO that an
# unprivileged user can execute, whatever the permissions of the directory
# the kit was cloned into.  It lives in the test's own temporary directory,
# whose directories bats makes 0700: they are opened for passing through
# (o+x).  (Without that, setpriv still started the copy - it execs before
# its capabilities are gone - but the demo could not reach its own path.)
# Where a directory above bats' own is closed to other users - a TMPDIR of
# root's own - the test skips and says so.
copy_for_nobody() {
	local dir copy p
	dir=$(mktemp -d "$BATS_TEST_TMPDIR/bin.XXXXXX")
	p=$dir
	while [ "${#p}" -ge "${#BATS_RUN_TMPDIR}" ]; do
		chmod o+x "$p"
		p=${p%/*}
	done
	copy=$dir/$(basename "$1")
	cp "$1" "$copy"
	chmod 755 "$copy"
	as_nobody test -x "$copy" ||
		skip "user nobody cannot reach $BATS_TEST_TMPDIR (a directory above it is closed to others): run with TMPDIR=/tmp"
	NOBODY_COPY=$copy
}

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# ---- Labs 02 and 03 ----

PID_DEMO=$KIT/labs/02-pid/pid_demo
CHROOT_DEMO=$KIT/labs/03-chroot-proc/chroot_proc_demo
MKROOTFS=$KIT/tools/mkrootfs

# The NSpid line of /proc/PID/status, fields separated by single spaces.
nspid() { awk '/^NSpid:/ {$1 = ""; sub(/^ /, ""); print}' "/proc/$1/status"; }

# Every host PID whose PID namespace is the one PID is in.
pids_in_pid_ns() {
	local want p
	want=$(ns_inode "$1" pid) || return 0
	for p in /proc/[0-9]*; do
		[ "$(stat -L -c %i "$p/ns/pid" 2>/dev/null)" = "$want" ] && echo "${p#/proc/}"
	done
	return 0
}

# The host's mount table and the propagation of "/", to compare before
# and after a run (mount IDs included: a remount would show).
mount_state() {
	cat /proc/self/mountinfo
	findmnt -n -o PROPAGATION /
}

# ---- Lab 04 ----

VETH_DEMO=$KIT/labs/04-veth/veth_demo

# The kit's links on the host, one name a line (none: empty).
nslab_links() { ip -o link show | grep -o 'nslab[^:@ ]*' || true; }
link_gone() { ! ip link show "$1" >/dev/null 2>&1; }

# ---- Lab 05 ----

CGROUP_DEMO=$KIT/labs/05-cgroup-mem/cgroup_mem_demo

# The cgroup a cgroup_mem_demo with PID $1 created (empty if none).
demo_cgroup() {
	find /sys/fs/cgroup -maxdepth 8 -type d -name "nslab-mem-$1" 2>/dev/null | head -1
}
nslab_cgroups() { find /sys/fs/cgroup -maxdepth 8 -type d -name 'nslab*' 2>/dev/null || true; }

# 2 if the memory controller is on cgroup v2 here, else 1 (the same
# rule the lab uses: a cgroup2 mount listing memory in cgroup.controllers).
memory_cgroup_version() {
	local mnt
	while read -r mnt; do
		if grep -qw memory "$mnt/cgroup.controllers" 2>/dev/null; then
			echo 2
			return
		fi
	done < <(findmnt -rn -t cgroup2 -o TARGET)
	echo 1
}

# The oom_kill counter of cgroup DIR, from the kernel's own file.
oom_kills() {
	if [ -e "$1/memory.events" ]; then
		awk '$1 == "oom_kill" {print $2}' "$1/memory.events"
	else
		awk '$1 == "oom_kill" {print $2}' "$1/memory.oom_control"
	fi
}
limit_file() { if [ -e "$1/memory.max" ]; then echo "$1/memory.max"; else echo "$1/memory.limit_in_bytes"; fi; }

# ---- Labs 06 to 12 ----

MOUNT_DEMO=$KIT/labs/06-mount/mount_demo
USER_DEMO=$KIT/labs/07-user/user_demo
IPC_DEMO=$KIT/labs/08-ipc/ipc_demo
CGNS_DEMO=$KIT/labs/09-cgroupns/cgroupns_demo
TIME_DEMO=$KIT/labs/10-time/time_demo
MINI_CONTAINER=$KIT/labs/11-container/mini_container
NSBENCH=$KIT/labs/12-cost/nsbench

# ---- tools and the reliability suite ----

NSINFO=$KIT/tools/nsinfo
NSLAB_CLEAN=$KIT/tools/nslab-clean

# Every demo with the arguments of its normal run and the exit status
# that run ends with (Lab 05's child is OOM-killed: 137), as
# "status demo args...".
demo_table() {
	cat <<TABLE
0 $UTS_DEMO
0 $PID_DEMO --mount-proc
0 $CHROOT_DEMO
0 $VETH_DEMO
137 $CGROUP_DEMO
0 $MOUNT_DEMO --escape
0 $USER_DEMO
0 $IPC_DEMO
0 $CGNS_DEMO
0 $TIME_DEMO
0 $MINI_CONTAINER -- true
0 $NSBENCH --quick --only floor,clone
TABLE
}

# A pause of 0 to MAX-1 milliseconds (MAX up to 32767), for killing a
# demo "at a random moment" of a run that takes longer than MAX ms.
random_pause() {
	local ms=$((RANDOM % $1))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
}

# ---- signals at random moments of a run ----
#
# A random-kill test proves something only if most of its signals land
# while the demo is still running, on a fast machine as under TCG (ten
# times slower) or a sanitizer build.  So no pause is a fixed number: the
# span the pauses are drawn from is measured on the machine, and narrowed
# whenever a run turns out to have ended before its signal came.

# run_us DEMO ARGS...: three quarters of a normal run of DEMO here (the
# shortest of three), in microseconds.  The last quarter is mostly the
# shell noticing that the demo has ended.
run_us() {
	local best=999999999 t0 t1
	for _ in 1 2 3; do
		t0=${EPOCHREALTIME/./}
		"$@" >/dev/null 2>&1 3>&- || true
		t1=${EPOCHREALTIME/./}
		[ $((t1 - t0)) -lt "$best" ] && best=$((t1 - t0))
	done
	echo $((best * 3 / 4))
}

# kill_at_random SIGNAL TIMES DEMO ARGS...: start the demo TIMES times and
# send SIGNAL at a random moment of each run.  One line a run:
# "run I: SIGNAL -> status S, alive|exited", where "alive" means the demo
# had not yet exited when the signal was sent.  A run that the signal
# found exited, or that ended as a normal run does, shows that a run now
# takes less than that pause (the machine got quicker, or was busy while
# it was measured): the span shrinks to half that pause.
# The pause is bash's own `read -t` on a pipe nobody writes to: starting
# a `sleep` would take longer than a whole run of the quickest demos.
kill_at_random() {
	local sig=$1 times=$2 span i pid status state stat us pause nap killed
	shift 2
	killed=$((128 + $(kill -l "$sig")))
	span=$(run_us "$@")
	[ "$span" -gt 0 ] || span=1
	echo "a normal run takes ${span} us; signals land at random in [0, ${span}) us"
	exec {nap}<> <(:)
	for ((i = 0; i < times; i++)); do
		# No command substitution in here: each would fork, and a fork
		# takes as long as a whole run of Lab 01.
		us=$(((RANDOM * 32768 + RANDOM) % span))
		printf -v pause '%d.%06d' $((us / 1000000)) $((us % 1000000))
		"$@" >/dev/null 2>&1 3>&- &
		pid=$!
		read -r -t "$pause" -u "$nap" _ || true
		state=exited
		if read -r stat <"/proc/$pid/stat" 2>/dev/null; then
			stat=${stat##*) }
			[ "${stat%% *}" = Z ] || state=alive
		fi
		kill -"$sig" "$pid" 2>/dev/null || true
		status=0
		wait "$pid" || status=$?
		echo "run $i: $sig after ${us} us -> status $status, $state"
		# Too late: the demo had exited, or ended as a normal run does.
		if [ "$state" = exited ] || [ "$status" -ne "$killed" ]; then
			if [ "$us" -gt 1 ]; then
				span=$((us / 2))
				echo "  (too late: signals now land in [0, ${span}) us)"
			fi
		fi
	done
	exec {nap}<&-
}

# without_bats FUNCTION ARGS...: run one of the functions above in a plain
# bash.  Inside a test, bats traces every command, which makes even the
# shortest pause take longer than a whole run of the quickest demo.  A
# script's background jobs start with SIGINT ignored (and CI may start us
# so), and a run under nohup has SIGHUP ignored: env puts both back to
# their defaults and `set -m` keeps SIGINT there for the demos, which then
# meet Ctrl-C and a closed terminal as they would at a terminal.  (Job
# control's notices on stderr are dropped.)  In a SANITIZE=1 build,
# LeakSanitizer's check after main() returns takes half of a run of Lab
# 01, a span in which a signal can no longer interrupt anything; leaks are
# checked by every other test of that build, so not here.
without_bats() {
	env --default-signal=INT,HUP ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" bash -c "$(declare -f run_us kill_at_random); set -m; \"\$@\"" \
		without_bats "$@" 2>/dev/null
}

# interrupted SIGNAL: from kill_at_random's lines on stdin, how many runs
# ended by the signal rather than normally: the demo's own 128+N after
# SIGTERM or SIGINT, or a SIGKILL that found it alive.
interrupted() {
	case "$1" in
	KILL) grep -c '^run .*status 137, alive$' || true ;;
	TERM) grep -c '^run .*status 143, ' || true ;;
	INT) grep -c '^run .*status 130, ' || true ;;
	esac
}

# enough_interrupted SIGNAL TIMES OUTPUT: at least half the runs were
# really interrupted, or the test proves nothing about interruptions.
enough_interrupted() {
	local n
	n=$(interrupted "$1" <<<"$3")
	echo "$n of $2 runs ended by SIG$1"
	[ "$n" -ge $(($2 / 2)) ] || fail "only $n of $2 runs were interrupted by SIG$1: the spans are off"
}

# The machine's whole state as far as the kit could touch it: every link,
# every named netns, nslab cgroups, the whole mount table, running demos
# and the files of labs/rootfs.  Taken before and after the whole suite (tests/setup_suite.bash).
machine_state() {
	ip -o link show
	ip netns list
	nslab_cgroups
	cat /proc/self/mountinfo
	pgrep -a -f '^[^ ]*(_demo|/mini_container|/nsbench)( |$)' || true
	# Lab 08's host objects: System V keys 0x6e000000-0x6e3fffff, POSIX
	# queues nslab-ipc-* (seen through a throwaway mqueue mount; root only).
	awk 'FNR > 1 && $1 >= 1845493760 && $1 <= 1849688063 {print FILENAME, $1}' \
		/proc/sysvipc/msg /proc/sysvipc/shm /proc/sysvipc/sem 2>/dev/null || true
	unshare --mount --propagation private sh -c 'mount -t mqueue none /mnt && ls /mnt' 2>/dev/null |
		grep '^nslab' | sed 's|^|mqueue /|' || true
	# The shared rootfs is read-only in make vm-check: no test may write to it.
	find "$KIT/labs/rootfs" -printf '%y %m %s %p\n' 2>/dev/null | sort
}
