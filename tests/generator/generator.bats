#!/usr/bin/env bats
# berth-generator behaviour that needs more than one file per case: reruns, 1 000 entries, bad
# input generated on the fly, the real /proc/cmdline, logging to the kernel log, write failures.

load lib

setup() {
	make_tree
}

# A listing of everything in a directory: type, path, link target, and a checksum per file.
snapshot() {
	(cd "$1" && find . -mindepth 1 -printf '%y %p %l\n' | sort &&
		find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

@test "a rerun over the same directory gives the same bytes" {
	printf '[Container]\nPriority=10\n' >"$TREE/etc/db.conf"
	printf '[Container]\nDirectory=/srv/web\nDependsOn=db\n[Install]\nWantedBy=multi-user.target\n' >"$TREE/etc/web.conf"
	printf '[Container]\nBogus=1\n' >"$TREE/etc/broken.conf"
	run_generator "$OUT"
	[ "$status" -eq 1 ]
	snapshot "$OUT" >"$BATS_TEST_TMPDIR/first"
	run_generator "$OUT"
	[ "$status" -eq 1 ]
	snapshot "$OUT" >"$BATS_TEST_TMPDIR/second"
	diff -u "$BATS_TEST_TMPDIR/first" "$BATS_TEST_TMPDIR/second"
	grep -q 'berth-wave-10.target' "$BATS_TEST_TMPDIR/first"
	# No temporary file is left behind.
	! find "$OUT" -name '.#*' | grep -q .
}

@test "1 000 entries: every one generated, in waves, linear output" {
	for i in $(seq 1 1000); do
		printf '[Container]\nPriority=%d\nDescription=container %d\n' $((i % 5 * 10)) "$i" >"$TREE/usr/c$i.conf"
	done
	run_generator "$OUT"
	[ "$status" -eq 0 ]
	[ -z "$OUT_STDERR" ]
	[ "$(find "$OUT" -name 50-berth.conf | wc -l)" -eq 1000 ]
	[ "$(find "$OUT/machines.target.wants" -name 'systemd-nspawn@*.service' | wc -l)" -eq 1000 ]
	[ "$(find "$OUT" -maxdepth 1 -name 'berth-wave-*.target' | wc -l)" -eq 5 ]
	grep -qx 'Description=container 737' "$OUT/systemd-nspawn@c737.service.d/50-berth.conf"
	grep -qx 'After=berth-wave-10.target' "$OUT/systemd-nspawn@c737.service.d/50-berth.conf"
	grep -qx 'Before=berth-wave-20.target' "$OUT/systemd-nspawn@c737.service.d/50-berth.conf"
	# One ordering line to each neighbouring wave at most: no entry is ordered against all the
	# others of the previous wave.
	[ "$(grep -ch berth-wave "$OUT"/systemd-nspawn@*.service.d/50-berth.conf | sort -u | tr '\n' ' ')" = "1 2 " ]
}

# bad_input_case NAME: the tree has a bad etc/NAME.conf; good.conf must still be generated and the
# error name the bad file.
expect_bad_entry() {
	printf '[Container]\n' >"$TREE/etc/good.conf"
	run_generator "$OUT"
	echo "$OUT_STDERR"
	[ "$status" -eq 1 ]
	grep -qF "$TREE/etc/$1.conf" <<<"$OUT_STDERR"
	[ -f "$OUT/systemd-nspawn@good.service.d/50-berth.conf" ]
}

@test "a file of random bytes: one error for it, the rest generated" {
	head -c 4096 /dev/urandom >"$TREE/etc/random.conf"
	expect_bad_entry random
}

@test "a 10 MB file: one error for it, the rest generated" {
	{ printf '[Container]\n'; head -c 10485760 /dev/zero | tr '\0' '#'; } >"$TREE/etc/huge.conf"
	expect_bad_entry huge
}

@test "a line longer than 64 KiB is an error" {
	{ printf '[Container]\nDescription='; head -c 70000 /dev/zero | tr '\0' 'x'; printf '\n'; } >"$TREE/etc/long.conf"
	expect_bad_entry long
	grep -qF "$TREE/etc/long.conf:2:" <<<"$OUT_STDERR"
}

@test "a NUL byte is an error" {
	printf '[Container]\nDescription=a\0b\n' >"$TREE/etc/nul.conf"
	expect_bad_entry nul
}

@test "text that is not UTF-8 is an error" {
	printf '[Container]\nDescription=caf\xe9\n' >"$TREE/etc/latin1.conf"
	expect_bad_entry latin1
	grep -qF "$TREE/etc/latin1.conf:2:" <<<"$OUT_STDERR"
}

@test "an unreadable file is an error for that entry" {
	printf '[Container]\n' >"$TREE/etc/good.conf"
	printf '[Container]\n' >"$TREE/etc/secret.conf"
	chmod 000 "$TREE/etc/secret.conf"
	chmod 0777 "$OUT"
	# Root reads any file; without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH it is refused like anyone.
	run_generator_nodac() {
		status=0
		OUT_STDERR=$(setpriv --bounding-set=-dac_override,-dac_read_search -- \
			bash -c "$(declare -f berth_exec); berth_exec \"\$@\"" sh "$BERTH_GENERATOR" "$OUT" 2>&1 >/dev/null) || status=$?
	}
	run_generator_nodac
	echo "$OUT_STDERR"
	[ "$status" -eq 1 ]
	grep -qF "$TREE/etc/secret.conf" <<<"$OUT_STDERR"
	grep -qi 'permission denied' <<<"$OUT_STDERR"
	[ -f "$OUT/systemd-nspawn@good.service.d/50-berth.conf" ]
}

@test "the kill switch on the real /proc/cmdline" {
	printf '[Container]\n' >"$TREE/etc/web.conf"
	printf 'quiet berth.enable=false\n' >"$BATS_TEST_TMPDIR/cmdline"
	unset SYSTEMD_PROC_CMDLINE
	# A private mount namespace: the machine's /proc/cmdline is untouched outside this command.
	run unshare --mount --propagation private -- bash -c \
		"mount --bind '$BATS_TEST_TMPDIR/cmdline' /proc/cmdline && $(declare -f berth_exec) && berth_exec '$BERTH_GENERATOR' '$OUT'"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qF 'berth.enable=0' <<<"$output"
	[ -z "$(ls -A "$OUT")" ]
}

@test "without the kill switch the real /proc/cmdline changes nothing" {
	printf '[Container]\n' >"$TREE/etc/web.conf"
	printf 'quiet berth.enable=1 root=/dev/vda\n' >"$BATS_TEST_TMPDIR/cmdline"
	unset SYSTEMD_PROC_CMDLINE
	run unshare --mount --propagation private -- bash -c \
		"mount --bind '$BATS_TEST_TMPDIR/cmdline' /proc/cmdline && $(declare -f berth_exec) && berth_exec '$BERTH_GENERATOR' '$OUT'"
	[ "$status" -eq 0 ]
	[ -f "$OUT/systemd-nspawn@web.service.d/50-berth.conf" ]
}

@test "under systemd (SYSTEMD_SCOPE) errors go to the kernel log with their level" {
	local marker
	marker=kmsg$RANDOM$RANDOM
	printf '[Container]\nBogus=1\n' >"$TREE/etc/$marker.conf"
	SYSTEMD_SCOPE=system run_generator "$OUT"
	[ "$status" -eq 1 ]
	[ -z "$OUT_STDERR" ]
	# The raw kernel log: "<3>" is LOG_ERR (dmesg -r prints the level prefix as written). The
	# kernel files a /dev/kmsg line without a facility under LOG_USER, which util-linux 2.41's dmesg
	# (Debian 13) prints too: "<11>" (8 + 3); Debian 12's prints the level alone.
	run dmesg -r
	grep -E "^<(3|11)>\[ *[0-9.]+\] berth-generator\[[0-9]+\]: .*$marker\.conf:2:" <<<"$output"
}

@test "SYSTEMD_LOG_LEVEL is honoured: =crit silences errors, =err shows them" {
	printf '[Container]\nBogus=1\n' >"$TREE/etc/web.conf"
	SYSTEMD_LOG_LEVEL=crit run_generator "$OUT"
	[ "$status" -eq 1 ]
	[ -z "$OUT_STDERR" ]
	SYSTEMD_LOG_LEVEL=err run_generator "$OUT"
	[ "$status" -eq 1 ]
	grep -qF "$TREE/etc/web.conf:2:" <<<"$OUT_STDERR"
}

@test "a file that cannot be written is an error; everything else is still written" {
	printf '[Container]\n' >"$TREE/etc/web.conf"
	# machines.target.wants is a file here, so the enable symlink cannot be made.
	touch "$OUT/machines.target.wants"
	run_generator "$OUT"
	echo "$OUT_STDERR"
	[ "$status" -eq 1 ]
	grep -qF 'machines.target.wants' <<<"$OUT_STDERR"
	[ -f "$OUT/systemd-nspawn@web.service.d/50-berth.conf" ]
	[ -L "$OUT/multi-user.target.wants/machines.target" ]
}

@test "a missing output directory: exit 1 naming it" {
	run_generator "$OUT/nonexistent"
	[ "$status" -eq 1 ]
	grep -qF "$OUT/nonexistent" <<<"$OUT_STDERR"
}

@test "only NORMAL is written when three directories are given" {
	printf '[Container]\n' >"$TREE/etc/web.conf"
	mkdir "$BATS_TEST_TMPDIR/early" "$BATS_TEST_TMPDIR/late"
	run_generator "$OUT" "$BATS_TEST_TMPDIR/early" "$BATS_TEST_TMPDIR/late"
	[ "$status" -eq 0 ]
	[ -f "$OUT/systemd-nspawn@web.service.d/50-berth.conf" ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/early" "$BATS_TEST_TMPDIR/late" | grep -v :)" ]
}

@test "--help and --version" {
	run_generator --help
	[ "$status" -eq 0 ]
	grep -q -- '--dry-run' <<<"$OUT_STDOUT"
	run_generator --version
	[ "$status" -eq 0 ]
	[ "$OUT_STDOUT" = "berth-generator $(config_value BERTH_VERSION)" ]
}

@test "no arguments is a usage error" {
	run_generator
	[ "$status" -eq 2 ]
	[ "$(wc -l <<<"$OUT_STDERR")" -eq 1 ]
	grep -q 'missing output directory' <<<"$OUT_STDERR"
}

@test "the examples pass the loader and generate units that verify" {
	cp "$BERTH_SOURCE_ROOT"/examples/*.conf "$TREE/etc/"
	run_generator "$OUT"
	echo "$OUT_STDERR"
	[ "$status" -eq 0 ]
	[ "$(find "$OUT" -name 50-berth.conf | wc -l)" -eq "$(ls "$BERTH_SOURCE_ROOT"/examples/*.conf | wc -l)" ]
	verify_units
}

@test "the verify step catches an ordering cycle (the harness can fail)" {
	for p in 10 20 30; do
		printf '[Container]\nPriority=%d\n' "$p" >"$TREE/etc/p$p.conf"
	done
	run_generator "$OUT"
	[ "$status" -eq 0 ]
	verify_units
	# Sabotage: wave 10 after wave 30 closes a loop through wave 20's containers.
	printf '[Unit]\nAfter=berth-wave-30.target\n' >>"$OUT/berth-wave-10.target"
	run verify_units
	echo "$output"
	[ "$status" -ne 0 ]
	grep -q 'ordering cycle' <<<"$output"
}

@test "a carriage return inside a value is an error (systemd would end the line there)" {
	printf '[Container]\nDescription=shop\n[Service]\nEnvironment=A=1\rExecStartPost=/bin/false\n' >"$TREE/etc/web.conf"
	printf '[Container]\r\nDescription=saved on Windows\r\n' >"$TREE/etc/dos.conf"
	run_generator "$OUT"
	echo "$OUT_STDERR"
	[ "$status" -eq 1 ]
	grep -qF "$TREE/etc/web.conf:4: Line holds a carriage return (CR) inside it" <<<"$OUT_STDERR"
	! grep -q 'ExecStartPost' "$OUT/systemd-nspawn@web.service.d/50-berth.conf"
	grep -qx "ExecStartPre=$(config_value BERTH_PREPARE_PATH) web" "$OUT/systemd-nspawn@web.service.d/50-berth.conf"
	# CRLF line endings are line endings, not part of the value.
	grep -qx 'Description=saved on Windows' "$OUT/systemd-nspawn@dos.service.d/50-berth.conf"
}

# tests/lib/run-case runs the cases without bats; a check that fails before checks that pass must
# still fail the case (errexit, as bats runs a test), and say which case and why.
@test "run-case: a failing check fails the case even when later checks pass" {
	local c=$BATS_TEST_TMPDIR/failing.case
	cat >"$c" <<-'CASE'
		## assert-stderr 'a message the generator never writes'
		### file etc/web.conf
		[Container]
		Description=web
		### expect systemd-nspawn@web.service.d/50-berth.conf
		# Automatically generated by berth-generator from @TREE@/etc/web.conf

		[Unit]
		SourcePath=@TREE@/etc/web.conf
		Description=web
		Wants=systemd-networkd.service

		[Service]
		Environment=BERTH_DIGEST=@DIGEST@
		ExecStartPre=@AUDIT@ check --policy=warn --container=web
		ExecStartPre=@PREPARE@ web
	CASE
	run "$BERTH_SOURCE_ROOT/tests/lib/run-case" "$BERTH_SOURCE_ROOT/tests/generator/lib.bash" "$c"
	[ "$status" -eq 1 ] || { echo "run-case exited $status: $output"; return 1; }
	[[ $output == *"failing: stderr lacks 'a message the generator never writes'"* ]] ||
		{ echo "$output"; return 1; }
	[[ $output == *"FAILED: failing.case"* ]] || { echo "$output"; return 1; }

	# The same case without the failing check passes: the failure above is that check's.
	sed -i 1d "$c"
	run "$BERTH_SOURCE_ROOT/tests/lib/run-case" "$BERTH_SOURCE_ROOT/tests/generator/lib.bash" "$c"
	[ "$status" -eq 0 ] || { echo "run-case exited $status: $output"; return 1; }
	[[ $output == *"ok: failing.case"* ]] || { echo "$output"; return 1; }
}
