# bats glue for the end-to-end scenarios: every test boots its own test host (lib/host.sh),
# with berth from the build under test installed in it; teardown prints the host's logs when
# the test failed, then destroys the host and checks that nothing of it is left.

load "$BERTH_SOURCE_ROOT/tests/lib/common.bash"
# shellcheck source=tests/e2e/lib/host.sh
source "$BERTH_SOURCE_ROOT/tests/e2e/lib/host.sh"

# e2e_setup NAME: a fresh host directory with berth staged and the busybox fixture in place.
e2e_setup() {
	[ "$(id -u)" = 0 ] || fail "the e2e tests boot systemd-nspawn test hosts and must run as root"
	e2e_host_init "$1"
	E2E_STAGE=$(e2e_stage "$BERTH_BUILD_ROOT")
	e2e_busybox_tree "$E2E_DIR/fixtures/busybox"
	E2E_RECORD="$BERTH_BUILD_ROOT/meson-logs/e2e/$(basename "$BATS_TEST_FILENAME" .bats).txt"
	mkdir -p "${E2E_RECORD%/*}"
	[ "${BATS_TEST_NUMBER:-1}" = 1 ] && : >"$E2E_RECORD"
	# meson test ends a test that overruns its timeout with SIGTERM: make that run the
	# teardown (bats runs it on EXIT) so the host is cleaned up.
	trap 'exit 143' TERM
}

e2e_teardown() {
	if [ "${BATS_TEST_COMPLETED:-}" != 1 ]; then
		e2e_logs 2>&1 | sed 's/^/# /' >&3 || true
	fi
	e2e_host_destroy
}

# boot [e2e_host_boot options]: boots the host with berth installed.
boot() {
	e2e_host_boot --stage "$E2E_STAGE" "$@"
}

# guest CMD...: runs CMD in the host; sets $output/$status like bats' run when used with it.
guest() {
	e2e_guest "$@"
}

# entry NAME: writes stdin to the host's /etc/containers.d/NAME.conf (bound from the test's
# directory, so a change is seen at once inside, without a daemon-reload, as an edit would be).
entry() {
	cat >"$E2E_DIR/containers.d/$1.conf"
}

# unit_prop NAME PROPERTY: one property of systemd-nspawn@NAME.service in the host.
unit_prop() {
	e2e_guest systemctl show -P "$2" "systemd-nspawn@$1.service"
}

# wait_unit NAME STATE [SECONDS]: waits until the container's unit is in ActiveState STATE.
wait_unit() {
	local i state
	for i in $(seq "$((${3:-60} * 10))"); do
		state=$(unit_prop "$1" ActiveState)
		[ "$state" = "$2" ] && return 0
		sleep 0.1
	done
	echo "systemd-nspawn@$1.service is '$state', not '$2'" >&2
	return 1
}

# A root password hash for the containers (crypt(3) SHA-512 of "berth-e2e").
E2E_HASH='$6$berthe2e$c8gBGo35YSgxPwhLPpFaBsKzUNiVCmiAJlTkbXXgTjnzuOnzxse7yd3JWYKCRKsh.jvb16hiFNfr6J/xcBWqL1'

# hash_file NAME: writes E2E_HASH to the host's /etc/containers.d/NAME.hash, readable by root only.
hash_file() {
	(umask 077 && printf '%s\n' "$E2E_HASH" >"$E2E_DIR/containers.d/$1.hash")
}

# in_machine NAME CMD...: runs CMD in a booted (systemd) container, the admin's way.
in_machine() {
	e2e_guest systemd-run --machine="$1" --wait --pipe --quiet -- "${@:2}"
}

# in_payload NAME CMD...: runs CMD in a Boot=no container (no systemd, no bus inside): enters
# the namespaces of the machine's leader, as machined reports it.
in_payload() {
	local leader
	leader=$(e2e_guest machinectl show --property=Leader --value "$1") || return
	e2e_guest nsenter -t "$leader" -a -- "${@:2}"
}

# wait_payload NAME: waits until a busybox payload (E2E_BUSYBOX_COMMAND) runs its loop, so its traps
# for SIGTERM and SIGRTMIN+4 are set. A stop that comes earlier is lost: the shell is PID 1 of the
# container, which ignores a signal it has no handler for, and the unit then waits out its stop
# timeout (seen on Debian 13's faster starts).
wait_payload() {
	local i
	for i in $(seq 200); do
		in_payload "$1" pidof sleep >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "the payload of $1 did not start its loop" >&2
	return 1
}

# wait_machine_running NAME: waits until systemd inside the container has finished booting.
wait_machine_running() {
	local state i
	# Until its D-Bus broker is up, nothing can be run in it through machined.
	for i in $(seq 240); do
		in_machine "$1" true 2>/dev/null && break
		sleep 0.5
	done
	state=$(in_machine "$1" timeout 120 systemctl is-system-running --wait)
	[ "$state" = running ] || fail "container $1 is '$state' after boot, not 'running'"
}

# journal_of NAME: the host's journal of the container's unit, this boot.
journal_of() {
	e2e_guest journalctl -b --no-pager -o cat -u "systemd-nspawn@$1.service"
}

# status_says NAME TEXT: 'systemctl status systemd-nspawn@NAME', as an admin reads it, shows TEXT.
# A helper's lines reach the journal through its output stream, after PID 1 has logged the unit's
# failure: they are waited for (up to 5 s) before the status is read.
status_says() {
	local i
	for i in $(seq 50); do
		journal_of "$1" | grep -qF -- "$2" && break
		sleep 0.1
	done
	run guest systemctl status --no-pager --full --lines=50 "systemd-nspawn@$1"
	assert_output --partial "$2"
}

# keep_output CMD...: runs CMD and appends what it printed to the scenario's record in the build
# directory (meson-logs/e2e/SCENARIO.txt), for people reading a run's results.
keep_output() {
	{
		echo "# $*"
		"$@" 2>&1 || true
		echo
	} >>"$E2E_RECORD"
}
