# Shared by the prepare tests: a private --root tree per test, entries, and minimal root file systems.
load ../lib/common.bash

# prepare_tree_setup: the --root tree of one test; files that define their own setup() call it.
prepare_tree_setup() {
	R="$BATS_TEST_TMPDIR/root"          # what --root= points at
	mkdir -p "$R/etc/containers.d"
	export BERTH_CONFIG_PATH="$R/etc/containers.d"
	unset BERTH_DIGEST NOTIFY_SOCKET
	M="$R/var/lib/machines"
}

setup() {
	prepare_tree_setup
}

# entry NAME <<EOF ... : writes NAME.conf (0600: it may hold a password hash).
entry() {
	cat > "$R/etc/containers.d/$1.conf"
	chmod 0600 "$R/etc/containers.d/$1.conf"
}

# make_tree DIR: the smallest tree that passes validation (os-release, an init, shadow, group).
make_tree() {
	local d="$1"
	mkdir -p "$d/etc" "$d/usr/lib/systemd" "$d/usr/bin" "$d/sbin"
	chmod 0755 "$d"
	printf 'ID=berthtest\nNAME="berth test"\n' > "$d/usr/lib/os-release"
	ln -sf ../usr/lib/os-release "$d/etc/os-release"
	cp /bin/true "$d/usr/lib/systemd/systemd"
	printf 'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n' > "$d/etc/shadow"
	chmod 0640 "$d/etc/shadow"
	chgrp 42 "$d/etc/shadow"
	printf 'root:x:0:\nshadow:x:42:\n' > "$d/etc/group"
}

# prepare ARGS...: berth-prepare under our --root.
prepare() {
	berth_exec "$BERTH_PREPARE" --root="$R" "$@"
}

# sha FILE...: checksums, to prove host files did not change.
sha() {
	sha256sum "$@"
}

# make_rich_tree DIR: make_tree plus what a copy or an archive must carry over: device nodes (the
# pseudo devices a tree may hold: berth refuses any other, see device-nodes in provision.bats),
# a FIFO, a hard link, an ACL, a user xattr, a sparse file, symlinks, odd modes and owners.
make_rich_tree() {
	local d="$1"
	make_tree "$d"
	mkdir -p "$d/dev" "$d/srv/shared" "$d/var/tmp"
	mknod "$d/dev/null" c 1 3
	mknod "$d/dev/tty" c 5 0
	chmod 0620 "$d/dev/tty"
	mkfifo "$d/srv/fifo"
	echo data > "$d/srv/a"
	ln "$d/srv/a" "$d/srv/hardlink-to-a"
	echo acl > "$d/srv/acl"
	setfacl -m u:1234:r,g:2345:rw "$d/srv/acl"
	echo xattr > "$d/srv/xattr"
	setfattr -n user.berth -v hello "$d/srv/xattr"
	truncate -s 64M "$d/srv/sparse"
	echo end >> "$d/srv/sparse"
	ln -s ../usr/lib/os-release "$d/srv/rel-link"
	ln -s /etc/hostname "$d/srv/abs-link"
	echo owned > "$d/srv/owned"
	chown 1234:5678 "$d/srv/owned"
	chown -h 4321:8765 "$d/srv/rel-link"
	cp /bin/true "$d/srv/setuid"
	chmod 4755 "$d/srv/setuid"
	chmod 1777 "$d/var/tmp"
	chmod 0700 "$d/srv/shared"
	chmod 0400 "$d/srv/a"
}

# describe DIR: everything about a tree that a faithful copy keeps, one line per file, sorted
# (inode numbers replaced by which names share one, so hard links show).
describe() {
	(
		cd "$1" || exit 1
		find . -printf '%p %y %m %U:%G %s %l\n' | sort
		find . -type f -links +1 -printf '%i %p\n' | sort | awk '{n[$1] = n[$1] " " $2} END {for (i in n) print "hardlinks" n[i]}' | sort
		find . -type b -o -type c | sort | while read -r f; do stat -c "%n dev %t:%T" "$f"; done
		getfacl -R -P -s -p . 2>/dev/null | grep -v '^$'
		getfattr -R -P -d -m 'user\.' . 2>/dev/null | grep -v '^$'
	)
}

# write_fake FILE RECORD: a test double for debootstrap, mmdebstrap, dnf or yum, to be bound over the
# real program (or put on the provisioners' fixed PATH) in a private mount namespace. Provisioners
# run with a clean environment, so the record file is written into the script. It records its
# name, arguments, environment and stdin, then builds a minimal root where it was asked to.
write_fake() {
	cat > "$1" <<-EOF
	#!/bin/sh
	{
		echo "argv0=\$(basename "\$0")"
		for a in "\$@"; do echo "arg=\$a"; done
		tr '\0' '\n' < /proc/\$\$/environ | sed 's/^/env=/'
		echo "stdin=\$(readlink /proc/\$\$/fd/0)"
	} >> "$2"
	target=
	case "\$(basename "\$0")" in
	debootstrap) target="\$3" ;;
	mmdebstrap) while [ "\$1" != -- ]; do shift; done; target="\$3" ;;
	dnf | yum) for a in "\$@"; do case "\$a" in --installroot=*) target="\${a#--installroot=}" ;; esac; done ;;
	esac
	[ -n "\$target" ] || exit 64
	mkdir -p "\$target/etc" "\$target/usr/lib/systemd"
	echo 'ID=fake' > "\$target/usr/lib/os-release"
	cp /bin/true "\$target/usr/lib/systemd/systemd"
	EOF
	chmod 0755 "$1"
}

# in_namespace SCRIPT: runs a bash script in a private mount namespace, with berth_exec defined.
in_namespace() {
	{
		declare -f berth_exec
		echo "BERTH_VALGRIND=${BERTH_VALGRIND:-0}"
		cat "$1"
	} > "$1.run"
	unshare -m --propagation private bash -e "$1.run"
}
