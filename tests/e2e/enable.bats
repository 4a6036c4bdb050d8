#!/usr/bin/env bats
# Enable=no: the container is not started at boot, and the admin's usual commands work on it:
# systemctl start/stop/restart, machinectl start/poweroff, and 'systemctl enable' then a reboot
# of the host starts it at boot.

load lib/e2e

setup() {
	e2e_setup enable
	# The host's /etc/systemd/system survives its reboot (the rest of its root is a tmpfs): a
	# directory of the test bound there. It starts as on a Debian machine with
	# systemd-container installed, whose package enables machines.target.
	ETC_SYSTEM=$E2E_DIR/etc-systemd-system
	mkdir -p "$ETC_SYSTEM/multi-user.target.wants"
	ln -s /lib/systemd/system/machines.target "$ETC_SYSTEM/multi-user.target.wants/machines.target"
}

teardown() {
	e2e_teardown
}

@test "Enable=no: not started at boot; systemctl and machinectl control it; systemctl enable starts it after a reboot" {
	e2e_busybox_entry idle 'Enable=no' | entry idle
	boot --bind "$ETC_SYSTEM:/etc/systemd/system"
	[ "$E2E_STATE" = running ]

	# Not started, not wanted by machines.target, but there: its unit has berth's drop-in.
	run unit_prop idle ActiveState
	assert_output inactive
	run unit_prop idle DropInPaths
	assert_output --partial /run/systemd/generator/systemd-nspawn@idle.service.d/50-berth.conf
	run guest systemctl is-enabled systemd-nspawn@idle
	assert_output disabled
	run guest machinectl list --no-legend
	refute_output --partial idle

	# systemctl start / stop / restart
	guest systemctl start systemd-nspawn@idle
	run unit_prop idle ActiveState
	assert_output active
	run guest machinectl list --no-legend
	assert_output --regexp '^idle +container +systemd-nspawn'
	wait_payload idle
	local pid
	pid=$(unit_prop idle MainPID)
	guest systemctl restart systemd-nspawn@idle
	run unit_prop idle ActiveState
	assert_output active
	run unit_prop idle MainPID
	refute_output "$pid"
	wait_payload idle
	guest systemctl stop systemd-nspawn@idle
	run unit_prop idle ActiveState
	assert_output inactive
	run unit_prop idle Result
	assert_output success

	# machinectl start / poweroff
	guest machinectl start idle
	wait_unit idle active
	run guest machinectl list --no-legend
	assert_output --regexp '^idle '
	wait_payload idle
	guest machinectl poweroff idle
	wait_unit idle inactive
	run unit_prop idle Result
	assert_output success

	# systemctl enable, then a reboot of the host: started at boot.
	guest systemctl enable systemd-nspawn@idle
	[ -L "$ETC_SYSTEM/machines.target.wants/systemd-nspawn@idle.service" ]
	e2e_host_reboot
	[ "$E2E_STATE" = running ]
	run guest systemctl is-enabled systemd-nspawn@idle
	assert_output enabled
	run unit_prop idle ActiveState
	assert_output active
	run guest machinectl list --no-legend
	assert_output --regexp '^idle +container +systemd-nspawn'
	wait_payload idle

	# And disable: not started at the next boot.
	guest systemctl disable systemd-nspawn@idle
	e2e_host_reboot
	run unit_prop idle ActiveState
	assert_output inactive
	e2e_host_poweroff
}
