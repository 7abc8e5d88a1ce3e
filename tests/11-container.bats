#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# Lab 11, the capstone: mini_container, every lab at once.
# Observers: tools/nsinfo and lsns (which namespaces differ from the
# host's), nsenter (hostname, ps, ip, findmnt inside), the host's hostname,
# mount table and links, ping across the veth, the cgroup's own files
# (limits, pids.events, memory.events / memory.oom_control), /proc/vmstat,
# and the host's /proc/PID/uid_map of a rootless run.

load test_helper

MINI=$KIT/labs/11-container/mini_container

setup_file() {
	snapshot_before
	ctr_snapshot >"$BATS_FILE_TMPDIR/ctr-before"
}
setup() { require_built "$MINI"; }
teardown() {
	reap_held
	release_netns
	if [ -n "${FIRST_DEMO:-}" ]; then
		HELD_DEMO=$FIRST_DEMO FIRST_DEMO=
		reap_held
	fi
	if [ -n "${SCRATCH:-}" ]; then rm -rf "$SCRATCH"; fi
	if [ -n "${ROOTFS_COPY:-}" ]; then rm -rf "$ROOTFS_COPY"; fi
}

# What this lab leaves if anything: its links, cgroups, mounts, processes.
ctr_snapshot() {
	nslab_snapshot | grep -E 'nslab-c[0-9]|nslab-ctr-|nslab-(tmp|dev)' || true
	pgrep -a -f 'mini_container( |$)' | grep -v -e bats -e pgrep || true
}

# hold_ctr [ARGS...] [-- COMMAND...]: like start_held, with --hold and
# --pidfile put first, where they are options and not the COMMAND's words.
hold_ctr() {
	HELD_LOG=$BATS_TEST_TMPDIR/held.log
	rm -f "$BATS_TEST_TMPDIR/held.pid"
	"$MINI" --hold --pidfile "$BATS_TEST_TMPDIR/held.pid" "$@" </dev/null >"$HELD_LOG" 2>&1 3>&- &
	HELD_DEMO=$!
	wait_until 10 test -s "$BATS_TEST_TMPDIR/held.pid" || { cat "$HELD_LOG" >&2; return 1; }
	HELD_PID=$(cat "$BATS_TEST_TMPDIR/held.pid")
	wait_until 5 grep -q '^Holding' "$HELD_LOG"
}

# The cgroup directories a mini_container with PID $1 made, one a line.
ctr_cgroups() { find /sys/fs/cgroup -maxdepth 8 -type d -name "nslab-ctr-$1" 2>/dev/null || true; }
# The one of them that has FILE ($2): the memory one, the pids one.
ctr_cgroup_with() {
	local d
	for d in $(ctr_cgroups "$1"); do
		if [ -e "$d/$2" ]; then echo "$d"; fi
	done
}
mem_cgroup() { ctr_cgroup_with "$1" memory.max; ctr_cgroup_with "$1" memory.limit_in_bytes; }
pids_cgroup() { ctr_cgroup_with "$1" pids.max; }
# The memory limit and pids.max of demo DEMO's cgroups, as the kernel
# keeps them (empty where the cgroup or the file is missing).
mem_limit() { cat "$(limit_file "$(mem_cgroup "$1")")" 2>/dev/null; }
pids_limit() { cat "$(pids_cgroup "$1")/pids.max" 2>/dev/null; }
# Every link on the host, by name, sorted.
host_links() { ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort; }
# The namespace ids of PID as lsns lists them: "TYPE NS" lines, sorted.
# lsns from util-linux 2.38 (Debian 12) can stop its scan of /proc when a
# process vanishes under it (test_helper's lsns_shows): then it lists fewer
# types than the process has.  Ask again until every type is there.
lsns_of() {
	local out want
	want=$(find "/proc/$1/ns" -mindepth 1 ! -name '*_for_children' | wc -l)
	for _ in 1 2 3 4 5; do
		out=$(lsns -n -p "$1" -o TYPE,NS | sort)
		[ "$(wc -l <<<"$out")" -ge "$want" ] && break
	done
	echo "$out"
}

# A directory every user can reach and write, for a run by nobody.
scratch() {
	if [ -z "${SCRATCH:-}" ]; then
		SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/lab11.XXXXXX")
		chmod 1777 "$SCRATCH"
	fi
}

# The program as nobody runs it: in place if nobody can reach it (then it
# finds labs/rootfs by itself), else a copy, told where the rootfs is.
NOBODY_ARGS=()
mini_for_nobody() {
	if as_nobody test -x "$MINI"; then
		NOBODY_MINI=$MINI
		return
	fi
	scratch
	mkdir -p "$SCRATCH/bin"
	cp "$MINI" "$SCRATCH/bin/"
	chmod 755 "$SCRATCH/bin" "$SCRATCH/bin/mini_container"
	NOBODY_MINI=$SCRATCH/bin/mini_container
	NOBODY_ARGS=(--rootfs "$KIT/labs/rootfs")
	# The kit may sit in a home directory closed to others (Debian 13,
	# Ubuntu 21.04+): then a copy of the rootfs, at a path that still
	# ends in labs/rootfs (the page's transcript shows <kit>/labs/rootfs).
	if ! as_nobody test -r "$KIT/labs/rootfs/.nslab-rootfs"; then
		mkdir -p "$SCRATCH/labs"
		chmod 755 "$SCRATCH/labs"
		cp -a "$KIT/labs/rootfs" "$SCRATCH/labs/rootfs"
		NOBODY_ARGS=(--rootfs "$SCRATCH/labs/rootfs")
	fi
}

