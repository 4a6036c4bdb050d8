#!/usr/bin/env bats
# A clone is a new machine (issue 14, item 2; helpers/prepare/identity.c): every new root berth
# makes, from Provision=copy or from an image (tar here), gets its own /etc/machine-id and SSH host
# keys, and loses the image's dbus machine-id file, random seed, credential secret,
# NetworkManager secret and /etc/hostname. For real: the host's ssh-keygen makes the keys that
# the source trees hold and the new ones. Hostile trees (symlinks out of the tree in place of the
# files and directories reset) change nothing outside, with both resolvers (openat2 and the walk).
load lib.bash

ID_RE='^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$'

# make_identity_tree DIR: make_tree plus the identity a booted Debian with sshd holds.
make_identity_tree() {
	local d=$1 t
	make_tree "$d"
	mkdir -p "$d/etc/ssh" "$d/var/lib/dbus" "$d/var/lib/systemd" "$d/var/lib/NetworkManager"
	echo 0123456789abcdef0123456789abcdef >"$d/etc/machine-id"
	chmod 0444 "$d/etc/machine-id"
	cp "$d/etc/machine-id" "$d/var/lib/dbus/machine-id"
	head -c 512 /dev/urandom >"$d/var/lib/systemd/random-seed"
	chmod 0600 "$d/var/lib/systemd/random-seed"
	head -c 4096 /dev/urandom >"$d/var/lib/systemd/credential.secret"
	chmod 0400 "$d/var/lib/systemd/credential.secret"
	head -c 32 /dev/urandom >"$d/var/lib/NetworkManager/secret_key"
	echo image-host >"$d/etc/hostname"
	ssh-keygen -q -t rsa -b 2048 -N '' -C old -f "$d/etc/ssh/ssh_host_rsa_key"
	ssh-keygen -q -t ecdsa -b 384 -N '' -C old -f "$d/etc/ssh/ssh_host_ecdsa_key"
	ssh-keygen -q -t ed25519 -N '' -C old -f "$d/etc/ssh/ssh_host_ed25519_key"
	echo 'HostKey /etc/ssh/ssh_host_ed25519_key' >"$d/etc/ssh/sshd_config"
}

# fingerprint FILE.pub: "BITS SHA256:... (TYPE)" without the comment.
fingerprint() {
	ssh-keygen -l -f "$1" | awk '{print $1, $2, $NF}'
}

# assert_reset SRC NEW: NEW holds none of SRC's identity, and new keys of SRC's types.
assert_reset() {
	local src=$1 new=$2 t
	run cat "$new/etc/machine-id"
	assert_output --regexp "$ID_RE"
	refute_output "$(cat "$src/etc/machine-id")"
	[ "$(stat -c '%a %u:%g' "$new/etc/machine-id")" = "$(stat -c '%a %u:%g' "$src/etc/machine-id")" ]
	for f in var/lib/dbus/machine-id var/lib/systemd/random-seed var/lib/systemd/credential.secret \
		var/lib/NetworkManager/secret_key etc/hostname; do
		assert_file_exists "$src/$f"
		assert_not_exists "$new/$f"
	done
	for t in rsa ecdsa ed25519; do
		local k=etc/ssh/ssh_host_${t}_key
		[ "$(stat -c '%a %u:%g %F' "$new/$k")" = "$(stat -c '%a %u:%g %F' "$src/$k")" ]
		[ "$(stat -c '%a %u:%g %F' "$new/$k.pub")" = "$(stat -c '%a %u:%g %F' "$src/$k.pub")" ]
		# Same type (and ECDSA curve), another key; the .pub is the private key's.
		old=$(fingerprint "$src/$k.pub")
		now=$(fingerprint "$new/$k.pub")
		[ "${old##* }" = "${now##* }" ]
		[ "${old%% *}" = "${now%% *}" ] || [ "$t" = rsa ]
		[ "$old" != "$now" ]
		[ "$(ssh-keygen -y -f "$new/$k" | cut -d' ' -f1-2)" = "$(cut -d' ' -f1-2 "$new/$k.pub")" ]
	done
	cmp "$src/etc/ssh/sshd_config" "$new/etc/ssh/sshd_config"
	# berth's private key directory is gone.
	run find "$R/run/berth" -name '.#*ssh-keys*'
	assert_output ''
}

