#!/usr/bin/env bash
# Install everything nslab needs to build its labs and run its tests.
#
# This is the kit's one list of packages: the Vagrant VM, CI (.ci/run)
# and the README's native quick start all run this same script.  It is
# safe to run again (apt-get install skips what is already there) and it
# never runs an upgrade: on a Vagrant box an upgrade can replace the kernel
# under the shared-folder driver and break /vagrant.  (A package it installs
# may still pull a newer library it needs exactly, as libc6-dev pulls libc6
# on an older box; no kernel package is among them.)
#
# Supported: Debian 12 and Ubuntu 22.04 or later, run as root.
#
# In the kit's VM on Ubuntu 24.04 it also loads two AppArmor profiles, so
# that Lab 07 and mini_container --rootless can run without sudo (see the
# end of this script).
#
# Usage: provision.sh [--vm-check]
#   --vm-check   also install what `make vm-check`, `make distro-check` and
#                the Vagrantfile check need on the machine that runs them
#                (qemu, debootstrap, vagrant); not needed inside the VM itself.
set -euo pipefail

vm_check=0
case "${1:-}" in
"") ;;
--vm-check) vm_check=1 ;;
-h | --help)
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
	exit 0
	;;
*)
	echo "provision.sh: unknown option '$1' (try --help)" >&2
	exit 2
	;;
esac

if [ "$(id -u)" -ne 0 ]; then
	echo "provision.sh: needs root to install packages — run: sudo $0" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "provision.sh: no apt-get here; install the packages listed in $0 by hand" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive

packages=(
	# Building the labs: a C compiler, make and the C library headers.
	gcc make libc6-dev
	# The test runner, and a linter for the kit's shell scripts.
	bats shellcheck
	# The independent observers the tests use: ip (iproute2); lsns,
	# nsenter, unshare, setpriv, findmnt (util-linux); ps, pgrep (procps);
	# hostname; ping for Lab 04's traffic check.
	iproute2 util-linux procps hostname iputils-ping
	# A static busybox: tools/mkrootfs builds Lab 03's root filesystem
	# from it, with no network access.
	busybox-static
	# modprobe, for the veth driver on kernels that build it as a module.
	kmod
	# Every page types `sudo`; a minimal Debian install has none.
	sudo
	# The safety tests watch which processes a demo signals (strace -f).
	strace
	# xmllint: the checkpoint's tests read its JUnit XML with it (a
	# minimal Debian, as in make distro-check, has no python3 to do it).
	libxml2-utils
)
if [ "$vm_check" = 1 ]; then
	packages+=(
		# make vm-check boots Debian's kernel under qemu; depmod (kmod)
		# and dpkg-deb prepare it.
		qemu-system-x86
		# `vagrant validate` checks vagrant/Vagrantfile without a box
		# (Debian has it; Ubuntu 24.04's archive does not: see below).
		vagrant
		# rsvg-convert: tests/walkthrough.bats renders the pages' pictures.
		librsvg2-bin
		# make format-check: CI fails on C that .clang-format would change.
		clang-format
		# make distro-check builds its Debian 13 image with debootstrap,
		# which checks Debian's signatures with this keyring (Debian has it
		# already; on Ubuntu it is not there otherwise).
		debootstrap
		debian-archive-keyring
	)
