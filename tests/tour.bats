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
	if as_nobody test -x "$KIT/labs/07-user/user_demo"; then
		[[ "$output" == *"(as uid 65534, the user who ran sudo: no root needed)"* ]]
	else
		[[ "$output" == *"(as root: uid 65534, who ran sudo, cannot reach "* ]]
	fi
}

@test "tour: nothing named nslab is left behind" {
	assert_nothing_left
}
