#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# Lab 07: a user namespace - root inside, an ordinary user outside, no sudo.
# The demo runs as an unprivileged user (setpriv to uid 65534) and as root.
# Observers: the host's /proc/PID/uid_map, gid_map, setgroups and status
# (Uid, Gid, CapEff), lsns, the host's hostname, nsenter run by the same
# unprivileged user, and the kernel switches in /proc/sys themselves.

load test_helper

USER_DEMO=$KIT/labs/07-user/user_demo

setup_file() { snapshot_before; }
setup() { require_built "$USER_DEMO"; }
teardown() {
	reap_held
	restore_sysctls
	if [ -n "${SCRATCH:-}" ]; then rm -rf "$SCRATCH"; fi
}

# A directory every user can reach and write (the pidfile of a demo run
# by nobody goes there); bats' own temporary directories are root's only.
scratch() {
	if [ -z "${SCRATCH:-}" ]; then
		SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/nslab-user.XXXXXX")
		chmod 1777 "$SCRATCH"
	fi
}

# The demo as nobody will run it: in place if nobody can reach it there
# (then an AppArmor profile made for the kit's path applies to it), else a
# copy in the scratch directory.
demo_for_nobody() {
	if as_nobody test -x "$USER_DEMO"; then
		NOBODY_DEMO=$USER_DEMO
		return
	fi
	scratch
	mkdir -p "$SCRATCH/bin"
	cp "$USER_DEMO" "$SCRATCH/bin/"
	chmod 755 "$SCRATCH/bin" "$SCRATCH/bin/user_demo"
	NOBODY_DEMO=$SCRATCH/bin/user_demo
}

# Skip, saying why, where a switch of this machine refuses an ordinary
# user a user namespace for this binary (the tests below diagnose each).
require_userns_for_nobody() {
	local out
	demo_for_nobody
	out=$(as_nobody "$NOBODY_DEMO" --quiet 2>&1) && return 0
	case "$out" in
	*apparmor_restrict_unprivileged_userns*)
		skip "AppArmor restricts unprivileged user namespaces here and no profile covers $NOBODY_DEMO (walkthrough/07-user.md)" ;;
	*unprivileged_userns_clone*)
		skip "kernel.unprivileged_userns_clone is 0 here: only root may create user namespaces" ;;
	esac
	echo "$out" >&2
	return 1
}

# start_held_as_nobody [ARGS...]: like start_held, with the demo run by
# nobody and its pidfile where nobody may write it.  setpriv itself, not
# the as_nobody function: $! must be the demo (setpriv execs it), not a
# subshell that a signal would not reach it through.
start_held_as_nobody() {
	demo_for_nobody
	scratch
	HELD_LOG=$SCRATCH/held.log
	setpriv --reuid=65534 --regid=65534 --clear-groups "$NOBODY_DEMO" "$@" --hold \
		--pidfile "$SCRATCH/held.pid" </dev/null >"$HELD_LOG" 2>&1 3>&- &
	# shellcheck disable=SC2034 # read by stop_held and reap_held
	HELD_DEMO=$!
	wait_until 10 test -s "$SCRATCH/held.pid" || { cat "$HELD_LOG" >&2; return 1; }
	HELD_PID=$(cat "$SCRATCH/held.pid")
	wait_until 5 grep -q '^Holding' "$HELD_LOG"
}

# set_sysctl FILE VALUE: change a kernel switch for this test only;
# teardown (or restore_sysctls) puts every one back as it was.
set_sysctl() {
	echo "$1 $(cat "$1")" >>"$BATS_TEST_TMPDIR/sysctls"
	echo "$2" >"$1"
}
restore_sysctls() {
	local file value
	[ -f "$BATS_TEST_TMPDIR/sysctls" ] || return 0
	tac "$BATS_TEST_TMPDIR/sysctls" | while read -r file value; do
		echo "$value" >"$file"
	done
	rm -f "$BATS_TEST_TMPDIR/sysctls"
}

# Every capability this kernel knows, as /proc/PID/status prints CapEff.
full_caps() { printf '%016x\n' $(((1 << ($(cat /proc/sys/kernel/cap_last_cap) + 1)) - 1)); }

