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
	assert_output --partial "contains a ':' or a control character"
	refute_output --partial "abc:def"
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
