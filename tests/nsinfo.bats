#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# tools/nsinfo, cross-checked against util-linux lsns on the same held demo.

load test_helper

setup_file() { snapshot_before; }
setup() { require_built "$NSINFO" "$UTS_DEMO"; }
teardown() {
	reap_held
	# The newline test's waiting process, if that test failed early.
	[ -z "${WAITER:-}" ] || kill "$WAITER" 2>/dev/null || true
}

# Is PID in a uts namespace other than ours?  (A function, so that
# wait_until evaluates it afresh each time.)
own_uts_ns() { [ "$(ns_inode "$1" uts)" != "$(ns_inode self uts)" ]; }

# The namespace ids of one type, sorted, from each tool.
ids_nsinfo() { "$NSINFO" -t "$1" | awk 'NR > 1 {print $1}' | sort -n; }
ids_lsns() { lsns -n -t "$1" -o NS | awk '{print $1}' | sort -n; }

# usage_error MESSAGE ARGS...: is `nsinfo ARGS` a usage error - exit 2,
# nothing on stdout, MESSAGE and then the usage on stderr?
usage_error() {
	local msg=$1
	shift
	run -2 --separate-stderr "$NSINFO" "$@"
	[ -z "$output" ] || fail "nsinfo $*: a usage error printed on stdout: $output"
	[[ "$stderr" == "nsinfo: $msg"$'\n'"Usage: nsinfo "* ]] ||
		fail "nsinfo $*: stderr is not 'nsinfo: $msg' and the usage: $stderr"
}

@test "nsinfo: --help exits 0; bad arguments say what is wrong on stderr and exit 2" {
	run -0 --separate-stderr "$NSINFO" --help
	[[ "$output" == *"nsinfo PID"* ]]
	[ -z "$stderr" ]
	usage_error "unknown namespace type 'nosuchtype'" -t nosuchtype
	usage_error "'notapid' is not a PID" notapid
	usage_error "'' is not a PID" ""
	usage_error "'12abc' is not a PID" 12abc
	usage_error "'0' is not a PID" 0
	# One above the kernel's largest possible PID (PID_MAX_LIMIT, 2^22),
	# and a number too large for a long.
	usage_error "'4194305' is not a PID" 4194305
	usage_error "'99999999999999999999' is not a PID" 99999999999999999999
	usage_error "unknown option '-5'" -5
	usage_error "unknown option '--bogus'" --bogus
	# A missing value, and one argument too many.
	usage_error "-t needs a TYPE" -t
	usage_error "--type needs a TYPE" --type
	usage_error "unexpected arguments" -t uts extra
	usage_error "unexpected arguments" 1 1
}

# Do both tools agree on the ids of TYPE?  lsns from util-linux 2.38 (Debian
# 12) stops its scan when a process vanishes in the middle of being read
# (later versions carry on), so one run can miss namespaces that are there:
# a mismatch counts only if it is still there on the third try.
agree_on() {
	for _ in 1 2 3; do
		diff <(ids_nsinfo "$1") <(ids_lsns "$1") >"$BATS_TEST_TMPDIR/diff" && return 0
	done
	echo "type $1 differs three times (nsinfo <, lsns >):"
	cat "$BATS_TEST_TMPDIR/diff"
	return 1
}

@test "nsinfo: lists the same namespace ids as lsns, type by type, with a demo held" {
	require_root
	require_cmd lsns
	start_held "$PID_DEMO" --mount-proc
	local t
	for t in cgroup ipc mnt net pid time user uts; do
		agree_on "$t"
	done
	# The held demo's own pid namespace is among them.
	ids_nsinfo pid | grep -qx "$(ns_inode "$HELD_PID" pid)"
	stop_held TERM
}

# "NS NPROCS PID" of every namespace of TYPE, sorted, from each tool.
counts_nsinfo() { "$NSINFO" -t "$1" | awk 'NR > 1 {print $1, $3, $4}' | sort -n; }
counts_lsns() { lsns -n -t "$1" -o NS,NPROCS,PID | awk '{print $1, $2, $3}' | sort -n; }

