#!/usr/bin/env bats
# RootPasswordHash= / RootPasswordHashFile=: only root's field 2 of the container's /etc/shadow
# changes; owner, mode and every other byte stay; a missing file or line is created.
load lib.bash

H1='$6$saltsalt$0123456789abcdefABCDEF./0123456789abcdefABCDEF./0123456789abcdefABCDEF./0123'
H2='$y$j9T$abcdefghijklmnop$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef'

@test "sets root's hash, keeps every other byte, the owner and the mode" {
	make_tree "$M/web"
	# Odd but valid content around root's line: comments, no trailing newline, CRs, long lines.
	printf 'daemon:*:19000:0:99999:7:::\nroot:*:19000:0:99999:7:::\r\n# a comment\nbin:!:1:::::x\nlast:*:1:::::' > "$M/web/etc/shadow"
	chown 0:42 "$M/web/etc/shadow"
	chmod 0640 "$M/web/etc/shadow"
	entry web <<-EOF
	[Container]
	RootPasswordHash=$H1
	EOF
	run prepare web
	assert_success
	assert_output --partial "Set root's password (from RootPasswordHash=) in $M/web/etc/shadow."
	refute_output --partial "$H1"
	expected=$(printf 'daemon:*:19000:0:99999:7:::\nroot:%s:19000:0:99999:7:::\r\n# a comment\nbin:!:1:::::x\nlast:*:1:::::' "$H1" | sha256sum)
	[ "$(sha256sum < "$M/web/etc/shadow")" = "$expected" ]
	run stat -c '%u:%g %a' "$M/web/etc/shadow"
	assert_output "0:42 640"
	run ls -A "$M/web/etc"
	refute_output --partial ".#"
}

@test "unchanged hash: the file is not rewritten" {
	make_tree "$M/web"
	printf 'root:%s:19000:0:99999:7:::\n' "$H1" > "$M/web/etc/shadow"
	entry web <<-EOF
	[Container]
	RootPasswordHash=$H1
	EOF
	ino=$(stat -c %i "$M/web/etc/shadow")
	SYSTEMD_LOG_LEVEL=debug run prepare web
	assert_success
	assert_output --partial "Root password in /etc/shadow is already the one from RootPasswordHash=."
	[ "$(stat -c %i "$M/web/etc/shadow")" = "$ino" ]
}

@test "RootPasswordHashFile=: first line, trimmed; group/other readable refused; missing refused" {
	make_tree "$M/web"
	hf="$BATS_TEST_TMPDIR/web.hash"
	printf '  %s  \nsecond line ignored\n' "$H2" > "$hf"
	chmod 0600 "$hf"
	entry web <<-EOF
	[Container]
	RootPasswordHashFile=$hf
	EOF
	run prepare web
	assert_success
	assert_output --partial "Set root's password (from $hf)"
	refute_output --partial "$H2"
	run grep -c "^root:$H2:19000:" "$M/web/etc/shadow"
	assert_output 1

	chmod 0640 "$hf"
	run prepare web
	assert_failure 1
	assert_output --partial "RootPasswordHashFile=$hf is readable by group or others (mode 0640)"
	assert_output --partial "chmod 600 $hf"

	rm "$hf"
	run prepare web
	assert_failure 1
	assert_output --partial "RootPasswordHashFile=$hf cannot be opened: No such file or directory"

	: > "$hf"
	chmod 0600 "$hf"
	run prepare web
	assert_failure 1
	assert_output --partial "RootPasswordHashFile=$hf is empty"

	printf 'abc:def\n' > "$hf"
	run prepare web
	assert_failure 1
	assert_output --partial "The root password hash from $hf is refused: not a crypt(3) hash of a known method."
	refute_output --partial "abc:def"
}

@test "RootPasswordHashFile=: the hash policy is the loader's, as for RootPasswordHash= (an MD5 hash is refused by both)" {
	make_tree "$M/web"
	md5='$1$saltsalt$qjXMvbEw8oaL.CzflDugX/'
	hf="$BATS_TEST_TMPDIR/web.hash"
	printf '%s\n' "$md5" > "$hf"
	chmod 0600 "$hf"
	entry web <<-EOF
	[Container]
	RootPasswordHashFile=$hf
	EOF
	for args in "--dry-run web" web; do
		# shellcheck disable=SC2086
		run prepare $args
		assert_failure 1
		assert_output --partial "The root password hash from $hf is refused: a weak hash method; use yescrypt (\$y\$) or SHA-512 (\$6\$)"
		refute_output --partial "qjXMvbEw8oaL"
	done
	grep -q '^root:\*:' "$M/web/etc/shadow"
	# The same hash inline: the loader refuses it, with the same reason.
	entry web <<-EOF
	[Container]
	RootPasswordHash=$md5
	EOF
	run prepare --dry-run web
	assert_failure 1
	assert_output --partial "a weak hash method; use yescrypt (\$y\$) or SHA-512 (\$6\$)"
}

@test "no root line: one is added in front, the rest kept" {
	make_tree "$M/web"
	printf 'daemon:*:19000:0:99999:7:::\n' > "$M/web/etc/shadow"
	chmod 0600 "$M/web/etc/shadow"
	entry web <<-EOF
	[Container]
	RootPasswordHash=!
	EOF
	run prepare web
	assert_success
	run cat "$M/web/etc/shadow"
	assert_line --index 0 --regexp '^root:!:[0-9]+:0:99999:7:::$'
	assert_line --index 1 'daemon:*:19000:0:99999:7:::'
	# The existing file's owner and mode are kept.
	run stat -c '%u:%g %a' "$M/web/etc/shadow"
	assert_output "0:42 600"
}

