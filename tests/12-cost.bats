#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# Lab 12: nsbench, what isolation costs.  No test checks a speed: each
# checks that every row is there (or a stated skip), what the kernel's own
# files say while the bench holds namespaces (/proc/PID/fd), and that
# nothing - namespaces, helpers, containers, VMs - outlives a run.

load test_helper

NSBENCH=$KIT/labs/12-cost/nsbench
MINI=$KIT/labs/11-container/mini_container

setup_file() { snapshot_before; }
setup() { require_built "$NSBENCH"; }
teardown() {
	reap_held
	restore_rcu
}

# /sys/kernel/rcu_expedited: 1 makes RCU grace periods microseconds long
# (this CI machine boots with 1; kernels end their boot with 0).  A test
# sets it with set_rcu, and teardown puts back what was there.
RCU=/sys/kernel/rcu_expedited
set_rcu() {
	[ -w "$RCU" ] || skip "no writable $RCU on this kernel"
	RCU_WAS=${RCU_WAS:-$(<"$RCU")}
	echo "$1" >"$RCU"
}
restore_rcu() {
	if [ -n "${RCU_WAS:-}" ]; then
		echo "$RCU_WAS" >"$RCU"
		RCU_WAS=
	fi
}

# The bench's own processes (its helpers are clones of it), and its VMs.
bench_procs() { pgrep -x nsbench || true; }
bench_vms() { pgrep -f '^[^ ]*qemu-system-x86_64 -accel (kvm|tcg) -machine pc -m 256 -smp 1 -nodefaults -display none ' || true; }
nothing_running() { [ -z "$(bench_procs)" ] && [ -z "$(bench_vms)" ]; }
# The bench's mini_containers; is one running, or a helper of the bench?
bench_containers() { pgrep -f "^[^ ]*/mini_container( |$)" || true; }
container_running() { [ -n "$(bench_containers)" ]; }
helper_running() { [ "$(bench_procs | wc -l)" -ge 2 ]; }
no_links() { [ -z "$(nslab_links)" ]; }
vm_running() { [ -n "$(bench_vms)" ]; }

# Start nsbench in the background (HELD_DEMO, so that teardown reaps it).
start_bench() {
	HELD_LOG=$BATS_TEST_TMPDIR/bench.log
	"$NSBENCH" "$@" </dev/null >"$HELD_LOG" 2>&1 3>&- &
	HELD_DEMO=$!
}

@test "nsbench: --help names every section and option; --quick and --quiet do what it says" {
	run -0 "$NSBENCH" --help
	for word in --runs --count --only --quick --csv --vm-timeout --quiet floor clone gone memory container vm; do
		[[ "$output" == *"$word"* ]] || fail "--help does not mention $word"
	done
	# --quick is --runs 3 --count 50, and an option after it wins, before
	# it loses.  (The floor needs no root and takes milliseconds.)
	run -0 "$NSBENCH" --runs 1 --count 7 --quick --only floor
	[[ "${lines[2]}" == "each figure over 3 runs: median, min, max (memory: 3 rounds of 50 namespaces)" ]]
	[[ "$output" == *"the medians as bars"* ]]
	# --quiet leaves out the chart, and only the chart.
	run -0 "$NSBENCH" --quick --runs 1 --quiet --only floor
	[[ "${lines[2]}" == "each figure over 1 runs: median, min, max (memory: 1 rounds of 50 namespaces)" ]]
	[[ "$output" == *"    fork() + exec(/bin/true), reaped "* ]]
	[[ "$output" != *"the medians as bars"* ]]
	[[ "$output" != *"|"* ]]
}

@test "nsbench: bad input exits 2 with a clear message and starts nothing" {
	local bad
	for bad in "--runs 0" "--runs 1001" "--runs -1" "--runs 99999999999999999999" "--runs x" "--runs 3x" \
		"--count 0" "--count 1001" "--only nope" "--only floor,nope" "--only ," "--vm-timeout 0" \
		"--vm-timeout 3601" "--runs" "-n" "--count" "--only" "--vm-timeout" "--frobnicate" "extra"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr -2 "$NSBENCH" $bad
		[ -z "$output" ] || fail "$bad printed on stdout: $output"
		# The first line names what was wrong (getopt's own says "-- 'n'"
		# for -n), then comes the usage line.
		[[ "${stderr_lines[0]}" == *"nsbench: "*"${bad%% *}"* || "${stderr_lines[0]}" == *"nsbench: "*"'${bad#-}'" ]] ||
			fail "$bad: no message naming it: $stderr"
		[ "${stderr_lines[1]}" = "Usage: nsbench [OPTION]..." ] || fail "$bad: no usage line: $stderr"
	done
	nothing_running
}

