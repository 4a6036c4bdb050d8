#!/usr/bin/env bats
# The host's own network is never touched (SPEC section 9, issue 13 item 1). The test host gets a
# link of its own first, as an admin's ifupdown or NetworkManager would have made it: a veth pair
# (no kernel module loads in a test host, so no dummy link) with addresses, a route in the main
# table, a default route in a table of its own and an 'ip rule' for it. Then containers on the
# default network and in a zone start (berth pulls in the host's systemd-networkd for them) and
# stop. The host's links (other than the containers' own), their addresses and routes, and all
# routing-policy rules are the same, byte for byte, while they run and after they stopped.

load lib/e2e
load lib/network

setup() {
	e2e_setup netuntouched
	DEBIAN_TAR=$(e2e_debian_tar)
}

teardown() {
	e2e_teardown
}

# host_network: the test host's own network, as text to compare. Nothing is left out: the kernel's
# subnet-router anycast routes (local table) would show IPv6 forwarding turned on for the whole
# host (with the stock container .network files' IPMasquerade=both, networkd 252 does that, and a
# host whose IPv6 default route comes from router advertisements then loses it); berth's drop-in
# for those files masquerades IPv4 only.
host_network() {
	local dev
	for dev in lo lan0 lan1; do
		echo "== $dev"
		e2e_guest ip -d link show dev "$dev"
		e2e_guest ip -d addr show dev "$dev"
		e2e_guest ip -d -4 route show table all dev "$dev"
		e2e_guest ip -d -6 route show table all dev "$dev"
	done
	echo "== rules"
	e2e_guest ip -d -4 rule show
	e2e_guest ip -d -6 rule show
}

# settled: waits until the kernel has finished duplicate address detection on the host's IPv6
# addresses (until then they are 'tentative' and their local routes missing).
settled() {
	local _
	for _ in $(seq 100); do
		[ -z "$(e2e_guest ip -6 addr show tentative)" ] && return 0
		sleep 0.1
	done
	echo "IPv6 addresses still tentative after 10 s" >&2
	return 1
}

@test "the host's own links, addresses, routes and rules are left as they were" {
	entry deb <<-EOF
		[Container]
		Description=Debian on the default network
		Enable=no
		Provision=tar $NET_DEBIAN_TAR_IN_HOST
	EOF
	e2e_busybox_entry bb 'Enable=no' '[Network]' 'Zone=untouched' | entry bb
	boot --bind-ro "$DEBIAN_TAR:$NET_DEBIAN_TAR_IN_HOST"
	[ "$E2E_STATE" = running ]

	# The admin's own network, made before any container starts.
	guest ip link add lan0 type veth peer name lan1
	guest ip addr add 10.99.0.1/24 dev lan0
	guest ip addr add fd00:99::1/64 dev lan0 nodad
	guest ip addr add 10.99.0.2/24 dev lan1
	guest ip link set lan0 up
	guest ip link set lan1 up
	guest ip route add 10.98.0.0/24 via 10.99.0.2 dev lan0 proto static metric 50
	guest ip route add default via 10.99.0.2 dev lan0 table 100
	guest ip rule add from 10.99.0.0/24 lookup 100 priority 1000
	guest ip -6 rule add from fd00:99::/64 lookup 100 priority 1000
	settled
	local before
	before=$(host_network)
	echo "$before"
	# Each part is there to be compared.
	[[ $before == *"inet 10.99.0.1/24"* ]]
	[[ $before == *"inet6 fd00:99::1/64"* ]]
	[[ $before == *"10.98.0.0/24 via 10.99.0.2 table main proto static"* ]]
	[[ $before == *"default via 10.99.0.2 table 100"* ]]
	[[ $before == *"1000:	from 10.99.0.0/24 lookup 100"* ]]
	[[ $before == *"1000:	from fd00:99::/64 lookup 100"* ]]

	guest systemctl start systemd-nspawn@deb systemd-nspawn@bb
	wait_machine_running deb
	# berth pulled in the host's networkd, which configured the container's link.
	run guest systemctl is-active systemd-networkd
	assert_output active
	machine_ipv4 deb
	run host_network
	assert_output "$before"

	guest systemctl stop systemd-nspawn@deb systemd-nspawn@bb
	run host_network
	assert_output "$before"
	# Once more after networkd itself has been restarted (it rereads its configuration then).
	guest systemctl restart systemd-networkd
	sleep 1
	run host_network
	assert_output "$before"

	# IPv4 forwarding is on (networkd's IPMasquerade=ipv4 needs it), IPv6 forwarding is not.
	run guest sysctl -n net.ipv6.conf.all.forwarding
	assert_output 0
	keep_output guest sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding
	keep_output guest ip -d addr
	keep_output guest ip -d route show table all
	keep_output guest ip rule
	e2e_host_poweroff
}
