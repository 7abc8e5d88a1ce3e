#!/usr/bin/env bats
# The last file of a full run (files run in name order): the machine must be
# exactly as the suite found it.

load test_helper

@test "suite: links, netns, cgroups, mounts, processes and labs/rootfs are as before the whole suite" {
	[ -n "${NSLAB_SUITE_STATE:-}" ] || skip "only meaningful at the end of a full run (tests/run)"
	local now
	now=$(machine_state)
	if [ "$now" != "$(cat "$NSLAB_SUITE_STATE")" ]; then
		diff "$NSLAB_SUITE_STATE" <(echo "$now")
		return 1
	fi
}