@test "copy: a new machine-id and new SSH host keys of the same types; the image's seed, secrets, hostname gone; the source untouched" {
	src="$BATS_TEST_TMPDIR/src"
	make_identity_tree "$src"
	before=$(describe "$src"; cd "$src" && find . -type f -exec sha256sum {} + | sort)
	entry web <<-EOF
	[Container]
	Provision=copy $src
	EOF
	run prepare web
	assert_success
	assert_output --regexp "Reset the machine identity of the image in the new root $M/\.#web\.berth-......: /etc/machine-id \(a new ID\), /var/lib/dbus/machine-id \(removed\), /var/lib/systemd/random-seed \(removed\), /var/lib/systemd/credential.secret \(removed\), /var/lib/NetworkManager/secret_key \(removed\), /etc/hostname \(removed\), SSH host keys \(new ecdsa, ed25519, rsa\)\."
	assert_reset "$src" "$M/web"
	[ "$(describe "$src"; cd "$src" && find . -type f -exec sha256sum {} + | sort)" = "$before" ]
}

@test "tar: two containers of one image differ from it and from each other" {
	src="$BATS_TEST_TMPDIR/src"
	make_identity_tree "$src"
	tar -C "$src" --numeric-owner -cf "$BATS_TEST_TMPDIR/image.tar" .
	sum=$(sha256sum "$BATS_TEST_TMPDIR/image.tar")
	for n in one two; do
		entry $n <<-EOF
		[Container]
		Provision=tar $BATS_TEST_TMPDIR/image.tar
		EOF
		run prepare $n
		assert_success
		assert_output --partial "Reset the machine identity of the image in the new root"
		assert_reset "$src" "$M/$n"
	done
	[ "$(cat "$M/one/etc/machine-id")" != "$(cat "$M/two/etc/machine-id")" ]
	for t in rsa ecdsa ed25519; do
		[ "$(fingerprint "$M/one/etc/ssh/ssh_host_${t}_key.pub")" != "$(fingerprint "$M/two/etc/ssh/ssh_host_${t}_key.pub")" ]
	done
	[ "$(sha256sum "$BATS_TEST_TMPDIR/image.tar")" = "$sum" ]
}

@test "owners and modes are kept: a tree shifted for private users, Fedora's root:ssh_keys 0640 keys" {
	src="$BATS_TEST_TMPDIR/src"
	make_identity_tree "$src"
	chgrp 999 "$src/etc/ssh/ssh_host_ecdsa_key"
	chmod 0640 "$src/etc/ssh/ssh_host_ecdsa_key"
	# A world-readable private key is not written again as such: at most 0640.
	chmod 0644 "$src/etc/ssh/ssh_host_rsa_key"
	# Only the .pub of one type, only the private key of another.
	rm "$src/etc/ssh/ssh_host_ed25519_key"
	ssh-keygen -q -t dsa -N '' -f "$src/etc/ssh/ssh_host_dsa_key"
	rm "$src/etc/ssh/ssh_host_dsa_key.pub"
	# nspawn's private-users shift: every owner moved by 0x90000.
	find "$src" -print0 | while IFS= read -r -d '' f; do
		chown -h "$(($(stat -c %u "$f") + 589824)):$(($(stat -c %g "$f") + 589824))" "$f"
	done
	chmod 0755 "$src"
	entry web <<-EOF
	[Container]
	Provision=copy $src
	EOF
	run prepare web
	assert_success
	assert_output --partial "SSH host keys (new dsa, ecdsa, ed25519, rsa)"
	new=$M/web/etc/ssh
	run stat -c '%n %a %u:%g' "$M/web/etc/machine-id" "$new"/ssh_host_*
	assert_output - <<-EOF
	$M/web/etc/machine-id 444 589824:589824
	$new/ssh_host_dsa_key 600 589824:589824
	$new/ssh_host_dsa_key.pub 644 589824:589824
	$new/ssh_host_ecdsa_key 640 589824:590823
	$new/ssh_host_ecdsa_key.pub 644 589824:589824
	$new/ssh_host_ed25519_key 600 589824:589824
	$new/ssh_host_ed25519_key.pub 644 589824:589824
	$new/ssh_host_rsa_key 640 589824:589824
	$new/ssh_host_rsa_key.pub 644 589824:589824
	EOF
	[ "$(ssh-keygen -y -f "$new/ssh_host_ed25519_key" | cut -d' ' -f1-2)" = "$(cut -d' ' -f1-2 "$new/ssh_host_ed25519_key.pub")" ]
}

