#!/usr/bin/env bats
# Untrusted container roots. Every case runs twice: with openat2(RESOLVE_IN_ROOT) and with the
# fallback walk (BERTH_ROOTFS_NO_OPENAT2=1, what kernels before 5.6 get). Host sentinel files are
# compared byte for byte before and after; berth-prepare must fail cleanly or act inside the root.
load lib.bash

# A FIFO opened without O_NONBLOCK would hang: bats stops such a test instead of the whole run.
BATS_TEST_TIMEOUT=300

H='$6$saltsalt$hostilehostilehostilehostilehostilehostilehostilehostilehostile0123'

setup() {
	prepare_tree_setup
	# The host's files an escape would reach.
	HOST="$BATS_TEST_TMPDIR/host"
	mkdir -p "$HOST/etc"
	printf 'root:HOSTHASH:1:0:99999:7:::\n' > "$HOST/etc/shadow"
	printf 'ID=host\n' > "$HOST/etc/os-release"
	echo sentinel > "$HOST/sentinel"
	entry web <<-EOF
	[Container]
	RootPasswordHash=$H
	EOF
}

host_sums() {
	(cd "$HOST" && find . -printf '%p %y %m %s\n' | sort && find . -type f -exec sha256sum {} + | sort)
}

# both CMD...: runs a check once per resolver.
both() {
	local mode
	for mode in 0 1; do
		BERTH_ROOTFS_NO_OPENAT2=$mode "$@"
	done
}

@test "/etc/shadow is a symlink to a host file: refused, the host file unchanged" {
	check() {
		rm -rf "$M/web"
		make_tree "$M/web"
		ln -sf "$HOST/etc/shadow" "$M/web/etc/shadow"
		before=$(host_sums)
		run prepare web
		assert_failure 1
		assert_output --partial "/etc/shadow in $M/web is a symlink; refusing to follow it."
		[ "$(host_sums)" = "$before" ]
	}
	both check
}

@test "/etc/shadow is a relative ../ chain to the host: refused, the host file unchanged" {
	check() {
		rm -rf "$M/web"
		make_tree "$M/web"
		ln -sf "../../../../../../../../../../../..$HOST/etc/shadow" "$M/web/etc/shadow"
		before=$(host_sums)
		run prepare web
		assert_failure 1
		assert_output --partial "is a symlink; refusing to follow it"
		[ "$(host_sums)" = "$before" ]
	}
	both check
}

@test "/etc is a symlink to /: resolved inside the root, the host untouched" {
	check() {
		rm -rf "$M/web"
		make_tree "$M/web"
		rm -rf "$M/web/etc"
		ln -s / "$M/web/etc"
		before=$(host_sums)
		hostsum=$(sha256sum /etc/shadow)
		run prepare web
		# /etc/shadow inside the root is ROOT/shadow: created there, never the host's.
		assert_success
		[ "$(host_sums)" = "$before" ]
		[ "$(sha256sum /etc/shadow)" = "$hostsum" ]
		run grep -c "^root:$H:" "$M/web/shadow"
		assert_output 1
	}
	both check
}

@test "/etc is a symlink to a host directory (absolute and ../ chain): stays inside" {
	check() {
		for target in "$HOST/etc" "../../../../../../../../..$HOST/etc"; do
			rm -rf "$M/web"
			make_tree "$M/web"
			rm -rf "$M/web/etc"
			ln -s "$target" "$M/web/etc"
			before=$(host_sums)
			run prepare web
			assert_failure 1
			assert_output --partial "Failed to open /etc inside $M/web: No such file or directory"
			[ "$(host_sums)" = "$before" ]
		done
	}
	both check
}

