#!/usr/bin/env bats
# Provision=pull: a Debian image downloaded by the real systemd-pull from an HTTP server on the test
# host's loopback (busybox httpd, started as a transient unit in the host), verified
# against the SHA256SUMS served beside it, becomes a running container; the same image served with
# a SHA256SUMS that does not match it (a tampered image, as systemd-pull sees it) is refused, the
# unit fails with the error in 'systemctl status', and nothing is left: no root, no temporary
# directory, no half image in the image cache.

load lib/e2e

setup() {
	e2e_setup pull
	DEBIAN_TAR=$(e2e_debian_tar)
}

teardown() {
	e2e_teardown
}

@test "Provision=pull: a verified image runs; a tampered one is refused and leaves nothing" {
	# good/: the image and its true checksum; bad/: the same file, listed with another checksum.
	mkdir -p "$E2E_DIR/sums/good" "$E2E_DIR/sums/bad"
	sum=$(sha256sum "$DEBIAN_TAR" | cut -d' ' -f1)
	echo "$sum  bookworm.tar" >"$E2E_DIR/sums/good/SHA256SUMS"
	echo "$(printf '%s' "$sum" | sha256sum | cut -d' ' -f1)  bookworm.tar" >"$E2E_DIR/sums/bad/SHA256SUMS"
	entry deb <<-EOF
		[Container]
		Enable=no
		Provision=pull http://127.0.0.1:8080/good/bookworm.tar checksum
	EOF
	entry bad <<-EOF
		[Container]
		Enable=no
		Provision=pull http://127.0.0.1:8080/bad/bookworm.tar checksum
	EOF
	boot --bind-ro "$DEBIAN_TAR:/srv/images/good/bookworm.tar" \
		--bind-ro "$E2E_DIR/sums/good/SHA256SUMS:/srv/images/good/SHA256SUMS" \
		--bind-ro "$DEBIAN_TAR:/srv/images/bad/bookworm.tar" \
		--bind-ro "$E2E_DIR/sums/bad/SHA256SUMS:/srv/images/bad/SHA256SUMS"
	[ "$E2E_STATE" = running ]
	# busybox's httpd (the payload's busybox): the Debian 13 host has no python3.
	guest systemd-run --unit=images-http --property=Type=exec -- \
		/fixtures/busybox/bin/busybox httpd -f -p 127.0.0.1:8080 -h /srv/images
	for _ in $(seq 100); do
		guest bash -c 'exec 5<>/dev/tcp/127.0.0.1/8080' 2>/dev/null && break
		sleep 0.1
	done

	# The good image: downloaded, verified, unpacked into the image cache, cloned, booted.
	start=$(date +%s%N)
	guest systemctl start systemd-nspawn@deb
	run unit_prop deb ActiveState
	assert_output active
	wait_machine_running deb
	echo "# deb running $((($(date +%s%N) - start) / 1000000)) ms after its start" >&3
	run in_machine deb cat /etc/os-release
	assert_line 'VERSION_CODENAME=bookworm'
	run journal_of deb
	assert_output --partial 'tar --direct --verify=checksum --image-root=/var/lib/machines/.berth-images/.#pull-bookworm.tar-checksum-'
	assert_output --partial 'SHA256 checksum of http://127.0.0.1:8080/good/bookworm.tar is valid.'
	assert_output --partial 'Provisioned /var/lib/machines/deb'

	# The tampered one: refused, the unit failed with systemd-pull's verdict and berth's advice.
	run guest systemctl start systemd-nspawn@bad
	assert_failure
	run unit_prop bad ActiveState
	assert_output failed
	status_says bad 'DOWNLOAD INVALID: Checksum of bookworm.tar file did not check out'
	status_says bad "Provision=pull http://127.0.0.1:8080/bad/bookworm.tar: systemd-pull could not download or verify the image"
	status_says bad "Provisioning failed at step"

	# Nothing left of it: no root, no temporary sibling, only the good image in the cache, and
	# that one holds nothing of systemd-pull's beside its tree.
	run guest ls -A /var/lib/machines
	refute_line bad
	refute_output --regexp '\.#(bad|deb)\.berth-'
	assert_line deb
	assert_line .berth-images
	run guest ls -A /var/lib/machines/.berth-images
	assert_output --regexp '^pull-bookworm\.tar-checksum-[0-9a-f]{12}$'
	image=$output
	run guest ls -A "/var/lib/machines/.berth-images/$image"
	refute_output --partial '.tar-'
	refute_output --partial '.nspawn'
	assert_line tree
	# The good container kept running.
	run unit_prop deb ActiveState
	assert_output active

	keep_output guest systemctl status --no-pager --full --lines=30 systemd-nspawn@bad
	keep_output guest machinectl list
	guest systemctl stop systemd-nspawn@deb
	e2e_host_poweroff
}
