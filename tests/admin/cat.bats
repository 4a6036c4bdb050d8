#!/usr/bin/env bats
# berth cat NAME: the effective configuration, every value under a "# FILE:LINE" comment, defaults
# marked, the files applied listed in order, overridden and masked files named.

load admin

setup() {
	setup_tree
	printf '[Container]\nAudit=refuse\n[Service]\nRestart=on-failure\n' | put "$USR/defaults.d/10-site.conf"
	printf '[Container]\nStartTimeoutSec=10min\n' | put "$ETC/defaults.d/20-local.conf"
	printf '[Container]\nAudit=ignore\n' | put "$USR/defaults.d/30-masked.conf"
	ln -s /dev/null "$ETC/defaults.d/30-masked.conf"
	printf '[Container]\nPriority=10\n' | put "$ETC/db.conf"
	printf '[Container]\nDescription=old\n' | put "$USR/web.conf"
	printf '[Container]\nDescription=Web front end\nDependsOn=db\nPriority=60\n\n[Network]\nPort=tcp:8080:80\n' |
		put "$ETC/web.conf"
	printf '[Container]\nPriority=70\nAfter=db\n[Network]\nPort=tcp:2222:22\n' | put "$RUN/web.conf.d/50-port.conf"
	printf '[Container]\nEnable=no\n' | put "$USR/web.conf.d/50-port.conf"
	printf '[Unit]\nDocumentation=https://example.invalid/web\n' | put "$USR/web.conf.d/60-doc.conf"
}

teardown() {
	teardown_tree
}

# origin_of KEY: the comment line just before the first "KEY=" line of the output.
origin_of() {
	echo "$output" | grep -B1 -m1 "^$1=" | head -n1
}

@test "header: files applied in order, overridden and masked files named" {
	run --separate-stderr berth cat web
	assert_success
	assert_line --index 0 "# web: effective configuration of $ETC/web.conf"
	assert_line --index 1 "# Files applied, in this order (later values win):"
	assert_line --index 2 "#   $USR/defaults.d/10-site.conf"
	assert_line --index 3 "#   $ETC/defaults.d/20-local.conf"
	assert_line --index 4 "#   $ETC/web.conf"
	assert_line --index 5 "#   $RUN/web.conf.d/50-port.conf"
	assert_line --index 6 "#   $USR/web.conf.d/60-doc.conf"
	assert_line --index 7 "# Overridden or masked, not applied:"
	assert_line "#   $USR/web.conf (overridden by $ETC/web.conf)"
	assert_line "#   $USR/web.conf.d/50-port.conf (overridden by $RUN/web.conf.d/50-port.conf)"
	assert_line "#   $USR/defaults.d/30-masked.conf (masked by $ETC/defaults.d/30-masked.conf)"
	refute_line --partial "60-doc.conf ("
}

@test "every value set by a file carries its FILE:LINE, across defaults.d, the file and drop-ins" {
	run --separate-stderr berth cat web
	assert_success
	assert_equal "$(origin_of Description)" "# $ETC/web.conf:2"
	assert_equal "$(origin_of Audit)" "# $USR/defaults.d/10-site.conf:2"
	assert_equal "$(origin_of StartTimeoutSec)" "# $ETC/defaults.d/20-local.conf:2"
	assert_equal "$(origin_of Priority)" "# $RUN/web.conf.d/50-port.conf:2"
	assert_equal "$(origin_of DependsOn)" "# $ETC/web.conf:3"
	assert_equal "$(origin_of After)" "# $RUN/web.conf.d/50-port.conf:3"
	assert_equal "$(origin_of Restart)" "# $USR/defaults.d/10-site.conf:4"
	assert_equal "$(origin_of Documentation)" "# $USR/web.conf.d/60-doc.conf:2"
	# The values are the effective ones: the later Priority=, not the masked Audit=ignore.
	assert_line "Priority=70"
	assert_line "Audit=refuse"
	refute_line "Audit=ignore"
	refute_line "Description=old"
	refute_line "Enable=no"
}

@test "keys no file sets show their default, marked as such; keys without a default are left out" {
	run --separate-stderr berth cat db
	assert_success
	for kv in "Enable=yes" "Directory=/var/lib/machines/db" "Boot=yes" "Provision=none" "Description=Container db" \
		"ManageNetwork=yes"; do
		assert_equal "$(origin_of "${kv%%=*}")" "# default"
		assert_line "$kv"
	done
	refute_line --regexp '^(Hostname|Command|RootPasswordHash|DependsOn|StopTimeoutSec)='
}

@test "the [Container] section lists keys in the order of the key table" {
	run --separate-stderr berth cat db
	keys=$(echo "$output" | sed -n '/^\[Container\]/,/^\[/p' | sed -n 's/^\([A-Za-z]*\)=.*/\1/p' | tr '\n' ' ')
	assert_equal "$keys" "Description Enable Directory Boot Provision Audit Priority StartTimeoutSec ManageNetwork "
}

@test "[Exec]/[Files]/[Network] show the values in effect: resets and repeated scalars resolved" {
	printf '[Network]\nPort=\nPort=tcp:443:443\n[Exec]\nKillSignal=SIGINT\nKillSignal=SIGTERM\n' |
		put "$ETC/web.conf.d/80-net.conf"
	run --separate-stderr berth cat web
	assert_success
	assert_equal "$(echo "$output" | sed -n '/^\[Network\]/,/^$/p')" "[Network]
# $ETC/web.conf.d/80-net.conf:3
Port=tcp:443:443"
	assert_equal "$(echo "$output" | sed -n '/^\[Exec\]/,/^$/p')" "[Exec]
# $ETC/web.conf.d/80-net.conf:6
KillSignal=SIGTERM"
}

