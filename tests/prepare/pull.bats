#!/usr/bin/env bats
# Provision=pull: the real systemd-pull (systemd-container), run by berth-prepare, downloading from
# a real HTTP server (python3 -m http.server on 127.0.0.1, a free port) that serves a tar image made
# from the minimal tree, its SHA256SUMS and, for signatures, SHA256SUMS.gpg made with gpg and a
# throwaway key. Nothing is mocked: a wrong checksum, a missing or foreign signature, a closed port
# are what systemd-pull meets on the network. The positive signature test binds a keyring with the
# test's key over /usr/lib/systemd/import-pubring.gpg in a private mount namespace (the machine's
# keyring is never touched). Raw disk images: an ext4 image made with mke2fs -d, through the
# machine's real loop devices and systemd-dissect.
load lib.bash

setup() {
	prepare_tree_setup
	# Where berth-prepare looks for it, in its order.
	PULL=
	for p in /usr/lib/systemd/systemd-pull /lib/systemd/systemd-pull; do
		if [ -x "$p" ]; then PULL=$p && break; fi
	done
	[ -n "$PULL" ] || skip "systemd-pull is not installed (package systemd-container)"
	SRV="$BATS_TEST_TMPDIR/srv"
	mkdir -p "$SRV"
	make_tree "$BATS_TEST_TMPDIR/image"
	echo pulled > "$BATS_TEST_TMPDIR/image/etc/marker"
	tar -C "$BATS_TEST_TMPDIR/image" --numeric-owner -cJf "$SRV/web.tar.xz" .
	(cd "$SRV" && sha256sum web.tar.xz > SHA256SUMS)
	serve
}

