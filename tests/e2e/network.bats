#!/usr/bin/env bats
# The default private network (SPEC section 9, issue 13): a container with no [Network] link keys
# gets the stock unit's --network-veth; berth has the host's systemd-networkd serve the host side
# (ve-NAME: address, DHCP server, masquerading, from its stock 80-container-ve.network) and enables
# networkd in the root it provisions. Nothing is set up by hand in the test host: the entry is all.
# Proved with TCP round trips: host -> container, Port= at the host's own (ve-NAME) address,
# container -> host, and the container's default route via the host.

load lib/e2e
load lib/network

setup() {
	e2e_setup network
	DEBIAN_TAR=$(e2e_debian_tar)
}

teardown() {
	e2e_teardown
}

@test "default network: a provisioned Debian container gets an address and a route; host, Port= and container reach each other" {
	entry deb <<-EOF
		[Container]
		Description=Debian on the default network
		Enable=no
		Provision=tar $NET_DEBIAN_TAR_IN_HOST

		[Network]
		Port=tcp:8080:80
	EOF
	boot --bind-ro "$DEBIAN_TAR:$NET_DEBIAN_TAR_IN_HOST"
	[ "$E2E_STATE" = running ]
	# Nothing runs networkd in the host before a container needs it.
	run guest systemctl is-active systemd-networkd
	assert_output inactive

	guest systemctl start systemd-nspawn@deb
	wait_machine_running deb
	# The container's unit pulled in the host's networkd, which serves ve-deb with its stock file.
	run guest systemctl is-active systemd-networkd
	assert_output active
	run guest networkctl status ve-deb
	assert_output --partial '80-container-ve.network'
	# The guest's networkd, enabled in the provisioned root, configures host0.
	run in_machine deb systemctl is-enabled systemd-networkd
	assert_output enabled
	run in_machine deb systemctl is-active systemd-networkd
	assert_output active
	run journal_of deb
	assert_output --partial 'enabled systemd-networkd in the new root'

	# An address from the host's DHCP server, and a default route via the host's end of the link.
	local addr gw
	addr=$(machine_ipv4 deb)
	gw=$(retry 30 machine_default_gateway deb)
	echo "container address $addr, default gateway $gw"
	run host_link_ipv4 ve-deb
	assert_line "$gw"

	# Host -> container: a listener on the container's port 80, reached at its address.
	machine_listen deb 80
	run retry 20 host_tcp "$addr" 80 host-to-container
	assert_success
	assert_output "$(printf 'host-to-container\ndeb')"

	# Port=tcp:8080:80 answers at the host's own address on the link (not 127.0.0.1: nspawn's
	# forwards are not applied to loopback traffic).
	run retry 20 host_tcp "$gw" 8080 port-forward
	assert_success
	assert_output "$(printf 'port-forward\ndeb')"

	# Container -> host: a listener in the host, reached at the container's default gateway.
	host_listen 8000
	run retry 20 machine_tcp deb "$gw" 8000 container-to-host
	assert_success
	assert_output "$(printf 'container-to-host\n%s' "$E2E_MACHINE")"

	# berth list shows the container's address and its forwarded port.
	run guest berth list
	assert_success
	assert_output --partial "$addr"
	assert_output --partial 8080

	keep_output guest machinectl list
	keep_output guest berth list
	keep_output guest networkctl
	keep_output in_machine deb networkctl status host0
	guest systemctl stop systemd-nspawn@deb
	run unit_prop deb Result
	assert_output success
	e2e_host_poweroff
}
