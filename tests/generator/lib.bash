# berth-generator tests: runs one case file (cases/*.case, format in cases/README) and checks
# its expectations; verifies generated units with the real systemd-analyze.

# Plain bash checks: no bats-support/-assert/-file (tests/lib/common.bash says why).
BERTH_BATS_LIBRARIES=no
load "$BERTH_SOURCE_ROOT/tests/lib/common.bash"
load "$BERTH_SOURCE_ROOT/tests/lib/parity.bash"

# Values the build wrote into config.h: the paths the generator puts into units. Read once, in
# bash (the tests spawn few processes: these machines are often busy).
declare -gA BERTH_CONFIG=()
while read -r _define _name _value; do
	[ "$_define" = "#define" ] || continue
	_value=${_value#\"}
	BERTH_CONFIG[$_name]=${_value%\"}
done <"$BERTH_BUILD_ROOT/config.h"
config_value() {
	printf '%s' "${BERTH_CONFIG[$1]}"
}

# A tree with the four search directories, as BERTH_CONFIG_PATH (highest first) names them.
make_tree() {
	TREE=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/tree.XXXXXX")
	OUT=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/out.XXXXXX")
	mkdir -p "$TREE/etc" "$TREE/run" "$TREE/usr-local" "$TREE/usr"
	export BERTH_CONFIG_PATH="$TREE/etc:$TREE/run:$TREE/usr-local:$TREE/usr"
	# The kernel command line of the machine running the tests must not decide a case.
	export SYSTEMD_PROC_CMDLINE=""
	unset SYSTEMD_SCOPE
}

# expand TEXT: the placeholders a case may use in its expectations.
expand() {
	local s=$1
	s=${s//@TREE@/$TREE}
	s=${s//@OUT@/$OUT}
	s=${s//@PREPARE@/${BERTH_CONFIG[BERTH_PREPARE_PATH]}}
	s=${s//@AUDIT@/${BERTH_CONFIG[BERTH_AUDIT_PATH]}}
	s=${s//@UNITDIR@/${BERTH_CONFIG[SYSTEMD_SYSTEM_UNIT_DIR]}}
	printf '%s' "$s"
}

# normalize < actual > text with placeholders, for golden comparisons.
normalize() {
	sed -e "s|$TREE|@TREE@|g" -e "s|$OUT|@OUT@|g" \
		-e "s|${BERTH_CONFIG[BERTH_PREPARE_PATH]}|@PREPARE@|g" \
		-e "s|${BERTH_CONFIG[BERTH_AUDIT_PATH]}|@AUDIT@|g" \
		-e "s|${BERTH_CONFIG[SYSTEMD_SYSTEM_UNIT_DIR]}|@UNITDIR@|g" \
		-e 's|BERTH_DIGEST=[0-9a-f]\{64\}|BERTH_DIGEST=@DIGEST@|g'
}

# Writes one "### KIND ARGS" section of a case into the tree. Content lines come on stdin.
materialize() {
	local kind=$1 rest=$2 content=$3 path mode target
	case $kind in
	file)
		path=$rest
		mode=
		if [[ $rest =~ ^(.*)\ mode=([0-7]+)$ ]]; then
			path=${BASH_REMATCH[1]}
			mode=${BASH_REMATCH[2]}
		fi
		mkdir -p "$(dirname "$TREE/$path")"
		printf '%s' "$content" >"$TREE/$path"
		[ -z "$mode" ] || chmod "$mode" "$TREE/$path"
		;;
	symlink)
		path=${rest%% -> *}
		target=$(expand "${rest#* -> }")
		mkdir -p "$(dirname "$TREE/$path")"
		ln -sfn "$target" "$TREE/$path"
		;;
	dir)
		mkdir -p "$TREE/$rest"
		;;
	fifo)
		mkdir -p "$(dirname "$TREE/$rest")"
		mkfifo "$TREE/$rest"
		;;
	expect | expect-stdout) ;;
	*)
		echo "case file: unknown section '### $kind'" >&2
		return 1
		;;
	esac
}

# Units to verify: every instance with a drop-in, every generated target, and machines.target
# when the output pulls units into it: verifying it puts every enabled container and every wave
# target into one start transaction, where systemd-analyze finds any ordering cycle.
generated_units() {
	local d
	[ -d "$OUT/machines.target.wants" ] && echo machines.target
	for d in "$OUT"/*.service.d; do
		[ -d "$d" ] && d=${d%.d} && echo "${d##*/}"
	done
	for d in "$OUT"/*.target; do
		[ -f "$d" ] && echo "${d##*/}"
	done
	return 0
}

