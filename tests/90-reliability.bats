#!/usr/bin/env bats
# Reliability: every demo, interrupted at random moments, with bad input,
# and twice at once, must leave the machine as it found it.
#
# Observers: the nslab snapshot (links, named netns, cgroups, mounts,
# temporary rootfs directories, demo processes) from test_helper.bash.

load test_helper

setup_file() { snapshot_before; }
setup() {
	require_built "$UTS_DEMO" "$PID_DEMO" "$CHROOT_DEMO" "$VETH_DEMO" "$CGROUP_DEMO"
}

# run_ms DEMO ARGS...: how long a normal run of DEMO takes here, in ms
# (the shortest of three), so that random moments span a whole run on
# any machine: native, a TCG VM or a sanitizer build.
run_ms() {
	local best=999999 t0 t1 ms
	for _ in 1 2 3; do
		t0=${EPOCHREALTIME/./}
		"$@" >/dev/null 2>&1 3>&- || true
		t1=${EPOCHREALTIME/./}
		ms=$(((t1 - t0) / 1000))
		[ "$ms" -lt "$best" ] && best=$ms
	done
	echo $((best > 2 ? best : 2))
}

# kill_at_random SIGNAL TIMES DEMO ARGS...: start the demo TIMES times and
# send SIGNAL at a random moment of each run.  One line a run:
# "run I: SIGNAL -> status S, alive|exited", where "alive" means the demo
# had not yet exited when the signal was sent.
kill_at_random() {
	local sig=$1 times=$2 span i pid status state
	shift 2
	span=$(run_ms "$@")
	echo "a normal run takes ${span} ms; signals land at random in [0, ${span}) ms"
	for ((i = 0; i < times; i++)); do
		"$@" >/dev/null 2>&1 3>&- &
		pid=$!
		random_pause "$span"
		state=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$pid/stat" 2>/dev/null)
		if [ -n "$state" ] && [ "$state" != Z ]; then state=alive; else state=exited; fi
		kill -"$sig" "$pid" 2>/dev/null || true
		status=0
		wait "$pid" || status=$?
		echo "run $i: $sig -> status $status, $state"
	done
}

# interrupted SIGNAL: from kill_at_random's lines on stdin, how many runs
# ended by the signal rather than normally: the demo's own 128+N after
# SIGTERM or SIGINT, or a SIGKILL that found it alive.
interrupted() {
	case "$1" in
	KILL) grep -c 'status 137, alive$' || true ;;
	TERM) grep -c 'status 143, ' || true ;;
	INT) grep -c 'status 130, ' || true ;;
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

@test "reliability: SIGKILL at random moments, then nslab-clean --yes, leaves nothing (10 per demo)" {
	require_root
	local before expect demo
	before=$(nslab_snapshot)
	while read -r expect demo; do
		# shellcheck disable=SC2086 # $demo is the program and its options
		run kill_at_random KILL 10 $demo
		echo "$demo:"
		echo "$output"
		enough_interrupted KILL 10 "$output"
		"$NSLAB_CLEAN" --yes --quiet
		[ "$(nslab_snapshot)" = "$before" ] || {
			echo "left after SIGKILLs of $demo and nslab-clean:"
			diff <(echo "$before") <(nslab_snapshot)
			return 1
		}
		# ...and a normal run right after still works.
		# shellcheck disable=SC2086
		run $demo --quiet
		[ "$status" -eq "$expect" ]
	done < <(demo_table)
}

@test "reliability: SIGTERM and SIGINT at random moments leave nothing, with no help (10 per signal and demo)" {
	require_root
	local before expect demo sig bad
	before=$(nslab_snapshot)
	while read -r expect demo; do
		for sig in TERM INT; do
			# shellcheck disable=SC2086
			run kill_at_random "$sig" 10 $demo
			echo "$demo:"
			echo "$output"
			# Every run ended normally or through the signal...
			bad=$(grep -E '^run ' <<<"$output" | grep -vE "status ($expect|130|143), " || true)
			[ -z "$bad" ] || fail "ended otherwise: $bad"
			# ...and most of them through the signal.
			enough_interrupted "$sig" 10 "$output"
			[ "$(nslab_snapshot)" = "$before" ] || {
				echo "left after SIG$sig of $demo:"
				diff <(echo "$before") <(nslab_snapshot)
				return 1
			}
		done
	done < <(demo_table)
}

