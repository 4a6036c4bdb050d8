#!/usr/bin/env bats
# berth's command line: help, version, usage errors (exit 2, naming the bad argument).

load admin

setup() {
	setup_tree
}

teardown() {
	teardown_tree
}

@test "--help lists the commands and options, exit 0" {
	run berth --help
	assert_success
	assert_output --partial "berth [OPTIONS...] COMMAND"
	for w in list check cat --json --no-legend --version BERTH_CONFIG_PATH; do
		assert_output --partial "$w"
	done
}

@test "-h is --help, also after a command" {
	run berth -h
	assert_success
	assert_line --partial "Commands:"
	run berth list --help
	assert_success
	assert_line --partial "Commands:"
}

@test "--version prints the project version" {
	version=$(sed -n "s/^ *version : '\([^']*\)'.*/\1/p" "$BERTH_SOURCE_ROOT/meson.build")
	[ -n "$version" ]
	run berth --version
	assert_success
	assert_output "berth $version"
}

@test "an unknown option is a usage error naming it" {
	run --separate-stderr berth --frobnicate
	assert_equal "$status" 2
	assert_equal "$stderr" "Unknown option '--frobnicate'. See 'berth --help'."
	assert_equal "$output" ""
}

@test "an unknown short option is a usage error naming it" {
	run --separate-stderr berth list -x
	assert_equal "$status" 2
	assert_equal "$stderr" "Unknown option '-x'. See 'berth --help'."
}

@test "an option given an argument it does not take is a usage error" {
	run --separate-stderr berth --json=yes list
	assert_equal "$status" 2
	assert_output ""
	[[ "$stderr" == *"--json=yes"* ]] || fail "stderr does not name the argument: $stderr"
}

@test "an unknown command is a usage error naming it" {
	run --separate-stderr berth frobnicate
	assert_equal "$status" 2
	assert_equal "$stderr" "Unknown command 'frobnicate'. See 'berth --help'."
}

@test "--json with a command other than list is a usage error" {
	run --separate-stderr berth check --json
	assert_equal "$status" 2
	assert_equal "$stderr" "Option '--json' is only supported by 'list'."
	run --separate-stderr berth --json cat web
	assert_equal "$status" 2
}

@test "list takes no arguments" {
	run --separate-stderr berth list web
	assert_equal "$status" 2
	assert_equal "$stderr" "'list' takes no arguments, got 'web'."
}

@test "cat without a name is a usage error" {
	run --separate-stderr berth cat
	assert_equal "$status" 2
	assert_equal "$stderr" "'cat' needs at least one entry NAME."
}

@test "an invalid entry name is a usage error naming it, for check and cat" {
	for cmd in check cat; do
		for bad in ../etc -web .web 'a/b' "$(printf 'x%.0s' {1..65})"; do
			run --separate-stderr berth "$cmd" -- "$bad"
			assert_equal "$status" 2
			[[ "$stderr" == "Invalid entry name '$bad':"* ]] || fail "$cmd $bad: $stderr"
		done
	done
}

@test "no command means list; --no-pager is accepted" {
	printf '[Container]\n' | put "$ETC/web.conf"
	run --separate-stderr berth --no-pager
	assert_success
	assert_line --index 0 --regexp '^NAME +ENABLED +PRIORITY +STATE +SOURCE +ERROR$'
	assert_line --index 1 --regexp '^web +yes +50 '
}
