#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# Safety: a demo never signals a process that is not its own.
#
# A PID is only a number: once a child is reaped, the kernel may give the
# same number to any new process.  The demos hold their children by pidfd
# (labs/common/child.c) and read a cgroup's process list whole
# (labs/common/cgroup.c).  Observer: strace, which sees every call that
# sends a signal (kill(), tkill(), tgkill(), rt_sigqueueinfo(),
# rt_tgsigqueueinfo(), pidfd_send_signal()), every wait that reaps and every
# fork or clone that may give a reaped PID to a new process.

load test_helper

setup_file() {
	snapshot_before
	# A shim that raises SIGINT in the demo the instant one of its waits
	# has reaped a child: the worst moment for a Ctrl-C, made certain.
	SHIM=$BATS_FILE_TMPDIR/ctrlc_after_reap.so
	cat >"$BATS_FILE_TMPDIR/shim.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t demo; /* the demo itself, not the children it clones */

__attribute__((constructor)) static void remember(void)
{
	demo = getpid();
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	pid_t (*real)(pid_t, int *, int) = (pid_t(*)(pid_t, int *, int))dlsym(RTLD_NEXT, "waitpid");
	pid_t r = real(pid, status, options);

	if (r > 0 && getpid() == demo && !(options & WUNTRACED))
		raise(SIGINT);
	return r;
}

int waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
	int (*real)(idtype_t, id_t, siginfo_t *, int) =
		(int (*)(idtype_t, id_t, siginfo_t *, int))dlsym(RTLD_NEXT, "waitid");
	int r = real(type, id, info, options);

	if (r == 0 && info->si_pid > 0 && !(options & WNOWAIT) && getpid() == demo)
		raise(SIGINT);
	return r;
}
EOF
	cc -shared -fPIC -O2 -o "$SHIM" "$BATS_FILE_TMPDIR/shim.c" -ldl
	# For the checker's own test: a process that reaps a child with a wait
	# that blocks, then signals its PID in the way MODE says.  Signal 0
	# only asks whether a process exists: harmless to whoever has the PID now.
	SIGNAL_REAPED=$BATS_FILE_TMPDIR/signal_reaped
	cat >"$SIGNAL_REAPED.c" <<'EOF'
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "kill";
	siginfo_t info = { .si_code = SI_QUEUE };
	pid_t pid = fork();

	if (pid == 0) { /* its end is logged while the parent waits: strace -f splits the wait */
		usleep(100000);
		raise(SIGKILL);
	}
	if (strcmp(mode, "nowait") == 0) { /* Lab 11's way: look, signal, then reap */
		waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT);
		kill(pid, 0);
		waitpid(pid, NULL, 0);
		return 0;
	}
	if (strcmp(mode, "waitid") == 0)
		waitid(P_PID, (id_t)pid, &info, WEXITED);
	else
		waitpid(pid, NULL, 0);
	if (strcmp(mode, "tkill") == 0)
		syscall(SYS_tkill, pid, 0);
	else if (strcmp(mode, "tgkill") == 0)
		syscall(SYS_tgkill, pid, pid, 0);
	else if (strcmp(mode, "sigqueue") == 0)
		sigqueue(pid, 0, (union sigval){ 0 });
	else if (strcmp(mode, "tgsigqueue") == 0)
		syscall(SYS_rt_tgsigqueueinfo, pid, pid, 0, &info);
	else if (strcmp(mode, "group") == 0)
		kill(0, 0); /* every process of our group: the test's shell too */
	else
		kill(pid, 0);
	return 0;
}
EOF
	cc -O2 -o "$SIGNAL_REAPED" "$SIGNAL_REAPED.c"
	export SHIM SIGNAL_REAPED
}

teardown() {
	if [ -n "${TRACED_DEMO:-}" ]; then
		kill -TERM "$TRACED_DEMO" 2>/dev/null || true
		wait_until 5 gone "$TRACED_DEMO" 2>/dev/null || true
	fi
	reap_held
}

