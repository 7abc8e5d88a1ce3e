#!/usr/bin/env bats
# Reliability: every demo, interrupted at random moments, with bad input,
# and twice at once, must leave the machine as it found it.
#
# Observers: the nslab snapshot (links, named netns, cgroups, mounts,
# temporary rootfs directories, demo processes, IPC objects) from
# test_helper.bash, and strace, which sees each call a demo makes.

load test_helper

setup_file() { snapshot_before; }
setup() {
	require_built "$UTS_DEMO" "$PID_DEMO" "$CHROOT_DEMO" "$VETH_DEMO" "$CGROUP_DEMO" "$MOUNT_DEMO" "$USER_DEMO" "$IPC_DEMO" "$CGNS_DEMO" "$TIME_DEMO" "$MINI_CONTAINER" "$NSBENCH"
}

# The random moments: kill_at_random, without_bats and enough_interrupted
# in test_helper.bash.

# kill_every_demo_at_once SIGNAL...: for every row of demo_table, at the
# same time, a plain bash that signals 20 runs of that demo at random
# moments with each SIGNAL in turn; row N's lines go to $DIR/N.SIGNAL, and
# "EXPECT DEMO" to $DIR/N.  (Two of each demo at once is a test below: the
# demos share nothing, and under each other's load the spans adapt as
# ever.)  Sets ROWS to the number of rows.
kill_every_demo_at_once() {
	local expect demo sig
	DIR=$BATS_TEST_TMPDIR/random ROWS=0
	mkdir -p "$DIR"
	while read -r expect demo; do
		echo "$expect $demo" >"$DIR/$ROWS"
		for sig in "$@"; do
			# shellcheck disable=SC2086 # $demo is the program and its options
			without_bats kill_at_random "$sig" 20 $demo >"$DIR/$ROWS.$sig"
		done 3>&- &
		ROWS=$((ROWS + 1))
	done < <(demo_table)
	wait
}

# Is no demo process running (the snapshot's own pattern)?
no_demo_running() { ! pgrep -f '^[^ ]*(_demo|/mini_container|/nsbench)( |$)' >/dev/null; }

@test "reliability: SIGKILL at random moments, then nslab-clean --yes, leaves nothing (20 per demo)" {
	require_root
	local before expect demo i
	before=$(nslab_snapshot)
	kill_every_demo_at_once KILL
	# Twelve rows, or a demo was never signalled at all.
	[ "$ROWS" -eq 12 ] || fail "$ROWS demos were signalled, not 12"
	for ((i = 0; i < ROWS; i++)); do
		read -r expect demo <"$DIR/$i"
		echo "$demo:"
		cat "$DIR/$i.KILL"
		enough_interrupted KILL 20 "$(cat "$DIR/$i.KILL")"
	done
	"$NSLAB_CLEAN" --yes --quiet
	[ "$(nslab_snapshot)" = "$before" ] || {
		echo "left after SIGKILLs of every demo and nslab-clean:"
		diff <(echo "$before") <(nslab_snapshot)
		return 1
	}
	# ...and a normal run right after still works.  (--quiet goes before
	# the table's own arguments: after mini_container's "--" it would be
	# an argument of the command.)
	local prog rest
	while read -r expect prog rest; do
		# shellcheck disable=SC2086
		run "$prog" --quiet $rest
		[ "$status" -eq "$expect" ] || fail "$prog $rest after nslab-clean: exit $status, not $expect"
	done < <(demo_table)
}

@test "reliability: SIGTERM, SIGINT and SIGHUP at random moments leave nothing, with no help (20 per signal and demo)" {
	require_root
	local before expect demo sig code bad n i
	before=$(nslab_snapshot)
	# SIGHUP too (a closed terminal): 95-safety sends it to held demos
	# only, here it comes at any moment of a run.
	kill_every_demo_at_once TERM INT HUP
	[ "$ROWS" -eq 12 ] || fail "$ROWS demos were signalled, not 12"
	for ((i = 0; i < ROWS; i++)); do
		read -r expect demo <"$DIR/$i"
		for sig in TERM INT HUP; do
			code=$((128 + $(kill -l "$sig")))
			echo "$demo, SIG$sig:"
			cat "$DIR/$i.$sig"
			# Every run ended normally or with 128+N of the very signal it
			# was sent (130 after a SIGTERM would be a wrong code)...
			bad=$(grep -E '^run ' "$DIR/$i.$sig" | grep -vE "status ($expect|$code), " || true)
			[ -z "$bad" ] || fail "ended otherwise: $bad"
			# ...and most of them through the signal.  (Counted here, as
			# test_helper's enough_interrupted does for SIGTERM and SIGINT:
			# it does not know SIGHUP.)
			n=$(grep -c "^run .*status $code, " "$DIR/$i.$sig" || true)
			echo "$n of 20 runs ended by SIG$sig"
			[ "$n" -ge 10 ] || fail "only $n of 20 runs were interrupted by SIG$sig: the spans are off"
		done
	done
	[ "$(nslab_snapshot)" = "$before" ] || {
		echo "left after SIGTERMs, SIGINTs and SIGHUPs of every demo:"
		diff <(echo "$before") <(nslab_snapshot)
		return 1
	}
}

