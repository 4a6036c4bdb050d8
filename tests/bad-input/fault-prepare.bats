#!/usr/bin/env bats
# Fault injection for berth-prepare: SIGKILL at increasing delays during provisioning and during
# the root password update (the whole process group, as systemd kills a unit's cgroup), a full
# file system under the container root, and a read-only /run. After each fault the container
# root is either the old state or the complete new one, never a mix, and the next start succeeds.
# Mounts are made in a private mount namespace (unshare -m), so none outlives a test.
#
# EIO is injected in fault-eio.bats (ext4 on a loop device, shut down mid-provisioning).

load "$BERTH_SOURCE_ROOT/tests/lib/common.bash"
bats_require_minimum_version 1.5.0
load fault-lib

# What a complete copy has: every path, type, mode and size.
listing() {
	(cd "$1" && find . -printf '%p %y %m %s\n' | sort)
}

entry() {
	cat >"$R/etc/containers.d/$1.conf"
	chmod 0600 "$R/etc/containers.d/$1.conf"
}

# run_killed MS: starts berth-prepare web in its own process group, SIGKILLs the whole group
# after MS milliseconds (unless it finished first) and waits. Sets FINISHED=1 when it exited by
# itself, with its status in RC.
run_killed() {
	local ms=$1 pid
	FINISHED=0 RC=
	setsid bash -c 'exec "$@"' _ "$BERTH_PREPARE" --root="$R" web >"$BATS_TEST_TMPDIR/log" 2>&1 &
	pid=$!
	sleep "$(printf '0.%03d' "$ms")"
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL -- "-$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	else
		wait "$pid" && RC=0 || RC=$?
		FINISHED=1
	fi
	# Nothing of the group may survive the kill (a provisioner that outlives its starter would
	# keep writing into the temporary tree). SIGKILL is delivered asynchronously: give the
	# kernel a moment to finish off a process stuck in a write.
	local i
	for i in $(seq 1 50); do
		pgrep -g "$pid" >/dev/null || return 0
		sleep 0.1
	done
	echo "processes of the killed group survived: $(pgrep -a -g "$pid")" >&2
	return 1
}

@test "SIGKILL at increasing delays while provisioning: no root fs or the complete one, and the next start succeeds" {
	src="$BATS_TEST_TMPDIR/src"
	make_rootfs "$src" 3000
	listing "$src" >"$BATS_TEST_TMPDIR/want"
	entry web <<-EOF
	[Container]
	Provision=copy $src
	EOF
	local kills=0
	for ms in 0 2 5 10 20 35 50 75 100 150 200 300 450 650 900 999; do
		rm -rf "$M/web"
		run_killed "$ms"
		[ "$FINISHED" = 1 ] && break
		kills=$((kills + 1))
		# Old state (no root fs) or the complete new one: never a partial tree in its place.
		if [ -e "$M/web" ]; then
			listing "$M/web" >"$BATS_TEST_TMPDIR/got"
			diff -u "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
		fi
		# The next start succeeds, removes what the killed one left, and gives the complete tree.
		run berth_exec "$BERTH_PREPARE" --root="$R" web
		assert_success
		listing "$M/web" >"$BATS_TEST_TMPDIR/got"
		diff -u "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
		run ls -A "$M"
		assert_output web
	done
	echo "# killed $kills times before a run finished on its own" >&3
	[ "$kills" -gt 0 ]
}

@test "SIGKILL at increasing delays while setting the root password: /etc/shadow is the old or the new file, never a mix" {
	make_rootfs "$M/web"
	chmod 0600 "$M/web/etc/shadow"
	chown 0:42 "$M/web/etc/shadow"
	cp -p "$M/web/etc/shadow" "$BATS_TEST_TMPDIR/old"
	hash='$6$fault$Ny3cbJQ9KBVEgT5QgqwUZbz4xsX4NB2n.5wuytoSnlLYQF2jx6h3xmGfPnd4eV3kW7E1Uq6o1Eys5b3c0Ep5z1'
	entry web <<-EOF
	[Container]
	RootPasswordHash=$hash
	EOF
	printf 'root:%s:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\n' "$hash" >"$BATS_TEST_TMPDIR/new"
	local kills=0
	for ms in 0 1 2 3 4 5 6 8 10 12 15 20 25 30 40 50 70 100 150 200 300 500 999; do
		cp -p "$BATS_TEST_TMPDIR/old" "$M/web/etc/shadow"
		run_killed "$ms"
		[ "$FINISHED" = 1 ] && break
		kills=$((kills + 1))
		cmp -s "$M/web/etc/shadow" "$BATS_TEST_TMPDIR/old" || cmp -s "$M/web/etc/shadow" "$BATS_TEST_TMPDIR/new" ||
			fail "after a kill at $ms ms /etc/shadow is neither the old nor the new file: $(cat "$M/web/etc/shadow")"
		assert_equal "$(stat -c '%u:%g %a' "$M/web/etc/shadow")" "0:42 600"
		run berth_exec "$BERTH_PREPARE" --root="$R" web
		assert_success
		cmp "$M/web/etc/shadow" "$BATS_TEST_TMPDIR/new"
	done
	echo "# killed $kills times before a run finished on its own" >&3
	[ "$FINISHED" = 1 ] && [ "$RC" = 0 ]
	cmp "$M/web/etc/shadow" "$BATS_TEST_TMPDIR/new"
	assert_equal "$(stat -c '%u:%g %a' "$M/web/etc/shadow")" "0:42 600"
}

