#!/usr/bin/env bats
# berth-audit check: on this machine's real kernel (cross-checked with an independent netlink
# probe), inside a real systemd-nspawn container, and on --root fixtures for the states this
# kernel cannot be put in (enabled, locked, not compiled in).

bats_require_minimum_version 1.5.0
load ../lib/common.bash
load audit.bash

setup() {
	ROOT=$(mktemp -d)
}

teardown() {
	rm -rf "$ROOT"
}

# --- the real kernel -------------------------------------------------------------------------

@test "real kernel: --json findings agree with an independent AUDIT_GET and /proc" {
	run "$PYTHON3" "$BATS_TEST_DIRNAME/audit-probe.py"
	assert_success
	local probe=$output
	echo "independent probe: $probe"

	run --separate-stderr berth_exec "$BERTH_AUDIT" check --json
	assert_success
	echo "$output" >"$ROOT/out.json"

	# compiled in: the test's own look at /proc/self/loginuid
	local compiled=false
	[ -e /proc/self/loginuid ] && compiled=true
	json_is "$ROOT/out.json" "findings.compiled_in.value" "$compiled"
	json_is "$ROOT/out.json" "findings.compiled_in.source" "/proc/self/loginuid"

	# kernel command line: the last audit= before "--", read here with sed
	local want=null
	local a
	a=$(sed -e 's/ -- .*//' /proc/cmdline | tr ' ' '\n' | grep '^audit=' | tail -n 1 || true)
	[ -n "$a" ] && want=$a
	json_is "$ROOT/out.json" "findings.kernel_cmdline.value" "$want"
	json_is "$ROOT/out.json" "findings.kernel_cmdline.source" "/proc/cmdline"

	case $probe in
	status\ *)
		local enabled pid
		read -r _ enabled pid <<<"$probe"
		json_is "$ROOT/out.json" "findings.netlink_socket.value" ok
		json_is "$ROOT/out.json" "findings.audit_get.value" ok
		json_is "$ROOT/out.json" "findings.enabled.value" "$enabled"
		json_is "$ROOT/out.json" "findings.auditd_pid.value" "$pid"
		if [ "$enabled" = 0 ]; then
			json_is "$ROOT/out.json" verdict disabled
			json_is "$ROOT/out.json" problem false
		elif [ "$enabled" = 2 ]; then
			json_is "$ROOT/out.json" verdict locked
		else
			json_is "$ROOT/out.json" verdict enabled
		fi
		;;
	socket\ *)
		json_is "$ROOT/out.json" "findings.netlink_socket.value" "${probe#socket }"
		;;
	error\ *)
		json_is "$ROOT/out.json" "findings.audit_get.value" "${probe#error }"
		;;
	*)
		fail "unexpected probe output: $probe"
		;;
	esac
}

@test "real kernel: human report has the verdict first, every finding with its source, and a remedy" {
	run "$PYTHON3" "$BATS_TEST_DIRNAME/audit-probe.py"
	assert_success
	local probe=$output

	run --separate-stderr berth_exec "$BERTH_AUDIT" check
	assert_success
	case $probe in
	"status 0 "*) assert_line --index 0 "Kernel audit is disabled: containers are not affected." ;;
	"status 1 "*) assert_line --index 0 --partial "Kernel audit is ENABLED" ;;
	"status 2 "*) assert_line --index 0 --partial "Kernel audit is ENABLED and locked" ;;
	esac
	assert_line --regexp '^  audit in kernel +(yes|no)  \[/proc/self/loginuid\]$'
	assert_line --regexp '^  netlink socket .*\[socket\(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT\)\]$'
	assert_line --regexp '^  kernel command line .*\[/proc/cmdline\]$'
	assert_line --regexp '^  login UID reset +(ok|failed: .*)  \[a child process writing 4294967295 to /proc/self/loginuid\]$'
	assert_line --regexp '^Remedy: .*\.$'
	# the stdout report is all there is; nothing on stderr when audit is off
	if [[ $probe == "status 0 "* ]]; then
		assert_equal "$stderr" ""
	fi
}

