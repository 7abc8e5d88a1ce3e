#!/usr/bin/env bats
# tools/mkrootfs: builds a small rootfs, offline, and refuses to touch
# anything that is not its own.  Observer: chroot running the result.

load test_helper

setup_file() { snapshot_before; }
setup() { DIR=$BATS_TEST_TMPDIR/rootfs; }

# The tree below $1 as the kernel shows it: the type, mode, size and link
# target of every file, one a line.  No tree there is a failure, not an
# empty listing.
tree_of() {
	local t
	t=$(find "$1" -printf '%y %m %s %l %P\n') || return 1
	sort <<<"$t"
}
USAGE='Usage: tools/mkrootfs [--from-tar FILE | --from-host] [--quiet] DIR'

@test "mkrootfs: --help exits 0 and names its sources" {
	run -0 "$MKROOTFS" --help
	[[ "$output" == *"--from-tar"* ]]
	[[ "$output" == *"busybox"* ]]
	[[ "$output" == *"--quiet"* ]]
}

@test "mkrootfs: --quiet builds the same tree and prints nothing" {
	require_root
	run -0 "$MKROOTFS" --quiet "$DIR"
	[ -z "$output" ]
	[ -f "$DIR/.nslab-rootfs" ]
	run -0 chroot "$DIR" /bin/sh -c 'echo in-chroot'
	[ "$output" = in-chroot ]
}

@test "mkrootfs: the result runs sh under chroot, and building again on it changes nothing" {
	require_root
	run -0 "$MKROOTFS" "$DIR"
	# "Running it again on its own result is harmless": the same tree
	# afterwards, a file of the user's own in it included.
	echo mine >"$DIR/root/notes"
	local before after
	before=$(tree_of "$DIR")
	run -0 "$MKROOTFS" "$DIR"
	after=$(tree_of "$DIR")
	[ "$after" = "$before" ] || {
		diff <(echo "$before") <(echo "$after") >&2
		fail "building again changed the tree (before < > after)"
	}
	[ "$(cat "$DIR/root/notes")" = mine ]
	run -0 chroot "$DIR" /bin/sh -c 'echo ok'
	[ "$output" = ok ]
	[ -x "$DIR/bin/ps" ]
	[ -d "$DIR/proc" ]
	# /tmp is for everyone, with the sticky bit, as a real root's is.
	[ "$(stat -c %a "$DIR/tmp")" = 1777 ]
}

@test "mkrootfs: uses a static busybox when the host has one, with a link for every command it has" {
	require_cmd busybox
	ldd "$(command -v busybox)" >/dev/null 2>&1 && skip "the host's busybox is not static"
	run -0 "$MKROOTFS" "$DIR"
	[[ "$output" == *"static busybox"* ]]
	[ -L "$DIR/bin/sh" ]
	[[ "$(readlink "$DIR/bin/sh")" == @(busybox|/bin/busybox) ]]
	cmp "$(command -v busybox)" "$DIR/bin/busybox"
	# Every command the host's busybox lists (but busybox, the file
	# itself) is a link to it in /bin.
	local applets missing
	busybox --list | grep -vx busybox | sort >"$BATS_TEST_TMPDIR/applets"
	applets=$(wc -l <"$BATS_TEST_TMPDIR/applets")
	[ "$applets" -gt 50 ] || fail "busybox --list gave only $applets commands"
	missing=$(find "$DIR/bin" -maxdepth 1 -type l -lname '*busybox' -printf '%f\n' | sort |
		comm -23 "$BATS_TEST_TMPDIR/applets" -)
	[ -z "$missing" ] || fail "no link to busybox in /bin for: $(echo "$missing" | tr '\n' ' ')"
	# Inside the rootfs, sh is that busybox, and uid 0 has the name root.
	require_root
	run -0 chroot "$DIR" /bin/sh -c 'readlink -f /bin/sh'
	[ "$output" = /bin/busybox ]
	run -0 chroot "$DIR" /bin/sh -c 'id -un'
	[ "$output" = root ]
}

