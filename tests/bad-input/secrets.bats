#!/usr/bin/env bats
# No secret in any message (SPEC section 11; issue 17 item 4): a password hash written where the
# parser cannot tell yet that it is the value of a secret key (no '=', an unterminated section
# header before it, the hash as a section name or as a key) is never quoted, by any program and in
# any output: berth check, berth list (text and JSON), berth cat, berth-generator (dry run and a
# real run) and berth-prepare --dry-run. Every 10-character piece of the hash is looked for.
load "$BERTH_SOURCE_ROOT/tests/lib/common.bash"
bats_require_minimum_version 1.5.0

H='$y$j9T$Zq3kSecretSaltXyz0$Wv7pHashBodyQwertyAsdfgZxcvbPoiuyLkjhMnbv1234'

setup() {
	T="$BATS_TEST_TMPDIR"
	mkdir -p "$T/etc" "$T/out" "$T/root"
	export BERTH_CONFIG_PATH="$T/etc" SYSTEMD_PROC_CMDLINE=""
	w() { printf '%s\n' "$2" >"$T/etc/$1.conf"; chmod 0600 "$T/etc/$1.conf"; }
	w colon "$(printf '[Container]\nRootPasswordHash:%s' "$H")"
	w space "$(printf '[Container]\nRootPasswordHash %s' "$H")"
	w header "$(printf '[Container\nRootPasswordHash=%s' "$H")"
	w section "$(printf '[%s]' "$H")"
	w badheader "$(printf '[%s' "$H")"
	w askey "$(printf '[Container]\n%s=x' "$H")"
	w misspelt "$(printf '[Container]\nRootPaswordHash %s' "$H")"
	w bare "$(printf '[Container]\n%s' "$H")"
	w readable "$(printf '[Container]\nRootPasswordHash=%s' "$H")"
	chmod 0644 "$T/etc/readable.conf"
}

# no_secret TEXT: not one 10-character piece of the hash's salt and body is in TEXT.
no_secret() {
	local body=${H#\$y\$j9T\$} i piece
	for ((i = 0; i + 10 <= ${#body}; i++)); do
		piece=${body:i:10}
		[[ $1 != *"$piece"* ]] || fail "the hash piece '$piece' is in: $1"
	done
}

@test "berth check, berth list, berth list --json, berth cat: every entry in error, no hash" {
	run berth_exec "$BERTH_ADMIN" check
	assert_failure 1
	assert_output --partial "colon.conf:2: Missing '=' in a line that is not shown (it may hold a password hash)"
	assert_output --partial "header.conf:2: Assignment outside of any section, in a line that is not shown (it may hold a password hash)"
	assert_output --partial "section.conf:1: Unknown section (its name is not shown: it may hold a password hash)"
	assert_output --partial "badheader.conf:1: Invalid section header (not shown: the line may hold a password hash)"
	assert_output --partial "askey.conf:2: Unknown key in [Container] (not shown: it may hold a password hash)"
	assert_output --partial "readable.conf:2: Invalid RootPasswordHash=(hidden) in [Container]: the file can be read by group and others (mode 0644)"
	no_secret "$output"
	for args in list "list --json" "cat colon" "cat readable" "cat misspelt" "cat bare"; do
		# shellcheck disable=SC2086
		run berth_exec "$BERTH_ADMIN" $args
		no_secret "$output"
	done
}

@test "berth-generator: neither the dry run nor a real run logs the hash" {
	run --separate-stderr berth_exec "$BERTH_GENERATOR" --dry-run
	assert_failure 1
	no_secret "$output"
	no_secret "$stderr"
	[[ $stderr == *"colon.conf:2: Missing '=' in a line that is not shown"* ]]
	run berth_exec "$BERTH_GENERATOR" "$T/out" "$T/out" "$T/out"
	assert_failure 1
	no_secret "$output"
	run grep -rF "${H:7:20}" "$T/out"
	assert_failure 1
}

@test "berth-prepare --dry-run of each entry: the error is said, the hash is not" {
	for name in colon space header askey misspelt bare readable; do
		run berth_exec "$BERTH_PREPARE" --root="$T/root" --dry-run "$name"
		assert_failure 1
		no_secret "$output"
	done
}
