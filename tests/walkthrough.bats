#!/usr/bin/env bats
# The walkthrough is tested like code: every demo transcript on every page
# is run for real and compared with the page (tests/doctest says how), so a
# page cannot drift from the program it describes.

load test_helper

DOCTEST=$KIT/tests/doctest

setup_file() { snapshot_before; }

# One test per page that shows a lab's program at work. The page's Korean
# twin (walkthrough/ko/, same name), where there is one, is run in the same
# test and the same doctest call: one loop over both languages, so a page
# and its twin are listed once here and cannot be doc-tested apart. The
# twin's code blocks are the English page's byte for byte (the test "every
# Korean page's code blocks..." below proves it), so its transcripts are
# the same commands. The doctest still reads the twin's own markers (a
# recipe's "script if ..." line is outside the code blocks) and runs every
# case of it that differs in command, output or condition; a case the
# same as one that just matched on the English page is reported as such
# and not run a second time (about 15 s of the suite).
page_matches() {
	require_root
	local page pages=("$KIT/walkthrough/$1")
	[ ! -f "$KIT/walkthrough/ko/$1" ] || pages+=("$KIT/walkthrough/ko/$1")
	for page in "${pages[@]}"; do
		run "$DOCTEST" --list "$page"
		[ -n "$output" ] || fail "${page#"$KIT"/} shows no transcript of a demo run"
	done
	local before after
	before=$(nslab_snapshot)
	run "$DOCTEST" "${pages[@]}"
	echo "$output"
	# A recipe typed into a root shell that dies half way (or a page whose
	# recipe forgets a step) leaves its nslab cgroup or link behind; that
	# is this page's failure, and it is cleared here so that the next
	# page's recipe does not meet it as "File exists".
	after=$(nslab_snapshot)
	if [ "$after" != "$before" ]; then
		echo "left behind by $1 (before | after):"
		diff <(echo "$before") <(echo "$after") || true
		"$KIT/tools/nslab-clean" --yes --quiet || true
		return 1
	fi
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
	# The Korean twins too, counted the same way: words are what white
	# space separates (a Korean eojeol, e.g. "네임스페이스는", is one word).
	for page in "$KIT"/walkthrough/[0-9][0-9]-*.md "$KIT"/walkthrough/ko/[0-9][0-9]-*.md; do
		[ -f "$page" ] || continue
		n=$(prose_words "$page")
		echo "${page#"$KIT"/walkthrough/}: $n words"
		[ "$n" -le 2000 ] || long+=" ${page#"$KIT"/walkthrough/} ($n)"
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
		# The Korean twin shows the same picture (its labels are kernel
		# names, kept in English: ko/glossary.md says why).
		[ ! -f "$KIT/walkthrough/ko/$name.md" ] ||
			grep -q "](\.\./img/$name\.svg)" "$KIT/walkthrough/ko/$name.md" ||
			fail "ko/$name.md does not link ../img/$name.svg"
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
	# Without root: a runtime refusal (exit 1) that says so.  (A copy, which
	# nobody can read wherever the kit is; it stops before it looks further.)
	local copy
	copy=$(mktemp -d "${TMPDIR:-/tmp}/nslab-vmk.XXXXXX")
	chmod 755 "$copy"
	install -m 755 "$KIT/tests/vm/kernel" "$copy/kernel"
	run -1 as_nobody "$copy/kernel"
	rm -rf "$copy"
	[[ "$output" == *"needs root"*"sudo make vm-kernel"* ]]
	if [ "$(id -u)" -eq 0 ] && [ -e "$KIT/.vm-cache/kernel.ready" ]; then
		run -0 "$KIT/tests/vm/kernel"
		[[ "$output" == "vm-kernel: already cached: $KIT/.vm-cache/root/boot/vmlinuz-"* ]]
	fi
}

