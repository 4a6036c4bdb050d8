#!/usr/bin/env bats
# 100 000 entries in one search directory (made at test time, in tmpfs), three of them broken:
# the generator and 'berth check' get through all of them, report exactly the three, and every
# other entry gets its unit. Behaviour only; speed is the benchmark's business (bench/).
# Under 'meson test --setup=valgrind' the same runs with 10 000 entries: memcheck is ~50 times
# slower, and the code paths are the same.

load "$BERTH_SOURCE_ROOT/tests/lib/common.bash"
bats_require_minimum_version 1.5.0

setup_file() {
	local base=${TMPDIR:-/tmp}
	[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
	TREE=$(mktemp -d "$base/berth-many.XXXXXX")
	export TREE
	if [ "${BERTH_VALGRIND:-0}" = 1 ]; then N=10000; else N=100000; fi
	export N
	export BERTH_CONFIG_PATH="$TREE/etc" SYSTEMD_PROC_CMDLINE=""
	mkdir -p "$TREE/etc" "$TREE/out"
	# One awk process writes them all (a shell loop would take longer than the generator).
	awk -v n="$N" -v d="$TREE/etc" 'BEGIN {
		for (i = 1; i <= n; i++) {
			f = sprintf("%s/e%06d.conf", d, i)
			printf "[Container]\nDescription=entry %d\nPriority=%d\n", i, i % 1001 > f
			close(f)
		}
	}'
	# Three broken ones among them: binary content, an unknown key, an invalid name.
	printf '\x00\x01\x02' >"$TREE/etc/e000500.conf"
	printf '[Container]\nBogus=1\n' >"$TREE/etc/e000777.conf"
	printf '[Container]\n' >"$TREE/etc/-bad.conf"
}

teardown_file() {
	rm -rf "$TREE"
}

@test "$N entries: the generator writes every valid one and reports exactly the three broken ones" {
	run -1 --separate-stderr berth_exec "$BERTH_GENERATOR" "$TREE/out"
	assert_equal "$(printf '%s\n' "${stderr_lines[@]}" | grep -c .)" 3
	printf '%s\n' "${stderr_lines[@]}" | grep -qxF "$TREE/etc/e000500.conf:1: File contains a NUL byte: not a text file"
	printf '%s\n' "${stderr_lines[@]}" | grep -qF "$TREE/etc/e000777.conf:2: Unknown key Bogus= in [Container]; accepted: "
	printf '%s\n' "${stderr_lines[@]}" | grep -qF "$TREE/etc/-bad.conf: Invalid entry name '-bad'"
	# Entries with errors but a valid name still get their unit (their start fails with the message).
	assert_equal "$(find "$TREE/out" -name 50-berth.conf | wc -l)" "$N"
	assert_equal "$(find "$TREE/out/machines.target.wants" -type l -name 'systemd-nspawn@*.service' | wc -l)" "$N"
	grep -qxF "Description=entry $N" "$TREE/out/systemd-nspawn@e$(printf %06d "$N").service.d/50-berth.conf"
}

@test "$N entries: berth check reports exactly the three broken ones" {
	run -1 --separate-stderr berth_exec "$BERTH_ADMIN" check
	assert_equal "${#lines[@]}" 3
	assert_line "$TREE/etc/e000500.conf:1: File contains a NUL byte: not a text file"
	assert_line --partial "$TREE/etc/e000777.conf:2: Unknown key Bogus= in [Container]; accepted: "
}