@test "nsbench: the header names the machine; floor and clone give every row" {
	require_root
	run -0 "$NSBENCH" --runs 3 --only floor,clone
	[[ "${lines[1]}" == "machine: Linux $(uname -r) $(uname -m), $(nproc) CPUs, "* ]]
	[[ "$output" == *"fork() + exit, reaped"* ]]
	[[ "$output" == *"fork() + exec(/bin/true), reaped"* ]]
	local t
	for t in none UTS IPC CGROUP USER PID MNT NET "all eight"; do
		[[ "$output" == *"$t, created "* ]] || fail "no $t row"
		[[ "$output" == *"$t, run and reaped "* ]] || fail "no $t reaped row"
	done
	[[ "$output" == *"TIME (unshare), created"* ]]
	# Each of the 22 rows: its label, then the median, the minimum and the
	# maximum, each with its unit (the chart's lines hold one figure).
	local figure='[0-9.]+ (µs|ms|s)'
	[ "$(grep -cE "^    [^ |].*[^ ] +$figure +$figure +$figure\$" <<<"$output")" -eq 22 ]
	[[ "$output" == *"the medians as bars"* ]]
	[[ "$output" != *"skipped"* ]]
	nothing_running
}

@test "nsbench: each clone() row makes its own type: at a limit of 0 the run stops at that row, ENOSPC, exit 1" {
	require_root
	require_cmd unshare
	local limits t prev=none
	limits=$(grep . /proc/sys/user/max_*_namespaces)
	# The kernel counts every namespace it makes against a limit per user
	# namespace (/proc/sys/user/max_TYPE_namespaces), checked there and in
	# every user namespace above.  In a throwaway user namespace whose limit
	# for one type is 0, the kernel refuses exactly the clone() that asks
	# for that type: the run must stop at that type's row, every row before
	# it measured, and say why.  (Every owner mapped: the kit may be cloned
	# into a 0700 home.)
	for t in uts ipc cgroup user pid mnt net time; do
		# shellcheck disable=SC2016 # the inner shell's own $0 and $1
		run -1 --separate-stderr in_userns_as_root sh -c \
			'echo 0 >"/proc/sys/user/max_$1_namespaces" && exec "$0" --runs 1 --only clone' "$NSBENCH" "$t"
		[[ "$stderr" == *"(CLONE_NEW${t^^}) failed: ENOSPC"* ]] || fail "max_${t}_namespaces=0: $stderr"
		[[ "${lines[-1]}" == "    $prev, run and reaped "* ]] ||
			fail "max_${t}_namespaces=0: the last row is not $prev's: $output"
		prev=${t^^}
	done
	# [3] runs each row in a helper in a user namespace of its own: with
	# no user namespace allowed, the section stops before its first row.
	# shellcheck disable=SC2016 # the inner shell's own $0
	run -1 --separate-stderr in_userns_as_root sh -c \
		'echo 0 >/proc/sys/user/max_user_namespaces && exec "$0" --runs 1 --only gone' "$NSBENCH"
	[[ "$stderr" == *"clone(helper) failed: ENOSPC"* ]]
	[[ "$output" != *"freed after exit"* ]]
	# The host's own limits are as they were.
	[ "$(grep . /proc/sys/user/max_*_namespaces)" = "$limits" ]
	wait_until 5 nothing_running
}