@test "mkrootfs: an ordinary user's build has every command root's has (Lab 06's page runs cut in it)" {
	require_root
	require_cmd busybox setpriv
	ldd "$(command -v busybox)" >/dev/null 2>&1 && skip "the host's busybox is not static"
	# make, run by a student without sudo, builds labs/rootfs this way.
	local dir=$BATS_TEST_TMPDIR/open
	mkdir -m 777 "$dir"
	chmod o+x "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/.." "$BATS_RUN_TMPDIR"
	as_nobody test -w "$dir" || skip "user nobody cannot reach $dir: run with TMPDIR=/tmp"
	# A copy of the script: the kit may sit in a home directory closed to
	# others (Debian 13, Ubuntu 21.04+).
	cp "$MKROOTFS" "$dir/mkrootfs"
	chmod 755 "$dir/mkrootfs"
	run -0 as_nobody "$dir/mkrootfs" "$dir/user"
	run -0 "$MKROOTFS" "$DIR"
	diff <(ls "$DIR/bin") <(ls "$dir/user/bin")
	run -0 chroot "$dir/user" /bin/sh -c 'echo a:b | cut -d: -f2'
	[ "$output" = b ]
}

@test "mkrootfs: --from-host copies the host's tools and their libraries" {
	require_root
	run -0 "$MKROOTFS" --from-host "$DIR"
	run -0 chroot "$DIR" /bin/sh -c 'echo ok; hostname >/dev/null && echo hostname-ok'
	[[ "$output" == *"hostname-ok"* ]]
	local t
	for t in sh ls ps mount umount cat hostname; do
		[ -x "$DIR/bin/$t" ]
	done
}

@test "mkrootfs: --from-tar unpacks a distribution-style tarball" {
	require_root
	"$MKROOTFS" --quiet "$BATS_TEST_TMPDIR/src"
	tar -czf "$BATS_TEST_TMPDIR/mini.tar.gz" -C "$BATS_TEST_TMPDIR/src" --exclude=./.nslab-rootfs .
	run -0 "$MKROOTFS" --from-tar "$BATS_TEST_TMPDIR/mini.tar.gz" "$DIR"
	run -0 chroot "$DIR" /bin/sh -c 'echo ok'
	[ "$output" = ok ]
	run -2 "$MKROOTFS" --from-tar "$BATS_TEST_TMPDIR/missing.tar" "$BATS_TEST_TMPDIR/other"
	[ ! -e "$BATS_TEST_TMPDIR/other" ]
}

@test "mkrootfs: a build that fails exits 1 and leaves no partial tree, so the next run can build there" {
	# Not a tarball: tar fails once the directories are made.
	echo junk >"$BATS_TEST_TMPDIR/bad.tar"
	run -1 "$MKROOTFS" --from-tar "$BATS_TEST_TMPDIR/bad.tar" "$DIR"
	[[ "$output" == *"could not unpack"* ]]
	[ ! -e "$DIR" ] || fail "a failed build left: $(find "$DIR" | head)"
	# An empty directory given stays, empty.
	mkdir "$DIR"
	run -1 "$MKROOTFS" --from-tar "$BATS_TEST_TMPDIR/bad.tar" "$DIR"
	[ -d "$DIR" ]
	[ -z "$(ls -A "$DIR")" ] || fail "a failed build left: $(ls -A "$DIR")"
	# A good tarball then builds there...
	mkdir -p "$BATS_TEST_TMPDIR/src/bin"
	ln -s busybox "$BATS_TEST_TMPDIR/src/bin/sh"
	tar -cf "$BATS_TEST_TMPDIR/good.tar" -C "$BATS_TEST_TMPDIR/src" .
	run -0 "$MKROOTFS" --from-tar "$BATS_TEST_TMPDIR/good.tar" "$DIR"
	[ -f "$DIR/.nslab-rootfs" ]
	# ...and a rebuild that fails leaves that rootfs, its own, as it was.
	local before
	before=$(tree_of "$DIR")
	run -1 "$MKROOTFS" --from-tar "$BATS_TEST_TMPDIR/bad.tar" "$DIR"
	[ "$(tree_of "$DIR")" = "$before" ]
}