# signals_to_reaped TRACE: print each call in an strace -f log that signals
# by number a PID that a wait in the same log had already reaped (and no
# fork or clone had given to a new process since), or a whole process group
# (0 or -PGID) or every process (-1); and each pidfd_send_signal() that
# reached (returned 0) a process already reaped.  Silent when there is none.
signals_to_reaped() {
	awk '
	# Under strace -f a call that blocks is cut in two: "wait4(N, <unfinished ...>"
	# and later "<... wait4 resumed>..., 0, NULL) = N".  The reaped PID is on
	# the second line, and so are waitid()'"'"'s si_pid and options.
	function call(name) { return $0 ~ (" " name "\\(|<\\.\\.\\. " name " resumed>") }
	# wait4(...) = N reaps N; waitid() reaps si_pid unless WNOWAIT.  A wait
	# that reports a child stopped or continued (WUNTRACED) reaps nothing.
	call("wait4") && / = [1-9][0-9]*$/ && !/WIFSTOPPED|WIFCONTINUED/ { reaped[$NF] = 1 }
	call("waitid") && /si_pid=[1-9]/ && !/WNOWAIT|CLD_STOPPED|CLD_CONTINUED|CLD_TRAPPED/ && / = 0$/ {
		match($0, /si_pid=[0-9]+/); reaped[substr($0, RSTART + 7, RLENGTH - 7)] = 1
	}
	(call("clone") || call("clone3") || call("fork") || call("vfork")) && / = [1-9][0-9]*$/ {
		delete reaped[$NF]
	}
	# The first argument of each is the PID (or thread group) it signals.
	match($0, / (kill|tkill|tgkill|rt_sigqueueinfo|rt_tgsigqueueinfo)\(-?[0-9]+/) {
		name = substr($0, RSTART + 1, RLENGTH - 1); t = name
		sub(/\(.*/, "", name); sub(/.*\(/, "", t)
		if (t + 0 <= 0) print name "() of a process group or of every process: " $0
		else if (t in reaped) print name "() of reaped PID " t ": " $0
	}
	/ pidfd_send_signal\(/ && / = 0$/ {
		if (match($0, /<pid:[0-9]+>/)) {
			t = substr($0, RSTART + 5, RLENGTH - 6)
			if (t in reaped) print "pidfd_send_signal() reached reaped PID " t ": " $0
		}
	}' "$1"
}

# What strace watches: every call that sends a signal, reaps, or makes a process.
TRACE_CALLS=kill,tgkill,tkill,rt_sigqueueinfo,rt_tgsigqueueinfo,pidfd_send_signal,wait4,waitid,clone,clone3,fork,vfork

# held_traced TRACE CMD...: for start_held, which runs it in the background:
# the held process is strace itself, and the demo its child.
held_traced() {
	# (LeakSanitizer cannot run under ptrace: a SANITIZE=1 build checks leaks elsewhere.)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		exec strace -f -qq -o "$1" -e trace="$TRACE_CALLS" -e decode-fds=pidfd "${@:2}"
}

traced() { # TRACE CMD...: run CMD under strace -f, its signals and waits in TRACE
	local trace=$1
	shift
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -o "$trace" -e trace="$TRACE_CALLS" -e decode-fds=pidfd "$@"
}

@test "safety: a Ctrl-C the instant a wait reaps a child never signals that PID, in every lab" {
	require_root
	require_cmd strace cc
	if ldd "$UTS_DEMO" 2>/dev/null | grep -q libasan; then
		skip "a SANITIZE=1 build: AddressSanitizer must come first, before any LD_PRELOAD shim"
	fi
	local demo args trace bad="" fired=0
	while read -r _ demo args; do
		trace=$BATS_TEST_TMPDIR/$(basename "$demo").trace
		# shellcheck disable=SC2086
		# strace -E: the shim goes to the demo only, not to strace itself.
		traced "$trace" -E "LD_PRELOAD=$SHIM" "$demo" $args </dev/null >"$trace.out" 2>&1 || true
		[ -s "$trace" ] || { cat "$trace.out"; fail "strace wrote nothing for $demo"; }
		grep -qE 'tgkill\([0-9]+, [0-9]+, SIGINT\)' "$trace" && fired=$((fired + 1))
		bad+=$(signals_to_reaped "$trace")$'\n'
	done < <(demo_table)
	[ -z "${bad//$'\n'/}" ] || fail "signals to reaped PIDs:"$'\n'"$bad"
	# The shim must have fired in every lab, or the test proved nothing.
	[ "$fired" -eq "$(demo_table | wc -l)" ] || fail "the Ctrl-C fired in only $fired labs"
}

@test "safety: the check above catches every way of signalling a reaped PID, and a wait with WNOWAIT is no reap" {
	require_cmd strace
	local mode t
	# Each way a demo could signal a number: after a wait that blocked (cut
	# in two lines by strace -f) and after one that did not (the shell's).
	for mode in kill tkill tgkill sigqueue tgsigqueue waitid group; do
		t=$BATS_TEST_TMPDIR/$mode.trace
		traced "$t" "$SIGNAL_REAPED" "$mode"
		run signals_to_reaped "$t"
		[ -n "$output" ] || { cat "$t"; fail "the checker missed mode $mode"; }
	done
	# The blocking waits were really cut in two, or the test proved nothing.
	grep -q '<\.\.\. wait4 resumed>' "$BATS_TEST_TMPDIR/kill.trace" ||
		fail "strace did not split the wait: $(cat "$BATS_TEST_TMPDIR/kill.trace")"
	grep -q '<\.\.\. waitid resumed>' "$BATS_TEST_TMPDIR/waitid.trace" ||
		fail "strace did not split the waitid: $(cat "$BATS_TEST_TMPDIR/waitid.trace")"
	# shellcheck disable=SC2016 # for the inner bash
	traced "$BATS_TEST_TMPDIR/sh.trace" bash -c 'sleep 0 & p=$!; wait $p; kill -0 $p 2>/dev/null; true'
	run signals_to_reaped "$BATS_TEST_TMPDIR/sh.trace"
	[[ "$output" == *"kill() of reaped PID"* ]]
	# A child only looked at (WNOWAIT) is not reaped: its PID is still its own.
	traced "$BATS_TEST_TMPDIR/nowait.trace" "$SIGNAL_REAPED" nowait
	grep -q 'WNOWAIT' "$BATS_TEST_TMPDIR/nowait.trace"
	run signals_to_reaped "$BATS_TEST_TMPDIR/nowait.trace"
	[ -z "$output" ] || fail "a false alarm: $output"
}

# hold_crowd DEMO ARGS...: hold DEMO under strace, then move 1,100 sleeping
# processes into CGROUP_DIR (found by the caller's find_cgroup); end the
# demo with SIGTERM.  Every signal it sent must have been to a process in
# its own cgroup; every sleeper must be gone.
crowd_test() {
	local trace=$BATS_TEST_TMPDIR/crowd.trace demo cg i p
	start_held held_traced "$trace" "$@"
	demo=$(pgrep -P "$HELD_DEMO" | head -1)
	TRACED_DEMO=$demo
	cg=$(find_cgroup "$demo")
	if [ -z "$cg" ] || [ ! -d "$cg" ]; then
		fail "no cgroup found for demo $demo"
	fi
	# Started by a subshell that exits at once: they are nobody's jobs here.
	local sleepers
	mapfile -t sleepers < <(for ((i = 0; i < 1100; i++)); do
		sleep 600 >/dev/null 2>&1 3>&- &
		echo "$!"
	done)
	for p in "${sleepers[@]}"; do
		echo "$p" >"$cg/cgroup.procs"
	done
	[ "$(wc -l <"$cg/cgroup.procs")" -gt 1000 ] || fail "the crowd did not get in"
	cat "$cg/cgroup.procs" >"$BATS_TEST_TMPDIR/members"
	local has_kill=no # cgroup v2 on Linux 5.14+: the kernel kills them all
	[ ! -e "$cg/cgroup.kill" ] || has_kill=yes
	kill -TERM "$demo"
	wait_held
	TRACED_DEMO=
	# No process was signalled by its number (only a raise(), a process to
	# itself): a listed PID may be another's by the time a kill() lands.
	local bad
	bad=$(awk 'match($0, / (kill|tkill|tgkill|rt_sigqueueinfo|rt_tgsigqueueinfo)\(-?[0-9]+/) {
		t = substr($0, RSTART + 1, RLENGTH - 1); sub(/.*\(/, "", t)
		if (t != $1) print
	}' "$trace")
	[ -z "$bad" ] || fail "signalled by PID, not through a pidfd:"$'\n'"$bad"
	# Every process the demo signalled was in its cgroup (or its own child).
	bad=$(grep -oE 'pidfd_send_signal\([0-9]+<pid:[0-9]+>' "$trace" |
		grep -oE '[0-9]+$' | sort -u | grep -vxFf "$BATS_TEST_TMPDIR/members" |
		grep -vx "$HELD_PID" || true)
	[ -z "$bad" ] || fail "signalled outside its cgroup: $bad"
	# Without cgroup.kill the demo itself ended the crowd: through pidfds.
	# (A SIGKILL to the container's PID 1 ends only its own PID namespace.)
	local hit
	hit=$(grep -oE 'pidfd_send_signal\([0-9]+<pid:[0-9]+>, SIGKILL' "$trace" |
		grep -oE '<pid:[0-9]+>' | grep -oE '[0-9]+' | sort -u |
		grep -cxF -f <(printf '%s\n' "${sleepers[@]}") || true)
	[ "$hit" -gt 0 ] || [ "$has_kill" = yes ] ||
		fail "no sleeper was sent SIGKILL through a pidfd"
	# The cgroup could be removed only once it was empty; and ps, asked
	# about every sleeper at once, finds none alive (zombies have ended).
	[ ! -d "$cg" ] || fail "$cg is still there"
	local alive
	alive=$(ps -o stat= -p "$(IFS=,; echo "${sleepers[*]}")" | grep -vc '^Z' || true)
	[ "$alive" -eq 0 ] || fail "$alive sleepers outlived the demo"
}

# Labs 05, 09 and 11 share this teardown (labs/common/cgroup.c); Lab 11's
# cgroup is the one a crowd gets into (nsenter and fork).
@test "safety: Lab 11 tears down a cgroup of 1,100 processes, signalling only them" {
	require_root
	require_cmd strace
	find_cgroup() { find /sys/fs/cgroup -maxdepth 8 -type d -name "nslab-ctr-$1" | head -1; }
	crowd_test "$MINI_CONTAINER" --pids 64
}

@test "safety: SIGHUP (a closed terminal) ends every held demo with its cleanup, as SIGTERM does" {
	require_root
	local demo args before after bad=""
	before=$(nslab_snapshot)
	# Every demo that holds, set up in full, with what its lab's tests give
	# it; each compared with the machine as the one before it left it.
	while read -r demo args; do
		# shellcheck disable=SC2086 # the arguments are words
		start_held "$demo" $args
		stop_held HUP
		# A demo killed by SIGHUP, its cleanup never run, leaves its pidfile.
		[ ! -e "$BATS_TEST_TMPDIR/held.pid" ] ||
			bad+="${demo##*/} left its --pidfile: SIGHUP ended it before its cleanup"$'\n'
		rm -f "$BATS_TEST_TMPDIR/held.pid"
		after=$(nslab_snapshot)
		[ "$after" = "$before" ] ||
			bad+="${demo##*/} left after SIGHUP: $(diff <(echo "$before") <(echo "$after") || true)"$'\n'
		before=$after
	done <<DEMOS
$UTS_DEMO
$PID_DEMO --mount-proc
$CHROOT_DEMO
$VETH_DEMO
$CGROUP_DEMO --alloc 1M
$MOUNT_DEMO --escape
$USER_DEMO
$IPC_DEMO
$CGNS_DEMO
$TIME_DEMO
$MINI_CONTAINER
DEMOS
	[ -z "$bad" ] || fail "$bad"
}

@test "safety: a failed --pidfile write leaves no temporary file behind" {
	require_root
	local dir=$BATS_TEST_TMPDIR/pf
	mkdir "$dir"
	# The name exists as a directory: rename() over it fails (EISDIR).
	mkdir "$dir/pid"
	run -1 "$UTS_DEMO" --pidfile "$dir/pid"
	[[ "$output" == *"writing --pidfile $dir/pid failed"* ]]
	[ -z "$(find "$dir" -name 'pid.tmp*')" ] || fail "left: $(ls "$dir")"
}

@test "hints: EPERM as root of a user namespace does not say 'run with sudo'" {
	require_root
	require_cmd unshare
	# Root inside a user namespace of its own: the host's network is not its.
	# (A copy: that root cannot pass a 0700 home the kit may be cloned in.)
	copy_for_nobody "$VETH_DEMO"
	run -1 --separate-stderr unshare --user --map-root-user "$NOBODY_COPY"
	[[ "$stderr" == *"EPERM"* ]]
	[[ "$stderr" == *"a user namespace, whose root is not the host's"* ]]
	[[ "$stderr" != *"run with sudo"* ]]
	# Outside one, an unprivileged user still gets the sudo hint (tests/01-uts.bats).
}

@test "safety: nothing named nslab is left behind" {
	assert_nothing_left
}
