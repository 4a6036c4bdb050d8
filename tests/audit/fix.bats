#!/usr/bin/env bats
# berth-audit fix: real-world /etc/default/grub and /etc/kernel/cmdline shapes edited under
# --root, checked byte for byte against tests/audit/fix-cases/NAME.expected; idempotence,
# backups, owner and mode, atomicity on failure (a real read-only mount), bad input, the printed
# diff (applied with patch) and the boot menu command per distribution. Every accepted GRUB edit
# is proven by sourcing the result with sh and bash (the kernel command line they give keeps every
# parameter and has audit off); every refusal leaves the file byte for byte as it was. The --root
# escapes run in a private mount namespace with the machine's /etc/default (and /etc/kernel)
# overlaid, so the real files are never at risk.

bats_require_minimum_version 1.5.0
load ../lib/common.bash
load audit.bash

CASES="$BATS_TEST_DIRNAME/fix-cases"

setup() {
	ROOT=$(mktemp -d)
	mkdir -p "$ROOT/etc/default"
}

teardown() {
	rm -rf "$ROOT"
}

os_release() {
	printf 'ID=%s\n' "$1" >"$ROOT/etc/os-release"
	[ -z "${2:-}" ] || printf 'ID_LIKE="%s"\n' "$2" >>"$ROOT/etc/os-release"
}

sum() {
	sha256sum <"$1"
}

# assert_fix_refused MESSAGE: 'berth-audit fix' on $ROOT exits 1 with MESSAGE alone on stderr,
# nothing on stdout, and leaves /etc/default/grub as it was, with no backup.
assert_fix_refused() {
	local file=$ROOT/etc/default/grub before
	before=$(sum "$file")
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_failure 1
	assert_equal "$output" ""
	assert_equal "$stderr" "$1"
	assert_equal "$(sum "$file")" "$before"
	assert_file_not_exists "$file.berth-bak"
}

# sourced SHELL FILE: the kernel command line GRUB builds from FILE, as SHELL (sh, bash) sources it:
# "$GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT", in an empty environment, then what the shell
# said on stderr. Not under set -e: the distributions' files run commands that fail here (CentOS's
# sed of /etc/system-release); instead the edited file must make the shell say nothing new.
sourced() {
	env -i PATH="$PATH" "$1" -c '. "$1"; echo "$GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT"' \
		"$1" "$2" 2>&1 >"$BATS_TEST_TMPDIR/sourced.out" | sed "s|$2|FILE|g" >"$BATS_TEST_TMPDIR/sourced.err"
	cat "$BATS_TEST_TMPDIR/sourced.out"
}

# assert_sourced_off BEFORE AFTER: sourcing AFTER (sh and bash) gives every parameter BEFORE gave,
# in order, apart from audit=, and audit off: at least one audit=0 and no other audit= value.
assert_sourced_off() {
	local sh before after w kept_before kept_after audit_off
	for sh in sh bash; do
		before=$(sourced "$sh" "$1") || fail "$sh cannot source $1"
		mv "$BATS_TEST_TMPDIR/sourced.err" "$BATS_TEST_TMPDIR/sourced.err-before"
		after=$(sourced "$sh" "$2") || fail "$sh cannot source the edited $2"
		cmp "$BATS_TEST_TMPDIR/sourced.err-before" "$BATS_TEST_TMPDIR/sourced.err" ||
			fail "$sh says something new about the edited file: $(cat "$BATS_TEST_TMPDIR/sourced.err")"
		kept_before="" kept_after="" audit_off=0
		for w in $before; do
			case $w in audit=* | \"audit=*) ;; *) kept_before+="$w " ;; esac
		done
		for w in $after; do
			case $w in
			audit=0 | \"audit=0\" | audit=off) audit_off=1 ;;
			audit=* | \"audit=*) fail "$sh: the edited file still gives '$w': $after" ;;
			*) kept_after+="$w " ;;
			esac
		done
		[ "$audit_off" = 1 ] || fail "$sh: no audit=0 in what the edited file gives: $after"
		assert_equal "$kept_after" "$kept_before"
	done
}