@test "walkthrough: the summary names all twelve programs and links every page" {
	local dir prog summary
	for dir in "$KIT"/labs/[0-9][0-9]-*/; do
		prog=$(basename "$(find "$dir" -maxdepth 1 -name '*_demo.c' -o -name mini_container.c -o -name nsbench.c | head -1)" .c)
		# And its Korean twin, whose links lead to the Korean pages.
		for summary in summary.md ko/summary.md; do
			[ -f "$KIT/walkthrough/$summary" ] || continue
			grep -q "labs/$(basename "$dir")/$prog" "$KIT/walkthrough/$summary" ||
				fail "$summary does not name labs/$(basename "$dir")/$prog"
			grep -q "]($(basename "$dir").md)" "$KIT/walkthrough/$summary" ||
				fail "$summary does not link $(basename "$dir").md"
		done
	done
}

@test "walkthrough: every lab has a page, and every page with transcripts is doc-tested" {
	local dir page
	for dir in "$KIT"/labs/[0-9][0-9]-*/; do
		dir=$(basename "$dir")
		[ -f "$KIT/walkthrough/$dir.md" ] || fail "labs/$dir has no page walkthrough/$dir.md"
	done
	for page in "$KIT"/walkthrough/*.md "$KIT"/walkthrough/ko/*.md; do
		grep -q '^```console' "$page" || continue
		page=$(basename "$page")
		# A Korean page is doc-tested by its English twin's test.
		[ -f "$KIT/walkthrough/$page" ] || fail "ko/$page has no English twin to be doc-tested with"
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
		# The Korean twin names the section as ko/glossary.md does.
		[ ! -f "$KIT/walkthrough/ko/$page" ] || grep -q '^## 작업 확인하기$' "$KIT/walkthrough/ko/$page" ||
			fail "ko/$page has no '작업 확인하기' section (ko/glossary.md: Check your work)"
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

# The Korean edition (walkthrough/ko/, issue #24).

# A page's code as the doc test reads it, prose left out: every fenced
# block verbatim (its info string and indentation included), each headed
# by what tests/doctest looks at before it (the last non-blank line outside
# a block, if it is a doctest marker), and every marker line where it is.
code_of() {
	awk '
	!code && /^[ \t]*```/ {
		code = 1
		print "== block after: " (prev ~ /^<!-- doctest/ ? prev : "prose")
		print; next
	}
	code && /^[ \t]*```[ \t]*$/ { code = 0; prev = ""; print; next }
	code { print; next }
	/^[ \t]*<!-- doctest/ { print "== marker: " $0 }
	NF { prev = $0 }' "$1"
}

# Are the code blocks of KO the same as those of EN? diff shows where not.
same_code() {
	diff -u --label "$1" --label "$2" <(code_of "$1") <(code_of "$2")
}

# English pages whose Korean twin is still to be written (issue #24): their
# [한국어] link may be missing.  Every lab page's twin is in; instructors.md's
# is not yet (it has no link).
KO_PENDING=""
ko_pending() {
	local name
	for name in $KO_PENDING; do [ "$name" != "$1" ] || return 0; done
	return 1
}

@test "walkthrough: every Korean page's code blocks are its English page's, block for block" {
	local ko name n=0 bad=""
	for ko in "$KIT"/walkthrough/ko/*.md; do
		name=$(basename "$ko")
		[ "$name" != glossary.md ] || continue
		[ -f "$KIT/walkthrough/$name" ] || fail "ko/$name has no English twin walkthrough/$name"
		same_code "$KIT/walkthrough/$name" "$ko" || bad+=" ko/$name"
		n=$((n + 1))
	done
	[ -z "$bad" ] || fail "code blocks differ from the English page's:$bad"
	[ "$n" -ge 5 ]
}

@test "walkthrough: the code comparison catches a drifted block or marker, and lets prose differ" {
	local en=$KIT/walkthrough/00-containers.md ko=$BATS_TEST_TMPDIR/ko.md
	[ "$(code_of "$en" | grep -c '^== block after: <!-- doctest: run all -->$')" -ge 3 ]
	# Prose translated, code untouched: the same.
	sed 's/^Before any C: five minutes.*/C 코드를 보기 전에 먼저 셸에서 봅시다./' "$en" >"$ko"
	run -1 cmp -s "$en" "$ko"
	run -0 same_code "$en" "$ko"
	# One line of program output drifted.
	sed 's/^nslab-demo$/nslab-dem0/' "$en" >"$ko"
	run -1 same_code "$en" "$ko"
	[[ "$output" == *"+nslab-dem0"* ]]
	# An info string changed: the doc test would no longer run the block.
	# shellcheck disable=SC2016 # sed's own $ and backquotes
	sed '0,/^```console$/s//```sh/' "$en" >"$ko"
	run -1 same_code "$en" "$ko"
	# A sentence slipped between a marker and its block: the doc test
	# would no longer see the marker.
	awk '{ print } /^<!-- doctest: run all -->$/ && !d { print "사이에 낀 문장."; d = 1 }' "$en" >"$ko"
	run -1 same_code "$en" "$ko"
	[[ "$output" == *"+== block after: prose"* ]]
	# A marker dropped, and a block dropped.
	sed '0,/^<!-- doctest: run all -->$/{/^<!-- doctest: run all -->$/d}' "$en" >"$ko"
	run -1 same_code "$en" "$ko"
	awk '/^```sh$/ && !d { skip = 1; d = 1 } !skip { print } skip && /^```$/ { skip = 0 }' "$en" >"$ko"
	run -1 same_code "$en" "$ko"
	# An indented block (in a list item) keeps its indentation.
	en=$KIT/walkthrough/00-setup.md
	# shellcheck disable=SC2016 # sed's own $ and backquotes
	sed 's/^  ```sh$/```sh/' "$en" >"$ko"
	run -1 cmp -s "$en" "$ko"
	run -1 same_code "$en" "$ko"
}