# The VALUE of KEY in /proc/PID/status, blanks squeezed ("0 0 0 0").
status_of() { awk -v k="$2:" '$1 == k {$1 = ""; sub(/^ /, ""); print}' "/proc/$1/status"; }

@test "user: --help describes the lab and exits 0" {
	run -0 "$USER_DEMO" --help
	[[ "$output" == *"user"*"namespace"* ]]
	[[ "$output" == *"--hostname"* ]]
	[[ "$output" == *"--hold"* ]]
}

@test "user: nobody runs it without sudo; uid 0 inside, the host's hostname unchanged" {
	require_root
	require_cmd setpriv
	require_userns_for_nobody
	local before
	before=$(hostname)
	run -0 as_nobody "$NOBODY_DEMO"
	[[ "$output" == *"[5] inside, after the maps: getuid() -> 0, getgid() -> 0"* ]]
	[[ "$output" == *"/proc/self/status: Uid 0 0 0 0, Gid 0 0 0 0"* ]]
	[[ "$output" == *"==> inside:  hostname is nslab-user"* ]]
	[[ "$output" == *"==> outside: child "*" is uid 65534, gid 65534"* ]]
	[ "$(hostname)" = "$before" ]
	[ "$(cat /proc/sys/kernel/hostname)" = "$before" ]
}

@test "user: before the maps the child is the kernel's overflow uid and gid" {
	require_root
	require_userns_for_nobody
	run -0 as_nobody "$NOBODY_DEMO"
	local uid gid
	uid=$(cat /proc/sys/kernel/overflowuid)
	gid=$(cat /proc/sys/kernel/overflowgid)
	[[ "$output" == *"[3] inside, before any map: getuid() -> $uid, getgid() -> $gid"* ]]
	# The maps come after that, from the parent: step 4 follows step 3.
	[[ "$output" == *"[3] "*"[4] the parent writes"*"[5] inside, after the maps"* ]]
}