# fix_case NAME FILE: FILE (/etc/default/grub or /etc/kernel/cmdline) starts as NAME.in; fix
# must make it NAME.expected, byte for byte.
fix_case() {
	local name=$1 file=$ROOT$2 in=$CASES/$1.in expected=$CASES/$1.expected
	mkdir -p "$(dirname "$file")"
	cp "$in" "$file"
	chown 4242:4343 "$file"
	chmod 0640 "$file"

	# --dry-run: prints the diff, writes nothing
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --dry-run --root="$ROOT"
	assert_success
	assert_equal "$(sum "$file")" "$(sum "$in")"
	assert_file_not_exists "$file.berth-bak"
	if cmp -s "$in" "$expected"; then
		assert_line "$file: audit=0 is already set, nothing to change."
		refute_line --partial -- "--- "
	else
		assert_line "Dry run: nothing was written."
		assert_line -- "--- $file"
		assert_line -- "+++ $file"
		# the printed diff is a real unified diff: patch turns the input into the expected file
		cp "$in" "$ROOT/patched"
		printf '%s\n' "$output" | patch -s "$ROOT/patched"
		cmp "$ROOT/patched" "$expected"
	fi

	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_success
	cmp "$file" "$expected"
	# owner and mode are kept, for the file and its backup
	assert_equal "$(stat -c '%u:%g %a' "$file")" "4242:4343 640"
	if cmp -s "$in" "$expected"; then
		assert_file_not_exists "$file.berth-bak"
	else
		assert_line "Wrote $file (the previous version is in $file.berth-bak)."
		cmp "$file.berth-bak" "$in"
		assert_equal "$(stat -c '%u:%g %a' "$file.berth-bak")" "4242:4343 640"
	fi
	# no temporary files left behind
	assert_equal "$(find "$(dirname "$file")" -name '.#*')" ""

	# what the shell makes of the result: every parameter kept, audit off
	[ "$2" != /etc/default/grub ] || assert_sourced_off "$in" "$file"

	# a second run changes nothing
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_success
	assert_line "$file: audit=0 is already set, nothing to change."
	cmp "$file" "$expected"
}

@test "fix: Debian 12 default /etc/default/grub" {
	os_release debian
	fix_case debian12-default /etc/default/grub
	assert_line "  update-grub"
}

@test "fix: CentOS 7 default with crashkernel=auto, rhgb quiet" {
	os_release centos "rhel fedora"
	fix_case centos7-default /etc/default/grub
	assert_line "  grub2-mkconfig -o /boot/grub2/grub.cfg"
}

@test "fix: Ubuntu 22.04 default: GRUB_CMDLINE_LINUX_DEFAULT is left alone" {
	os_release ubuntu debian
	fix_case ubuntu2204-default /etc/default/grub
	assert_line "  update-grub"
}

@test "fix: Rocky 9 default (BLS)" {
	os_release rocky "rhel centos fedora"
	mkdir -p "$ROOT/boot/loader/entries"
	fix_case rocky9-default /etc/default/grub
	assert_line "  grub2-mkconfig -o /boot/grub2/grub.cfg"
	assert_line "  and, for the existing boot entries (BLS): grubby --update-kernel=ALL --args=audit=0"
}

@test "fix: single quotes" {
	fix_case single-quotes /etc/default/grub
}

@test "fix: empty value without quotes" {
	fix_case empty-value /etc/default/grub
}

@test "fix: a value without quotes" {
	fix_case no-quotes /etc/default/grub
}

@test "fix: escaped double quotes inside the value" {
	fix_case escaped-quotes /etc/default/grub
}

@test "fix: commented-out assignments are not touched" {
	fix_case commented-line /etc/default/grub
}

@test "fix: the variable set twice: the last assignment is edited" {
	fix_case set-twice /etc/default/grub
}

@test "fix: already audit=0: nothing changes, no backup" {
	fix_case already-fixed /etc/default/grub
	assert_line --partial "If the boot menu was not regenerated since audit=0 was added, regenerate"
}

@test "fix: audit=1 present is replaced" {
	fix_case audit-1-present /etc/default/grub
}

@test "fix: no GRUB_CMDLINE_LINUX: a line is added" {
	fix_case missing-variable /etc/default/grub
}

@test "fix: audit=1 in GRUB_CMDLINE_LINUX_DEFAULT (which GRUB puts last) is replaced too" {
	fix_case default-audit-1 /etc/default/grub
}

@test "fix: a file without a final newline" {
	fix_case no-trailing-newline /etc/default/grub
}