fi
# Packages a distribution may not have at all: left out there, with a word
# (tests/vagrant.bats then says it skipped), instead of failing the rest.
optional=(vagrant)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	# Refresh the package lists once a day at most, so a second run is quick.
	stamp=/var/lib/apt/periodic/nslab-update-stamp
	if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
		apt-get update -q
		mkdir -p "$(dirname "$stamp")"
		touch "$stamp"
	fi
	for p in "${optional[@]}"; do
		[[ " ${missing[*]} " == *" $p "* ]] || continue
		if ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [^(]'; then
			echo "provision.sh: $p is not in this distribution's archive; going on without it"
			for i in "${!missing[@]}"; do [ "${missing[i]}" != "$p" ] || unset 'missing[i]'; done
		fi
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		echo "provision.sh: installing ${missing[*]}"
		apt-get install -y -q --no-install-recommends "${missing[@]}"
	fi
else
	# Nothing to fetch, so no network: a box packaged after one provisioning
	# (vagrant package, see the Vagrantfile) provisions offline.
	echo "provision.sh: all ${#packages[@]} packages already installed; apt not run"
fi

# The suite needs bats-core 1.5 or later.  Debian 12 ships 1.8 and Ubuntu
# 24.04 1.10, but Ubuntu 22.04 ships 1.2: there, install bats-core's own
# release from the npm registry (npm pack fetches the tarball; bats-core's
# install.sh puts it under /usr/local, which comes first in PATH).
bats_recent() {
	local v major minor
	v=$("$1" --version 2>/dev/null | awk '{print $2}')
	IFS=. read -r major minor _ <<<"$v"
	[[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
	[ "${major:-0}" -gt 1 ] || { [ "${major:-0}" -eq 1 ] && [ "${minor:-0}" -ge 5 ]; }
}
install_bats_from_npm() { # PREFIX
	local tmp
	command -v npm >/dev/null 2>&1 || apt-get install -y -q --no-install-recommends npm
	tmp=$(mktemp -d)
	(cd "$tmp" && npm pack --silent bats@1 >/dev/null && tar -xzf bats-*.tgz &&
		package/install.sh "$1")
	local rc=$?
	rm -rf "$tmp"
	return "$rc"
}
if ! bats_recent bats; then
	echo "provision.sh: bats $(bats --version 2>/dev/null | awk '{print $2}') is older than 1.5;" \
		"installing bats-core from the npm registry into /usr/local"
	install_bats_from_npm /usr/local
	hash -r
	bats_recent bats || {
		echo "provision.sh: still no bats >= 1.5 — see https://bats-core.readthedocs.io" >&2
		exit 1
	}
fi
echo "provision.sh: $(bats --version)"

# Lab 07 is run by an ordinary user, without sudo.  Ubuntu 23.10 and later
# (24.04 by default: kernel.apparmor_restrict_unprivileged_userns = 1) let
# an unconfined program create a user namespace but take every capability
# away inside it.  The least change that lets the lab work: an AppArmor
# profile that gives that one program, at its path, user namespaces as
# before; the restriction stays on for every other program.  This is done
# in the kit's VM only (the kit at /vagrant); on a machine of your own it
# is your decision: walkthrough/07-user.md shows the two commands.  Where
# the sysctl does not exist (Debian, Ubuntu 22.04) there is nothing to do.
userns_sysctl=/proc/sys/kernel/apparmor_restrict_unprivileged_userns
lab07_profile=/etc/apparmor.d/nslab-user_demo
if [ -r "$userns_sysctl" ] && [ "$(cat "$userns_sysctl")" != 0 ]; then
	# Vagrant runs a copy of this script from /tmp: find the kit by path.
	kit=$(cd "$(dirname "$0")/.." && pwd -P)
	[ -f "$kit/labs/07-user/user_demo.apparmor" ] || kit=/vagrant
	if [ "$kit" != /vagrant ]; then
		echo "provision.sh: AppArmor restricts unprivileged user namespaces here; for Lab 07" \
			"to run without sudo, see walkthrough/07-user.md (one profile, one program)"
	elif [ ! -f "$kit/labs/07-user/user_demo.apparmor" ]; then
		echo "provision.sh: no $kit/labs/07-user/user_demo.apparmor; Lab 07's profile not installed" >&2
	else
		command -v apparmor_parser >/dev/null 2>&1 ||
			apt-get install -y -q --no-install-recommends apparmor
		tmp=$(mktemp)
		sed "s|@DEMO@|$kit/labs/07-user/user_demo|" "$kit/labs/07-user/user_demo.apparmor" >"$tmp"
		if ! cmp -s "$tmp" "$lab07_profile"; then
			install -m 644 "$tmp" "$lab07_profile"
		fi
		# -r loads it, or replaces the loaded one: the same on every run.
		apparmor_parser -r "$lab07_profile"
		echo "provision.sh: AppArmor profile nslab-user_demo ($lab07_profile) lets" \
			"$kit/labs/07-user/user_demo create user namespaces (Lab 07)"
		# The same for Lab 11's mini_container --rootless.
		mc=$kit/labs/11-container/mini_container
		if [ -f "$mc.apparmor" ]; then
			sed "s|@PROGRAM@|$mc|" "$mc.apparmor" >"$tmp"
			cmp -s "$tmp" /etc/apparmor.d/nslab-mini_container ||
				install -m 644 "$tmp" /etc/apparmor.d/nslab-mini_container
			apparmor_parser -r /etc/apparmor.d/nslab-mini_container
			echo "provision.sh: AppArmor profile nslab-mini_container lets $mc --rootless" \
				"create user namespaces (Lab 11)"
		fi
		rm -f "$tmp"
	fi
fi
