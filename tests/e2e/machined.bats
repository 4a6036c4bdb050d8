#!/usr/bin/env bats
# A stale systemd-machined registration of the container's name (SPEC section 4): berth-prepare
# terminates it over sd-bus before nspawn would fail with "Machine 'NAME' already exists"; a live
# machine of that name under another unit is reported instead, and left alone.
#
# How a stale registration is made: a transient service (the "squatter") registers a machine
# named like the container over D-Bus (RegisterMachine, the call a hand-run nspawn makes), with
# a child of its own as leader, then kills that child and stays. machined on systemd 252 drops a
# registration when its unit goes away, not when the leader dies, so the machine stays listed
# with a dead leader: exactly what a crashed container whose unit has not been cleaned up leaves.

load lib/e2e

setup() {
	e2e_setup machined
}

teardown() {
	e2e_teardown
}

# squat NAME UNIT KEEP: starts UNIT, a service that registers machine NAME with a leader of its
# own; with KEEP=dead the leader is killed and reaped at once (a stale registration), with
# KEEP=zombie killed and never reaped (stale too, though kill -0 still succeeds on it), with
# KEEP=live it runs on (a live machine). Python, because a shell reaps its children on its own.
squat() {
	local name=$1 unit=$2 keep=$3
	guest systemd-run --quiet --unit="$unit" --service-type=exec -- python3 -c '
import os, signal, subprocess, sys
name, keep = sys.argv[1:3]
leader = os.fork()
if leader == 0:
    while True:
        signal.pause()
subprocess.run(["busctl", "call", "org.freedesktop.machine1", "/org/freedesktop/machine1",
                "org.freedesktop.machine1.Manager", "RegisterMachine", "sayssus",
                name, "0", "squatter", "container", str(leader), "/"], check=True)
if keep != "live":
    os.kill(leader, signal.SIGKILL)
if keep == "dead":
    os.waitpid(leader, 0)
while True:
    signal.pause()
' "$name" "$keep"
	# Until the registration is there, with the leader the squatter gave it.
	local i
	for i in $(seq 300); do
		guest machinectl show --property=Unit --value "$name" 2>/dev/null | grep -qx "$unit.service" && break
		sleep 0.1
	done
	run guest machinectl show --property=Unit --value "$name"
	assert_output "$unit.service"
}

@test "stale machined registration: removed by berth-prepare, the container starts" {
	# Not started at boot: the squatters must be in place first.
	e2e_busybox_entry box 'Enable=no' | entry box
	e2e_busybox_entry zbox 'Enable=no' | entry zbox
	boot
	squat box squatter dead
	run guest sh -c 'kill -0 "$(machinectl show --property=Leader --value box)"'
	assert_failure
	run guest systemctl show -P ActiveState squatter.service
	assert_output active
	squat zbox zsquatter zombie
	local i
	for i in $(seq 100); do
		run guest sh -c 'grep "^State:" "/proc/$(machinectl show --property=Leader --value zbox)/status"'
		[[ $output == *zombie* ]] && break
		sleep 0.1
	done
	assert_output --partial zombie

	run guest systemctl start systemd-nspawn@box
	assert_success
	wait_unit box active
	run journal_of box
	assert_output --partial 'Removed the stale registration of machine box in systemd-machined (unit squatter.service'
	assert_output --partial 'its leader process is gone'
	run guest machinectl show --property=State --property=Unit box
	assert_line State=running
	assert_line Unit=systemd-nspawn@box.service
	run guest machinectl list --no-legend
	assert_output --regexp '^box +container +systemd-nspawn '
	# The squatter itself was not killed: berth ends the registration, not other units.
	run guest systemctl show -P ActiveState squatter.service
	assert_output active

	# The zombie leader counts as gone.
	run guest systemctl start systemd-nspawn@zbox
	assert_success
	run journal_of zbox
	assert_output --partial 'Removed the stale registration of machine zbox in systemd-machined (unit zsquatter.service'
	assert_output --partial 'its leader process is gone'
	run guest machinectl show --property=State --property=Unit zbox
	assert_line State=running
	assert_line Unit=systemd-nspawn@zbox.service

	keep_output guest journalctl -b --no-pager -o short-monotonic -u systemd-nspawn@box -u squatter \
		-u systemd-nspawn@zbox -u zsquatter
	keep_output guest machinectl list

	guest systemctl stop systemd-nspawn@box squatter systemd-nspawn@zbox zsquatter
	e2e_host_poweroff
}

@test "stale registration by the container's own unit: removed without cancelling the start" {
	# What a crash leaves when machined has not yet noticed: a registration whose unit is the
	# container's own. Made here by an ExecStartPre= that runs before berth-prepare's (drop-ins
	# apply in file name order: 10-… before the generator's 50-berth.conf) and leaves a process
	# of the unit registered as the machine. machined's TerminateMachine would stop this very
	# unit and so fail the start; berth-prepare must only unregister it.
	e2e_busybox_entry obox 'Enable=no' | entry obox
	boot
	guest mkdir -p /run/systemd/system/systemd-nspawn@obox.service.d
	guest tee /run/systemd/system/systemd-nspawn@obox.service.d/10-squat.conf >/dev/null <<-'EOF'
		[Service]
		ExecStartPre=/usr/bin/python3 -c 'import os, signal, subprocess; leader = os.fork(); leader == 0 and [signal.pause() for _ in iter(int, 1)]; subprocess.run(["busctl", "call", "org.freedesktop.machine1", "/org/freedesktop/machine1", "org.freedesktop.machine1.Manager", "RegisterMachine", "sayssus", "obox", "0", "squatter", "container", str(leader), "/"], check=True)'
	EOF
	guest systemctl daemon-reload

	run guest systemctl start systemd-nspawn@obox
	assert_success
	run journal_of obox
	assert_output --partial 'Removed the stale registration of machine obox in systemd-machined (unit systemd-nspawn@obox.service'
	assert_output --partial 'registered by this very unit'
	run guest machinectl show --property=State --property=Unit obox
	assert_line State=running
	assert_line Unit=systemd-nspawn@obox.service
	# The machine's leader now is the container's, not the squatter's.
	run guest sh -c 'tr "\0" " " < "/proc/$(machinectl show --property=Leader --value obox)/cmdline"'
	refute_output --partial python3
	keep_output guest journalctl -b --no-pager -o short-monotonic -u systemd-nspawn@obox

	guest systemctl stop systemd-nspawn@obox
	e2e_host_poweroff
}

@test "live machine of the same name under another unit: the start fails naming it, it keeps running" {
	e2e_busybox_entry box 'Enable=no' | entry box
	boot
	squat box squatter live

	run guest systemctl start systemd-nspawn@box
	assert_failure
	run journal_of box
	assert_output --partial 'A machine named box is already running (unit squatter.service'
	assert_output --partial "machinectl poweroff box"
	refute_output --partial 'Removed the stale registration'
	run guest machinectl show --property=Unit --value box
	assert_output squatter.service
	run guest sh -c 'kill -0 "$(machinectl show --property=Leader --value box)"'
	assert_success

	guest systemctl stop squatter
	e2e_host_poweroff
}
