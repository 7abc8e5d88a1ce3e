#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# Lab 09: a child in a cgroup of its own, with a new cgroup namespace,
# sees that cgroup as "/"; a cgroup file system it mounts shows only it.
# Observers: the host's /proc/PID/cgroup, the same file read with
# `nsenter -C` (inside the namespace), /proc/PID/ns/cgroup, the child's
# mounts through /proc/PID/root and /proc/PID/mountinfo, the cgroup
# directories themselves, and the host's own mount table.

load test_helper

CGNS_DEMO=$KIT/labs/09-cgroupns/cgroupns_demo

setup_file() { snapshot_before; }
setup() { require_built "$CGNS_DEMO"; }
teardown() {
	reap_held
	exec 4>&- 2>/dev/null || true
	remove_stand_ins
}

# Processes and cgroups a test made itself (not the demo), for
# remove_stand_ins to end and remove even when the test failed: OUTSIDERS,
# PIDs of sleeps; STAND_INS, cgroup directories, the deepest last.
OUTSIDERS=() STAND_INS=()
remove_stand_ins() {
	local p i
	for p in "${OUTSIDERS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	OUTSIDERS=()
	for ((i = ${#STAND_INS[@]} - 1; i >= 0; i--)); do
		[ -d "${STAND_INS[i]}" ] || continue
		wait_until 5 test -z "$(cat "${STAND_INS[i]}/cgroup.procs")" || true
		rmdir "${STAND_INS[i]}" || true
	done
	STAND_INS=()
}

# outsider: a sleep in the test's own cgroups, outside every namespace the
# demo makes; sets OUTSIDER to its PID.
outsider() {
	sleep 300 >/dev/null 2>&1 3>&- 4>&- &
	OUTSIDER=$!
	OUTSIDERS+=("$OUTSIDER")
}

# cg_mount FSTYPE [OPTION]: the host's first mount of FSTYPE (with OPTION
# among its super options), from the fields after " - " in mountinfo.
cg_mount() {
	awk -v t="$1" -v o="${2:-}" '{
		for (i = 7; $i != "-"; i++) {}
		if ($(i + 1) == t && (o == "" || index("," $(i + 3) ",", "," o ","))) { print $5; exit }
	}' /proc/self/mountinfo
}

# The hierarchies the demo uses, one "MOUNTPOINT KIND" a line: the cgroup2
# tree (v2) and, where the memory controller is on v1, its tree (v1).
hierarchies() {
	local m
	m=$(cg_mount cgroup2) && [ -n "$m" ] && echo "$m v2"
	m=$(cg_mount cgroup memory) && [ -n "$m" ] && echo "$m v1"
	return 0
}

# The cgroup a demo with PID $2 made below mount point $1.
demo_cg() { find "$1" -maxdepth 8 -type d -name "nslab-cgns-$2" 2>/dev/null | head -1; }
cgns_dirs() { find /sys/fs/cgroup -maxdepth 8 -type d -name "nslab-cgns-$1" 2>/dev/null || true; }

# The line of a /proc/PID/cgroup listing (stdin) for hierarchy KIND.
line_for() {
	if [ "$1" = v2 ]; then grep '^0::'; else grep -E '^[0-9]+:([^:]*,)?memory(,[^:]*)?:'; fi
}

# start_shell: start the demo's --shell reading its commands from a fifo
# that the test keeps open for writing on fd 4 (closing it is EOF: the
# shell ends).  Sets DEMO, and CHILD: the shell's PID, once it is ready.
start_shell() {
	mkfifo "$BATS_TEST_TMPDIR/in"
	"$CGNS_DEMO" --quiet --shell --pidfile "$BATS_TEST_TMPDIR/pid" \
		<"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/log" 2>&1 3>&- &
	DEMO=$!
	exec 4>"$BATS_TEST_TMPDIR/in"
	wait_until 5 test -s "$BATS_TEST_TMPDIR/pid"
	CHILD=$(<"$BATS_TEST_TMPDIR/pid")
}

@test "cgroupns: --help describes the lab and exits 0" {
	run -0 "$CGNS_DEMO" --help
	[[ "$output" == *"cgroup namespace"* ]]
	[[ "$output" == *"--hold"* ]]
}

@test "cgroupns: a run exits 0, and its cgroups are gone afterwards" {
	require_root
	local before
	before=$(nslab_cgroups)
	run -0 "$CGNS_DEMO"
	[[ "$output" == *"==> inside:  /proc/self/cgroup says 0::/"* ]]
	[[ "$output" == *"==> removed: "*"/nslab-cgns-"* ]]
	[ "$(nslab_cgroups)" = "$before" ]
}

@test "cgroupns: the child is in a nslab-cgns cgroup in every hierarchy it uses, the host sees the real path" {
	require_root
	start_held "$CGNS_DEMO"
	local mnt kind cg n=0
	while read -r mnt kind; do
		cg=$(demo_cg "$mnt" "$HELD_DEMO")
		[ -n "$cg" ]
		grep -qx "$HELD_PID" "$cg/cgroup.procs"
		# The host's /proc/PID/cgroup gives the path from the hierarchy's root.
		[ "$(line_for "$kind" <"/proc/$HELD_PID/cgroup")" = \
			"$(line_for "$kind" <"/proc/$HELD_PID/cgroup" | cut -d: -f1,2):${cg#"$mnt"}" ]
		n=$((n + 1))
	done < <(hierarchies)
	[ "$n" -ge 1 ]
	[ "$(cgns_dirs "$HELD_DEMO" | grep -c .)" -eq "$n" ]
	local demo=$HELD_DEMO # (stop_held forgets it)
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	[ -z "$(cgns_dirs "$demo")" ]
}

@test "cgroupns: read from inside the namespace (nsenter -C), the child's /proc/PID/cgroup says / for every hierarchy" {
	require_root
	require_cmd nsenter
	start_held "$CGNS_DEMO"
	run -0 nsenter -t "$HELD_PID" -C cat "/proc/$HELD_PID/cgroup"
	[ -n "$output" ]
	grep -qx '0::/' <<<"$output" || [ -z "$(cg_mount cgroup2)" ]
	# Every line, v1 hierarchies included, ends in ":/".
	run ! grep -v ':/$' <<<"$output"
	# The host reading the same file sees the nslab cgroup.
	grep -q "^0::/.*nslab-cgns-$HELD_DEMO\$" "/proc/$HELD_PID/cgroup" || [ -z "$(cg_mount cgroup2)" ]
	stop_held TERM
}

@test "cgroupns: a process outside the namespace's root (nsenter -C cat /proc/self/cgroup) sees a path up, /.." {
	require_root
	require_cmd nsenter
	start_held "$CGNS_DEMO"
	[ -n "$(cg_mount cgroup2)" ] || skip "no cgroup2 mount on this host"
	# cat joins the namespace but stays in the test's cgroup, which is
	# above the namespace's root: its path starts with "/..".
	run -0 nsenter -t "$HELD_PID" -C cat /proc/self/cgroup
	grep -q '^0::/\.\.' <<<"$output"
	stop_held TERM
}

@test "cgroupns: the child has its own cgroup and mount namespaces (/proc/PID/ns)" {
	require_root
	start_held "$CGNS_DEMO"
	[ "$(ns_inode "$HELD_PID" cgroup)" != "$(ns_inode self cgroup)" ]
	[ "$(ns_inode "$HELD_PID" mnt)" != "$(ns_inode self mnt)" ]
	# Nothing else is new: the other six are the host's.
	local t
	for t in ipc net pid time user uts; do
		[ "$(ns_inode "$HELD_PID" "$t")" = "$(ns_inode self "$t")" ] || fail "$t differs"
	done
	stop_held TERM
}

@test "cgroupns: the child's cgroup mount (through /proc/PID/root) is the nslab cgroup's directory, holding the child alone" {
	require_root
	start_held "$CGNS_DEMO"
	local mnt kind cg inside
	while read -r mnt kind; do
		cg=$(demo_cg "$mnt" "$HELD_DEMO")
		inside=/proc/$HELD_PID/root$mnt
		# The same directory: device and inode (step 6 prints the inode).
		[ "$(stat -c %d:%i "$inside")" = "$(stat -c %d:%i "$cg")" ]
		grep -q "$inside is inode $(stat -c %i "$cg"), " "$HELD_LOG"
		# Inside, cgroup.procs lists the child alone, and no cgroup is below.
		[ "$(cat "$inside/cgroup.procs")" = "$HELD_PID" ]
		[ -z "$(find "$inside" -mindepth 1 -maxdepth 1 -type d)" ]
		# The host's view of the same mount point still has its whole tree.
		[ -d "$cg" ]
		[ "$(stat -c %i "$mnt")" != "$(stat -c %i "$inside")" ]
		echo "$kind: $inside = $cg"
	done < <(hierarchies)
	stop_held TERM
}

@test "cgroupns: /proc/PID/mountinfo roots the child's cgroup mounts at nslab-cgns (host) and at / (inside the namespace)" {
	require_root
	require_cmd nsenter
	start_held "$CGNS_DEMO"
	local mnt kind cg
	while read -r mnt kind; do
		cg=$(demo_cg "$mnt" "$HELD_DEMO")
		# Field 4 is the mount's root within its file system; field 5 where.
		awk -v m="$mnt" -v r="${cg#"$mnt"}" '$5 == m && $4 == r && / - cgroup2? nslab-cgns / {f = 1}
			END {exit !f}' "/proc/$HELD_PID/mountinfo"
		nsenter -t "$HELD_PID" -C cat "/proc/$HELD_PID/mountinfo" |
			awk -v m="$mnt" '$5 == m && $4 == "/" && / nslab-cgns / {f = 1} END {exit !f}'
		# Mounted nosuid, nodev and noexec (field 6: the mount's own options).
		awk -v m="$mnt" '$5 == m && / nslab-cgns / && $6 ~ /nosuid/ && $6 ~ /nodev/ && $6 ~ /noexec/ {f = 1}
			END {exit !f}' "/proc/$HELD_PID/mountinfo"
	done < <(hierarchies)
	stop_held TERM
}

# The host's cgroup mounts (IDs included: a remount would show) and the
# propagation of "/": what the child's umount2() and mount() could touch.
cgroup_mounts() {
	awk '$5 == "/" || $5 ~ "^/sys/fs/cgroup(/|$)"' /proc/self/mountinfo
	findmnt -n -o PROPAGATION /
}

@test "cgroupns: the host's cgroup mounts are untouched while the child remounts them, and after" {
	require_root
	# Only a shared / could carry the child's umounts here; on a private one
	# the stand-in test below plays that host.
	[ "$(findmnt -n -o PROPAGATION /)" = shared ] ||
		skip "this host's / is not shared (no systemd): nothing could reach it; the stand-in test below plays a shared host"
	local before
	before=$(cgroup_mounts)
	start_held "$CGNS_DEMO"
	[ "$(cgroup_mounts)" = "$before" ]
	run ! grep -q nslab-cgns /proc/self/mountinfo
	stop_held TERM
	[ "$(cgroup_mounts)" = "$before" ]
}

@test "cgroupns: where every mount is shared (as under systemd), a stand-in host's cgroup mounts stay" {
	require_root
	# A stand-in host: a namespace whose mounts are all shared (made
	# private first: nothing reaches the real host).  Without step 5's
	# MS_REC|MS_PRIVATE, the child's umount2() of the cgroup mounts and its
	# own mounts would reach this table.
	# shellcheck disable=SC2016 # expanded by the inner bash
	run -0 unshare --mount --propagation private bash -c 'mount --make-rshared / || exit
		table() { awk "\$5 == \"/\" || \$5 ~ \"^/sys/fs/cgroup(/|\$)\"" /proc/self/mountinfo; }
		before=$(table)
		"$1" --hold --pidfile "$2.pid" </dev/null >"$2.log" 2>&1 3>&- &
		for _ in $(seq 500); do grep -q "^Holding" "$2.log" 2>/dev/null && break; sleep 0.02; done
		grep -q "^Holding" "$2.log" && echo held
		[ "$before" = "$(table)" ] && echo "held: table as before"
		grep -c nslab-cgns /proc/self/mountinfo
		kill -TERM $! && wait $!
		echo "status $?"
		[ "$before" = "$(table)" ] && echo "after: table as before"' _ "$CGNS_DEMO" "$BATS_TEST_TMPDIR/standin"
	[ "${lines[0]}" = held ]
	[ "${lines[1]}" = "held: table as before" ]
	[ "${lines[2]}" = 0 ]
	[ "${lines[3]}" = "status 0" ]
	[ "${lines[4]}" = "after: table as before" ]
}

@test "cgroupns: a cgroup made inside (--shell) appears on the host below nslab-cgns; it and a background job are removed at the end" {
	require_root
	local mnt kind
	read -r mnt kind < <(hierarchies)
	start_shell
	echo "mkdir $mnt/nslab-sub && sleep 300 & echo \$! >$BATS_TEST_TMPDIR/job; echo made" >&4
	wait_until 5 grep -q made "$BATS_TEST_TMPDIR/log"
	local cg
	cg=$(demo_cg "$mnt" "$DEMO")
	wait_until 5 test -d "$cg/nslab-sub"
	# The background job is a process of the child's cgroup too.
	grep -qx "$(cat "$BATS_TEST_TMPDIR/job")" "$cg/cgroup.procs"
	echo 'exit 5' >&4
	exec 4>&-
	local status=0
	wait "$DEMO" || status=$?
	cat "$BATS_TEST_TMPDIR/log"
	[ "$status" -eq 5 ]
	gone "$(cat "$BATS_TEST_TMPDIR/job")"
	[ ! -d "$cg" ]
	[ -z "$(cgns_dirs "$DEMO")" ]
	echo "$kind"
}

@test "cgroupns: --shell runs inside the namespace and passes on its status" {
	require_root
	run -7 "$CGNS_DEMO" --quiet --shell <<<'cat /proc/self/cgroup; exit 7'
	# The shell's own lines (not the narration's "==>" lines): every
	# hierarchy's path is "/", the v2 one included where there is one.
	local own
	own=$(grep -E '^[0-9]+:[^:]*:' <<<"$output")
	[ -n "$own" ]
	if [ -n "$(findmnt -rn -t cgroup2 -o TARGET | head -n 1)" ]; then grep -qx '0::/' <<<"$own"; fi
	run ! grep -Ev ':/$' <<<"$own"
}

@test "cgroupns: a child killed by a signal gives exit status 128+signal" {
	require_root
	run -137 "$CGNS_DEMO" --quiet --shell <<<'kill -KILL $$'
}

@test "cgroupns: SIGTERM during --hold exits 0, removes the pidfile and the cgroups, and leaves no process" {
	require_root
	start_held "$CGNS_DEMO"
	local child=$HELD_PID demo=$HELD_DEMO
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	gone "$child"
	[ ! -e "$BATS_TEST_TMPDIR/held.pid" ]
	[ -z "$(cgns_dirs "$demo")" ]
}

@test "cgroupns: SIGINT during --hold also exits 0 and removes the cgroups" {
	require_root
	start_held "$CGNS_DEMO"
	local child=$HELD_PID demo=$HELD_DEMO
	stop_held INT
	[ "$HELD_STATUS" -eq 0 ]
	gone "$child"
	[ -z "$(cgns_dirs "$demo")" ]
}

@test "cgroupns: SIGTERM while the shell runs: exit 143, the child is killed, the cgroups removed" {
	require_root
	start_shell
	echo 'echo started' >&4
	wait_until 5 grep -q started "$BATS_TEST_TMPDIR/log"
	kill -TERM "$DEMO"
	local status=0
	wait "$DEMO" || status=$?
	exec 4>&-
	cat "$BATS_TEST_TMPDIR/log"
	[ "$status" -eq 143 ]
	gone "$CHILD"
	[ -z "$(cgns_dirs "$DEMO")" ]
}

@test "cgroupns: after SIGKILL the cgroups stay, and nslab-clean lists them" {
	require_root
	start_held "$CGNS_DEMO"
	local demo=$HELD_DEMO child=$HELD_PID cg dirs
	stop_held KILL
	[ "$HELD_STATUS" -eq 137 ]
	# The child dies with the demo (PR_SET_PDEATHSIG); its cgroups stay.
	wait_until 5 gone "$child"
	dirs=$(cgns_dirs "$demo")
	[ -n "$dirs" ]
	# nslab-clean (listing only: --yes would touch other runs) finds each.
	run -0 "$NSLAB_CLEAN"
	for cg in $dirs; do
		[[ "$output" == *"  cgroup: $cg"* ]]
	done
	# What nslab-clean --yes does to a cgroup: empty it, rmdir it.
	for cg in $dirs; do
		wait_until 5 test -z "$(cat "$cg/cgroup.procs")"
		rmdir "$cg"
	done
}

@test "cgroupns: --quiet prints only result lines, without colour codes" {
	require_root
	run -0 env -u NO_COLOR "$CGNS_DEMO" --quiet
	[ -n "$output" ]
	run ! grep -v '^==> ' <<<"$output"
	[[ "$output" != *$'\033'* ]]
}

@test "cgroupns: bad input is a usage error (exit 2) that creates nothing" {
	local before
	before=$(nslab_cgroups)
	run -2 "$CGNS_DEMO" --no-such-option
	[[ "$output" == *"Usage: cgroupns_demo"* ]]
	run -2 "$CGNS_DEMO" stray-argument
	[[ "$output" == *"unexpected argument"* ]]
	run -2 "$CGNS_DEMO" --hold --shell
	run -2 "$CGNS_DEMO" --pidfile ""
	run -2 "$CGNS_DEMO" --pidfile /nonexistent/dir/pid
	[[ "$output" != *"mkdir("* ]]
	[ "$(nslab_cgroups)" = "$before" ]
}

@test "cgroupns: an unprivileged user gets exit 1 and a message about root or sudo" {
	require_root
	require_cmd setpriv
	local demo before
	copy_for_nobody "$CGNS_DEMO"; demo=$NOBODY_COPY
	before=$(nslab_cgroups)
	run -1 --separate-stderr as_nobody "$demo"
	[[ "$stderr" == *"mkdir("*"E"@(ACCES|PERM)*"sudo"* ]]
	[ "$(nslab_cgroups)" = "$before" ]
}

@test "cgroupns: the commands printed under --hold run, and show what the page says" {
	require_root
	require_cmd nsenter
	start_held "$CGNS_DEMO"
	local line n=0
	while read -r line; do
		[[ "$line" == *" $HELD_PID"* || "$line" == *"/$HELD_PID/"* ]]
		run -0 bash -c "${line#sudo }"
		case "$line" in
		*"-C cat /proc/$HELD_PID/cgroup") run ! grep -v ':/$' <<<"$output" ;;
		*"-C cat /proc/self/cgroup") [[ "$output" == *":/.."* ]] ;;
		"cat /proc/$HELD_PID/cgroup") [[ "$output" == *"nslab-cgns-$HELD_DEMO"* ]] ;;
		*mountinfo) [[ "$output" == *" nslab-cgns "* ]] ;;
		"sudo ls "*) [[ "$output" == *"cgroup.procs"* ]] ;;
		*) fail "a command this test does not know: $line" ;;
		esac
		n=$((n + 1))
	done < <(sed -n '/^Holding/,/^Press/p' "$HELD_LOG" | grep '^    ' | sed 's/^ *//')
	[ "$n" -eq 5 ]
	stop_held TERM
}

