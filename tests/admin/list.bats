#!/usr/bin/env bats
# berth list: one row per entry (text and --json), masked entries, the first error, and what it
# does without systemd (this machine's PID 1 is not systemd; the e2e suite covers a real one).

load admin

setup() {
	setup_tree
	printf '[Container]\nPriority=10\n' | put "$ETC/db.conf"
	printf '[Container]\nDescription=Web\nDependsOn=db\nPriority=20\n' | put "$USR/web.conf"
	printf '[Container]\nEnable=no\n' | put "$RUN/spare.conf"
	printf '[Container]\nPriorty=3\nBoot=maybe\n' | put "$ETC/bad.conf"
	ln -s /dev/null "$ETC/gone.conf"
	printf '[Container]\n' | put "$USR/gone.conf"
}

teardown() {
	teardown_tree
}

@test "text: header, one row per entry sorted by name, masked entries shown as masked" {
	run --separate-stderr berth list
	assert_success
	assert_equal "${#lines[@]}" 6
	assert_line --index 0 --regexp '^NAME +ENABLED +PRIORITY +STATE +SOURCE +ERROR$'
	assert_line --index 1 --regexp "^bad +yes +50 +- +$ETC/bad.conf +$ETC/bad.conf:2: Unknown key Priorty= in \[Container\]; did you mean Priority=\?$"
	assert_line --index 2 --regexp "^db +yes +10 +- +$ETC/db.conf +-$"
	assert_line --index 3 --regexp "^gone +masked +- +- +$ETC/gone.conf +-$"
	assert_line --index 4 --regexp "^spare +no +50 +- +$RUN/spare.conf +-$"
	assert_line --index 5 --regexp "^web +yes +20 +- +$USR/web.conf +-$"
}

@test "text: columns line up and no line ends in blanks" {
	run --separate-stderr berth list
	assert_success
	col=$(echo "${lines[0]}" | awk '{ print index($0, "SOURCE") }')
	for l in "${lines[@]:1}"; do
		[ "${l:col-1:1}" = / ] || fail "SOURCE column not at $col in: $l"
	done
	run grep -c ' $' <(berth list 2>/dev/null)
	assert_output 0
}

@test "--no-legend drops the header only" {
	run --separate-stderr berth list --no-legend
	assert_success
	assert_equal "${#lines[@]}" 5
	assert_line --index 0 --regexp '^bad '
}

@test "without systemd: one line on stderr, state '-', exit 0" {
	[ ! -d /run/systemd/system ] || skip "this machine runs systemd; the e2e suite covers that"
	run --separate-stderr berth list
	assert_success
	assert_equal "$stderr" "System has not been booted with systemd as init system (PID 1): unit states not shown."
}

@test "systemd running but its bus unreachable: one line on stderr, state '-', exit 0" {
	# A mount namespace where /run/systemd/system exists (sd_booted() says yes) and the system
	# bus socket does not: the real connect fails. Nothing outside the namespace changes.
	command -v unshare >/dev/null || skip "unshare not installed"
	fake=$(mktemp -d)
	cmd="mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system && mount --bind $fake /run/dbus"
	[ -d /run/systemd ] || cmd="mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system /run/dbus"
	run --separate-stderr unshare --mount --propagation private -- \
		bash -c "$(declare -f berth_exec); $cmd && berth_exec '$BERTH_ADMIN' list"
	rm -rf "$fake"
	assert_success
	[[ "$stderr" == "Failed to connect to the system bus: "*"; unit states not shown." ]] || fail "stderr: $stderr"
	assert_equal "$(echo "$stderr" | wc -l)" 1
	assert_line --index 2 --regexp "^db +yes +10 +- "
}

@test "files that define no entry are reported on stderr and get no row" {
	printf '[Container]\n' | put "$ETC/-bad-name.conf"
	run --separate-stderr berth list --no-legend
	assert_success
	assert_equal "${#lines[@]}" 5
	[[ "$stderr" == *"$ETC/-bad-name.conf: Invalid entry name '-bad-name'"* ]] || fail "stderr: $stderr"
}

