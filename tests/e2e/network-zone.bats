#!/usr/bin/env bats
# Zone= (SPEC section 9: "containers in one zone reach each other"): two Debian containers that
# berth provisions, in one zone. nspawn puts their links on the bridge vz-ZONE; berth has the
# host's systemd-networkd serve it (its stock 80-container-vz.network: address, DHCP server) and
# the guests' networkd configure host0. Each container reaches the other at its address, over TCP.

load lib/e2e
load lib/network

setup() {
	e2e_setup netzone
	DEBIAN_TAR=$(e2e_debian_tar)
}

teardown() {
	e2e_teardown
}

@test "Zone=: two containers in one zone get addresses and talk to each other" {
	local name
	for name in one two; do
		entry "$name" <<-EOF
			[Container]
			Description=Debian in zone web ($name)
			Enable=no
			Provision=tar $NET_DEBIAN_TAR_IN_HOST

			[Network]
			Zone=web
		EOF
	done
	boot --bind-ro "$DEBIAN_TAR:$NET_DEBIAN_TAR_IN_HOST"
	[ "$E2E_STATE" = running ]
	guest systemctl start systemd-nspawn@one systemd-nspawn@two
	wait_machine_running one
	wait_machine_running two

	# The host's networkd serves the zone's bridge with its stock file.
	run guest systemctl is-active systemd-networkd
	assert_output active
	run guest networkctl status vz-web
	assert_output --partial '80-container-vz.network'

	local addr_one addr_two
	addr_one=$(machine_ipv4 one)
	addr_two=$(machine_ipv4 two)
	echo "one: $addr_one, two: $addr_two"
	[ "$addr_one" != "$addr_two" ]

	machine_listen one 7001
	machine_listen two 7002
	run retry 20 machine_tcp one "$addr_two" 7002 from-one
	assert_success
	assert_output "$(printf 'from-one\ntwo')"
	run retry 20 machine_tcp two "$addr_one" 7001 from-two
	assert_success
	assert_output "$(printf 'from-two\none')"

	keep_output guest machinectl list
	keep_output guest networkctl
	keep_output guest berth list
	guest systemctl stop systemd-nspawn@one systemd-nspawn@two
	e2e_host_poweroff
}
