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
	page=$(getconf PAGESIZE)
	[ "$(cat "$(limit_file "$cg")")" -eq $((10000 / page * page)) ]
	stop_held TERM
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

@test "cgroup: v1 keeps swap out by setting memory.memsw.limit_in_bytes to the limit" {
	require_root
	[ "$VERSION" = 1 ] || skip "this host's memory controller is on cgroup v2"
	start_held "$CGROUP_DEMO" --limit 16M
	local cg
	cg=$(demo_cgroup "$HELD_DEMO")
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
	echo 'sleep 300 & echo started' >&4
	wait_until 5 grep -q started "$BATS_TEST_TMPDIR/log"
	[ "$(grep -c . "$CG/cgroup.procs")" -ge 2 ]
	kill -TERM "$DEMO"
	local status=0
	wait "$DEMO" || status=$?
	exec 4>&-
	cat "$BATS_TEST_TMPDIR/log"
	[ "$status" -eq 143 ]
	[ ! -d "$CG" ]
	gone "$CHILD"
}

@test "cgroup: bad sizes exit 2 and create no cgroup" {
	local before bad
	before=$(nslab_cgroups)
	for bad in 0 12Q -5M 99999999999999999999999 2G "" 1.5M 32MB " 32M"; do
		run -2 "$CGROUP_DEMO" --limit "$bad"
		[[ "$output" == *"--limit"* ]]
		[[ "$output" != *"mkdir("* ]]
	done
	run -2 "$CGROUP_DEMO" --alloc 0
	run -2 "$CGROUP_DEMO" --alloc 9G
	run -2 "$CGROUP_DEMO" --step 0
	run -2 "$CGROUP_DEMO" --limit
	run -2 "$CGROUP_DEMO" --bogus
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
	local parent
	if [ "$VERSION" = 2 ]; then
		parent=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
	else
		parent=$(awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ {print $5; exit}' /proc/self/mountinfo)
		parent=$parent$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' /proc/self/cgroup)
	fi
	start_held "$CGROUP_DEMO" --parent "$parent" --alloc 1M
	local demo=$HELD_DEMO # (stop_held forgets it)
	[ -d "${parent%/}/nslab-mem-$demo" ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	[ ! -d "${parent%/}/nslab-mem-$demo" ]
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
