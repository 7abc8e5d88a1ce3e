#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# Lab 08: System V and POSIX IPC objects of a new IPC namespace.
# Observers: ipcs and /proc/sysvipc/* on the host and, through
# `nsenter -i`, inside; an mqueue file system mounted by the test itself
# (the host's POSIX queues) and the child's own mount (`nsenter -m`);
# /proc/PID/ns/ipc and lsns; Shmem in /proc/meminfo (a segment's memory);
# the host's mount table.

load test_helper

IPC_DEMO=$KIT/labs/08-ipc/ipc_demo
# The kit's System V keys: 0x6e000000 + a number below 2^22 (by default the
# demo's PID); its POSIX queues: /nslab-ipc-KEY, the key in hex.
KEY_FIRST=$((0x6e000000))
KEY_LAST=$((0x6e3fffff))

setup_file() {
	snapshot_before
	ipc_leftovers >"$BATS_FILE_TMPDIR/ipc-before"
}
setup() { require_built "$IPC_DEMO"; }
teardown() {
	reap_held
	if [ -n "${FIRST_DEMO:-}" ]; then
		HELD_DEMO=$FIRST_DEMO FIRST_DEMO=
		reap_held
	fi
	# What a test that failed half-way (or a SIGKILL test) left on the host.
	local k
	if [ -f "$BATS_TEST_TMPDIR/stray-keys" ]; then
		while read -r k; do remove_kit_objects "$k"; done <"$BATS_TEST_TMPDIR/stray-keys"
	fi
}

# The key, in ipcs's notation, of a demo started with PID $1.
key_of() { printf '0x%08x' $((KEY_FIRST + $1)); }

# /proc/sysvipc/KIND lines (key in hex, then the other columns) whose key
# is in the kit's range, as read in the IPC namespace of the reader.
kit_lines() {
	awk -v lo="$KEY_FIRST" -v hi="$KEY_LAST" \
		'NR > 1 && $1 >= lo && $1 <= hi {$1 = sprintf("0x%08x", $1); print}' "/proc/sysvipc/$1"
}

