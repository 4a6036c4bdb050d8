#!/usr/bin/env bats
# ManageNetwork=no (SPEC section 9: "an opt-out, per entry and in defaults.d, leaves both sides to
# the admin"): the containers start on the stock unit's network, the host's systemd-networkd is
# not started for them, and the root berth provisions is left exactly as the image has it.

load lib/e2e
load lib/network

setup() {
	e2e_setup netoptout
	DEBIAN_TAR=$(e2e_debian_tar)
}

teardown() {
	e2e_teardown
}

# check_left_alone NAME...: the containers run, and berth touched neither side of their network.
check_left_alone() {
	local name
	for name in "$@"; do
		run unit_prop "$name" ActiveState
		assert_output active
		# No networkd in the unit's dependencies (the generated drop-in pulls in nothing).
		run unit_prop "$name" Wants
		refute_output --partial systemd-networkd
		run unit_prop "$name" After
		refute_output --partial systemd-networkd
	done
	run guest systemctl is-active systemd-networkd
	assert_output inactive
	# berth installed nothing that would run it later either.
	run guest systemctl is-enabled systemd-networkd
	refute_output enabled
}

@test "ManageNetwork=no in an entry: networkd stays stopped, the provisioned guest is as the image has it" {
	entry deb <<-EOF
		[Container]
		Description=Debian, network left to the admin
		Enable=no
		Provision=tar $NET_DEBIAN_TAR_IN_HOST
		ManageNetwork=no
	EOF
	boot --bind-ro "$DEBIAN_TAR:$NET_DEBIAN_TAR_IN_HOST"
	[ "$E2E_STATE" = running ]
	guest systemctl start systemd-nspawn@deb
	wait_machine_running deb
	check_left_alone deb

	# The guest: networkd neither enabled nor running, its network configuration that of the image.
	run in_machine deb systemctl is-enabled systemd-networkd
	assert_output disabled
	run in_machine deb systemctl is-active systemd-networkd
	assert_output inactive
	run journal_of deb
	assert_output --partial 'Provisioned /var/lib/machines/deb'
	refute_output --partial 'enabled systemd-networkd'
	local image root
	image=$(tar_network_state "$NET_DEBIAN_TAR_IN_HOST")
	root=$(root_network_state deb)
	[ -n "$image" ]
	assert_equal "$root" "$image"
	# So nothing configures the link: no address for the container.
	run guest ip -4 -o addr show dev ve-deb
	assert_output ''

	keep_output guest systemctl show -p Wants -p After systemd-nspawn@deb
	guest systemctl stop systemd-nspawn@deb
	e2e_host_poweroff
}

@test "ManageNetwork=no in defaults.d: applies to every entry, Zone= ones too" {
	mkdir "$E2E_DIR/containers.d/defaults.d"
	printf '[Container]\nManageNetwork=no\n' >"$E2E_DIR/containers.d/defaults.d/50-network.conf"
	entry deb <<-EOF
		[Container]
		Description=Debian, network left to the admin by defaults.d
		Enable=no
		Provision=tar $NET_DEBIAN_TAR_IN_HOST
	EOF
	e2e_busybox_entry bb 'Enable=no' '[Network]' 'Zone=optout' | entry bb
	boot --bind-ro "$DEBIAN_TAR:$NET_DEBIAN_TAR_IN_HOST"
	[ "$E2E_STATE" = running ]
	guest systemctl start systemd-nspawn@deb systemd-nspawn@bb
	wait_machine_running deb
	check_left_alone deb bb
	run in_machine deb systemctl is-enabled systemd-networkd
	assert_output disabled
	local image root
	image=$(tar_network_state "$NET_DEBIAN_TAR_IN_HOST")
	root=$(root_network_state deb)
	assert_equal "$root" "$image"

	guest systemctl stop systemd-nspawn@deb systemd-nspawn@bb
	e2e_host_poweroff
}
