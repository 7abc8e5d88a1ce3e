#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# Lab 10: CLOCK_MONOTONIC and CLOCK_BOOTTIME shifted inside a new time
# namespace, CLOCK_REALTIME not; offsets frozen once a process is inside.
# Observers: /proc/uptime and `date` on the host and through `nsenter -T`;
# a clock reader compiled here (clock_gettime of the three clocks), run on
# the host and through `nsenter -T`; /proc/PID/timens_offsets and
# /proc/PID/ns/time{,_for_children} read from the host (and those of every
# process, to see a namespace is gone); lsns -t time; tools/nsinfo; a
# write to timens_offsets from the host.

load test_helper
TIME_DEMO=$KIT/labs/10-time/time_demo

# Built once for the file, if there is a compiler: the clock reader; a
# stand-in for a kernel without time namespaces (an unshare() that answers
# CLONE_NEWTIME with the errno in NSLAB_FAKE_ERRNO, EINVAL by default); and
# an unshare() that lets a process into the new time namespace before the
# demo writes its offsets (a short-lived child, forked and reaped there),
# so that the kernel itself has frozen them.
CLOCKS=$BATS_FILE_TMPDIR/clocks
NO_TIMENS=$BATS_FILE_TMPDIR/no-timens.so
ENTERED_FIRST=$BATS_FILE_TMPDIR/entered-first.so
setup_file() {
	snapshot_before
	command -v cc >/dev/null 2>&1 || return 0
	cc -o "$CLOCKS" -x c - <<'EOF'
#include <stdio.h>
#include <time.h>
static void show(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	printf("%lld.%03ld ", (long long)t.tv_sec, t.tv_nsec / 1000000);
}
int main(void) /* CLOCK_MONOTONIC CLOCK_BOOTTIME CLOCK_REALTIME, in seconds */
{
	show(CLOCK_MONOTONIC), show(CLOCK_BOOTTIME), show(CLOCK_REALTIME);
	putchar('\n');
	return 0;
}
EOF
	cc -shared -fPIC -o "$NO_TIMENS" -x c - <<'EOF'
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
int unshare(int flags)
{
	const char *e = getenv("NSLAB_FAKE_ERRNO");
	if (flags & CLONE_NEWTIME) {
		errno = e ? atoi(e) : EINVAL;
		return -1;
	}
	return syscall(SYS_unshare, flags);
}
EOF
	cc -shared -fPIC -o "$ENTERED_FIRST" -x c - <<'EOF'
#define _GNU_SOURCE
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
int unshare(int flags)
{
	int r = syscall(SYS_unshare, flags);
	pid_t p;

	if (r == 0 && (flags & CLONE_NEWTIME) && (p = fork()) >= 0) {
		if (p == 0)
			_exit(0); /* in the new namespace: its offsets are frozen now */
		waitpid(p, NULL, 0);
	}
	return r;
}
EOF
}
setup() { require_built "$TIME_DEMO"; }
teardown() { reap_held; }

require_clocks() { [ -x "$CLOCKS" ] || skip "needs cc to build the clock reader"; }

# shifted INSIDE SHIFT BEFORE AFTER: a clock read inside, between two
# readings of the same clock on the host, is the host's plus SHIFT: INSIDE
# - SHIFT lies in [BEFORE, AFTER], give or take a second for rounding.  (A
# reading through nsenter can take seconds under emulation.)
shifted() {
	awk -v v="$1" -v s="$2" -v lo="$3" -v hi="$4" 'BEGIN { d = v - s; exit !(d >= lo - 1 && d <= hi + 1) }' ||
		fail "$1 is not the host's $3 .. $4 shifted by $2 s"
}
# /proc/PID/timens_offsets with its columns' padding squeezed out.
offsets_of() { tr -s ' ' <"/proc/$1/timens_offsets"; }
uptime_now() { cut -d' ' -f1 /proc/uptime; }

@test "time: --help describes the lab and exits 0" {
	run -0 "$TIME_DEMO" --help
	[[ "$output" == *"time namespace"* ]]
	[[ "$output" == *"--offset TIME"* ]]
	[[ "$output" == *"--hold"* ]]
}

# The narration; the same order seen by the host is the next test.
@test "time: a run narrates the order: unshare, offsets, then the first child" {
	require_root
	run -0 "$TIME_DEMO"
	[[ "$output" == *"[2] unshare(CLONE_NEWTIME)"*"[3] write \"monotonic 864000 0\" and \"boottime 864000 0\""*"[4] clone(SIGCHLD)"* ]]
	[[ "$output" == *"==> inside:  monotonic and boot time (uptime) are 864000 s ahead; the wall clock (date) is not"* ]]
	[[ "$output" == *"-> EACCES"* ]]
}

