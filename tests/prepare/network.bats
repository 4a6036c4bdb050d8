#!/usr/bin/env bats
# The container's network, berth-prepare's part (SPEC section 9, issue 13): in a root it provisions,
# systemd-networkd enabled and name servers the guest can reach (never in an existing root); the
# warnings of every start, which 'berth check' gives too (one function, src/shared/network-check.c).

load lib

bats_require_minimum_version 1.5.0
BERTH="$BERTH_BUILD_ROOT/tools/berth"

# networkd_tree DIR: make_tree plus a systemd-networkd unit, as Debian installs it.
networkd_tree() {
	make_tree "$1"
	mkdir -p "$1/lib/systemd/system"
	printf '[Unit]\nDescription=Network Configuration\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\nAlso=systemd-networkd.socket\n' \
		>"$1/lib/systemd/system/systemd-networkd.service"
	printf '[Socket]\nListenNetlink=route 1361\n[Install]\nWantedBy=sockets.target\n' \
		>"$1/lib/systemd/system/systemd-networkd.socket"
}

# archive DIR: DIR packed as DIR.tar, for Provision=tar.
archive() {
	tar -C "$1" -cf "$1.tar" .
}

# check ARGS...: berth check under our --root; valgrind's notes on syscalls it does not know
# (openat2) are left out of stderr.
check() {
	local rc=0
	berth_exec "$BERTH" --root="$R" check "$@" 2>"$BATS_TEST_TMPDIR/check.err" || rc=$?
	grep -v '^--[0-9]*-- ' "$BATS_TEST_TMPDIR/check.err" >&2
	return "$rc"
}

@test "a provisioned root gets systemd-networkd enabled, as 'systemctl enable' makes it" {
	networkd_tree "$BATS_TEST_TMPDIR/src"
	archive "$BATS_TEST_TMPDIR/src"
	printf '[Container]\nProvision=tar %s\n' "$BATS_TEST_TMPDIR/src.tar" | entry web
	run prepare web
	assert_success
	assert_output --partial "web: enabled systemd-networkd in the new root"
	refute_output --partial "web: web:"
	assert [ -L "$M/web/etc/systemd/system/multi-user.target.wants/systemd-networkd.service" ]
	assert_equal "$(readlink "$M/web/etc/systemd/system/multi-user.target.wants/systemd-networkd.service")" \
		/lib/systemd/system/systemd-networkd.service
	assert [ -L "$M/web/etc/systemd/system/sockets.target.wants/systemd-networkd.socket" ]
	# The source is untouched, and nothing is left beside the root.
	assert [ ! -e "$BATS_TEST_TMPDIR/src/etc/systemd/system" ]
	# ... and so is the image: networkd is enabled in the container's clone only.
	run ls -A "$M"
	assert_output $'.berth-images\nweb'
	run find "$M/.berth-images" -path '*/tree/etc/systemd/system/*' -name 'systemd-networkd*'
	assert_output ""
	# The next start finds networkd enabled: no warning about host0.
	run prepare web
	assert_success
	refute_output --partial "configures its link host0"
}

@test "a zone or bridge link gets it too; the host's network, ManageNetwork=no or a root with its own manager does not" {
	networkd_tree "$BATS_TEST_TMPDIR/src"
	archive "$BATS_TEST_TMPDIR/src"
	networkd_tree "$BATS_TEST_TMPDIR/nm"
	mkdir -p "$BATS_TEST_TMPDIR/nm/etc/systemd/system/multi-user.target.wants"
	ln -s /lib/systemd/system/NetworkManager.service "$BATS_TEST_TMPDIR/nm/etc/systemd/system/multi-user.target.wants/NetworkManager.service"
	archive "$BATS_TEST_TMPDIR/nm"
	tar="Provision=tar $BATS_TEST_TMPDIR/src.tar"
	printf '[Container]\n%s\n[Network]\nZone=shop\n' "$tar" | entry zoned
	printf '[Container]\n%s\n[Network]\nBridge=br0\n' "$tar" | entry bridged
	printf '[Container]\n%s\n[Network]\nVirtualEthernet=no\n' "$tar" | entry hostnet
	printf '[Container]\n%s\nManageNetwork=no\n' "$tar" | entry optout
	printf '[Container]\nProvision=tar %s\n' "$BATS_TEST_TMPDIR/nm.tar" | entry nm
	for n in zoned bridged hostnet optout nm; do
		run prepare "$n"
		assert_success
		[ "$n" != nm ] || assert_output --partial "nm: the new root enables NetworkManager.service already"
		case $n in
		zoned | bridged)
			assert [ -L "$M/$n/etc/systemd/system/multi-user.target.wants/systemd-networkd.service" ] ;;
		*)
			assert [ ! -e "$M/$n/etc/systemd/system/multi-user.target.wants/systemd-networkd.service" ] ;;
		esac
	done
}

