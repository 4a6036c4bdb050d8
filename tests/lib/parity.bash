# parity_check: the three programs that load entries agree on the tree in $BERTH_CONFIG_PATH
# (issue 16: a second copy of a rule drifts, so parity is tested, not assumed):
#  * 'berth-generator --dry-run' logs exactly the findings 'berth check' prints, in the same order;
#  * for every entry that gets a unit, 'berth check NAME' and 'berth-prepare --dry-run NAME' give
#    the same verdict (an error in the entry or not) and the same FILE:LINE messages, in order.
# Used by the generator and bad-input cases (plain pass only: the valgrind and ASan passes are
# about memory, and run every program on the same trees already). Plain bash, no bats helpers.

# findings FILE: the lines of FILE that are findings ("FILE:LINE: message", "FILE: message").
findings() {
	grep '^/' "$1" || true
}

parity_check() {
	if [ "${BERTH_VALGRIND:-0}" = 1 ] || [ "${BERTH_SANITIZE:-0}" = 1 ]; then
		return 0
	fi
	local dir name rc_c rc_p
	dir=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/parity.XXXXXX")
	"$BERTH_GENERATOR" --dry-run >"$dir/gen.out" 2>"$dir/gen.err" || true
	"$BERTH_ADMIN" check >"$dir/chk.out" 2>/dev/null || true
	if ! diff -u <(findings "$dir/gen.err") <(findings "$dir/chk.out") >"$dir/diff"; then
		echo "parity: berth-generator --dry-run (-) and berth check (+) disagree:" >&2
		cat "$dir/diff" >&2
		return 1
	fi
	for name in $(sed -n 's|^--- /run/systemd/generator/systemd-nspawn@\(.*\)\.service\.d/50-berth\.conf ---$|\1|p' "$dir/gen.out"); do
		rc_c=0
		"$BERTH_ADMIN" check "$name" >"$dir/c" 2>/dev/null || rc_c=$?
		rc_p=0
		"$BERTH_PREPARE" --dry-run --root="$dir/root" "$name" >"$dir/p.out" 2>&1 || rc_p=$?
		# berth-prepare prints the entry's errors, then "Entry NAME has N error(s) (above)".
		if grep -qF "$name: Entry $name has " "$dir/p.out"; then
			awk -v p="$name: " -v stop="$name: Entry $name has " \
				'index($0, stop) == 1 { exit } index($0, p) == 1 { print substr($0, length(p) + 1) }' \
				"$dir/p.out" >"$dir/p"
			if [ "$rc_c" != 1 ] || [ "$rc_p" != 1 ]; then
				echo "parity: berth-prepare --dry-run $name finds errors (exit $rc_p), berth check $name exits $rc_c" >&2
				cat "$dir/p.out" "$dir/c" >&2
				return 1
			fi
		else
			: >"$dir/p"
			if [ "$rc_c" != 0 ]; then
				echo "parity: berth check $name exits $rc_c, berth-prepare --dry-run $name finds no error in the entry:" >&2
				cat "$dir/c" "$dir/p.out" >&2
				return 1
			fi
		fi
		if ! diff -u "$dir/c" "$dir/p" >"$dir/diff"; then
			echo "parity: berth check $name (-) and berth-prepare --dry-run $name (+) disagree:" >&2
			cat "$dir/diff" >&2
			return 1
		fi
	done
	rm -rf "$dir"
}
