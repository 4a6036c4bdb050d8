# Shared by the berth-prepare fault-injection tests (fault-prepare.bats, fault-eio.bats): a
# temporary root with /etc/containers.d and /var/lib/machines, and a minimal container tree.

setup() {
	R="$BATS_TEST_TMPDIR/root"
	M="$R/var/lib/machines"
	mkdir -p "$R/etc/containers.d" "$M"
	export BERTH_CONFIG_PATH="$R/etc/containers.d"
	unset BERTH_DIGEST NOTIFY_SOCKET
}

# make_rootfs DIR [N]: a minimal root file system that berth-prepare validates (os-release, an
# init, shadow), plus N filler files so that copying it takes a while (long enough to be
# interrupted).
make_rootfs() {
	local d=$1 n=${2:-0}
	mkdir -p "$d/etc" "$d/usr/lib/systemd" "$d/srv"
	chmod 0755 "$d"
	printf 'ID=berthfault\n' >"$d/usr/lib/os-release"
	cp /bin/true "$d/usr/lib/systemd/systemd"
	printf 'root:*:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\n' >"$d/etc/shadow"
	chmod 0640 "$d/etc/shadow"
	if [ "$n" -gt 0 ]; then
		awk -v n="$n" -v d="$d/srv" 'BEGIN { for (i = 0; i < n; i++) { f = sprintf("%s/f%05d", d, i); printf "%0512d\n", i > f; close(f) } }'
	fi
}
