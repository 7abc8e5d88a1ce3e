#!/usr/bin/env bash
# Install everything nslab needs to build its labs and run its tests.
#
# This is the kit's one list of packages: the Vagrant VM, CI (.ci/run)
# and the README's native quick start all run this same script.  It is
# safe to run again (apt-get install skips what is already there) and it
# never upgrades installed packages: on a Vagrant box an upgrade can
# replace the kernel under the shared-folder driver and break /vagrant.
#
# Supported: Debian 12 and Ubuntu 22.04 or later, run as root.
#
# Usage: provision.sh [--vm-check]
#   --vm-check   also install what `make vm-check` and the Vagrantfile check
#                need on the machine that runs them (qemu, vagrant); not
#                needed inside the VM itself.
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
)
if [ "$vm_check" = 1 ]; then
	packages+=(
		# make vm-check boots Debian's kernel under qemu; depmod (kmod)
		# and dpkg-deb prepare it.
		qemu-system-x86
		# `vagrant validate` checks vagrant/Vagrantfile without a box.
		vagrant
	)
fi

# Refresh the package lists once a day at most, so a second run is quick.
stamp=/var/lib/apt/periodic/nslab-update-stamp
if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
	apt-get update -q
	mkdir -p "$(dirname "$stamp")"
	touch "$stamp"
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "provision.sh: installing ${missing[*]}"
	apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	echo "provision.sh: all ${#packages[@]} packages already installed"
fi
