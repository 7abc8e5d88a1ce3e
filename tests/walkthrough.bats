#!/usr/bin/env bats
# The walkthrough is tested like code: every demo transcript on every page
# is run for real and compared with the page (tests/doctest says how), so a
# page cannot drift from the program it describes.

load test_helper

DOCTEST=$KIT/tests/doctest

setup_file() { snapshot_before; }

# One test per page that shows a lab's program at work.
page_matches() {
	require_root
	local page=$KIT/walkthrough/$1
	run "$DOCTEST" --list "$page"
	[ -n "$output" ] || fail "$1 shows no transcript of a demo run"
	run "$DOCTEST" "$page"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "walkthrough: 00-containers.md shell blocks give the output shown" { page_matches 00-containers.md; }
@test "walkthrough: 00-setup.md transcripts match real runs" { page_matches 00-setup.md; }
@test "walkthrough: 01-uts.md transcripts match real runs" { page_matches 01-uts.md; }
@test "walkthrough: 02-pid.md transcripts match real runs" { page_matches 02-pid.md; }
@test "walkthrough: 03-chroot-proc.md transcripts match real runs" { page_matches 03-chroot-proc.md; }
@test "walkthrough: 04-veth.md transcripts match real runs" { page_matches 04-veth.md; }
@test "walkthrough: 05-cgroup-mem.md transcripts match real runs" { page_matches 05-cgroup-mem.md; }
@test "walkthrough: 06-mount.md transcripts match real runs" { page_matches 06-mount.md; }
@test "walkthrough: 07-user.md transcripts match real runs" { page_matches 07-user.md; }
@test "walkthrough: 08-ipc.md transcripts match real runs" { page_matches 08-ipc.md; }
@test "walkthrough: 09-cgroupns.md transcripts match real runs" { page_matches 09-cgroupns.md; }
@test "walkthrough: 10-time.md transcripts match real runs" { page_matches 10-time.md; }
@test "walkthrough: 11-container.md transcripts match real runs" { page_matches 11-container.md; }
@test "walkthrough: 12-cost.md transcripts match real runs" { page_matches 12-cost.md; }

@test "walkthrough: every lab has a page, and every page with transcripts is doc-tested" {
	local dir page
	for dir in "$KIT"/labs/[0-9][0-9]-*/; do
		dir=$(basename "$dir")
		[ -f "$KIT/walkthrough/$dir.md" ] || fail "labs/$dir has no page walkthrough/$dir.md"
	done
	for page in "$KIT"/walkthrough/*.md; do
		page=$(basename "$page")
		grep -q '^```console' "$KIT/walkthrough/$page" || continue
		grep -q "page_matches $page" "$BATS_TEST_FILENAME" || fail "$page is not doc-tested here"
	done
}

@test "walkthrough: every lab that tools/checkpoint knows has 'Check your work' on its page" {
	local n page
	run -0 "$KIT/tools/checkpoint" --list
	[ "$(grep -c '^Lab ' <<<"$output")" -ge 11 ]
	while read -r n page; do
		[ -f "$KIT/walkthrough/$page" ] || fail "checkpoint names $page, which does not exist"
		grep -q '^## Check your work$' "$KIT/walkthrough/$page" || fail "$page has no 'Check your work' section"
		grep -qF "sudo tools/checkpoint $n" "$KIT/walkthrough/$page" || fail "$page does not say: sudo tools/checkpoint $n"
	done < <(sed -n 's/^Lab \([0-9][0-9]\): .*(walkthrough\/\(.*\))$/\1 \2/p' <<<"$output")
}

@test "walkthrough: the doc test itself catches a drifted page, and accepts loose numbers" {
	require_root
	local page=$BATS_TEST_TMPDIR/page.md
	printf '%s\n' '```console' '$ sudo labs/01-uts/uts_demo --quiet --hostname nslab-doc' \
		'==> inside:  hostname is nslab-doc' '...' \
		'==> namespaces differ: host uts:[1], child uts:[2]' '```' >"$page"
	run -0 "$DOCTEST" "$page"
	sed -i 's/is nslab-doc/is nslab-drifted/' "$page"
	run -1 "$DOCTEST" "$page"
	[[ "$output" == *MISMATCH* ]]
	# A placeholder stands for any text; a number for any number.
	printf '%s\n' '```console' '$ sudo labs/01-uts/uts_demo --quiet' \
		'==> inside:  hostname is nslab-uts' '==> host:    hostname is <your hostname> (unchanged)' \
		'==> namespaces differ: host uts:[7], child uts:[8]' '```' >"$page"
	run -0 "$DOCTEST" "$page"
	run -2 "$DOCTEST"
}

@test "walkthrough: nothing named nslab is left behind" {
	assert_nothing_left
}