@test "real kernel: exit status follows the policy and the real state" {
	run "$PYTHON3" "$BATS_TEST_DIRNAME/audit-probe.py"
	local refuse_status=0
	[[ $output == "status 1 "* || $output == "status 2 "* ]] && refuse_status=1

	for policy in warn ignore; do
		run berth_exec "$BERTH_AUDIT" check --policy="$policy"
		assert_success
	done
	run berth_exec "$BERTH_AUDIT" check --policy=refuse --container=web
	assert_equal "$status" "$refuse_status"
	assert_line --index 0 --partial "Container web: "
}

@test "real kernel: the login UID reset leaves our own login UID alone" {
	local before after
	before=$(cat /proc/self/loginuid)
	run berth_exec "$BERTH_AUDIT" check --json
	assert_success
	after=$(cat /proc/self/loginuid)
	assert_equal "$after" "$before"
}

@test "real kernel, as root: initial PID namespace and CAP_AUDIT_CONTROL as the test sees them" {
	run --separate-stderr berth_exec "$BERTH_AUDIT" check --json
	assert_success
	echo "$output" >"$ROOT/out.json"
	local initial=false
	grep -q '^Name:	kthreadd$' /proc/2/status && grep -q '^PPid:	0$' /proc/2/status && initial=true
	json_is "$ROOT/out.json" "findings.initial_pid_namespace.value" "$initial"
	json_is "$ROOT/out.json" "findings.initial_pid_namespace.source" /proc/2/status
	local cap=false
	(( 0x$(sed -n 's/^CapEff:\t//p' /proc/self/status) >> 30 & 1 )) && cap=true
	json_is "$ROOT/out.json" "findings.cap_audit_control.value" "$cap"
}

@test "real kernel, as nobody: AUDIT_GET is refused with EPERM and the verdict says why" {
	command -v setpriv || skip "setpriv (util-linux) is not installed"
	local -a nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	run "$PYTHON3" "$BATS_TEST_DIRNAME/audit-probe.py"
	local root_probe=$output
	# the independent probe, without privileges: the kernel refuses AUDIT_GET (when it has audit)
	run "${nobody[@]}" "$PYTHON3" "$BATS_TEST_DIRNAME/audit-probe.py"
	assert_success
	if [[ $root_probe == status* ]]; then
		assert_output "error EPERM"
	else
		assert_output "$root_probe"
	fi

	run --separate-stderr "${nobody[@]}" "${AUDIT_CMD[@]}" check --json --policy=refuse
	assert_success
	echo "$output" >"$ROOT/out.json"
	json_is "$ROOT/out.json" "findings.cap_audit_control.value" false
	[[ $root_probe == status* ]] || return 0 # no audit socket here: the rest is about AUDIT_GET
	json_is "$ROOT/out.json" "findings.audit_get.value" EPERM
	json_is "$ROOT/out.json" "findings.cap_audit_control.note" "AUDIT_GET and the login UID reset need it: run as root"
	# without AUDIT_GET, the kernel command line is the evidence, when it says anything
	local a
	a=$(sed -e 's/ -- .*//' /proc/cmdline | tr ' ' '\n' | grep '^audit=' | tail -n 1 || true)
	case $a in
	"") json_is "$ROOT/out.json" verdict unknown
	    json_is "$ROOT/out.json" message "Kernel audit state unknown: reading it needs CAP_AUDIT_CONTROL (run as root)" ;;
	audit=0 | audit=off) json_is "$ROOT/out.json" verdict disabled ;;
	*) json_is "$ROOT/out.json" verdict enabled ;;
	esac
}

@test "inside a real systemd-nspawn container: audit is the host's business and it passes" {
	command -v systemd-nspawn || skip "systemd-nspawn (systemd-container) is not installed"
	run --separate-stderr in_nspawn "${AUDIT_CMD[@]}" check --json --policy=refuse --container=inner
	echo "$stderr"
	assert_success
	echo "$output" >"$ROOT/out.json"
	json_is "$ROOT/out.json" verdict host
	json_is "$ROOT/out.json" problem false
	# systemd-nspawn's seccomp filter answers socket(NETLINK_AUDIT) with EAFNOSUPPORT
	json_is "$ROOT/out.json" "findings.netlink_socket.value" EAFNOSUPPORT
	json_is "$ROOT/out.json" "findings.container.value" systemd-nspawn
	json_is "$ROOT/out.json" "findings.container.source" /proc/1/environ
	json_is "$ROOT/out.json" "findings.initial_pid_namespace.value" false
	# what it could still read: the host's kernel command line
	json_is "$ROOT/out.json" "findings.kernel_cmdline.source" /proc/cmdline

	run --separate-stderr in_nspawn "${AUDIT_CMD[@]}" check
	assert_success
	assert_line --index 0 --partial "Running inside a container whose kernel audit state cannot be read here"
	assert_line --partial "-> audit sockets are blocked here: systemd-nspawn's seccomp filter"
	assert_line "Remedy: none here; run 'berth-audit check' on the host."
}

