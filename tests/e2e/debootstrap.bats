#!/usr/bin/env bats
# The seed's whole workflow, for real: an entry with Provision=debootstrap is dropped into
# /etc/containers.d, the host boots, berth-prepare runs mmdebstrap (where the test host has it)
# or debootstrap from the mirror apt uses on this machine, sets the root password, and the
# container boots to 'running'.
#
# A test host on a private network has no route out, so this one shares the machine's network
# (no --private-network) and gets the machine's /etc/resolv.conf, as a real host has one; the
# container then uses the host's network too ([Network] VirtualEthernet=no: veth links need a
# network namespace of the host's own).

load lib/e2e

setup() {
	e2e_setup debootstrap
	MIRROR=$(e2e_mirror)
	# The host's own suite, and the systemd it ships.
	case $E2E_HOST_OS in
	debian13) SUITE=trixie VERSION=13 SYSTEMD=257 ;;
	*) SUITE=bookworm VERSION=12 SYSTEMD=252 ;;
	esac
}

teardown() {
	e2e_teardown
}

@test "Provision=debootstrap: the container is bootstrapped at boot and boots to running" {
	hash_file web
	entry web <<-EOF
		[Container]
		Description=Debian $VERSION, bootstrapped by berth
		Provision=debootstrap $SUITE $MIRROR
		RootPasswordHashFile=/etc/containers.d/web.hash
		# berth-prepare extends the start timeout while the tree grows; debootstrap's
		# dependency resolution grows nothing for a minute or more on a busy machine, and
		# the unit's 90 s would end it. A start timeout long enough for a slow mirror.
		StartTimeoutSec=30min

		[Network]
		VirtualEthernet=no
	EOF
	# The start job of the container lasts as long as debootstrap; the host's startup with it.
	E2E_STARTUP_TIMEOUT=1800
	# The Debian 12 test host's /etc is a fresh one: give it this machine's apt configuration
	# and alternatives, as a Debian host has them: mmdebstrap checks the archive with the keys
	# in /etc/apt/trusted.gpg.d (berth runs debootstrap where there are none), which apt-key
	# reads with awk, a link in /etc/alternatives. The Debian 13 tree has its own.
	local apt=()
	[ "$E2E_HOST_OS" = debian13 ] || apt=(--bind-ro /etc/apt:/etc/apt --bind-ro /etc/alternatives:/etc/alternatives)
	boot --network --bind-ro /etc/resolv.conf:/etc/resolv.conf "${apt[@]}"
	[ "$E2E_STATE" = running ]

	run unit_prop web ActiveState
	assert_output active
	run guest machinectl list --no-legend
	assert_output --regexp "^web +container +systemd-nspawn +debian +$VERSION "
	wait_machine_running web
	# (No ${...} in the command: systemd-run's ExecStart= would expand it.)
	run in_machine web dpkg-query -W systemd dbus
	assert_line --regexp "^systemd	$SYSTEMD\\."
	assert_line --regexp '^dbus	'
	run in_machine web getent shadow root
	assert_output --partial "root:$E2E_HASH:"

	# berth-prepare ran the bootstrapper, reported progress, and renamed the tree into place:
	# mmdebstrap where the test host has it (the Debian 12 host uses this machine's /usr, where
	# scripts/deps.txt installs it), debootstrap where it does not (the cached Debian 13 tree).
	if guest test -x /usr/bin/mmdebstrap -a -d /usr/share/mmdebstrap/hooks/merged-usr; then
		bootstrapper=mmdebstrap
	else
		bootstrapper=debootstrap
	fi
	echo "# Provision=debootstrap ran $bootstrapper on the $E2E_HOST_OS test host" >&3
	run journal_of web
	assert_output --regexp "Provisioning image [^:]*: $bootstrapper --[a-z]"
	assert_output --partial "Provisioned image debootstrap-$SUITE-"
	assert_output --partial "with $bootstrapper"
	assert_output --partial 'Provisioned /var/lib/machines/web'
	if [ "$bootstrapper" = mmdebstrap ]; then
		# debootstrap's package set: /usr merged the debootstrap way (usr-is-merged), not by
		# usrmerge and the perl it pulls in; dpkg's unsafe I/O only while the tree was made.
		run in_machine web dpkg -l usr-is-merged usrmerge
		assert_line --regexp '^ii +usr-is-merged '
		refute_line --regexp '^ii +usrmerge '
		run in_machine web ls /etc/dpkg/dpkg.cfg.d
		refute_output --partial unsafe-io
	fi
	# Nothing half-made (no .#NAME.berth-XXXXXX): the root, its lock and the image cache, which
	# holds the one image.
	run guest ls -A /var/lib/machines
	assert_line web
	assert_line .berth-images
	refute_line --regexp '^\.#.*\.berth-'
	run guest ls -A /var/lib/machines/.berth-images
	assert_output --regexp "^debootstrap-$SUITE-[0-9a-z-]*$"

	keep_output guest machinectl list
	keep_output guest systemctl status --no-pager systemd-nspawn@web
	guest systemctl stop systemd-nspawn@web
	run unit_prop web Result
	assert_output success
	e2e_host_poweroff
}
