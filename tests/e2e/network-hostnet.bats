#!/usr/bin/env bats
# [Network] VirtualEthernet=no (SPEC section 9: "the host's network, as in the seed recipe"): the
# container shares the host's network, so a listener in it answers on the host's 127.0.0.1, and
# berth has nothing of the host's network to configure for it (no networkd pulled in).

load lib/e2e
load lib/network

setup() {
	e2e_setup nethost
}

teardown() {
	e2e_teardown
}

@test "VirtualEthernet=no: a listener in the container answers on the host's 127.0.0.1" {
	# A busybox payload with a listener of its own on port 8081 (busybox nc, one answer per
	# connection: the line sent, then the container's host name), living as long as the payload.
	entry web <<-EOF
		[Container]
		Description=busybox payload on the host's network
		Enable=no
		Boot=no
		Command=/bin/sh -c "nc -ll -p 8081 -e sh -c 'head -n 1; hostname' & trap 'exit 0' TERM 38; while :; do sleep 1 & wait; done"
		Provision=copy /fixtures/busybox

		[Exec]
		KillSignal=SIGTERM

		[Network]
		VirtualEthernet=no
	EOF
	boot
	[ "$E2E_STATE" = running ]
	# Nothing listens there before the container starts.
	run host_tcp 127.0.0.1 8081 before
	assert_failure

	guest systemctl start systemd-nspawn@web
	run retry 20 host_tcp 127.0.0.1 8081 host-network
	assert_success
	assert_output "$(printf 'host-network\nweb')"
	# No link of its own, and nothing of the host's network for berth to configure.
	run guest ip -o link show
	refute_output --regexp 've-|vz-'
	run unit_prop web Wants
	refute_output --partial systemd-networkd
	run guest systemctl is-active systemd-networkd
	assert_output inactive

	keep_output guest machinectl list
	guest systemctl stop systemd-nspawn@web
	run unit_prop web Result
	assert_output success
	e2e_host_poweroff
}