@test "cgroupns: a cgroup of the demo's name already there (a live run elsewhere): EEXIST with a hint, exit 1, and that cgroup untouched" {
	require_root
	# The name holds the demo's PID, and a PID is not unique: a killed
	# run's cgroups stay until PIDs wrap round, and every run in a PID
	# namespace of its own (a container) is PID 1 - as here, under
	# unshare --pid, whose demo's cgroup is nslab-cgns-1.  The one already
	# there is another run's, alive: a process in it, a cgroup below it.
	# It stands in one hierarchy at a time: the demo then has made its own
	# in those before it, which it must remove - and that one alone.
	local mnt kind path cg ino n=0
	while read -r mnt kind; do
		if [ "$kind" = v1 ]; then
			path=$(line_for v1 </proc/self/cgroup | cut -d: -f3)
			cg=$mnt${path%/}/nslab-cgns-1
		else
			cg=$mnt/nslab-cgns-1
		fi
		[ ! -e "$cg" ] || fail "$cg exists before the test"
		mkdir "$cg" "$cg/nslab-sub"
		STAND_INS+=("$cg" "$cg/nslab-sub")
		outsider
		echo "$OUTSIDER" >"$cg/cgroup.procs"
		ino=$(stat -c %i "$cg")
		run -1 --separate-stderr unshare --pid --fork --mount-proc "$CGNS_DEMO"
		echo "$kind: $stderr"
		[[ "$stderr" == *"mkdir(\"$cg\") failed: EEXIST"*"nslab-clean --yes"* ]]
		# The other run's cgroup is the same directory, with its process
		# (alive) and its own cgroup; no other nslab-cgns-1 is left.
		[ "$(stat -c %i "$cg")" = "$ino" ]
		run ! gone "$OUTSIDER"
		[ "$(cat "$cg/cgroup.procs")" = "$OUTSIDER" ]
		[ "$(line_for "$kind" <"/proc/$OUTSIDER/cgroup" | cut -d: -f3)" = "${cg#"$mnt"}" ]
		[ -d "$cg/nslab-sub" ]
		[ "$(cgns_dirs 1)" = "$cg" ]
		remove_stand_ins
		n=$((n + 1))
	done < <(hierarchies)
	[ "$n" -ge 1 ]
}

