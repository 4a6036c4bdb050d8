#!/usr/bin/env bats
# The seed scenario in full (SPEC section 7, issue 13 item 6d): a Debian container with
# openssh-server, its root password set from the hash file the entry names, on the default
# network with Port=tcp:2222:22; a real ssh client logs in as root with that password at the
# host's address on the container's link and runs a command.
#
# The tree is the cached minbase tree plus openssh-server (e2e_debian_tar ssh), whose sshd allows
# root to log in with a password (a PermitRootLogin drop-in in /etc/ssh/sshd_config.d, the line
# an admin adds to an image meant for password logins: Debian's default is prohibit-password).
# The password is typed by SSH_ASKPASS (OpenSSH's own way to take a password without a terminal).

load lib/e2e
load lib/network

setup() {
	e2e_setup netssh
	SSH_TAR=$(e2e_debian_tar ssh)
}

teardown() {
	e2e_teardown
}

# ssh_as_root ADDR ASKPASS CMD...: ssh from the test host as root to ADDR:2222, password from
# ASKPASS, host key accepted on first use.
ssh_as_root() {
	local addr=$1 askpass=$2
	shift 2
	e2e_guest env SSH_ASKPASS="$askpass" SSH_ASKPASS_REQUIRE=force \
		timeout 30 ssh -p 2222 -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=/results/known_hosts \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 \
		-o ConnectTimeout=10 -o BatchMode=no -o LogLevel=ERROR "root@$addr" "$@" </dev/null
}

@test "seed scenario: ssh into a Debian container on its own port as root, with the password of its hash file" {
	# The admin's password and its hash, made with openssl as an admin would.
	local password hash
	password="e2e-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
	hash=$(openssl passwd -6 -stdin <<<"$password")
	(umask 077 && printf '%s\n' "$hash" >"$E2E_DIR/containers.d/web.hash")
	printf '#!/bin/sh\necho %s\n' "$password" >"$E2E_DIR/fixtures/askpass"
	printf '#!/bin/sh\necho wrong-%s\n' "$password" >"$E2E_DIR/fixtures/askpass-wrong"
	chmod 0755 "$E2E_DIR/fixtures/askpass" "$E2E_DIR/fixtures/askpass-wrong"
	entry web <<-EOF
		[Container]
		Description=Debian with sshd, reached on its own port
		Provision=tar /srv/bookworm-ssh.tar
		RootPasswordHashFile=/etc/containers.d/web.hash

		[Network]
		Port=tcp:2222:22
	EOF
	boot --bind-ro "$SSH_TAR:/srv/bookworm-ssh.tar"
	[ "$E2E_STATE" = running ]
	wait_machine_running web
	run in_machine web systemctl is-active ssh
	assert_output active

	local addr gw
	addr=$(machine_ipv4 web)
	gw=$(retry 30 machine_default_gateway web)
	echo "container $addr, host side $gw"
	run host_link_ipv4 ve-web
	assert_line "$gw"

	# Logged in as root with the password, a command run, its output back.
	run retry 30 ssh_as_root "$gw" /fixtures/askpass 'id -un; hostname; cat /etc/debian_version'
	assert_success
	assert_line --index 0 root
	assert_line --index 1 web
	assert_line --index 2 --regexp '^12\.'
	# The host key it answered with is the container's own.
	run in_machine web cat /etc/ssh/ssh_host_ed25519_key.pub
	assert_success
	grep -qF "$(cut -d' ' -f2 <<<"$output")" "$E2E_DIR/results/known_hosts"
	# A wrong password is refused.
	run ssh_as_root "$gw" /fixtures/askpass-wrong true
	assert_failure
	assert_output --partial 'Permission denied'

	keep_output guest machinectl list
	keep_output guest berth list
	guest systemctl stop systemd-nspawn@web
	run unit_prop web Result
	assert_output success
	e2e_host_poweroff
}
