#!/usr/bin/env bats
# Name resolution in a container on the default network (SPEC section 9: "the container gets an
# address, a default route via the host and name resolution"). A root berth provisions without a
# usable /etc/resolv.conf of its own gets the host's name servers; a name is then resolved in the
# container through the host's resolver, a real DNS round trip.
#
# The test host stands for a host with an upstream resolver: its /etc/resolv.conf names 10.53.0.1,
# an address on a link of its own (a veth pair: no kernel module loads in a test host), where a
# tiny DNS server (python3, answering every A query with 192.0.2.7) listens.

load lib/e2e
load lib/network

setup() {
	e2e_setup netdns
	DEBIAN_TAR=$(e2e_debian_tar)
}

teardown() {
	e2e_teardown
}

# The DNS server: every A query answered with 192.0.2.7, anything else with no answer (NOERROR).
DNS_SERVER='
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
while True:
    q, peer = s.recvfrom(512)
    i = 12
    while q[i] != 0:
        i += q[i] + 1
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
    question = q[12:i + 5]
    answer = b""
    if qtype == 1:
        answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton("192.0.2.7")
    s.sendto(q[:2] + b"\x81\x80" + struct.pack("!HHHH", 1, 1 if answer else 0, 0, 0) + question + answer, peer)
'

@test "name resolution: a provisioned root without name servers gets the host's, and resolves through them" {
	printf 'nameserver 10.53.0.1\n' >"$E2E_DIR/fixtures/resolv.conf"
	printf '%s' "$DNS_SERVER" >"$E2E_DIR/fixtures/dns.py"
	# The image's own /etc/resolv.conf (the machine's, copied by debootstrap) is left out: a tree
	# with no name server, as a minimal image often is.
	entry deb <<-EOF
		[Container]
		Description=Debian, name servers from the host
		Enable=no
		Provision=command /bin/sh -c "tar -C \$0 -xf $NET_DEBIAN_TAR_IN_HOST && rm \$0/etc/resolv.conf" %r
	EOF
	boot --bind-ro "$DEBIAN_TAR:$NET_DEBIAN_TAR_IN_HOST" --bind-ro "$E2E_DIR/fixtures/resolv.conf:/etc/resolv.conf"
	[ "$E2E_STATE" = running ]
	guest ip link add lan0 type veth peer name lan1
	guest ip addr add 10.53.0.1/24 dev lan0
	guest ip link set lan0 up
	guest ip link set lan1 up
	guest systemd-run --quiet --unit=e2e-dns -- python3 /fixtures/dns.py 10.53.0.1

	guest systemctl start systemd-nspawn@deb
	wait_machine_running deb
	machine_ipv4 deb
	run journal_of deb
	assert_output --partial 'wrote /etc/resolv.conf in the new root'
	run in_machine deb cat /etc/resolv.conf
	assert_line 'nameserver 10.53.0.1'
	run retry 20 in_machine deb getent hosts berth-e2e.example
	assert_success
	assert_output --regexp '^192\.0\.2\.7 +berth-e2e\.example$'

	keep_output in_machine deb cat /etc/resolv.conf
	guest systemctl stop systemd-nspawn@deb
	e2e_host_poweroff
}