# run_without_cgroups SETUP: run the demo in a throwaway mount namespace
# after the shell commands SETUP, which hide the host's cgroup file
# systems from it; then, still inside, list what /sys/fs/cgroup holds
# ("inside: ...").  Sets status, output and stderr.
run_without_cgroups() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	run --separate-stderr unshare --mount --propagation private sh -c "$1"'
		"$0" </dev/null
		status=$?
		echo "inside: $(ls -A /sys/fs/cgroup | tr "\n" " ")"
		exit $status' "$CGNS_DEMO"
}

# After run_without_cgroups, no_cgroups_said CGROUPS MOUNTS "$status"
# "$output": exit 1, one line that says what is missing, not a step
# narrated, and on the host no cgroup (CGROUPS: nslab_cgroups before) or
# mount (MOUNTS: cgroup_mounts before) more.
no_cgroups_said() {
	echo "$4"
	echo "$stderr"
	[ "$3" -eq 1 ]
	[ "$stderr" = "cgroupns_demo: finding a cgroup mount in /proc/self/mountinfo failed: ENOENT (No such file or directory): no cgroup file system mounted (some containers) — run the lab in the VM" ]
	[[ "$4" == "inside: "* ]]
	[ "$(grep -c . <<<"$4")" -eq 1 ]
	[ "$(nslab_cgroups)" = "$1" ]
	[ "$(cgroup_mounts)" = "$2" ]
}