# --- fixtures under --root -------------------------------------------------------------------

@test "--root: audit=1 on the command line is enabled; warn and ignore exit 0, refuse exits 1" {
	make_root "$ROOT" "quiet audit=1"
	run --separate-stderr berth_exec "$BERTH_AUDIT" check --root="$ROOT"
	assert_success
	assert_line --index 0 --partial "Kernel audit is ENABLED: systemd-nspawn containers can misbehave"
	assert_line --regexp "^  kernel command line +audit=1  \[$ROOT/proc/cmdline\]$"
	assert_line --partial "Remedy: run 'berth-audit fix'"
	assert_line --partial "audit=0"
	# warn: the warning is also logged
	assert_equal "$stderr" "Kernel audit is ENABLED: systemd-nspawn containers can misbehave (logins inside fail, the audit login UID cannot be reset). Remedy: run 'berth-audit fix' (adds audit=0 to the kernel command line in the boot loader configuration) and reboot; or add audit=0 to the kernel command line by hand."

	run --separate-stderr berth_exec "$BERTH_AUDIT" check --root="$ROOT" --policy=ignore
	assert_success
	assert_equal "$stderr" ""

	run --separate-stderr berth_exec "$BERTH_AUDIT" check --root="$ROOT" --policy=refuse --container=web
	assert_failure 1
	assert_line --index 0 --partial "Container web: kernel audit is ENABLED"
	assert_equal "$stderr" "web: Refusing to start container web (Audit=refuse): Kernel audit is ENABLED: systemd-nspawn containers can misbehave (logins inside fail, the audit login UID cannot be reset)."

	run --separate-stderr berth_exec "$BERTH_AUDIT" check --root="$ROOT" --policy=refuse --json
	assert_failure 1
	echo "$output" >"$ROOT/out.json"
	json_is "$ROOT/out.json" verdict enabled
	json_is "$ROOT/out.json" exit_status 1
	json_is "$ROOT/out.json" policy refuse
	json_is "$ROOT/out.json" "findings.kernel_cmdline.value" "audit=1"
	json_is "$ROOT/out.json" "findings.netlink_socket.value" null
	json_is "$ROOT/out.json" "findings.netlink_socket.source" "not used with --root"
}

@test "--root: audit=0 on the command line is disabled; refuse exits 0" {
	make_root "$ROOT" "root=/dev/vda1 audit=0 -- audit=1"
	run berth_exec "$BERTH_AUDIT" check --root="$ROOT" --policy=refuse
	assert_success
	assert_line --index 0 "Kernel audit is disabled: containers are not affected."
	assert_line "Remedy: none needed (audit=0 is on the kernel command line)."
	assert_line --partial "-> audit is off from boot on, and cannot be enabled until the next boot"
}

@test "--root: not compiled in (no /proc/self/loginuid)" {
	make_root "$ROOT" "quiet"
	rm "$ROOT/proc/self/loginuid"
	printf 'socket=EPROTONOSUPPORT\n' >"$ROOT/proc/audit-status"
	run --separate-stderr berth_exec "$BERTH_AUDIT" check --root="$ROOT" --policy=refuse --json
	assert_success
	echo "$output" >"$ROOT/out.json"
	json_is "$ROOT/out.json" verdict absent
	json_is "$ROOT/out.json" "findings.compiled_in.value" false
	json_is "$ROOT/out.json" "findings.netlink_socket.value" EPROTONOSUPPORT
	json_is "$ROOT/out.json" "findings.netlink_socket.source" "$ROOT/proc/audit-status (test fixture)"
	json_is "$ROOT/out.json" "findings.loginuid.value" null

	run berth_exec "$BERTH_AUDIT" check --root="$ROOT"
	assert_line --index 0 "Kernel audit is not compiled into this kernel: containers are not affected."
	assert_line "Remedy: none needed."
}

