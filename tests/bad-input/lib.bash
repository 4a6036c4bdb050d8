# Runs one bad-input case (cases/*.case; format in cases/README): builds its tree, runs
# 'berth-generator --dry-run' and 'berth check' over it, checks the exact messages and exit
# statuses, that neither crashed, and that the valid control entry in the same tree is unaffected.

# Plain bash checks: no bats-support/-assert/-file (tests/lib/common.bash says why).
BERTH_BATS_LIBRARIES=no
load "$BERTH_SOURCE_ROOT/tests/lib/common.bash"
load "$BERTH_SOURCE_ROOT/tests/lib/parity.bash"

# The entry every case gets (unless it says "## no-control"): it must come out exactly as alone.
CONTROL_NAME=control-ok
CONTROL_CONTENT=$'[Container]\nDescription=control entry next to the bad input\nDirectory=/srv/control-ok\n'

make_tree() {
	TREE=$(mktemp -d "${BERTH_BAD_INPUT_TMP:-${BATS_TEST_TMPDIR:-/tmp}}/tree.XXXXXX")
	mkdir -p "$TREE/etc" "$TREE/run" "$TREE/usr"
	export BERTH_CONFIG_PATH="$TREE/etc:$TREE/run:$TREE/usr"
	export SYSTEMD_PROC_CMDLINE=""
	unset SYSTEMD_SCOPE
}

expand() {
	local s=$1
	s=${s//@TREE@/$TREE}
	printf '%s' "$s"
}

# Writes one "### KIND ARGS" section into the tree; $3 is its content.
materialize() {
	local kind=$1 rest=$2 content=$3 path mode
	case $kind in
	file | printf)
		path=${rest%% *}
		mode=
		[[ $rest == *" mode="* ]] && mode=${rest##* mode=}
		mkdir -p "$(dirname "$TREE/$path")"
		if [ "$kind" = file ]; then
			printf '%s' "$content" >"$TREE/$path"
		else
			# The content is a printf format: \xHH, \0NNN, \r, \n for bytes a text file cannot show.
			# shellcheck disable=SC2059
			printf "${content//$'\n'/}" >"$TREE/$path"
		fi
		[ -z "$mode" ] || chmod "$mode" "$TREE/$path"
		;;
	symlink)
		path=${rest%% -> *}
		mkdir -p "$(dirname "$TREE/$path")"
		ln -s "$(expand "${rest#* -> }")" "$TREE/$path"
		;;
	dir) mkdir -p "$TREE/$rest" ;;
	fifo)
		mkdir -p "$(dirname "$TREE/$rest")"
		mkfifo "$TREE/$rest"
		;;
	setup) (cd "$TREE" && eval "$content") ;;
	*)
		echo "unknown section '### $kind' in $CASE" >&2
		return 1
		;;
	esac
}

# has_line FILE LINE: FILE has exactly this line.
has_line() {
	grep -qxF -- "$2" "$1"
}