@test "nsbench: --csv gives one quoted row per figure, min <= median <= max" {
	require_root
	run -0 "$NSBENCH" --csv --runs 3 --only floor,clone
	[ "${lines[0]}" = "section,figure,unit,median,min,max,runs,note" ]
	[[ "${lines[1]}" == "machine,\"Linux $(uname -r) "* ]]
	# 2 floor rows + (none and 9 types) x 2; each: min <= median <= max, 3 runs.
	local rows
	rows=$(printf '%s\n' "${lines[@]}" | grep -cE '^(floor|clone),"[^"]+",us,[0-9.]+,[0-9.]+,[0-9.]+,3,$')
	[ "$rows" -eq 22 ]
	printf '%s\n' "${lines[@]}" | awk -F'"' 'NR > 2 { split($3, f, ","); if (!(f[4] <= f[3] && f[3] <= f[5])) exit 1 }'
	[[ "$output" != *"the medians"* ]]
}

@test "nsbench: an unprivileged user gets exit 1 and a message about sudo, and no helper is left" {
	require_root
	require_cmd setpriv
	local demo
	copy_for_nobody "$NSBENCH"; demo=$NOBODY_COPY
	# [2] and [4] stop at their first namespace, UTS; [3] at its first
	# helper, whose user namespace's ID maps only root may write.
	run -1 --separate-stderr as_nobody "$demo" --runs 1 --only clone
	[[ "$stderr" == *"clone(CLONE_NEWUTS) failed: EPERM"*"sudo"* ]]
	[[ "${lines[-1]}" == "    none, run and reaped "* ]]
	run -1 --separate-stderr as_nobody "$demo" --runs 1 --only gone
	[[ "$stderr" == *"/uid_map failed: EPERM"*"sudo"* ]]
	[[ "$output" != *"freed after exit"* ]]
	run -1 --separate-stderr as_nobody "$demo" --runs 1 --count 1 --only memory
	[[ "$stderr" == *"clone(CLONE_NEWUTS) number 1 failed: EPERM"*"sudo"* ]]
	[[ "$output" != *"UTS, each"* ]]
	wait_until 5 nothing_running
}

@test "nsbench: a UTS namespace is freed at once, a network namespace only later" {
	require_root
	run -0 "$NSBENCH" --csv --runs 3 --only gone
	# Freeing a UTS namespace is synchronous on every kernel: 0 at each run.
	[[ "$output" == *'gone,"UTS, freed after exit",us,0.0,0.0,0.0,3,'* ]]
	# A network namespace is freed by a kernel worker after the exit: never 0.
	local min
	min=$(awk -F, '/^gone,"NET, freed after exit"/ {print $6}' <<<"$output")
	[ -n "$min" ]
	awk -v m="$min" 'BEGIN { exit !(m > 0) }'
	# The IPC row is checked by the next test, with grace periods set.
	[[ "$output" == *'gone,"IPC, freed after exit",us,'* ]]
	[[ "$output" == *'gone,"TIME",,,,,0,"skipped: '* ]]
	nothing_running
}

@test "nsbench: an IPC namespace is freed after an RCU grace period: milliseconds, far less where they are expedited" {
	require_root
	# A free waits for a grace period (so does the network's): with the
	# kernel's usual setting, milliseconds.  At its limit clone() waits for
	# it instead of saying ENOSPC, so the wait is taken from that clone()'s
	# length: never 0.
	set_rcu 0
	run -0 "$NSBENCH" --csv --runs 3 --only gone
	local min median
	min=$(awk -F, '/^gone,"IPC, freed after exit"/ {print $6}' <<<"$output")
	median=$(awk -F, '/^gone,"IPC, freed after exit"/ {print $5}' <<<"$output")
	[ -n "$min" ]
	awk -v m="$min" 'BEGIN { exit !(m > 0) }' || fail "IPC freed at once with rcu_expedited 0: $min"
	# Expedited, the grace period is far shorter: the page tells a student
	# who sees 0 (as here) to look at this file.  (Under emulation it may
	# last past the millisecond nsbench can tell apart: shorter, not 0.)
	set_rcu 1
	run -0 "$NSBENCH" --csv --runs 3 --only gone
	local fast
	fast=$(awk -F, '/^gone,"IPC, freed after exit"/ {print $5}' <<<"$output")
	awk -v f="$fast" -v m="$median" 'BEGIN { exit !(f < m) }' ||
		fail "IPC not freed sooner with rcu_expedited 1: $fast against $median µs"
	min=$(awk -F, '/^gone,"NET, freed after exit"/ {print $6}' <<<"$output")
	awk -v m="$min" 'BEGIN { exit !(m > 0) }' || fail "NET freed at once with rcu_expedited 1: $min"
	nothing_running
}

