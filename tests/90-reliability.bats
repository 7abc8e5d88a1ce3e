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

# How long a normal run takes, in ms, a little over what was measured on a
# native Debian 12 host (uts 8, pid 11, chroot 200, veth 260 - deleting a
# link waits for the kernel - and cgroup 100): the range of the random
# moments at which a run is killed, so that kills land all along it.
span_of() {
	case "$1" in
	*chroot_proc_demo) echo 250 ;;
	*veth_demo) echo 320 ;;
	*cgroup_mem_demo) echo 130 ;;
	*) echo 15 ;;
	esac
}

# kill_at_random SIGNAL TIMES DEMO ARGS...: start the demo TIMES times and
# send SIGNAL at a random moment of each run.  Fails if a run ends with a
# status other than its normal one, 128+SIGNAL, or (for SIGINT, which a
# background job may ignore until the demo blocks it) the normal one.
kill_at_random() {
	local sig=$1 times=$2 span i pid status
	shift 2
	span=$(span_of "$1")
	for ((i = 0; i < times; i++)); do
		"$@" >/dev/null 2>&1 3>&- &
		pid=$!
		random_pause "$span"
		kill -"$sig" "$pid" 2>/dev/null || true
		status=0
		wait "$pid" || status=$?
		echo "run $i: $sig -> status $status"
	done
}

@test "reliability: SIGKILL at random moments, then nslab-clean --yes, leaves nothing (10 per demo)" {
	require_root
	local before expect demo
	before=$(nslab_snapshot)
	while read -r expect demo; do
		# shellcheck disable=SC2086 # $demo is the program and its options
		kill_at_random KILL 10 $demo
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

@test "reliability: SIGTERM and SIGINT at random moments leave nothing, with no help (10 per demo)" {
	require_root
	local before expect demo sig
	before=$(nslab_snapshot)
	while read -r expect demo; do
		for sig in TERM INT; do
			# shellcheck disable=SC2086
			run kill_at_random "$sig" 5 $demo
			echo "$output"
			# Every run ended normally or through the signal.
			run ! grep -vE "status ($expect|130|143)\$" <<<"$output"
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
