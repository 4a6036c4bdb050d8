#!/usr/bin/env bats
# Audit=: the berth-audit ExecStartPre= line at every start. The test host's kernel has audit
# off, and inside a test host AUDIT_GET is refused anyway, so an enabled kernel is SIMULATED:
# a unit drop-in, as an admin would write one, re-runs the generated audit line with
# --root=/fixtures/audit-enabled, berth-audit's documented test fixture (DIR/proc/audit-status
# standing in for the netlink answers; see docs/audit.md). Everything else is real: the
# generated unit, systemd running the line, the start refused or the warning in the journal.

load lib/e2e

setup() {
	e2e_setup audit
	local fx=$E2E_DIR/fixtures/audit-enabled
	mkdir -p "$fx/proc/self"
	echo 4294967295 >"$fx/proc/self/loginuid"
	echo >"$fx/proc/cmdline"
	printf '         0          0 4294967295\n' >"$fx/proc/self/uid_map"
	printf 'get=ok\nenabled=1\npid=0\n' >"$fx/proc/audit-status"
}

teardown() {
	e2e_teardown
}

# simulate_enabled_audit NAME: a drop-in that replaces the unit's ExecStartPre= lines with the
# generated ones, the audit line pointed at the fixture.
simulate_enabled_audit() {
	local gen="/run/systemd/generator/systemd-nspawn@$1.service.d/50-berth.conf"
	local dir="/etc/systemd/system/systemd-nspawn@$1.service.d"
	run guest grep -c '^ExecStartPre=.*/berth-audit check ' "$gen"
	assert_output 1
	guest mkdir -p "$dir"
	guest sh -c "{ printf '[Service]\nExecStartPre=\n'; grep '^ExecStartPre=' '$gen' |
		sed '/berth-audit check /s|\$| --root=/fixtures/audit-enabled|'; } >'$dir/90-simulated-audit.conf'"
	guest systemctl daemon-reload
	run unit_prop "$1" ExecStartPre
	assert_output --partial 'berth-audit ; argv[]=/usr/local/sbin/berth-audit check --policy='
	assert_output --partial -- '--root=/fixtures/audit-enabled'
}

@test "Audit=refuse with audit enabled (simulated): the start is refused, nothing prepared" {
	e2e_busybox_entry refused 'Audit=refuse' 'Enable=no' | entry refused
	# The same policy on this host's real state (inside a container: the host's business).
	e2e_busybox_entry real 'Audit=refuse' | entry real
	boot
	run unit_prop real ActiveState
	assert_output active

	simulate_enabled_audit refused
	run guest systemctl start systemd-nspawn@refused
	assert_failure
	run unit_prop refused ActiveState
	assert_output failed
	status_says refused 'Refusing to start container refused (Audit=refuse)'
	assert_output --regexp '[Kk]ernel audit is ENABLED'
	# Refused before berth-prepare ran: nothing provisioned.
	run guest test -e /var/lib/machines/refused
	assert_failure
	keep_output guest systemctl status --no-pager systemd-nspawn@refused
	e2e_host_poweroff
}

@test "Audit=warn with audit enabled (simulated): starts, the warning is in the journal" {
	e2e_busybox_entry warned 'Audit=warn' 'Enable=no' | entry warned
	boot
	simulate_enabled_audit warned
	guest systemctl start systemd-nspawn@warned
	run unit_prop warned ActiveState
	assert_output active
	run journal_of warned
	assert_output --regexp '[Kk]ernel audit is ENABLED'
	e2e_host_poweroff
}