@test "nsbench: the memory section holds namespaces by open files, each different, seen in /proc/PID/fd" {
	require_root
	# Two rounds are enough for all it looks for: a holder of the first
	# round is still there while the second makes its own (a third round
	# would only repeat that, at 5 s).
	start_bench --runs 2 --count 100 --only memory
	# At some moment one of its helpers has at least 50 distinct namespaces
	# of one type (uts:[...], net:[...], ...) open; and at some moment two
	# of them hold 50 files or more each at once: a round's holder stays
	# while the next round makes its own.  Pure bash, but for one find per
	# look at the namespaces: under emulation a slower loop would see only
	# holders that are gone already (and the count of each helper's open
	# files, a glob, is cheap enough to look often).
	local distinct=0 both=0 full i k l kids links fds
	for ((i = 0; i < 20000 && !(distinct && both); i++)); do
		kids=()
		read -r -a kids <"/proc/$HELD_DEMO/task/$HELD_DEMO/children" 2>/dev/null || true
		full=0
		for k in "${kids[@]}"; do
			fds=("/proc/$k/fd/"*)
			[ "${#fds[@]}" -ge 50 ] || continue
			full=$((full + 1))
			[ "$distinct" = 0 ] || continue
			# (An fd closed while find read it gives an empty line.)
			mapfile -t links < <(find "/proc/$k/fd" -maxdepth 1 -lname '*:\[*' -printf '%l\n' 2>/dev/null)
			local -A seen=() per_type=()
			for l in "${links[@]}"; do if [ -n "$l" ]; then seen[$l]=1; fi; done
			for l in "${!seen[@]}"; do per_type[${l%%:*}]=$((${per_type[${l%%:*}]:-0} + 1)); done
			for l in "${per_type[@]}"; do if ((l >= 50)); then distinct=1; fi; done
			unset seen per_type
		done
		[ "$full" -lt 2 ] || both=1
		gone "$HELD_DEMO" && break
	done
	wait_held
	[ "$distinct" = 1 ] || fail "no helper held 50 namespaces of one type; log: $(cat "$HELD_LOG")"
	[ "$both" = 1 ] || fail "no two helpers held their namespaces at once; log: $(cat "$HELD_LOG")"
	[ "$HELD_STATUS" -eq 0 ]
	local t
	for t in "none (control: the same work)" "UTS, each" "IPC, each" "CGROUP, each" "USER, each" \
		"PID, each" "MNT, each" "NET, each" "TIME, each"; do
		grep -qF "    $t " "$HELD_LOG" || fail "no memory row '$t'"
	done
	nothing_running
}

@test "nsbench: a kernel memory figure below 0 is explained on screen, and gets no bar" {
	require_root
	# With one namespace per round, the noise of the machine-wide counters
	# (KiBs) outweighs the smallest types (a few hundred bytes each): some
	# figure comes out below 0 in nearly every run.
	local try negative=0 line
	for ((try = 0; try < 5 && !negative; try++)); do
		run -0 "$NSBENCH" --runs 3 --count 1 --only memory
		while IFS= read -r line; do
			case $line in
			*"|"*-[0-9]*" KiB"*)
				[[ $line != *"#"* && $line == *"KiB: below the noise" ]] ||
					fail "a figure below 0 drawn as a bar: $line" ;;
			"    "*" -"[0-9]*" KiB"*) negative=1 ;;
			esac
		done <<<"$output"
	done
	[ "$negative" = 1 ] || skip "no figure below 0 in 5 runs with --count 1"
	[[ "$output" == *"    below 0: the kernel's counters moved by less than their noise here;"* ]] ||
		fail "a figure below 0 with no word about it: $output"
	nothing_running
}