@test "ifupdown counts only when it configures an interface other than lo" {
	networkd_tree "$BATS_TEST_TMPDIR/lo"
	mkdir -p "$BATS_TEST_TMPDIR/lo/etc/systemd/system/multi-user.target.wants" "$BATS_TEST_TMPDIR/lo/etc/network"
	ln -s /lib/systemd/system/networking.service "$BATS_TEST_TMPDIR/lo/etc/systemd/system/multi-user.target.wants/networking.service"
	printf 'auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n' >"$BATS_TEST_TMPDIR/lo/etc/network/interfaces"
	cp -a "$BATS_TEST_TMPDIR/lo" "$BATS_TEST_TMPDIR/eth"
	mkdir -p "$BATS_TEST_TMPDIR/eth/etc/network/interfaces.d"
	printf 'allow-hotplug host0\niface host0 inet dhcp\n' >"$BATS_TEST_TMPDIR/eth/etc/network/interfaces.d/host0"
	printf '[Container]\nProvision=copy %s\n' "$BATS_TEST_TMPDIR/lo" | entry lo
	printf '[Container]\nProvision=copy %s\n' "$BATS_TEST_TMPDIR/eth" | entry eth
	run prepare lo
	assert_output --partial "lo: enabled systemd-networkd in the new root"
	run prepare eth
	assert_output --partial "eth: the new root enables networking.service already"
	assert [ ! -e "$M/eth/etc/systemd/system/multi-user.target.wants/systemd-networkd.service" ]
}

@test "name servers: a new root without a reachable one gets the host's (resolved's uplink behind its stub)" {
	mkdir -p "$R/etc" "$R/run/systemd/resolve"
	printf 'nameserver 127.0.0.53\noptions edns0\n' >"$R/etc/resolv.conf"
	printf 'nameserver 192.0.2.53\nnameserver 127.0.0.1\nsearch example.org\n' >"$R/run/systemd/resolve/resolv.conf"
	networkd_tree "$BATS_TEST_TMPDIR/stub"
	ln -s ../run/systemd/resolve/stub-resolv.conf "$BATS_TEST_TMPDIR/stub/etc/resolv.conf"
	networkd_tree "$BATS_TEST_TMPDIR/own"
	printf 'nameserver 198.51.100.1\n' >"$BATS_TEST_TMPDIR/own/etc/resolv.conf"
	printf '[Container]\nProvision=copy %s\n' "$BATS_TEST_TMPDIR/stub" | entry stub
	printf '[Container]\nProvision=copy %s\n' "$BATS_TEST_TMPDIR/own" | entry own
	printf '[Container]\nProvision=copy %s\nManageNetwork=no\n' "$BATS_TEST_TMPDIR/stub" | entry optout
	run prepare stub
	assert_success
	assert_output --partial "stub: wrote /etc/resolv.conf in the new root with the host's name servers (from /run/systemd/resolve/resolv.conf)"
	# The dangling link was replaced by a file; the host's files are unchanged.
	assert [ -f "$M/stub/etc/resolv.conf" ] && assert [ ! -L "$M/stub/etc/resolv.conf" ]
	run grep -v '^#' "$M/stub/etc/resolv.conf"
	assert_output $'nameserver 192.0.2.53\nsearch example.org'
	assert [ -L "$BATS_TEST_TMPDIR/stub/etc/resolv.conf" ]
	run prepare own
	assert_equal "$(cat "$M/own/etc/resolv.conf")" "nameserver 198.51.100.1"
	run prepare optout
	assert [ -L "$M/optout/etc/resolv.conf" ]
}

@test "an existing root is never modified; the start and 'berth check' warn that nothing configures host0" {
	networkd_tree "$M/old"
	printf '[Container]\n' | entry old
	before=$(cd "$M/old" && find . -printf '%p %y %m %l\n' | sort)
	run prepare old
	assert_success
	assert_output --partial "old: nothing in the container's root ($M/old) configures its link host0 at boot"
	assert_output --partial "systemctl --root=$M/old enable systemd-networkd.service"
	assert_equal "$(cd "$M/old" && find . -printf '%p %y %m %l\n' | sort)" "$before"
	run --separate-stderr check old
	assert_success
	assert_output ''
	[[ $stderr == *"old: nothing in the container's root (/var/lib/machines/old) configures its link host0 at boot"* ]] ||
		fail "berth check: $stderr"
}

