#!/usr/bin/env bats
# Provisioning that goes wrong: a failing provisioner, one killed half way, one that hangs until
# the start timeout (SIGTERM to berth-prepare), berth-prepare itself SIGKILLed, a full file system,
# and two starts at once. Each time: no partial tree, a clear error, and a retry that works.
load lib.bash

# provisioner FILE BODY: a 'command' provisioner script; "$1" in BODY is the directory to fill.
provisioner() {
	{
		echo '#!/bin/bash'
		cat
	} > "$1"
	chmod 0755 "$1"
}

good_provisioner_body() {
	cat <<-'EOF'
	mkdir -p "$1/etc" "$1/usr/lib/systemd"
	echo ID=good > "$1/usr/lib/os-release"
	cp /bin/true "$1/usr/lib/systemd/systemd"
	EOF
}

# A hung provisioner must never outlive a failed test (bats would wait for it).
teardown() {
	if [ -n "${child:-}" ]; then kill -KILL "$child" 2>/dev/null || true; fi
}

no_leftovers() {
	run ls -A "$M"
	refute_output --partial ".#web.berth-"
}

# wait_for FILE: until it exists (behaviour, not timing: the bound only stops a broken test).
wait_for() {
	for _ in $(seq 600); do [ -s "$1" ] && return 0; sleep 0.05; done
	return 1
}

# gone PID: until the process no longer exists.
gone() {
	for _ in $(seq 200); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
	return 1
}

@test "provisioner exits non-zero: error names the step and status, partial tree removed, retry works" {
	provisioner "$BATS_TEST_TMPDIR/p" <<-'EOF'
	mkdir -p "$1/etc"; echo partial > "$1/etc/partial"
	echo "provisioner: giving up" >&2
	exit 3
	EOF
	entry web <<-EOF
	[Container]
	Provision=command $BATS_TEST_TMPDIR/p %r
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "provisioner: giving up"
	assert_output --partial "Provisioning failed at step '$BATS_TEST_TMPDIR/p': $BATS_TEST_TMPDIR/p exited with status 3."
	assert_output --partial "the partial tree is removed now"
	assert [ ! -e "$M/web" ]
	no_leftovers

	good_provisioner_body | provisioner "$BATS_TEST_TMPDIR/p"
	run prepare web
	assert_success
	assert [ -e "$M/web/usr/lib/os-release" ]
}

@test "provisioner succeeds but leaves no usable tree: checked before it takes the container's place" {
	provisioner "$BATS_TEST_TMPDIR/p" <<-'EOF'
	mkdir -p "$1/etc"
	EOF
	entry web <<-EOF
	[Container]
	Provision=command $BATS_TEST_TMPDIR/p %r
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "holds neither /etc/os-release nor /usr/lib/os-release"
	assert_output --partial "Provisioning failed at step 'check the new tree'"
	assert [ ! -e "$M/web" ]
	no_leftovers
}

@test "provisioner killed by SIGKILL half way: error names the signal, nothing left" {
	provisioner "$BATS_TEST_TMPDIR/p" <<-'EOF'
	mkdir -p "$1/etc"; head -c 100000 /dev/zero > "$1/etc/half"
	kill -KILL $$
	EOF
	entry web <<-EOF
	[Container]
	Provision=command $BATS_TEST_TMPDIR/p %r
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "$BATS_TEST_TMPDIR/p was killed by signal KILL"
	assert [ ! -e "$M/web" ]
	no_leftovers
}

@test "start timeout: SIGTERM to berth-prepare kills a hung provisioner and removes the partial tree" {
	provisioner "$BATS_TEST_TMPDIR/p" <<-EOF
	mkdir -p "\$1/etc"; echo partial > "\$1/etc/partial"
	echo "\$\$ \$PPID" > "$BATS_TEST_TMPDIR/pid"
	exec sleep 1000
	EOF
	entry web <<-EOF
	[Container]
	Provision=command $BATS_TEST_TMPDIR/p %r
	EOF
	prepare web > "$BATS_TEST_TMPDIR/log" 2>&1 &
	prep=$!
	wait_for "$BATS_TEST_TMPDIR/pid"
	read -r child prepare_pid < "$BATS_TEST_TMPDIR/pid"
	# $prep is the shell running the function; the provisioner's parent is berth-prepare itself.
	kill -TERM "$prepare_pid"
	status=0
	wait "$prep" || status=$?
	[ "$status" = 1 ]
	run cat "$BATS_TEST_TMPDIR/log"
	assert_output --partial "Received Terminated while provisioning: stopping the provisioner and removing the partial tree."
	assert_output --partial "stopped by a signal (the unit's start timeout?)"
	gone "$child"
	assert [ ! -e "$M/web" ]
	no_leftovers
}

