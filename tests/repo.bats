#!/usr/bin/env bats
# The repository itself: what a student's checkout must look like so that
# the VM can run it.  Every script, bats file, C source and page is kept
# with LF line endings (.gitattributes); a CR byte in one of them breaks it
# in the VM (/usr/bin/env: 'bash\r').  Skips when the kit is not a git
# checkout (an unpacked archive, the read-only kit of make vm-check).

# suite: runs beside the others
load test_helper

require_git_checkout() {
	require_cmd git
	git -C "$KIT" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
		skip "the kit at $KIT is not a git checkout"
}

# The tracked files git treats as text, one per line.
tracked_text_files() {
	# --eol prints "i/<index> w/<worktree> attr/<attrs>\t<path>"; binary
	# files show as i/-text.
	git -C "$KIT" ls-files --eol -z | tr '\0' '\n' |
		awk -F'\t' '$1 !~ /^i\/-text/ { print $2 }'
}

@test "repo: no tracked text file has a CR byte, in the index or the checkout" {
	require_git_checkout
	local f bad=() n=0
	while IFS= read -r f; do
		[ -f "$KIT/$f" ] || continue # deleted in the work tree, not yet committed
		n=$((n + 1))
		# The work tree (what the VM runs), read with grep, not git.
		if LC_ALL=C grep -q $'\r' "$KIT/$f"; then
			bad+=("$f (checkout)")
		fi
		# The index (what the next commit gives every other checkout).
		if git -C "$KIT" show ":$f" | LC_ALL=C grep -q $'\r'; then
			bad+=("$f (index)")
		fi
	done < <(tracked_text_files)
	[ "$n" -gt 50 ] || fail "only $n tracked text files found: is git ls-files working?"
	if [ "${#bad[@]}" -gt 0 ]; then
		printf 'CR bytes in: %s\n' "${bad[@]}" >&2
		printf '%s\n' "fix: dos2unix FILE, or sed -i 's/\r$//' FILE (and see .gitattributes)" >&2
		return 1
	fi
}

@test "repo: every script, bats file, C source and Makefile is forced to LF by .gitattributes" {
	require_git_checkout
	local f attrs bad=() n=0
	while IFS= read -r f; do
		case "$f" in
		*.sh | *.bash | *.bats | *.c | *.h | *.apparmor | *.md | Makefile | */Vagrantfile | \
			tools/* | tests/run | tests/doctest | tests/vm/* | .ci/*) ;;
		*)
			# Anything else that starts with #! is a script too.
			[ "$(head -c 2 "$KIT/$f" 2>/dev/null)" = '#!' ] || continue
			;;
		esac
		n=$((n + 1))
		attrs=$(git -C "$KIT" check-attr text eol -- "$f")
		if [[ "$attrs" != *"eol: lf"* ]] || [[ "$attrs" == *"text: unset"* ]]; then
			bad+=("$f: $(echo "$attrs" | tr '\n' ' ')")
		fi
	done < <(git -C "$KIT" ls-files)
	[ "$n" -gt 50 ] || fail "only $n scripts and sources found"
	if [ "${#bad[@]}" -gt 0 ]; then
		printf 'not forced to LF: %s\n' "${bad[@]}" >&2
		return 1
	fi
}

@test "repo: a clone made as Git for Windows does (core.autocrlf=true) has no CR in any text file" {
	require_git_checkout
	local head clone=$BATS_TEST_TMPDIR/clone f bad=() n=0
	head=$(git -C "$KIT" rev-parse HEAD)
	# What was committed is what a student clones: clone the commit, with
	# Windows' default setting, and look at the files it wrote.
	git clone -q --no-checkout -c core.autocrlf=true "$KIT" "$clone"
	git -C "$clone" checkout -q "$head"
	[ -f "$clone/.gitattributes" ] || skip "HEAD ($head) has no .gitattributes yet: commit it first"
	[ "$(git -C "$clone" config core.autocrlf)" = true ]
	while IFS= read -r f; do
		[ -f "$clone/$f" ] || continue
		n=$((n + 1))
		if LC_ALL=C grep -q $'\r' "$clone/$f"; then
			bad+=("$f")
		fi
	done < <(git -C "$clone" ls-files)
	[ "$n" -gt 50 ] || fail "only $n files in the clone"
	if [ "${#bad[@]}" -gt 0 ]; then
		printf 'CRLF in a core.autocrlf=true checkout: %s\n' "${bad[@]}" >&2
		return 1
	fi
	# The control: the same clone without .gitattributes does write CRLF,
	# so the clean result above is the attributes' doing, not the setting's.
	git -C "$clone" rm -q .gitattributes
	git -C "$clone" -c user.name=nslab -c user.email=nslab@localhost commit -q -m control
	rm "$clone/tools/mkrootfs"
	git -C "$clone" checkout -- tools/mkrootfs
	LC_ALL=C grep -q $'\r' "$clone/tools/mkrootfs" ||
		fail "the control clone wrote LF too: core.autocrlf=true did not take effect"
}