@test "fix: shell lines that are not assignments, and lines without '=', are kept byte for byte" {
	fix_case shell-lines /etc/default/grub
}

@test "fix: /etc/kernel/cmdline (kernel-install) on Fedora" {
	os_release fedora
	fix_case kernel-cmdline /etc/kernel/cmdline
	assert_line "  kernel-install add \"\$(uname -r)\" \"/lib/modules/\$(uname -r)/vmlinuz\"   (or reinstall the kernel package)"
}

@test "fix: /etc/kernel/cmdline with audit=1, on Debian" {
	os_release debian
	fix_case kernel-cmdline-audit-1 /etc/kernel/cmdline
	assert_line "  kernel-install add \"\$(uname -r)\" \"/boot/vmlinuz-\$(uname -r)\"   (or reinstall the kernel package)"
}

@test "fix: an empty /etc/kernel/cmdline" {
	fix_case kernel-cmdline-empty /etc/kernel/cmdline
}

@test "fix: GRUB and /etc/kernel/cmdline both present: both are edited" {
	os_release fedora
	cp "$CASES/rocky9-default.in" "$ROOT/etc/default/grub"
	mkdir -p "$ROOT/etc/kernel"
	cp "$CASES/kernel-cmdline.in" "$ROOT/etc/kernel/cmdline"
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_success
	cmp "$ROOT/etc/default/grub" "$CASES/rocky9-default.expected"
	cmp "$ROOT/etc/kernel/cmdline" "$CASES/kernel-cmdline.expected"
	assert_line "  grub2-mkconfig -o /boot/grub2/grub.cfg"
	assert_line --partial "  kernel-install add"
}

@test "fix: CentOS layout: /etc/sysconfig/grub -> ../default/grub; the real file is edited, the symlink kept" {
	os_release centos "rhel fedora"
	cp "$CASES/centos7-default.in" "$ROOT/etc/default/grub"
	mkdir -p "$ROOT/etc/sysconfig"
	ln -s ../default/grub "$ROOT/etc/sysconfig/grub"
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_success
	cmp "$ROOT/etc/default/grub" "$CASES/centos7-default.expected"
	assert_equal "$(readlink "$ROOT/etc/sysconfig/grub")" "../default/grub"
	cmp "$ROOT/etc/sysconfig/grub" "$CASES/centos7-default.expected"
}

@test "fix: only /etc/sysconfig/grub, an absolute symlink: followed inside --root, symlink kept" {
	os_release centos "rhel fedora"
	rmdir "$ROOT/etc/default"
	mkdir -p "$ROOT/etc/sysconfig" "$ROOT/etc/grub.d"
	cp "$CASES/centos7-default.in" "$ROOT/etc/grub.d/defaults"
	ln -s /etc/grub.d/defaults "$ROOT/etc/sysconfig/grub"
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_success
	assert_line "$ROOT/etc/sysconfig/grub is a symlink to $ROOT/etc/grub.d/defaults: editing $ROOT/etc/grub.d/defaults."
	cmp "$ROOT/etc/grub.d/defaults" "$CASES/centos7-default.expected"
	assert_equal "$(readlink "$ROOT/etc/sysconfig/grub")" "/etc/grub.d/defaults"
	cmp "$ROOT/etc/grub.d/defaults.berth-bak" "$CASES/centos7-default.in"
}

@test "fix: a dangling symlink is an error" {
	ln -s ../nowhere/grub "$ROOT/etc/default/grub"
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_failure 1
	assert_equal "$stderr" "$ROOT/etc/default/grub is a symlink to a file that does not exist (symlinks are resolved inside the --root directory); fix the symlink"
}

@test "fix: no boot configuration at all: an error listing what it looked for" {
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_failure 1
	assert_equal "$output" ""
	assert_equal "$stderr" "No boot loader configuration found: looked for $ROOT/etc/default/grub and $ROOT/etc/sysconfig/grub (GRUB) and $ROOT/etc/kernel/cmdline (kernel-install, systemd-boot). Add audit=0 to the kernel command line by hand; for systemd-boot, create $ROOT/etc/kernel/cmdline from /proc/cmdline with audit=0 added."
}