run_case() {
	CASE=$1
	local line kind= rest= content= in_body=0
	local status=1 check_status= no_control=0
	local -a expect=() expect_gen=() expect_check=() units=() no_units=()

	make_tree
	while IFS= read -r line || [ -n "$line" ]; do
		if [[ $line == '### '* ]]; then
			if [ -n "$kind" ]; then materialize "$kind" "$rest" "$content" || return 1; fi
			line=${line#'### '}
			kind=${line%% *}
			rest=
			[[ $line == *' '* ]] && rest=${line#* }
			content=
			in_body=1
			continue
		fi
		if [ "$in_body" = 1 ]; then
			content+=$line$'\n'
			continue
		fi
		case $line in
		'## status '*) status=${line#'## status '} ;;
		'## check-status '*) check_status=${line#'## check-status '} ;;
		'## expect '*) expect+=("$(eval "printf '%s' ${line#'## expect '}")") ;;
		'## expect-generator '*) expect_gen+=("$(eval "printf '%s' ${line#'## expect-generator '}")") ;;
		'## expect-check '*) expect_check+=("$(eval "printf '%s' ${line#'## expect-check '}")") ;;
		'## unit '*) units+=("${line#'## unit '}") ;;
		'## no-unit '*) no_units+=("${line#'## no-unit '}") ;;
		'## no-control '*) no_control=1 ;;
		'##'*)
			echo "unknown header line in $CASE: $line" >&2
			return 1
			;;
		esac
	done <"$CASE"
	if [ -n "$kind" ]; then materialize "$kind" "$rest" "$content" || return 1; fi
	: "${check_status:=$status}"
	[ "$no_control" = 1 ] || printf '%s' "$CONTROL_CONTENT" >"$TREE/etc/$CONTROL_NAME.conf"

	# berth-generator --dry-run: every entry's files on stdout, messages on stderr.
	local gen_out="$TREE.gen.out" gen_err="$TREE.gen.err" chk_out="$TREE.chk.out" chk_err="$TREE.chk.err" rc
	rc=0
	berth_exec "$BERTH_GENERATOR" --dry-run >"$gen_out" 2>"$gen_err" || rc=$?
	if [ "$rc" != "$status" ]; then
		echo "berth-generator --dry-run exited $rc, expected $status; stderr:" >&2
		cat "$gen_err" >&2
		return 1
	fi
	for line in "${expect[@]}" "${expect_gen[@]}"; do
		line=$(expand "$line")
		has_line "$gen_err" "$line" || {
			printf 'berth-generator stderr lacks the line\n  %s\nit has:\n' "$line" >&2
			cat "$gen_err" >&2
			return 1
		}
	done
	for line in "${units[@]}"; do
		grep -qF -- "--- /run/systemd/generator/systemd-nspawn@$line.service.d/50-berth.conf ---" "$gen_out" || {
			echo "berth-generator --dry-run wrote no unit for '$line'" >&2
			return 1
		}
	done
	for line in "${no_units[@]}"; do
		! grep -qF -- "systemd-nspawn@$line.service" "$gen_out" || {
			echo "berth-generator --dry-run wrote a unit for '$line', expected none" >&2
			return 1
		}
	done

	# berth check: the same findings on stdout, the same exit status.
	rc=0
	berth_exec "$BERTH_ADMIN" check >"$chk_out" 2>"$chk_err" || rc=$?
	if [ "$rc" != "$check_status" ]; then
		echo "berth check exited $rc, expected $check_status; output:" >&2
		cat "$chk_out" "$chk_err" >&2
		return 1
	fi
	for line in "${expect[@]}" "${expect_check[@]}"; do
		line=$(expand "$line")
		has_line "$chk_out" "$line" || {
			printf 'berth check output lacks the line\n  %s\nit has:\n' "$line" >&2
			cat "$chk_out" >&2
			return 1
		}
	done

	[ "$no_control" = 1 ] || check_control "$gen_out" "$gen_err" "$chk_out"
	parity_check
}

# The control entry is unaffected: no message names it, its unit is written with its own
# description, and checking it alone passes silently.
check_control() {
	local gen_out=$1 gen_err=$2 chk_out=$3 rc
	if grep -qF "$CONTROL_NAME" "$gen_err" "$chk_out"; then
		echo "a message names the control entry:" >&2
		grep -F "$CONTROL_NAME" "$gen_err" "$chk_out" >&2
		return 1
	fi
	grep -qxF -- "--- /run/systemd/generator/systemd-nspawn@$CONTROL_NAME.service.d/50-berth.conf ---" "$gen_out" || {
		echo "the control entry got no unit" >&2
		return 1
	}
	grep -qxF "Description=control entry next to the bad input" "$gen_out" || {
		echo "the control entry's unit lacks its Description=" >&2
		return 1
	}
	# 'berth check control-ok' alone repeats, for the control entry, the load the two runs above
	# made with every entry; the plain pass checks it. The valgrind and ASan passes, which are
	# about memory, leave it out (a third of their time in this suite).
	if [ "${BERTH_VALGRIND:-0}" = 1 ] || [ "${BERTH_SANITIZE:-0}" = 1 ]; then
		return 0
	fi
	rc=0
	berth_exec "$BERTH_ADMIN" check "$CONTROL_NAME" >"$TREE.ctl.out" 2>&1 || rc=$?
	if [ "$rc" != 0 ] || [ -s "$TREE.ctl.out" ]; then
		echo "berth check $CONTROL_NAME exited $rc:" >&2
		cat "$TREE.ctl.out" >&2
		return 1
	fi
}