# The host IPC namespace's POSIX queues, "NAME QSIZE:N ..." a line, as an
# mqueue file system mounted by the test shows them: mounted in a mount
# namespace of its own (private), so the host's mount table never sees it.
host_mqueues() {
	# shellcheck disable=SC2016 # for the inner sh
	unshare --mount --propagation private sh -c 'mount -t mqueue none /mnt || exit 1
		for q in /mnt/*; do [ -e "$q" ] && echo "${q#/mnt/} $(cat "$q")"; done; exit 0'
}

# Everything of the kit's IPC on the host: System V objects in its key
# range and nslab POSIX queues.
ipc_leftovers() {
	kit_lines msg | sed 's/^/msg /'
	kit_lines shm | sed 's/^/shm /'
	host_mqueues | grep '^nslab' || true
}

# Remove the host's queue of key $1 and its POSIX queue, if they exist.
remove_kit_objects() {
	ipcrm -Q "$1" 2>/dev/null || true
	ipcrm -M "$1" 2>/dev/null || true
	# shellcheck disable=SC2016 # for the inner sh
	unshare --mount --propagation private sh -c \
		'mount -t mqueue none /mnt && rm -f "/mnt/nslab-ipc-${1#0x}"' _ "$1"
}

# Note key $1 for teardown to remove, whatever happens to the test.
stray() { echo "$1" >>"$BATS_TEST_TMPDIR/stray-keys"; }

# Shared memory in use on the machine, in kB.
shmem_kb() { awk '$1 == "Shmem:" {print $2}' /proc/meminfo; }
# Has it fallen by at least $1 kB from $2 kB?
shmem_fell() { [ $(($2 - $(shmem_kb))) -ge "$1" ]; }

# Column N of what /proc/sysvipc/KIND lists, read inside the IPC namespace
# of process PID: sysvipc_inside PID KIND N.
sysvipc_inside() {
	# shellcheck disable=SC2016 # awk's own $n
	nsenter -t "$1" -i awk -v n="$3" 'NR > 1 {print $n}' "/proc/sysvipc/$2"
}

@test "ipc: --help describes the lab and exits 0" {
	run -0 "$IPC_DEMO" --help
	[[ "$output" == *"IPC"* ]]
	[[ "$output" == *"--key"* && "$output" == *"--size"* ]]
	[[ "$output" == *"0x6e000000"* ]]
	[[ "$output" == *"--hold"* ]]
}

@test "ipc: a run tells the whole story, exits 0 and leaves no IPC object on the host" {
	require_root
	local before
	before=$(ipc_leftovers)
	run -0 "$IPC_DEMO"
	[[ "$output" == *"==> inside:  key 0x6e"*" names nothing"* ]]
	[[ "$output" == *"==> host:    key 0x6e"*"still names only queue"*"no segment"* ]]
	[[ "$output" == *"==> gone:    the 16 MiB segment was freed with its namespace"* ]]
	[[ "$output" == *"free again"* ]]
	[ "$(ipc_leftovers)" = "$before" ]
}

# The story's numbers, as the narration gives them in a held run's log.
story() { sed -n "$1" "$HELD_LOG" | head -1; }

@test "ipc: the story's queues, PIDs and segment are the kernel's, seen from outside during --hold" {
	require_root
	require_cmd nsenter
	start_held "$IPC_DEMO" --size 4
	local key host_q child inside_q
	key=$(key_of "$HELD_DEMO")
	host_q=$(story 's/^\[1\] host: msgget(.*) -> queue \([0-9]*\);.*/\1/p')
	child=$(story 's/^\[2\] clone(.*) -> child \([0-9]*\) .*/\1/p')
	inside_q=$(story 's/^\[4\] inside: msgget(.*) -> queue \([0-9]*\);.*/\1/p')
	echo "story: host queue $host_q, child $child, inside queue $inside_q"
	[ -n "$host_q" ]
	[ -n "$child" ]
	[ -n "$inside_q" ]
	# [2] the child is the process the host sees in its own IPC namespace.
	[ "$child" = "$HELD_PID" ]
	[ "$(ns_inode "$HELD_PID" ipc)" != "$(ns_inode self ipc)" ]
	# [1] and [6]: on the host the key is that queue, 1 message, last sent
	# by the demo (msqid, qnum and lspid of /proc/sysvipc/msg); no segment.
	run -0 kit_lines msg
	grep -Eq "^$key $host_q +[0-9]+ [0-9]+ 1 $HELD_DEMO " <<<"$output"
	run ! grep -q "^$key " <<<"$(kit_lines shm)"
	# [3] and [4]: inside, nothing of the host's (however many queues the
	# host has): one queue, the child's own, under the same key, sent by
	# the child; one 4 MiB segment.
	# shellcheck disable=SC2016 # awk's own fields
	run -0 nsenter -t "$HELD_PID" -i awk 'NR > 1 {printf "0x%08x %s %s %s\n", $1, $2, $5, $6}' /proc/sysvipc/msg
	[ "$output" = "$key $inside_q 1 $HELD_PID" ]
	# shellcheck disable=SC2016
	run -0 nsenter -t "$HELD_PID" -i awk 'NR > 1 {printf "0x%08x %s\n", $1, $4}' /proc/sysvipc/shm
	[ "$output" = "$key $((4 << 20))" ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	# [8] the key and the POSIX queue free again.
	run ! grep -q "^$key " <<<"$(kit_lines msg)"
	run ! grep -q "nslab-ipc-${key#0x}" <<<"$(host_mqueues)"
}

@test "ipc: during --hold the host's ipcs and /proc/sysvipc show only the host's queue under the key" {
	require_root
	require_cmd ipcs
	start_held "$IPC_DEMO"
	local key
	key=$(key_of "$HELD_DEMO")
	# The queue: 1 message of 20 bytes ("hello from the host" and its NUL).
	run -0 ipcs -q
	grep -Eq "^$key +[0-9]+ +root +600 +20 +1 *\$" <<<"$output"
	# No segment under that key on the host.
	run -0 ipcs -m
	[[ "$output" != *"$key"* ]]
	# /proc/sysvipc agrees: lspid (field 6) is the demo, no shm line.
	run -0 kit_lines msg
	grep -Eq "^$key [0-9]+ +600 20 1 $HELD_DEMO " <<<"$output"
	run ! grep -q "^$key " <<<"$(kit_lines shm)"
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "ipc: during --hold, nsenter -i sees other objects under the same key: a queue and the segment" {
	require_root
	require_cmd ipcs nsenter
	start_held "$IPC_DEMO" --size 4
	local key
	key=$(key_of "$HELD_DEMO")
	# Inside: a queue holding the child's 32-byte message, and the segment,
	# 4 MiB, attached once (by the child).
	run -0 nsenter -t "$HELD_PID" -i ipcs -q
	grep -Eq "^$key +[0-9]+ +root +600 +32 +1 *\$" <<<"$output"
	[ "$(grep -c '^0x' <<<"$output")" -eq 1 ]
	run -0 nsenter -t "$HELD_PID" -i ipcs -m
	grep -Eq "^$key +[0-9]+ +root +600 +4194304 +1 " <<<"$output"
	# /proc/sysvipc read inside: the sender is the child, not the demo.
	run -0 sysvipc_inside "$HELD_PID" msg 6
	[ "$output" = "$HELD_PID" ]
	run -0 sysvipc_inside "$HELD_PID" shm 5
	[ "$output" = "$HELD_PID" ]
	stop_held TERM
}

@test "ipc: during --hold the child's IPC namespace is its own (/proc/PID/ns/ipc, lsns)" {
	require_root
	require_cmd lsns
	start_held "$IPC_DEMO"
	local inside
	inside=$(ns_inode "$HELD_PID" ipc)
	[ "$inside" != "$(ns_inode self ipc)" ]
	[ "$(ns_inode "$HELD_DEMO" ipc)" = "$(ns_inode self ipc)" ]
	lsns_shows "^ *$inside +$HELD_PID\$" -n -t ipc -o NS,PID
	stop_held TERM
}

@test "ipc: during --hold each side has its own POSIX queue of the same name" {
	require_root
	require_cmd unshare nsenter
	start_held "$IPC_DEMO"
	local name dir
	name=nslab-ipc-$(printf '%08x' $((KEY_FIRST + HELD_DEMO)))
	dir=/mnt
	[ -d /dev/mqueue ] && dir=/dev/mqueue
	# The host's: empty.  The child's, in its own mqueue mount: 6 bytes.
	run -0 host_mqueues
	grep -Eq "^$name QSIZE:0 " <<<"$output"
	run -0 nsenter -t "$HELD_PID" -m cat "$dir/$name"
	[[ "$output" == "QSIZE:6 "* ]]
	run -0 nsenter -t "$HELD_PID" -m ls "$dir"
	[ "$output" = "$name" ]
	# That mount is the child's: the topmost mqueue mount on $dir in its
	# table (under systemd the host's /dev/mqueue lies beneath it), not
	# shared with any other mount namespace, and absent from the host's
	# table (a mount's ID is unique across namespaces).
	local id
	id=$(awk -v d="$dir" '$5 == d && / - mqueue / {id = $1} END {print id}' "/proc/$HELD_PID/mountinfo")
	[ -n "$id" ]
	run -0 nsenter -t "$HELD_PID" -m findmnt -n -o ID,FSTYPE,PROPAGATION "$dir"
	[ "$(tail -1 <<<"$output" | awk '{print $1, $2, $3}')" = "$id mqueue private" ]
	run ! grep -q "^$id " /proc/self/mountinfo
	stop_held TERM
}

@test "ipc: the commands --hold suggests work as printed and show the child's side, not the host's" {
	require_root
	require_cmd ipcs nsenter lsns
	start_held "$IPC_DEMO" --size 4
	local key name cmds argv
	key=$(key_of "$HELD_DEMO")
	name=nslab-ipc-${key#0x}
	mapfile -t cmds < <(sed -n '/^Holding/,/^Press/s/^    //p' "$HELD_LOG")
	printf 'suggested: %s\n' "${cmds[@]}"
	[ "${#cmds[@]}" -eq 5 ]
	# Each as printed (this test is root already: without its sudo).
	# 1: the host's view - the key names the 20-byte queue, no segment.
	read -ra argv <<<"${cmds[0]#sudo }"
	run -0 "${argv[@]}"
	grep -Eq "^$key +[0-9]+ +root +600 +20 +1 *\$" <<<"$output"
	[ "$(grep -c "^$key " <<<"$output")" -eq 1 ]
	# 2: the child's - the key names its 32-byte queue and the 4 MiB segment.
	read -ra argv <<<"${cmds[1]#sudo }"
	run -0 "${argv[@]}"
	grep -Eq "^$key +0 +root +600 +32 +1 *\$" <<<"$output"
	grep -Eq "^$key +0 +root +600 +4194304 +1 " <<<"$output"
	# 3: the raw table inside, the key in decimal, created by the child.
	read -ra argv <<<"${cmds[2]#sudo }"
	run -0 "${argv[@]}"
	# shellcheck disable=SC2016 # awk's own fields
	[ "$(awk 'NR > 1 {print $1, $4, $5}' <<<"$output")" = "$((key)) $((4 << 20)) $HELD_PID" ]
	# 4: the child's POSIX queue, holding its 6-byte "hello".
	read -ra argv <<<"${cmds[3]#sudo }"
	[ "${argv[-1]##*/}" = "$name" ]
	run -0 "${argv[@]}"
	[[ "$output" == "QSIZE:6 "* ]]
	# 5: lsns names the child's own IPC namespace.
	read -ra argv <<<"${cmds[4]#sudo }"
	[ "${argv[0]}" = lsns ]
	lsns_shows "^ *$(ns_inode "$HELD_PID" ipc) +ipc +1 +$HELD_PID " "${argv[@]:1}"
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "ipc: the segment's memory is freed with the namespace, though nobody removed it" {
	require_root
	local with after
	start_held "$IPC_DEMO" --size 64
	# 64 MiB of Shmem while the namespace lives...
	with=$(shmem_kb)
	run -0 sysvipc_inside "$HELD_PID" shm 4
	[ "$output" -eq $((64 << 20)) ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	# ...are gone soon after its last process: the kernel frees a namespace
	# in the background.  (Other programs may use shared memory meanwhile:
	# 48 of the 64 MiB is the bar.)
	wait_until 5 shmem_fell $((48 * 1024)) "$with"
	after=$(shmem_kb)
	echo "Shmem: $with kB with the segment, $after kB after"
	grep -q '^==> gone:    the 64 MiB segment was freed with its namespace$' "$HELD_LOG"
	# Step 7's own figures show (nearly) the whole segment gone, as the
	# page says, not a reading taken halfway through the freeing.
	local before_kb after_kb
	read -r before_kb after_kb < <(sed -n 's/^\[7\] .*Shmem in \/proc\/meminfo: \([0-9]*\) kB -> \([0-9]*\) kB$/\1 \2/p' "$HELD_LOG")
	[ -n "$after_kb" ] || fail "no step 7 figures in the log"
	[ $((before_kb - after_kb)) -ge $((48 * 1024)) ] || fail "step 7: $before_kb kB -> $after_kb kB"
	# The namespace itself is gone too.
	gone "$HELD_PID"
}

@test "ipc: nobody removes the segment: strace sees no shmctl(IPC_RMID) in any of the demo's processes" {
	require_root
	require_cmd strace
	local t=$BATS_TEST_TMPDIR/trace
	run -0 env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=shmget,shmctl -e signal=none -o "$t" "$IPC_DEMO" --size 16
	grep -q 'shmget(.*= [0-9]' "$t" || fail "no segment made: $(cat "$t")"
	run ! grep -q IPC_RMID "$t"
}

@test "ipc: two held runs at once get different keys; each namespace sees only its own" {
	require_root
	require_cmd ipcs nsenter
	local tmp=$BATS_TEST_TMPDIR first_pid k1 k2
	mkdir -p "$tmp/a" "$tmp/b"
	BATS_TEST_TMPDIR=$tmp/a start_held "$IPC_DEMO"
	FIRST_DEMO=$HELD_DEMO first_pid=$HELD_PID
	BATS_TEST_TMPDIR=$tmp/b start_held "$IPC_DEMO"
	k1=$(key_of "$FIRST_DEMO")
	k2=$(key_of "$HELD_DEMO")
	[ "$k1" != "$k2" ]
	run -0 ipcs -q
	[[ "$output" == *"$k1"* && "$output" == *"$k2"* ]]
	run -0 nsenter -t "$first_pid" -i ipcs -q
	[[ "$output" == *"$k1"* && "$output" != *"$k2"* ]]
	run -0 nsenter -t "$HELD_PID" -i ipcs -q
	[[ "$output" == *"$k2"* && "$output" != *"$k1"* ]]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	local first_status=0
	kill -TERM "$FIRST_DEMO"
	wait "$FIRST_DEMO" || first_status=$?
	FIRST_DEMO=
	[ "$first_status" -eq 0 ]
	run ! grep -q -e "$k1" -e "$k2" <<<"$(ipcs -q)"
}

@test "ipc: a --key already taken on the host fails with EEXIST and touches nothing" {
	require_root
	start_held "$IPC_DEMO" --key 0x6e3ffff0
	local before
	before=$(ipc_leftovers)
	grep -q '^0x6e3ffff0 ' <<<"$(kit_lines msg)"
	run -1 --separate-stderr "$IPC_DEMO" --key 0x6e3ffff0
	[[ "$stderr" == *"msgget(0x6e3ffff0, IPC_CREAT|IPC_EXCL) failed: EEXIST"* ]]
	# The hint names the likelier cause first: nslab-clean --yes would end the
	# other run too (exercise 2).
	[[ "$stderr" == *"the key is taken - if another ipc_demo is running with it, end that one or give another --key"* ]]
	[[ "$output" != *"clone("* ]]
	# The first run's queue and POSIX queue are untouched.
	[ "$(ipc_leftovers)" = "$before" ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	run ! grep -q '^0x6e3ffff0 ' <<<"$(kit_lines msg)"
}

@test "ipc: SIGTERM or SIGINT during --hold removes the host's objects and exits 0" {
	require_root
	local sig child before
	before=$(ipc_leftovers)
	for sig in TERM INT; do
		start_held "$IPC_DEMO"
		child=$HELD_PID
		[ "$(ipc_leftovers)" != "$before" ]
		stop_held "$sig"
		[ "$HELD_STATUS" -eq 0 ]
		gone "$child"
		[ ! -e "$BATS_TEST_TMPDIR/held.pid" ]
		[ "$(ipc_leftovers)" = "$before" ]
	done
}

@test "ipc: the child killed during --hold: the demo removes the host's objects and exits 137" {
	require_root
	local before
	before=$(ipc_leftovers)
	start_held "$IPC_DEMO"
	kill -KILL "$HELD_PID"
	wait_held
	[ "$HELD_STATUS" -eq 137 ]
	[ "$(ipc_leftovers)" = "$before" ]
}

@test "ipc: the host's queue removed from outside: exit 1 with EINVAL, the POSIX queue still removed" {
	require_root
	require_cmd ipcrm
	local before
	before=$(ipc_leftovers)
	start_held "$IPC_DEMO"
	ipcrm -Q "$(key_of "$HELD_DEMO")"
	stop_held TERM
	[ "$HELD_STATUS" -eq 1 ]
	grep -q 'msgctl([0-9]*, IPC_RMID) failed: EINVAL' "$HELD_LOG"
	[ "$(ipc_leftovers)" = "$before" ]
}

@test "ipc: a POSIX queue refused at step 1 (RLIMIT_MSGQUEUE: EMFILE) is exit 1, and its System V queue is removed" {
	require_root
	require_cmd prlimit
	local before
	before=$(ipc_leftovers)
	stray 0x6e3ffff1
	# Every POSIX queue counts against its user's RLIMIT_MSGQUEUE, root's
	# too: under a limit of 0 step 1's mq_open() fails - after its msgget()
	# made the host's System V queue, which the demo must then remove (the
	# page's table: "the demo has removed its System V queue").
	run -1 --separate-stderr prlimit --msgqueue=0 "$IPC_DEMO" --key 0x6e3ffff1
	[[ "$stderr" == *'mq_open("/nslab-ipc-6e3ffff1", O_CREAT|O_EXCL) failed: EMFILE'* ]]
	[[ "$output" != *"clone("* ]]
	[ "$(ipc_leftovers)" = "$before" ]
}

@test "ipc: after SIGKILL of the demo, the host keeps its objects under the documented names" {
	require_root
	local key name
	start_held "$IPC_DEMO"
	local child=$HELD_PID ns
	ns=$(ns_inode "$child" ipc)
	key=$(key_of "$HELD_DEMO")
	name=nslab-ipc-${key#0x}
	stray "$key"
	stop_held KILL
	[ "$HELD_STATUS" -eq 137 ]
	wait_until 5 gone "$child"
	# No process is left in the namespace (it would keep its segment alive).
	wait_until 5 no_process_in_ns "$ns" ipc
	# What no cleanup ran for: the host's queue and POSIX queue, found by
	# their key range and name (what tools/nslab-clean looks for).
	grep -q "^$key " <<<"$(kit_lines msg)"
	grep -q "^$name " <<<"$(host_mqueues)"
	# The namespace's objects went with it: no segment anywhere on the host.
	run ! grep -q "^$key " <<<"$(kit_lines shm)"
	remove_kit_objects "$key"
	run ! grep -q "^$key " <<<"$(kit_lines msg)"
	run ! grep -q "^$name " <<<"$(host_mqueues)"
}

@test "ipc: the leftovers of ten killed runs do not stop the next run (small POSIX queues)" {
	require_root
	# Every POSIX queue counts against root's RLIMIT_MSGQUEUE (800 KiB by
	# default), a queue of the default size (10 x 8 KiB) about 80 KiB of it.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		start_held "$IPC_DEMO"
		stray "$(key_of "$HELD_DEMO")"
		stop_held KILL
		[ "$HELD_STATUS" -eq 137 ]
	done
	[ "$(host_mqueues | grep -c '^nslab-ipc-')" -ge 10 ]
	run -0 "$IPC_DEMO" --quiet
}

@test "ipc: even where / is shared (as under systemd), the child's mqueue mount does not reach the host" {
	require_root
	require_cmd unshare findmnt
	# The stand-in host is a mount namespace of this test (private, so the
	# real host is safe) in which every mount is then made shared.  The demo
	# runs there and must add no mqueue mount to it.  The control: a mount
	# namespace that skips the private step does pass its mount back.
	# shellcheck disable=SC2016 # the script is for the inner bash
	run -0 --separate-stderr unshare --mount --propagation private -- bash -c '
		mount --make-rshared / || exit 1
		echo "before: $(findmnt -n -t mqueue | wc -l)"
		"$1" --quiet >/dev/null || exit 1
		echo "after the demo: $(findmnt -n -t mqueue | wc -l)"
		unshare --mount --propagation unchanged mount -t mqueue none /mnt || exit 1
		echo "after the control: $(findmnt -n -t mqueue | wc -l)"' _ "$IPC_DEMO"
	local n=${lines[0]#before: }
	[ "${lines[1]}" = "after the demo: $n" ]
	[ "${lines[2]}" = "after the control: $((n + 1))" ]
}

@test "ipc: where /dev/mqueue is mounted (systemd), the child mounts its own there" {
	require_root
	require_cmd unshare nsenter
	# A stand-in systemd host: a private mount namespace with the host IPC
	# namespace's queues on /dev/mqueue (over a tmpfs /dev, so that the real
	# /dev is not touched).  Inside it, the demo is held and both views read.
	# shellcheck disable=SC2016 # the script is for the inner bash
	run -0 --separate-stderr unshare --mount --propagation private -- bash -c '
		exec 4>"$2/log" 5</dev/null
		mount -t tmpfs none /dev && mkdir /dev/mqueue && mount -t mqueue none /dev/mqueue || exit 1
		"$1" --hold --pidfile "$2/pid" <&5 >&4 2>&4 &
		for _ in $(seq 500); do [ -s "$2/pid" ] && grep -q ^Holding "$2/log" && break; sleep 0.02; done
		child=$(cat "$2/pid") || exit 1
		echo "host: $(ls /dev/mqueue | grep nslab)"
		echo "inside: $(nsenter -t "$child" -m ls /dev/mqueue)"
		echo "demo: $!"
		echo "host: $(cut -d" " -f1 /dev/mqueue/nslab-ipc-*)"
		echo "inside: $(nsenter -t "$child" -m sh -c "cut -d\" \" -f1 /dev/mqueue/nslab-ipc-*")"
		kill -TERM $! && wait $!' _ "$IPC_DEMO" "$BATS_TEST_TMPDIR"
	echo "$output"
	local name
	name=nslab-ipc-$(printf '%08x' $((KEY_FIRST + ${lines[2]#demo: })))
	# Both show a queue of the same name: the host's and the child's own.
	[ "${lines[0]}" = "host: $name" ]
	[ "${lines[1]}" = "inside: $name" ]
	# Two queues, not one seen twice: the host's is empty, the child's holds
	# its 6-byte "hello".  (Without a mount of its own, the child's copy of
	# /dev/mqueue would show the host's queue under that very name.)
	[ "${lines[3]}" = "host: QSIZE:0" ]
	[ "${lines[4]}" = "inside: QSIZE:6" ]
	grep -q "mount(\"mqueue\", \"/dev/mqueue\", \"mqueue\")" "$BATS_TEST_TMPDIR/log"
	grep -q "^    /dev/mqueue lists: $name\$" "$BATS_TEST_TMPDIR/log"
}

@test "ipc: --shell runs inside the namespace; the demo exits with its status, or 128+signal" {
	require_root
	# The shell sees the child's queue (32 bytes) and, in its mqueue mount,
	# the child's POSIX queue with its 6-byte message: lines that only ipcs
	# and the shell print (the demo's own lines name the queue too).
	# shellcheck disable=SC2016 # the script is for the shell inside
	run -7 "$IPC_DEMO" --quiet --shell <<<'ipcs -q
		d=/mnt; [ -d /dev/mqueue ] && d=/dev/mqueue
		for q in "$d"/*; do echo "mq: ${q##*/} $(cut -d" " -f1 "$q")"; done; exit 7'
	local key
	key=$(sed -n 's/^==> host:    key \(0x6e[0-9a-f]*\) names queue .*/\1/p' <<<"$output")
	[ -n "$key" ]
	grep -Eq "^$key +0 +root +600 +32 +1 *\$" <<<"$output"
	[ "$(grep '^mq: ' <<<"$output")" = "mq: nslab-ipc-${key#0x} QSIZE:6" ]
	run -137 "$IPC_DEMO" --quiet --shell <<<'kill -KILL $$'
}

@test "ipc: --quiet leaves the seven result lines, and off a terminal no colour codes" {
	require_root
	run -0 env -u NO_COLOR "$IPC_DEMO" --quiet
	[ "$(grep -c '^==> ' <<<"$output")" -eq 7 ]
	[ "${#lines[@]}" -eq 7 ]
	[[ "$output" != *$'\033'* ]]
}

@test "ipc: bad input is a usage error (exit 2) that creates nothing" {
	local before bad
	before=$(ipc_leftovers)
	for bad in "--key 42" "--key 0x6e400000" "--key 0x6dffffff" "--key -1" "--key nslab" \
		"--size 0" "--size 1025" "--size 2k" "--size" "--bogus" "extra" "--hold --shell"; do
		# shellcheck disable=SC2086 # $bad is the options
		run -2 "$IPC_DEMO" $bad
		[[ "$output" == *"Usage: ipc_demo"* ]]
		[[ "$output" != *"msgget("* ]]
	done
	run -2 "$IPC_DEMO" --key ""
	# The first line says what was wrong, on stderr, as the page shows it.
	run -2 --separate-stderr "$IPC_DEMO" --key 42
	[ "${stderr_lines[0]}" = "ipc_demo: --key takes a key from 0x6e000000 to 0x6e3fffff (the kit's range), not '42'" ]
	[ -z "$output" ]
	run -2 --separate-stderr "$IPC_DEMO" --size 0
	[ "${stderr_lines[0]}" = "ipc_demo: --size takes a size in MiB from 1 to 1024, not '0'" ]
	run -2 --separate-stderr "$IPC_DEMO" --size
	[[ "${stderr_lines[0]}" == *"option '--size' requires an argument" ]]
	run -2 --separate-stderr "$IPC_DEMO" --hold --shell
	[[ "${stderr_lines[0]}" == "ipc_demo: --hold and --shell do not go together"* ]]
	[ "$(ipc_leftovers)" = "$before" ]
	# The ends of the ranges still work.
	require_root
	run -0 "$IPC_DEMO" --quiet --key 0x6e3fffff --size 1
	run -0 "$IPC_DEMO" --quiet --key 0x6e000000
}

@test "ipc: an unprivileged user gets exit 1, a message about sudo, and nothing left on the host" {
	require_root
	require_cmd setpriv
	local demo before
	before=$(ipc_leftovers)
	copy_for_nobody "$IPC_DEMO"; demo=$NOBODY_COPY
	# Anyone may make System V and POSIX queues on the host, so step 1 works;
	# a new IPC namespace needs CAP_SYS_ADMIN, and the cleanup removes them.
	run -1 --separate-stderr as_nobody "$demo"
	[[ "$output" == "[1] host: msgget("* ]]
	[[ "$stderr" == *"CLONE_NEWIPC"* && "$stderr" == *"EPERM"* && "$stderr" == *"sudo"* ]]
	[ "$(ipc_leftovers)" = "$before" ]
}

@test "ipc: nothing named nslab is left behind, no IPC object either" {
	assert_nothing_left
	[ "$(ipc_leftovers)" = "$(cat "$BATS_FILE_TMPDIR/ipc-before")" ]
}