# Skip, saying why, where this machine refuses an ordinary user a user
# namespace (Lab 07's tests diagnose each switch).
require_rootless() {
	require_cmd setpriv
	mini_for_nobody
	local out
	out=$(cd / && as_nobody "$NOBODY_MINI" "${NOBODY_ARGS[@]}" --rootless --quiet -- true 2>&1) && return 0
	if [ -r /proc/sys/kernel/apparmor_restrict_unprivileged_userns ] &&
		[ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns)" != 0 ]; then
		skip "AppArmor restricts unprivileged user namespaces here (walkthrough/11-container.md)"
	fi
	if [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null)" = 0 ]; then
		skip "kernel.unprivileged_userns_clone is 0: only root may create user namespaces"
	fi
	echo "$out" >&2
	return 1
}

# hold_ctr_as_nobody: hold_ctr, with a --rootless run by nobody
# (setpriv itself in the background, so that $! is the program).
hold_ctr_as_nobody() {
	scratch
	HELD_LOG=$SCRATCH/held.log
	(cd / && exec setpriv --reuid=65534 --regid=65534 --clear-groups "$NOBODY_MINI" \
		"${NOBODY_ARGS[@]}" --rootless --hold --pidfile "$SCRATCH/held.pid") \
		</dev/null >"$HELD_LOG" 2>&1 3>&- &
	HELD_DEMO=$!
	wait_until 10 test -s "$SCRATCH/held.pid" || { cat "$HELD_LOG" >&2; return 1; }
	HELD_PID=$(cat "$SCRATCH/held.pid")
	wait_until 5 grep -q '^Holding' "$HELD_LOG"
}

@test "container: --help describes the lab and exits 0" {
	run -0 "$MINI" --help
	[[ "$output" == *"Usage: mini_container"* ]]
	[[ "$output" == *"COMMAND"* ]]
	local o
	for o in --hostname --memory --pids --no-net --rootless --rootfs --hold; do
		[[ "$output" == *"$o"* ]]
	done
}

@test "container: a run tells 13 steps, each naming the lab that taught it" {
	require_root
	run -0 "$MINI" </dev/null
	local n
	for n in 1 2 3 4 5 6 7 8 9 10 11 12 13; do
		grep -q "^\[$n\] " <<<"$output"
	done
	grep -q '^\[1\] .*see Lab 05' <<<"$output"
	grep -q '^\[2\] ' <<<"$output"
	grep -q 'UTS: Lab 01, PID: Lab 02, mount: Labs 03 and 06, IPC: Lab 08, network: Lab 04' <<<"$output"
	grep -q '^\[3\] .*see Lab 07' <<<"$output"
	grep -q '^\[5\] .*' <<<"$output"
	grep -q 'see Lab 04$' <<<"$output"
	grep -q '^\[6\] .*see Lab 09$' <<<"$output"
	grep -q '^\[7\] .*see Lab 01$' <<<"$output"
	grep -q '^\[8\] .*see Lab 04$' <<<"$output"
	grep -q 'see Labs 02, 03 and 06$' <<<"$output"
	grep -q '^\[10\] pivot_root\|^\[10\] .*pivot_root.*see Lab 06$' <<<"$output"
	grep -q '^\[12\] .*see Lab 02$' <<<"$output"
}

@test "container: tools/nsinfo and lsns see cgroup, ipc, mnt, net, pid and uts of its own" {
	require_root
	require_cmd lsns
	hold_ctr
	run -0 "$NSINFO" "$HELD_PID"
	local t
	for t in cgroup ipc mnt net pid uts; do
		grep -Eq "^$t +[0-9]+ +[0-9]+ +different$" <<<"$output"
	done
	for t in time user; do
		grep -Eq "^$t +[0-9]+ +[0-9]+ +same$" <<<"$output"
	done
	# lsns, independently: every type it lists differs from the host's
	# except time and user, and its ids are the kernel's inodes.
	local host child
	host=$(lsns_of $$)
	child=$(lsns_of "$HELD_PID")
	for t in cgroup ipc mnt net pid uts; do
		[ "$(awk -v t="$t" '$1 == t {print $2}' <<<"$child")" = "$(ns_inode "$HELD_PID" "$t")" ]
		[ "$(awk -v t="$t" '$1 == t {print $2}' <<<"$child")" != "$(awk -v t="$t" '$1 == t {print $2}' <<<"$host")" ]
	done
	for t in time user; do
		[ "$(awk -v t="$t" '$1 == t {print $2}' <<<"$child")" = "$(awk -v t="$t" '$1 == t {print $2}' <<<"$host")" ]
	done
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "container: the hostname changes inside only, during the run and after it" {
	require_root
	require_cmd nsenter
	local before
	before=$(hostname)
	hold_ctr --hostname nslab-lab11
	run -0 nsenter -t "$HELD_PID" -u hostname
	[ "$output" = nslab-lab11 ]
	[ "$(hostname)" = "$before" ]
	stop_held TERM
	run -0 "$MINI" --quiet --hostname nslab-lab11b -- hostname
	[[ "$output" == *$'\nnslab-lab11b\n'* ]]
	[ "$(hostname)" = "$before" ]
	[ "$(cat /proc/sys/kernel/hostname)" = "$before" ]
}

@test "container: inside, a read-only rootfs with its own proc, /tmp and /dev; the host's mounts unchanged" {
	require_root
	require_cmd findmnt
	local before rootfs_before
	before=$(mount_state)
	rootfs_before=$(find "$KIT/labs/rootfs" -printf '%y %m %s %p\n' | sort)
	hold_ctr
	run -0 findmnt -N "$HELD_PID" -n -l -o TARGET,FSTYPE,OPTIONS
	echo "$output"
	grep -Eq '^/ +[a-z0-9]+ +ro,' <<<"$output"
	grep -Eq '^/proc +proc +rw,nosuid,nodev,noexec' <<<"$output"
	grep -Eq '^/tmp +tmpfs +rw,nosuid,nodev' <<<"$output"
	# (mode=1777 is tmpfs's default, so mountinfo omits it: ask the directory.)
	[ "$(stat -c %a "/proc/$HELD_PID/root/tmp")" = 1777 ]
	grep -Eq '^/dev +tmpfs +rw,nosuid,nodev,noexec' <<<"$output"
	grep -Eq '^/dev/null ' <<<"$output"
	# The old root is detached: the host's other mounts are not there.
	[ "$(grep -c . <<<"$output")" -eq 10 ]
	run ! grep -Eq '^/(sys|run|boot|home)' <<<"$output"
	# The root is the rootfs itself (same inode), seen from the host.
	[ "$(stat -L -c %d:%i "/proc/$HELD_PID/root")" = "$(stat -c %d:%i "$KIT/labs/rootfs")" ]
	# Nothing of it is in the host's table.
	run ! grep -E 'nslab-(tmp|dev)' /proc/self/mountinfo
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	[ "$(mount_state)" = "$before" ]
	# The container cannot write into labs/rootfs, and did not.
	run -0 "$MINI" --quiet -- sh -c 'touch /nslab-x 2>&1; echo "status $?"; touch /tmp/ok && echo tmp-ok'
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *"tmp-ok"* ]]
	[ "$(find "$KIT/labs/rootfs" -printf '%y %m %s %p\n' | sort)" = "$rootfs_before" ]
	[ "$(mount_state)" = "$before" ]
}