@test "fix: on a read-only file system it fails and the file is untouched" {
	command -v unshare || skip "unshare (util-linux) is not installed"
	cp "$CASES/centos7-default.in" "$ROOT/etc/default/grub"
	local before
	before=$(sum "$ROOT/etc/default/grub")
	# A private mount namespace: the read-only bind mount disappears with it.
	run --separate-stderr unshare -m --propagation private bash -c '
		mount --bind "$1/etc/default" "$1/etc/default" &&
		mount -o remount,bind,ro "$1/etc/default" &&
		shift && exec "$@"' sh "$ROOT" "${AUDIT_CMD[@]}" fix --root="$ROOT"
	assert_failure 1
	assert_equal "$stderr" "Failed to write the backup $ROOT/etc/default/grub.berth-bak: Read-only file system; $ROOT/etc/default/grub was not changed"
	assert_equal "$(sum "$ROOT/etc/default/grub")" "$before"
	assert_equal "$(ls -A "$ROOT/etc/default")" "grub"
	# nothing leaked out of the namespace
	run findmnt -n "$ROOT/etc/default"
	assert_failure
}

@test "bad input: a binary file is refused and left untouched" {
	printf 'GRUB_CMDLINE_LINUX=""\n\177ELF\002\001\001\000\000\000' >"$ROOT/etc/default/grub"
	assert_fix_refused "$ROOT/etc/default/grub:2: contains the control character 0x02 (offset 26): not a text file; the file was not changed"

	printf 'GRUB_CMDLINE_LINUX=""\n\000\n' >"$ROOT/etc/default/grub"
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_failure 1
	assert_equal "$stderr" "$ROOT/etc/default/grub:2: contains a NUL byte (offset 22): not a text file; the file was not changed"
}

@test "bad input: a 10 MB file is refused and left untouched" {
	yes 'GRUB_TIMEOUT=5' | head -c 10485760 >"$ROOT/etc/default/grub"
	local before
	before=$(sum "$ROOT/etc/default/grub")
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_failure 1
	assert_equal "$stderr" "$ROOT/etc/default/grub is 10485760 bytes, more than the 1048576 a boot loader configuration file can sensibly be; not touching it"
	assert_equal "$(sum "$ROOT/etc/default/grub")" "$before"
}

@test "bad input: GRUB_CMDLINE_LINUX without '=' (or with '+=', or blanks) is refused with FILE:LINE" {
	local line
	for line in 'GRUB_CMDLINE_LINUX quiet' 'GRUB_CMDLINE_LINUX+=" audit=1"' 'GRUB_CMDLINE_LINUX = "quiet"'; do
		printf 'GRUB_TIMEOUT=5\n%s\n' "$line" >"$ROOT/etc/default/grub"
		run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
		assert_failure 1
		assert_equal "$stderr" "$ROOT/etc/default/grub:2: GRUB_CMDLINE_LINUX is not assigned as GRUB_CMDLINE_LINUX=VALUE (no blanks around '=', no '+='); fix the line by hand; the file was not changed"
		assert_equal "$(cat "$ROOT/etc/default/grub")" "$(printf 'GRUB_TIMEOUT=5\n%s' "$line")"
	done
}

@test "bad input: values that cannot be edited safely are refused with FILE:LINE" {
	printf 'GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX="$(cat /etc/cmdline)"\n' >"$ROOT/etc/default/grub"
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_failure 1
	assert_equal "$stderr" "$ROOT/etc/default/grub:2: the value of GRUB_CMDLINE_LINUX uses an expansion (\$: a variable such as \$VAR or \${VAR}, \$(...) or \`...\`), whose value berth-audit cannot see; write the value out, or add audit=0 by hand; the file was not changed"

	printf 'GRUB_CMDLINE_LINUX="quiet\n' >"$ROOT/etc/default/grub"
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_failure 1
	assert_equal "$stderr" "$ROOT/etc/default/grub:1: the quote \" opened here is never closed, so the file is not valid shell; the file was not changed"
}

