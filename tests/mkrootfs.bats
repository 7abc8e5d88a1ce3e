#!/usr/bin/env bats
# tools/mkrootfs: builds a small rootfs, offline, and refuses to touch
# anything that is not its own.  Observer: chroot running the result.

load test_helper

setup() { DIR=$BATS_TEST_TMPDIR/rootfs; }

@test "mkrootfs: --help exits 0 and names its sources" {
	run -0 "$MKROOTFS" --help
	[[ "$output" == *"--from-tar"* ]]
	[[ "$output" == *"busybox"* ]]
}

@test "mkrootfs: the result runs sh under chroot, and building twice is fine" {
	require_root
	run -0 "$MKROOTFS" "$DIR"
	run -0 "$MKROOTFS" "$DIR"
	run -0 chroot "$DIR" /bin/sh -c 'echo ok'
	[ "$output" = ok ]
	[ -x "$DIR/bin/ps" ]
	[ -d "$DIR/proc" ]
}

@test "mkrootfs: uses a static busybox when the host has one" {
	require_cmd busybox
	ldd "$(command -v busybox)" >/dev/null 2>&1 && skip "the host's busybox is not static"
	run -0 "$MKROOTFS" "$DIR"
	[[ "$output" == *"static busybox"* ]]
	[ -L "$DIR/bin/sh" ]
	[[ "$(readlink "$DIR/bin/sh")" == @(busybox|/bin/busybox) ]]
	# Inside the rootfs, sh is that busybox.
	require_root
	run -0 chroot "$DIR" /bin/sh -c 'readlink -f /bin/sh'
	[ "$output" = /bin/busybox ]
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

@test "mkrootfs: refuses / and an empty path, writing nothing" {
	run -2 "$MKROOTFS" /
	[[ "$output" == *"refusing"* ]]
	run -2 "$MKROOTFS" /tmp/../
	[ ! -e /.nslab-rootfs ]
	run -2 "$MKROOTFS" ""
	run -2 "$MKROOTFS"
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
	run -2 "$MKROOTFS" "$DIR" "$DIR.2"
	[ ! -e "$DIR" ]
}
