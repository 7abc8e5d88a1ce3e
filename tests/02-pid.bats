#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# Lab 02: one process, two PIDs.
# Observers: /proc/PID/status (NSpid, PPid), /proc/PID/ns/* (pid_for_children
# too), nsenter, lsns, ps on the host (zombies included) and in each
# namespace, kill -0, findmnt --task, /proc/PID/mountinfo and
# /proc/self/mountinfo.

load test_helper

setup_file() { snapshot_before; }

# A PID no host process has, far from the ones being handed out now.
free_host_pid() {
	local max n
	max=$(cat /proc/sys/kernel/pid_max)
	n=$((($(cat /proc/sys/kernel/ns_last_pid) + max / 2) % max))
	while [ "$n" -lt 1000 ] || [ -e "/proc/$n" ]; do
		n=$(((n + 1) % max))
	done
	echo "$n"
}
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

@test "pid: the commands printed under --hold name the innermost process, and show what the page says" {
	require_root
	require_cmd nsenter lsns ps
	start_held "$PID_DEMO" --mount-proc --nest 2
	local cmds p
	mapfile -t cmds < <(sed -n '/^Holding/,/^Press/p' "$HELD_LOG" | sed -n 's/^ *sudo //p')
	[ "${#cmds[@]}" -eq 3 ] || fail "printed: ${cmds[*]}"
	p=${cmds[0]#grep NSpid /proc/}
	p=${p%/status}
	[ "${cmds[0]}" = "grep NSpid /proc/$p/status" ]
	[ "${cmds[1]}" = "lsns -t pid -p $p" ]
	[ "${cmds[2]}" = "nsenter -t $p -p -m ps -ef" ]
	# $p is the innermost level's PID 1: three PIDs, the last 1.
	[[ "$(grep NSpid "/proc/$p/status")" =~ ^NSpid:[[:space:]]+${p}[[:space:]]+[0-9]+[[:space:]]+1$ ]]
	run -0 bash -c "${cmds[0]}"
	[[ "$output" =~ ^NSpid:[[:space:]]+${p}[[:space:]]+[0-9]+[[:space:]]+1$ ]]
	run -0 bash -c "${cmds[1]}"
	[[ "$output" == *"$(ns_inode "$p" pid) pid "* ]]
	# With its own /proc (-m), ps there lists the level's processes, PID 1 first.
	run -0 bash -c "${cmds[2]}"
	[ "$(awk 'NR == 2 {print $2}' <<<"$output")" = 1 ]
	run -0 bash -c "${cmds[2]} | wc -l"
	[ "$output" -le 4 ] # the header, PID 1 and ps itself (no host process)
	stop_held TERM
}

@test "pid: --nest 3 gives an NSpid line with 4 fields ending in 1, one number per level" {
	require_root
	start_held "$PID_DEMO" --nest 3
	local sleeper
	local -a f
	read -r -a f <<<"$(nspid "$HELD_PID")"
	[ "${#f[@]}" -eq 4 ]
	[ "${f[0]}" = "$HELD_PID" ]
	[ "${f[3]}" = 1 ]
	# Level K is the Kth process of level 1's namespace, the (K-1)th of
	# level 2's, and so on; after the innermost come the middle process,
	# the orphan and the sleeper (Exercise 1).
	[ "${f[*]}" = "$HELD_PID 3 2 1" ]
	sleeper=$(pgrep -P "$HELD_PID")
	[ "$(nspid "$sleeper")" = "$sleeper 6 5 4" ]
	# The narration tells the numbers that /proc shows.
	grep -qF "PID 1 inside (NSpid: $(nspid "$HELD_PID"))" "$HELD_LOG"
	grep -qF "the sleeper, adopted by PID 1: host PID $sleeper, NSpid: $sleeper 6 5 4" "$HELD_LOG"
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
	require_cmd nsenter unshare ps
	start_held "$PID_DEMO" --nest 2 --mount-proc
	local outer p outer_pids inner_pids
	local -a f g inside
	read -r -a f <<<"$(nspid "$HELD_PID")"
	[ "${#f[@]}" -eq 3 ]
	# The outer level is the innermost's parent: PID 1 of its own namespace.
	outer=$(awk '/^PPid:/ {print $2}' "/proc/$HELD_PID/status")
	[ "$(nspid "$outer")" = "$outer 1" ]
	mapfile -t inside < <(pids_in_pid_ns "$HELD_PID")
	[ "${#inside[@]}" -ge 2 ] # the innermost PID 1 and its sleeper

	# From the outer level's side: a ps in its PID namespace, reading a
	# proc mounted from there, lists the outer level itself (1) and every
	# inner process, by the number NSpid gives it at that level...
	run -0 nsenter -t "$outer" -p -- unshare --mount --mount-proc ps -e -o pid=
	outer_pids=" $(tr -s ' \n' ' ' <<<"$output") "
	[[ "$outer_pids" == *" 1 "* ]]
	for p in "${inside[@]}"; do
		read -r -a g <<<"$(nspid "$p")"
		[[ "$outer_pids" == *" ${g[1]} "* ]]
	done
	# ...and can signal the innermost by that number.
	nsenter -t "$outer" -p -- kill -0 "${f[1]}"

	# The innermost namespace's own /proc lists only its own processes
	# (and the ps): no host PID, nothing of the outer level.
	run -0 nsenter -t "$HELD_PID" -p -m ps -e -o pid=
	inner_pids=" $(tr -s ' \n' ' ' <<<"$output") "
	[[ "$inner_pids" == *" 1 "* ]]
	[[ "$inner_pids" != *" $HELD_PID "* ]]
	[[ "$inner_pids" != *" $HELD_DEMO "* ]]
	[ "$(wc -w <<<"$inner_pids")" -eq $((${#inside[@]} + 1)) ]
	[ "$(wc -w <<<"$outer_pids")" -gt "$(wc -w <<<"$inner_pids")" ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "pid: without --mount-proc the child's /proc is still the host's" {
	require_root
	require_cmd nsenter
	start_held "$PID_DEMO"
	# The child's mount namespace is the host's, so its /proc lists the
	# demo itself (a process outside the child's PID namespace).
	run -0 nsenter -t "$HELD_PID" -m ls /proc
	grep -qx "$HELD_DEMO" <<<"$output"
	# It has no mount namespace of its own.
	[ "$(ns_inode "$HELD_PID" mnt)" = "$(ns_inode self mnt)" ]
	stop_held TERM
}

@test "pid: without a fresh /proc, ps inside takes a host process for itself, or stops" {
	require_root
	require_cmd nsenter ps
	start_held "$PID_DEMO"
	# The narration names the host process that has the number PID 1 has
	# inside: the one such a ps would take for itself.
	grep -q "as PID 1 it would find the host's" "$HELD_LOG"
	grep -qF "\"$(cat /proc/1/comm)\" and take that for itself" "$HELD_LOG"
	# /proc/self is fine: it names the host PID, while $$ gives the PID in
	# the namespace (Exercise 4).  exec keeps the one process for both.
	# shellcheck disable=SC2016 # $$ is the inner shell's
	run -0 nsenter -t "$HELD_PID" -p -- sh -c 'echo $$; exec readlink /proc/self'
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" =~ ^[0-9]+$ && "${lines[1]}" =~ ^[0-9]+$ ]]
	[ "${lines[0]}" != "${lines[1]}" ]
	[ "${lines[1]}" != 1 ]
	# ps gets a PID chosen here (ns_last_pid, in the held namespace): one
	# that a host process has too (the demo's) -> it lists the host's
	# processes; one that none has -> "lookup self" (procps-ng 4 only).
	# shellcheck disable=SC2016 # $1 is for the inner sh
	run -0 nsenter -t "$HELD_PID" -p -- sh -c \
		'echo $(($1 - 1)) >/proc/sys/kernel/ns_last_pid && ps -e -o pid=; true' sh "$HELD_DEMO"
	grep -qw "$HELD_DEMO" <<<"$output"
	[[ "$(ps --version)" =~ procps-ng\ ([0-9]+) ]]
	if [ "${BASH_REMATCH[1]}" -ge 4 ]; then
		local n
		n=$(free_host_pid)
		# shellcheck disable=SC2016
		run -0 nsenter -t "$HELD_PID" -p -- sh -c \
			'echo $(($1 - 1)) >/proc/sys/kernel/ns_last_pid && ps -e -o pid=; echo "ps: $?"' sh "$n"
		[ "${lines[0]}" = "fatal library error, lookup self" ]
		[ "${lines[1]}" = "ps: 1" ]
	fi
	stop_held TERM
}

@test "pid: --mount-proc gives the innermost level alone a mount namespace" {
	require_root
	start_held "$PID_DEMO" --nest 2 --mount-proc
	local outer
	outer=$(awk '/^PPid:/ {print $2}' "/proc/$HELD_PID/status")
	[ "$(ns_inode "$HELD_PID" mnt)" != "$(ns_inode self mnt)" ]
	[ "$(ns_inode "$outer" mnt)" = "$(ns_inode self mnt)" ]
	stop_held TERM
}

@test "pid: only the child's pid namespace (and mnt with --mount-proc) is new; the demo stays in the host's" {
	require_root
	start_held "$PID_DEMO" --mount-proc
	local t
	# Every namespace type this kernel has, the *_for_children ones too.
	for t in /proc/self/ns/*; do
		t=${t##*/}
		# The demo itself makes its child with clone(), not unshare():
		# neither it nor its next children move.
		[ "$(ns_inode "$HELD_DEMO" "$t")" = "$(ns_inode self "$t")" ] ||
			fail "the demo's own $t namespace is not the host's"
		case $t in
		pid | pid_for_children | mnt)
			[ "$(ns_inode "$HELD_PID" "$t")" != "$(ns_inode self "$t")" ] ||
				fail "the child's $t namespace is the host's"
			;;
		*)
			[ "$(ns_inode "$HELD_PID" "$t")" = "$(ns_inode self "$t")" ] ||
				fail "the child's $t namespace is not the host's"
			;;
		esac
	done
	# PID 1's own children are born in its namespace.
	[ "$(ns_inode "$HELD_PID" pid_for_children)" = "$(ns_inode "$HELD_PID" pid)" ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "pid: with --mount-proc, the child's / is private and its proc nosuid,nodev,noexec" {
	require_root
	require_cmd findmnt
	start_held "$PID_DEMO" --mount-proc
	# The child's own mount table, read by findmnt from /proc/PID/mountinfo.
	[ "$(findmnt --task "$HELD_PID" -n -o PROPAGATION /)" = private ]
	local top
	top=$(findmnt --task "$HELD_PID" -n -o FSTYPE,VFS-OPTIONS /proc | tail -1)
	[[ "$top" == "proc "* ]]
	[[ ",${top#proc }," == *",nosuid,"* ]]
	[[ ",${top#proc }," == *",nodev,"* ]]
	[[ ",${top#proc }," == *",noexec,"* ]]
	# The host's /proc is still the one proc mount there.
	[ "$(awk '$5 == "/proc"' /proc/self/mountinfo | wc -l)" -eq 1 ]
	stop_held TERM
}

@test "pid: --mount-proc keeps its proc to itself even where / is shared" {
	require_root
	require_cmd unshare
	# A mount namespace of the test's own (private first, so that nothing
	# reaches the host), with every mount shared, as systemd makes "/".
	# The last command is the control: a mount namespace that does not
	# make "/" private passes a proc mount back.
	# shellcheck disable=SC2016 # the script is for the inner bash
	run -0 --separate-stderr unshare --mount --propagation private -- bash -c '
		mount --make-rshared / || exit 1
		count() { awk "\$5 == \"/proc\"" /proc/self/mountinfo | wc -l; }
		n0=$(count)
		"$1" --mount-proc --quiet >/dev/null || exit 1
		n1=$(count)
		unshare --mount --propagation unchanged mount -t proc proc /proc || exit 1
		echo "$n0 $n1 $(count)"' _ "$PID_DEMO"
	[ "$output" = "1 1 2" ]
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

@test "pid: inside, PID 1 has no parent (PPid 0) and the sleeper is PID 4, its child" {
	require_root
	require_cmd nsenter ps
	start_held "$PID_DEMO" --mount-proc
	# The observer is the namespace's own /proc: its PID 1 is the held
	# child (the same PID namespace as the host sees it in)...
	run -0 nsenter -t "$HELD_PID" -p -m stat -L -c %i /proc/1/ns/pid
	[ "$output" = "$(ns_inode "$HELD_PID" pid)" ]
	# ...whose parent lives outside and so has no number in here.
	# shellcheck disable=SC2016 # awk's own fields
	run -0 nsenter -t "$HELD_PID" -p -m awk '/^(PPid|NSpid):/ {$1 = $1; print}' /proc/1/status
	[ "${lines[*]}" = "PPid: 0 NSpid: 1" ]
	# ps -ef inside: PID 1, the sleeper (4) with parent 1, and ps itself,
	# whose parent (nsenter) stayed outside.
	run -0 nsenter -t "$HELD_PID" -p -m ps -e -o pid=,ppid=,comm=
	echo "$output"
	[ "${#lines[@]}" -eq 3 ]
	grep -Eqx ' *1 +0 pid_demo' <<<"$output"
	grep -Eqx ' *4 +1 pid_demo' <<<"$output"
	grep -Eqx ' *[0-9]+ +0 ps' <<<"$output"
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
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

@test "pid: PID 1 reaps the middle process and the orphan: the sleeper is its one child, and lsns counts 2" {
	require_root
	require_cmd ps lsns
	start_held "$PID_DEMO"
	# Every child of the namespace's PID 1, zombies included: a child that
	# was never reaped has no /proc/N/ns any more, but ps still lists it.
	run -0 ps -o pid=,stat= --ppid "$HELD_PID"
	echo "$output"
	[ "${#lines[@]}" -eq 1 ]
	local sleeper state
	read -r sleeper state <<<"${lines[0]}"
	[[ "$state" != Z* ]]
	[ "$(nspid "$sleeper")" = "$sleeper 4" ]
	# lsns: a PID namespace not the host's, with PID 1 and the sleeper in it.
	[ "$(ns_inode "$HELD_PID" pid)" != "$(ns_inode self pid)" ]
	lsns_shows "^ *$(ns_inode "$HELD_PID" pid) +2\$" -t pid -p "$HELD_PID" -n -o NS,NPROCS
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
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

@test "pid: SIGINT during --hold --nest 4 exits 0 and leaves no process of any level" {
	require_root
	start_held "$PID_DEMO" --nest 4
	local p level=$HELD_PID
	local -a all=()
	# Every level, from the innermost up to the demo's child, and every
	# process in each level's namespace.
	while [ "$level" != "$HELD_DEMO" ]; do
		mapfile -t -O "${#all[@]}" all < <(pids_in_pid_ns "$level")
		level=$(awk '/^PPid:/ {print $2}' "/proc/$level/status")
	done
	[ "${#all[@]}" -ge 5 ] # 4 levels and the sleeper
	stop_held INT
	[ "$HELD_STATUS" -eq 0 ]
	for p in "${all[@]}"; do
		gone "$p"
	done
}

@test "pid: SIGTERM while a --shell runs ends every process and exits 143" {
	require_root
	local pidfile=$BATS_TEST_TMPDIR/shell.pid log=$BATS_TEST_TMPDIR/shell.log
	mkfifo "$BATS_TEST_TMPDIR/stdin"
	# A shell with nothing to read yet: it waits, as at a terminal.
	exec 4<>"$BATS_TEST_TMPDIR/stdin"
	"$PID_DEMO" --shell --nest 2 --pidfile "$pidfile" <&4 >"$log" 2>&1 3>&- &
	HELD_DEMO=$!
	exec 4>&-
	wait_until 10 test -s "$pidfile"
	local p shell
	local -a inside
	shell=$(cat "$pidfile")
	mapfile -t inside < <(pids_in_pid_ns "$shell")
	[ "$(nspid "$shell" | awk '{print $NF}')" = 1 ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 143 ]
	grep -q "interrupted by SIGTERM" "$log"
	for p in "$shell" "${inside[@]}"; do
		gone "$p"
	done
	[ ! -e "$pidfile" ]
}

@test "pid: --shell runs a shell as PID 1 and passes on its status" {
	require_root
	run -5 "$PID_DEMO" --quiet --shell --mount-proc <<<'echo "pid=$$"; exit 5'
	[[ "$output" == *"pid=1"* ]]
	# Nested, a shell that ends at once still passes its status on: the
	# host has looked at the chain of levels before the shell starts.
	for _ in 1 2 3 4 5; do
		run -7 "$PID_DEMO" --quiet --shell --nest 3 <<<'exit 7'
	done
}

@test "pid: bad input exits 2 with a message on stderr and starts nothing" {
	local bad
	# Nothing on stdout: step 1 is told only once the child exists.
	for bad in 0 33 -1 abc 2x "" 99999999999999999999; do
		run -2 --separate-stderr "$PID_DEMO" --nest "$bad"
		[[ "$stderr" == *"--nest takes a whole number from 1 to 32, not '$bad'"* ]]
		[ -z "$output" ]
	done
	run -2 --separate-stderr "$PID_DEMO" --nest
	[[ "$stderr" == *"'--nest' requires an argument"*"Try 'pid_demo --help'"* ]]
	[ -z "$output" ]
	run -2 --separate-stderr "$PID_DEMO" --bogus
	[[ "$stderr" == *"unrecognized option '--bogus'"*"Try 'pid_demo --help'"* ]]
	[ -z "$output" ]
	run -2 --separate-stderr "$PID_DEMO" extra-argument
	[[ "$stderr" == *"unexpected argument 'extra-argument'"* ]]
	[ -z "$output" ]
	run -2 --separate-stderr "$PID_DEMO" --hold --shell
	[[ "$stderr" == *"--hold and --shell do not go together"* ]]
	[ -z "$output" ]
}

@test "pid: an unprivileged user gets exit 1 and a message about root or sudo" {
	require_root
	require_cmd setpriv
	local demo
	copy_for_nobody "$PID_DEMO"; demo=$NOBODY_COPY
	run -1 --separate-stderr as_nobody "$demo"
	[[ "$stderr" == *"CLONE_NEWPID"*"EPERM"*"sudo"* ]]
}

@test "pid: nothing named nslab is left behind" {
	assert_nothing_left
}