@test "nsbench: the container rows, or the stated skip when Lab 11 is not built" {
	require_root
	require_cmd unshare
	run -0 "$NSBENCH" --runs 2 --only container
	[[ "$output" == *"util-linux unshare, start to exit "* ]]
	if [ -x "$MINI" ]; then
		[[ "$output" == *"mini_container: PSS of its processes "* ]]
		[[ "$output" == *"mini_container: RSS of its processes "* ]]
		[[ "$output" == *"mini_container: its cgroup's memory "* ]]
		[[ "$output" == *"mini_container, start to exit "* ]]
		local ratio_re="mini_container / unshare, per pair +[0-9.]+x"
		[[ "$output" =~ $ratio_re ]]
	else
		[[ "$output" == *"mini_container, running"*"skipped: labs/11-container/mini_container not built"* ]]
		[[ "$output" == *"mini_container, start to exit"*"skipped: labs/11-container/mini_container not built"* ]]
	fi
	nothing_running
}

@test "nsbench: without the kernel's lists of children (hidden by a mount) the container rows are a stated skip" {
	require_root
	require_cmd unshare
	[ -x "$MINI" ] || skip "labs/11-container/mini_container is not built"
	# As on a kernel without CONFIG_PROC_CHILDREN: an empty tmpfs hides
	# nsbench's own /proc/PID/task (it is exec'd: its PID is the shell's).
	# It says why at once, instead of "did not start" after 10 s.  (A
	# SANITIZE=1 build's LeakSanitizer lists threads in that directory:
	# leaks are not looked for here.)
	# shellcheck disable=SC2016 # the inner shell's $$
	run -0 env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		unshare --mount --propagation private sh -c '
		mount -t tmpfs nslab-bench "/proc/$$/task" || exit 9
		exec "$0" --runs 2 --only container' "$NSBENCH"
	[[ "$output" == *"mini_container, running"*"skipped: no /proc/PID/task/PID/children (CONFIG_PROC_CHILDREN)"* ]]
	[[ "$output" == *"util-linux unshare, start to exit "* ]]
	nothing_running
}

@test "nsbench: without qemu the VM row is a stated skip" {
	run -0 env PATH=/nonexistent "$NSBENCH" --only vm
	[[ "$output" == *"VM "*"skipped: qemu-system-x86_64 is not installed"* ]]
}

@test "vm-boot: bad input exits 2 with its usage; without qemu it says skip, and why" {
	local bad
	for bad in "" "1" "0 5" "1 0" "x 5" "1 5x" "1 5 extra"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr -2 "$KIT/tools/vm-boot" $bad
		[ -z "$output" ] || fail "'$bad' printed on stdout: $output"
		[ "$stderr" = "Usage: tools/vm-boot RUNS TIMEOUT" ] || fail "'$bad': $stderr"
	done
	run -0 env PATH=/nonexistent "$KIT/tools/vm-boot" 1 5
	[ "$output" = "skip qemu-system-x86_64 is not installed (sudo vagrant/provision.sh --vm-check)" ]
}

@test "nsbench: a VM boots to /init under KVM or TCG, and no qemu is left" {
	require_root
	require_cmd qemu-system-x86_64
	[ -r "$KIT/.vm-cache/kernel.ready" ] || skip "no kernel cached in .vm-cache/ (run sudo make vm-kernel)"
	# The vm-check guest has no KVM: a TCG guest inside it would take minutes.
	[ "$(hostname)" != nslab-vm ] || skip "inside make vm-check's guest (no nested VM)"
	run -0 "$NSBENCH" --runs 1 --only vm --vm-timeout 240
	local boot_re="VM under (KVM|TCG): boot to /init +[0-9.]+ (µs|ms|s) " rss_re="VM: qemu's RSS, guest at userspace +[0-9.]+ (KiB|MiB|GiB) "
	[[ "$output" == *"qemu under "[KT][VC][MG]* ]]
	[[ "$output" =~ $boot_re ]]
	[[ "$output" =~ $rss_re ]]
	[ -z "$(bench_vms)" ]
}

@test "nsbench: SIGTERM in the memory section: exit 143, no helper left" {
	require_root
	# Two rounds are enough for all it looks for: a holder of the first
	# round is still there while the second makes its own (a third round
	# would only repeat that, at 5 s).
	start_bench --runs 2 --count 100 --only memory
	# In the section, with a helper holding namespaces (not a guess at how
	# long the bench takes to get there).
	wait_until 60 grep -q '^\[4\] ' "$HELD_LOG"
	wait_until 60 helper_running
	stop_held TERM
	[ "$HELD_STATUS" -eq 143 ]
	wait_until 5 nothing_running
}

