#!/usr/bin/env bats
# The man pages: each renders with man -l and groff -ww without a warning; containers.d(5) holds
# the loader's whole key table and a written description of every [Container] key; each page
# names the options its program's --help lists.

load admin

MAN_DIR="$BERTH_BUILD_ROOT/man"
PAGES=(containers.d.5 berth.1 berth.7 berth-generator.8 berth-prepare.8 berth-audit.8)

@test "every page is built" {
	for p in "${PAGES[@]}"; do
		assert_file_exist "$MAN_DIR/$p"
	done
}

@test "groff -man -ww reports no warning for any page" {
	for p in "${PAGES[@]}"; do
		run --separate-stderr groff -man -ww -z "$MAN_DIR/$p"
		assert_success
		[ -z "$stderr" ] || fail "$p: $stderr"
	done
}

@test "man -l renders every page without a warning, with its NAME and SEE ALSO" {
	for p in "${PAGES[@]}"; do
		run --separate-stderr env MANWIDTH=80 man -l "$MAN_DIR/$p"
		assert_success
		[ -z "$stderr" ] || fail "$p: $stderr"
		assert_line "NAME"
		assert_line "SEE ALSO"
		refute_output --regexp '@[A-Z_]+@'  # no template placeholder left
	done
}

@test "the renderer's warnings are seen (the checks above can fail)" {
	printf '.TH X 1\n.SH NAME\nx \\- y\n.BOGUS\n' >"$BATS_TEST_TMPDIR/x.1"
	run --separate-stderr groff -man -ww -z "$BATS_TEST_TMPDIR/x.1"
	[ -n "$stderr" ]
}

@test "containers.d(5) lists every key of the loader's key table, with what it accepts" {
	doc_keys="$BERTH_BUILD_ROOT/man/doc-keys"
	text=$(MANWIDTH=200 man -l "$MAN_DIR/containers.d.5" 2>/dev/null)
	ref=$(echo "$text" | sed -n '/^KEY REFERENCE/,/^HOOKS/p')
	n=0
	for section in Container Exec Files Network Install; do
		run "$doc_keys" --list "$section"
		assert_success
		[ -n "$output" ] || fail "no keys for [$section]"
		sect_ref=$(echo "$ref" | sed -n "/^   \[$section\]/,/^   \[/p")
		for key in $output; do
			echo "$sect_ref" | grep -q "^       $key=\$" || fail "[$section] $key= not in KEY REFERENCE"
			n=$((n + 1))
		done
	done
	[ "$n" -ge 60 ] || fail "only $n keys: the table is not what it should be"
	echo "$ref" | grep -q "Accepts: an integer from 0 to 1000" || fail "Priority='s accepted values missing"
}

@test "containers.d(5) describes every [Container] key in prose, in the table's order" {
	run "$BERTH_BUILD_ROOT/man/doc-keys" --list Container
	assert_success
	described=$(sed -n '/^\.SH "\[CONTAINER\] SECTION"/,/^\.SH /p' "$BERTH_SOURCE_ROOT/man/containers.d.5.in" |
		sed -n '/^\.TP$/{n;s/^\.B \([A-Za-z]*\)=$/\1/p}')
	assert_equal "$(echo "$described" | tr '\n' ' ')" "$(echo "$output" | tr '\n' ' ')"
}

@test "containers.d(5) maps jail and LXC hooks to unit keys" {
	text=$(MANWIDTH=200 man -l "$MAN_DIR/containers.d.5" 2>/dev/null)
	for w in exec.prestart ExecStartPre= exec.poststart ExecStartPost= exec.prestop ExecStop= \
		exec.poststop ExecStopPost= depend jail_enable lxc.hook.pre-start lxc.hook.post-stop \
		lxc.start.auto lxc.start.order Restart=on-failure; do
		[[ "$text" == *"$w"* ]] || fail "'$w' missing"
	done
}

@test "berth(1) documents every option of berth --help" {
	text=$(MANWIDTH=200 man -l "$MAN_DIR/berth.1" 2>/dev/null)
	opts=$("$BERTH_ADMIN" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
	[ -n "$opts" ]
	for o in $opts; do
		[[ "$text" == *"$o"* ]] || fail "berth(1) does not mention $o"
	done
}

@test "the section 8 pages document every option of their program's --help" {
	for prog in "generators/berth-generator:berth-generator.8" "helpers/prepare/berth-prepare:berth-prepare.8" \
		"helpers/audit/berth-audit:berth-audit.8"; do
		bin=$BERTH_BUILD_ROOT/${prog%%:*}
		if [ ! -x "$bin" ]; then
			# Only while that part's meson.build builds nothing yet; once it does, a missing
			# binary is a failure.
			grep -q "executable(" "$BERTH_SOURCE_ROOT/$(dirname "${prog%%:*}")/meson.build" &&
				fail "$bin not built"
			continue
		fi
		text=$(MANWIDTH=200 man -l "$MAN_DIR/${prog##*:}" 2>/dev/null)
		for o in $("$bin" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
			[[ "$text" == *"$o"* ]] || fail "${prog##*:} does not mention $o"
		done
	done
}
