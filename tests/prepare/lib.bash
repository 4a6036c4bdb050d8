# Shared by the prepare tests: a private --root tree per test, entries, and minimal root file systems.
load ../lib/common.bash

setup() {
	R="$BATS_TEST_TMPDIR/root"          # what --root= points at
	mkdir -p "$R/etc/containers.d"
	export BERTH_CONFIG_PATH="$R/etc/containers.d"
	unset BERTH_DIGEST NOTIFY_SOCKET
	M="$R/var/lib/machines"
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