@test "nsbench: SIGKILL at a random moment: its helpers, containers and VMs die with it" {
	require_root
	[ -x "$MINI" ] || skip "labs/11-container/mini_container not built"
	local before moment
	before=$(nslab_cgroups)
	# A random moment, whatever the machine's speed: one of the sections
	# with helpers or containers, chosen at random and run alone, killed
	# 0-20 ms after its heading appears in the output.  100 runs make each
	# last seconds here (the memory section ~4 s whatever --runs says), so
	# a slow or emulated machine still kills it in the middle: with 3 runs
	# the container section was over in 0.2 s, and a Debian guest under
	# TCG once saw nsbench end before its SIGKILL.
	local sections=(gone memory container)
	moment=${sections[RANDOM % 3]}
	start_bench --runs 100 --count 50 --only "$moment"
	wait_until 60 grep -q '^\[[345]\] ' "$HELD_LOG"
	random_pause 20
	echo "section $moment; running then: $(bench_procs | wc -l) nsbench, $(bench_containers | wc -l) mini_container"
	kill -KILL "$HELD_DEMO" || fail "nsbench had ended before the SIGKILL: nothing was interrupted"
	wait_held
	[ "$HELD_STATUS" -eq 137 ]
	wait_until 10 nothing_running
	# A mini_container told by SIGTERM (its parent-death signal) tidies up:
	# its veth and cgroup go with it.
	wait_until 10 bash -c '! pgrep -f "^[^ ]*/mini_container( |$)" >/dev/null'
	wait_until 5 no_links
	[ "$(nslab_cgroups)" = "$before" ]
}

@test "nsbench: SIGKILL while a VM boots: exit 137, and qemu and vm-boot end with it" {
	require_root
	require_cmd qemu-system-x86_64
	[ -r "$KIT/.vm-cache/kernel.ready" ] || skip "no kernel cached in .vm-cache/ (run sudo make vm-kernel)"
	local vm
	start_bench --runs 1 --only vm
	# Killed while qemu runs (seen by pgrep).  qemu is stopped first, so
	# that its boot cannot end by itself (and vm-boot, done, with it):
	# only the parent-death signals can end them now, SIGTERM to vm-boot
	# as nsbench dies and SIGKILL to qemu as vm-boot does.
	wait_until 30 vm_running
	vm=$(bench_vms)
	echo "killed with this qemu running, stopped: $vm"
	# shellcheck disable=SC2086 # one PID a word
	kill -STOP $vm
	kill -KILL "$HELD_DEMO"
	wait_held
	[ "$HELD_STATUS" -eq 137 ]
	if ! wait_until 10 nothing_running; then
		ps -o pid,stat,args -p "${vm//$'\n'/,}" >&2
		# shellcheck disable=SC2086
		kill -KILL $vm
		fail "qemu outlived nsbench"
	fi
	wait_until 5 bash -c '! pgrep -f "/tools/vm-boot [0-9]+ [0-9]+$" >/dev/null'
}

@test "nsbench: SIGINT during a container run: exit 130, the container and its cgroup tidied up" {
	require_root
	[ -x "$MINI" ] || skip "labs/11-container/mini_container not built"
	local before
	before=$(nslab_cgroups)
	start_bench --runs 200 --only container
	# Interrupted while a container runs (seen by pgrep, not by a guess at
	# how long the bench takes to get there).
	wait_until 60 container_running
	echo "interrupted with these containers running: $(bench_containers)"
	stop_held INT
	[ "$HELD_STATUS" -eq 130 ]
	wait_until 10 nothing_running
	wait_until 10 bash -c "! pgrep -f '^[^ ]*/mini_container( |$)' >/dev/null"
	# No cgroup of the interrupted container (nslab-ctr-PID), no veth.
	[ "$(nslab_cgroups)" = "$before" ]
	[ -z "$(nslab_links)" ]
}

@test "nsbench: nothing named nslab is left behind" {
	wait_until 10 nothing_running
	assert_nothing_left
}
