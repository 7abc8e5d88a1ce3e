#!/usr/bin/env bats
# The suite's own time limit (test_helper.bash): a test that runs too long
# is cut off, named, and the processes it left are listed and ended; the
# run goes on to its closing line.
# Observers: tests/run's output on a small bats file made here, and ps.

# suite: runs beside the others
load test_helper

# Whatever a failed try left (the sleeps carry MARK in their command line).
teardown() { [ -z "${MARK:-}" ] || pkill -f "sleep [12]$MARK" || true; }

@test "watchdog: a hung test is cut off and named, what it left is listed and ended, the run goes on" {
	local dir=$BATS_TEST_TMPDIR/hang
	mkdir "$dir"
	# A unique word in the sleeps' command lines, to find them with pgrep.
	MARK=$((RANDOM * 32768 + RANDOM))
	# ($t: a line starting with the word itself would be a test of this file.)
	local t=@test
	cat >"$dir/hang.bats" <<HANG
load '$KIT/tests/test_helper'
$t "sleeps in run" { run sleep 1$MARK; }
$t "an orphan holds the output of run" { run bash -c 'sleep 2$MARK 3>&- & exit 0'; }
$t "passes" { true; }
HANG
	# A bats of its own, with none of this one's variables, nor its
	# libexec directory in PATH (where "bats" is bats' inner script).
	local path
	path=$(tr ':' '\n' <<<"$PATH" | grep -v 'bats-core' | paste -sd:)
	# (If the watchdog failed, this would hang: 60 s is plenty.)
	run timeout -k 5 60 env -i PATH="$path" HOME="$HOME" TMPDIR="$BATS_TEST_TMPDIR" \
		NSLAB_TEST_TIMEOUT=2 NSLAB_REPORT_DIR="$dir/results" "$KIT/tests/run" "$dir/hang.bats"
	echo "$output"
	[ "$status" -eq 1 ]
	# Each hung test fails, named, with what it left...
	grep -q '^not ok 1 sleeps in run' <<<"$output"
	grep -q '^not ok 2 an orphan holds the output of run' <<<"$output"
	grep -Eq "^# +[0-9]+ +[0-9]+ .* sleep 1$MARK\$" <<<"$output"
	grep -Eq "^# +[0-9]+ +1 .* sleep 2$MARK\$" <<<"$output"
	[ "$(sed '/^====/q' <<<"$output" | grep -c '^# TIMEOUT: test ')" -eq 2 ]
	# tests/run repeats both failures after the run, with their output.
	[ "$(sed -n '/^==== the 2 failing test(s)/,$p' <<<"$output" | grep -c '^# TIMEOUT: test ')" -eq 2 ]
	# ...the next test still runs, and the run ends with its closing line.
	grep -q '^ok 3 passes' <<<"$output"
	[ "${lines[-1]}" = "1 passed, 2 failed, 0 skipped" ]
	# The processes are gone.
	run ! pgrep -f "sleep [12]$MARK"
}