@test "an empty or 'uninitialized' /etc/machine-id, or none, is left so; a dbus link to it is kept" {
	for content in '' 'uninitialized' missing; do
		src="$BATS_TEST_TMPDIR/src-${content:-empty}"
		make_tree "$src"
		mkdir -p "$src/var/lib/dbus"
		ln -s /etc/machine-id "$src/var/lib/dbus/machine-id"
		[ "$content" = missing ] || echo -n "${content:+$content$'\n'}" >"$src/etc/machine-id"
		rm -rf "$M/web"
		entry web <<-EOF
		[Container]
		Provision=copy $src
		EOF
		run prepare web
		assert_success
		assert_output --partial "The new root $M/.#web.berth-"
		assert_output --partial "held no per-machine identity to reset."
		[ "$(describe "$M/web")" = "$(describe "$src")" ]
		if [ "$content" != missing ]; then cmp "$src/etc/machine-id" "$M/web/etc/machine-id"; fi
	done
}

@test "certificates of the old host keys and keys of unknown types are removed" {
	src="$BATS_TEST_TMPDIR/src"
	make_identity_tree "$src"
	ssh-keygen -q -t ed25519 -N '' -f "$BATS_TEST_TMPDIR/ca"
	ssh-keygen -q -s "$BATS_TEST_TMPDIR/ca" -I web -h -n web "$src/etc/ssh/ssh_host_ed25519_key.pub"
	assert_file_exists "$src/etc/ssh/ssh_host_ed25519_key-cert.pub"
	echo junk >"$src/etc/ssh/ssh_host_foo_key"
	echo junk >"$src/etc/ssh/ssh_host_foo_key.pub"
	entry web <<-EOF
	[Container]
	Provision=copy $src
	EOF
	run prepare web
	assert_success
	assert_output --partial "Host certificate /etc/ssh/ssh_host_ed25519_key-cert.pub certified a key of the image: removed it. Have the container's new key certified."
	assert_output --partial "SSH host keys (new ecdsa, ed25519, rsa; foo removed, none made)."
	run ls "$M/web/etc/ssh"
	assert_output - <<-EOF
	ssh_host_ecdsa_key
	ssh_host_ecdsa_key.pub
	ssh_host_ed25519_key
	ssh_host_ed25519_key.pub
	ssh_host_rsa_key
	ssh_host_rsa_key.pub
	sshd_config
	EOF
}

@test "without ssh-keygen on the host the image's keys are removed, with a warning naming the fix" {
	src="$BATS_TEST_TMPDIR/src"
	make_identity_tree "$src"
	entry web <<-EOF
	[Container]
	Provision=copy $src
	EOF
	# The host's ssh-keygen hidden in a private mount namespace (an empty, non-executable file).
	cat >"$BATS_TEST_TMPDIR/script" <<-EOF
	mount --bind /dev/null "$(readlink -f "$(command -v ssh-keygen)")"
	berth_exec "$BERTH_PREPARE" --root="$R" web
	EOF
	run in_namespace "$BATS_TEST_TMPDIR/script"
	assert_success
	assert_output --partial "ssh-keygen is not installed on this host (looked in /usr/local/bin:/usr/bin:/bin): the SSH host keys of the image are removed from the new root $M/.#web.berth-"
	assert_output --partial "Install openssh-client on the host, or run 'ssh-keygen -A' in the container."
	assert_output --partial "SSH host keys (ecdsa, ed25519, rsa removed, none made)."
	run ls "$M/web/etc/ssh"
	assert_output sshd_config
	run cat "$M/web/etc/machine-id"
	assert_output --regexp "$ID_RE"
}

# hostile_tree SRC OUT: a tree whose identity paths are symlinks to OUT (standing in for the host's
# /etc/ssh, /etc/machine-id, /var/lib/systemd), absolute and relative.
hostile_tree() {
	local src=$1 out=$2
	make_tree "$src"
	mkdir -p "$out/ssh" "$out/systemd" "$out/dbus" "$src/var/lib" "$src/var/lib/NetworkManager"
	ssh-keygen -q -t ed25519 -N '' -f "$out/ssh/ssh_host_ed25519_key"
	echo fedcba9876543210fedcba9876543210 >"$out/machine-id"
	echo outside >"$out/hostname"
	head -c 512 /dev/urandom >"$out/systemd/random-seed"
	head -c 32 /dev/urandom >"$out/secret_key"
	echo fedcba9876543210fedcba9876543210 >"$out/dbus/machine-id"
	ln -s "$out/ssh" "$src/etc/ssh"
	ln -s "$out/machine-id" "$src/etc/machine-id"
	ln -s "../../../../../../../../../../..$out/systemd" "$src/var/lib/systemd"
	ln -s "$out/dbus" "$src/var/lib/dbus"
	ln -s "$out/hostname" "$src/etc/hostname"
	ln -s "$out/secret_key" "$src/var/lib/NetworkManager/secret_key"
}

