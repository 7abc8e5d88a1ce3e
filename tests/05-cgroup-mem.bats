#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# Lab 05: a memory cgroup whose limit really kills.
# Observers: the cgroup's own files (memory.events / memory.oom_control,
# memory.max / memory.limit_in_bytes, memory.peak / memory.max_usage_in_bytes,
# cgroup.procs, cgroup.subtree_control), /proc/PID/cgroup, the kernel's
# OOM counter in /proc/vmstat and its log (dmesg), and the cgroup
# directories themselves.

load test_helper

setup_file() { snapshot_before; }
setup() {
	require_built "$CGROUP_DEMO"
	VERSION=$(memory_cgroup_version)
}
teardown() {
	reap_held
	exec 4>&- 2>/dev/null || true
	if [ -n "${TEST_CG:-}" ] && [ -d "$TEST_CG" ]; then rmdir "$TEST_CG"; fi
	if [ -n "${TEST_PARENT:-}" ]; then rmdir "$TEST_PARENT"; fi
}

# start_shell_in_cgroup: the demo with --shell, its shell reading from a
# fifo that the test writes to on fd 4.  Sets DEMO, CHILD (the shell) and
# CG (the cgroup), once the shell is in the cgroup.
start_shell_in_cgroup() {
	local fifo=$BATS_TEST_TMPDIR/stdin pidfile=$BATS_TEST_TMPDIR/child.pid
	mkfifo "$fifo"
	"$CGROUP_DEMO" --quiet --shell --pidfile "$pidfile" <"$fifo" >"$BATS_TEST_TMPDIR/log" 2>&1 3>&- &
	DEMO=$!
	exec 4>"$fifo"
	wait_until 5 test -s "$pidfile"
	CHILD=$(cat "$pidfile")
	CG=$(demo_cgroup "$DEMO")
}

# The path of PID's memory cgroup in /proc/PID/cgroup: the "N:memory:"
# line on v1, the "0::" line on v2.  (PID "self": the reader's own, which
# is the test's.)
memory_path() {
	if [ "$VERSION" = 2 ]; then
		awk -F: '$1 == 0 {print $3}' "/proc/$1/cgroup"
	else
		awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' "/proc/$1/cgroup"
	fi
}