teardown() {
	if [ -n "${server:-}" ]; then kill "$server" 2>/dev/null || true; fi
	if [ -n "${GNUPGHOME:-}" ]; then gpgconf --kill all 2>/dev/null || true; fi
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on (the kernel's pick, then released).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# serve: python3's HTTP server on $SRV at $URL, up when this returns.
serve() {
	PORT=$(free_port)
	URL="http://127.0.0.1:$PORT"
	python3 -m http.server --bind 127.0.0.1 --directory "$SRV" "$PORT" \
		> "$BATS_TEST_TMPDIR/http.log" 2>&1 3>&- &
	server=$!
	for _ in $(seq 100); do
		if (exec 5<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
		sleep 0.05
	done
	echo "the HTTP server did not start" >&2
	cat "$BATS_TEST_TMPDIR/http.log" >&2
	return 1
}

# nothing_left: no root, no temporary sibling, no image (complete or half) under --root.
nothing_left() {
	assert [ ! -e "$M/web" ]
	if [ -d "$M" ]; then
		run find "$M" -mindepth 1 -not -path "$M/.berth-images"
		assert_output ''
	fi
}

# import_keyring: $keyring, systemd-container's keyring that a test binds its own key over in a
# private mount namespace; skips where the machine has its own /etc keyring (which would win) or
# systemd-container ships none.
import_keyring() {
	[ ! -e /etc/systemd/import-pubring.gpg ] || skip "this machine has its own /etc/systemd/import-pubring.gpg"
	keyring=$(ls /usr/lib/systemd/import-pubring.gpg /lib/systemd/import-pubring.gpg 2>/dev/null | head -n 1)
	[ -n "$keyring" ] || skip "systemd-container ships no import-pubring.gpg here"
}

# gpg_key: a throwaway signing key in a private GNUPGHOME.
gpg_key() {
	export GNUPGHOME="$BATS_TEST_TMPDIR/gnupg"
	mkdir -m 0700 "$GNUPGHOME"
	gpg --batch --quiet --passphrase '' --quick-gen-key 'berth test <test@berth.invalid>' ed25519 sign never
}

@test "pull checksum: a good image becomes a valid root, through systemd-pull --direct" {
	entry web <<-EOF
	[Container]
	Provision=pull $URL/web.tar.xz checksum
	EOF
	run prepare web
	assert_success
	assert_output --regexp "Provisioning image pull-web\.tar\.xz-checksum-[0-9a-f]{12}: $PULL tar --direct --verify=checksum --image-root=$M/\.berth-images/\.#pull-web\.tar\.xz-checksum-[0-9a-f]{12}\.berth-[A-Za-z0-9]{6} -- $URL/web\.tar\.xz tree"
	assert_output --partial "SHA256 checksum of $URL/web.tar.xz is valid."
	assert_output --partial "Provisioned $M/web with "
	[ "$(cat "$M/web/etc/marker")" = pulled ]
	[ "$(cat "$M/web/usr/lib/os-release")" = "$(cat "$BATS_TEST_TMPDIR/image/usr/lib/os-release")" ]
	cmp /bin/true "$M/web/usr/lib/systemd/systemd"
	# The image holds the tree and berth's own files; nothing of systemd-pull's (no .tar-URL
	# download cache, no .nspawn settings file) and no temporary directory is left.
	run ls -A "$M/.berth-images"
	assert_output --regexp '^pull-web\.tar\.xz-checksum-[0-9a-f]{12}$'
	run ls -A "$M/.berth-images/$output"
	refute_output --partial '.tar-'
	refute_output --partial '.nspawn'
	assert_line tree
	run ls -A "$M"
	assert_output "$(printf '.berth-images\nweb')"
	# Both files were fetched from the server.
	grep -q 'GET /web.tar.xz ' "$BATS_TEST_TMPDIR/http.log"
	grep -q 'GET /SHA256SUMS ' "$BATS_TEST_TMPDIR/http.log"
}

@test "pull checksum: a tampered image is refused, named with the fix, and nothing is left" {
	# The server's image is not the one SHA256SUMS lists (it was replaced after the sums were made).
	echo tampered > "$BATS_TEST_TMPDIR/image/etc/marker"
	tar -C "$BATS_TEST_TMPDIR/image" --numeric-owner -cJf "$SRV/web.tar.xz" .
	entry web <<-EOF
	[Container]
	Provision=pull $URL/web.tar.xz checksum
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial 'DOWNLOAD INVALID: Checksum of web.tar.xz file did not check out'
	assert_output --partial "Provision=pull $URL/web.tar.xz: systemd-pull could not download or verify the image"
	assert_output --partial "SHA256SUMS beside it lists the image's current SHA-256"
	assert_output --partial "Provisioning failed at step '$PULL'"
	refute_output --partial 'Provisioned'
	nothing_left
}

@test "pull: an unreachable URL (a closed port) is a clear error, and nothing is left" {
	port=$(free_port)
	entry web <<-EOF
	[Container]
	Provision=pull http://127.0.0.1:$port/web.tar.xz checksum
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "Couldn't connect to server"
	assert_output --partial 'Failed to retrieve image file.'
	assert_output --partial "Provision=pull http://127.0.0.1:$port/web.tar.xz: systemd-pull could not download or verify the image"
	assert_output --partial 'Check that the URL is reachable from this host'
	nothing_left
	# A missing file on a server that answers (404) is the same.
	entry web <<-EOF
	[Container]
	Provision=pull $URL/missing.tar.xz checksum
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "$URL/missing.tar.xz failed with code 404"
	nothing_left
}

@test "pull signature (the default): no signature, or one by a key not in the keyring, is refused" {
	entry web <<-EOF
	[Container]
	Provision=pull $URL/web.tar.xz
	EOF
	# No SHA256SUMS.gpg on the server.
	run prepare web
	assert_failure 1
	assert_output --partial -- '--verify=signature'
	assert_output --partial 'Failed to retrieve signature file, cannot verify.'
	assert_output --partial "SHA256SUMS.gpg is a signature by a key in /etc/systemd/import-pubring.gpg"
	assert_output --partial "'Provision=pull $URL/web.tar.xz checksum'"
	nothing_left
	# A valid signature, by a key that is not in the keyring.
	gpg_key
	gpg --batch --quiet --detach-sign --output "$SRV/SHA256SUMS.gpg" "$SRV/SHA256SUMS"
	run prepare web
	assert_failure 1
	assert_output --partial 'Signature verification failed.'
	nothing_left
}

@test "pull signature: an image signed by a key in the keyring becomes a root; a tampered one is refused" {
	gpg_key
	gpg --batch --quiet --detach-sign --output "$SRV/SHA256SUMS.gpg" "$SRV/SHA256SUMS"
	gpg --batch --quiet --export > "$BATS_TEST_TMPDIR/pubring.gpg"
	import_keyring
	entry web <<-EOF
	[Container]
	Provision=pull $URL/web.tar.xz signature
	EOF
	# systemd-pull reads the keyring that machinectl uses: the test's key is bound over it here.
	cat > "$BATS_TEST_TMPDIR/ns.sh" <<-EOF
	mount --bind "$BATS_TEST_TMPDIR/pubring.gpg" "$keyring"
	berth_exec '$BERTH_PREPARE' --root='$R' web
	EOF
	run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
	assert_success
	assert_output --partial 'Signature verification succeeded.'
	[ "$(cat "$M/web/etc/marker")" = pulled ]
	# Signed sums, another image: refused.
	rm -rf "$M/web" "$M/.berth-images"
	echo tampered > "$BATS_TEST_TMPDIR/image/etc/marker"
	tar -C "$BATS_TEST_TMPDIR/image" --numeric-owner -cJf "$SRV/web.tar.xz" .
	run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
	assert_failure 1
	assert_output --partial 'DOWNLOAD INVALID'
	nothing_left
}

# raw_image: $SRV/web.raw.xz, an ext4 file system made (mke2fs -d, no mount) from the test's tree with
# a file capability and an ACL on it, its SHA256SUMS signed by a throwaway key; $keyring is the
# systemd keyring to bind the key over (skips where systemd-container ships none).
raw_image() {
	cp /bin/true "$BATS_TEST_TMPDIR/image/usr/bin/ping"
	setcap cap_net_raw+ep "$BATS_TEST_TMPDIR/image/usr/bin/ping"
	setfacl -m u:4242:r "$BATS_TEST_TMPDIR/image/etc/marker"
	rm -f "$SRV/web.raw" "$SRV/web.raw.xz"
	truncate -s 32M "$SRV/web.raw"
	mke2fs -q -t ext4 -d "$BATS_TEST_TMPDIR/image" "$SRV/web.raw"
	xz -T0 "$SRV/web.raw"
	(cd "$SRV" && sha256sum web.raw.xz > SHA256SUMS)
	[ -n "${GNUPGHOME:-}" ] || gpg_key
	rm -f "$SRV/SHA256SUMS.gpg"
	gpg --batch --quiet --detach-sign --output "$SRV/SHA256SUMS.gpg" "$SRV/SHA256SUMS"
	gpg --batch --quiet --export > "$BATS_TEST_TMPDIR/pubring.gpg"
}

# Real loop devices, the real systemd-dissect and the host's ext4 driver: this is the one place the
# raw path can run (the nspawn test hosts have no loop devices, so there is no e2e test of it).
@test "pull signature: a raw disk image becomes a root with its file capabilities and ACLs; no mount or loop device stays; a tampered one is refused" {
	[ -e /dev/loop-control ] || skip "no loop devices on this machine"
	import_keyring
	raw_image
	entry web <<-EOF
	[Container]
	Provision=pull $URL/web.raw.xz
	EOF
	cat > "$BATS_TEST_TMPDIR/ns.sh" <<-EOF
	mount --bind "$BATS_TEST_TMPDIR/pubring.gpg" "$keyring"
	berth_exec '$BERTH_PREPARE' --root='$R' web
	EOF
	run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
	assert_success
	assert_output --regexp "Provisioning image pull-web\.raw\.xz-signature-[0-9a-f]{12}: $PULL raw --direct --verify=signature "
	assert_output --partial 'Signature verification succeeded.'
	assert_output --regexp "Provisioning image pull-web\.raw\.xz-signature-[0-9a-f]{12}: unshare --mount --propagation private -- sh -c "
	[ "$(cat "$M/web/etc/marker")" = pulled ]
	run getcap "$M/web/usr/bin/ping"
	assert_output --partial 'cap_net_raw'
	run getfacl --omit-header "$M/web/etc/marker"
	assert_line 'user:4242:r--'
	# Only the tree, its info and its list of clones are kept (no download.raw, no mnt); the mount was never in this namespace; no loop device
	# is left on the download (deleted with the temporary directory).
	run ls -A "$M"/.berth-images/pull-web.raw.xz-signature-*
	assert_output $'clones\ninfo\ntree'
	run grep -F " $M/" /proc/self/mountinfo
	assert_output ''
	run sh -c "losetup --list --noheadings --output BACK-FILE | grep -F '$M/'"
	assert_output ''

	# The same signed sums, another image: refused, nothing left.
	rm -rf "$M/web" "$M/.berth-images"
	echo tampered > "$BATS_TEST_TMPDIR/image/etc/marker"
	cp "$SRV/SHA256SUMS" "$SRV/SHA256SUMS.good"
	cp "$SRV/SHA256SUMS.gpg" "$SRV/SHA256SUMS.gpg.good"
	raw_image
	mv "$SRV/SHA256SUMS.good" "$SRV/SHA256SUMS"
	mv "$SRV/SHA256SUMS.gpg.good" "$SRV/SHA256SUMS.gpg"
	run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
	assert_failure 1
	assert_output --partial 'DOWNLOAD INVALID'
	refute_output --partial 'unshare'
	nothing_left
}

@test "pull: a raw disk image on a machine without loop devices fails with what to do, and leaves nothing" {
	import_keyring
	raw_image
	entry web <<-EOF
	[Container]
	Provision=pull $URL/web.raw.xz signature
	EOF
	# A machine without loop devices (an nspawn container, some virtual machines): /dev without
	# loop-control and loop nodes, in this namespace only.
	cat > "$BATS_TEST_TMPDIR/ns.sh" <<-EOF
	mount --bind "$BATS_TEST_TMPDIR/pubring.gpg" "$keyring"
	mkdir "$BATS_TEST_TMPDIR/dev"
	for n in null zero full random urandom tty; do touch "$BATS_TEST_TMPDIR/dev/\$n"; mount --bind "/dev/\$n" "$BATS_TEST_TMPDIR/dev/\$n"; done
	mount --rbind "$BATS_TEST_TMPDIR/dev" /dev
	berth_exec '$BERTH_PREPARE' --root='$R' web
	EOF
	run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
	assert_failure 1
	assert_output --partial 'Signature verification succeeded.'
	assert_output --partial "Provision=pull $URL/web.raw.xz: the image was downloaded and verified, but its tree could not be copied out of it (see above). systemd-dissect mounts a raw disk image with a loop device"
	nothing_left
	run sh -c "losetup --list --noheadings --output BACK-FILE | grep -F '$M/'"
	assert_output ''
}

@test "pull: a raw disk image without systemd-dissect installed is named with its package, and leaves nothing" {
	import_keyring
	raw_image
	entry web <<-EOF
	[Container]
	Provision=pull $URL/web.raw.xz
	EOF
	# Not executable where the provisioners' PATH has it: not installed, as far as berth can tell.
	: > "$BATS_TEST_TMPDIR/no-dissect"
	cat > "$BATS_TEST_TMPDIR/ns.sh" <<-EOF
	mount --bind "$BATS_TEST_TMPDIR/pubring.gpg" "$keyring"
	mount --bind "$BATS_TEST_TMPDIR/no-dissect" "\$(command -v systemd-dissect)"
	berth_exec '$BERTH_PREPARE' --root='$R' web
	EOF
	run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
	assert_failure 1
	assert_output --partial "Provision=pull $URL/web.raw.xz: a raw disk image needs systemd-dissect, which is not installed"
	assert_output --partial "Install it ('apt install systemd-container'), or publish the image as a tar archive."
	nothing_left
}

@test "pull: systemd-pull missing is named with its package" {
	entry web <<-EOF
	[Container]
	Provision=pull $URL/web.tar.xz checksum
	EOF
	# /lib is /usr/lib on Debian 12 and 13 (merged /usr): an empty tmpfs hides both.
	cat > "$BATS_TEST_TMPDIR/ns.sh" <<-EOF
	mount -t tmpfs none /usr/lib/systemd
	[ ! -e /lib/systemd/systemd-pull ]
	berth_exec '$BERTH_PREPARE' --root='$R' web
	EOF
	run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
	assert_failure 1
	assert_output --partial "Provision=pull needs /usr/lib/systemd/systemd-pull, which is not executable"
	assert_output --partial "Install it ('apt install systemd-container')"
	nothing_left
}

@test "pull: --dry-run shows systemd-pull's command line and downloads nothing" {
	entry web <<-EOF
	[Container]
	Provision=pull $URL/web.tar.xz
	EOF
	run prepare --dry-run web
	assert_success
	assert_output --regexp "$PULL tar --direct --verify=signature --image-root=[^ ]+ -- $URL/web\.tar\.xz tree"
	assert [ ! -e "$M/web" ]
	# A raw disk image: the download, then the copy out of it.
	entry web <<-EOF
	[Container]
	Provision=pull $URL/web.img
	EOF
	run prepare --dry-run web
	assert_success
	assert_output --regexp "$PULL raw --direct --verify=signature --image-root=[^ ]+ -- $URL/web\.img download\.raw"
	assert_output --partial "Would then copy the tree out of the raw disk image $URL/web.img (read-only, in a mount namespace of its own) with: unshare --mount --propagation private -- sh -c "
	assert [ ! -e "$M/web" ]
	run grep -c GET "$BATS_TEST_TMPDIR/http.log"
	assert_output 0
}

@test "pull: the loader's refusals (raw images, VERIFY=no, other schemes) reach berth-prepare" {
	for value in "$URL/disk.raw.xz checksum" "$URL/web.tar.xz no" "ftp://127.0.0.1/web.tar.xz" "$URL/web.zip"; do
		entry web <<-EOF
		[Container]
		Provision=pull $value
		EOF
		run prepare web
		assert_failure 1
		assert_output --partial "web.conf:2: Invalid Provision=pull $value in [Container]: "
		nothing_left
	done
	run grep -c GET "$BATS_TEST_TMPDIR/http.log"
	assert_output 0
}