@test "bad input: a quote left open on a line fix does not edit (not valid shell) is refused with FILE:LINE" {
	# The file the fuzzer found: a quote opened in another variable's value is never closed. Before,
	# fix edited the GRUB_CMDLINE_LINUX line that sh would read as quoted text, and a second run
	# edited it again.
	cp "$BATS_TEST_DIRNAME/../../fuzz/corpus/grub-edit/regress-unbalanced-quote" "$ROOT/etc/default/grub"
	assert_fix_refused "$ROOT/etc/default/grub:3: the quote \" opened here is never closed, so the file is not valid shell; the file was not changed"

	# an apostrophe left open in a command line (not an assignment), and a backquote
	printf 'GRUB_TIMEOUT=5\necho '"'"'hello\nGRUB_CMDLINE_LINUX="quiet"\n' >"$ROOT/etc/default/grub"
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --dry-run --root="$ROOT"
	assert_failure 1
	assert_equal "$stderr" "$ROOT/etc/default/grub:2: the quote ' opened here is never closed, so the file is not valid shell; the file was not changed"
	printf 'GRUB_CMDLINE_LINUX=""\nGRUB_X=1 `date\n' >"$ROOT/etc/default/grub"
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_failure 1
	assert_equal "$stderr" "$ROOT/etc/default/grub:2: the quote \` opened here is never closed, so the file is not valid shell; the file was not changed"
	assert_file_not_exists "$ROOT/etc/default/grub.berth-bak"

	# a quote that closes on a later line is valid shell: what it encloses is kept, not edited
	printf "echo 'a\nGRUB_TIMEOUT=1'\nGRUB_CMDLINE_LINUX=\"\"\n" >"$ROOT/etc/default/grub"
	sh -n "$ROOT/etc/default/grub"
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_success
	assert_equal "$(cat "$ROOT/etc/default/grub")" "$(printf "echo 'a\nGRUB_TIMEOUT=1'\nGRUB_CMDLINE_LINUX=\"audit=0\"")"
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_success
	assert_line "$ROOT/etc/default/grub: audit=0 is already set, nothing to change."
	# ... but our variable named inside such a quote is text that something could run: refused
	rm "$ROOT/etc/default/grub.berth-bak"
	printf "echo 'a\nGRUB_CMDLINE_LINUX=\"audit=1\"'\nGRUB_CMDLINE_LINUX=\"\"\n" >"$ROOT/etc/default/grub"
	assert_fix_refused "$ROOT/etc/default/grub:2: GRUB_CMDLINE_LINUX is used by the command 'echo', which berth-audit does not understand (it edits only plain GRUB_CMDLINE_LINUX=VALUE lines and reads only \$GRUB_CMDLINE_LINUX and \${GRUB_CMDLINE_LINUX}); add audit=0 by hand; the file was not changed"
}

@test "fix: when one file cannot be edited, none is written" {
	cp "$CASES/centos7-default.in" "$ROOT/etc/default/grub"
	mkdir -p "$ROOT/etc/kernel"
	printf 'quiet -- single\n' >"$ROOT/etc/kernel/cmdline"
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_failure 1
	assert_equal "$stderr" "$ROOT/etc/kernel/cmdline:1: the kernel command line contains \"--\" (what follows goes to init, not the kernel); add audit=0 before it by hand; the file was not changed"
	cmp "$ROOT/etc/default/grub" "$CASES/centos7-default.in"
	assert_file_not_exists "$ROOT/etc/default/grub.berth-bak"
}

@test "fix: a /etc/default/grub.d file that sets GRUB_CMDLINE_LINUX is named in a warning" {
	os_release ubuntu debian
	cp "$CASES/ubuntu2204-default.in" "$ROOT/etc/default/grub"
	mkdir -p "$ROOT/etc/default/grub.d"
	printf '# cloud image\nGRUB_CMDLINE_LINUX="console=ttyS0"\n' >"$ROOT/etc/default/grub.d/50-cloudimg-settings.cfg"
	printf 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT audit=1"\n' >"$ROOT/etc/default/grub.d/60-audit.cfg"
	printf 'GRUB_TIMEOUT=1\n' >"$ROOT/etc/default/grub.d/70-harmless.cfg"
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_success
	cmp "$ROOT/etc/default/grub" "$CASES/ubuntu2204-default.expected"
	assert_equal "$stderr" "$ROOT/etc/default/grub.d/50-cloudimg-settings.cfg:2 sets GRUB_CMDLINE_LINUX, and GRUB reads it after /etc/default/grub: make sure it keeps audit=0.
$ROOT/etc/default/grub.d/60-audit.cfg mentions audit=, and GRUB reads it after /etc/default/grub: make sure it does not turn audit back on."
	# files in grub.d are not edited
	assert_equal "$(cat "$ROOT/etc/default/grub.d/50-cloudimg-settings.cfg")" "$(printf '# cloud image\nGRUB_CMDLINE_LINUX="console=ttyS0"')"
}

