#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by `run --separate-stderr`
# tools/doctor (make doctor): each finding checked against someone else -
# uname, stat, findmnt, sysctl, unshare, ip, command -v - and the verdicts
# and exit status against a machine made to lack something: a PATH that
# hides a tool, a kit copy with nothing built, a user namespace whose
# user.max_user_namespaces is 0.

load test_helper

DOCTOR=$KIT/tools/doctor

setup_file() { snapshot_before; }
teardown() {
	ip link del nslab-doc0 2>/dev/null || true
}

# The value of one "  key:   value" line of the report in $output.
field() {
	awk -v k="  $1:" 'index($0, k) == 1 { sub(/^[^:]*: */, ""); print; exit }' <<<"$output"
}
# The verdict line of lab NN in $output.
lab_line() { grep -E "^  $1 [a-z-]+: " <<<"$output"; }

# hide_tools TOOL...: sets HIDDEN_PATH to one directory holding a link to
# every command on PATH but the named ones (the first of each name, as the
# shell would find it).
hide_tools() {
	local dir=$BATS_TEST_TMPDIR/path
	local -a dirs links
	mkdir -p "$dir"
	IFS=: read -ra dirs <<<"$PATH"
	# The first executable of each name along PATH, as the shell finds it,
	# but for the hidden names: one find and one awk (a loop of tests over
	# every file takes seconds under bats' tracing).
	mapfile -t links < <(find -L "${dirs[@]}" -mindepth 1 -maxdepth 1 -type f -perm /111 \
		-printf '%f/%p\n' 2>/dev/null |
		awk -v hide=" $* " '{ name = $0; sub(/\/.*/, "", name) }
			!seen[name]++ && !index(hide, " " name " ") { print substr($0, length(name) + 2) }')
	ln -s -t "$dir" "${links[@]}"
	HIDDEN_PATH=$dir
}

@test "doctor: --help exits 0; any argument else is a usage error, exit 2" {
	run -0 "$DOCTOR" --help
	[[ "$output" == *"Usage: tools/doctor"* ]]
	[[ "$output" == *"Exit status"* ]]
	run -2 --separate-stderr "$DOCTOR" --bogus
	[[ "$stderr" == *"unknown argument '--bogus'"* ]]
	[ -z "$output" ]
	run -2 "$DOCTOR" 07
}

@test "doctor: make doctor runs it, within seconds, and make help lists it" {
	local t0 t1
	t0=$(date +%s%N)
	run make -s -C "$KIT" doctor
	t1=$(date +%s%N)
	[[ "$output" == *"nslab doctor:"* ]]
	[[ "$output" == *"Result: 12 labs:"* ]]
	[ $(((t1 - t0) / 1000000)) -lt 10000 ] || fail "make doctor took $(((t1 - t0) / 1000000)) ms"
	run -0 make -s -C "$KIT" help
	[[ "$output" == *"make doctor"* ]]
}

@test "doctor: the kernel is uname -r's, the cgroup layout stat -f's, the hierarchies findmnt's" {
	require_cmd findmnt
	run "$DOCTOR"
	[ "$(field kernel)" = "$(uname -r)" ]
	[ "$(field architecture)" = "$(uname -m)" ]
	[ "$(field "cgroup layout")" = "$(stat -fc %T /sys/fs/cgroup)" ]
	# The hierarchies: cgroup2 at /sys/fs/cgroup itself, v1 ones beside
	# the first cgroup2 tree or alone, or none - as findmnt sees them.
	local v1 v2 expect
	v1=$(findmnt -rn -t cgroup -o TARGET | wc -l)
	v2=$(findmnt -rn -t cgroup2 -o TARGET | head -n 1)
	if [ "$(findmnt -rn -o FSTYPE /sys/fs/cgroup | tail -n 1)" = cgroup2 ]; then
		expect="cgroup v2 only (the unified layout of Ubuntu 22.04 and later, Debian 12)"
	elif [ "$v1" -gt 0 ] && [ -n "$v2" ]; then
		expect="cgroup v1 hierarchies, and a cgroup2 tree at $v2 (the hybrid layout)"
	elif [ "$v1" -gt 0 ]; then
		expect="cgroup v1 hierarchies only (the legacy layout)"
	else
		expect="no cgroup hierarchies at /sys/fs/cgroup"
	fi
	[ "$(field "cgroup hierarchies")" = "$expect" ] ||
		fail "findmnt: $v1 v1 hierarchies, cgroup2 at '$v2'; doctor: $(field "cgroup hierarchies")"
}

@test "doctor: the memory and pids controllers are where findmnt finds them" {
	require_cmd findmnt
	run "$DOCTOR"
	local ctrl expect mnt opts
	for ctrl in memory pids; do
		expect=none
		# A cgroup2 mount that offers it comes first (as the labs look)...
		while read -r mnt; do
			if [ "$expect" = none ] && grep -qw "$ctrl" "$mnt/cgroup.controllers" 2>/dev/null; then
				expect="cgroup v2 at $mnt"
			fi
		done < <(findmnt -rn -t cgroup2 -o TARGET)
		# ...then a v1 hierarchy mounted with it.
		while read -r mnt opts; do
			if [ "$expect" = none ] && [[ ",$opts," == *",$ctrl,"* ]]; then
				expect="cgroup v1 at $mnt"
			fi
		done < <(findmnt -rn -t cgroup -o TARGET,OPTIONS)
		[ "$(field "$ctrl controller")" = "$expect" ] ||
			fail "$ctrl: doctor says '$(field "$ctrl controller")', findmnt '$expect'"
	done
}

@test "doctor: a namespace type is listed exactly when unshare can make one" {
	require_root
	require_cmd unshare
	run "$DOCTOR"
	local listed t flag
	listed=" $(field namespaces | sed 's/;.*//') "
	for t in uts pid mnt net ipc cgroup user time; do
		case "$t" in
		pid) flag="--pid --fork" ;;
		mnt) flag=--mount ;;
		*) flag=--$t ;;
		esac
		# shellcheck disable=SC2086 # $flag is one or two options
		if unshare $flag true 2>/dev/null; then
			[[ "$listed" == *" $t "* ]] || fail "unshare made a $t namespace; doctor lists: $listed"
		else
			[[ "$listed" != *" $t "* ]] || fail "unshare could not make a $t namespace; doctor lists it"
		fi
	done
	if unshare --time true 2>/dev/null; then
		[[ "$(field "time namespaces")" == yes* ]]
	else
		[[ "$(field "time namespaces")" == no* ]]
	fi
}