@test "host: networkd masked, forwarding off, a FORWARD policy that drops: warnings with the fix, the start goes on" {
	networkd_tree "$M/web"
	mkdir -p "$M/web/etc/systemd/system/multi-user.target.wants"
	ln -s /lib/systemd/system/systemd-networkd.service "$M/web/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
	printf '[Container]\n' | entry web
	printf '[Container]\n[Network]\nVirtualEthernet=no\n' | entry hostnet
	printf '[Container]\nManageNetwork=no\n' | entry optout
	mkdir -p "$R/etc/systemd/system" "$R/proc/sys/net/ipv4" "$R/sys/module/nf_tables" "$BATS_TEST_TMPDIR/bin"
	ln -s /dev/null "$R/etc/systemd/system/systemd-networkd.service"
	echo 0 >"$R/proc/sys/net/ipv4/ip_forward"
	printf '#!/bin/sh\n[ "$*" = "-t filter" ] || exit 2\nprintf "*filter\\n:INPUT ACCEPT [0:0]\\n:FORWARD DROP [0:0]\\n:OUTPUT ACCEPT [0:0]\\nCOMMIT\\n"\n' \
		>"$BATS_TEST_TMPDIR/bin/iptables-save"
	chmod +x "$BATS_TEST_TMPDIR/bin/iptables-save"
	export PATH="$BATS_TEST_TMPDIR/bin:$PATH"
	run prepare web
	assert_success
	refute_output --partial "web: web:"
	assert_output --partial "web: systemd-networkd is masked on this host (/etc/systemd/system/systemd-networkd.service), so nothing configures the host side of the container's link ve-web"
	assert_output --partial "Run 'systemctl unmask systemd-networkd'"
	assert_output --partial "web: IPv4 forwarding is off on this host (net.ipv4.ip_forward=0)"
	assert_output --partial "web: the host's firewall drops forwarded packets (the FORWARD chain's policy is DROP"
	assert_output --partial "iptables -I FORWARD -i ve-web -j ACCEPT"
	refute_output --partial "configures its link host0"
	run --separate-stderr check
	assert_success
	[ "$(grep -c '^web: ' <<<"$stderr")" = 3 ] || fail "berth check: $stderr"
	[[ $stderr != *hostnet:* && $stderr != *optout:* ]] || fail "berth check: $stderr"
	# Nothing to warn about once networkd can run: forwarding is its job then.
	rm "$R/etc/systemd/system/systemd-networkd.service"
	mkdir -p "$R/lib/systemd/system" && touch "$R/lib/systemd/system/systemd-networkd.service"
	rm "$R/sys/module/nf_tables" -r
	run --separate-stderr check web
	assert_success
	assert_equal "$stderr" ""
}

@test "a Boot=no payload on a private network is warned about; on the host's network it is not" {
	mkdir -p "$R/lib/systemd/system" && touch "$R/lib/systemd/system/systemd-networkd.service"
	make_tree "$M/job"
	cp /bin/true "$M/job/usr/bin/job"
	printf '[Container]\nBoot=no\nCommand=/usr/bin/job\n' | entry job
	printf '[Container]\nBoot=no\nCommand=/usr/bin/job\n[Network]\nVirtualEthernet=no\n' | entry hostjob
	cp -a "$M/job" "$M/hostjob"
	run prepare job
	assert_success
	assert_output --partial "job: a Boot=no payload on a private network: no init runs in the container to configure its link host0"
	run prepare hostjob
	assert_success
	refute_output --partial "Boot=no payload"
}

@test "--dry-run says what it would do to a new tree's network, and does nothing" {
	networkd_tree "$BATS_TEST_TMPDIR/src"
	printf '[Container]\nProvision=copy %s\n' "$BATS_TEST_TMPDIR/src" | entry web
	printf '[Container]\nProvision=copy %s\n[Network]\nVirtualEthernet=no\n' "$BATS_TEST_TMPDIR/src" | entry hostnet
	run prepare --dry-run web
	assert_success
	assert_output --partial "web: Would then enable systemd-networkd in the new tree"
	assert [ ! -e "$M/web" ]
	run prepare --dry-run hostnet
	assert_success
	refute_output --partial "systemd-networkd"
}