@test "--root: EPROTONOSUPPORT with audit compiled in means audit=0 at boot: disabled" {
	make_root "$ROOT" "quiet"
	printf 'socket=EPROTONOSUPPORT\n' >"$ROOT/proc/audit-status"
	run berth_exec "$BERTH_AUDIT" check --root="$ROOT" --policy=refuse
	assert_success
	assert_line --index 0 "Kernel audit is disabled: containers are not affected."
	assert_line --partial "-> the kernel has no audit netlink protocol: audit is not compiled in, or was switched off at boot with audit=0"
}

@test "--root: enabled and locked, with an audit daemon" {
	make_root "$ROOT" "quiet"
	printf '# AUDIT_GET says\nenabled=2\npid=1234\n' >"$ROOT/proc/audit-status"
	run --separate-stderr berth_exec "$BERTH_AUDIT" check --root="$ROOT" --json
	assert_success
	echo "$output" >"$ROOT/out.json"
	json_is "$ROOT/out.json" verdict locked
	json_is "$ROOT/out.json" problem true
	json_is "$ROOT/out.json" "findings.enabled.value" 2
	json_is "$ROOT/out.json" "findings.locked.value" true
	json_is "$ROOT/out.json" "findings.auditd_pid.value" 1234
	json_is "$ROOT/out.json" "findings.audit_get.value" ok

	run --separate-stderr berth_exec "$BERTH_AUDIT" check --root="$ROOT" --policy=refuse
	assert_failure 1
	assert_line --index 0 --partial "Kernel audit is ENABLED and locked"
	assert_line --regexp '^  audit daemon +pid 1234  '
	assert_line --partial "locked audit cannot be switched off before the next boot"
}

@test "--root: enabled (1) without a daemon; ignore exits 0 and logs nothing" {
	make_root "$ROOT" ""
	printf 'get=ok\nenabled=1\n' >"$ROOT/proc/audit-status"
	for policy in warn ignore; do
		run berth_exec "$BERTH_AUDIT" check --root="$ROOT" --policy=$policy
		assert_success
		assert_line --index 0 --partial "Kernel audit is ENABLED:"
	done
	run berth_exec "$BERTH_AUDIT" check --root="$ROOT" --policy=refuse
	assert_failure 1
}

@test "--root: inside a container that cannot read the state: passes, reports what it read" {
	make_root "$ROOT" "quiet audit=1"
	mkdir -p "$ROOT/run/systemd"
	echo systemd-nspawn >"$ROOT/run/systemd/container"
	printf 'socket=EAFNOSUPPORT\n' >"$ROOT/proc/audit-status"
	run --separate-stderr berth_exec "$BERTH_AUDIT" check --root="$ROOT" --policy=refuse --json
	assert_success
	echo "$output" >"$ROOT/out.json"
	json_is "$ROOT/out.json" verdict host
	json_is "$ROOT/out.json" "findings.container.value" systemd-nspawn
	json_is "$ROOT/out.json" "findings.container.source" "$ROOT/run/systemd/container"
	json_is "$ROOT/out.json" "findings.kernel_cmdline.value" "audit=1"
	assert_equal "$stderr" ""
}

@test "--root: container markers from PID 1's environment, podman and docker files, a user namespace" {
	make_root "$ROOT" ""
	printf 'get=EPERM\n' >"$ROOT/proc/audit-status"
	mkdir -p "$ROOT/proc/1"
	printf 'HOME=/\0container=lxc\0TERM=linux\0' >"$ROOT/proc/1/environ"
	run berth_exec "$BERTH_AUDIT" check --root="$ROOT" --json
	assert_success
	echo "$output" >"$ROOT/out.json"
	json_is "$ROOT/out.json" "findings.container.value" lxc
	json_is "$ROOT/out.json" "findings.audit_get.value" EPERM

	rm "$ROOT/proc/1/environ"
	mkdir -p "$ROOT/run" && touch "$ROOT/run/.containerenv"
	run berth_exec "$BERTH_AUDIT" check --root="$ROOT" --json
	echo "$output" >"$ROOT/out.json"
	json_is "$ROOT/out.json" "findings.container.value" podman

	rm "$ROOT/run/.containerenv"
	printf '         0     100000      65536\n' >"$ROOT/proc/self/uid_map"
	printf 'get=ECONNREFUSED\n' >"$ROOT/proc/audit-status"
	run berth_exec "$BERTH_AUDIT" check --root="$ROOT"
	assert_success
	assert_line --regexp "^  inside a container +yes: user-namespace  \[$ROOT/proc/self/uid_map\]$"
	assert_line --partial "-> the kernel refuses audit requests from user namespaces other than the initial one"
}

