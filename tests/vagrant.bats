#!/usr/bin/env bats
# The Vagrantfile students use: `vagrant validate` checks it without a box
# or a hypervisor, and Vagrant's own Ruby library evaluates it the way
# `vagrant up` would, to read the VM name and the box it would use - all
# without VirtualBox, so nothing is booted here.  Skips when vagrant is not
# installed.  Also provision.sh's offline path, with apt stubbed out.

# suite: runs beside the others
load test_helper

@test "vagrant: the Vagrantfile validates" {
	require_cmd vagrant
	local tmp=$BATS_TEST_TMPDIR before
	# A student who ran `vagrant up` has a vagrant/.vagrant already: what
	# counts is that this test adds nothing there, not that nothing exists.
	before=$(find "$KIT/vagrant" 2>/dev/null | sort)
	cd "$KIT/vagrant"
	# Vagrant's state goes to the test's temporary directory, not the kit
	# or root's home.
	VAGRANT_HOME=$tmp/home VAGRANT_DOTFILE_PATH=$tmp/dot VAGRANT_CHECKPOINT_DISABLE=1 \
		run -0 vagrant validate --ignore-provider
	[[ "$output" == *"validated successfully"* ]]
	[ "$(find "$KIT/vagrant" 2>/dev/null | sort)" = "$before" ]
}

@test "vagrant: the box, the share and the provisioning are the documented ones" {
	local f=$KIT/vagrant/Vagrantfile
	grep -q '^BOX = "bento/ubuntu-24.04"' "$f"
	grep -q '^BOX_VERSION = ENV.fetch("NSLAB_BOX_VERSION", "[0-9][0-9.]*")' "$f"
	grep -q 'config.vm.box_version = BOX_VERSION' "$f"
	grep -q 'box_check_update = false' "$f"
	# No fixed VM name: VirtualBox and Parallels take this checkout's, and
	# libvirt's domain gets it as a prefix.  (The Parallels and libvirt
	# blocks are read by their plugins only, so only this text is checked
	# of them; the VirtualBox name is checked through Vagrant below.)
	run ! grep -qE '(vb|prl)\.name *= *"' "$f"
	grep -q 'vb.name = vm_name' "$f"
	grep -q 'prl.name = vm_name' "$f"
	grep -q 'lv.default_prefix = "#{vm_name}-"' "$f"
	grep -q 'synced_folder "..", "/vagrant"' "$f"
	grep -q 'provision "shell", path: "provision.sh"' "$f"
	grep -q 'Vagrant.require_version' "$f"
	local p
	for p in virtualbox vmware_desktop parallels libvirt; do
		grep -q "provider \"$p\"" "$f"
	done
}

# ---- what `vagrant up` would use, read through Vagrant itself ----

# vagrant_config DIR: Vagrant evaluates DIR/Vagrantfile for the machine
# "default" and the VirtualBox provider, as `vagrant up` would, without
# asking for VirtualBox itself (validate_provider false), and prints
# box=, box_version=, box_url= and virtualbox.name= lines.
vagrant_config() {
	local ruby='' r
	for r in ruby /opt/vagrant/embedded/bin/ruby; do
		if command -v "$r" >/dev/null 2>&1 && "$r" -e 'require "vagrant"' 2>/dev/null; then
			ruby=$r
			break
		fi
	done
	[ -n "$ruby" ] || skip "no Ruby here can load Vagrant's library (require \"vagrant\")"
	cat >"$BATS_TEST_TMPDIR/probe.rb" <<'EOF'
require "vagrant"
env = Vagrant::Environment.new(cwd: ARGV[0], home_path: ARGV[1], local_data_path: ARGV[2])
c = env.vagrantfile.machine_config(:default, :virtualbox, env.boxes, nil, false)[:config]
puts "box=#{c.vm.box}"
puts "box_version=#{c.vm.box_version}"
puts "box_url=#{Array(c.vm.box_url).join(" ")}"
puts "virtualbox.name=#{c.vm.get_provider_config(:virtualbox).name}"
EOF
	VAGRANT_CHECKPOINT_DISABLE=1 "$ruby" "$BATS_TEST_TMPDIR/probe.rb" "$1" \
		"$BATS_TEST_TMPDIR/vagrant-home" "$BATS_TEST_TMPDIR/vagrant-data"
}

# A checkout of the kit's vagrant/ directory at DIR/vagrant.
copy_checkout() {
	mkdir -p "$1/vagrant"
	cp "$KIT/vagrant/Vagrantfile" "$KIT/vagrant/provision.sh" "$1/vagrant/"
}

# sha256 of a string, first 8 hex digits, by coreutils (not Ruby).
hash8() { printf '%s' "$1" | sha256sum | cut -c1-8; }

vm_name_of() { vagrant_config "$1" | sed -n 's/^virtualbox.name=//p'; }

validates() {
	(cd "$1/vagrant" && VAGRANT_HOME=$BATS_TEST_TMPDIR/vagrant-home \
		VAGRANT_DOTFILE_PATH=$1/dot VAGRANT_CHECKPOINT_DISABLE=1 \
		vagrant validate --ignore-provider) | grep -q "validated successfully"
}

