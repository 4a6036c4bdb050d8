#!/usr/bin/env bats
# Checks that the benchmark still runs and writes a well-formed report (its --quick mode), and
# the behaviour of its C helpers. Timings are never asserted: only that they are numbers.

load "$BERTH_SOURCE_ROOT/tests/lib/common.bash"

BENCH="$BERTH_SOURCE_ROOT/bench/benchmark"
RUN="$BERTH_BUILD_ROOT/bench/bench-run"
FLOOR="$BERTH_BUILD_ROOT/bench/bench-floor"
CSV_HEADER=section,case,program,entries,reps,wall_ms,wall_min_ms,cpu_ms,max_rss_kb,instructions,value,limit,result
NUM='[0-9]+(\.[0-9]+)?'

# One quick run for the whole file; each test looks at a part of its result.
setup_file() {
	export QUICK_OUT="$BATS_FILE_TMPDIR/out"
	# docs/ must not be touched by a run that is told to write elsewhere.
	stat -c '%n %s %Y' "$BERTH_SOURCE_ROOT"/docs/PERFORMANCE.md "$BERTH_SOURCE_ROOT"/docs/performance.csv \
		>"$BATS_FILE_TMPDIR/docs.before" 2>/dev/null || true
	"$BENCH" --quick --use-build="$BERTH_BUILD_ROOT" --output-dir="$QUICK_OUT" \
		>"$BATS_FILE_TMPDIR/quick.stdout" 2>"$BATS_FILE_TMPDIR/quick.stderr"
	echo $? >"$BATS_FILE_TMPDIR/quick.status"
}

@test "--quick runs to the end and writes PERFORMANCE.md and performance.csv" {
	run cat "$BATS_FILE_TMPDIR/quick.status"
	[ "$output" = 0 ] || { cat "$BATS_FILE_TMPDIR/quick.stderr"; false; }
	assert_file_not_empty "$QUICK_OUT/PERFORMANCE.md"
	assert_file_not_empty "$QUICK_OUT/performance.csv"
	# No work directory is left behind in /dev/shm.
	run grep -c 'work directory kept' "$BATS_FILE_TMPDIR/quick.stderr"
	assert_output 0
}

@test "--output-dir leaves docs/ alone" {
	stat -c '%n %s %Y' "$BERTH_SOURCE_ROOT"/docs/PERFORMANCE.md "$BERTH_SOURCE_ROOT"/docs/performance.csv \
		>"$BATS_FILE_TMPDIR/docs.after" 2>/dev/null || true
	run diff "$BATS_FILE_TMPDIR/docs.before" "$BATS_FILE_TMPDIR/docs.after"
	assert_success
}

@test "the CSV has its header, 13 fields in every row, and numbers where numbers go" {
	run head -n 1 "$QUICK_OUT/performance.csv"
	assert_output "$CSV_HEADER"
	run awk -F, 'NR > 1 && NF != 13 { print NR": "$0 }' "$QUICK_OUT/performance.csv"
	assert_output ""
	# wall, wall_min, cpu: decimals; max RSS: an integer; on every generator row.
	run awk -F, -v num="^$NUM\$" '$1 == "generator" && !($6 ~ num && $7 ~ num && $8 ~ num && $9 ~ /^[0-9]+$/ && $5 == 3) { print NR": "$0 }' \
		"$QUICK_OUT/performance.csv"
	assert_output ""
}

@test "the CSV has a row per size and program, the do-nothing program at 0 entries" {
	local n p
	for n in 0 1 10 100; do
		for p in berth-generator systemd-fstab-generator fstab-nodev bench-floor; do
			run grep -c "^generator,$n entries,$p,$n,3," "$QUICK_OUT/performance.csv"
			assert_output 1
		done
	done
	run grep -c '^generator,0 entries,bench-nothing,0,3,' "$QUICK_OUT/performance.csv"
	assert_output 1
	run grep -c '^generator,' "$QUICK_OUT/performance.csv"
	assert_output 17
}