@test "reliability: two instances of each demo at once both succeed" {
	require_root
	local expect demo a b sa sb extra_a extra_b
	while read -r expect demo; do
		extra_a="" extra_b=""
		# Lab 04's two runs need different subnets.
		case "$demo" in
		*veth_demo) extra_a="--subnet 10.221.0.0/24" extra_b="--subnet 10.222.0.0/24" ;;
		esac
		# shellcheck disable=SC2086
		$demo --quiet $extra_a >"$BATS_TEST_TMPDIR/a" 2>&1 3>&- &
		a=$!
		# shellcheck disable=SC2086
		$demo --quiet $extra_b >"$BATS_TEST_TMPDIR/b" 2>&1 3>&- &
		b=$!
		sa=0 sb=0
		wait "$a" || sa=$?
		wait "$b" || sb=$?
		echo "$demo: $sa and $sb (expected $expect)"
		cat "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
		[ "$sa" -eq "$expect" ]
		[ "$sb" -eq "$expect" ]
	done < <(demo_table)
}

@test "reliability: bad input to every demo exits 2 with usage and creates nothing" {
	local before long_name long_path
	before=$(nslab_snapshot)
	long_name=$(printf 'n%.0s' {1..65})
	long_path=/$(printf 'p%.0s' {1..5000})
	# demo | arguments, one case a line ("''" is an empty argument).
	local -a cases=(
		"$UTS_DEMO|--no-such-option"
		"$UTS_DEMO|--hostname"
		"$UTS_DEMO|--hostname ''"
		"$UTS_DEMO|--hostname $long_name"
		"$UTS_DEMO|--domainname $long_name"
		"$UTS_DEMO|--pidfile ''"
		"$UTS_DEMO|--pidfile /nonexistent/dir/pid"
		"$VETH_DEMO|--pidfile /nonexistent/dir/pid"
		"$CGROUP_DEMO|--pidfile /nonexistent/dir/pid"
		"$UTS_DEMO|stray-argument"
		"$UTS_DEMO|--hold --shell"
		"$PID_DEMO|--no-such-option"
		"$PID_DEMO|--nest"
		"$PID_DEMO|--nest ''"
		"$PID_DEMO|--nest 0"
		"$PID_DEMO|--nest 33"
		"$PID_DEMO|--nest 99999999999999999999"
		"$PID_DEMO|--nest -3"
		"$CHROOT_DEMO|--no-such-option"
		"$CHROOT_DEMO|--rootfs"
		"$CHROOT_DEMO|--rootfs ''"
		"$CHROOT_DEMO|--rootfs $long_path"
		"$CHROOT_DEMO|--rootfs /nonexistent"
		"$VETH_DEMO|--no-such-option"
		"$VETH_DEMO|--subnet"
		"$VETH_DEMO|--subnet ''"
		"$VETH_DEMO|--subnet 10.0.0.0/8"
		"$VETH_DEMO|--subnet 999.999.999.0/24"
		"$VETH_DEMO|--name ''"
		"$VETH_DEMO|--name nslab0123456789abcdef"
		"$CGROUP_DEMO|--no-such-option"
		"$CGROUP_DEMO|--limit"
		"$CGROUP_DEMO|--limit ''"
		"$CGROUP_DEMO|--limit 0"
		"$CGROUP_DEMO|--limit 18446744073709551616"
		"$CGROUP_DEMO|--limit 99999999999G"
		"$CGROUP_DEMO|--alloc -1"
		"$CGROUP_DEMO|--step 0"
		"$CGROUP_DEMO|--parent ''"
	)
	local c demo args
	for c in "${cases[@]}"; do
		demo=${c%%|*} args=${c#*|}
		# eval turns "''" into a real empty argument.
		eval "run $demo $args"
		echo "$(basename "$demo") $args -> $status"
		[ "$status" -eq 2 ]
		[[ "$output" == *"Usage: "* ]]
		[[ "$output" != *"[1] "* ]]
	done
	[ "$(nslab_snapshot)" = "$before" ]
}

@test "reliability: nothing named nslab is left behind" {
	assert_nothing_left
}
