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
@test "walkthrough: going-further.md transcripts match real runs" { page_matches going-further.md; }

# The words a student reads on PAGE, code blocks left out.
prose_words() {
	awk '/^[ \t]*```/ { code = !code; next } !code' "$1" | wc -w
}

@test "walkthrough: every lab page and 00 page is within 2,000 words of prose" {
	local page n long=""
	for page in "$KIT"/walkthrough/[0-9][0-9]-*.md; do
		n=$(prose_words "$page")
		echo "$(basename "$page"): $n words"
		[ "$n" -le 2000 ] || long+=" $(basename "$page") ($n)"
	done
	[ -z "$long" ] || fail "more than 2,000 words of prose:$long"
	# The counter counts: a page of 2,001 words is too long.
	yes word | head -n 2001 >"$BATS_TEST_TMPDIR/long.md"
	[ "$(prose_words "$BATS_TEST_TMPDIR/long.md")" -eq 2001 ]
}

@test "walkthrough: every lab page and 00-containers.md shows its own picture, and it exists" {
	local page name
	for page in "$KIT"/walkthrough/00-containers.md "$KIT"/walkthrough/[0-9][0-9]-*.md; do
		name=$(basename "$page" .md)
		[ "$name" != 00-setup ] || continue
		grep -q "](img/$name\.svg)" "$page" || fail "$name.md does not link img/$name.svg"
		[ -f "$KIT/walkthrough/img/$name.svg" ] || fail "img/$name.svg does not exist"
	done
}

@test "walkthrough: every picture renders, with its words as text" {
	command -v rsvg-convert >/dev/null ||
		skip "needs rsvg-convert (Debian: librsvg2-bin, installed by vagrant/provision.sh --vm-check)"
	local svg png n=0
	for svg in "$KIT"/walkthrough/img/*.svg; do
		png=$BATS_TEST_TMPDIR/$(basename "$svg" .svg).png
		run rsvg-convert -o "$png" "$svg"
		[ "$status" -eq 0 ] || fail "rsvg-convert cannot render $(basename "$svg"): $output"
		# A PNG begins with these eight bytes; the picture has a size.
		[ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
			fail "$(basename "$svg") did not render to a PNG"
		[ "$(stat -c %s "$png")" -gt 5000 ] || fail "$(basename "$svg") rendered to an almost empty PNG"
		grep -q '<title>' "$svg" || fail "$(basename "$svg") has no <title>"
		[ "$(grep -c '<text' "$svg")" -ge 5 ] || fail "$(basename "$svg") has (almost) no <text>"
		n=$((n + 1))
	done
	[ "$n" -ge 13 ]
	# And the renderer refuses what is not a picture.
	printf '<svg xmlns="http://www.w3.org/2000/svg"><text>\n' >"$BATS_TEST_TMPDIR/broken.svg"
	run rsvg-convert -o "$BATS_TEST_TMPDIR/broken.png" "$BATS_TEST_TMPDIR/broken.svg"
	[ "$status" -ne 0 ]
}

@test "walkthrough: Lab 12's VM row names make vm-kernel, which fetches into vm-check's cache" {
	grep -q 'sudo make vm-kernel' "$KIT/walkthrough/12-cost.md"
	run -0 make -s -C "$KIT" -n vm-kernel
	[ "$output" = tests/vm/kernel ]
	# tests/vm/run fetches through the same script, so the cache is one.
	# shellcheck disable=SC2016 # the literal text of the scripts
	grep -q '"$kit/tests/vm/kernel"' "$KIT/tests/vm/run"
	# shellcheck disable=SC2016 # the literal text of the script
	grep -q '^cache=$kit/.vm-cache$' "$KIT/tests/vm/kernel"
	if [ "$(id -u)" -ne 0 ]; then
		run -2 "$KIT/tests/vm/kernel"
		[[ "$output" == *"needs root"* ]]
	elif [ -e "$KIT/.vm-cache/kernel.ready" ]; then
		run -0 "$KIT/tests/vm/kernel"
		[[ "$output" == "vm-kernel: already cached: $KIT/.vm-cache/root/boot/vmlinuz-"* ]]
	fi
}

@test "walkthrough: the summary names all twelve programs and links every page" {
	local dir prog
	for dir in "$KIT"/labs/[0-9][0-9]-*/; do
		prog=$(basename "$(find "$dir" -maxdepth 1 -name '*_demo.c' -o -name mini_container.c -o -name nsbench.c | head -1)" .c)
		grep -q "labs/$(basename "$dir")/$prog" "$KIT/walkthrough/summary.md" ||
			fail "summary.md does not name labs/$(basename "$dir")/$prog"
		grep -q "]($(basename "$dir").md)" "$KIT/walkthrough/summary.md" ||
			fail "summary.md does not link $(basename "$dir").md"
	done
}

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
	# A recipe for one cgroup layout runs, as typed, where that layout is,
	# and is skipped elsewhere; a shell it starts (sh: dash reads a pipe a
	# buffer at a time) reads the lines up to its own exit, and no more.
	local here other
	here=$(stat -fc %T /sys/fs/cgroup)
	if [ "$here" = cgroup2fs ]; then other=tmpfs; else other=cgroup2fs; fi
	# shellcheck disable=SC2016 # a page's text: its $x is for the shells it runs
	printf '%s\n' "<!-- doctest: script if $here -->" '```console' '$ x=outer' \
		'$ sh' '$ x=inner; echo "$x"' 'inner' '$ exit' '$ echo "$x"' 'outer' '```' \
		"<!-- doctest: script if $other -->" '```console' '$ false' 'never' '```' >"$page"
	run -0 "$DOCTEST" "$page"
	[[ "$output" == *"ok: $page: x=outer"* ]]
	[[ "$output" == *"skip: $page: a recipe for $other"* ]]
	sed -i 's/^outer$/drifted/' "$page"
	run -1 "$DOCTEST" "$page"
	[[ "$output" == *MISMATCH* ]]
	run -2 "$DOCTEST"
}

@test "walkthrough: nothing named nslab is left behind" {
	assert_nothing_left
}