# install_berth: 'meson install' of this build into a staging directory, once per build (the
# stamp is newer than every installed program), serialized across parallel tests with flock.
install_berth() {
	DESTDIR_BERTH="$BERTH_BUILD_ROOT/tests/generator/destdir"
	local stamp="$DESTDIR_BERTH.stamp"
	exec 9>"$DESTDIR_BERTH.lock"
	flock 9
	if ! [ "$stamp" -nt "$BERTH_GENERATOR" ] || ! [ "$stamp" -nt "$BERTH_PREPARE" ] ||
		! [ "$stamp" -nt "$BERTH_AUDIT" ] || ! [ "$stamp" -nt "$BERTH_BUILD_ROOT/build.ninja" ]; then
		rm -rf "$DESTDIR_BERTH"
		meson install -C "$BERTH_BUILD_ROOT" --no-rebuild --quiet --destdir "$DESTDIR_BERTH" >"$DESTDIR_BERTH.log" 2>&1 ||
			{ cat "$DESTDIR_BERTH.log" >&2; flock -u 9; return 1; }
		# The install prefix, for verify_units (python3: the file is JSON).
		python3 -c 'import json,sys; print([o["value"] for o in json.load(open(sys.argv[1])) if o["name"] == "prefix"][0])' \
			"$BERTH_BUILD_ROOT/meson-info/intro-buildoptions.json" >"$DESTDIR_BERTH.prefix"
		touch "$stamp"
	fi
	read -r BERTH_PREFIX <"$DESTDIR_BERTH.prefix"
	flock -u 9
	exec 9>&-
}

# verify_units: systemd-analyze verify on every generated unit, as systemd would load them.
# verify also checks that each ExecStartPre= program exists and is executable at the path the
# unit names, so the check runs against berth as 'meson install' lays it out: the staged install
# is bind-mounted over the install prefix in a private mount namespace (the machine's own
# /usr/local is untouched, and the mount goes away with the namespace). This tests the real
# thing: the paths the generator writes are where the build installs the programs.
verify_units() {
	local units prefix
	units=$(generated_units)
	[ -n "$units" ] || return 0
	install_berth
	prefix=$BERTH_PREFIX
	if [ "$prefix" = /usr ] || [ ! -d "$DESTDIR_BERTH$prefix" ]; then
		echo "verify_units: needs a build whose prefix is not /usr (the default /usr/local works); prefix is $prefix" >&2
		return 1
	fi
	# shellcheck disable=SC2086
	# SYSTEMD_UNIT_PATH: the generated units first; the trailing ":" keeps the default path
	# (systemd-nspawn@.service, machines.target).
	run unshare --mount --propagation private -- env SYSTEMD_UNIT_PATH="$OUT:" sh -c \
		'mount --bind "$1" "$2" && shift 2 && exec systemd-analyze verify "$@"' \
		sh "$DESTDIR_BERTH$prefix" "$prefix" $units
	if [ "$status" -ne 0 ] || [ -n "$output" ]; then
		echo "systemd-analyze verify $units failed ($status):" >&2
		echo "$output" >&2
		return 1
	fi
}