@test "doctor: the user-namespace sysctls are sysctl's, and 'allowed' means nobody can make one" {
	require_root
	require_cmd sysctl unshare setpriv
	run "$DOCTOR"
	local s v line
	line=$(field "userns sysctls")
	for s in user.max_user_namespaces kernel.unprivileged_userns_clone \
		kernel.apparmor_restrict_unprivileged_userns; do
		v=$(sysctl -n "$s" 2>/dev/null) || v=absent
		[[ "$line" == *"$s=$v"* ]] || fail "sysctl says $s=$v; doctor: $line"
	done
	# An ordinary user (nobody) makes one and maps itself to root in it.
	local made=no
	[ "$(as_nobody unshare --user --map-root-user id -u 2>/dev/null)" = 0 ] && made=yes
	case "$(field "user namespaces")" in
	"allowed") [ "$made" = yes ] ;;
	# Under AppArmor's restriction the namespace is made, but the map
	# cannot be written without the capabilities it takes away.
	"allowed, but"* | refused*) [ "$made" = no ] ;;
	*) fail "unexpected: $(field "user namespaces")" ;;
	esac
}

@test "doctor: with user.max_user_namespaces=0 (in a throwaway namespace) Lab 07 cannot run, exit 1" {
	require_root
	require_cmd unshare
	local before
	before=$(cat /proc/sys/user/max_user_namespaces)
	# The limit is per user namespace: lower it in a new one only, check
	# there that the kernel now refuses, then run the doctor there.
	# (Every owner mapped: the kit may be cloned into a 0700 home.)
	# shellcheck disable=SC2016 # the inner shell's own $0
	run -1 in_userns_as_root sh -c 'echo 0 >/proc/sys/user/max_user_namespaces &&
		if unshare --user true 2>/dev/null; then echo KERNEL-ALLOWED; fi; exec "$0"' "$DOCTOR"
	[[ "$output" != *KERNEL-ALLOWED* ]]
	[[ "$(field "user namespaces")" == "refused: user.max_user_namespaces=0"* ]]
	[[ "$(lab_line 07)" == *"07 user:"*"cannot run: ordinary users may not make user namespaces"* ]]
	[[ "$(lab_line 11)" == *"--rootless"* ]]
	[[ "$output" == *"Result: 12 labs: "*" 1 cannot run"* ]]
	[ "$(cat /proc/sys/user/max_user_namespaces)" = "$before" ]
}

@test "doctor: a tool PATH hides is reported missing, with its package, and the labs that use it" {
	run -0 "$DOCTOR"
	[ "$(field nsenter)" = "$(command -v nsenter)" ] || skip "nsenter is not installed here"
	[ "$(field unshare)" = "$(command -v unshare)" ]
	hide_tools nsenter
	run ! env PATH="$HIDDEN_PATH" sh -c 'command -v nsenter'
	PATH=$HIDDEN_PATH run "$DOCTOR"
	[ "$(field nsenter)" = "missing: install util-linux (needed by the pages' second-terminal checks)" ]
	[ "$(field unshare)" = "$HIDDEN_PATH/unshare" ]
	[[ "$(lab_line 01)" == *"will skip part: "*"no nsenter for the page's commands (install util-linux)"* ]]
	[[ "$(lab_line 09)" == *"no nsenter"* ]]
	# Lab 05's page uses no nsenter: its verdict is what it was.
	local lab05_now
	lab05_now=$(lab_line 05)
	run "$DOCTOR"
	[ "$(lab_line 05)" = "$lab05_now" ]
}