@test "an empty search path lists nothing" {
	rm -rf "$ETC" "$RUN" "$USR"
	run --separate-stderr berth list
	assert_success
	assert_output "NAME ENABLED PRIORITY STATE SOURCE ERROR"
	run --separate-stderr berth list --json
	assert_success
	assert_output "[]"
}

@test "--json: valid JSON, one object per row with every member" {
	run --separate-stderr berth list --json
	assert_success
	echo "$output" | python3 -m json.tool >/dev/null
	run jq -c '[.[] | .name]' <<<"$output"
	assert_output '["bad","db","gone","spare","web"]'
}

@test "--json: members of an entry, of a masked entry and of an entry with errors" {
	json=$(berth list --json 2>/dev/null)
	run jq -c '.[] | select(.name == "web")' <<<"$json"
	assert_output "{\"name\":\"web\",\"masked\":false,\"enabled\":true,\"priority\":20,\"unit\":\"systemd-nspawn@web.service\",\"state\":null,\"load_state\":null,\"active_state\":null,\"sub_state\":null,\"addresses\":[],\"ports\":[],\"source\":\"$USR/web.conf\",\"error\":null,\"errors\":[]}"
	run jq -c '.[] | select(.name == "gone") | [.masked, .enabled, .priority, .source]' <<<"$json"
	assert_output "[true,false,null,\"$ETC/gone.conf\"]"
	run jq -r '.[] | select(.name == "bad") | .error, (.errors | length), .errors[1]' <<<"$json"
	assert_line --index 0 "$ETC/bad.conf:2: Unknown key Priorty= in [Container]; did you mean Priority=?"
	assert_line --index 1 2
	assert_line --index 2 --partial "$ETC/bad.conf:3: Invalid Boot=maybe in [Container]"
}

@test "forwarded ports: a PORTS column and a ports member, only for entries with Port=" {
	printf '[Container]\n[Network]\nPort=tcp:8080:80\nPort=udp:5353\n' | put "$ETC/net.conf"
	run --separate-stderr berth list
	assert_success
	assert_line --index 0 --regexp '^NAME +ENABLED +PRIORITY +STATE +PORTS +SOURCE +ERROR$'
	assert_line --regexp '^net +yes +50 +- +tcp:8080:80,udp:5353 +'
	assert_line --regexp '^web +yes +20 +- +- +'
	run jq -c '[.[] | select(.name == "net" or .name == "web") | .ports]' <<<"$(berth list --json 2>/dev/null)"
	assert_output '[["tcp:8080:80","udp:5353"],[]]'
}

@test "--json: strings with quotes, backslashes and control characters are escaped" {
	dir=$ROOT/we\"ird\\dir
	mkdir -p "$dir"
	printf '[Container]\nPriority=x\ty\n' | put "$dir/odd.conf"
	export BERTH_CONFIG_PATH="$dir"
	run --separate-stderr berth list --json
	assert_success
	run jq -r '.[0].source' <<<"$output"
	assert_output "$dir/odd.conf"
	run jq -r '.[0].error' <<<"$(berth list --json 2>/dev/null)"
	assert_output --partial $'Priority=x\ty'
}

@test "BERTH_CONFIG_PATH decides what is read: a higher directory wins" {
	printf '[Container]\nPriority=99\n' | put "$RUN/web.conf"
	run --separate-stderr berth list --no-legend
	assert_line --index 4 --regexp "^web +yes +99 +- +$RUN/web.conf +-$"
	export BERTH_CONFIG_PATH="$USR"
	run --separate-stderr berth list --no-legend
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --regexp "^gone +yes +50 "
	assert_line --index 1 --regexp "^web +yes +20 +- +$USR/web.conf"
}