@test "missing /etc/shadow: created root:shadow 0640 with the container's own shadow gid, else root 0600" {
	make_tree "$M/web"
	rm "$M/web/etc/shadow"
	printf 'root:x:0:\nshadow:x:77:\n' > "$M/web/etc/group"
	entry web <<-EOF
	[Container]
	RootPasswordHash=*
	EOF
	run prepare web
	assert_success
	assert_output --partial "(created it)"
	run stat -c '%u:%g %a' "$M/web/etc/shadow"
	assert_output "0:77 640"
	run cat "$M/web/etc/shadow"
	assert_output --regexp '^root:\*:[0-9]+:0:99999:7:::$'

	rm "$M/web/etc/shadow"
	printf 'root:x:0:\n' > "$M/web/etc/group"
	run prepare web
	assert_success
	run stat -c '%u:%g %a' "$M/web/etc/shadow"
	assert_output "0:0 600"
}

@test "tree shifted for private users: a new shadow belongs to the shifted root, an old one keeps its owner" {
	make_tree "$M/web"
	base=$((0x5e3a0000))
	chown -R "$base:$base" "$M/web"
	chown "$base:$((base + 42))" "$M/web/etc/shadow"
	entry web <<-EOF
	[Container]
	RootPasswordHash=$H1
	EOF
	run prepare web
	assert_success
	run stat -c '%u:%g %a' "$M/web/etc/shadow"
	assert_output "$base:$((base + 42)) 640"

	rm "$M/web/etc/shadow"
	run prepare web
	assert_success
	run stat -c '%u:%g %a' "$M/web/etc/shadow"
	assert_output "$base:$((base + 42)) 640"
}

@test "no /etc in the container: a clear error" {
	make_tree "$M/web"
	rm -r "$M/web/etc"
	entry web <<-EOF
	[Container]
	RootPasswordHash=$H1
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "Failed to open /etc inside $M/web"
}

@test "a world-readable or set-id /etc/shadow is written 0640 at most; a stricter mode (CentOS's 0000) stays" {
	entry web <<-EOF
	[Container]
	RootPasswordHash=$H1
	EOF
	for pair in 0644:640 4755:640 2660:640 0666:640 0000:0 0600:600; do
		make_tree "$M/web"
		chmod "${pair%%:*}" "$M/web/etc/shadow"
		printf 'root:*:1:0:99999:7:::\n' > "$M/web/etc/shadow"
		run prepare web
		assert_success
		run stat -c '%a' "$M/web/etc/shadow"
		assert_output "${pair#*:}"
		rm -rf "$M/web"
	done
}

# Kills berth-prepare at its Nth rename (strace's fault injection), as a power cut or an OOM kill
# would: what it leaves must not outlive the next start.
kill_at_rename() {
	run strace -f -o /dev/null -e trace=rename,renameat,renameat2 \
		-e inject=rename,renameat,renameat2:signal=SIGKILL:when="$1" \
		"$BERTH_PREPARE" --root="$R" web
	[ "$status" -ne 0 ]
}

@test "killed between writing and renaming /etc/shadow: the next start removes the temporary copy" {
	make_tree "$M/web"
	entry web <<-EOF
	[Container]
	RootPasswordHash=$H1
	EOF
	kill_at_rename 1
	# The kill left the complete new file under its temporary name, with the final owner and mode.
	run find "$M/web/etc" -name '.#shadow.*' -printf '%m %U:%G\n'
	assert_output "640 0:42"
	grep -q "root:\*:" "$M/web/etc/shadow"
	run prepare web
	assert_success
	assert_output --partial "Removed 1 temporary copy of /etc/shadow in $M/web/etc that an interrupted start left."
	run find "$M/web/etc" -name '.#*'
	assert_output ""
	grep -qF "root:$H1:" "$M/web/etc/shadow"
}

@test "killed between writing and renaming the .nspawn file: the next start removes the temporary copy" {
	make_tree "$M/web"
	entry web <<-EOF
	[Container]
	RootPasswordHash=$H1
	[Exec]
	KillSignal=SIGTERM
	EOF
	# The second rename is the settings file's (the first is /etc/shadow's).
	kill_at_rename 2
	run find "$R/run/systemd/nspawn" -name '.#web.nspawn.*'
	[ -n "$output" ]
	run prepare web
	assert_success
	run find "$R/run/systemd/nspawn" -mindepth 1
	assert_output "$R/run/systemd/nspawn/web.nspawn"
}

@test "only berth's own temporary names are removed: other dot-files in the container's /etc stay" {
	make_tree "$M/web"
	entry web <<-EOF
	[Container]
	RootPasswordHash=$H1
	EOF
	touch "$M/web/etc/.#shadow.keep" "$M/web/etc/.#shadow.0123456789abcdeg" "$M/web/etc/.#passwd.0123456789abcdef"
	mkdir "$M/web/etc/.#shadow.0123456789abcdee"
	ln -s /etc/shadow "$M/web/etc/.#shadow.0123456789abcdef"
	run prepare web
	assert_success
	# The symlink named like ours is unlinked, never followed; the rest stays.
	run ls -A "$M/web/etc"
	assert_output --partial ".#shadow.keep"
	assert_output --partial ".#shadow.0123456789abcdeg"
	assert_output --partial ".#passwd.0123456789abcdef"
	assert_output --partial ".#shadow.0123456789abcdee"
	refute_output --partial ".#shadow.0123456789abcdef"
	[ -f /etc/shadow ]
}
