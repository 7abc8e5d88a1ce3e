#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# tools/nsinfo, cross-checked against util-linux lsns on the same held demo.

load test_helper

setup_file() { snapshot_before; }
setup() { require_built "$NSINFO" "$UTS_DEMO"; }
teardown() { reap_held; }

# The namespace ids of one type, sorted, from each tool.
ids_nsinfo() { "$NSINFO" -t "$1" | awk 'NR > 1 {print $1}' | sort -n; }
ids_lsns() { lsns -n -t "$1" -o NS | awk '{print $1}' | sort -n; }

@test "nsinfo: --help exits 0; bad arguments exit 2" {
	run -0 "$NSINFO" --help
	[[ "$output" == *"nsinfo PID"* ]]
	run -2 "$NSINFO" -t nosuchtype
	run -2 "$NSINFO" notapid
	run -2 "$NSINFO" 0
	run -2 "$NSINFO" --bogus
	run -2 "$NSINFO" -t
}

@test "nsinfo: lists the same namespace ids as lsns, type by type, with a demo held" {
	require_root
	require_cmd lsns
	start_held "$PID_DEMO" --mount-proc
	local t
	for t in cgroup ipc mnt net pid time user uts; do
		diff <(ids_nsinfo "$t") <(ids_lsns "$t") || {
			echo "type $t differs (nsinfo <, lsns >)"
			return 1
		}
	done
	stop_held TERM
}

@test "nsinfo: the held uts namespace has one process, the held child, as lsns says" {
	require_root
	require_cmd lsns
	start_held "$UTS_DEMO"
	local ns
	ns=$(ns_inode "$HELD_PID" uts)
	run -0 "$NSINFO" -t uts
	grep -Eq "^ *$ns +uts +1 +$HELD_PID " <<<"$output"
	run -0 lsns -n -t uts -o NS,NPROCS,PID
	grep -Eq "^ *$ns +1 +$HELD_PID\$" <<<"$output"
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
	run -1 --separate-stderr "$NSINFO" 4194304
	[[ "$stderr" == *"no process 4194304"* ]]
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
	tool=$(copy_for_nobody "$NSINFO")
	run -0 --separate-stderr as_nobody "$tool"
	[ -z "$stderr" ]
	[ "$(grep -c . <<<"$output")" -ge 2 ]
}

@test "nsinfo: nothing named nslab is left behind" {
	assert_nothing_left
}
