#!/usr/bin/env bats
# EIO injection for berth-prepare: the file system holding the container roots (an ext4 image on a
# loop device, mounted on /var/lib/machines of a test root) starts failing every write with EIO
# in the middle of provisioning, at increasing delays. The failure is real, made by the kernel:
# ext4's EXT4_IOC_SHUTDOWN (what xfstests use for "the disk died") first syncs the file system,
# then makes it return EIO to every change. After each shutdown berth-prepare must fail with a
# clear error (no crash); after a remount the root is absent or complete, never partial; and the
# next start on the healthy file system succeeds and leaves no partial tree behind.
#
# Why not device-mapper's "error" or "flakey" target: the test kernels have no device-mapper
# (no device-mapper in /proc/misc, no modules to load; dmsetup fails with "/dev/mapper/control:
# open failed: No such device"). ext4's shutdown ioctl needs only a loop device.
# Mounts are made in a private mount namespace (unshare -m): none outlives the test, and the loop
# device is released (autoclear) when the namespace's mount goes.

load "$BERTH_SOURCE_ROOT/tests/lib/common.bash"
bats_require_minimum_version 1.5.0
load fault-lib

# What a complete copy has: every path, type and mode, and the size of every non-directory (a
# directory's size depends on the file system's block size).
listing() {
	(cd "$1" && find . \( -type d -printf '%p d %m\n' \) -o -printf '%p %y %m %s\n' | sort)
}

@test "EIO from the file system of the container roots while provisioning: a clear error, no partial root, and the next start succeeds" {
	command -v mkfs.ext4 >/dev/null || fail "mkfs.ext4 (e2fsprogs) is needed"
	[ -e /dev/loop-control ] || fail "no loop devices (/dev/loop-control): the kernel or container lacks them"
	src="$BATS_TEST_TMPDIR/src"
	make_rootfs "$src" 3000
	listing "$src" >"$BATS_TEST_TMPDIR/want"
	cat >"$R/etc/containers.d/web.conf" <<-EOF
	[Container]
	Provision=copy $src
	EOF
	img="$BATS_TEST_TMPDIR/machines.img"
	truncate -s 256M "$img"
	mkfs.ext4 -q -F "$img"

	{
		declare -f listing
		cat <<-'EOF'
	set -u
	mount -o loop "$IMG" "$M" || exit 10
	for ms in 0 5 10 20 35 50 75 100 150 200 300 450 650 900 1300 2000 3000; do
		rm -rf "$M/web"
		sync -f "$M"
		"$SHUTDOWN_AFTER" "$ms" "$M" "$BERTH_PREPARE" --root="$R" web >"$TMP/log" 2>&1
		rc=$?
		echo "--- ${ms} ms: rc=$rc"
		if [ "$rc" = 0 ]; then
			# finished first (or the shutdown only hit its last steps, which are on /run): the
			# root, after a remount, must be complete
			echo "finished"
			umount "$M" || exit 16
			mount -o loop "$IMG" "$M" || exit 17
			listing "$M/web" >"$TMP/got"
			cmp -s "$TMP/want" "$TMP/got" && echo "root: complete" || echo "root: PARTIAL"
			umount "$M"
			break
		fi
		grep -q '^shutdown$' "$TMP/log" || echo "error: FAILED WITHOUT A SHUTDOWN"
		grep -v -e '^shutdown$' -e '^cp: ' "$TMP/log" | sed 's/^/log: /'
		grep -q 'Input/output error' "$TMP/log" && echo "error: EIO named" || echo "error: UNCLEAR"
		umount "$M" || exit 12
		mount -o loop "$IMG" "$M" || exit 13
		# absent or complete, never partial
		if [ -e "$M/web" ]; then
			listing "$M/web" >"$TMP/got"
			cmp -s "$TMP/want" "$TMP/got" && echo "root: complete" || { echo "root: PARTIAL"; diff "$TMP/want" "$TMP/got" | head; }
		else
			echo "root: absent"
		fi
		# the file system is healthy again: the next start succeeds with the complete tree
		"$BERTH_PREPARE" --root="$R" web >"$TMP/log2" 2>&1 && echo "retry: rc=0" || { echo "retry: rc=$?"; cat "$TMP/log2"; }
		listing "$M/web" >"$TMP/got"
		cmp -s "$TMP/want" "$TMP/got" && echo "retry root: complete" || { echo "retry root: PARTIAL"; diff "$TMP/want" "$TMP/got" | head; }
		echo "left in machines: $(ls -A "$M" | grep -v -x -e lost+found -e web | tr '\n' ' ')"
		umount "$M" || exit 14
		mount -o loop "$IMG" "$M" || exit 15
	done
	exit 0
	EOF
	} >"$BATS_TEST_TMPDIR/ns.sh"
	run env IMG="$img" M="$M" R="$R" TMP="$BATS_TEST_TMPDIR" BERTH_PREPARE="$BERTH_PREPARE" \
		SHUTDOWN_AFTER="$BATS_TEST_DIRNAME/ext4-shutdown-after.py" \
		unshare --mount --propagation private bash "$BATS_TEST_TMPDIR/ns.sh"
	assert_success
	# At least one shutdown hit a running berth-prepare.
	assert_line --regexp '^--- [0-9]+ ms: rc=[1-9]'
	# Every failed run failed cleanly: exit status 1 (not a crash), with the kernel's EIO named.
	refute_line --regexp '^--- [0-9]+ ms: rc=([2-9]|[1-9][0-9]+)$'
	refute_line "error: UNCLEAR"
	refute_line "root: PARTIAL"
	refute_line "retry root: PARTIAL"
	refute_line --regexp '^retry: rc=[1-9]'
	refute_line --regexp '^left in machines: .'
	echo "# $(grep -c -E '^--- [0-9]+ ms: rc=1$' <<<"$output") runs failed with EIO" >&3
	run findmnt -n "$M"
	assert_failure
}