# Do both tools give every namespace of TYPE the same number of processes
# and the same lowest PID?  The namespaces this test itself is in count its
# own processes, which differ while each tool runs (nsinfo sees itself,
# not lsns): there the counts may differ by a few, never the lowest PID.
# As in agree_on, only a mismatch seen three times in a row counts.
counts_agree_on() {
	local type=$1 own
	own=$(ns_inode self "$type")
	for _ in 1 2 3; do
		join <(counts_nsinfo "$type") <(counts_lsns "$type") -a1 -a2 -e none -o 0,1.2,1.3,2.2,2.3 |
			awk -v own="$own" '
				$3 != $5 { print "NS " $1 ": lowest PID " $3 " (nsinfo), " $5 " (lsns)"; next }
				$2 == $4 { next }
				$1 == own && $2 != "none" && $4 != "none" && ($2 - $4 <= 5 && $4 - $2 <= 5) { next }
				{ print "NS " $1 ": " $2 " processes (nsinfo), " $4 " (lsns)" }' >"$BATS_TEST_TMPDIR/diff"
		[ -s "$BATS_TEST_TMPDIR/diff" ] || return 0
	done
	echo "type $type: NPROCS or PID differ three times:"
	cat "$BATS_TEST_TMPDIR/diff"
	return 1
}

@test "nsinfo: NPROCS and PID agree with lsns for every namespace, with a multi-process demo held" {
	require_root
	require_cmd lsns join
	# Three nested PID namespaces: the outermost holds all three levels'
	# processes, the next two, each with a lowest PID of its own.
	start_held "$PID_DEMO" --nest 3
	local t
	for t in cgroup ipc mnt net pid time user uts; do
		counts_agree_on "$t"
	done
	# The case the comparison is there for: a namespace of several
	# processes (the innermost level and its child), whose lowest PID is
	# not its newest.
	run -0 lsns -n -t pid -o NS,NPROCS
	awk -v own="$(ns_inode self pid)" '$1 != own && $2 >= 2 {f = 1} END {exit !f}' <<<"$output" ||
		fail "no held PID namespace with two or more processes: the test proves nothing"
	stop_held TERM
}

@test "nsinfo: a command line with newlines still gives one line per namespace, its COMMAND as the kernel has it" {
	require_root
	local pid fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	# A process in a uts namespace of its own, whose $0 holds a newline
	# and a tab; it waits on the fifo until the test releases it.
	# shellcheck disable=SC2016 # $1 is the inner sh's
	unshare --uts sh -c 'read -r _ <"$1"' "$(printf 'first\nsecond\tthird')" "$fifo" 3>&- &
	pid=$! WAITER=$!
	# In its namespace, and unshare has become sh (its command line is final).
	wait_until 5 own_uts_ns "$pid"
	wait_until 5 grep -qx sh "/proc/$pid/comm"
	local ns want line
	ns=$(ns_inode "$pid" uts)
	# The command as the kernel has it: its arguments (the first 255
	# bytes, as much as nsinfo reads) joined by spaces, every control
	# character a space too.
	want=$(head -c 255 "/proc/$pid/cmdline" | tr '\000-\037\177' ' ')
	want=${want% }
	[[ "$want" == *"first second third"* ]] || fail "the waiter's command line is not the test's: $want"
	run "$NSINFO" -t uts
	echo >"$fifo"
	wait "$pid"
	WAITER=
	[ "$status" -eq 0 ]
	# The waiter's namespace is there, on one line, with its command.
	line=$(grep -E "^ *$ns +uts +1 +$pid " <<<"$output") ||
		fail "no line for the waiter's uts namespace $ns (1 process, PID $pid): $output"
	[ "${line#*" $pid "}" = "$want" ] || fail "COMMAND is '${line#*" $pid "}', not '$want'"
	# Every line but the header starts with a namespace id.  (Last: this
	# `run` replaces $output.)
	run ! grep -vE '^ *(NS|[0-9]+) ' <<<"$output"
}

@test "nsinfo: the held uts namespace has one process, the held child, as lsns says" {
	require_root
	require_cmd lsns
	start_held "$UTS_DEMO"
	local ns
	ns=$(ns_inode "$HELD_PID" uts)
	run -0 "$NSINFO" -t uts
	grep -Eq "^ *$ns +uts +1 +$HELD_PID " <<<"$output"
	lsns_shows "^ *$ns +1 +$HELD_PID\$" -n -t uts -o NS,NPROCS,PID
	stop_held TERM
}

