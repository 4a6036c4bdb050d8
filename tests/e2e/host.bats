#!/usr/bin/env bats
# The harness itself, on a real systemd: a test host boots with berth's files installed, the
# stock systemd-nspawn@.service runs a busybox container inside it (no berth entry involved),
# and the harness leaves nothing behind, even when nspawn is killed.

load lib/e2e

setup() {
	e2e_setup host
}

teardown() {
	e2e_teardown
}

# gone PID: the process has ended (a killed process may stay a zombie for a moment, until the
# machine's init reaps it).
gone() {
	local i
	for i in $(seq 50); do
		[ -d "/proc/$1" ] || return 0
		sleep 0.1
	done
	echo "process $1 still exists: $(cat "/proc/$1/status")" >&2
	return 1
}

@test "a test host boots with berth installed and runs a stock systemd-nspawn@ container" {
	boot
	[ "$E2E_STATE" = running ]
	# berth's tmpfiles.d file is found under /usr/local and applied at boot.
	run guest stat -c '%a %U' /run/berth
	assert_success
	assert_output '700 root'

	# The stock unit, with settings written by hand the way an admin would without berth.
	guest sh -c 'mkdir -p /var/lib/machines /etc/systemd/nspawn && cp -a /fixtures/busybox /var/lib/machines/bb'
	guest tee /etc/systemd/nspawn/bb.nspawn >/dev/null <<-EOF2
		[Exec]
		Boot=no
		Parameters=$E2E_BUSYBOX_COMMAND
		KillSignal=SIGTERM
	EOF2
	guest systemctl start systemd-nspawn@bb
	run guest machinectl list --no-legend
	assert_success
	assert_output --regexp '^bb +container +systemd-nspawn +busybox'
	guest systemctl stop systemd-nspawn@bb
	run unit_prop bb ActiveState
	assert_output inactive
	run unit_prop bb Result
	assert_output success
	e2e_host_poweroff
}

@test "the harness cleans up a host whose nspawn was killed" {
	boot
	local pid1=$E2E_PID1
	kill -KILL "$E2E_NSPAWN"
	# The guest survives its nspawn; destroy must find it through the cgroup.
	kill -0 "$pid1"
	e2e_host_destroy
	gone "$pid1"
}

@test "a host left behind by a killed harness is reaped by the next one" {
	# A harness in a subshell boots a host, then dies without cleaning up.
	local dir
	dir=$(
		e2e_host_init stale >/dev/null
		e2e_host_boot >/dev/null
		echo "$E2E_DIR $E2E_CGROUP $E2E_PID1"
		kill -KILL "$BASHPID"
	) || true
	read -r stale_dir stale_cgroup stale_pid1 <<<"$dir"
	[ -d "/sys/fs/cgroup/systemd/$stale_cgroup" ]
	kill -0 "$stale_pid1"
	e2e_reap_stale
	[ ! -d "/sys/fs/cgroup/systemd/$stale_cgroup" ]
	[ ! -d "/sys/fs/cgroup/unified/$stale_cgroup" ]
	gone "$stale_pid1"
	rm -rf "$stale_dir"
}
