#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# Safety: a demo never signals a process that is not its own.
#
# A PID is only a number: once a child is reaped, the kernel may give the
# same number to any new process.  The demos hold their children by pidfd
# (labs/common/nslab.c) and read a cgroup's process list whole
# (labs/common/cgroup.c).  Observer: strace, which sees every kill(),
# tgkill() and pidfd_send_signal() a demo makes, and every wait that reaps.

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
	export SHIM
}

teardown() {
	if [ -n "${TRACED_DEMO:-}" ]; then
		kill -TERM "$TRACED_DEMO" 2>/dev/null || true
		wait_until 5 gone "$TRACED_DEMO" 2>/dev/null || true
	fi
	reap_held
}

# signals_to_reaped TRACE: print each kill()/tgkill() in an strace -f log
# aimed at a PID that a wait in the same log had already reaped, and each
# pidfd_send_signal() that reached (returned 0) a process already reaped.
# Silent when there is none.
signals_to_reaped() {
	awk '
	# wait4(...) = N reaps N; waitid() reaps si_pid unless WNOWAIT.
	/ wait4\(/ && / = [0-9]+$/ && !/<unfinished/ { n = $NF; reaped[n] = 1 }
	/ waitid\(/ && /si_pid=/ && !/WNOWAIT/ && / = 0$/ {
		match($0, /si_pid=[0-9]+/); reaped[substr($0, RSTART + 7, RLENGTH - 7)] = 1
	}
	/ kill\(/ {
		match($0, /kill\(-?[0-9]+/); t = substr($0, RSTART + 5, RLENGTH - 5)
		if (t in reaped) print "kill() of reaped PID " t ": " $0
	}
	/ tgkill\(/ {
		match($0, /tgkill\([0-9]+/); t = substr($0, RSTART + 7, RLENGTH - 7)
		if (t in reaped) print "tgkill() of reaped PID " t ": " $0
	}
	/ pidfd_send_signal\(/ && / = 0$/ {
		if (match($0, /<pid:[0-9]+>/)) {
			t = substr($0, RSTART + 5, RLENGTH - 6)
			if (t in reaped) print "pidfd_send_signal() reached reaped PID " t ": " $0
		}
	}' "$1"
}

# held_traced TRACE CMD...: for start_held, which runs it in the background:
# the held process is strace itself, and the demo its child.
held_traced() {
	exec strace -f -qq -o "$1" -e trace=kill,tgkill,tkill,pidfd_send_signal,wait4,waitid \
		-e decode-fds=pidfd "${@:2}"
}

traced() { # TRACE CMD...: run CMD under strace -f, its signals and waits in TRACE
	local trace=$1
	shift
	strace -f -qq -o "$trace" -e trace=kill,tgkill,tkill,pidfd_send_signal,wait4,waitid \
		-e decode-fds=pidfd "$@"
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

@test "safety: the check above does catch a kill() of a reaped PID" {
	require_cmd strace
	# A shell that reaps a child, then signals its number: what the old
	# demos did.  The checker must say so.
	# shellcheck disable=SC2016 # for the inner bash
	traced "$BATS_TEST_TMPDIR/t" bash -c 'sleep 0 & p=$!; wait $p; kill -0 $p 2>/dev/null; true'
	run signals_to_reaped "$BATS_TEST_TMPDIR/t"
	[[ "$output" == *"kill() of reaped PID"* ]]
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
	# Every process the demo signalled was in its cgroup (or its own child).
	local bad
	bad=$(grep -oE 'pidfd_send_signal\([0-9]+<pid:[0-9]+>|kill\([0-9]+' "$trace" |
		grep -oE '[0-9]+$' | sort -u | grep -vxFf "$BATS_TEST_TMPDIR/members" |
		grep -vx "$HELD_PID" || true)
	[ -z "$bad" ] || fail "signalled outside its cgroup: $bad"
	grep -q 'pidfd_send_signal(' "$trace" || [ "$has_kill" = yes ] ||
		fail "no signal was sent through a pidfd"
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
