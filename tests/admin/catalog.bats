#!/usr/bin/env bats
# The journal catalog and the code agree: every BERTH_MESSAGE_* ID defined in the sources has a
# catalog entry and every catalog entry is an ID the code defines; journalctl accepts the file.

load "$BERTH_SOURCE_ROOT/tests/lib/common.bash"

CATALOG="$BERTH_SOURCE_ROOT/catalog/berth.catalog"

setup() {
	TMP=$(mktemp -d)
}

teardown() {
	rm -rf "$TMP"
}

# IDs the code defines: '#define BERTH_MESSAGE_X "32 hex digits"' in any source file.
code_ids() {
	grep -rhoE '#define[[:space:]]+BERTH_MESSAGE_[A-Z0-9_]+[[:space:]]+"[0-9a-f]{32}"' \
		"$BERTH_SOURCE_ROOT"/src "$BERTH_SOURCE_ROOT"/generators "$BERTH_SOURCE_ROOT"/helpers \
		"$BERTH_SOURCE_ROOT"/tools |
		grep -oE '[0-9a-f]{32}' | sort
}

catalog_ids() {
	sed -n 's/^-- \([0-9a-f]\{32\}\)$/\1/p' "$CATALOG" | sort
}

@test "the code defines message IDs (the check below is not vacuous)" {
	run code_ids
	assert_success
	[ "$(echo "$output" | wc -l)" -ge 10 ]
}

@test "every message ID of the code is in the catalog" {
	missing=$(comm -23 <(code_ids) <(catalog_ids))
	[ -z "$missing" ] || fail "not in catalog/berth.catalog: $missing"
}

@test "every catalog entry is a message ID of the code" {
	extra=$(comm -13 <(code_ids) <(catalog_ids))
	[ -z "$extra" ] || fail "in catalog/berth.catalog but defined nowhere in the code: $extra"
}

@test "message IDs are unique in the code and in the catalog" {
	[ -z "$(code_ids | uniq -d)" ] || fail "defined twice: $(code_ids | uniq -d)"
	[ -z "$(catalog_ids | uniq -d)" ] || fail "catalogued twice: $(catalog_ids | uniq -d)"
}

@test "no ID-like header line in the catalog is malformed" {
	# journalctl skips nothing silently: a '-- ' line that is not a 32-digit ID is an error.
	bad=$(grep -nE '^-- ' "$CATALOG" | grep -vE '^[0-9]+:-- [0-9a-f]{32}$' || true)
	[ -z "$bad" ] || fail "malformed: $bad"
}

@test "every catalog entry has a Subject, Defined-By and Documentation and a body" {
	run awk '
		/^-- [0-9a-f]{32}$/ { if (id) check(); id = $2; subj = def = doc = body = 0; inhead = 1; next }
		!id { next }
		inhead && /^Subject: ./ { subj = 1; next }
		inhead && /^Defined-By: berth$/ { def = 1; next }
		inhead && /^Documentation: man:/ { doc = 1; next }
		inhead && /^$/ { inhead = 0; next }
		!inhead && /[^ ]/ { body = 1 }
		function check() { if (!(subj && def && doc && body)) { print id; bad = 1 } }
		END { if (id) check(); exit bad }' "$CATALOG"
	[ "$status" = 0 ] || fail "incomplete entries: $output"
}

@test "journalctl --update-catalog accepts the file and lists every entry" {
	mkdir -p "$TMP/usr/lib/systemd/catalog"
	cp "$CATALOG" "$TMP/usr/lib/systemd/catalog/berth.catalog"
	run journalctl --root="$TMP" --update-catalog
	assert_success
	assert_file_exist "$TMP/var/lib/systemd/catalog/database"
	run journalctl --root="$TMP" --list-catalog
	assert_success
	listed=$(echo "$output" | awk '{ print $1 }' | sort)
	[ "$listed" = "$(catalog_ids)" ] || fail "journalctl lists: $listed"
	# Each listed entry carries its subject, and the placeholder for the container's name survives.
	assert_line --regexp '^5b3c1a0e9f0d4c5f8b2e7a6d4c3b2a10 berth: .*@BERTH_CONTAINER@'
}

@test "journalctl --update-catalog rejects a broken catalog (the check above can fail)" {
	mkdir -p "$TMP/usr/lib/systemd/catalog"
	printf 'Subject: payload before any ID\n\n-- 123\n' >"$TMP/usr/lib/systemd/catalog/broken.catalog"
	run journalctl --root="$TMP" --update-catalog
	assert_failure
}