@test "berth-prepare SIGKILLed: the provisioner dies with it; the next start removes the leftover" {
	provisioner "$BATS_TEST_TMPDIR/p" <<-EOF
	mkdir -p "\$1/etc"; echo partial > "\$1/etc/partial"
	echo "\$\$ \$PPID" > "$BATS_TEST_TMPDIR/pid"
	exec sleep 1000
	EOF
	entry web <<-EOF
	[Container]
	Provision=command $BATS_TEST_TMPDIR/p %r
	EOF
	prepare web > "$BATS_TEST_TMPDIR/log" 2>&1 &
	prep=$!
	wait_for "$BATS_TEST_TMPDIR/pid"
	read -r child prepare_pid < "$BATS_TEST_TMPDIR/pid"
	kill -KILL "$prepare_pid"
	wait "$prep" || true
	gone "$child"   # PR_SET_PDEATHSIG
	# Killed while provisioning the image: the partial image is left in the cache, not beside
	# the root.
	run ls -A "$M"
	assert_output .berth-images
	run ls -A "$M/.berth-images"
	assert_output --regexp '^\.#command-[^/]*\.berth-[A-Za-z0-9]{6}$'
	leftover=.berth-images/$output

	good_provisioner_body | provisioner "$BATS_TEST_TMPDIR/p"
	run prepare web
	assert_success
	assert_output --partial "Removing $M/$leftover, left over by an interrupted provisioning."
	run ls -A "$M"
	assert_output $'.berth-images\nweb'
	run ls -A "$M/.berth-images"
	assert_output --regexp '^command-p-r-[0-9a-f]{12}$'
}

@test "full file system: clear error, nothing left, a retry after making room works" {
	src="$BATS_TEST_TMPDIR/src"
	make_tree "$src"
	head -c $((4 * 1024 * 1024)) /dev/urandom > "$src/usr/big"
	mkdir -p "$M"
	entry web <<-EOF
	[Container]
	Provision=copy $src
	EOF
	cat > "$BATS_TEST_TMPDIR/ns.sh" <<-EOF
	mount -t tmpfs -o size=2m,mode=0700 tmpfs "$M"
	echo "--- first"
	berth_exec "$BERTH_PREPARE" --root="$R" web && echo rc=0 || echo rc=\$?
	ls -A "$M" | sed 's/^/left: /'
	mount -o remount,size=32m "$M"
	echo "--- retry"
	berth_exec "$BERTH_PREPARE" --root="$R" web && echo rc=0 || echo rc=\$?
	ls -A "$M" | sed 's/^/now: /'
	EOF
	run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
	assert_success
	assert_output --partial "No space left on device"
	assert_output --partial "Provisioning failed at step 'cp': /usr/bin/cp exited with status 1"
	refute_line --partial "left: "
	assert_line --index 0 "--- first"
	assert_line "rc=1"
	assert_line "rc=0"
	assert_line "now: web"
	# Nothing stayed mounted out here.
	run findmnt -n "$M"
	assert_failure
}

@test "two starts at once: one waits for the other, the tree is provisioned once" {
	# The provisioner holds on until the second berth-prepare is blocked on the lock (a waiting
	# FLOCK on the lock file's inode in /proc/locks), so the overlap does not depend on timing.
	provisioner "$BATS_TEST_TMPDIR/p" <<-EOF
	echo run >> "$BATS_TEST_TMPDIR/runs"
	ino=\$(stat -c %i "$R/run/berth/web.lock")
	for i in \$(seq 1200); do
		grep -q -E "^[0-9]+: -> FLOCK .*:\$ino " /proc/locks && break
		sleep 0.05
	done
	$(good_provisioner_body)
	EOF
	entry web <<-EOF
	[Container]
	Provision=command $BATS_TEST_TMPDIR/p %r
	EOF
	prepare web > "$BATS_TEST_TMPDIR/log1" 2>&1 &
	p1=$!
	wait_for "$BATS_TEST_TMPDIR/runs"
	prepare web > "$BATS_TEST_TMPDIR/log2" 2>&1 &
	p2=$!
	wait "$p1"
	wait "$p2"
	run cat "$BATS_TEST_TMPDIR/runs"
	assert_output "run"
	run cat "$BATS_TEST_TMPDIR/log2"
	assert_output --partial "Another berth-prepare is preparing web; waiting for it to finish."
	assert_output --partial "Prepared container web"
	refute_output --partial "Provisioning"
	run ls -A "$M"
	assert_output $'.berth-images\nweb'
}
