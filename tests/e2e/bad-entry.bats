#!/usr/bin/env bats
# One entry with an error among five good ones: the five run, the bad one's unit exists and
# fails its start with the FILE:LINE error in 'systemctl status', and the boot is not blocked.

load lib/e2e

setup() {
	e2e_setup bad-entry
}

teardown() {
	e2e_teardown
}

@test "a bad entry among five good ones: the five run, status of the bad one shows FILE:LINE" {
	local n
	for n in one two three four five; do
		e2e_busybox_entry "$n" | entry "$n"
	done
	entry bad <<-EOF
		[Container]
		Boot=no
		Priorty=10
		Command=/bin/true
	EOF
	boot
	[ "$E2E_STATE" = degraded ]

	for n in one two three four five; do
		run unit_prop "$n" ActiveState
		assert_output active
	done
	run unit_prop bad ActiveState
	assert_output failed
	status_says bad '/etc/containers.d/bad.conf:3:'
	assert_output --partial 'Priorty'
	run guest systemctl is-system-running
	assert_output degraded
	run guest systemctl --failed --no-legend --plain
	assert_output --regexp '^systemd-nspawn@bad\.service '
	assert_equal "${#lines[@]}" 1
	keep_output guest systemctl status --no-pager systemd-nspawn@bad
	e2e_host_poweroff
}