@test "user: the host's /proc shows the maps nobody wrote: 0 -> 65534, setgroups deny" {
	require_root
	require_userns_for_nobody
	start_held_as_nobody
	[ "$(awk '{print $1, $2, $3}' "/proc/$HELD_PID/uid_map")" = "0 65534 1" ]
	[ "$(awk '{print $1, $2, $3}' "/proc/$HELD_PID/gid_map")" = "0 65534 1" ]
	[ "$(cat "/proc/$HELD_PID/setgroups")" = "deny" ]
	# The same user reads the same files.
	run -0 as_nobody cat "/proc/$HELD_PID/uid_map"
	[[ "$output" =~ ^\ *0\ +65534\ +1$ ]]
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "user: /proc/PID/status on the host: uid and gid 65534, yet every capability" {
	require_root
	require_userns_for_nobody
	start_held_as_nobody
	[ "$(status_of "$HELD_PID" Uid)" = "65534 65534 65534 65534" ]
	[ "$(status_of "$HELD_PID" Gid)" = "65534 65534 65534 65534" ]
	[ "$(status_of "$HELD_PID" CapEff)" = "$(full_caps)" ]
	# Capabilities in its own user namespace, not the host's: lsns shows it
	# in one of its own, made and owned by the same user.
	local userns
	userns=$(ns_inode "$HELD_PID" user)
	[ "$userns" != "$(ns_inode self user)" ]
	stop_held TERM
}

@test "user: nsenter by the same unprivileged user finds root and the child's hostname" {
	require_root
	require_cmd nsenter
	require_userns_for_nobody
	start_held_as_nobody --hostname nslab-inside
	# util-linux's nsenter calls setgroups() after entering a user namespace
	# unless told to keep its credentials; setgroups is denied in there.
	local enter=(nsenter --preserve-credentials -t "$HELD_PID")
	run -0 as_nobody "${enter[@]}" --user --uts hostname
	[ "$output" = "nslab-inside" ]
	run -0 as_nobody "${enter[@]}" --user id -u
	[ "$output" = 0 ]
	# shellcheck disable=SC2016 # awk's own $1 and $2
	run -0 as_nobody "${enter[@]}" --user awk '$1 == "CapEff:" {print $2}' /proc/self/status
	[ "$output" = "$(full_caps)" ]
	# The UTS namespace belongs to the child's user namespace: root in
	# there may rename it...
	run -0 as_nobody "${enter[@]}" --user --uts hostname nslab-renamed
	run -0 as_nobody "${enter[@]}" --user --uts hostname
	[ "$output" = "nslab-renamed" ]
	# ...while the host keeps its own name.
	[ "$(hostname)" != "nslab-inside" ]
	[ "$(hostname)" != "nslab-renamed" ]
	stop_held TERM
}

@test "user: what that root cannot do, seen through nsenter: host hostname, /etc/shadow, owners" {
	require_root
	require_cmd nsenter
	require_userns_for_nobody
	[ -e /etc/shadow ] || skip "no /etc/shadow on this machine"
	start_held_as_nobody
	local enter=(nsenter --preserve-credentials -t "$HELD_PID" --user)
	# Only the user namespace joined: the UTS namespace is still the host's.
	# It is hostname that is refused, not nsenter (which would fail too).
	run ! as_nobody "${enter[@]}" hostname "$(hostname)"
	[[ "$output" != *"nsenter:"* ]]
	[[ "$output" == *"must be root"* || "$output" == *"not permitted"* ]]
	run -1 as_nobody "${enter[@]}" cat /etc/shadow
	[[ "$output" == *"Permission denied"* ]]
	run -0 as_nobody "${enter[@]}" stat -c '%u %g' /etc/shadow
	[ "$output" = "$(cat /proc/sys/kernel/overflowuid) $(cat /proc/sys/kernel/overflowgid)" ]
	# The demo said the same of itself.
	grep -q 'sethostname(".*") on the host.s UTS namespace -> EPERM' "$HELD_LOG"
	grep -q 'open("/etc/shadow") -> EACCES' "$HELD_LOG"
	stop_held TERM
}

@test "user: lsns -t user, run by the same user, lists the child's own user namespace" {
	require_root
	require_cmd lsns
	require_userns_for_nobody
	start_held_as_nobody
	local ns
	ns=$(ns_inode "$HELD_PID" user)
	# lsns names the namespace by its lowest PID: the child.
	# (lsns 2.38 may miss a namespace while processes come and go: 3 tries.)
	local i
	for i in 1 2 3; do
		run -0 as_nobody lsns -n -t user -o NS,PID
		grep -Eq "^ *$ns +$HELD_PID\$" <<<"$output" && break
	done
	[ "$i" -lt 3 ] || grep -Eq "^ *$ns +$HELD_PID\$" <<<"$output"
	# Where lsns knows owners (util-linux 2.38+), the child's UTS namespace
	# is owned by the child's user namespace.
	if lsns --help | grep -qw ONS; then
		run -0 lsns -n -o ONS -p "$HELD_PID" -t uts
		[ "$(echo "$output" | tr -d ' ')" = "$ns" ]
	fi
	stop_held TERM
}

@test "user: the commands --hold suggests work as printed, for the same unprivileged user" {
	require_root
	require_cmd nsenter lsns
	require_userns_for_nobody
	start_held_as_nobody
	local try=()
	mapfile -t try < <(sed -n '/^Holding/,/^Press/s/^    //p' "$HELD_LOG")
	[ "${#try[@]}" -eq 4 ] || fail "expected 4 commands after 'Holding', got: ${try[*]}"
	# Each line is run as printed, by nobody's own shell, and must show
	# what the host's /proc shows of the child: the PID in it is the child's.
	run -0 as_nobody sh -c "${try[0]}"
	[ "$output" = "$(cat "/proc/$HELD_PID/uid_map" "/proc/$HELD_PID/gid_map")" ]
	run -0 as_nobody sh -c "${try[1]}"
	[ "$output" = "$(grep -E '^(Uid|Gid|CapEff)' "/proc/$HELD_PID/status")" ]
	[[ "$output" == *"Uid:"*"65534"* ]]
	# (lsns 2.38 may miss a namespace while processes come and go: 3 tries.)
	local ns i
	ns=$(ns_inode "$HELD_PID" user)
	for i in 1 2 3; do
		run -0 as_nobody sh -c "${try[2]}"
		grep -Eq "^ *$ns +user " <<<"$output" && break
	done
	grep -Eq "^ *$ns +user " <<<"$output"
	run -0 as_nobody sh -c "${try[3]}"
	[ "$output" = nslab-user ]
	stop_held TERM
}

@test "user: run by real root it works too, maps 0 to 0 and says why a normal user is the point" {
	require_root
	require_cmd nsenter
	start_held "$USER_DEMO"
	[ "$(awk '{print $1, $2, $3}' "/proc/$HELD_PID/uid_map")" = "0 0 1" ]
	[ "$(awk '{print $1, $2, $3}' "/proc/$HELD_PID/gid_map")" = "0 0 1" ]
	[ "$(cat "/proc/$HELD_PID/setgroups")" = "deny" ]
	[ "$(status_of "$HELD_PID" Uid)" = "0 0 0 0" ]
	[ "$(status_of "$HELD_PID" CapEff)" = "$(full_caps)" ]
	[ "$(ns_inode "$HELD_PID" user)" != "$(ns_inode self user)" ]
	run -0 nsenter -t "$HELD_PID" --uts hostname
	[ "$output" = nslab-user ]
	grep -q 'you are root' "$HELD_LOG"
	grep -q 'run it again without sudo' "$HELD_LOG"
	# Even root's uid 0 cannot rename the host from inside: capabilities
	# count in the user namespace that owns the host's UTS namespace.
	grep -q 'on the host.s UTS namespace -> EPERM' "$HELD_LOG"
	# Seen from in there: the host's name is refused, and root's own
	# /etc/shadow opens, as the lab says, since uid 0 is uid 0 outside.
	local enter=(nsenter --preserve-credentials -t "$HELD_PID" --user)
	run ! "${enter[@]}" hostname "$(hostname)"
	[[ "$output" != *"nsenter:"* ]]
	[[ "$output" == *"must be root"* || "$output" == *"not permitted"* ]]
	grep -q '/etc/shadow opens: real root is root in here' "$HELD_LOG"
	run -0 "${enter[@]}" cat /etc/shadow
	# Run by root, the commands it suggests carry sudo.
	grep -qxF "    sudo nsenter --preserve-credentials --user --uts -t $HELD_PID hostname" "$HELD_LOG"
	grep -qxF "    sudo lsns -t user" "$HELD_LOG"
	stop_held TERM
	[ "$HELD_STATUS" -eq 0 ]
}

@test "user: SIGTERM and SIGINT during --hold exit 0, remove the pidfile, leave no process" {
	require_root
	require_userns_for_nobody
	local sig child
	for sig in TERM INT; do
		start_held_as_nobody
		child=$HELD_PID
		stop_held "$sig"
		[ "$HELD_STATUS" -eq 0 ]
		gone "$child"
		[ ! -e "$SCRATCH/held.pid" ]
	done
}

@test "user: --shell runs commands as root inside and passes on their status" {
	require_root
	require_userns_for_nobody
	run -7 as_nobody "$NOBODY_DEMO" --quiet --shell <<<'id -u; hostname; exit 7'
	[[ "$output" == *$'\n0\nnslab-user'* ]]
}

@test "user: a file that root makes in --shell belongs to the user outside" {
	require_root
	require_userns_for_nobody
	scratch
	local made=$SCRATCH/made-by-root
	run -0 as_nobody "$NOBODY_DEMO" --quiet --shell <<<"touch $made && stat -c 'inside %u %g' $made && cat /proc/self/uid_map"
	# Inside, the file is root's, and the shell sees its map: 0 is 65534.
	[[ "$output" == *$'\ninside 0 0\n'* ]]
	[[ "$output" =~ $'\n'\ *0\ +65534\ +1$ ]]
	# The host's own view (ls -ln on the page): the file is nobody's.
	[ "$(stat -c '%u %g' "$made")" = "65534 65534" ]
}

@test "user: a child killed by a signal gives exit status 128+signal" {
	require_root
	require_userns_for_nobody
	run -137 as_nobody "$NOBODY_DEMO" --quiet --shell <<<'kill -KILL $$'
}

@test "user: --quiet prints only result lines, and no colour codes off a terminal" {
	require_root
	require_userns_for_nobody
	run -0 as_nobody env -u NO_COLOR "$NOBODY_DEMO" --quiet
	[ -n "$output" ]
	# The colour check first: the next `run` replaces $output.
	[[ "$output" != *$'\033'* ]]
	run ! grep -v '^==> ' <<<"$output"
}

@test "user: bad input is a usage error (exit 2) that creates nothing" {
	local long
	long=$(printf 'h%.0s' {1..65})
	run -2 "$USER_DEMO" --no-such-option
	[[ "$output" == *"Usage: user_demo"* ]]
	run -2 "$USER_DEMO" --hostname "$long"
	[[ "$output" == *"1 to 64 bytes"* ]]
	run -2 "$USER_DEMO" --hostname ""
	run -2 "$USER_DEMO" extra
	run -2 "$USER_DEMO" --hold --shell
	[[ "$output" != *"clone("* ]]
	# The longest allowed name still works.
	require_root
	run -0 "$USER_DEMO" --quiet --hostname "${long:1}"
}

# traced_as_nobody -o LOG COMMAND...: nobody runs COMMAND under strace, its
# clone() and unshare() calls logged to LOG.  (A sanitizer build's leak
# check cannot run under ptrace and would fail the exit: it is off here.)
traced_as_nobody() {
	as_nobody env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=clone,clone3,unshare "$@"
}

# usage_error_as_nobody MESSAGE ARGS...: nobody runs the demo with ARGS
# under strace, which logs every clone() and unshare(): the run must exit
# 2, say MESSAGE, make no namespace and no pidfile.
usage_error_as_nobody() {
	local msg=$1 log=$SCRATCH/strace.log
	shift
	rm -f "$log" "$SCRATCH/p"
	run -2 --separate-stderr traced_as_nobody -o "$log" "$NOBODY_DEMO" "$@"
	[[ "$stderr" == *"$msg"* ]] || fail "no '$msg' in: $stderr"
	[[ "$stderr" == *"Usage: user_demo"* ]]
	[ -e "$log" ]
	run ! grep -E 'CLONE_NEW|unshare\(' "$log"
	[ ! -e "$SCRATCH/p" ]
}

@test "user: a missing value or a --pidfile nobody may not write is a usage error before any namespace" {
	require_root
	require_cmd strace
	require_userns_for_nobody
	scratch
	# The observer sees a namespace when one is made: a good run, traced.
	run -0 traced_as_nobody -o "$SCRATCH/strace.log" "$NOBODY_DEMO" --quiet
	grep -q 'CLONE_NEWUSER' "$SCRATCH/strace.log"
	grep -q 'unshare(CLONE_NEWUTS)' "$SCRATCH/strace.log"
	usage_error_as_nobody "'--hostname' requires an argument" --pidfile "$SCRATCH/p" --hostname
	usage_error_as_nobody "'--pidfile' requires an argument" --pidfile
	usage_error_as_nobody "requires an argument -- 'n'" -n
	usage_error_as_nobody "1 to 64 bytes" --pidfile "$SCRATCH/p" --hostname ""
	usage_error_as_nobody "unrecognized option" --pidfile "$SCRATCH/p" --no-such-option
	usage_error_as_nobody "do not go together" --pidfile "$SCRATCH/p" --hold --shell
	usage_error_as_nobody "directory $SCRATCH/none does not exist" --pidfile "$SCRATCH/none/p"
	# A directory of root's: nobody may not write there (no privilege).
	mkdir -m 755 "$SCRATCH/roots"
	usage_error_as_nobody "directory $SCRATCH/roots is not writable" --pidfile "$SCRATCH/roots/p"
	[ -z "$(ls -A "$SCRATCH/roots")" ]
}

@test "user: user.max_user_namespaces=0, lowered in a throwaway namespace, gives exit 1 and says so" {
	require_root
	require_cmd unshare
	local before
	before=$(cat /proc/sys/user/max_user_namespaces)
	# Root of a user namespace of its own cannot pass a directory closed
	# to others (a home directory on Debian 13) whose owner it does not
	# map: a copy in the test's directory, which root owns.
	copy_for_nobody "$USER_DEMO"
	# The limit is kept per user namespace: lower it in a new one only,
	# and run the demo there.  The host's own limit is never touched.
	# shellcheck disable=SC2016 # the inner shell's own $0
	run -1 --separate-stderr unshare --user --map-root-user \
		sh -c 'echo 0 >/proc/sys/user/max_user_namespaces && exec "$0" --quiet' "$NOBODY_COPY"
	[[ "$stderr" == *"clone(CLONE_NEWUSER) failed: ENOSPC"* ]]
	[[ "$stderr" == *"user.max_user_namespaces is 0"* ]]
	[[ "$stderr" == *"sysctl -w user.max_user_namespaces="* ]]
	[ "$(cat /proc/sys/user/max_user_namespaces)" = "$before" ]
}

@test "user: Debian's kernel.unprivileged_userns_clone=0 is diagnosed for a user; root still runs" {
	require_root
	local f=/proc/sys/kernel/unprivileged_userns_clone
	[ -e "$f" ] || skip "this kernel has no $f (a Debian and Ubuntu kernel switch)"
	local before
	before=$(cat "$f")
	demo_for_nobody
	set_sysctl "$f" 0
	run -1 --separate-stderr as_nobody "$NOBODY_DEMO" --quiet
	[[ "$stderr" == *"clone(CLONE_NEWUSER) failed: EPERM"* ]]
	[[ "$stderr" == *"kernel.unprivileged_userns_clone is 0"* ]]
	[[ "$stderr" == *"sysctl -w kernel.unprivileged_userns_clone=1"* ]]
	run -0 "$USER_DEMO" --quiet
	restore_sysctls
	[ "$(cat "$f")" = "$before" ]
}

@test "user: Ubuntu's AppArmor restriction is recognised from its sysctl and explained" {
	require_root
	local f=/proc/sys/kernel/apparmor_restrict_unprivileged_userns
	[ -e "$f" ] || skip "this kernel has no $f (Ubuntu's, from 23.10 on)"
	local clone=/proc/sys/kernel/unprivileged_userns_clone
	if [ -e "$clone" ] && [ "$(cat "$clone")" = 0 ]; then
		skip "kernel.unprivileged_userns_clone is 0 here: no user may create one at all"
	fi
	local before
	before=$(cat "$f")
	# A copy outside the kit, which no AppArmor profile is attached to.
	scratch
	mkdir "$SCRATCH/copy"
	cp "$USER_DEMO" "$SCRATCH/copy/"
	chmod 755 "$SCRATCH/copy" "$SCRATCH/copy/user_demo"
	set_sysctl "$f" 1
	run -1 --separate-stderr as_nobody "$SCRATCH/copy/user_demo" --quiet
	[[ "$stderr" == *"kernel.apparmor_restrict_unprivileged_userns = 1"* ]]
	[[ "$stderr" == *"apparmor_parser -r /etc/apparmor.d/nslab-user_demo"* ]]
	[[ "$stderr" == *"sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"* ]]
	# Root is not restricted, and with the switch off nobody is not either.
	run -0 "$SCRATCH/copy/user_demo" --quiet
	echo 0 >"$f"
	run -0 as_nobody "$SCRATCH/copy/user_demo" --quiet
	restore_sysctls
	[ "$(cat "$f")" = "$before" ]
}

@test "user: the page's unprivileged transcript matches a run by nobody" {
	require_root
	require_userns_for_nobody
	local page=$BATS_TEST_TMPDIR/page.md
	# The block that starts with "$ labs/07-user/user_demo", run by nobody
	# through the doc test's own matching.
	{
		printf '%s\n\n' '<!-- doctest: run all -->'
		echo '```console'
		echo "\$ setpriv --reuid=65534 --regid=65534 --clear-groups $NOBODY_DEMO"
		awk '/^```console/ {b = 1; next} /^```/ {b = 0; on = 0}
		     b && /^\$ / {on = ($0 == "$ labs/07-user/user_demo"); next}
		     on' "$KIT/walkthrough/07-user.md"
		echo '```'
	} >"$page"
	[ "$(wc -l <"$page")" -gt 10 ] || fail "no '\$ labs/07-user/user_demo' transcript on the page"
	run "$KIT/tests/doctest" "$page"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "user: nothing named nslab is left behind" {
	assert_nothing_left
}