@test "container: on a stand-in host whose mounts are all shared (as under systemd), nothing of the container's reaches it" {
	require_root
	# Without step 9's MS_REC|MS_PRIVATE, pivot_root refuses (EINVAL) and
	# the container's mounts would reach this table.  (A namespace made
	# private first, then shared: nothing reaches the real host.)
	# shellcheck disable=SC2016 # expanded by the inner bash
	run -0 unshare --mount --propagation private bash -c 'mount --make-rshared / || exit 90
		"$1" --quiet -- true || exit 91
		! grep -q nslab /proc/self/mountinfo' _ "$MINI"
}

@test "container: the old root is out of reach: nsenter -m finds no host path, mountinfo no old-root entry" {
	require_root
	require_cmd nsenter
	local marker=$BATS_TEST_TMPDIR/host-only host_root
	touch "$marker"
	hold_ctr
	# Entering only the mount namespace puts nsenter at that namespace's
	# root: after pivot_root and the old root's detaching, the rootfs, and
	# no path of the host's leads anywhere.  (After a mere chroot, the
	# namespace's root would still be the host's /.)
	run -0 nsenter -m -t "$HELD_PID" /bin/ls /
	[ "$(sort <<<"$output")" = "$(find "$KIT/labs/rootfs" -mindepth 1 -maxdepth 1 ! -name '.*' -printf '%f\n' | sort)" ]
	local p
	for p in "$marker" "$KIT/Makefile" /sys/fs/cgroup; do
		run ! nsenter -m -t "$HELD_PID" /bin/ls -d "$p"
	done
	# The kernel's own table for the process: exactly one mount on /, and
	# not the host's root (its device, and "/" as the root of the mount).
	host_root=$(awk '$5 == "/" {print $3, $4}' /proc/self/mountinfo | tail -1)
	cat "/proc/$HELD_PID/mountinfo"
	[ "$(awk '$5 == "/"' "/proc/$HELD_PID/mountinfo" | grep -c .)" -eq 1 ]
	# shellcheck disable=SC2016 # awk's own fields
	run ! awk -v r="$host_root" '$3 " " $4 == r {f = 1} END {exit !f}' "/proc/$HELD_PID/mountinfo"
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "container: --rootfs DIR is the container's /, seen from the host; labs/rootfs is not" {
	require_root
	require_cmd nsenter
	local copy root
	# A copy of labs/rootfs, with a file only the copy has.
	ROOTFS_COPY=$(mktemp -d "${TMPDIR:-/tmp}/nslab-test-rootfs.XXXXXX")
	copy=$ROOTFS_COPY/rootfs
	cp -a "$KIT/labs/rootfs" "$copy"
	touch "$copy/only-in-the-copy"
	hold_ctr --rootfs "$copy"
	# The container's root is the copy's directory (same inode), not labs/rootfs.
	[ "$(stat -L -c %d:%i "/proc/$HELD_PID/root")" = "$(stat -c %d:%i "$copy")" ]
	[ "$(stat -L -c %d:%i "/proc/$HELD_PID/root")" != "$(stat -c %d:%i "$KIT/labs/rootfs")" ]
	# Inside its mount namespace, / lists the copy's own file.
	run -0 nsenter -m -t "$HELD_PID" /bin/ls /
	grep -qx only-in-the-copy <<<"$output"
	[ ! -e "$KIT/labs/rootfs/only-in-the-copy" ]
	# The kernel's table: the one mount on / is the copy's directory,
	# bound from the file system it lives on (the 4th field is that path).
	root=$(awk '$5 == "/" {print $4}' "/proc/$HELD_PID/mountinfo")
	echo "root of /: $root"
	[[ "$root" == */"${ROOTFS_COPY##*/}"/rootfs ]]
	[[ "$copy" == *"$root" ]]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "container: the command is PID 1, and ps inside shows only the container's processes" {
	require_root
	require_cmd nsenter
	run -0 "$MINI" --quiet -- ps -o pid,comm
	[ "$(grep -Ev '^==> ' <<<"$output")" = "$(printf 'PID   COMMAND\n    1 ps')" ]
	hold_ctr -- sleep 300
	[ "$(nspid "$HELD_PID")" = "$HELD_PID 1" ]
	# From the host: one process in its PID namespace, the sleep.
	[ "$(pids_in_pid_ns "$HELD_PID")" = "$HELD_PID" ]
	# From inside, through nsenter: PID 1 is sleep, and ps is the only other.
	run -0 nsenter -t "$HELD_PID" -a ps -o pid,comm
	[ "$(sed 1d <<<"$output" | awk '{print $2}' | sort | tr '\n' ' ')" = "ps sleep " ]
	grep -Eq '^ +1 sleep$' <<<"$output"
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	gone "$HELD_PID"
}

@test "container: a veth to the host, both ends up with addresses; ping crosses it both ways" {
	require_root
	require_cmd ip nsenter ping
	local before h
	before=$(host_links)
	hold_ctr --subnet 10.231.0.0/24
	h=nslab-c$HELD_DEMO
	run -0 ip -br addr show dev "$h"
	[[ "$output" == *" UP "*"10.231.0.1/24"* ]]
	run -0 nsenter -t "$HELD_PID" -n ip -br addr show dev eth0
	[[ "$output" == eth0@*" UP "*"10.231.0.2/24"* ]]
	run -0 nsenter -t "$HELD_PID" -n ip -o link show lo
	[[ "$output" == *"<LOOPBACK,UP,LOWER_UP>"* ]]
	run -0 ping -c 1 -W 2 -I "$h" 10.231.0.2
	[[ "$output" == *"1 received"* ]]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	link_gone "$h"
	[ "$(host_links)" = "$before" ]
	# From inside, the container's own ping (busybox) reaches the host end.
	run -0 "$MINI" --quiet --subnet 10.232.0.0/24 -- ping -c 1 -W 2 10.232.0.1
	[[ "$output" == *"1 packets received"* ]]
	[ "$(host_links)" = "$before" ]
}

@test "container: --no-net leaves a network namespace with lo alone, and no link on the host" {
	require_root
	require_cmd ip nsenter unshare
	local fresh before
	fresh=$(unshare --net ip -o link show | grep -c .)
	before=$(host_links)
	hold_ctr --no-net
	run -0 nsenter -t "$HELD_PID" -n ip -o link show
	[ "$(grep -c . <<<"$output")" -eq "$fresh" ]
	# lo is up all the same (step 8 does that with or without a veth).
	grep -Eq '^1: lo: <LOOPBACK,UP,LOWER_UP>' <<<"$output"
	run ! grep -q eth0 <<<"$output"
	[ "$(host_links)" = "$before" ]
	[ "$(ns_inode "$HELD_PID" net)" != "$(ns_inode self net)" ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "container: the cgroup holds the limits and the container; inside, its cgroup is /" {
	require_root
	hold_ctr --memory 48M --pids 24
	local mem pids
	mem=$(mem_cgroup "$HELD_DEMO")
	pids=$(pids_cgroup "$HELD_DEMO")
	[ -n "$mem" ]
	[ -n "$pids" ]
	[ "$(cat "$(limit_file "$mem")")" -eq $((48 * 1024 * 1024)) ]
	# Swap is kept out: v2 allows it none, v1 caps memory+swap at the limit.
	if [ -e "$mem/memory.swap.max" ]; then
		[ "$(cat "$mem/memory.swap.max")" = 0 ]
	elif [ -e "$mem/memory.memsw.limit_in_bytes" ]; then
		[ "$(cat "$mem/memory.memsw.limit_in_bytes")" -eq $((48 * 1024 * 1024)) ]
	fi
	[ "$(cat "$pids/pids.max")" = 24 ]
	grep -qx "$HELD_PID" "$mem/cgroup.procs"
	grep -qx "$HELD_PID" "$pids/cgroup.procs"
	grep -q "nslab-ctr-$HELD_DEMO" "/proc/$HELD_PID/cgroup"
	local demo=$HELD_DEMO # (stop_held forgets it)
	stop_held TERM
	[ -z "$(ctr_cgroups "$demo")" ]
	# Its cgroup namespace is rooted there: inside, the path is "/".
	run -0 "$MINI" --quiet -- cat /proc/self/cgroup
	if [ "$(memory_cgroup_version)" = 1 ]; then
		grep -Eq '^[0-9]+:memory:/$' <<<"$output"
		grep -Eq '^[0-9]+:pids:/$' <<<"$output"
	else
		grep -qx '0::/' <<<"$output"
	fi
}

@test "container: by default 256M of memory, 64 processes, 10.230.0.0/24 and nslab-ctr, as the host sees them" {
	require_root
	require_cmd ip nsenter
	hold_ctr
	[ "$(mem_limit "$HELD_DEMO")" = $((256 * 1024 * 1024)) ]
	[ "$(pids_limit "$HELD_DEMO")" = 64 ]
	run -0 ip -br addr show dev "nslab-c$HELD_DEMO"
	[[ "$output" == *" UP "*"10.230.0.1/24"* ]]
	run -0 nsenter -t "$HELD_PID" -n ip -br addr show dev eth0
	[[ "$output" == eth0@*" UP "*"10.230.0.2/24"* ]]
	run -0 nsenter -t "$HELD_PID" -u hostname
	[ "$output" = nslab-ctr ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "container: a fork bomb inside stops at pids.max, counted in pids.events; the host is fine" {
	require_root
	# Bounded on purpose: 200 tries at most, even with no limit at all.
	# shellcheck disable=SC2016 # the container's shell expands these
	hold_ctr --pids 16 -- sh -c \
		'(i=0; while [ $i -lt 200 ]; do sleep 300 & i=$((i+1)); done) 2>/dev/null; exec sleep 300'
	local pids demo=$HELD_DEMO pidns
	pids=$(pids_cgroup "$HELD_DEMO")
	pidns=$(ns_inode "$HELD_PID" pid)
	# (awk reads the file at each try: a $(...) here would be read once.)
	# shellcheck disable=SC2016 # awk's own fields
	wait_until 10 awk '$1 == "max" && $2 >= 1 {f = 1} END {exit !f}' "$pids/pids.events"
	[ "$(cat "$pids/pids.current")" -le 16 ]
	[ "$(cat "$pids/pids.current")" -ge 14 ]
	# The host goes on forking as before.
	run -0 sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true & done; wait; echo fine'
	[ "$output" = fine ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	# Every process of the bomb died with the container's PID 1: none is
	# left in its PID namespace (by the inode read while it ran).
	# shellcheck disable=SC2016 # $1 is the inner bash's own
	wait_until 5 bash -c '! stat -L -c %i /proc/[0-9]*/ns/pid 2>/dev/null | grep -qx "$1"' _ "$pidns"
	[ -z "$(ctr_cgroups "$demo")" ]
}

@test "container: an allocation past --memory is OOM-killed, counted in oom_kill" {
	require_root
	local kills_before mem
	kills_before=$(awk '$1 == "oom_kill" {print $2}' /proc/vmstat)
	hold_ctr --memory 16M -- sh -c \
		'dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo "dd: $?"; exec sleep 300'
	wait_until 10 grep -q '^dd: ' "$HELD_LOG"
	grep -q '^dd: 137$' "$HELD_LOG"
	mem=$(mem_cgroup "$HELD_DEMO")
	[ "$(oom_kills "$mem")" -ge 1 ]
	[ "$(awk '$1 == "oom_kill" {print $2}' /proc/vmstat)" -gt "$kills_before" ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	# As PID 1 itself, the killed command is the container's exit status.
	run -137 "$MINI" --memory 16M -- dd if=/dev/zero of=/dev/null bs=64M count=1
	grep -Eq 'oom_kill 1$' <<<"$output"
}

@test "container: --rootless, run by nobody: root inside, 0 -> 65534 in the maps the host sees" {
	require_root
	require_rootless
	local before_links before_cgroups
	before_links=$(host_links)
	before_cgroups=$(nslab_cgroups)
	hold_ctr_as_nobody
	[ "$(awk '{print $1, $2, $3}' "/proc/$HELD_PID/uid_map")" = "0 65534 1" ]
	[ "$(awk '{print $1, $2, $3}' "/proc/$HELD_PID/gid_map")" = "0 65534 1" ]
	[ "$(cat "/proc/$HELD_PID/setgroups")" = deny ]
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$HELD_PID/status")" = 65534 ]
	run -0 "$NSINFO" "$HELD_PID"
	[[ "$output" == *"7 of 8 namespace types differ"* ]]
	grep -Eq '^user +[0-9]+ +[0-9]+ +different$' <<<"$output"
	# What needs the host's root was left out: no cgroup, no link.
	[ "$(host_links)" = "$before_links" ]
	[ "$(nslab_cgroups)" = "$before_cgroups" ]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	# Inside: uid 0, its own hostname, PID 1, only lo.
	run -0 sh -c "cd / && setpriv --reuid=65534 --regid=65534 --clear-groups $NOBODY_MINI \
		${NOBODY_ARGS[*]} --rootless --quiet -- sh -c 'id -u; hostname; echo \$\$; ip -o link | wc -l'"
	[[ "$output" == *$'\n0\nnslab-ctr\n1\n1\n'* ]]
	[[ "$output" == *"nothing was made on the host"* ]]
}

@test "container: the page's --rootless transcript matches a run by nobody" {
	require_root
	require_rootless
	local page=$BATS_TEST_TMPDIR/page.md
	# The block that starts with "$ labs/11-container/mini_container
	# --rootless", run by nobody through the doc test's own matching.
	{
		printf '%s\n\n' '<!-- doctest: run all -->'
		echo '```console'
		echo "\$ cd / && setpriv --reuid=65534 --regid=65534 --clear-groups $NOBODY_MINI ${NOBODY_ARGS[*]} --rootless -- id"
		awk '/^```console/ {b = 1; next} /^```/ {b = 0; on = 0}
		     b && /^\$ / {on = ($0 == "$ labs/11-container/mini_container --rootless -- id"); next}
		     on' "$KIT/walkthrough/11-container.md"
		echo '```'
	} >"$page"
	[ "$(wc -l <"$page")" -gt 20 ] || fail "no '\$ labs/11-container/mini_container --rootless -- id' on the page"
	run "$KIT/tests/doctest" "$page"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "container: --rootless refuses what needs the host's root, with exit 2" {
	local o
	for o in "--memory 64M" "--pids 8" "--subnet 10.233.0.0/24"; do
		# shellcheck disable=SC2086 # $o is an option and its value
		run -2 "$MINI" --rootless $o
		[[ "$output" == *"needs the host's root"* ]]
	done
}

@test "container: SIGTERM or SIGINT during --hold exits 0 and leaves nothing" {
	require_root
	local sig before child demo
	before=$(ctr_snapshot)
	for sig in TERM INT; do
		hold_ctr -- sleep 300
		child=$HELD_PID demo=$HELD_DEMO
		[ -n "$(ctr_cgroups "$demo")" ]
		ip link show "nslab-c$demo" >/dev/null
		stop_held "$sig"
		[ "$HELD_STATUS" -eq 0 ]
		gone "$child"
		[ ! -e "$BATS_TEST_TMPDIR/held.pid" ]
		link_gone "nslab-c$demo"
		[ -z "$(ctr_cgroups "$demo")" ]
		[ "$(ctr_snapshot)" = "$before" ]
	done
}

@test "container: SIGTERM while the command runs ends it: exit 143, nothing left" {
	require_root
	local before demo child
	before=$(ctr_snapshot)
	"$MINI" --pidfile "$BATS_TEST_TMPDIR/pid" -- sleep 300 </dev/null >"$BATS_TEST_TMPDIR/log" 2>&1 3>&- &
	demo=$!
	wait_until 10 test -s "$BATS_TEST_TMPDIR/pid"
	child=$(cat "$BATS_TEST_TMPDIR/pid")
	kill -TERM "$demo"
	local status=0
	wait "$demo" || status=$?
	cat "$BATS_TEST_TMPDIR/log"
	[ "$status" -eq 143 ]
	gone "$child"
	[ ! -e "$BATS_TEST_TMPDIR/pid" ]
	[ "$(ctr_snapshot)" = "$before" ]
}

@test "container: PID 1 killed from the host: exit 137, the veth and the cgroup removed" {
	require_root
	hold_ctr -- sleep 300
	local demo=$HELD_DEMO # (wait_held forgets it)
	[ -n "$(ctr_cgroups "$demo")" ]
	ip link show "nslab-c$demo" >/dev/null
	# The container's network namespace held open here: only the
	# program's own RTM_DELLINK, not the namespace's end, removes the pair.
	hold_netns "$HELD_PID"
	kill -KILL "$HELD_PID"
	wait_held
	[ "$HELD_STATUS" -eq 137 ]
	link_gone "nslab-c$demo"
	[ -z "$(ctr_cgroups "$demo")" ]
	release_netns
}

@test "container: after SIGKILL of the program the container dies; only its cgroup is left" {
	require_root
	local demo child cg
	hold_ctr -- sleep 300
	demo=$HELD_DEMO child=$HELD_PID
	stop_held KILL
	[ "$HELD_STATUS" -eq 137 ]
	# PR_SET_PDEATHSIG kills PID 1, and the kernel every process inside.
	wait_until 5 gone "$child"
	# The network namespace goes with its last process, and the veth with it.
	wait_until 5 link_gone "nslab-c$demo"
	run ! grep -E 'nslab-(tmp|dev)' /proc/self/mountinfo
	# The cgroups stay: directories that nobody removes but nslab-clean,
	# which lists them (listing only: --yes would touch other runs too).
	[ -n "$(ctr_cgroups "$demo")" ]
	run -0 "$NSLAB_CLEAN"
	for cg in $(ctr_cgroups "$demo"); do
		grep -qx "  cgroup: $cg" <<<"$output"
		[ -z "$(cat "$cg/cgroup.procs")" ]
		rmdir "$cg"
	done
	[ "$(ctr_snapshot)" = "$(cat "$BATS_FILE_TMPDIR/ctr-before")" ]
}

@test "container: the command's exit status is the program's" {
	require_root
	run -7 "$MINI" --quiet -- sh -c 'exit 7'
	run -0 "$MINI" --quiet <<<'hostname; exit 0'
	[[ "$output" == *$'\nnslab-ctr\n'* ]]
	run -3 "$MINI" --quiet <<<'exit 3'
	# A command that cannot start is a runtime error, said so.
	run -1 --separate-stderr "$MINI" --quiet -- /no/such/command
	[[ "$stderr" == *'exec("/no/such/command") failed: ENOENT'* ]]
}

@test "container: the command gets a clean environment, not the host's" {
	require_root
	run -0 env NSLAB_SECRET=x TERM=nslab-term "$MINI" --quiet -- env
	[[ "$output" == *"PATH=/bin:/sbin:/usr/bin:/usr/sbin"* ]]
	[[ "$output" == *"HOME=/root"* ]]
	# Your TERM, and nothing else of yours.
	grep -qx 'TERM=nslab-term' <<<"$output"
	[[ "$output" != *NSLAB_SECRET* ]]
}

@test "container: --quiet prints only result lines; no colour codes off a terminal" {
	require_root
	run -0 env -u NO_COLOR "$MINI" --quiet </dev/null
	[ "$(grep -c . <<<"$output")" -eq 3 ]
	run ! grep -v '^==> ' <<<"$output"
	[[ "$output" != *$'\033'* ]]
}

@test "container: SIGTERM during --shell, the namespace held open from outside: exit 143, the veth gone at once" {
	require_root
	start_shell "$MINI"
	local h=nslab-c$HELD_DEMO demo=$HELD_DEMO
	ip link show "$h" >/dev/null
	hold_netns "$HELD_PID"
	nsenter --net="/proc/$NETNS_HOLDER/fd/5" ip link show eth0 >/dev/null
	stop_held TERM
	[ "$HELD_STATUS" -eq 143 ]
	link_gone "$h"
	run -0 nsenter --net="/proc/$NETNS_HOLDER/fd/5" ip -o link show
	[[ "$output" != *eth0* ]]
	[ -z "$(ctr_cgroups "$demo")" ]
	release_netns
}

@test "container: bad input is a usage error (exit 2) that creates nothing" {
	local before bad
	before=$(ctr_snapshot)
	for bad in "--memory 0" "--memory 3M" "--memory 65G" "--memory 12Q" "--memory ''" \
		"--memory 99999999999999999999" "--pids 0" "--pids -1" "--pids 32769" "--pids x" \
		"--hostname ''" "--hostname $(printf 'h%.0s' {1..65})" "--subnet 10.0.0.0/8" \
		"--subnet 127.0.0.0/24" "--subnet 0.0.0.0/24" "--subnet 224.1.2.0/24" "--subnet 10.230.0.5/24" \
		"--subnet ''" "--rootfs ''" "--rootfs /nonexistent" "--rootfs /" "--no-such-option" \
		"--shell -- true" "--hold --shell" "--pidfile /nonexistent/dir/pid" "--memory"; do
		eval "run $MINI $bad"
		echo "$bad -> $status"
		[ "$status" -eq 2 ]
		[[ "$output" == *"Usage: mini_container"* ]]
		[[ "$output" != *"[1] "* ]]
	done
	[ "$(ctr_snapshot)" = "$before" ]
}

@test "container: the edges of --memory, --pids, --hostname and --subnet are taken and applied; one past each is exit 2, nothing made" {
	require_root
	require_cmd ip nsenter
	local before name64 edge size bytes n name net bad
	local -a args
	before=$(ctr_snapshot)
	name64=$(printf 'h%.0s' {1..64})
	# The lower edges in one held run, the upper ones in another, each value
	# read where the kernel keeps it: the cgroup's files, the container's
	# hostname, the host end's address.  (Not the lowest subnet,
	# 1.0.0.0/24: while held, its route would take the host's way to
	# 1.0.0.1, a public DNS server.)
	for edge in "4M 4194304 1 h 128.0.0" "64G 68719476736 32768 $name64 223.255.255"; do
		read -r size bytes n name net <<<"$edge"
		hold_ctr --memory "$size" --pids "$n" --hostname "$name" --subnet "$net.0/24"
		[ "$(mem_limit "$HELD_DEMO")" = "$bytes" ]
		[ "$(pids_limit "$HELD_DEMO")" = "$n" ]
		run -0 nsenter -t "$HELD_PID" -u hostname
		[ "$output" = "$name" ]
		run -0 ip -br addr show dev "nslab-c$HELD_DEMO"
		[[ "$output" == *" $net.1/24"* ]]
		stop_held TERM
		[ "$HELD_STATUS" -eq 0 ]
	done
	# One byte, process or character past each edge: a usage error, and
	# not one step begun (nothing on stdout).
	for bad in "--memory 4194303" "--memory 4095K" "--memory 68719476737" "--memory 65537M" \
		"--pids 0" "--pids 32769" "--hostname ${name64}h" \
		"--subnet 0.255.255.0/24" "--subnet 127.255.255.0/24" "--subnet 224.0.0.0/24"; do
		read -ra args <<<"$bad"
		run --separate-stderr "$MINI" "${args[@]}" </dev/null
		echo "$bad -> $status"
		[ "$status" -eq 2 ]
		[[ "$stderr" == *"Usage: mini_container"* ]]
		[ -z "$output" ]
	done
	[ "$(ctr_snapshot)" = "$before" ]
}

@test "container: an option without its value is a usage error (exit 2) that names it and makes nothing" {
	local before opt bad msg
	local -a args
	before=$(ctr_snapshot)
	for opt in --hostname --memory --pids --subnet --rootfs --pidfile -n -m -p; do
		run --separate-stderr "$MINI" "$opt" </dev/null
		echo "$opt -> $status: $stderr"
		[ "$status" -eq 2 ]
		if [[ "$opt" == --* ]]; then
			[[ "$stderr" == *"option '$opt' requires an argument"* ]]
		else
			[[ "$stderr" == *"option requires an argument -- '${opt#-}'"* ]]
		fi
		[[ "$stderr" == *"Usage: mini_container"* ]]
		[ -z "$output" ]
	done
	# A value left out before another option: that option is taken as the
	# value, and refused as one.  (--hostname and --pidfile take any word.)
	while IFS='|' read -r bad msg; do
		read -ra args <<<"$bad"
		run --separate-stderr "$MINI" "${args[@]}" </dev/null
		echo "$bad -> $status: $stderr"
		[ "$status" -eq 2 ]
		[[ "$stderr" == *"$msg"* ]]
		[ -z "$output" ]
	done <<'CASES'
--memory --pids 8|--memory takes a size such as 64M, not '--pids'
--pids --memory 8M|--pids takes a whole number from 1 to 32768, not '--memory'
--subnet --no-net|--subnet takes A.B.C.0/24, not '--no-net'
--rootfs --hold|--rootfs '--hold': No such file or directory
CASES
	[ "$(ctr_snapshot)" = "$before" ]
}

@test "container: an ordinary user without --rootless gets exit 1 and a message about sudo" {
	require_root
	require_cmd setpriv
	local demo before
	before=$(nslab_cgroups)
	copy_for_nobody "$MINI"; demo=$NOBODY_COPY
	cp -a "$KIT/labs/rootfs" "${demo%/*}/rootfs"
	run -1 --separate-stderr as_nobody "$demo" --rootfs "${demo%/*}/rootfs" -- true
	[[ "$stderr" == *"E"@(ACCES|PERM)*"sudo"* ]]
	[[ "$stderr" == *"--rootless"* ]]
	[ "$(nslab_cgroups)" = "$before" ]
}

@test "container: two at once, on different subnets, both run and ping their own host end" {
	require_root
	local a b sa=0 sb=0
	"$MINI" --quiet --subnet 10.234.0.0/24 -- ping -c 1 -W 2 10.234.0.1 >"$BATS_TEST_TMPDIR/a" 2>&1 3>&- &
	a=$!
	"$MINI" --quiet --subnet 10.235.0.0/24 -- ping -c 1 -W 2 10.235.0.1 >"$BATS_TEST_TMPDIR/b" 2>&1 3>&- &
	b=$!
	wait "$a" || sa=$?
	wait "$b" || sb=$?
	cat "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$sa" -eq 0 ]
	[ "$sb" -eq 0 ]
	run -1 grep -E '10\.23[45]\.' < <(ip -o addr show)
}

@test "container: two held at once have their own cgroup, veth and namespaces; stopping one leaves the other whole" {
	require_root
	require_cmd ip nsenter ping
	local before a a_pid b b_pid t b_ns sa=0
	before=$(ctr_snapshot)
	hold_ctr --memory 32M --pids 20 --hostname nslab-a --subnet 10.236.0.0/24
	a=$HELD_DEMO a_pid=$HELD_PID
	# The first is teardown's FIRST_DEMO from now on.  The second is
	# started by hand, with a pidfile and a log of its own (hold_ctr's are
	# the first's), and is the HELD_DEMO that stop_held ends.
	FIRST_DEMO=$a HELD_DEMO=
	"$MINI" --hold --pidfile "$BATS_TEST_TMPDIR/b.pid" --memory 48M --pids 30 --hostname nslab-b \
		--subnet 10.237.0.0/24 </dev/null >"$BATS_TEST_TMPDIR/b.log" 2>&1 3>&- &
	HELD_DEMO=$!
	b=$HELD_DEMO
	wait_until 10 test -s "$BATS_TEST_TMPDIR/b.pid" || { cat "$BATS_TEST_TMPDIR/b.log" >&2; return 1; }
	b_pid=$(cat "$BATS_TEST_TMPDIR/b.pid")
	wait_until 5 grep -q '^Holding' "$BATS_TEST_TMPDIR/b.log"
	# Both work: each answers a ping through its own link, under its own name.
	run -0 ping -c 1 -W 2 -I "nslab-c$a" 10.236.0.2
	run -0 ping -c 1 -W 2 -I "nslab-c$b" 10.237.0.2
	[ "$(nsenter -t "$a_pid" -u hostname)" = nslab-a ]
	[ "$(nsenter -t "$b_pid" -u hostname)" = nslab-b ]
	# Each has a cgroup of its own: its own limits, and only its own process.
	[ "$(mem_limit "$a")" = $((32 * 1024 * 1024)) ]
	[ "$(mem_limit "$b")" = $((48 * 1024 * 1024)) ]
	[ "$(cat "$(pids_cgroup "$a")/pids.max")" = 20 ]
	[ "$(cat "$(pids_cgroup "$b")/pids.max")" = 30 ]
	[ "$(cat "$(mem_cgroup "$a")/cgroup.procs")" = "$a_pid" ]
	[ "$(cat "$(pids_cgroup "$a")/cgroup.procs")" = "$a_pid" ]
	[ "$(cat "$(mem_cgroup "$b")/cgroup.procs")" = "$b_pid" ]
	[ "$(cat "$(pids_cgroup "$b")/cgroup.procs")" = "$b_pid" ]
	# Each has namespaces of its own: none shared with the other or the host.
	for t in cgroup ipc mnt net pid uts; do
		[ "$(ns_inode "$a_pid" "$t")" != "$(ns_inode "$b_pid" "$t")" ]
		[ "$(ns_inode "$a_pid" "$t")" != "$(ns_inode $$ "$t")" ]
		[ "$(ns_inode "$b_pid" "$t")" != "$(ns_inode $$ "$t")" ]
	done
	b_ns=$(for t in cgroup ipc mnt net pid uts; do ns_inode "$b_pid" "$t"; done)
	# The first ends as a held run does (SIGTERM, exit 0) and takes only
	# what is its own.
	kill -TERM "$a"
	wait "$a" || sa=$?
	FIRST_DEMO=
	[ "$sa" -eq 0 ]
	gone "$a_pid"
	link_gone "nslab-c$a"
	[ -z "$(ctr_cgroups "$a")" ]
	# The second is whole: the same process in the same namespaces, its
	# cgroup with its limits, its link up, and it still answers.
	run -1 gone "$b_pid"
	[ "$(for t in cgroup ipc mnt net pid uts; do ns_inode "$b_pid" "$t"; done)" = "$b_ns" ]
	[ "$(mem_limit "$b")" = $((48 * 1024 * 1024)) ]
	[ "$(cat "$(pids_cgroup "$b")/pids.max")" = 30 ]
	[ "$(cat "$(pids_cgroup "$b")/cgroup.procs")" = "$b_pid" ]
	run -0 ip -br addr show dev "nslab-c$b"
	[[ "$output" == *" UP "*"10.237.0.1/24"* ]]
	run -0 ping -c 1 -W 2 -I "nslab-c$b" 10.237.0.2
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
	gone "$b_pid"
	link_gone "nslab-c$b"
	[ -z "$(ctr_cgroups "$b")" ]
	[ ! -e "$BATS_TEST_TMPDIR/b.pid" ]
	[ "$(ctr_snapshot)" = "$before" ]
}

@test "container: nothing named nslab is left behind" {
	assert_nothing_left
	# Whatever test_helper's snapshot matches: no mini_container runs.
	run ! pgrep -f 'mini_container( |$)'
}