@test "--root: /.dockerenv does not stop the check when AUDIT_GET answers (this machine's case)" {
	make_root "$ROOT" ""
	touch "$ROOT/.dockerenv"
	printf 'enabled=1\n' >"$ROOT/proc/audit-status"
	run --separate-stderr berth_exec "$BERTH_AUDIT" check --root="$ROOT" --policy=refuse --json
	assert_failure 1
	echo "$output" >"$ROOT/out.json"
	json_is "$ROOT/out.json" verdict enabled
	json_is "$ROOT/out.json" "findings.container.value" docker
	json_is "$ROOT/out.json" "findings.container.note" "but the kernel's audit state is readable from here, so it is judged as on a host"
	assert_equal "$stderr" "Refusing (--policy=refuse): Kernel audit is ENABLED: systemd-nspawn containers can misbehave (logins inside fail, the audit login UID cannot be reset)."
}

@test "--root: a container marker in the initial PID namespace (kthreadd is PID 2) is not a container" {
	make_root "$ROOT" ""
	touch "$ROOT/.dockerenv"
	mkdir -p "$ROOT/proc/2"
	printf 'Name:\tkthreadd\nUmask:\t0000\nState:\tS (sleeping)\nTgid:\t2\nNgid:\t0\nPid:\t2\nPPid:\t0\n' >"$ROOT/proc/2/status"
	printf 'get=EPERM\n' >"$ROOT/proc/audit-status"
	run --separate-stderr berth_exec "$BERTH_AUDIT" check --root="$ROOT" --json
	assert_success
	echo "$output" >"$ROOT/out.json"
	json_is "$ROOT/out.json" verdict unknown
	json_is "$ROOT/out.json" "findings.initial_pid_namespace.value" true
	json_is "$ROOT/out.json" "findings.container.note" "but this is the initial PID namespace, so the marker is ignored"

	# the same marker where PID 2 is an ordinary process: a container
	printf 'Name:\tsh\nPid:\t2\nPPid:\t1\n' >"$ROOT/proc/2/status"
	run --separate-stderr berth_exec "$BERTH_AUDIT" check --root="$ROOT" --json
	assert_success
	echo "$output" >"$ROOT/out.json"
	json_is "$ROOT/out.json" verdict host
	json_is "$ROOT/out.json" "findings.initial_pid_namespace.value" false
}

@test "--root: the state cannot be read at all: unknown, warns but does not refuse" {
	make_root "$ROOT" ""
	printf 'socket=EPERM\n' >"$ROOT/proc/audit-status"
	run berth_exec "$BERTH_AUDIT" check --root="$ROOT" --policy=refuse
	assert_success
	assert_line --index 0 "Kernel audit state unknown: could not be read (see findings)."
	assert_line --partial "-> a security policy (seccomp, an LSM) forbids audit sockets here"
}

@test "--root: a login UID that cannot be reset means the 5 s nspawn stall" {
	make_root "$ROOT" ""
	printf 'enabled=1\nloginuid-reset=EPERM\n' >"$ROOT/proc/audit-status"
	echo 1000 >"$ROOT/proc/self/loginuid"
	run --separate-stderr berth_exec "$BERTH_AUDIT" check --root="$ROOT"
	assert_success
	assert_line --index 0 --partial "systemd-nspawn cannot reset the audit login UID and will stall 5 s at every start."
	assert_line --regexp '^  login UID reset +failed: EPERM \(Operation not permitted\)  '
	assert_line --regexp '^  audit login UID +1000  '
	assert_line --partial "-> systemd-nspawn cannot reset it either: it then waits 5 seconds at every start"
}