@test "nsinfo PID: the uts demo's child differs in uts only" {
	require_root
	start_held "$UTS_DEMO"
	run -0 "$NSINFO" "$HELD_PID"
	grep -Eq '^uts +[0-9]+ +[0-9]+ +different$' <<<"$output"
	[ "$(grep -c ' different$' <<<"$output")" -eq 1 ]
	grep -Eq '^1 of 8 namespace types differ$' <<<"$output"
	stop_held TERM
}

@test "nsinfo PID: a process that does not exist is a runtime error (exit 1)" {
	# (The kernel never hands out PID_MAX_LIMIT itself: its PIDs stop one below.)
	[ ! -e /proc/4194304 ]
	run -1 --separate-stderr "$NSINFO" 4194304
	[ "$stderr" = "nsinfo: no process 4194304" ]
	# An error, not half a table.
	[ -z "$output" ]
}

# The types this kernel has, as /proc/self/ns names them, one a line.
kernel_ns_types() {
	local f
	for f in /proc/self/ns/*; do
		f=${f##*/}
		[[ $f == *_for_children ]] || echo "$f"
	done
}

@test "nsinfo PID: its ids are the kernel's, and exactly the types unshare made new differ" {
	require_root
	require_cmd unshare
	# A process in new cgroup, ipc and net namespaces, and ours otherwise.
	unshare --cgroup --ipc --net sleep 600 </dev/null >/dev/null 2>&1 3>&- &
	WAITER=$!
	# unshare execs sleep only after it is in all three.
	wait_until 5 grep -qx sleep "/proc/$WAITER/comm"
	run -0 "$NSINFO" "$WAITER"
	local t row theirs ours ntypes=0 ndiffer=0
	for t in $(kernel_ns_types); do
		ntypes=$((ntypes + 1))
		theirs=$(ns_inode "$WAITER" "$t")
		ours=$(ns_inode $$ "$t")
		row=$(awk -v t="$t" '$1 == t' <<<"$output")
		case $t in
		cgroup | ipc | net)
			[ "$theirs" != "$ours" ] || fail "unshare left $t shared: the test proves nothing"
			ndiffer=$((ndiffer + 1))
			[[ "$row" =~ ^$t\ +$theirs\ +$ours\ +different$ ]] ||
				fail "$t: '$row', not '$t $theirs $ours different'"
			;;
		*)
			[ "$theirs" = "$ours" ] || fail "unshare made a new $t namespace: the test proves nothing"
			[[ "$row" =~ ^$t\ +$theirs\ +$ours\ +same$ ]] ||
				fail "$t: '$row', not '$t $theirs $ours same'"
			;;
		esac
	done
	# One row a type and the total, nothing more.
	[ "$ntypes" -eq 8 ]
	[ "${#lines[@]}" -eq $((ntypes + 2)) ]
	[ "${lines[-1]}" = "$ndiffer of $ntypes namespace types differ" ]
	kill "$WAITER"
	wait "$WAITER" || true
	WAITER=
}

@test "nsinfo PID: a process it may not look into is a runtime error (exit 1) that says why" {
	require_root
	require_cmd setpriv
	local tool
	copy_for_nobody "$NSINFO"; tool=$NOBODY_COPY
	# The kernel's own answer: nobody may not read PID 1's namespace links.
	run ! as_nobody readlink /proc/1/ns/uts
	run -1 --separate-stderr as_nobody "$tool" 1
	[[ "$stderr" == "nsinfo: stat(\"/proc/1/ns/"*"\") failed: Permission denied — run with sudo" ]] ||
		fail "not the permission message: $stderr"
	[ -z "$output" ]
}

@test "nsinfo: processes vanishing mid-scan cause no errors" {
	require_root
	local churn
	# Hundreds of short-lived processes while nsinfo reads /proc.
	( for _ in $(seq 300); do /bin/true; done ) 3>&- &
	churn=$!
	for _ in 1 2 3 4 5; do
		run -0 --separate-stderr "$NSINFO"
		[ -z "$stderr" ]
	done
	wait "$churn"
}

@test "nsinfo: a normal user sees only their own processes, without errors" {
	require_root
	require_cmd setpriv
	local tool
	copy_for_nobody "$NSINFO"; tool=$NOBODY_COPY
	run -0 --separate-stderr as_nobody "$tool"
	[ -z "$stderr" ]
	[ "$(grep -c . <<<"$output")" -ge 2 ]
}

@test "nsinfo: nothing named nslab is left behind" {
	assert_nothing_left
}
