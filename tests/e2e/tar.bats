#!/usr/bin/env bats
# Provision=tar: a Debian container created from a tar archive at its first start (the cached
# debootstrap tree, packed), booted at host boot, seen by machinectl, reachable, its root
# password set from RootPasswordHashFile=.

load lib/e2e

setup() {
	e2e_setup tar
	DEBIAN_TAR=$(e2e_debian_tar)
}

teardown() {
	e2e_teardown
}

@test "Provision=tar: provisioned and running after boot, reachable, root password set" {
	hash_file deb
	entry deb <<-EOF
		[Container]
		Description=Debian from a tar archive
		Provision=tar /srv/bookworm.tar
		RootPasswordHashFile=/etc/containers.d/deb.hash
	EOF
	boot --bind-ro "$DEBIAN_TAR:/srv/bookworm.tar"
	[ "$E2E_STATE" = running ]

	run unit_prop deb ActiveState
	assert_output active
	run guest machinectl list --no-legend
	assert_output --regexp '^deb +container +systemd-nspawn +debian +12 '
	wait_machine_running deb

	# A command inside, through machined and the container's own systemd.
	run in_machine deb cat /etc/os-release
	assert_success
	assert_line 'VERSION_CODENAME=bookworm'
	run in_machine deb hostname
	assert_output deb

	# The root password from the hash file, in the container's /etc/shadow.
	run in_machine deb getent shadow root
	assert_output --partial "root:$E2E_HASH:"

	# The provisioning was logged, and left no temporary sibling behind.
	run journal_of deb
	assert_output --partial 'Provisioned /var/lib/machines/deb'
	# (.#deb.lck is nspawn's image lock; berth's temporary trees are .#deb.berth-XXXXXX, and
	# .#IMAGE.berth-XXXXXX in the image cache.)
	run guest ls -A /var/lib/machines
	assert_line deb
	assert_line .berth-images
	refute_output --partial '.#deb.berth-'
	run guest ls -A /var/lib/machines/.berth-images
	assert_output --regexp '^tar-bookworm\.tar-[0-9a-f]{12}$'

	# For the record (the build's meson-logs/e2e/tar.txt): what an admin sees.
	keep_output guest machinectl list
	keep_output guest systemctl status --no-pager systemd-nspawn@deb
	guest systemctl stop systemd-nspawn@deb
	run unit_prop deb Result
	assert_output success
	e2e_host_poweroff
}