@test "boot menu command: CentOS 7 on UEFI writes the ESP's full grub.cfg" {
	os_release centos "rhel fedora"
	mkdir -p "$ROOT/boot/efi/EFI/centos"
	printf '### BEGIN /etc/grub.d/00_header ###\nset timeout=5\n' >"$ROOT/boot/efi/EFI/centos/grub.cfg"
	cp "$CASES/centos7-default.in" "$ROOT/etc/default/grub"
	run berth_exec "$BERTH_AUDIT" fix --root="$ROOT" --dry-run
	assert_success
	assert_line "  grub2-mkconfig -o /boot/efi/EFI/centos/grub.cfg"
}

@test "boot menu command: Rocky 9 on UEFI, whose ESP grub.cfg is a stub, uses /boot/grub2/grub.cfg" {
	os_release rocky "rhel centos fedora"
	mkdir -p "$ROOT/boot/efi/EFI/rocky"
	printf 'search --no-floppy --fs-uuid --set=dev 1234\nset prefix=($dev)/grub2\nconfigfile $prefix/grub.cfg\n' \
		>"$ROOT/boot/efi/EFI/rocky/grub.cfg"
	cp "$CASES/rocky9-default.in" "$ROOT/etc/default/grub"
	run berth_exec "$BERTH_AUDIT" fix --root="$ROOT" --dry-run
	assert_success
	assert_line "  grub2-mkconfig -o /boot/grub2/grub.cfg"
}

@test "boot menu command: without os-release, from the files (Arch-like /boot/grub)" {
	cp "$CASES/no-quotes.in" "$ROOT/etc/default/grub"
	run berth_exec "$BERTH_AUDIT" fix --root="$ROOT" --dry-run
	assert_success
	assert_line "After 'berth-audit fix', regenerate the boot menu (berth-audit does not run this), then reboot:"
	assert_line "  grub-mkconfig -o /boot/grub/grub.cfg"
	mkdir -p "$ROOT/usr/sbin" && touch "$ROOT/usr/sbin/update-grub"
	run berth_exec "$BERTH_AUDIT" fix --root="$ROOT" --dry-run
	assert_line "  update-grub"
	mkdir -p "$ROOT/boot/grub2"
	run berth_exec "$BERTH_AUDIT" fix --root="$ROOT" --dry-run
	assert_line "  grub2-mkconfig -o /boot/grub2/grub.cfg"
}

@test "bad input: a last line that would swallow the appended GRUB_CMDLINE_LINUX= line is refused with FILE:LINE" {
	# The file the CI fuzz run found: line 2 looks like a comment but starts inside the quote
	# opened on line 1, and ends in a backslash that would join the added assignment to it.
	cp "$BATS_TEST_DIRNAME/../../fuzz/corpus/grub-edit/regress-continuation-after-quoted-hash" "$ROOT/etc/default/grub"
	assert_fix_refused "$ROOT/etc/default/grub:2: the last line ends with a line continuation ('\\'), which would swallow an added GRUB_CMDLINE_LINUX= line; remove the backslash or end that line; the file was not changed"
}

@test "fix refuses what it does not fully understand (fix-cases/refuse-*): FILE:LINE and the construct, file untouched, no litter" {
	# The review's attacks: the variable set in a block, a list, a function or a here-document,
	# an expansion in the value, 'readonly', '.' after the last assignment. Before, fix appended
	# GRUB_CMDLINE_LINUX="audit=0", which drops root= and rd.luks.uuid= from what sh sources, or
	# edited a line sh never runs; refuse-if-block-old-fix is such a result, which a second run
	# then called "already set".
	local in name n=0
	for in in "$CASES"/refuse-*.in; do
		name=$(basename "$in" .in)
		rm -rf "$ROOT/etc/default"
		mkdir -p "$ROOT/etc/default"
		cp "$in" "$ROOT/etc/default/grub"
		run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
		[ "$status" = 1 ] || fail "$name: exit status $status, output: $output"
		assert_equal "$output" ""
		assert_equal "$stderr" "$ROOT/etc/default/grub:$(cat "$CASES/$name.error")"
		cmp "$in" "$ROOT/etc/default/grub"
		assert_equal "$(ls -A "$ROOT/etc/default")" "grub"
		n=$((n + 1))
	done
	[ "$n" -ge 11 ]
}