@test "mkrootfs: refuses / and an empty path, writing nothing" {
	run -2 "$MKROOTFS" /
	[[ "$output" == *"refusing"* ]]
	[[ "$output" == *"$USAGE"* ]]
	run -2 "$MKROOTFS" /tmp/../
	[[ "$output" == *"refusing"*"$USAGE"* ]]
	[ ! -e /.nslab-rootfs ]
	run -2 "$MKROOTFS" ""
	[[ "$output" == *"$USAGE"* ]]
	run -2 "$MKROOTFS"
	[[ "$output" == *"$USAGE"* ]]
}

@test "mkrootfs: refuses an unrelated non-empty directory and leaves it as it was" {
	mkdir -p "$DIR/keep"
	echo precious >"$DIR/keep/file"
	local before
	before=$(find "$DIR" -printf '%p %s %T@\n' | sort)
	run -2 "$MKROOTFS" "$DIR"
	[[ "$output" == *"not empty and not a rootfs"* ]]
	[ "$(find "$DIR" -printf '%p %s %T@\n' | sort)" = "$before" ]
}

@test "mkrootfs: never writes through a symlink that points out of the rootfs" {
	require_root
	"$MKROOTFS" --quiet "$DIR"
	local outside=$BATS_TEST_TMPDIR/outside
	mkdir "$outside"
	rm -rf "${DIR:?}/bin"
	ln -s "$outside" "$DIR/bin"
	run -1 "$MKROOTFS" "$DIR"
	[[ "$output" == *"symbolic link"* ]]
	[ -z "$(ls -A "$outside")" ]
}

@test "mkrootfs: unknown options and two directories are usage errors" {
	run -2 "$MKROOTFS" --bogus "$DIR"
	[[ "$output" == *"unknown option '--bogus'"*"$USAGE"* ]]
	run -2 "$MKROOTFS" "$DIR" "$DIR.2"
	[[ "$output" == *"only one DIR"*"$USAGE"* ]]
	[ ! -e "$DIR" ]
	[ ! -e "$DIR.2" ]
}

@test "mkrootfs: a target it cannot use is a usage error: exit 2, the usage, and nothing written" {
	local file=$BATS_TEST_TMPDIR/file empty=$BATS_TEST_TMPDIR/empty link=$BATS_TEST_TMPDIR/link
	echo data >"$file"
	mkdir "$empty"
	ln -s "$empty" "$link"
	# A file, a symbolic link (to an empty directory, which it would
	# otherwise take), a directory whose parent does not exist.
	run -2 "$MKROOTFS" "$file"
	[[ "$output" == *"exists and is not a directory"*"$USAGE"* ]]
	[ "$(cat "$file")" = data ]
	run -2 "$MKROOTFS" "$link"
	[[ "$output" == *"is a symbolic link"*"$USAGE"* ]]
	[ -z "$(ls -A "$empty")" ]
	run -2 "$MKROOTFS" "$BATS_TEST_TMPDIR/no/such/rootfs"
	[[ "$output" == *"does not exist"*"$USAGE"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/no" ]
	# A rootfs it made, but from another source: it says to remove it
	# first, and leaves it as it was.
	run -0 "$MKROOTFS" --quiet --from-host "$DIR"
	[ -z "$output" ] || fail "--quiet printed: $output"
	tar -cf "$BATS_TEST_TMPDIR/empty.tar" -C "$empty" .
	local before
	before=$(tree_of "$DIR")
	run -2 "$MKROOTFS" --from-tar "$BATS_TEST_TMPDIR/empty.tar" "$DIR"
	[[ "$output" == *"built with mode host, not tar; remove it first"*"$USAGE"* ]]
	[ "$(tree_of "$DIR")" = "$before" ]
}

@test "mkrootfs: nothing left behind" {
	assert_nothing_left
}