@test "/proc/self/root links: not followed out of the root, even with a procfs mounted inside" {
	check() {
		rm -rf "$M/web"
		make_tree "$M/web"
		rm "$M/web/usr/lib/os-release" "$M/web/etc/os-release"
		ln -s "/proc/self/root$HOST/etc/os-release" "$M/web/etc/os-release"
		rm "$M/web/etc/shadow"
		ln -s "/proc/self/root$HOST/etc/shadow" "$M/web/etc/shadow"
		before=$(host_sums)
		run prepare web
		assert_failure 1
		assert_output --regexp "holds neither /etc/os-release nor /usr/lib/os-release|no usable os-release inside the container root: /etc/os-release: (No such file or directory|a symlink loop or a /proc magic link, not followed)"
		[ "$(host_sums)" = "$before" ]

		# Now with a real procfs at ROOT/proc, where /proc/self/root is a magic link.
		mkdir -p "$M/web/proc"
		cat > "$BATS_TEST_TMPDIR/ns.sh" <<-EOF
		mount -t proc proc "$M/web/proc"
		BERTH_ROOTFS_NO_OPENAT2=$BERTH_ROOTFS_NO_OPENAT2 berth_exec "$BERTH_PREPARE" --root="$R" web && echo rc=0 || echo rc=\$?
		EOF
		run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
		assert_success
		assert_line "rc=1"
		assert_output --regexp "holds neither /etc/os-release nor /usr/lib/os-release|no usable os-release inside the container root: /etc/os-release: (No such file or directory|a symlink loop or a /proc magic link, not followed)"
		[ "$(host_sums)" = "$before" ]
	}
	both check
}

@test "the init and Command= are looked up inside the root, never on the host" {
	check() {
		rm -rf "$M/web"
		make_tree "$M/web"
		rm "$M/web/usr/lib/systemd/systemd"
		ln -s /proc/self/root/usr/bin/true "$M/web/usr/lib/systemd/systemd"
		run prepare web
		assert_failure 1
		assert_output --partial "has no init to boot"
	}
	both check
}

@test "a FIFO at /etc/shadow, /etc/group and /etc/os-release: refused without hanging" {
	check() {
		rm -rf "$M/web"
		make_tree "$M/web"
		rm "$M/web/etc/shadow"
		mkfifo "$M/web/etc/shadow"
		run prepare web
		assert_failure 1
		assert_output --partial "/etc/shadow in $M/web is not a regular file (a FIFO); refusing it."

		# No shadow, and the group file is a FIFO: the new shadow falls back to root 0600.
		rm "$M/web/etc/shadow" "$M/web/etc/group"
		mkfifo "$M/web/etc/group"
		run prepare web
		assert_success
		run stat -c '%u:%g %a' "$M/web/etc/shadow"
		assert_output "0:0 600"

		# os-release as a FIFO does not count as one.
		rm "$M/web/etc/os-release" "$M/web/usr/lib/os-release"
		mkfifo "$M/web/usr/lib/os-release"
		ln -s ../usr/lib/os-release "$M/web/etc/os-release"
		run prepare web
		assert_failure 1
		assert_output --partial "no usable os-release inside the container root: /etc/os-release: not a regular file (a FIFO, socket or device); /usr/lib/os-release: not a regular file (a FIFO, socket or device)."
	}
	both check
}

@test "a 1 GB sparse /etc/shadow is refused before it is read" {
	check() {
		rm -rf "$M/web"
		make_tree "$M/web"
		truncate -s 1G "$M/web/etc/shadow"
		run prepare web
		assert_failure 1
		assert_output --partial "/etc/shadow in $M/web is 1073741824 bytes, more than any real shadow file (limit 4194304); refusing to read it."
	}
	both check
}

@test "a device node at /etc/shadow is refused, the device untouched" {
	check() {
		rm -rf "$M/web"
		make_tree "$M/web"
		rm "$M/web/etc/shadow"
		mknod "$M/web/etc/shadow" c 1 3
		run prepare web
		assert_failure 1
		assert_output --partial "is not a regular file (a device node); refusing it."
		[ -c "$M/web/etc/shadow" ]
	}
	both check
}

@test "a symlink loop is an error, not a hang" {
	check() {
		rm -rf "$M/web"
		make_tree "$M/web"
		rm -rf "$M/web/etc"
		ln -s etc2 "$M/web/etc"
		ln -s etc "$M/web/etc2"
		run prepare web
		assert_failure 1
		assert_output --partial "Failed to open /etc inside $M/web: Too many levels of symbolic links"
	}
	both check
}

@test "a path 300 directories deep: openat2 and the fallback walk agree (both find it)" {
	check() {
		rm -rf "$M/web"
		make_tree "$M/web"
		deep=$(printf 'd/%.0s' $(seq 300))
		mkdir -p "$M/web/$deep"
		cp /bin/true "$M/web/${deep}prog"
		entry web <<-EOF
		[Container]
		Boot=no
		Command=/${deep}prog
		EOF
		run prepare web
		assert_success
	}
	both check
}