@test "cgroupns: with no cgroup file system mounted, the demo says so and exits 1, leaving nothing on the host" {
	require_root
	local cgroups mounts
	cgroups=$(nslab_cgroups) mounts=$(cgroup_mounts)
	# Every cgroup mount goes (deepest first), /sys/fs/cgroup's tmpfs too;
	# the inner shell's mountinfo is the witness that none is left.
	# shellcheck disable=SC2016 # expanded by the inner sh
	run_without_cgroups 'awk "/ - cgroup2? / || \$5 == \"/sys/fs/cgroup\" {print \$5}" /proc/self/mountinfo |
			sort -r | while read -r m; do umount "$m" || exit 98; done || exit 98
		! grep -E " - cgroup2? " /proc/self/mountinfo || exit 99'
	no_cgroups_said "$cgroups" "$mounts" "$status" "$output"
}

@test "cgroupns: an empty tmpfs over /sys/fs/cgroup hides the cgroup mounts still listed in mountinfo: the demo says none is mounted, makes nothing" {
	require_root
	local cgroups mounts setup
	cgroups=$(nslab_cgroups) mounts=$(cgroup_mounts)
	# This host's own layout, hidden under a tmpfs.
	run_without_cgroups 'mount -t tmpfs none /sys/fs/cgroup || exit 98'
	no_cgroups_said "$cgroups" "$mounts" "$status" "$output"
	[ "$output" = "inside: " ]
	# The VM's layout, cgroup2 on /sys/fs/cgroup itself, hidden the same
	# way: there a mkdir would succeed, on the tmpfs.  (The cgroup2 mount
	# is made in a cgroup namespace of its own: a mount from the host's
	# would set the machine-wide cgroup2 options, nsdelegate among them, to
	# its own.)
	setup='umount -R /sys/fs/cgroup || exit 98
		unshare --cgroup mount -t cgroup2 none /sys/fs/cgroup || exit 98
		mount -t tmpfs none /sys/fs/cgroup || exit 98'
	run_without_cgroups "$setup"
	no_cgroups_said "$cgroups" "$mounts" "$status" "$output"
	[ "$output" = "inside: " ]
}

