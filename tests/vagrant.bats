#!/usr/bin/env bats
# The Vagrantfile students use: `vagrant validate` checks it without a box
# or a hypervisor.  Skips when vagrant is not installed.

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
	grep -q 'config.vm.box = "bento/ubuntu-24.04"' "$f"
	grep -q 'box_check_update = false' "$f"
	grep -q 'synced_folder "..", "/vagrant"' "$f"
	grep -q 'provision "shell", path: "provision.sh"' "$f"
	grep -q 'Vagrant.require_version' "$f"
	local p
	for p in virtualbox vmware_desktop parallels libvirt; do
		grep -q "provider \"$p\"" "$f"
	done
}