@test "every budget is in the CSV and the table, with PASS, FAIL or not measured" {
	run grep -c '^budget,' "$QUICK_OUT/performance.csv"
	assert_output 12
	run awk -F, '$1 == "budget" && $13 !~ /^(PASS|FAIL|not measured)$/' "$QUICK_OUT/performance.csv"
	assert_output ""
	# The empty-case budget is measured in --quick mode: its ratio is a number.
	run awk -F, -v num="^$NUM\$" '$1 == "budget" && $2 ~ /^no entries/ && $11 ~ num && $13 ~ /^(PASS|FAIL)$/' \
		"$QUICK_OUT/performance.csv"
	assert_line --partial "no entries vs a C program that does nothing"
	run sed -n '/^## Budgets/,/^## /p' "$QUICK_OUT/PERFORMANCE.md"
	assert_line '| budget | measured | limit | result |'
	run grep -cE '^\| .* \| \*\*(PASS|FAIL|not measured)\*\* \|$' "$QUICK_OUT/PERFORMANCE.md"
	assert_output 12
}

@test "the wall-time table has a row of numbers per size" {
	local n
	for n in 0 1 10 100; do
		run grep -E "^\| $n \| $NUM \| $NUM \| $NUM \| $NUM \| ($NUM|–) \| ${NUM}× \| ${NUM}× \| ($NUM|–) \|\$" \
			"$QUICK_OUT/PERFORMANCE.md"
		assert_success
	done
}

@test "the report names the machine, commit, and the command to reproduce" {
	run cat "$QUICK_OUT/PERFORMANCE.md"
	assert_line --regexp "^\| machine \| $(nproc) CPUs \(.+\), Linux $(uname -r), .+, systemd [0-9]+ \|\$"
	assert_line --regexp '^\| berth commit \| ([0-9a-f]{12}|unknown)'
	assert_line --regexp '^\| reproduce \| `bench/benchmark --quick .*`'
	assert_line --regexp '^\| date \| [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC \|$'
	assert_line 'Usage: bench/benchmark [OPTIONS]'
}

@test "benchmark: usage errors exit 2 and name the bad argument" {
	run "$BENCH" --frobnicate
	assert_failure 2
	assert_line "benchmark: unknown argument '--frobnicate'"
	run "$BENCH" --reps=0
	assert_failure 2
	assert_line "benchmark: invalid --reps=0: expected a positive integer"
	run "$BENCH" --sizes=1,,2
	assert_failure 2
	assert_line "benchmark: invalid --sizes=1,,2: expected numbers separated by commas"
	run "$BENCH" --skip=callgrind,nap
	assert_failure 2
	assert_line "benchmark: invalid --skip part 'nap': expected callgrind, prepare, audit, boot, network, second, ten, stock"
	run "$BENCH" --only=second,nap
	assert_failure 2
	assert_line "benchmark: invalid --only part 'nap': expected callgrind, prepare, audit, boot, network, second, ten, stock"
}

@test "benchmark --help prints the usage" {
	run "$BENCH" --help
	assert_success
	assert_line --index 0 'Usage: bench/benchmark [OPTIONS]'
	assert_line --partial '--quick'
}

@test "bench-run prints label, reps, medians and max RSS per command" {
	run "$RUN" --reps=3 --warmup=0 --cmd one /bin/true --cmd two /bin/true
	assert_success
	assert_line --index 0 --regexp "^one 3 $NUM $NUM [0-9]+ $NUM\$"
	assert_line --index 1 --regexp "^two 3 $NUM $NUM [0-9]+ $NUM\$"
}

@test "bench-run gives every run a fresh, empty --fresh directory and the command's own variables" {
	local dir="$BATS_TEST_TMPDIR/fresh"
	run "$RUN" --reps=3 --warmup=1 --fresh="$dir" \
		--cmd probe "PROBE=hello" /bin/sh -c 'echo "$PROBE $(ls -A "$1" | wc -l)" >>"$2"; touch "$1/left-over"' sh "$dir" "$BATS_TEST_TMPDIR/seen"
	assert_success
	run cat "$BATS_TEST_TMPDIR/seen"
	assert_output "$(printf 'hello 0\nhello 0\nhello 0\nhello 0')"
}