@test "cgroupns: where cgroup2 has nsdelegate, root inside the namespace cannot move a process from outside into it (ENOENT)" {
	require_root
	require_cmd nsenter
	local v2 cg before
	v2=$(cg_mount cgroup2)
	[ -n "$v2" ] || skip "no cgroup2 mount on this host"
	[ -n "$(cg_mount cgroup2 nsdelegate)" ] ||
		skip "cgroup2 is mounted without nsdelegate here, and nsdelegate is one setting for the whole machine: a throwaway mount with it would set it for the host's cgroup2 too (tests/distro/run's Debian 13 guest has it)"
	outsider
	before=$(line_for v2 <"/proc/$OUTSIDER/cgroup")
	start_held "$CGNS_DEMO"
	cg=$(demo_cg "$v2" "$HELD_DEMO")
	# The page's own command, with a process of the test's for PID 1.
	run ! nsenter -t "$HELD_PID" -C -m bash -c "/bin/echo $OUTSIDER > $v2/cgroup.procs"
	[[ "$output" == *"No such file or directory"* ]]
	# The host's view: the outsider is where it was, the lab's cgroup holds
	# the child alone.
	[ "$(line_for v2 <"/proc/$OUTSIDER/cgroup")" = "$before" ]
	[ "$(cat "$cg/cgroup.procs")" = "$HELD_PID" ]
	stop_held TERM
	# The lab killed nothing that was not in its cgroup.
	run ! gone "$OUTSIDER"
}