@test "reliability: two instances of each demo at once both succeed" {
	require_root
	local expect prog rest a b sa sb extra_a extra_b
	while read -r expect prog rest; do
		extra_a="" extra_b=""
		# Lab 04's two runs need different subnets.
		case "$prog" in
		*veth_demo) extra_a="--subnet 10.221.0.0/24" extra_b="--subnet 10.222.0.0/24" ;;
		esac
		# shellcheck disable=SC2086
		"$prog" --quiet $extra_a $rest >"$BATS_TEST_TMPDIR/a" 2>&1 3>&- &
		a=$!
		# shellcheck disable=SC2086
		"$prog" --quiet $extra_b $rest >"$BATS_TEST_TMPDIR/b" 2>&1 3>&- &
		b=$!
		sa=0 sb=0
		wait "$a" || sa=$?
		wait "$b" || sb=$?
		echo "$prog $rest: $sa and $sb (expected $expect)"
		cat "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
		[ "$sa" -eq "$expect" ]
		[ "$sb" -eq "$expect" ]
	done < <(demo_table)
}

@test "reliability: --shell starts the shell after the story's last line, never in the middle of it" {
	require_root
	require_cmd strace
	local expect demo out between st n=0 i
	local dir=$BATS_TEST_TMPDIR/shell
	mkdir -p "$dir"
	# strace (not following the child) holds each write() of the demo's
	# own process back by 20 ms: were the shell let go before the host's
	# side of the story was told, its lines would land between the two
	# words the shell prints 0.3 s apart.  Every demo with --shell at once
	# (each run is mostly waiting).  (LeakSanitizer cannot run under
	# ptrace: in a SANITIZE=1 build it is off for these runs.)
	while read -r expect demo; do
		demo=${demo%% -- *} # (mini_container's row names a command)
		# shellcheck disable=SC2086 # the table's options, split on purpose
		$demo --help 2>/dev/null | grep -q -- '--shell' || continue
		echo "$demo" >"$dir/$n"
		{
			st=0
			# shellcheck disable=SC2086
			printf 'echo MARK1\nsleep 0.3\necho MARK2\nexit 7\n' |
				strace -o /dev/null -e trace=write -e inject=write:delay_enter=20000 \
					env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
					$demo --quiet --shell >"$dir/$n.out" 2>&1 || st=$?
			echo "$st" >"$dir/$n.status"
		} 3>&- &
		n=$((n + 1))
	done < <(demo_table)
	wait
	[ "$n" -eq 11 ] || fail "$n demos have --shell, not 11"
	for ((i = 0; i < n; i++)); do
		demo=$(cat "$dir/$i") out=$(cat "$dir/$i.out") st=$(cat "$dir/$i.status")
		[ "$st" = 7 ] || fail "$demo --shell: exit $st, not the shell's 7: $out"
		between=$(sed -n '/^MARK1$/,/^MARK2$/p' <<<"$out" | grep -c '==>' || true)
		[ "$between" = 0 ] || fail "$demo --shell: the story went on while its shell ran:
$out"
		grep -qx MARK2 <<<"$out" || fail "$demo --shell: the shell did not run: $out"
	done
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
		"$PID_DEMO|stray-argument"
		"$PID_DEMO|--nest"
		"$PID_DEMO|--nest ''"
		"$PID_DEMO|--nest 0"
		"$PID_DEMO|--nest 33"
		"$PID_DEMO|--nest 99999999999999999999"
		"$PID_DEMO|--nest -3"
		"$CHROOT_DEMO|--no-such-option"
		"$CHROOT_DEMO|stray-argument"
		"$CHROOT_DEMO|--rootfs"
		"$CHROOT_DEMO|--rootfs ''"
		"$CHROOT_DEMO|--rootfs $long_path"
		"$CHROOT_DEMO|--rootfs /nonexistent"
		"$VETH_DEMO|--no-such-option"
		"$VETH_DEMO|stray-argument"
		"$VETH_DEMO|--subnet"
		"$VETH_DEMO|--subnet ''"
		"$VETH_DEMO|--subnet 10.0.0.0/8"
		"$VETH_DEMO|--subnet 999.999.999.0/24"
		"$VETH_DEMO|--name ''"
		"$VETH_DEMO|--name nslab0123456789abcdef"
		"$CGROUP_DEMO|--no-such-option"
		"$CGROUP_DEMO|stray-argument"
		"$CGROUP_DEMO|--limit"
		"$CGROUP_DEMO|--limit ''"
		"$CGROUP_DEMO|--limit 0"
		"$CGROUP_DEMO|--limit 18446744073709551616"
		"$CGROUP_DEMO|--limit 99999999999G"
		"$CGROUP_DEMO|--alloc -1"
		"$CGROUP_DEMO|--step 0"
		"$CGROUP_DEMO|--parent ''"
		"$MOUNT_DEMO|--no-such-option"
		"$MOUNT_DEMO|stray-argument"
		"$MOUNT_DEMO|--rootfs"
		"$MOUNT_DEMO|--rootfs ''"
		"$MOUNT_DEMO|--rootfs $long_path"
		"$MOUNT_DEMO|--rootfs /nonexistent"
		"$MOUNT_DEMO|--rootfs /"
		"$MOUNT_DEMO|--rootfs /etc/passwd"
		"$MOUNT_DEMO|--hold --shell"
		"$MOUNT_DEMO|--pidfile ''"
		"$MOUNT_DEMO|--pidfile /nonexistent/dir/pid"
		"$USER_DEMO|--no-such-option"
		"$USER_DEMO|--hostname"
		"$USER_DEMO|--hostname ''"
		"$USER_DEMO|--hostname $long_name"
		"$USER_DEMO|--pidfile /nonexistent/dir/pid"
		"$USER_DEMO|stray-argument"
		"$USER_DEMO|--hold --shell"
		"$IPC_DEMO|--no-such-option"
		"$IPC_DEMO|--key"
		"$IPC_DEMO|--key ''"
		"$IPC_DEMO|--key 42"
		"$IPC_DEMO|--key 0x6e400000"
		"$IPC_DEMO|--key 99999999999999999999"
		"$IPC_DEMO|--size 0"
		"$IPC_DEMO|--size 1025"
		"$IPC_DEMO|--size -1"
		"$IPC_DEMO|--pidfile /nonexistent/dir/pid"
		"$IPC_DEMO|stray-argument"
		"$CGNS_DEMO|--no-such-option"
		"$CGNS_DEMO|--cgroup"
		"$CGNS_DEMO|stray-argument"
		"$CGNS_DEMO|--pidfile"
		"$CGNS_DEMO|--pidfile ''"
		"$CGNS_DEMO|--pidfile /nonexistent/dir/pid"
		"$CGNS_DEMO|--hold --shell"
		"$TIME_DEMO|--no-such-option"
		"$TIME_DEMO|--offset"
		"$TIME_DEMO|--offset ''"
		"$TIME_DEMO|--offset abc"
		"$TIME_DEMO|--offset 1.5d"
		"$TIME_DEMO|--offset 10x"
		"$TIME_DEMO|--offset 36501d"
		"$TIME_DEMO|--offset 99999999999999999999"
		"$TIME_DEMO|--offset -99999999999999999999"
		"$TIME_DEMO|--pidfile /nonexistent/dir/pid"
		"$TIME_DEMO|stray-argument"
		"$TIME_DEMO|--hold --shell"
		"$MINI_CONTAINER|--no-such-option"
		"$MINI_CONTAINER|--memory"
		"$MINI_CONTAINER|--memory ''"
		"$MINI_CONTAINER|--memory 0"
		"$MINI_CONTAINER|--memory 99999999999G"
		"$MINI_CONTAINER|--pids 0"
		"$MINI_CONTAINER|--pids 99999999999999999999"
		"$MINI_CONTAINER|--hostname $long_name"
		"$MINI_CONTAINER|--subnet 10.0.0.0/8"
		"$MINI_CONTAINER|--subnet 127.0.0.0/24"
		"$MINI_CONTAINER|--subnet 0.0.0.0/24"
		"$MINI_CONTAINER|--subnet 224.1.2.0/24"
		"$VETH_DEMO|--subnet 127.0.0.0/24"
		"$VETH_DEMO|--subnet 224.1.2.0/24"
		"$MINI_CONTAINER|--rootfs $long_path"
		"$MINI_CONTAINER|--rootfs /"
		"$MINI_CONTAINER|--rootless --memory 64M"
		"$MINI_CONTAINER|--shell -- true"
		"$MINI_CONTAINER|--hold --shell"
		"$MINI_CONTAINER|--pidfile /nonexistent/dir/pid"
		"$NSBENCH|stray-argument"
		"$NSBENCH|--runs 0"
		"$NSBENCH|--runs x"
		"$NSBENCH|--count 1001"
		"$NSBENCH|--only nope"
		"$NSBENCH|--vm-timeout 0"
		"$NSBENCH|extra"
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

@test "reliability: a bad common option to every demo exits 2 with usage before any namespace, mount, link, cgroup or IPC object is made" {
	require_cmd strace
	local expect prog rest bad n=0 before
	local log=$BATS_TEST_TMPDIR/strace.log
	before=$(nslab_snapshot)
	# The options every demo shares, wrong, in front of each demo_table
	# row's own arguments: no demo can be left out of the list above.
	# (nsbench has no --hold, --shell or --pidfile: to it they are unknown
	# options, as bad.)  "''" is an empty argument.
	local -a bads=("--no-such-option" "--hold --shell" "--pidfile ''" "--pidfile /nonexistent/dir/pid")
	# The observer is strace, following every process: it logs each call
	# by which a demo or a child of it could make something (a process, a
	# namespace, a mount, a directory such as a cgroup, a socket such as
	# netlink's, an IPC object) or change the host's names.  The demo's own
	# exit_group(2) must be the one line: that line shows the observer saw
	# the run.  (LeakSanitizer cannot run under ptrace: off for these runs.)
	# A demo that took bad options for good ones could hold for ever:
	# timeout ends it (and its process group: the demo cleans up) after 10 s.
	while read -r expect prog rest; do
		for bad in "${bads[@]}"; do
			eval "set -- $bad"
			# shellcheck disable=SC2086 # the table's arguments are words
			run timeout 10 strace -f -qq -o "$log" -e trace=clone,clone3,?fork,?vfork,unshare,setns,mount,?fsopen,?open_tree,?move_mount,mkdir,mkdirat,socket,msgget,shmget,semget,mq_open,sethostname,setdomainname,exit_group \
				env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$prog" "$@" $rest </dev/null
			echo "${prog##*/} $bad $rest -> $status"
			[ "$status" -eq 2 ] || fail "${prog##*/} $bad: exit $status, not 2: $output"
			[[ "$output" == *"Usage: "* ]] || fail "${prog##*/} $bad: no usage line: $output"
			[ "$(sed -E 's/^[0-9]+ +//; s/ +=/ =/' "$log")" = "exit_group(2) = ?" ] ||
				fail "${prog##*/} $bad: more than its exit before the usage error:
$(cat "$log")"
		done
		n=$((n + 1))
	done < <(demo_table)
	[ "$n" -eq 12 ] || fail "$n demos were given bad options, not 12"
	[ "$(nslab_snapshot)" = "$before" ]
}

@test "reliability: a runtime error once everything is set up exits 1 and leaves nothing, in every demo" {
	require_root
	require_cmd strace
	local expect prog rest st before after n=0
	local out=$BATS_TEST_TMPDIR/out
	# strace (not following the children) makes the demo's first wait for
	# a child fail with EIO.  By then the demo has made all it makes and
	# its child is running: its die() path must clean up as every other
	# path does, and exit 1.  (LeakSanitizer cannot run under ptrace.)
	before=$(nslab_snapshot)
	while read -r expect prog rest; do
		st=0
		# shellcheck disable=SC2086 # the table's arguments are words
		strace -o /dev/null -e trace=wait4 -e inject=wait4:error=EIO:when=1 \
			env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
			"$prog" --quiet $rest >"$out" 2>&1 3>&- || st=$?
		echo "${prog##*/}: exit $st"
		cat "$out"
		[ "$st" -eq 1 ] || fail "${prog##*/}: exit $st after a failed wait, not 1"
		# The injected error, and nothing else, is what ended the run.
		grep -q 'failed: EIO' "$out" || fail "${prog##*/}: the failed wait was not what ended it"
		# A child the demo left may take a moment to see its parent gone
		# and end; one still running after 5 s is left behind.
		wait_until 5 no_demo_running || true
		after=$(nslab_snapshot)
		[ "$after" = "$before" ] || fail "${prog##*/} left after a runtime error:
$(diff <(echo "$before") <(echo "$after"))"
		n=$((n + 1))
	done < <(demo_table)
	[ "$n" -eq 12 ] || fail "$n demos were given a runtime error, not 12"
}

@test "reliability: nothing named nslab is left behind" {
	assert_nothing_left
}
