#!/usr/bin/env bats
# A container whose systemd-nspawn was killed (SIGKILL: a stop that timed out, the OOM killer)
# starts again at once. systemd-nspawn 256+ (Debian 13) leaves /run/systemd/nspawn/unix-export/NAME
# behind when killed and refuses the next start while it exists; berth-prepare removes it.

load lib/e2e

setup() {
	e2e_setup killed
}

teardown() {
	e2e_teardown
}

@test "after systemd-nspawn was killed, the next start succeeds" {
	e2e_busybox_entry ue 'Hostname=first' | entry ue
	boot
	run in_payload ue hostname
	assert_output first

	guest systemctl kill --signal=SIGKILL systemd-nspawn@ue
	wait_unit ue failed
	if [ "${BERTH_E2E_HOST_OS:-debian12}" = debian13 ]; then
		# What the kill left, and what nspawn 257 refuses to start over.
		guest test -d /run/systemd/nspawn/unix-export/ue
	fi

	guest systemctl reset-failed systemd-nspawn@ue
	run guest systemctl start systemd-nspawn@ue
	assert_success
	wait_unit ue active
	run in_payload ue hostname
	assert_output first
	if [ "${BERTH_E2E_HOST_OS:-debian12}" = debian13 ]; then
		run journal_of ue
		assert_output --partial "Removed /run/systemd/nspawn/unix-export/ue, left by a systemd-nspawn of ue that did not exit cleanly"
	fi
	keep_output guest systemctl status --no-pager systemd-nspawn@ue
	e2e_host_poweroff
}