@test "--root: a bad fixture is an error naming file, line and key" {
	make_root "$ROOT" ""
	printf 'enabled=1\nfrobnicate=yes\n' >"$ROOT/proc/audit-status"
	run --separate-stderr berth_exec "$BERTH_AUDIT" check --root="$ROOT"
	assert_failure 1
	assert_equal "$stderr" "$ROOT/proc/audit-status:2: unknown key 'frobnicate' (accepted: socket, get, enabled, pid, loginuid-reset)"
	printf 'enabled=3\n' >"$ROOT/proc/audit-status"
	run --separate-stderr berth_exec "$BERTH_AUDIT" check --root="$ROOT"
	assert_failure 1
	assert_equal "$stderr" "$ROOT/proc/audit-status:1: invalid value '3' for enabled"
}

@test "--json escapes what it prints: a container name from the environment with quotes and control characters" {
	make_root "$ROOT" ""
	printf 'get=EPERM\n' >"$ROOT/proc/audit-status"
	mkdir -p "$ROOT/proc/1"
	printf 'container=a"b\\c\001d\xff\0' >"$ROOT/proc/1/environ"
	run berth_exec "$BERTH_AUDIT" check --root="$ROOT" --json
	assert_success
	echo "$output" >"$ROOT/out.json"
	run "$PYTHON3" -c 'import json,sys; print(ascii(json.load(open(sys.argv[1]))["findings"]["container"]["value"]))' "$ROOT/out.json"
	assert_success
	assert_output "'a\"b\\\\c\\x01d\\ufffd'"
}

# --- usage -----------------------------------------------------------------------------------

@test "usage errors exit 2 with one line naming the bad argument" {
	local -a cases=(
		"check --policy=bogus|invalid value 'bogus' for --policy: expected warn, refuse or ignore"
		"check --policy|option '--policy' needs a value: warn, refuse or ignore"
		"check --frob|unknown option '--frob'"
		"check -x|unknown option '-x'"
		"frob|unknown command 'frob': expected 'check' or 'fix'"
		"|missing command: 'check' or 'fix'"
		"check extra|unexpected argument 'extra'"
		"fix --json|option '--json' is only valid with 'check'"
		"fix --policy=warn|option '--policy' is only valid with 'check'"
		"fix --container=web|option '--container' is only valid with 'check'"
		"check --dry-run|option '--dry-run' is only valid with 'fix'"
		"check --container=../etc|invalid container name '../etc' in --container"
		"check --container=|invalid container name '' in --container"
		"check --root=|option '--root' needs a directory"
		"check --root=/nonexistent/berth|invalid --root '/nonexistent/berth': No such file or directory"
		"fix --root=/dev/null|invalid --root '/dev/null': not a directory"
		"check --root|option '--root' needs a directory"
	)
	local c args message
	for c in "${cases[@]}"; do
		args=${c%%|*}
		message=${c#*|}
		# shellcheck disable=SC2086
		run --separate-stderr berth_exec "$BERTH_AUDIT" $args
		assert_failure 2
		assert_equal "$output" ""
		assert_equal "$(wc -l <<<"$stderr")" 1
		[[ $stderr == "berth-audit: $message"* ]] || fail "for '$args': got '$stderr', expected 'berth-audit: $message...'"
		[[ $stderr == *"(see 'berth-audit --help')" ]] || fail "for '$args': no pointer to --help in '$stderr'"
	done
}

@test "--help and --version" {
	run berth_exec "$BERTH_AUDIT" --help
	assert_success
	assert_line --index 0 "Usage: berth-audit check [--policy=warn|refuse|ignore] [--json] [--container=NAME]"
	assert_line --partial "--dry-run"
	assert_line --partial "--root=DIR"
	assert_line --partial "Exit status:"
	run berth_exec "$BERTH_AUDIT" check -h
	assert_success
	assert_line --index 0 --partial "Usage: berth-audit"
	run berth_exec "$BERTH_AUDIT" --version
	assert_success
	local version
	version=$(sed -n "s/^ *version : '\(.*\)',\$/\1/p" "$BERTH_SOURCE_ROOT/meson.build")
	assert_output "berth-audit $version"
}