@test "fix: 'export NAME=VALUE', here-documents and blocks without our variables are edited, and sh agrees" {
	cat >"$ROOT/etc/default/grub" <<'EOF2'
GRUB_TIMEOUT=5
if [ -e /nonexistent ]; then GRUB_TERMINAL=serial; fi
cat >/dev/null <<END
it's not shell: GRUB_TIMEOUT=1 "
END
[ -z "$GRUB_CMDLINE_LINUX_DEFAULT" ] || echo "$GRUB_CMDLINE_LINUX_DEFAULT" >/dev/null
GRUB_CMDLINE_LINUX_DEFAULT="quiet audit=1"
export GRUB_CMDLINE_LINUX="root=/dev/vda1 rd.luks.uuid=abc"
EOF2
	cp "$ROOT/etc/default/grub" "$ROOT/before"
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_success
	assert_equal "$(tail -n 2 "$ROOT/etc/default/grub")" 'GRUB_CMDLINE_LINUX_DEFAULT="quiet audit=0"
export GRUB_CMDLINE_LINUX="root=/dev/vda1 rd.luks.uuid=abc audit=0"'
	assert_sourced_off "$ROOT/before" "$ROOT/etc/default/grub"
	run --separate-stderr berth_exec "$BERTH_AUDIT" fix --root="$ROOT"
	assert_success
	assert_line "$ROOT/etc/default/grub: audit=0 is already set, nothing to change."
}

# The --root tests below run once with openat2() and once with the fallback walk
# (BERTH_ROOTFS_NO_OPENAT2=1, what kernels before 5.6 get); ROOTFS_MODES is in audit.bash.

# in_overlaid_etc SCRIPT: runs SCRIPT (bash) as root in a private mount namespace where the
# machine's /etc/default and /etc/kernel are empty tmpfs, so a --root escape can only reach
# throwaway "host" files. SCRIPT sees $ROOT and AUDIT_CMD (the berth-audit command, an array).
in_overlaid_etc() {
	command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
	[ "$(id -u)" = 0 ] || skip "needs root for a mount namespace"
	[ -d /etc/kernel ] || skip "/etc/kernel does not exist here, so it cannot be overlaid"
	run --separate-stderr unshare -m --propagation private bash -c '
		set -e
		mount -t tmpfs berth-test /etc/default
		mount -t tmpfs berth-test /etc/kernel
		ROOT=$1
		shift
		AUDIT_CMD=("$@")
		'"$1" sh "$ROOT" "${AUDIT_CMD[@]}"
	# the overlays went with the namespace
	! findmnt -n -S berth-test >/dev/null
}

