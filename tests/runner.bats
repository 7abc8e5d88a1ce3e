#!/usr/bin/env bats
# tests/run itself: files marked "# suite: runs beside the others" run in a
# second bats at the same time as the rest, and what they report counts
# as much as the rest does; a file that allows it runs its tests side by
# side, every other file in order.
# Observers: tests/run's output and exit status, its JUnit report, and
# logs the tests write, on small bats files made here.

# suite: runs beside the others
load test_helper

# run_alone [VAR=VALUE...] FILE...: tests/run on FILEs in a bats of its own,
# with none of this one's variables, nor its libexec directory in PATH
# (where "bats" is bats' inner script), its report in $DIR/results; 120 s
# at most.  Its output and status as `run` gives them.
run_alone() {
	local path
	path=$(tr ':' '\n' <<<"$PATH" | grep -v 'bats-core' | paste -sd:)
	run timeout -k 5 120 env -i PATH="$path" HOME="$HOME" TMPDIR="$BATS_TEST_TMPDIR" \
		NSLAB_REPORT_DIR="$DIR/results" "$@"
	echo "$output"
}

@test "tests/run: a file run beside the others is counted, its failure fails the run, and one report holds both" {
	local dir=$BATS_TEST_TMPDIR/two t=@test
	mkdir "$dir"
	# ($t: a line starting with the word itself would be a test of this file.)
	cat >"$dir/a-main.bats" <<MAIN
$t "main passes" { true; }
$t "main skips" { skip "for the count"; }
MAIN
	cat >"$dir/b-beside.bats" <<BESIDE
# suite: runs beside the others
$t "beside passes" { true; }
$t "beside fails" { false; }
BESIDE
	DIR=$dir run_alone "$KIT/tests/run" "$dir/a-main.bats" "$dir/b-beside.bats"
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "2 passed, 1 failed, 1 skipped" ]
	# The beside file ran in a second bats: its TAP comes after the note.
	sed -n '/^# (run beside the above: b-beside.bats)$/,$p' <<<"$output" | grep -q '^not ok 2 beside fails'
	# The failure is repeated at the end, with the others'.
	sed -n '/^==== the 1 failing test(s)/,$p' <<<"$output" | grep -q '^not ok 2 beside fails'
	# One JUnit report, both files in it.
	grep -c '<testsuite ' "$dir/results/report.xml" | grep -qx 2
	grep -q 'testsuite name="a-main.bats"' "$dir/results/report.xml"
	grep -q 'testsuite name="b-beside.bats"' "$dir/results/report.xml"
	[ "$(grep -c '^</testsuites>' "$dir/results/report.xml")" -eq 1 ]
	# And the TAP of both is in check.log, then the failures again and the
	# closing line, as on the screen (what instructors.md promises).
	grep -q '^ok 1 main passes' "$dir/results/check.log"
	grep -q '^not ok 2 beside fails' "$dir/results/check.log"
	sed -n '/^==== the 1 failing test(s)/,$p' "$dir/results/check.log" | grep -q '^not ok 2 beside fails'
	[ "$(tail -n 1 "$dir/results/check.log")" = "2 passed, 1 failed, 1 skipped" ]
}

@test "tests/run: a file that allows it runs its tests side by side, every other file in order; NSLAB_TEST_JOBS is checked" {
	local dir=$BATS_TEST_TMPDIR/jobs t=@test
	mkdir "$dir"
	# Two tests a file; each writes "start" to its file's log, waits up to
	# WAIT seconds for the other's "start", then writes "end".  Side by
	# side the log reads start start end end, one after the other start
	# end start end (however slow the machine: each waits for the other).
	# shellcheck disable=SC2016 # expanded in the files made here
	local body='{ echo start >>"$LOG"; for ((i = 0; i < WAIT * 50; i++)); do [ "$(grep -c start "$LOG")" -lt 2 ] || break; sleep 0.02; done; echo end >>"$LOG"; }'
	printf '%s\n' "load '$KIT/tests/test_helper'" "LOG=$dir/order.log WAIT=1" \
		"$t \"one\" $body" "$t \"two\" $body" >"$dir/a-order.bats"
	printf '%s\n' "load '$KIT/tests/test_helper'" "unset BATS_NO_PARALLELIZE_WITHIN_FILE" \
		"LOG=$dir/side.log WAIT=\${WAIT:-60}" "$t \"one\" $body" "$t \"two\" $body" >"$dir/b-side.bats"
	DIR=$dir run_alone "$KIT/tests/run" "$dir/a-order.bats" "$dir/b-side.bats"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "4 passed, 0 failed, 0 skipped" ]
	[ "$(paste -sd' ' "$dir/order.log")" = "start end start end" ]
	[ "$(paste -sd' ' "$dir/side.log")" = "start start end end" ]
	# With NSLAB_TEST_JOBS=1 the side-by-side file keeps its order too.
	rm "$dir/side.log"
	DIR=$dir run_alone NSLAB_TEST_JOBS=1 WAIT=1 "$KIT/tests/run" "$dir/b-side.bats"
	[ "$status" -eq 0 ]
	[ "$(paste -sd' ' "$dir/side.log")" = "start end start end" ]
	local bad
	for bad in 0 00 x -1; do
		run -2 env NSLAB_TEST_JOBS="$bad" "$KIT/tests/run" "$dir/a-order.bats"
		[[ "$output" == *"NSLAB_TEST_JOBS must be a number from 1 up, not '$bad'"* ]]
	done
}
