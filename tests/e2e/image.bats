#!/usr/bin/env bats
# The image cache under the real system manager (issue 14, items 1 and 3): three enabled entries of
# one image (the cached Debian tree, packed) start at boot at once; exactly one provisioner runs,
# the other starts wait for it and clone; all three run; berth image list in the host shows the
# image and the three containers; refresh and remove work on a running system.

load lib/e2e

setup() {
	e2e_setup image
	DEBIAN_TAR=$(e2e_debian_tar)
}

teardown() {
	e2e_teardown
}

@test "three containers of one image at boot: one provisioner run, three clones running, berth image" {
	for n in one two three; do
		entry $n <<-EOF
			[Container]
			Provision=tar /srv/bookworm.tar
		EOF
	done
	boot --bind-ro "$DEBIAN_TAR:/srv/bookworm.tar"
	[ "$E2E_STATE" = running ]
	for n in one two three; do
		run unit_prop $n ActiveState
		assert_output active
	done
	for n in one two three; do wait_machine_running $n; done

	# Exactly one start provisioned the image; the two others waited for it, then cloned.
	local provisioned=0 waited=0
	for n in one two three; do
		run journal_of $n
		assert_output --regexp "Provisioned /var/lib/machines/$n with cp of image tar-bookworm\.tar-[0-9a-f]{12}"
		grep -q 'Provisioned image tar-bookworm' <<< "$output" && provisioned=$((provisioned + 1))
		grep -q 'is being provisioned by the start of' <<< "$output" && waited=$((waited + 1))
	done
	[ "$provisioned" = 1 ]
	[ "$waited" = 2 ]
	run guest sh -c 'journalctl -b --no-pager -o cat | grep -c "Provisioning image tar-bookworm"'
	assert_output 1

	run guest berth image list --json
	assert_success
	[ "$(jq length <<< "$output")" = 1 ]
	[ "$(jq -c '.[0].containers' <<< "$output")" = '["one","three","two"]' ]
	[ "$(jq -r '.[0].source' <<< "$output")" = "tar /srv/bookworm.tar" ]
	image=$(jq -r '.[0].image' <<< "$output")
	keep_output guest berth image list

	# Refresh while the containers run: a new image, the running roots untouched.
	local before
	before=$(guest stat -c %Y "/var/lib/machines/.berth-images/$image/info")
	run guest stat -c %i /var/lib/machines/one/etc/os-release
	inode=$output
	sleep 1
	run guest berth image refresh one
	assert_success
	assert_output --partial "Provisioned image $image with tar"
	run guest stat -c %Y "/var/lib/machines/.berth-images/$image/info"
	[ "$output" -gt "$before" ]
	run guest stat -c %i /var/lib/machines/one/etc/os-release
	assert_output "$inode"
	run unit_prop one ActiveState
	assert_output active

	# Remove: the containers keep running, their roots stay.
	run guest berth image remove "$image"
	assert_success
	run guest berth image list --json
	assert_output '[]'
	run in_machine two cat /etc/os-release
	assert_line 'VERSION_CODENAME=bookworm'
	e2e_host_poweroff
}
