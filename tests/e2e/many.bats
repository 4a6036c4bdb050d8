#!/usr/bin/env bats
# Thirty entries at once, in three Priority= waves: all running after boot, none failed.

load lib/e2e

setup() {
	e2e_setup many
}

teardown() {
	e2e_teardown
}

@test "30 entries: all running after boot, none failed" {
	local i
	for i in $(seq -w 1 30); do
		e2e_busybox_entry "c$i" "Priority=$((10#$i % 3 * 10 + 10))" | entry "c$i"
	done
	boot
	[ "$E2E_STATE" = running ]
	run guest systemctl list-units --no-legend --plain --state=active 'systemd-nspawn@*'
	assert_equal "${#lines[@]}" 30
	run guest systemctl --failed --no-legend --plain
	assert_output ''
	run guest machinectl list --no-legend
	assert_equal "${#lines[@]}" 30
	for i in $(seq -w 1 30); do
		assert_line --regexp "^c$i +container +systemd-nspawn +busybox"
	done
	e2e_host_poweroff
}