@test "cgroupns: where cgroup2 has no nsdelegate, root inside the namespace moves a process from outside into it, and the lab's end kills it" {
	require_root
	require_cmd nsenter
	local v2 cg
	v2=$(cg_mount cgroup2)
	[ -n "$v2" ] || skip "no cgroup2 mount on this host"
	[ -z "$(cg_mount cgroup2 nsdelegate)" ] ||
		skip "cgroup2 is mounted with nsdelegate here (the test above checks the wall)"
	# The page warns that this moves the host's PID 1; a sleep of the
	# test's stands in for it.
	outsider
	start_held "$CGNS_DEMO"
	cg=$(demo_cg "$v2" "$HELD_DEMO")
	run -0 nsenter -t "$HELD_PID" -C -m bash -c "/bin/echo $OUTSIDER > $v2/cgroup.procs"
	# The host sees it in the lab's cgroup, beside the child.
	[ "$(line_for v2 <"/proc/$OUTSIDER/cgroup")" = "0::${cg#"$v2"}" ]
	grep -qx "$OUTSIDER" "$cg/cgroup.procs"
	grep -qx "$HELD_PID" "$cg/cgroup.procs"
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	# The page's "What can go wrong": it is killed before the rmdir.
	wait_until 5 gone "$OUTSIDER"
	[ ! -d "$cg" ]
}

@test "cgroupns: nothing named nslab is left behind" {
	assert_nothing_left
}
