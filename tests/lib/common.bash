# Shared by every bats file: where the built programs are, and how to run them (under valgrind
# when the suite runs with 'meson test --setup=valgrind').
# BERTH_BATS_LIBRARIES=no (set before loading this file): the one-case-per-test runners of
# tests/generator and tests/bad-input check in plain bash and skip bats-support/-assert/-file,
# whose loading is ~0.7 s of each of their ~160 bats processes per pass on these machines.
if [ "${BERTH_BATS_LIBRARIES:-yes}" != no ]; then
	bats_load_library bats-support
	bats_load_library bats-assert
	bats_load_library bats-file
fi

: "${BERTH_BUILD_ROOT:?run through meson test}"
: "${BERTH_SOURCE_ROOT:?run through meson test}"

BERTH_GENERATOR="$BERTH_BUILD_ROOT/generators/berth-generator"
BERTH_PREPARE="$BERTH_BUILD_ROOT/helpers/prepare/berth-prepare"
BERTH_AUDIT="$BERTH_BUILD_ROOT/helpers/audit/berth-audit"
BERTH_ADMIN="$BERTH_BUILD_ROOT/tools/berth"

# berth_exec PROGRAM ARGS...: runs a built program, under valgrind memcheck when BERTH_VALGRIND=1.
# valgrind's own errors and leaks exit 99, which no berth program uses, so a test checking the
# exit status fails on them.
berth_exec() {
	if [ "${BERTH_VALGRIND:-0}" = 1 ]; then
		valgrind --quiet --error-exitcode=99 --leak-check=full \
			--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
			--track-fds=no "$@"
	else
		"$@"
	fi
}