@test "[Unit]/[Service] keep every assignment in applied order (systemd resolves them)" {
	printf '[Service]\nExecStartPre=/bin/true\nExecStartPre=\nExecStartPre=/bin/false\n' | put "$ETC/web.conf.d/80-svc.conf"
	run --separate-stderr berth cat web
	assert_success
	assert_equal "$(echo "$output" | sed -n '/^\[Service\]/,/^$/p')" "[Service]
# $USR/defaults.d/10-site.conf:4
Restart=on-failure
# $ETC/web.conf.d/80-svc.conf:2
ExecStartPre=/bin/true
# $ETC/web.conf.d/80-svc.conf:3
ExecStartPre=
# $ETC/web.conf.d/80-svc.conf:4
ExecStartPre=/bin/false"
}

@test "pass-through sections keep every assignment in applied order, each with its origin" {
	run --separate-stderr berth cat web
	assert_success
	net=$(echo "$output" | sed -n '/^\[Network\]/,/^$/p')
	assert_equal "$net" "[Network]
# $ETC/web.conf:7
Port=tcp:8080:80
# $RUN/web.conf.d/50-port.conf:5
Port=tcp:2222:22"
}

@test "a list keeps each value after the last reset; a reset scalar shows its default and the reset" {
	printf '[Container]\nDependsOn=\nDependsOn=db\nAfter=db\nPriority=\n' | put "$ETC/web.conf.d/90-reset.conf"
	run --separate-stderr berth cat web
	assert_success
	assert_equal "$(echo "$output" | grep -c '^DependsOn=')" 1
	assert_equal "$(origin_of DependsOn)" "# $ETC/web.conf.d/90-reset.conf:3"
	assert_equal "$(echo "$output" | grep -c '^After=')" 2
	assert_equal "$(origin_of Priority)" "# default (reset at $ETC/web.conf.d/90-reset.conf:5)"
	assert_line "Priority=50"
}

@test "the root password hash is never printed, only where it is set" {
	printf '[Container]\nRootPasswordHash=$6$salt$c2VjcmV0aGFzaA\n' | put "$ETC/web.conf.d/70-pw.conf"
	chmod 0600 "$ETC/web.conf.d/70-pw.conf"
	run --separate-stderr berth cat web
	assert_success
	refute_output --partial 'c2VjcmV0aGFzaA'
	assert_line "#RootPasswordHash=(set; not shown)"
	echo "$output" | grep -B1 -x '#RootPasswordHash=(set; not shown)' | head -n1 |
		grep -qx "# $ETC/web.conf.d/70-pw.conf:2"
}

@test "an entry with errors: printed, with its errors as comments" {
	printf '[Container]\nBoot=maybe\n' | put "$ETC/bad.conf"
	run --separate-stderr berth cat bad
	assert_success
	assert_line --regexp "^# error: $ETC/bad.conf:2: Invalid Boot=maybe"
}

@test "the output is itself a valid entry with the same configuration" {
	run --separate-stderr berth cat web
	assert_success
	flat=$ROOT/flat
	mkdir -p "$flat"
	echo "$output" >"$flat/web.conf"
	cp "$ETC/db.conf" "$flat/db.conf"
	BERTH_CONFIG_PATH=$flat run --separate-stderr berth check
	assert_success
	BERTH_CONFIG_PATH=$flat run --separate-stderr berth list --json
	run jq -c '.[] | select(.name == "web") | [.priority, .enabled]' <<<"$output"
	assert_output "[70,true]"
}

@test "several names, separated by a blank line; a masked name says so" {
	ln -s /dev/null "$ETC/old.conf"
	run --separate-stderr berth cat db old
	assert_success
	assert_line --index 0 "# db: effective configuration of $ETC/db.conf"
	assert_line "# old: masked by $ETC/old.conf (empty or a symlink to /dev/null): no container."
}

@test "a name no file defines is an error on stderr, exit 1; the others are still printed" {
	run --separate-stderr berth cat nosuch db
	assert_failure 1
	assert_equal "$stderr" "No entry 'nosuch' in $ETC:$RUN:$USR."
	assert_line "# db: effective configuration of $ETC/db.conf"
}

@test "the [Container] section ends with what the [Network] keys make of the link (derived: a comment)" {
	printf '[Network]\nZone=shop\n' | put "$ETC/zoned.conf"
	printf '[Network]\nBridge=br0\n' | put "$ETC/bridged.conf"
	printf '[Network]\nVirtualEthernet=no\n' | put "$ETC/hostnet.conf"
	printf '[Container]\nManageNetwork=no\n' | put "$ETC/own.conf"
	run --separate-stderr berth cat db
	assert_line "# network: a private veth link, ve-db on the host, served by the host's systemd-networkd"
	run --separate-stderr berth cat zoned
	assert_line "# network: zone shop, bridge vz-shop on the host, served by the host's systemd-networkd"
	run --separate-stderr berth cat bridged
	assert_line "# network: a veth on the bridge br0 (the administrator's)"
	run --separate-stderr berth cat hostnet
	assert_line "# network: the host's own (no private network)"
	run --separate-stderr berth cat own
	assert_line "# network: a private veth link, ve-own on the host, left to the administrator"
}
