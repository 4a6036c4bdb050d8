#!/usr/bin/env bats
# berth check [NAME...]: only the findings, one "FILE:LINE: message" a line on stdout, a count on
# stderr, exit 1 on any error; NAME filtering; unknown and masked names.

load admin

setup() {
	setup_tree
	printf '[Container]\nPriority=10\n' | put "$ETC/db.conf"
	printf '[Container]\nDependsOn=db\nPriority=20\n' | put "$ETC/web.conf"
}

teardown() {
	teardown_tree
}

@test "valid entries: no output at all, exit 0" {
	run --separate-stderr berth check
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr berth check web db
	assert_success
	assert_output ""
}

@test "errors: FILE:LINE: message on stdout, in file order, count on stderr, exit 1" {
	printf '[Container]\nDescription=ok\nPriorty=3\n\nBoot=maybe\n' | put "$ETC/bad.conf"
	run --separate-stderr berth check
	assert_failure 1
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 "$ETC/bad.conf:3: Unknown key Priorty= in [Container]; did you mean Priority=?"
	assert_line --index 1 --regexp "^$ETC/bad.conf:5: Invalid Boot=maybe in \[Container\]; accepted: .*yes.*no"
	assert_equal "$stderr" "2 error(s) found in 1 of 3 entries."
}

@test "every line of the output has the FILE:LINE: message form" {
	printf '[Container]\nPriority=2000\n[Bogus]\nX=1\nnot an assignment\n' | put "$ETC/bad.conf"
	printf '[Container]\nDependsOn=nosuch\n' | put "$ETC/dep.conf.d/10-x.conf"
	printf '[Container]\n' | put "$ETC/dep.conf"
	run --separate-stderr berth check
	assert_failure 1
	[ "${#lines[@]}" -ge 3 ] || fail "expected at least 3 findings: $output"
	for l in "${lines[@]}"; do
		[[ "$l" =~ ^/[^:]+\.conf:[0-9]+:\ .+ ]] || fail "not FILE:LINE: message: $l"
	done
	assert_line --partial "$ETC/dep.conf.d/10-x.conf:2:"
	assert_line --partial "nosuch"
}

@test "NAME filters: only the named entries' findings, but cross-entry checks still see all" {
	printf '[Container]\nBoot=maybe\n' | put "$ETC/bad.conf"
	run --separate-stderr berth check web db
	assert_success
	assert_output ""
	run --separate-stderr berth check bad web
	assert_failure 1
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 --partial "$ETC/bad.conf:2: Invalid Boot=maybe"
}

@test "a file with an invalid name is a finding without NAME, and not with one" {
	printf '[Container]\n' | put "$ETC/-x.conf"
	run --separate-stderr berth check
	assert_failure 1
	assert_line --index 0 --partial "$ETC/-x.conf: Invalid entry name '-x'"
	run --separate-stderr berth check web
	assert_success
	assert_output ""
}

@test "a directory named NAME.conf is an error for NAME, also when named" {
	mkdir "$ETC/dir.conf"
	run --separate-stderr berth check
	assert_failure 1
	assert_line --partial "$ETC/dir.conf"
	run --separate-stderr berth check dir
	assert_failure 1
	assert_line --partial "$ETC/dir.conf"
	[[ "$stderr" != *"No entry 'dir'"* ]] || fail "reported as missing: $stderr"
}

@test "a NAME that no file defines is an error on stderr, exit 1" {
	run --separate-stderr berth check nosuch web
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "No entry 'nosuch' in $ETC:$RUN:$USR."
}

@test "a masked NAME is noted and is not an error" {
	ln -s /dev/null "$ETC/old.conf"
	run --separate-stderr berth check old
	assert_success
	assert_output ""
	assert_equal "$stderr" "old: masked, nothing to check."
}

@test "an error in a drop-in is reported against the drop-in's file and line" {
	printf '# comment\n\n[Container]\nAudit=sometimes\n' | put "$RUN/web.conf.d/50-audit.conf"
	run --separate-stderr berth check web
	assert_failure 1
	assert_line --index 0 --regexp "^$RUN/web.conf.d/50-audit.conf:4: .*Audit=sometimes.*warn, refuse or ignore"
}

@test "a tree given by BERTH_CONFIG_PATH is checked before it is deployed" {
	tree=$ROOT/deploy
	printf '[Container]\nProvision=debootstrap\n' | put "$tree/app.conf"
	BERTH_CONFIG_PATH=$tree run --separate-stderr berth check
	assert_failure 1
	assert_line --index 0 --regexp "^$tree/app.conf:2: "
}