@test "time: the order seen from the host: the demo unshared, the offsets were set, then its child entered first" {
	require_root
	start_held "$TIME_DEMO" --offset 3h
	local ns
	ns=$(ns_inode "$HELD_PID" time)
	# unshare(CLONE_NEWTIME): the demo itself stayed where it was; only its
	# children go to the new namespace.
	[ "$(ns_inode "$HELD_DEMO" time)" = "$(ns_inode self time)" ]
	[ "$(ns_inode "$HELD_DEMO" time_for_children)" = "$ns" ]
	# The offsets are in the namespace, and once a process is in it the
	# kernel takes no more: so they were written before the child entered.
	[ "$(offsets_of "$HELD_PID")" = $'monotonic 10800 0\nboottime 10800 0' ]
	run ! bash -c "echo 'monotonic 5 0' >/proc/$HELD_DEMO/timens_offsets"
	# The child is the namespace's first and only process.
	[ "$(for p in /proc/[0-9]*; do [ "$(stat -L -c %i "$p/ns/time" 2>/dev/null)" = "$ns" ] && echo "${p#/proc/}"; done)" = "$HELD_PID" ]
	stop_held TERM
}

@test "time: during --hold, nsenter -T sees /proc/uptime 10 days ahead of the host's" {
	require_root
	require_cmd nsenter
	start_held "$TIME_DEMO"
	local before inside after
	before=$(uptime_now)
	inside=$(nsenter -t "$HELD_PID" -T cat /proc/uptime | cut -d' ' -f1)
	after=$(uptime_now)
	shifted "$inside" 864000 "$before" "$after"
	# The default offset, for both clocks, in the kernel's own file.
	[ "$(offsets_of "$HELD_PID")" = $'monotonic 864000 0\nboottime 864000 0' ]
	stop_held TERM
}

@test "time: during --hold --offset 1h, CLOCK_MONOTONIC and CLOCK_BOOTTIME are 3600 s ahead inside; CLOCK_REALTIME is not" {
	require_root
	require_cmd nsenter
	require_clocks
	start_held "$TIME_DEMO" --offset 1h
	local -a before inside after
	read -r -a before <<<"$("$CLOCKS")"
	read -r -a inside <<<"$(nsenter -t "$HELD_PID" -T "$CLOCKS")"
	read -r -a after <<<"$("$CLOCKS")"
	shifted "${inside[0]}" 3600 "${before[0]}" "${after[0]}" # CLOCK_MONOTONIC
	shifted "${inside[1]}" 3600 "${before[1]}" "${after[1]}" # CLOCK_BOOTTIME
	shifted "${inside[2]}" 0 "${before[2]}" "${after[2]}"    # CLOCK_REALTIME
	stop_held TERM
}

@test "time: during --hold, date inside is the host's date" {
	require_root
	require_cmd nsenter date
	start_held "$TIME_DEMO" --offset 30d
	local before inside after
	before=$(date +%s)
	inside=$(nsenter -t "$HELD_PID" -T date +%s)
	after=$(date +%s)
	shifted "$inside" 0 "$before" "$after"
	[ "$(nsenter -t "$HELD_PID" -T date -u +%F)" = "$(date -u +%F)" ] ||
		[ "$(date -u +%H%M)" = 0000 ] # unless the day changed in between
	stop_held TERM
}

@test "time: during --hold, /proc/PID/timens_offsets read from the host shows the offsets, negative too" {
	require_root
	start_held "$TIME_DEMO" --offset -30s
	[ "$(offsets_of "$HELD_PID")" = $'monotonic -30 0\nboottime -30 0' ]
	# The child's uptime is 30 s behind the host's.
	local before inside after
	before=$(uptime_now)
	inside=$(nsenter -t "$HELD_PID" -T cat /proc/uptime | cut -d' ' -f1)
	after=$(uptime_now)
	shifted "$inside" -30 "$before" "$after"
	# The file is readable by anyone (no ptrace check, unlike /proc/PID/ns/*).
	require_cmd setpriv
	run -0 as_nobody cat "/proc/$HELD_PID/timens_offsets"
	[[ "$output" == "monotonic"*"-30"* ]]
	stop_held TERM
}

@test "time: the demo stays in the host's time namespace; its time_for_children is the child's (lsns agrees)" {
	require_root
	require_cmd lsns
	start_held "$TIME_DEMO"
	local host child
	host=$(ns_inode self time)
	child=$(ns_inode "$HELD_PID" time)
	[ -n "$child" ]
	[ "$child" != "$host" ]
	[ "$(ns_inode "$HELD_DEMO" time)" = "$host" ]
	[ "$(ns_inode "$HELD_DEMO" time_for_children)" = "$child" ]
	lsns_shows "^ *$child +$HELD_PID\$" -n -t time -o NS,PID
	stop_held TERM
}

@test "time: the child differs from the host in its time namespace only (tools/nsinfo and /proc/PID/ns agree)" {
	require_root
	require_built "$KIT/tools/nsinfo"
	start_held "$TIME_DEMO"
	run -0 "$KIT/tools/nsinfo" "$HELD_PID"
	grep -Eq '^time +[0-9]+ +[0-9]+ +different$' <<<"$output"
	# The page's "time: different; the other seven: same": no other
	# namespace came with the clone().
	local t
	for t in cgroup ipc mnt net pid user uts; do
		[ "$(ns_inode "$HELD_PID" "$t")" = "$(ns_inode self "$t")" ] ||
			fail "the child's $t namespace is not the host's"
		grep -Eq "^$t +[0-9]+ +[0-9]+ +same\$" <<<"$output"
	done
	stop_held TERM
}

@test "time: step 7's second write of the offsets is refused with EACCES, as strace sees it" {
	require_root
	require_cmd strace
	local t=$BATS_TEST_TMPDIR/trace
	run -0 env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=write -e signal=none -o "$t" "$TIME_DEMO"
	# The first write, before the child is in, succeeds; the second, after, is refused.
	grep -q 'write([0-9]*, "monotonic 864000 0\\nboottime 8640"\.\.\., [0-9]*) = [0-9]' "$t" || fail "$(grep monotonic "$t")"
	grep -q 'write([0-9]*, "monotonic 864000 0\\nboottime 8640"\.\.\., [0-9]*) = -1 EACCES' "$t" || fail "$(grep monotonic "$t")"
}

@test "time: once the child is in, the offsets are frozen: a write from the host gets EACCES and changes nothing" {
	require_root
	start_held "$TIME_DEMO" --offset 2h
	grep -q -- '-> EACCES$' "$HELD_LOG"
	local p
	for p in "$HELD_DEMO" "$HELD_PID"; do
		run ! bash -c "echo 'monotonic 5 0' >/proc/$p/timens_offsets"
		[[ "$output" == *"Permission denied"* ]]
	done
	[ "$(offsets_of "$HELD_PID")" = $'monotonic 7200 0\nboottime 7200 0' ]
	stop_held TERM
}

@test "time: SIGTERM during --hold exits 0, removes the pidfile and leaves no process" {
	require_root
	start_held "$TIME_DEMO"
	local child=$HELD_PID ns
	ns=$(ns_inode "$child" time)
	[ -n "$ns" ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	gone "$child"
	[ ! -e "$BATS_TEST_TMPDIR/held.pid" ]
	# With its last process the namespace is gone: nothing to clean up.
	wait_until 5 no_process_in_ns "$ns" time time_for_children
}

@test "time: SIGINT during --hold also exits 0 and leaves no process" {
	require_root
	start_held "$TIME_DEMO"
	local child=$HELD_PID
	stop_held INT
	[ "$HELD_STATUS" -eq 0 ]
	gone "$child"
}

@test "time: --shell runs commands inside the time namespace and passes on their status" {
	require_root
	local before inside
	before=$(uptime_now)
	run -7 "$TIME_DEMO" --quiet --shell <<<'cat /proc/uptime; exit 7'
	inside=$(tail -1 <<<"$output" | cut -d' ' -f1)
	shifted "$inside" 864000 "$before" "$(uptime_now)"
}

@test "time: a child killed by a signal gives exit status 128+signal" {
	require_root
	run -137 "$TIME_DEMO" --quiet --shell <<<'kill -KILL $$'
}

@test "time: kill -9 of the demo ends even a shell inside, and the time namespace goes with it" {
	require_root
	require_cmd lsns
	start_shell "$TIME_DEMO" --quiet
	local child=$HELD_PID ns
	ns=$(ns_inode "$child" time)
	[ -n "$ns" ]
	[ "$ns" != "$(ns_inode self time)" ]
	# Once the child is the shell, none of the demo's own code runs in it:
	# only the kernel can end it, when the demo dies (PR_SET_PDEATHSIG).
	wait_until 5 grep -qx -e bash -e sh "/proc/$child/comm"
	stop_held KILL
	[ "$HELD_STATUS" -eq 137 ]
	wait_until 5 gone "$child"
	# No process is left in the namespace, and lsns no longer lists it.
	wait_until 5 no_process_in_ns "$ns" time time_for_children
	run -0 lsns -n -t time -o NS
	[[ "$output" != *"$ns"* ]]
}

@test "time: --quiet prints only result lines" {
	require_root
	run -0 "$TIME_DEMO" --quiet
	[ "$(grep -c '^==> ' <<<"$output")" -eq 3 ]
	run ! grep -v '^==> ' <<<"$output"
}

@test "time: no colour codes when output is not a terminal" {
	require_root
	run -0 env -u NO_COLOR "$TIME_DEMO"
	[[ "$output" != *$'\033'* ]]
}

@test "time: an unknown option or a stray argument is a usage error (exit 2) that does nothing" {
	run -2 "$TIME_DEMO" --no-such-option
	[[ "$output" == *"Usage: time_demo"* ]]
	[[ "$output" != *"unshare("* ]]
	run -2 "$TIME_DEMO" stray
	[[ "$output" == *"unexpected argument 'stray'"*"Usage: time_demo"* ]]
	run -2 "$TIME_DEMO" --offset
	[[ "$output" == *"'--offset' requires an argument"*"Usage: time_demo"* ]]
	run -2 "$TIME_DEMO" --hold --shell
	[[ "$output" == *"--hold and --shell do not go together"*"Usage: time_demo"* ]]
	[[ "$output" != *"unshare("* ]]
}

@test "time: a bad --offset exits 2 with a message, before anything is done" {
	local bad
	for bad in '' abc 10x 1.5d 10dd 0x10 ' 10' '10 d' - 36501d 99999999999999999999 -99999999999999999999; do
		run -2 "$TIME_DEMO" --offset "$bad"
		[[ "$output" == *"--offset"* ]]
		[[ "$output" == *"Usage: time_demo"* ]]
		[[ "$output" != *"[1]"* ]]
	done
	# The largest allowed offset, and a negative one, still work.
	require_root
	run -0 "$TIME_DEMO" --quiet --offset 36500d
	run -0 "$TIME_DEMO" --quiet --offset -1m
}

@test "time: an offset that would put a clock below zero is refused by the kernel (ERANGE), exit 1" {
	require_root
	run -1 --separate-stderr "$TIME_DEMO" --offset -36500d
	[[ "$stderr" == *"write(/proc/self/timens_offsets) failed: ERANGE"* ]]
	[[ "$stderr" == *"below zero"* ]]
	[[ "$output" != *"clone("* ]]
}

@test "time: offsets frozen before the demo writes them (a process entered first) get EACCES, a clear message and exit 1" {
	require_root
	[ -e "$ENTERED_FIRST" ] || skip "needs cc to build the stand-in"
	local asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
	# The kernel, not the stand-in, refuses the write: exercise 1's order.
	run -1 --separate-stderr env ASAN_OPTIONS="$asan" LD_PRELOAD="$ENTERED_FIRST" "$TIME_DEMO"
	[[ "$stderr" == *"write(/proc/self/timens_offsets) failed: EACCES"*"a process has entered the namespace already: its offsets are frozen"* ]]
	[[ "$output" == *"[2] unshare(CLONE_NEWTIME)"* ]]
	[[ "$output" != *"[3]"* ]]
	[[ "$output" != *"clone("* ]]
}

@test "time: an unprivileged user gets exit 1 and a message about root or sudo" {
	require_root
	require_cmd setpriv
	local demo
	copy_for_nobody "$TIME_DEMO"; demo=$NOBODY_COPY
	run -1 --separate-stderr as_nobody "$demo"
	[[ "$stderr" == *"unshare(CLONE_NEWTIME)"* ]]
	[[ "$stderr" == *"EPERM"* ]]
	[[ "$stderr" == *"sudo"* ]]
}

@test "time: a kernel without time namespaces (unshare says EINVAL or ENOSYS) gets exit 1 and a clear message" {
	[ -e "$NO_TIMENS" ] || skip "needs cc to build the stand-in"
	local errno asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
	for errno in 22 38; do
		run -1 --separate-stderr env ASAN_OPTIONS="$asan" NSLAB_FAKE_ERRNO="$errno" \
			LD_PRELOAD="$NO_TIMENS" "$TIME_DEMO"
		[[ "$stderr" == *"unshare(CLONE_NEWTIME) failed: E"*"no time namespaces"*"Linux 5.6 or later"* ]]
		[[ "$output" != *"[2]"* ]]
	done
}

@test "time: nothing named nslab is left behind" {
	assert_nothing_left
}