@test "--root: a relative symlink out of DIR (etc/default/grub -> ../../../../../../../../etc/default/grub.real) is resolved inside DIR" {
	local mode
	for mode in "${ROOTFS_MODES[@]}"; do
	export BERTH_ROOTFS_NO_OPENAT2=$mode
	rm -f "$ROOT"/etc/default/*
	printf 'GRUB_CMDLINE_LINUX="root=/dev/inside"\n' >"$ROOT/etc/default/grub.real"
	ln -s ../../../../../../../../etc/default/grub.real "$ROOT/etc/default/grub"
	in_overlaid_etc '
		printf "GRUB_CMDLINE_LINUX=\"root=/dev/host\"\n" >/etc/default/grub.real
		cp /etc/default/grub.real /etc/kernel/host-copy
		"${AUDIT_CMD[@]}" fix --root="$ROOT" || echo "exit status $?"
		cmp /etc/default/grub.real /etc/kernel/host-copy && echo "host file unchanged"
		ls -A /etc/default'
	assert_success
	assert_line "host file unchanged"
	assert_line "grub.real"
	refute_line "grub.real.berth-bak"
	refute_line --partial "exit status"
	assert_line "$ROOT/etc/default/grub is a symlink to $ROOT/etc/default/grub.real: editing $ROOT/etc/default/grub.real."
	assert_equal "$(cat "$ROOT/etc/default/grub.real")" 'GRUB_CMDLINE_LINUX="root=/dev/inside audit=0"'
	cmp "$ROOT/etc/default/grub.real.berth-bak" <(printf 'GRUB_CMDLINE_LINUX="root=/dev/inside"\n')
	done
}

@test "--root: an intermediate symlink (DIR/etc -> /etc, DIR/etc -> ../../../../../../../etc) never reaches the machine's files" {
	local target mode
	for mode in "${ROOTFS_MODES[@]}"; do
	export BERTH_ROOTFS_NO_OPENAT2=$mode
	for target in /etc ../../../../../../../etc; do
		rm -rf "$ROOT/etc"
		ln -s "$target" "$ROOT/etc"
		in_overlaid_etc '
			printf "GRUB_CMDLINE_LINUX=\"root=/dev/host\"\n" >/etc/default/grub
			printf "root=/dev/host\n" >/etc/kernel/cmdline
			cp /etc/default/grub /etc/kernel/grub.host-copy
			cp /etc/kernel/cmdline /etc/kernel/cmdline.host-copy
			"${AUDIT_CMD[@]}" fix --root="$ROOT" || echo "exit status $?"
			cmp /etc/default/grub /etc/kernel/grub.host-copy && echo "host grub unchanged"
			cmp /etc/kernel/cmdline /etc/kernel/cmdline.host-copy && echo "host cmdline unchanged"
			ls -A /etc/default /etc/kernel'
		assert_success
		assert_line "exit status 1"
		assert_line "host grub unchanged"
		assert_line "host cmdline unchanged"
		refute_line --partial ".berth-bak"
		refute_line --partial ".#"
		assert_equal "$stderr" "$ROOT/etc/default/grub: too many levels of symbolic links, with symlinks resolved inside the --root directory as on that system; fix the symlink"
	done
	done

	# ... and one that leads somewhere inside DIR is followed there, as on that system
	for mode in "${ROOTFS_MODES[@]}"; do
	export BERTH_ROOTFS_NO_OPENAT2=$mode
	rm -rf "$ROOT/etc" "$ROOT/srv"
	mkdir -p "$ROOT/etc" "$ROOT/srv/boot-defaults"
	ln -s /srv/boot-defaults "$ROOT/etc/default"
	printf 'GRUB_CMDLINE_LINUX="root=/dev/inside"\n' >"$ROOT/srv/boot-defaults/grub"
	in_overlaid_etc '
		printf "GRUB_CMDLINE_LINUX=\"root=/dev/host\"\n" >/etc/default/grub
		"${AUDIT_CMD[@]}" fix --root="$ROOT" || echo "exit status $?"
		ls -A /etc/default; cat /etc/default/grub'
	assert_success
	refute_line --partial "exit status"
	assert_line 'GRUB_CMDLINE_LINUX="root=/dev/host"'
	assert_line "$ROOT/etc/default/grub is a symlink to $ROOT/srv/boot-defaults/grub: editing $ROOT/srv/boot-defaults/grub."
	assert_equal "$(cat "$ROOT/srv/boot-defaults/grub")" 'GRUB_CMDLINE_LINUX="root=/dev/inside audit=0"'
	done
}

@test "--root: etc/kernel/cmdline -> ../../../../../../../etc/kernel/cmdline never reaches the machine's file" {
	local mode
	mkdir -p "$ROOT/etc/kernel"
	ln -s ../../../../../../../etc/kernel/cmdline "$ROOT/etc/kernel/cmdline"
	for mode in "${ROOTFS_MODES[@]}"; do
	export BERTH_ROOTFS_NO_OPENAT2=$mode
	in_overlaid_etc '
		printf "root=/dev/host\n" >/etc/kernel/cmdline
		cp /etc/kernel/cmdline /etc/default/cmdline.host-copy
		"${AUDIT_CMD[@]}" fix --root="$ROOT" || echo "exit status $?"
		cmp /etc/kernel/cmdline /etc/default/cmdline.host-copy && echo "host cmdline unchanged"
		ls -A /etc/kernel'
	assert_success
	assert_line "exit status 1"
	assert_line "host cmdline unchanged"
	refute_line --partial ".berth-bak"
	assert_equal "$stderr" "$ROOT/etc/kernel/cmdline: too many levels of symbolic links, with symlinks resolved inside the --root directory as on that system; fix the symlink"
	done
}