@test "vagrant: two checkouts get two VM names, each made from its own path" {
	require_cmd vagrant sha256sum
	local one=$BATS_TEST_TMPDIR/one/nslab two=$BATS_TEST_TMPDIR/two/nslab n1 n2
	copy_checkout "$one"
	copy_checkout "$two"
	vagrant_config "$one/vagrant" >/dev/null # skips here if Vagrant's library cannot be loaded
	n1=$(vm_name_of "$one/vagrant")
	n2=$(vm_name_of "$two/vagrant")
	# Same directory name, different paths: the hash tells them apart.
	[ "$n1" = "nslab-nslab-$(hash8 "$one")" ]
	[ "$n2" = "nslab-nslab-$(hash8 "$two")" ]
	[ "$n1" != "$n2" ]
	# A checkout keeps its name from one run of vagrant to the next.
	[ "$(vm_name_of "$one/vagrant")" = "$n1" ]
	# The kit's own checkout too.
	[ "$(vm_name_of "$KIT/vagrant")" = "nslab-$(basename "$KIT")-$(hash8 "$KIT")" ]
	validates "$one"
	validates "$two"
}

@test "vagrant: the box is pinned; NSLAB_BOX_VERSION tries another; a prepared nslab.box replaces it" {
	require_cmd vagrant
	local co=$BATS_TEST_TMPDIR/co pinned
	copy_checkout "$co"
	pinned=$(sed -n 's/^BOX_VERSION = ENV.fetch("NSLAB_BOX_VERSION", "\(.*\)")$/\1/p' "$co/vagrant/Vagrantfile")
	[ -n "$pinned" ]
	vagrant_config "$co/vagrant" >/dev/null # skips here if Vagrant's library cannot be loaded
	run -0 vagrant_config "$co/vagrant"
	[[ "$output" == *"box=bento/ubuntu-24.04"* ]]
	[[ "$output" == *"box_version=$pinned"* ]]
	NSLAB_BOX_VERSION=299912.31.0 run -0 vagrant_config "$co/vagrant"
	[[ "$output" == *"box_version=299912.31.0"* ]]
	# The offline path: a box file beside the Vagrantfile is used, by name,
	# added from that file, and no version is asked of it.
	touch "$co/vagrant/nslab.box"
	run -0 vagrant_config "$co/vagrant"
	[[ "$output" == *$'box=nslab\n'* ]]
	[[ "$output" == *"box_url=$co/vagrant/nslab.box"* ]]
	[[ "$output" == *$'box_version=\n'* ]]
	validates "$co"
}

# ---- provision.sh offline: apt is not run when nothing is missing ----

APT_STAMP=/var/lib/apt/periodic/nslab-update-stamp
teardown() {
	case "${STAMP_BEFORE:-}" in
	"") ;;
	none) rm -f "$APT_STAMP" ;;
	*) touch -r "$STAMP_BEFORE" "$APT_STAMP" ;;
	esac
}

# stub_apt MISSING: a PATH directory whose dpkg-query reports every package
# installed but MISSING (none: "-"), and whose apt-get only writes its
# arguments to $BATS_TEST_TMPDIR/apt.log.
stub_apt() {
	local bin=$BATS_TEST_TMPDIR/stub
	rm -rf "$bin"
	mkdir -p "$bin"
	cat >"$bin/dpkg-query" <<EOF
#!/bin/sh
for last; do :; done
[ "\$last" = "$1" ] && exit 1
printf 'install ok installed'
EOF
	cat >"$bin/apt-get" <<EOF
#!/bin/sh
echo "apt-get \$*" >>"$BATS_TEST_TMPDIR/apt.log"
EOF
	chmod +x "$bin/dpkg-query" "$bin/apt-get"
	STUB_PATH=$bin
}

@test "vagrant: provision.sh runs no apt when every package is there (offline), and installs what is missing" {
	require_root
	require_cmd bats
	# Where AppArmor's user-namespace sysctl exists, provision.sh would load
	# profiles on this host: not in a test.
	[ ! -e /proc/sys/kernel/apparmor_restrict_unprivileged_userns ] ||
		skip "this host has AppArmor's userns restriction; provision.sh would change it"
	# provision.sh keeps a stamp of its last `apt-get update`: whatever the
	# runs below do to it, teardown puts it back as it was.
	if [ -e "$APT_STAMP" ]; then
		touch -r "$APT_STAMP" "$BATS_TEST_TMPDIR/stamp-before"
		STAMP_BEFORE=$BATS_TEST_TMPDIR/stamp-before
	else
		STAMP_BEFORE=none
	fi
	# A stamp two days old: the old provision.sh would refresh the lists
	# (network) even with nothing to install.
	mkdir -p "$(dirname "$APT_STAMP")"
	touch -d '2 days ago' "$APT_STAMP"
	stub_apt -
	PATH=$STUB_PATH:$PATH run -0 bash "$KIT/vagrant/provision.sh"
	[[ "$output" == *"packages already installed; apt not run"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/apt.log" ]
	# The control: one package missing, and apt-get is asked for that one.
	stub_apt busybox-static
	PATH=$STUB_PATH:$PATH run -0 bash "$KIT/vagrant/provision.sh"
	[[ "$output" == *"installing busybox-static"* ]]
	grep -qx 'apt-get update -q' "$BATS_TEST_TMPDIR/apt.log"
	grep -qx 'apt-get install -y -q --no-install-recommends busybox-static' "$BATS_TEST_TMPDIR/apt.log"
}
