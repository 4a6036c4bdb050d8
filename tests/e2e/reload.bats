#!/usr/bin/env bats
# An entry edited without 'systemctl daemon-reload': the next start refuses, saying to run it;
# after daemon-reload the container starts with the new settings.

load lib/e2e

setup() {
	e2e_setup reload
}

teardown() {
	e2e_teardown
}

@test "an edited entry: start fails until daemon-reload, then runs with the new settings" {
	e2e_busybox_entry edited 'Hostname=first' | entry edited
	boot
	run in_payload edited hostname
	assert_output first
	wait_payload edited

	# The admin edits the entry (the host sees it at once: /etc/containers.d is bound in).
	e2e_busybox_entry edited 'Hostname=second' | entry edited
	guest systemctl stop systemd-nspawn@edited
	run guest systemctl start systemd-nspawn@edited
	assert_failure
	run unit_prop edited ActiveState
	assert_output failed
	status_says edited "run 'systemctl daemon-reload'"

	guest systemctl daemon-reload
	guest systemctl start systemd-nspawn@edited
	run unit_prop edited ActiveState
	assert_output active
	run in_payload edited hostname
	assert_output second
	e2e_host_poweroff
}