@test "walkthrough: each English page with a Korean twin links it on line 1, and the twin links back" {
	local page name n=0
	for page in "$KIT"/walkthrough/*.md; do
		name=$(basename "$page")
		if [ -f "$KIT/walkthrough/ko/$name" ]; then
			[ "$(head -n 1 "$page")" = "[한국어](ko/$name)" ] ||
				fail "$name: line 1 is not [한국어](ko/$name)"
			[[ "$(head -n 1 "$KIT/walkthrough/ko/$name")" == "[English](../$name)"* ]] ||
				fail "ko/$name: line 1 does not start with [English](../$name)"
			n=$((n + 1))
		elif grep -qF "](ko/$name)" "$page" && ! ko_pending "$name"; then
			fail "$name links ko/$name, which does not exist"
		fi
	done
	[ "$n" -ge 5 ]
	# A Korean page is a twin: only the glossary has no English page.
	for page in "$KIT"/walkthrough/ko/*.md; do
		name=$(basename "$page")
		[ "$name" = glossary.md ] || [ -f "$KIT/walkthrough/$name" ] ||
			fail "ko/$name has no English twin walkthrough/$name"
	done
	# The way in: README leads to the Korean edition and its glossary.
	grep -q '](walkthrough/ko/00-containers\.md)' "$KIT/README.md" || fail "README does not link walkthrough/ko/00-containers.md"
	grep -q '](walkthrough/ko/glossary\.md)' "$KIT/README.md" || fail "README does not link walkthrough/ko/glossary.md"
}

# The anchors a page offers: GitHub's slug of each heading (lower case,
# punctuation dropped, spaces to dashes) and each explicit id="...".
anchors_of() {
	LC_ALL=C.UTF-8 sed -n -E '/^#+ /{ s/^#+ +//; s/[A-Z]/\L&/g; s/[^[:alnum:] _-]//g; s/ /-/g; p }' "$1"
	grep -o 'id="[^"]*"' "$1" | sed 's/^id="//; s/"$//'
}

@test "walkthrough: every link on a Korean page lands, anchors included" {
	local page target file anchor n=0 bad=""
	for page in "$KIT"/walkthrough/ko/*.md; do
		while read -r target; do
			case $target in http://* | https://* | mailto:*) continue ;; esac
			file=${target%%#*} anchor=
			[[ "$target" != *#* ]] || anchor=${target#*#}
			[ -n "$file" ] || file=$(basename "$page")
			n=$((n + 1))
			if [ ! -e "$KIT/walkthrough/ko/$file" ]; then
				# A twin still being written on another branch.
				ko_pending "$file" ||
					bad+=" ko/$(basename "$page"):$target"
				continue
			fi
			[ -z "$anchor" ] || anchors_of "$KIT/walkthrough/ko/$file" | grep -qxF -- "$anchor" ||
				bad+=" ko/$(basename "$page"):$target(no such anchor)"
		done < <(grep -o '](\([^)]*\))' "$page" | sed 's/^](//; s/)$//')
	done
	[ -z "$bad" ] || fail "links that lead nowhere:$bad"
	[ "$n" -ge 20 ]
	# The slugs are GitHub's, and a broken link is seen.
	printf '%s\n' '## Lab 02: ps on Ubuntu 22.04' '<a id="실습-둘"></a>' >"$BATS_TEST_TMPDIR/a.md"
	run -0 anchors_of "$BATS_TEST_TMPDIR/a.md"
	[ "$output" = $'lab-02-ps-on-ubuntu-2204\n실습-둘' ]
}

# Emphasis that CommonMark (and GitHub's cmark-gfm) cannot close: a
# closing * or ** after punctuation with a Korean letter right after it,
# as in "**컨트롤 그룹(cgroup)**은", shows its asterisks. Code blocks left out.
unclosed_emphasis() {
	awk '/^[ \t]*```/ { code = !code; next } !code { print FILENAME ":" FNR ": " $0 }' "$@" |
		LC_ALL=C.UTF-8 grep -P '[])`.:!?]\*{1,2}\p{Hangul}'
}

@test "walkthrough: bold and italics on a Korean page close before their particle" {
	run unclosed_emphasis "$KIT"/walkthrough/ko/*.md
	[ -z "$output" ] || fail "emphasis that does not close (write **컨트롤 그룹**(cgroup)은): $output"
	# It sees both kinds, and lets the right spelling and code pass.
	printf '%s\n' '**컨트롤 그룹(cgroup)**은' '*IPC 객체(IPC object)*를' '**컨트롤 그룹**(cgroup)은' \
		'```console' '$ echo "a.**가"' '```' >"$BATS_TEST_TMPDIR/b.md"
	run -0 unclosed_emphasis "$BATS_TEST_TMPDIR/b.md"
	[ "$(wc -l <<<"$output")" -eq 2 ]
}

@test "walkthrough: the glossary names each namespace and lab, and says why the pictures stay English" {
	local g=$KIT/walkthrough/ko/glossary.md term
	for term in namespace 'control group' isolation 'virtual ethernet' 'mount propagation' 'user namespace' orphan zombie \
		copy-on-write 'UTS namespace' 'PID namespace' 'network namespace' 'IPC namespace' \
		'cgroup namespace' 'time namespace' chroot pivot_root; do
		grep -qiF "| $term" "$g" || fail "the glossary has no row for $term"
	done
	# Every term's row has its four cells, and its last names labs that exist.
	local rows labs n
	rows=$(sed -n '/^## 노트와 키트의 개념$/,$p' "$g" | grep '^| ' | grep -v '^| ---\|^| 한국어 |')
	[ "$(wc -l <<<"$rows")" -ge 40 ]
	run awk -F' [|] ' 'NF != 4' <<<"$rows"
	[ -z "$output" ] || fail "rows without four cells: $output"
	labs=$(awk -F' [|] ' '{ sub(/ [|]$/, "", $4); print $4 }' <<<"$rows" | sed 's/,/\n/g; s/–/\n/g; s/ //g' | sort -u) # (strings, not [,–]: in the C locale a bracket takes the bytes of a dash one by one)
	for n in $labs; do
		[ "$n" != "—" ] || continue # (a term of instructors.md or going-further.md alone)
		[[ "$n" =~ ^[0-9][0-9]$ ]] || fail "the glossary names a lab '$n'"
		compgen -G "$KIT/walkthrough/$n-*.md" >/dev/null || fail "the glossary names lab $n, which has no page"
	done
	grep -q 'img/\*\.svg' "$g" || fail "the glossary does not say what becomes of the pictures"
}

@test "walkthrough: nothing named nslab is left behind" {
	assert_nothing_left
}