@test "hostile: identity paths that are symlinks out of the tree change nothing outside (openat2 and the walk)" {
	out="$BATS_TEST_TMPDIR/outside"
	src="$BATS_TEST_TMPDIR/src"
	hostile_tree "$src" "$out"
	tar -C "$src" --numeric-owner -cf "$BATS_TEST_TMPDIR/image.tar" .
	before=$(describe "$out"; cd "$out" && find . -type f -exec sha256sum {} + | sort)
	for walk in 0 1; do
		for kind in "copy $src" "tar $BATS_TEST_TMPDIR/image.tar"; do
			rm -rf "$M/web"
			entry web <<-EOF
			[Container]
			Provision=$kind
			EOF
			BERTH_ROOTFS_NO_OPENAT2=$walk run prepare web
			assert_success
			# Resolved inside the tree, the links lead nowhere: only what the container itself sees
			# is reset (its /etc/machine-id link replaced by a file, the links in /etc and
			# NetworkManager removed, never followed).
			assert_output --partial "/etc/machine-id in the new root $M/.#web.berth-"
			assert_output --partial "is a symlink: replacing it with a regular file with a new ID."
			assert_output --regexp "Reset the machine identity of the image in the new root $M/\.#web\.berth-......: /etc/machine-id \(a new ID\), /var/lib/NetworkManager/secret_key \(removed\), /etc/hostname \(removed\)\."
			refute_output --partial "SSH host keys"
			refute_output --partial "random-seed"
			refute_output --partial "dbus"
			[ "$(describe "$out"; cd "$out" && find . -type f -exec sha256sum {} + | sort)" = "$before" ]
			[ "$(stat -c %F "$M/web/etc/machine-id")" = "regular file" ]
			run cat "$M/web/etc/machine-id"
			assert_output --regexp "$ID_RE"
			[ "$(readlink "$M/web/etc/ssh")" = "$out/ssh" ]
			[ "$(readlink "$M/web/var/lib/systemd")" = "../../../../../../../../../../..$out/systemd" ]
			assert_not_exists "$M/web/etc/hostname"
			assert_not_exists "$M/web/var/lib/NetworkManager/secret_key"
		done
	done
}

@test "hostile: a link that resolves inside the tree is followed there, as the container would" {
	src="$BATS_TEST_TMPDIR/src"
	make_identity_tree "$src"
	# /var/lib/systemd and /etc/ssh elsewhere in the tree, by absolute and relative links; the
	# same absolute path outside the tree must not be touched.
	mkdir -p "$src/srv"
	mv "$src/var/lib/systemd" "$src/srv/systemd"
	ln -s /srv/systemd "$src/var/lib/systemd"
	mv "$src/etc/ssh" "$src/srv/ssh"
	ln -s ../srv/ssh "$src/etc/ssh"
	entry web <<-EOF
	[Container]
	Provision=copy $src
	EOF
	run prepare web
	assert_success
	assert_output --partial "/var/lib/systemd/random-seed (removed), /var/lib/systemd/credential.secret (removed)"
	assert_output --partial "SSH host keys (new ecdsa, ed25519, rsa)"
	assert_not_exists "$M/web/srv/systemd/random-seed"
	assert_file_exists "$src/srv/systemd/random-seed"
	[ "$(fingerprint "$M/web/srv/ssh/ssh_host_ed25519_key.pub")" != "$(fingerprint "$src/srv/ssh/ssh_host_ed25519_key.pub")" ]
	[ "$(readlink "$M/web/etc/ssh")" = ../srv/ssh ]
}

@test "hostile: /etc/machine-id a directory fails the start, names the fix, and leaves nothing" {
	src="$BATS_TEST_TMPDIR/src"
	make_identity_tree "$src"
	rm "$src/etc/machine-id"
	mkdir "$src/etc/machine-id"
	entry web <<-EOF
	[Container]
	Provision=copy $src
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "/etc/machine-id in the new root $M/.#web.berth-"
	assert_output --partial "is a directory; an image holds a file there (empty, \"uninitialized\" or an ID) or nothing. Fix the image (Provision= source)."
	assert_output --partial "Provisioning failed at step 'reset the machine identity in the new tree'"
	run ls -A "$M"
	refute_output --partial web
	run find "$R/run/berth" -name '.#*'
	assert_output ''
}

@test "a tree without any identity files is copied as it is" {
	src="$BATS_TEST_TMPDIR/src"
	make_rich_tree "$src"
	entry web <<-EOF
	[Container]
	Provision=copy $src
	EOF
	run prepare web
	assert_success
	assert_output --partial "held no per-machine identity to reset."
	[ "$(describe "$M/web")" = "$(describe "$src")" ]
}