@test "doctor: nothing built and no compiler: every lab cannot run, exit 1" {
	# A kit of its own: the doctor alone, so no program is built.
	local copy=$BATS_TEST_TMPDIR/kit
	mkdir -p "$copy/tools"
	cp "$DOCTOR" "$copy/tools/doctor"
	[ ! -e "$copy/labs/01-uts/uts_demo" ]
	hide_tools cc make
	PATH=$HIDDEN_PATH run -1 "$copy/tools/doctor"
	[ "$(field cc)" = "missing: install gcc (needed by make: the labs are C)" ]
	[ "$(grep -c 'cannot run: .* is not built, and there is no cc or make' <<<"$output")" = 12 ]
	[[ "$output" == *"Result: 12 labs: 0 ok, 0 will skip part, 12 cannot run"* ]]
	# With the compiler back, the same copy can build them: not a reason.
	run "$copy/tools/doctor"
	[[ "$output" == *"12 of the programs are not built yet: make builds them"* ]]
	[[ "$output" != *"is not built, and there is no cc"* ]]
}

@test "doctor: the exit status is 0 exactly when no lab says 'cannot run'" {
	run "$DOCTOR"
	[ "$(grep -c '^  [0-9][0-9] [a-z-]*: ' <<<"$output")" = 12 ]
	if grep -q '^  [0-9][0-9] [a-z-]*: *cannot run' <<<"$output"; then
		[ "$status" = 1 ]
	else
		[ "$status" = 0 ]
	fi
}

@test "doctor: 'veth: yes' means root can really make a veth pair" {
	require_root
	require_cmd ip
	run "$DOCTOR"
	if ip link add nslab-doc0 type veth peer name nslab-doc1 2>/dev/null; then
		ip link del nslab-doc0
		[[ "$(field veth)" == yes* ]]
	else
		[ "$(field veth)" = no ]
	fi
}

@test "doctor: 'child lists: yes' exactly when the kernel lists a process's children" {
	local listed
	run "$DOCTOR"
	# sh's list of children, read by the child it lists: cat's own PID.
	# shellcheck disable=SC2016 # the inner shell's $$
	listed=$(sh -c 'cat "/proc/$$/task/$$/children" 2>/dev/null & wait')
	if [[ "$listed" =~ ^[0-9]+\ ?$ ]]; then
		[ "$(field "child lists")" = "yes (/proc/PID/task/PID/children)" ]
	else
		[ "$(field "child lists")" = "no (CONFIG_PROC_CHILDREN)" ]
	fi
}

@test "doctor: without the lists of children (hidden by a mount) Lab 02 cannot run and Lab 12 skips a row, exit 1" {
	require_root
	require_cmd unshare
	# A kernel without CONFIG_PROC_CHILDREN, as far as the doctor can tell:
	# in a mount namespace of its own, an empty tmpfs hides its own
	# /proc/PID/task (the doctor is exec'd, so its PID is the shell's).
	# shellcheck disable=SC2016 # the inner shell's $$
	run -1 unshare --mount --propagation private sh -c '
		mount -t tmpfs nslab-doc "/proc/$$/task" || exit 9
		[ -e "/proc/$$/task/$$/children" ] && exit 9
		exec "$0"' "$DOCTOR"
	[ "$(field "child lists")" = "no (CONFIG_PROC_CHILDREN)" ]
	[[ "$(lab_line 02)" == *"cannot run: "*"/proc/PID/task/PID/children"*"CONFIG_PROC_CHILDREN"* ]]
	[[ "$(lab_line 12)" == *"will skip part: "*"the container's memory row"* ]]
}

