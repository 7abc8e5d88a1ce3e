#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# Lab 02: one process, two PIDs.
# Observers: /proc/PID/status (NSpid, PPid), /proc/PID/ns/pid, nsenter,
# ps on the host, kill -0, findmnt and /proc/self/mountinfo.

load test_helper

setup_file() { snapshot_before; }
setup() { require_built "$PID_DEMO"; }
teardown() { reap_held; }

@test "pid: --help describes the lab and exits 0" {
	run -0 "$PID_DEMO" --help
	[[ "$output" == *"PID namespace"* ]]
	[[ "$output" == *"--nest N"* ]]
	[[ "$output" == *"--mount-proc"* ]]
}

@test "pid: the held child is PID 1 inside and its host PID outside (NSpid)" {
	require_root
	start_held "$PID_DEMO"
	local -a f
	read -r -a f <<<"$(nspid "$HELD_PID")"
	[ "${#f[@]}" -eq 2 ]
	[ "${f[0]}" = "$HELD_PID" ]
	[ "${f[1]}" = 1 ]
	# A PID namespace of its own, not the host's.
	[ "$(ns_inode "$HELD_PID" pid)" != "$(ns_inode self pid)" ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "pid: --nest 3 gives an NSpid line with 4 fields ending in 1" {
	require_root
	start_held "$PID_DEMO" --nest 3
	local -a f
	read -r -a f <<<"$(nspid "$HELD_PID")"
	[ "${#f[@]}" -eq 4 ]
	[ "${f[0]}" = "$HELD_PID" ]
	[ "${f[3]}" = 1 ]
	stop_held TERM
}

@test "pid: --nest 32, the kernel's limit, gives 33 PIDs for one process" {
	require_root
	start_held "$PID_DEMO" --nest 32
	local -a f
	read -r -a f <<<"$(nspid "$HELD_PID")"
	[ "${#f[@]}" -eq 33 ]
	stop_held TERM
}

@test "pid: an outer level sees the inner processes, an inner one cannot see out" {
	require_root
	require_cmd nsenter
	start_held "$PID_DEMO" --nest 2 --mount-proc
	local -a f
	read -r -a f <<<"$(nspid "$HELD_PID")"
	# The host (outermost) can name every process inside; the innermost
	# namespace's own /proc lists only PIDs of that namespace.
	run -0 nsenter -t "$HELD_PID" -p -m ps -e -o pid=
	local inner_pids
	inner_pids=$(tr -s ' \n' ' ' <<<"$output")
	[[ " $inner_pids " == *" 1 "* ]]
	[[ " $inner_pids " != *" $HELD_PID "* ]]
	[[ " $inner_pids " != *" $HELD_DEMO "* ]]
	kill -0 "$HELD_PID"
	stop_held TERM
}

@test "pid: without --mount-proc the child's /proc is still the host's" {
	require_root
	require_cmd nsenter
	start_held "$PID_DEMO"
	# The child's mount namespace is the host's, so its /proc lists the
	# demo itself (a process outside the child's PID namespace).
	run -0 nsenter -t "$HELD_PID" -m ls /proc
	grep -qx "$HELD_DEMO" <<<"$output"
	stop_held TERM
}

@test "pid: with --mount-proc, ps inside lists only the namespace's few processes" {
	require_root
	require_cmd nsenter ps
	start_held "$PID_DEMO" --mount-proc
	run -0 nsenter -t "$HELD_PID" -p -m ps -e -o pid=,comm=
	echo "$output"
	local n
	n=$(grep -c . <<<"$output")
	# PID 1, the sleeper and ps itself.
	[ "$n" -le 3 ]
	grep -Eq '^ *1 pid_demo$' <<<"$output"
	# The host still sees all of its own processes, the demo among them.
	run -0 ps -e -o pid=
	[ "$(grep -c . <<<"$output")" -gt "$n" ]
	grep -qw "$HELD_DEMO" <<<"$output"
	stop_held TERM
}

@test "pid: the orphaned sleeper is re-parented to the namespace's PID 1, and dies with it" {
	require_root
	start_held "$PID_DEMO"
	local sleeper
	sleeper=$(pgrep -P "$HELD_PID")
	[ -n "$sleeper" ]
	# Its parent is the namespace's init, not the host's init (1).
	[ "$(awk '/^PPid:/ {print $2}' "/proc/$sleeper/status")" = "$HELD_PID" ]
	[ "$(nspid "$sleeper" | awk '{print $NF}')" = 4 ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	gone "$sleeper"
}

@test "pid: killing the namespace's PID 1 from the host leaves none of its processes" {
	require_root
	start_held "$PID_DEMO" --nest 2
	local -a inside
	mapfile -t inside < <(pids_in_pid_ns "$HELD_PID")
	[ "${#inside[@]}" -ge 2 ]
	kill -KILL "$HELD_PID"
	local p
	for p in "${inside[@]}"; do
		wait_until 5 gone "$p"
	done
	wait_held
	[ "$HELD_STATUS" -eq 137 ]
}

@test "pid: the host's mounts and / propagation are unchanged by runs, even SIGKILLed ones" {
	require_root
	require_cmd findmnt
	local before
	before=$(mount_state)
	run -0 "$PID_DEMO" --mount-proc --quiet
	[ "$(mount_state)" = "$before" ]
	start_held "$PID_DEMO" --mount-proc
	stop_held KILL
	[ "$HELD_STATUS" -eq 137 ]
	wait_until 5 gone "$HELD_PID"
	[ "$(mount_state)" = "$before" ]
}

@test "pid: --shell runs a shell as PID 1 and passes on its status" {
	require_root
	run -5 "$PID_DEMO" --quiet --shell --mount-proc <<<'echo "pid=$$"; exit 5'
	[[ "$output" == *"pid=1"* ]]
}

@test "pid: bad --nest values exit 2 and create nothing" {
	local bad
	for bad in 0 33 -1 abc 2x "" 99999999999999999999; do
		run -2 "$PID_DEMO" --nest "$bad"
		[[ "$output" == *"--nest takes a whole number from 1 to 32"* ]]
		[[ "$output" != *"clone("* ]]
	done
	run -2 "$PID_DEMO" --nest
	run -2 "$PID_DEMO" --bogus
	run -2 "$PID_DEMO" extra-argument
	run -2 "$PID_DEMO" --hold --shell
}

@test "pid: an unprivileged user gets exit 1 and a message about root or sudo" {
	require_root
	require_cmd setpriv
	local demo
	demo=$(copy_for_nobody "$PID_DEMO")
	run -1 --separate-stderr as_nobody "$demo"
	[[ "$stderr" == *"CLONE_NEWPID"*"EPERM"*"sudo"* ]]
}

@test "pid: nothing named nslab is left behind" {
	assert_nothing_left
}