@test "full file system under the container root while setting the password: old /etc/shadow kept, no litter, retry works" {
	hash='$6$fault$Ny3cbJQ9KBVEgT5QgqwUZbz4xsX4NB2n.5wuytoSnlLYQF2jx6h3xmGfPnd4eV3kW7E1Uq6o1Eys5b3c0Ep5z1'
	entry web <<-EOF
	[Container]
	RootPasswordHash=$hash
	EOF
	mkdir -p "$M/web"
	cat >"$BATS_TEST_TMPDIR/ns.sh" <<-EOF
	set -e
	mount -t tmpfs -o size=1m,mode=0755 tmpfs "$M/web"
	$(declare -f make_rootfs)
	make_rootfs "$M/web"
	cp -p "$M/web/etc/shadow" "$BATS_TEST_TMPDIR/old"
	# Fill it up: the new /etc/shadow cannot be written.
	head -c 2M /dev/zero >"$M/web/srv/fill" 2>/dev/null || true
	echo "--- full"
	berth_exec "$BERTH_PREPARE" --root="$R" web && echo rc=0 || echo rc=\$?
	cmp "$M/web/etc/shadow" "$BATS_TEST_TMPDIR/old" && echo "shadow: old"
	ls -A "$M/web/etc" | sed 's/^/etc: /'
	rm "$M/web/srv/fill"
	echo "--- retry"
	berth_exec "$BERTH_PREPARE" --root="$R" web && echo rc=0 || echo rc=\$?
	grep -c '^root:\\\$6\\\$fault' "$M/web/etc/shadow" | sed 's/^/new root lines: /'
	EOF
	run unshare --mount --propagation private bash -c 'source "$BERTH_SOURCE_ROOT/tests/lib/common.bash" 2>/dev/null; berth_exec() { if [ "${BERTH_VALGRIND:-0}" = 1 ]; then valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect "$@"; else "$@"; fi; }; source "$1"' _ "$BATS_TEST_TMPDIR/ns.sh"
	assert_success
	assert_line --index 0 "--- full"
	assert_line "rc=1"
	assert_output --partial "No space left on device"
	assert_line "shadow: old"
	# Only the files the tree had: no temporary .#shadow.XXXXXX left behind.
	refute_line --regexp '^etc: \.#'
	assert_line "rc=0"
	assert_line "new root lines: 1"
	run findmnt -n "$M/web"
	assert_failure
}

@test "read-only /run: a clear error, the container root untouched, and the next start with /run writable succeeds" {
	make_rootfs "$M/web"
	listing "$M/web" >"$BATS_TEST_TMPDIR/before"
	entry web <<-EOF
	[Container]
	Description=read-only run
	EOF
	mkdir -p "$R/run"
	cat >"$BATS_TEST_TMPDIR/ns.sh" <<-EOF
	mount -t tmpfs -o ro,size=1m tmpfs "$R/run"
	echo "--- ro"
	"$BERTH_PREPARE" --root="$R" web 2>&1 && echo rc=0 || echo rc=\$?
	mount -o remount,rw "$R/run"
	echo "--- rw"
	"$BERTH_PREPARE" --root="$R" web 2>&1 && echo rc=0 || echo rc=\$?
	test -f "$R/run/systemd/nspawn/web.nspawn" && echo "nspawn file written"
	EOF
	run unshare --mount --propagation private bash "$BATS_TEST_TMPDIR/ns.sh"
	assert_success
	assert_line --index 0 -- "--- ro"
	assert_output --partial "Read-only file system"
	# The failing run's status comes before the second run's marker.
	[[ $output =~ ---\ ro.*rc=[1-9].*---\ rw.*rc=0 ]]
	assert_line "rc=0"
	assert_line "nspawn file written"
	listing "$M/web" >"$BATS_TEST_TMPDIR/after"
	diff -u "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	run findmnt -n "$R/run"
	assert_failure
}