# run_generator ARGS...: the generator under berth_exec (valgrind in --setup=valgrind), with
# stdout and stderr kept apart in $OUT_STDOUT / $OUT_STDERR and the status in $status.
run_generator() {
	local so se
	so=$(mktemp "${BATS_TEST_TMPDIR:-/tmp}/stdout.XXXXXX")
	se=$(mktemp "${BATS_TEST_TMPDIR:-/tmp}/stderr.XXXXXX")
	status=0
	berth_exec "$BERTH_GENERATOR" "$@" >"$so" 2>"$se" || status=$?
	OUT_STDOUT=$(cat "$so")
	OUT_STDERR=$(cat "$se")
	OUT_STDOUT_FILE=$so
}

fail_case() {
	echo "$CASE_NAME: $*" >&2
	echo "--- stderr of the generator:" >&2
	echo "$OUT_STDERR" >&2
	return 1
}

# check_assert LINE: one "## assert-..." line.
check_assert() {
	local kind=$1
	shift
	local path
	case $kind in
	assert-exit)
		[ "$status" -eq "$1" ] || fail_case "exit status $status, expected $1"
		;;
	assert-file)
		path="$OUT/$1"
		[ -f "$path" ] || fail_case "no file $1"
		case $2 in
		contains) grep -qxF -- "$(expand "$3")" "$path" || { cat "$path" >&2; fail_case "$1 has no line '$3'"; } ;;
		lacks) ! grep -qF -- "$(expand "$3")" "$path" || { cat "$path" >&2; fail_case "$1 contains '$3'"; } ;;
		line)
			[ "$(sed -n "${3}p" "$path")" = "$(expand "$4")" ] ||
				{ cat "$path" >&2; fail_case "line $3 of $1 is not '$4'"; }
			;;
		count)
			[ "$(grep -cxF -- "$(expand "$4")" "$path")" -eq "$3" ] ||
				{ cat "$path" >&2; fail_case "$1 does not have $3 lines '$4'"; }
			;;
		*) fail_case "unknown assert-file check '$2'" ;;
		esac
		;;
	assert-order)
		# assert-order PATH 'A' 'B' ...: each line appears, in this order.
		path="$OUT/$1"
		shift
		local prev=0 n l
		for l in "$@"; do
			n=$(grep -nxF -- "$(expand "$l")" "$path" | head -1 | cut -d: -f1)
			[ -n "$n" ] && [ "$n" -gt "$prev" ] || { cat "$path" >&2; fail_case "'$l' missing or out of order"; }
			prev=$n
		done
		;;
	assert-symlink)
		[ -L "$OUT/$1" ] || fail_case "no symlink $1"
		[ "$(readlink "$OUT/$1")" = "$(expand "$2")" ] ||
			fail_case "$1 points to $(readlink "$OUT/$1"), expected $2"
		;;
	assert-no-file)
		[ ! -e "$OUT/$1" ] && [ ! -L "$OUT/$1" ] || fail_case "$1 exists"
		;;
	assert-no-output)
		[ -z "$(ls -A "$OUT")" ] || fail_case "the output directory is not empty: $(cd "$OUT" && find . | sort)"
		;;
	assert-stderr)
		grep -qF -- "$(expand "$1")" <<<"$OUT_STDERR" || fail_case "stderr lacks '$1'"
		;;
	assert-stderr-count)
		[ "$(grep -cF -- "$(expand "$2")" <<<"$OUT_STDERR")" -eq "$1" ] ||
			fail_case "stderr does not have '$2' exactly $1 times"
		;;
	assert-stderr-lacks)
		! grep -qF -- "$(expand "$1")" <<<"$OUT_STDERR" || fail_case "stderr has '$1'"
		;;
	assert-stdout)
		grep -qxF -- "$(expand "$1")" <<<"$OUT_STDOUT" || { echo "$OUT_STDOUT" >&2; fail_case "stdout has no line '$1'"; }
		;;
	assert-stdout-lacks)
		! grep -qF -- "$(expand "$1")" <<<"$OUT_STDOUT" || { echo "$OUT_STDOUT" >&2; fail_case "stdout has '$1'"; }
		;;
	*)
		fail_case "unknown assertion '## $kind'"
		;;
	esac
}

