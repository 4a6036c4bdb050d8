#!/usr/bin/env bats
# berth list and berth cat on a real systemd: a test host (tests/e2e/lib) with three entries,
# where the STATE column comes from systemd over D-Bus: active, failed, inactive. The outputs are
# kept in meson-logs/e2e/e2e-list.txt for people reading a run's results.

load "$BERTH_SOURCE_ROOT/tests/e2e/lib/e2e.bash"

setup() {
	e2e_setup adminlist
	mkdir -p "$E2E_DIR/containers.d/defaults.d" "$E2E_DIR/containers.d/web.conf.d"
	printf '[Container]\nStartTimeoutSec=2min\n' >"$E2E_DIR/containers.d/defaults.d/10-site.conf"
	e2e_busybox_entry db 'Priority=10' | entry db
	e2e_busybox_entry web 'DependsOn=db' 'Priority=20' | entry web
	printf '[Service]\nRestart=on-failure\n' >"$E2E_DIR/containers.d/web.conf.d/50-restart.conf"
	# An entry with an error: its unit exists and every start fails with the error.
	printf '[Container]\nBoot=no\nProvision=copy /fixtures/busybox\n' | entry broken
}

teardown() {
	e2e_teardown
}

@test "berth list shows each unit's state from systemd; berth cat the origins" {
	boot
	wait_unit db active
	wait_unit web active
	wait_unit broken failed

	run guest berth list
	assert_success
	keep_output guest berth list
	assert_line --index 0 --regexp '^NAME +ENABLED +PRIORITY +STATE +SOURCE +ERROR$'
	assert_line --index 1 --regexp '^broken +yes +50 +failed +/etc/containers.d/broken.conf +/etc/containers.d/broken.conf:[0-9]+: .*Command='
	assert_line --index 2 --regexp '^db +yes +10 +active +/etc/containers.d/db.conf +-$'
	assert_line --index 3 --regexp '^web +yes +20 +active +/etc/containers.d/web.conf +-$'
	# No "not booted with systemd" message here: systemd answered.
	refute_output --partial "unit states not shown"

	run guest berth list --json
	assert_success
	run jq -r '.[] | "\(.name) \(.state) \(.load_state) \(.active_state) \(.sub_state)"' <<<"$output"
	assert_line "broken failed loaded failed failed"
	assert_line "db active loaded active running"
	assert_line "web active loaded active running"

	# After a stop, the state follows.
	guest systemctl stop systemd-nspawn@web.service
	run guest berth list --no-legend
	assert_line --index 2 --regexp '^web +yes +20 +inactive '

	run guest berth cat web
	assert_success
	keep_output guest berth cat web
	assert_line "#   /etc/containers.d/defaults.d/10-site.conf"
	echo "$output" | grep -B1 -x 'StartTimeoutSec=2min' | head -n1 | grep -qx '# /etc/containers.d/defaults.d/10-site.conf:2'
	echo "$output" | grep -B1 -x 'Restart=on-failure' | head -n1 | grep -qx '# /etc/containers.d/web.conf.d/50-restart.conf:2'
	echo "$output" | grep -B1 -x 'Priority=20' | head -n1 | grep -qx '# /etc/containers.d/web.conf:[0-9]*'

	run guest berth check
	assert_failure 1
	keep_output guest berth check
	# The error line among the warnings (a Boot=no payload on a private network is warned about).
	assert_line --regexp '^/etc/containers.d/broken.conf:[0-9]+: .*Command='
}
