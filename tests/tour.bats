#!/usr/bin/env bats
# tools/tour (make demo): every lab once, in order, ending in a summary.
# Each lab's effects are proved by its own test file; here the tour
# itself: it runs each lab, reports each as it ended, runs Lab 07 as the
# user who typed sudo, and leaves nothing behind.
# Observers: the tour's summary, and the nslab snapshot (links, netns,
# cgroups, mounts, IPC objects, demo processes).

load test_helper

TOUR=$KIT/tools/tour

setup_file() { snapshot_before; }

@test "tour: every lab runs and ends as expected; Lab 07 as the user who ran sudo" {
	require_root
	require_cmd setpriv
	local dir n
	# As `sudo make demo` would start it for user nobody.
	run -0 env SUDO_UID=65534 SUDO_GID=65534 "$TOUR" </dev/null
	for dir in "$KIT"/labs/[0-9][0-9]-*/; do
		n=$(basename "$dir")
		n=${n%%-*}
		grep -qE "^  Lab $n  ok  " <<<"$output" || fail "the summary has no 'Lab $n ok'"
	done
	# Lab 12's numbering jumps from [5] to [7]: the tour says why.
	[[ "$output" == *"(sections [1] to [5]: [6] boots a VM for seconds; sudo labs/12-cost/nsbench --only vm runs it)"*"[5] "* ]]
	# The summary says truly who made Lab 07's namespace.
	if as_nobody test -x "$KIT/labs/07-user/user_demo"; then
		[[ "$output" == *"(as uid 65534, the user who ran sudo: no root needed)"* ]]
		grep -q '^  Lab 07  ok    root inside a user namespace made without sudo' <<<"$output"
	else
		[[ "$output" == *"(as root: uid 65534, who ran sudo, cannot reach "* ]]
		grep -q '^  Lab 07  ok    root inside a user namespace (made as root this time' <<<"$output"
	fi
}

@test "tour: run as root without sudo, the summary does not say Lab 07 was made without sudo" {
	require_root
	run -0 env -u SUDO_UID -u SUDO_GID "$TOUR" 07 </dev/null
	[[ "$output" != *"Lab 01"* ]]
	[[ "$output" == *"(as root: not started through sudo, so there is no user to run it as"* ]]
	grep -q '^  Lab 07  ok    root inside a user namespace (made as root this time' <<<"$output"
	run ! grep -q 'made without sudo' <<<"$output"
}

@test "tour: without setpriv, Lab 07 runs as root and says what is missing" {
	require_root
	# A PATH with every tool but setpriv (links to the real ones).
	local bin=$BATS_TEST_TMPDIR/bin c
	mkdir "$bin"
	for c in /usr/bin/* /bin/*; do
		[ "${c##*/}" = setpriv ] || [ -e "$bin/${c##*/}" ] || ln -s "$c" "$bin/${c##*/}"
	done
	run -0 env PATH="$bin" SUDO_UID=65534 SUDO_GID=65534 "$TOUR" 07 </dev/null
	[[ "$output" == *"(as root: setpriv, which runs it as uid 65534, is missing: sudo apt-get install util-linux)"* ]]
	grep -q '^  Lab 07  ok    root inside a user namespace (made as root this time' <<<"$output"
}

@test "tour: a lab number that does not exist, or a word, is a usage error" {
	run -2 "$TOUR" 13
	[[ "$output" == *"there is no Lab 13"* ]]
	run -2 "$TOUR" --all
	[[ "$output" == *"'--all' is not a lab number"* ]]
}

@test "tour: nothing named nslab is left behind" {
	assert_nothing_left
}