@test "doctor: 'KVM: yes' only where the CPU offers vmx or svm and /dev/kvm opens, as vm-boot decides" {
	run "$DOCTOR"
	local kvm
	kvm=$(field KVM)
	# (The last case below would pass on no KVM line at all.)
	[ -n "$kvm" ] || fail "the report has no KVM line"
	if ! grep -qwE 'vmx|svm' /proc/cpuinfo; then
		# A /dev/kvm may still be there (a VM without nested
		# virtualisation): qemu could not use it.
		[[ "$kvm" == "no: the CPU shows no vmx or svm flag"* ]] || fail "KVM: $kvm"
	elif [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		[ "$kvm" = "yes (/dev/kvm)" ] || fail "KVM: $kvm"
	else
		[[ "$kvm" != yes* ]] || fail "KVM: $kvm, but /dev/kvm does not open here"
	fi
}

@test "doctor: needs no root, and says the same of the machine as an ordinary user" {
	require_root
	require_cmd setpriv
	local as_root
	# The machine and the tools, but what depends on who asks or where the
	# doctor lies: the copy for nobody has no kit around it.
	machine() { awk '/^Labs/ { exit } { print }' | grep -vE '^  (running as|disk free|KVM):'; }
	run -0 "$DOCTOR"
	as_root=$(machine <<<"$output")
	copy_for_nobody "$DOCTOR"
	run as_nobody "$NOBODY_COPY"
	[ "$(field "running as")" = "uid 65534 (the labs but 07 are run with sudo)" ]
	[ "$(machine <<<"$output")" = "$as_root" ]
	[[ "$output" == *"Result: 12 labs:"* ]]
}

@test "doctor: changes nothing - strace sees no namespace, module, mount or file written" {
	require_cmd strace
	# "It creates no namespace and loads no module": the system calls of
	# the doctor and every program it starts, as the kernel saw them.
	# (Opening /dev/null or the terminal for writing changes nothing, and
	# bash may put a long here-document in a temporary file: in a
	# directory of the test's own, left out below.)
	local log=$BATS_TEST_TMPDIR/strace.log tmp=$BATS_TEST_TMPDIR/tmp changes
	mkdir "$tmp"
	TMPDIR=$tmp run strace -f -qq -e signal=none -o "$log" \
		-e 'trace=unshare,setns,clone,clone3,?vfork,init_module,finit_module,delete_module,mount,umount2,openat,?open,?creat,?mkdir,mkdirat,?unlink,unlinkat,?rename,renameat,renameat2' \
		"$DOCTOR"
	[[ "$output" == *"Result: 12 labs:"* ]]
	# The trace reached the doctor's children (awk reads the memory size).
	grep -q 'openat(.*"/proc/meminfo", O_RDONLY' "$log" || fail "strace saw no child read /proc/meminfo"
	changes=$(grep -E 'CLONE_NEW|(unshare|setns|init_module|finit_module|delete_module|mount|umount2|mkdir|mkdirat|unlink|unlinkat|rename|renameat|renameat2)\(|O_(WRONLY|RDWR|CREAT)' "$log" |
		grep -vF -e '"/dev/null"' -e '"/dev/tty"' -e "\"$tmp/" || true)
	[ -z "$changes" ] || fail "the doctor changed something: $changes"
}

@test "doctor: with no cgroup hierarchy (a throwaway mount namespace) Labs 05, 09 and 11 cannot run, exit 1" {
	require_root
	require_cmd unshare findmnt mountpoint
	local host fs n here there
	run "$DOCTOR"
	host=$output
	# In a mount namespace of its own every cgroup mount is unmounted (the
	# host keeps its own), and findmnt and stat there say what is left.
	# shellcheck disable=SC2016 # the inner shell's own variables
	run -1 unshare --mount --propagation private sh -c '
		findmnt -rn -t cgroup,cgroup2 -o TARGET | sort -r | while read -r m; do umount "$m"; done
		if mountpoint -q /sys/fs/cgroup; then umount /sys/fs/cgroup; fi
		echo "observed: $(findmnt -rn -t cgroup,cgroup2 | wc -l) cgroup mounts, fs=$(stat -fc %T /sys/fs/cgroup)"
		exec "$0"' "$DOCTOR"
	[[ "$output" == *"observed: 0 cgroup mounts, fs="* ]] || fail "the cgroup mounts could not be removed"
	fs=$(sed -n 's/^observed: .*, fs=//p' <<<"$output")
	[ -n "$fs" ]
	[ "$(field "cgroup layout")" = "$fs" ]
	[ "$(field "cgroup hierarchies")" = "no cgroup hierarchies at /sys/fs/cgroup" ]
	[ "$(field "memory controller")" = none ]
	[ "$(field "pids controller")" = none ]
	[[ "$(lab_line 05)" == *"cannot run: no cgroup hierarchy offers the memory controller"* ]]
	[[ "$(lab_line 09)" == *"cannot run: "*"no cgroup2 mount and no v1 memory hierarchy"* ]]
	[[ "$(lab_line 11)" == *"cannot run: "*"memory controller"*"no cgroup hierarchy offers the pids controller"* ]]
	# The labs that use no cgroup say what they say on the host.
	for n in 01 02 03 04 06 07 08 10 12; do
		there=$(lab_line "$n")
		here=$(output=$host lab_line "$n")
		[ "$there" = "$here" ] || fail "lab $n: '$there' without cgroups, '$here' on the host"
	done
}

@test "doctor: nothing left behind" {
	assert_nothing_left
}