@test "bench-run fails on an unexpected exit status, naming the command" {
	run "$RUN" --reps=2 --cmd nope /bin/false
	assert_failure 1
	assert_output "bench-run: nope (/bin/false) exited with status 1, expected exit status 0 (output in /dev/null)"
	run "$RUN" --reps=2 --expect-status=1 --cmd nope /bin/false
	assert_success
}

@test "bench-run: usage errors exit 2 with a message" {
	run "$RUN"
	assert_failure 2
	assert_output "bench-run: no command given (see --help)"
	run "$RUN" --reps=0 --cmd a /bin/true
	assert_failure 2
	assert_output "bench-run: invalid --reps=0: expected 1-1000"
	run "$RUN" --cmd
	assert_failure 2
	assert_output "bench-run: '--cmd' without LABEL"
	run "$RUN" --cmd lonely
	assert_failure 2
	assert_output "bench-run: command 'lonely' has no program"
	run "$RUN" --cmd a X=1 --cmd b /bin/true
	assert_failure 2
	assert_output "bench-run: command 'a' has no program"
	run "$RUN" /bin/true
	assert_failure 2
	assert_output "bench-run: expected '--cmd LABEL PROGRAM...', got '/bin/true'"
	run "$RUN" --cmd a /nonexistent/program
	assert_failure 1
	assert_output "bench-run: Failed to run /nonexistent/program: No such file or directory"
}

@test "bench-floor reads the entry files and creates what the manifest lists" {
	local cfg="$BATS_TEST_TMPDIR/cfg" out="$BATS_TEST_TMPDIR/out"
	mkdir -p "$cfg/a.conf.d" "$cfg/defaults.d" "$out"
	echo x >"$cfg/a.conf"
	echo y >"$cfg/a.conf.d/1.conf"
	echo z >"$cfg/defaults.d/0.conf"
	printf 'd u.service.d 4096 \nf u.service.d/50-berth.conf 123 \nd w 4096 \nl w/u.service 20 /lib/systemd/system/u.service\n' \
		>"$BATS_TEST_TMPDIR/manifest"
	BERTH_CONFIG_PATH="$cfg:$BATS_TEST_TMPDIR/missing" run "$FLOOR" "$BATS_TEST_TMPDIR/manifest" "$out"
	assert_success
	assert_equal "$(stat -c %s "$out/u.service.d/50-berth.conf")" 123
	assert_equal "$(readlink "$out/w/u.service")" /lib/systemd/system/u.service
	# Only what the manifest lists: no temporary file left behind.
	run find "$out" -mindepth 1 -printf '%P\n'
	assert_equal "$(sort <<<"$output")" "$(printf 'u.service.d\nu.service.d/50-berth.conf\nw\nw/u.service')"
}

@test "bench-floor: bad input gives an error naming the file and line" {
	local out="$BATS_TEST_TMPDIR/out"
	mkdir -p "$out" "$BATS_TEST_TMPDIR/cfg"
	printf 'd a 4096 \nx b 1 \n' >"$BATS_TEST_TMPDIR/manifest"
	BERTH_CONFIG_PATH="$BATS_TEST_TMPDIR/cfg" run "$FLOOR" "$BATS_TEST_TMPDIR/manifest" "$out"
	assert_failure 1
	assert_output "bench-floor: $BATS_TEST_TMPDIR/manifest:2: unknown type 'x'"
	printf 'garbage\n' >"$BATS_TEST_TMPDIR/manifest"
	BERTH_CONFIG_PATH="$BATS_TEST_TMPDIR/cfg" run "$FLOOR" "$BATS_TEST_TMPDIR/manifest" "$out"
	assert_failure 1
	assert_output "bench-floor: $BATS_TEST_TMPDIR/manifest:1: malformed line"
	BERTH_CONFIG_PATH= run "$FLOOR" "$BATS_TEST_TMPDIR/manifest" "$out"
	assert_failure 2
	assert_output "bench-floor: BERTH_CONFIG_PATH is not set"
	run "$FLOOR" onlyone
	assert_failure 2
	assert_output --partial "Usage: BERTH_CONFIG_PATH=DIR[:DIR...]"
}