# run_case FILE: build the case's tree, run the generator, check every expectation.
run_case() {
	local file=$1 line kind rest section="" sect_rest="" content="" in_sections=0
	local -a asserts=() args=() envs=() expects=()
	local verify=1 nasserts=0
	CASE_NAME=${file##*/}
	CASE_NAME=${CASE_NAME%.case}
	make_tree

	# Sections and header lines; content is kept verbatim, trailing blank lines dropped.
	flush_section() {
		[ -n "$section" ] || return 0
		content=$(printf '%s' "$content") # drops the trailing blank lines
		[ -z "$content" ] || content+=$'\n'
		if [ "$section" = expect ] || [ "$section" = expect-stdout ]; then
			local f
			f=$(mktemp "${BATS_TEST_TMPDIR:-/tmp}/expect.XXXXXX")
			printf '%s' "$content" >"$f"
			expects+=("$section|$sect_rest|$f")
		fi
		materialize "$section" "$sect_rest" "$content"
	}
	while IFS= read -r line || [ -n "$line" ]; do
		if [[ $line == "### "* ]]; then
			flush_section
			in_sections=1
			rest=${line#"### "}
			section=${rest%% *}
			sect_rest=${rest#"$section"}
			sect_rest=${sect_rest# }
			content=""
			continue
		fi
		if [ $in_sections = 1 ]; then
			content+="$line"$'\n'
			continue
		fi
		case $line in
		"## args "*) eval "args=(${line#"## args "})" ;;
		"## env "*) envs+=("${line#"## env "}") ;;
		"## no-verify "*) verify=0 ;;
		"## assert-"*) asserts+=("${line#"## "}") ;;
		"##"*) echo "$CASE_NAME: unknown header line: $line" >&2; return 1 ;;
		esac
	done <"$file"
	flush_section

	local i
	for i in "${!args[@]}"; do
		args[$i]=$(expand "${args[$i]}")
	done
	[ ${#args[@]} -gt 0 ] || args=("$OUT")
	for i in "${envs[@]}"; do
		export "$(expand "$i")"
	done

	run_generator "${args[@]}"

	local expected_exit=0 a
	for a in "${asserts[@]}"; do
		[[ $a == "assert-exit "* ]] && expected_exit=${a#assert-exit }
	done
	[ "$status" -eq "$expected_exit" ] || fail_case "exit status $status, expected $expected_exit"

	for a in "${asserts[@]}"; do
		eval "check_assert $a"
		nasserts=$((nasserts + 1))
	done

	local e sect p f
	for e in "${expects[@]}"; do
		IFS='|' read -r sect p f <<<"$e"
		if [ "$sect" = expect-stdout ]; then
			diff -u "$f" <(normalize <"$OUT_STDOUT_FILE") >&2 || fail_case "stdout differs from the expected output"
		else
			[ -f "$OUT/$p" ] || fail_case "no file $p to compare"
			diff -u "$f" <(normalize <"$OUT/$p") >&2 || fail_case "$p differs from the expected content"
		fi
		nasserts=$((nasserts + 1))
	done
	[ "$nasserts" -gt 0 ] || fail_case "the case checks nothing"

	# systemd-analyze verify runs in the plain pass. The valgrind and ASan passes check the
	# generator's memory on the same cases, whose output was just compared byte for byte with the
	# same expected files that the plain pass verified; verifying them again there only costs CI
	# minutes.
	if [ "${BERTH_VALGRIND:-0}" = 1 ] || [ "${BERTH_SANITIZE:-0}" = 1 ]; then
		verify=0
	fi
	[ "$verify" = 0 ] || verify_units
	parity_check
}
