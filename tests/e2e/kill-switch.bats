#!/usr/bin/env bats
# berth.enable=0 on the host's kernel command line (a container's PID 1 arguments are its
# kernel command line): berth generates nothing and nothing starts. The same host rebooted
# without it starts its containers.

load lib/e2e

setup() {
	e2e_setup kill-switch
}

teardown() {
	e2e_teardown
}

@test "berth.enable=0: nothing generated, nothing started; without it the same host starts them" {
	e2e_busybox_entry first | entry first
	e2e_busybox_entry second 'Priority=60' | entry second
	boot -- berth.enable=0
	[ "$E2E_STATE" = running ]
	run guest sh -c "tr '\\0' ' ' </proc/1/cmdline"
	assert_output --partial ' berth.enable=0'

	run guest find /run/systemd/generator -name '*nspawn*'
	assert_output ''
	run guest systemctl list-units --all --no-legend --plain 'systemd-nspawn@*'
	assert_output ''
	run guest machinectl list --no-legend
	assert_output ''
	# The generator says why. In a container there is no /dev/kmsg, and PID 1 gives generators
	# /dev/null as stderr: at boot (before journald listens) the message is lost; from the first
	# daemon-reload on it reaches the journal through journald's socket.
	guest systemctl daemon-reload
	run guest journalctl -b --no-pager -o cat -t berth-generator
	assert_output --partial 'berth.enable=0'

	# Same host, same entries, the switch removed from the command line: they run.
	local args=() a
	for a in "${E2E_ARGS[@]}"; do
		[ "$a" = berth.enable=0 ] || args+=("$a")
	done
	E2E_ARGS=("${args[@]}")
	e2e_host_reboot
	run unit_prop first ActiveState
	assert_output active
	run unit_prop second ActiveState
	assert_output active
	e2e_host_poweroff
}
