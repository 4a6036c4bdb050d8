#!/usr/bin/env bats
# A hostile container root: /etc/shadow (or /etc itself) is a symlink aimed at the host's files.
# With a root password to set, berth-prepare must not write through it: the host's files stay
# byte for byte the same, and the start fails naming the container. A sane container started
# alongside gets its password, so the password step did run.

load lib/e2e

setup() {
	e2e_setup hostile
	local f=$E2E_DIR/fixtures
	# Each tree is the busybox one with one trap in it.
	local t
	for t in abs rel proc etcdir; do
		cp -a "$f/busybox" "$f/$t"
	done
	ln -sfn /etc/shadow "$f/abs/etc/shadow"
	ln -sfn ../../../../../../etc/shadow "$f/rel/etc/shadow"
	ln -sfn /proc/1/root/etc/shadow "$f/proc/etc/shadow"
	rm -rf "$f/etcdir/etc"
	ln -s ../../../../../../etc "$f/etcdir/etc"
}

teardown() {
	e2e_teardown
}

@test "hostile root: symlinked /etc/shadow never leads a write to the host's files" {
	local t
	for t in abs rel proc etcdir; do
		hash_file "h-$t"
		e2e_busybox_entry "h-$t" "RootPasswordHashFile=/etc/containers.d/h-$t.hash" |
			sed "s|^Provision=.*|Provision=copy /fixtures/$t|" | entry "h-$t"
	done
	hash_file sane
	e2e_busybox_entry sane 'RootPasswordHashFile=/etc/containers.d/sane.hash' | entry sane
	boot
	local before
	before=$(guest sha256sum /etc/shadow /etc/passwd /etc/gshadow /etc/group)

	# The boot already started them once; start each again, for good measure.
	for t in abs rel proc etcdir; do
		run guest systemctl start "systemd-nspawn@h-$t"
		assert_failure
		run unit_prop "h-$t" ActiveState
		assert_output failed
		run journal_of "h-$t"
		assert_output --partial "h-$t"
		refute_output --partial "$E2E_HASH"
	done
	run guest sha256sum /etc/shadow /etc/passwd /etc/gshadow /etc/group
	assert_output "$before"
	run guest grep -c berthe2e /etc/shadow
	assert_output 0

	# The sane one got its password, inside its own root.
	run unit_prop sane ActiveState
	assert_output active
	run guest cat /var/lib/machines/sane/etc/shadow
	assert_line "root:$E2E_HASH:19000:0:99999:7:::"
	keep_output guest systemctl status --no-pager systemd-nspawn@h-abs systemd-nspawn@h-etcdir
	e2e_host_poweroff
}