# Where the demo makes its cgroup without --parent (step 2): on v2 the
# root of the tree; on v1 the memory cgroup it is in already, which is the
# test's own.  No trailing slash.
default_parent() {
	local dir
	if [ "$VERSION" = 2 ]; then
		dir=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
	else
		dir=$(awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ {print $5; exit}' /proc/self/mountinfo)
		dir=$dir$(memory_path self)
	fi
	echo "${dir%/}"
}

# Does $output end with the usage line and the hint, as every usage error's does?
usage_said() {
	[ "${lines[-2]}" = "Usage: cgroup_mem_demo [OPTION]..." ] &&
		[ "${lines[-1]}" = "Try 'cgroup_mem_demo --help' for more information." ]
}

# The kernel's count of OOM kills since boot, any cgroup (Linux 4.13+).
vmstat_oom_kills() { awk '$1 == "oom_kill" {print $2}' /proc/vmstat; }

# The cgroup's peak usage as the kernel records it, in bytes; empty where
# there is no such file (cgroup v2 before Linux 5.19).
peak_file() {
	if [ -e "$1/memory.max_usage_in_bytes" ]; then
		echo "$1/memory.max_usage_in_bytes"
	elif [ -e "$1/memory.peak" ]; then
		echo "$1/memory.peak"
	fi
}

@test "cgroup: --help describes the lab and exits 0" {
	run -0 "$CGROUP_DEMO" --help
	[[ "$output" == *"--limit SIZE"* ]]
	[[ "$output" == *"OOM"* ]]
}

@test "cgroup: over the limit the child is OOM-killed; the cgroup's own counter says so" {
	require_root
	local kills_before cg
	kills_before=$(vmstat_oom_kills)
	start_held "$CGROUP_DEMO" --limit 32M
	cg=$(demo_cgroup "$HELD_DEMO")
	[ -n "$cg" ]
	# Read by the test itself, while --hold keeps the cgroup.
	[ "$(oom_kills "$cg")" -ge 1 ]
	[ "$(cat "$(limit_file "$cg")")" -eq $((32 * 1024 * 1024)) ]
	# Step 6 reports the count the kernel keeps, not a number of its own.
	grep -qF "==> ended:   killed by the OOM killer at the limit (oom_kill $(oom_kills "$cg"), peak " "$HELD_LOG"
	# The kernel counted an OOM kill, and its log names the child and
	# the cgroup whose limit was hit (where dmesg may be read).
	[ "$(vmstat_oom_kills)" -gt "$kills_before" ]
	if dmesg >/dev/null 2>&1; then
		dmesg | grep -q "oom_memcg=[^,]*/nslab-mem-$HELD_DEMO,.*pid=$HELD_PID,"
		dmesg | grep -q "Memory cgroup out of memory: Killed process $HELD_PID "
	fi
	# The child is gone, and nothing is left in the cgroup.
	gone "$HELD_PID"
	[ -z "$(cat "$cg/cgroup.procs")" ]
	stop_held TERM
	# The demo passes on the child's status: killed by SIGKILL.
	[ "$HELD_STATUS" -eq 137 ]
	[ ! -d "$cg" ]
}

@test "cgroup: the limit file holds the requested value rounded to whole pages" {
	require_root
	start_held "$CGROUP_DEMO" --limit 10000 --alloc 64K --step 4K
	local cg page
	cg=$(demo_cgroup "$HELD_DEMO")
	[ -n "$cg" ]
	page=$(getconf PAGESIZE)
	[ "$(cat "$(limit_file "$cg")")" -eq $((10000 / page * page)) ]
	# And the rounded limit bites: 64 KiB do not fit in it, as the page
	# shows (the cgroup's counter, and the status the demo passes on).
	[ "$(oom_kills "$cg")" -ge 1 ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 137 ]
	[ ! -d "$cg" ]
}

@test "cgroup: a limit a page short of 1 GiB reads back below 1024 MiB, never rounded up to it" {
	require_root
	local page want
	page=$(getconf PAGESIZE)
	want=$(((1024 * 1024 * 1024 - 1) / page * page))
	run -0 "$CGROUP_DEMO" --limit $((1024 * 1024 * 1024 - 1)) --alloc 8K --step 4K
	# The bytes are the limit file's (the tests above read it themselves);
	# the size beside them is cut, not rounded, to a tenth.
	[[ "$output" == *"it reads back $want (1023.9 MiB)"* ]]
	[[ "$output" == *"the kernel rounded the limit down to whole pages"* ]]
	[[ "$output" != *"1024.0 MiB"* ]]
}

@test "cgroup: under the limit the child exits 0 and oom_kill stays 0 (the control run)" {
	require_root
	start_held "$CGROUP_DEMO" --limit 32M --alloc 8M
	local cg peak
	cg=$(demo_cgroup "$HELD_DEMO")
	[ "$(oom_kills "$cg")" -eq 0 ]
	# The 8M the child wrote were charged to this cgroup: it was inside
	# before it touched them.
	peak=$(peak_file "$cg")
	[ -z "$peak" ] || [ "$(cat "$peak")" -ge $((8 * 1024 * 1024)) ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	[ ! -d "$cg" ]
}

@test "cgroup: the child joins the cgroup before it allocates (/proc/PID/cgroup)" {
	require_root
	start_shell_in_cgroup
	grep -q "nslab-mem-$DEMO" "/proc/$CHILD/cgroup"
	grep -qx "$CHILD" "$CG/cgroup.procs"
	echo 'exit 6' >&4
	exec 4>&-
	local status=0
	wait "$DEMO" || status=$?
	[ "$status" -eq 6 ]
	[ ! -d "$CG" ]
}

@test "cgroup: without --parent the cgroup is made in the demo's own memory cgroup (v1) or at the v2 root; only the child moves in" {
	require_root
	local parent mine rel demo
	parent=$(default_parent)
	mine=$(memory_path self)
	start_shell "$CGROUP_DEMO" --quiet
	demo=$HELD_DEMO # (stop_held forgets it)
	[ -d "$parent/nslab-mem-$demo" ]
	# The kernel's record of the child (the shell) names that cgroup: on
	# v2 "0::/nslab-mem-PID", on v1 the memory line, below our own.
	if [ "$VERSION" = 2 ]; then rel=/nslab-mem-$demo; else rel=${mine%/}/nslab-mem-$demo; fi
	[ "$(memory_path "$HELD_PID")" = "$rel" ]
	grep -qx "$HELD_PID" "$parent/nslab-mem-$demo/cgroup.procs"
	# The demo itself stays where it was: it is not limited, and it can
	# remove the cgroup once the child is gone.
	[ "$(memory_path "$demo")" = "$mine" ]
	run ! grep -qx "$demo" "$parent/nslab-mem-$demo/cgroup.procs"
	stop_held TERM
	[ "$HELD_STATUS" -eq 143 ]
	[ ! -d "$parent/nslab-mem-$demo" ]
}

@test "cgroup: v1 keeps swap out by setting memory.memsw.limit_in_bytes to the limit" {
	require_root
	[ "$VERSION" = 1 ] || skip "this host's memory controller is on cgroup v2"
	start_held "$CGROUP_DEMO" --limit 16M
	local cg
	cg=$(demo_cgroup "$HELD_DEMO")
	# (Without a cgroup, the check below would skip instead of failing.)
	[ -n "$cg" ]
	[ -e "$cg/memory.memsw.limit_in_bytes" ] || skip "swap accounting is off on this kernel"
	[ "$(cat "$cg/memory.memsw.limit_in_bytes")" -eq $((16 * 1024 * 1024)) ]
	stop_held TERM
}

@test "cgroup: v2 keeps swap out by setting memory.swap.max to 0" {
	require_root
	[ "$VERSION" = 2 ] || skip "this host's memory controller is on cgroup v1"
	start_held "$CGROUP_DEMO" --limit 16M
	local cg
	cg=$(demo_cgroup "$HELD_DEMO")
	[ "$(stat -f -c %T "$cg")" = cgroup2fs ]
	[ -e "$cg/memory.swap.max" ] || skip "this kernel has no swap controller"
	[ "$(cat "$cg/memory.swap.max")" = 0 ]
	# oom and oom_kill are both counted in memory.events.
	[ "$(awk '$1 == "oom" {print $2}' "$cg/memory.events")" -ge 1 ]
	stop_held TERM
}

@test "cgroup: after a normal run no nslab cgroup exists" {
	require_root
	local before kills_before
	before=$(nslab_cgroups)
	kills_before=$(vmstat_oom_kills)
	run -137 "$CGROUP_DEMO" --quiet
	[[ "$output" == *"killed by the OOM killer"* ]]
	# The kernel's own count agrees that the OOM killer struck.
	[ "$(vmstat_oom_kills)" -gt "$kills_before" ]
	[ "$(nslab_cgroups)" = "$before" ]
}

@test "cgroup: step 6 reports the kernel's own peak, or n/a where memory.peak is missing" {
	require_root
	start_held "$CGROUP_DEMO" --limit 16M
	local cg peak
	cg=$(demo_cgroup "$HELD_DEMO")
	peak=$(peak_file "$cg")
	if [ -n "$peak" ]; then
		# The number printed is the file's, and the limit was reached.
		[ "$(cat "$peak")" -ge $((16 * 1024 * 1024)) ]
		grep -q "^    $(basename "$peak"): $(cat "$peak") (" "$HELD_LOG"
		grep -q "sudo cat $peak\$" "$HELD_LOG"
	else
		# cgroup v2 before Linux 5.19 (Ubuntu 22.04): no file, no number.
		[ ! -e "$cg/memory.peak" ]
		grep -q '^    memory.peak: n/a (' "$HELD_LOG"
		grep -q 'peak n/a)$' "$HELD_LOG"
	fi
	run ! grep -E 'peak 0([^0-9.]|$)' "$HELD_LOG"
	stop_held TERM
}

@test "cgroup: the commands printed under --hold name files that exist, with sudo" {
	require_root
	start_held "$CGROUP_DEMO" --alloc 1M
	local cg line n=0
	cg=$(demo_cgroup "$HELD_DEMO")
	[ -n "$cg" ]
	while read -r line; do
		[[ "$line" == "sudo cat $cg/"* ]]
		[ -f "${line#sudo cat }" ]
		n=$((n + 1))
	done < <(sed -n '/^Holding/,/^Press/p' "$HELD_LOG" | grep '^    ' | sed 's/^ *//')
	[ "$n" -eq 3 ]
	stop_held TERM
}

@test "cgroup: v2 enables memory in the parent's cgroup.subtree_control while it runs, then puts it back" {
	require_root
	[ "$VERSION" = 2 ] || skip "this host's memory controller is on cgroup v1"
	local root dir before
	root=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
	dir=$root
	# Where the root hands out memory already (systemd does), a parent of
	# our own that does not: the demo must enable it there.
	if grep -qw memory "$root/cgroup.subtree_control"; then
		TEST_PARENT=$root/nslab-parent-$$
		mkdir "$TEST_PARENT"
		dir=$TEST_PARENT
	fi
	before=$(cat "$dir/cgroup.subtree_control")
	run ! grep -qw memory <<<"$before"
	start_held "$CGROUP_DEMO" --alloc 1M ${TEST_PARENT:+--parent "$TEST_PARENT"}
	grep -qw memory "$dir/cgroup.subtree_control"
	[ -e "$(demo_cgroup "$HELD_DEMO")/memory.max" ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	[ "$(cat "$dir/cgroup.subtree_control")" = "$before" ]
}

@test "cgroup: two runs at once are both OOM-killed: one's cleanup leaves the other's limit alone" {
	require_root
	local a b sa=0 sb=0 kills_before
	kills_before=$(vmstat_oom_kills)
	"$CGROUP_DEMO" --quiet >"$BATS_TEST_TMPDIR/a" 2>&1 3>&- &
	a=$!
	# The second takes longer, so the first cleans up while it still runs.
	"$CGROUP_DEMO" --quiet --step 256K >"$BATS_TEST_TMPDIR/b" 2>&1 3>&- &
	b=$!
	wait "$a" || sa=$?
	wait "$b" || sb=$?
	cat "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$sa" -eq 137 ]
	[ "$sb" -eq 137 ]
	[ "$(vmstat_oom_kills)" -ge $((kills_before + 2)) ]
}

@test "cgroup: in --shell the OOM killer takes a command, not the shell: the end says so, with the shell's status" {
	require_root
	local cg
	# shellcheck disable=SC2016 # for the inner shell
	run -0 "$CGROUP_DEMO" --shell <<<'{ tail /dev/zero; } 2>/dev/null; echo "tail: $?"; exit 0'
	[[ "$output" == *"tail: 137"* ]]
	# (The cgroup's own count, and the shell still in it, are read by the
	# next test, while the shell runs: here the cgroup is gone at the end.)
	[[ "$output" == *"[6] the child exited with status 0"* ]]
	[[ "$output" == *"==> ended:   status 0; the OOM killer killed 1 process(es) inside (peak "* ]]
	[[ "$output" != *"killed by the OOM killer at the limit"* ]]
	# The cgroup the narration named is gone.
	cg=$(sed -n 's/^\[2\] mkdir("\(.*\)")$/\1/p' <<<"$output")
	[ -n "$cg" ]
	[ ! -d "$cg" ]
}

@test "cgroup: in --shell the OOM kill is the cgroup's own, and the shell stays in it" {
	require_root
	start_shell_in_cgroup
	local kills
	kills=$(oom_kills "$CG")
	# shellcheck disable=SC2016 # for the inner shell
	echo '{ tail /dev/zero; } 2>/dev/null; echo "tail: $?"' >&4
	wait_until 10 grep -qx 'tail: 137' "$BATS_TEST_TMPDIR/log"
	# The cgroup's own file counts the kill; the shell lives on, inside.
	[ "$(oom_kills "$CG")" -ge $((kills + 1)) ]
	grep -qx "$CHILD" "$CG/cgroup.procs"
	echo 'exit 0' >&4
	exec 4>&-
	wait "$DEMO"
	[ ! -d "$CG" ]
}

@test "cgroup: a --shell that exits leaving a background job: the job is killed, the cgroup removed" {
	require_root
	start_shell_in_cgroup
	echo 'sleep 300 & echo $! >'"$BATS_TEST_TMPDIR/job"'; exit 5' >&4
	exec 4>&-
	local status=0 job
	wait "$DEMO" || status=$?
	cat "$BATS_TEST_TMPDIR/log"
	[ "$status" -eq 5 ]
	job=$(cat "$BATS_TEST_TMPDIR/job")
	[ -n "$job" ]
	gone "$job"
	[ ! -d "$CG" ]
}

@test "cgroup: SIGTERM while the child runs kills it and removes the cgroup" {
	require_root
	start_shell_in_cgroup
	# A grandchild in the cgroup too: cleanup must not leave it behind.
	# shellcheck disable=SC2016 # $! is the demo's shell's
	echo 'sleep 300 & echo "started $!"' >&4
	wait_until 5 grep -q '^started [0-9]' "$BATS_TEST_TMPDIR/log"
	local job
	job=$(sed -n 's/^started //p' "$BATS_TEST_TMPDIR/log")
	grep -qx "$job" "$CG/cgroup.procs"
	[ "$(grep -c . "$CG/cgroup.procs")" -ge 2 ]
	kill -TERM "$DEMO"
	local status=0
	wait "$DEMO" || status=$?
	exec 4>&-
	cat "$BATS_TEST_TMPDIR/log"
	[ "$status" -eq 143 ]
	[ ! -d "$CG" ]
	gone "$CHILD"
	# Killed, not merely moved out of the cgroup.
	gone "$job"
}

@test "cgroup: bad sizes exit 2 and create no cgroup" {
	local before bad
	before=$(nslab_cgroups)
	for bad in 0 12Q -5M 99999999999999999999999 2G "" 1.5M 32MB " 32M"; do
		run -2 "$CGROUP_DEMO" --limit "$bad"
		[[ "$output" == *"--limit"* ]]
		[[ "$output" != *"mkdir("* ]]
	done
	# The page's example, line for line.
	run -2 "$CGROUP_DEMO" --limit 2G
	[ "${lines[0]}" = "cgroup_mem_demo: --limit 2G is too large: at most 1.0 GiB" ]
	usage_said
	run -2 "$CGROUP_DEMO" --alloc 0
	[[ "$output" == *"--alloc 0 is too small"* ]]
	run -2 "$CGROUP_DEMO" --alloc 9G
	[[ "$output" == *"--alloc 9G is too large"* ]]
	run -2 "$CGROUP_DEMO" --step 0
	[[ "$output" == *"--step 0 is too small"* ]]
	[ "$(nslab_cgroups)" = "$before" ]
}

@test "cgroup: an unknown option, a stray argument or a missing value exits 2 with a message naming it, and creates nothing" {
	local before opt
	before=$(nslab_cgroups)
	run -2 "$CGROUP_DEMO" --bogus
	[[ "${lines[0]}" == *"unrecognized option '--bogus'" ]]
	usage_said
	run -2 "$CGROUP_DEMO" -x
	[[ "${lines[0]}" == *"invalid option -- 'x'" ]]
	usage_said
	run -2 "$CGROUP_DEMO" 32M
	[ "${lines[0]}" = "cgroup_mem_demo: unexpected argument '32M'" ]
	usage_said
	for opt in --limit --alloc --step --parent --pidfile; do
		run -2 "$CGROUP_DEMO" "$opt"
		[[ "${lines[0]}" == *"option '$opt' requires an argument" ]]
		usage_said
	done
	run -2 "$CGROUP_DEMO" --hold --shell
	[[ "${lines[0]}" == "cgroup_mem_demo: --hold and --shell do not go together"* ]]
	usage_said
	run -2 "$CGROUP_DEMO" --pidfile "$BATS_TEST_TMPDIR/no/such/dir/pid"
	[[ "${lines[0]}" == *"--pidfile $BATS_TEST_TMPDIR/no/such/dir/pid: directory "*" does not exist" ]]
	usage_said
	[ ! -e "$BATS_TEST_TMPDIR/no" ]
	[ "$(nslab_cgroups)" = "$before" ]
}

@test "cgroup: a --parent that does not exist or is not a cgroup is a usage error" {
	local before
	before=$(nslab_cgroups)
	run -2 "$CGROUP_DEMO" --parent /does/not/exist
	[[ "$output" == *"No such file"* ]]
	run -2 "$CGROUP_DEMO" --parent /tmp
	[[ "$output" == *"not a cgroup directory"* ]]
	run -2 "$CGROUP_DEMO" --parent ""
	[ "$(nslab_cgroups)" = "$before" ]
}

@test "cgroup: --parent puts the cgroup where it is told" {
	require_root
	local def parent
	def=$(default_parent)
	# A parent that is not where the demo goes without --parent: else an
	# option read and then ignored would pass.
	TEST_PARENT=$def/nslab-parent-$$
	parent=$TEST_PARENT
	mkdir "$parent"
	start_held "$CGROUP_DEMO" --parent "$parent" --alloc 1M
	local demo=$HELD_DEMO # (stop_held forgets it)
	[ -d "$parent/nslab-mem-$demo" ]
	[ ! -d "$def/nslab-mem-$demo" ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	[ ! -d "$parent/nslab-mem-$demo" ]
}

@test "cgroup: a cgroup of its name that exists already: exit 1, a message naming it, and that cgroup is left as it was" {
	require_root
	local parent before limit=memory.limit_in_bytes
	parent=$(default_parent)
	if [ "$VERSION" = 2 ]; then
		limit=memory.max
		grep -qw memory "$parent/cgroup.subtree_control" ||
			skip "the v2 root does not hand out memory here: the cgroup made below would have no memory.max"
	fi
	before=$(nslab_cgroups)
	# The name is nslab-mem-<the demo's PID>: a shell writes its PID down,
	# makes the cgroup of that name with a limit of 8 MiB, and becomes the
	# demo (exec keeps the PID).
	# shellcheck disable=SC2016 # the inner shell's own $$ and arguments
	run --separate-stderr bash -c 'echo $$ >"$1" && mkdir "$2/nslab-mem-$$" &&
		echo 8388608 >"$2/nslab-mem-$$/$3" && exec "$4" --quiet' \
		sh "$BATS_TEST_TMPDIR/pid" "$parent" "$limit" "$CGROUP_DEMO"
	# (Named first: teardown removes it, whatever fails below.)
	TEST_CG=$parent/nslab-mem-$(cat "$BATS_TEST_TMPDIR/pid")
	[ "$status" -eq 1 ]
	# The demo's own message, not the shell's: it ran, and said why not.
	[[ "$stderr" == "cgroup_mem_demo: mkdir(\"$TEST_CG\") failed: EEXIST "* ]]
	[ -z "$output" ]
	# The cgroup is still there, with its own limit, and nothing in it.
	[ -d "$TEST_CG" ]
	[ "$(cat "$(limit_file "$TEST_CG")")" -eq 8388608 ]
	[ -z "$(cat "$TEST_CG/cgroup.procs")" ]
	rmdir "$TEST_CG"
	[ "$(nslab_cgroups)" = "$before" ]
}

@test "cgroup: an unprivileged user gets exit 1 and a message about root or sudo" {
	require_root
	require_cmd setpriv
	local demo
	copy_for_nobody "$CGROUP_DEMO"; demo=$NOBODY_COPY
	local before
	before=$(nslab_cgroups)
	run -1 --separate-stderr as_nobody "$demo"
	# The first write to the cgroup tree fails: mkdir, or on a v2 root
	# without memory enabled yet, cgroup.subtree_control.
	[[ "$stderr" == *"E"@(ACCES|PERM)*"sudo"* ]]
	[ "$(nslab_cgroups)" = "$before" ]
}

@test "cgroup: nothing named nslab is left behind" {
	assert_nothing_left
}
