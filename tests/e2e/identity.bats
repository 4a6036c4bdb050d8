#!/usr/bin/env bats
# A clone is a new machine (issue 14, item 2): two containers made from ONE image, the cached
# Debian tree with openssh-server (e2e_debian_tar ssh, which holds a machine-id, a D-Bus
# machine-id file and host keys of three types), boot; each has its own /etc/machine-id, the one
# machined registered, and its own SSH host keys, which its running sshd serves; none of it is
# the image's, and the image in berth's cache is left as the tar made it.

load lib/e2e

setup() {
	e2e_setup identity
	SSH_TAR=$(e2e_debian_tar ssh)
}

teardown() {
	e2e_teardown
}

# served_key NAME TYPE: the host key the container's sshd answers with (ssh-keyscan from inside).
served_key() {
	in_machine "$1" sh -c "ssh-keyscan -t $2 127.0.0.1 2>/dev/null" | awk '!/^#/ {print $2, $3}'
}

@test "two containers of one image: their own machine-id and SSH host keys, sshd running in both" {
	for n in one two; do
		entry $n <<-EOF
			[Container]
			Provision=tar /srv/bookworm-ssh.tar
		EOF
	done
	boot --bind-ro "$SSH_TAR:/srv/bookworm-ssh.tar"
	[ "$E2E_STATE" = running ]
	wait_machine_running one
	wait_machine_running two

	local image_id
	image_id=$(tar -xOf "$SSH_TAR" ./etc/machine-id)
	[[ $image_id =~ ^[0-9a-f]{32}$ ]]
	declare -A id
	for n in one two; do
		run in_machine $n systemctl is-active ssh
		assert_output active
		id[$n]=$(in_machine $n cat /etc/machine-id)
		[[ ${id[$n]} =~ ^[0-9a-f]{32}$ ]]
		[ "${id[$n]}" != "$image_id" ]
		# The ID systemd in the container runs with is the one berth wrote, and the one nspawn
		# registered with machined.
		run guest machinectl show --property=Id --value $n
		assert_output "${id[$n]}"
		# D-Bus reads the same ID (the image's copy in /var/lib/dbus is gone).
		run in_machine $n dbus-uuidgen --get
		assert_output "${id[$n]}"
		# The berth-prepare log names what it reset.
		run journal_of $n
		assert_output --partial "Reset the machine identity of the image in the new root /var/lib/machines/.#$n.berth-"
		assert_output --partial "/etc/machine-id (a new ID), /var/lib/dbus/machine-id (removed)"
		assert_output --partial "SSH host keys (new ecdsa, ed25519, rsa)"
	done
	[ "${id[one]}" != "${id[two]}" ]

	local t image_key one_key two_key
	for t in rsa ecdsa ed25519; do
		image_key=$(tar -xOf "$SSH_TAR" "./etc/ssh/ssh_host_${t}_key.pub" | awk '{print $1, $2}')
		one_key=$(in_machine one cat "/etc/ssh/ssh_host_${t}_key.pub" | awk '{print $1, $2}')
		two_key=$(in_machine two cat "/etc/ssh/ssh_host_${t}_key.pub" | awk '{print $1, $2}')
		echo "$t: image ${image_key:0:60}, one ${one_key:0:60}, two ${two_key:0:60}"
		# Same type (and curve), different keys.
		[ "${one_key%% *}" = "${image_key%% *}" ] && [ "${two_key%% *}" = "${image_key%% *}" ]
		[ "$one_key" != "$image_key" ] && [ "$two_key" != "$image_key" ] && [ "$one_key" != "$two_key" ]
		# The running sshd serves the new key.
		run served_key one "$t"
		assert_output "$one_key"
		run served_key two "$t"
		assert_output "$two_key"
		run in_machine one stat -c '%a %U:%G' "/etc/ssh/ssh_host_${t}_key" "/etc/ssh/ssh_host_${t}_key.pub"
		assert_output $'600 root:root\n644 root:root'
	done

	# The image in the cache is as the tar made it: its identity is reset in clones only.
	run guest sh -c 'cat /var/lib/machines/.berth-images/*/tree/etc/machine-id'
	assert_output "$image_id"
	run guest sh -c 'cat /var/lib/machines/.berth-images/*/tree/etc/ssh/ssh_host_ed25519_key.pub'
	assert_output "$(tar -xOf "$SSH_TAR" ./etc/ssh/ssh_host_ed25519_key.pub)"

	keep_output guest machinectl list
	for n in one two; do
		keep_output in_machine $n sh -c 'cat /etc/machine-id; for k in /etc/ssh/ssh_host_*_key.pub; do ssh-keygen -l -f $k; done'
	done
	e2e_host_poweroff
}
