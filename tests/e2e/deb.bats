#!/usr/bin/env bats
# The Debian package in a test host: built from the tree (scripts/build-deb --worktree, once per
# state of the tree), installed with 'dpkg -i' into a host that has no berth staged, its files
# where Debian puts them, its postinst's work done; three entries (one broken) started by a
# reboot, 'berth list' and 'berth cat' there; then 'dpkg -r' and '--purge' take it away again.
# Outputs go to the scenario's record (meson-logs/e2e/deb.txt) and to the TAP stream.

load lib/e2e

# The host's OS (the machine's own, or the cached Debian 13 tree: E2E_OS_ROOT) has berth's
# dependencies (systemd, systemd-container, libsystemd0, …) installed already. What dpkg needs on
# top:
#  * /usr writable: an overlay of the OS's /usr, its changes in the test's directory (kept
#    across the host's reboots, gone with the host);
#  * the dpkg database that describes that /usr: a copy of the OS's /var/lib/dpkg (the
#    volatile host's /var starts empty), without its stat overrides, which name groups of the
#    machine's /etc that the host's fresh /etc does not have (dpkg refuses to start then);
#  * /etc on disk in the test's directory instead of the host's tmpfs, so that what the postinst
#    enables survives the reboot, as on a real machine: empty on the machine's own OS (whose
#    test hosts boot with an empty /etc), a copy of the tree's /etc on Debian 13;
#  * the machine's /usr/local hidden (an empty directory): a berth installed there with meson
#    would run a second generator next to the package's.
DEB_HOST_ARGS=()

setup() {
	[ "$(id -u)" = 0 ] || fail "the e2e tests boot systemd-nspawn test hosts and must run as root"
	e2e_host_init deb
	e2e_busybox_tree "$E2E_DIR/fixtures/busybox"
	E2E_RECORD="$BERTH_BUILD_ROOT/meson-logs/e2e/deb.txt"
	mkdir -p "${E2E_RECORD%/*}"
	: >"$E2E_RECORD"
	trap 'exit 143' TERM

	DEB=$(deb_package)
	mkdir -p "$E2E_DIR/usr-upper" "$E2E_DIR/etc" "$E2E_DIR/empty" "$E2E_DIR/deb"
	cp -a "${E2E_OS_ROOT%/}/var/lib/dpkg" "$E2E_DIR/dpkg"
	[ "$E2E_OS_ROOT" = / ] || cp -a "$E2E_OS_ROOT/etc/." "$E2E_DIR/etc/"
	: >"$E2E_DIR/dpkg/statoverride"
	cp "$DEB" "$E2E_DIR/deb/"
	DEB_HOST_ARGS=(--overlay "${E2E_OS_ROOT%/}/usr:$E2E_DIR/usr-upper:/usr"
		--bind "$E2E_DIR/dpkg:/var/lib/dpkg"
		--bind "$E2E_DIR/etc:/etc"
		--bind-ro "$E2E_DIR/empty:/usr/local"
		--bind-ro "$E2E_DIR/deb:/srv/deb")
}

teardown() {
	e2e_teardown
}

# tree_digest: a digest of the files the package is built from (those scripts/build-deb
# --worktree copies: content, and whether executable), so that a changed tree gets a new package.
tree_digest() {
	"$BERTH_SOURCE_ROOT/scripts/build-deb" --list-files |
		python3 -c '
import hashlib, os, sys
h = hashlib.sha256()
for f in sorted(p for p in sys.stdin.buffer.read().split(b"\0") if p):
    path = os.path.join(sys.argv[1].encode(), f)
    if os.path.islink(path):
        h.update(b"L" + f + b"\0" + os.readlink(path) + b"\0")
    elif os.path.isfile(path):
        with open(path, "rb") as fd:
            data = fd.read()
        h.update(b"F" + f + b"\0" + (b"x" if os.access(path, os.X_OK) else b"-") + hashlib.sha256(data).digest())
print(h.hexdigest()[:16])' "$BERTH_SOURCE_ROOT"
}

# deb_package: prints the path of the package built from the tree as it is now. Built once per
# state of the tree into BUILD/e2e-deb/DIGEST (under a lock, so parallel runs wait for one
# build), with the test suite neither built into the run (nocheck) nor run, and no debug symbols
# package; lintian is scripts/build-deb's own run, not this test's. The build's wall time goes to
# the record.
deb_package() {
	local digest dir start
	digest=$(tree_digest) || return
	[ -n "$digest" ] || fail "scripts/build-deb --list-files listed nothing in $BERTH_SOURCE_ROOT"
	dir="$BERTH_BUILD_ROOT/e2e-deb/$digest"
	mkdir -p "$BERTH_BUILD_ROOT/e2e-deb" || return
	(
		flock 9 || exit 1
		if compgen -G "$dir/berth_*.deb" >/dev/null; then
			echo "# package: built earlier for this state of the tree, reused" >>"$E2E_RECORD"
			exit 0
		fi
		# Packages of earlier states of the tree.
		find "$BERTH_BUILD_ROOT/e2e-deb" -mindepth 1 -maxdepth 1 -type d -mmin +120 -exec rm -rf {} +
		rm -rf "$dir.tmp"
		start=$(date +%s)
		BERTH_SKIP_DEPS=1 DEB_BUILD_OPTIONS="nocheck parallel=2 noautodbgsym" \
			"$BERTH_SOURCE_ROOT/scripts/build-deb" --worktree --no-lintian "$dir.tmp" >/dev/null || exit 1
		echo "# package build: $(($(date +%s) - start)) s (wall, DEB_BUILD_OPTIONS=nocheck parallel=2 noautodbgsym)" >>"$E2E_RECORD"
		mv "$dir.tmp" "$dir"
	) 9>"$BERTH_BUILD_ROOT/e2e-deb/lock" || fail "scripts/build-deb failed (its log is above)"
	compgen -G "$dir/berth_*.deb" | head -n1
}

# note TITLE TEXT: appends TEXT under '# TITLE' to the scenario's record.
note() {
	printf '# %s\n%s\n\n' "$1" "$2" >>"$E2E_RECORD"
}

# show CMD...: runs CMD in the host, keeps its output in the record and shows it in the TAP stream.
show() {
	keep_output guest "$@"
	{
		echo "\$ $*"
		guest "$@" 2>&1 || true
	} | sed 's/^/# /' >&3
}

@test "Debian package: dpkg -i in a test host, three entries up after a reboot, berth list/cat, dpkg -r/--purge" {
	e2e_busybox_entry db 'Priority=10' | entry db
	e2e_busybox_entry web 'DependsOn=db' 'Priority=20' | entry web
	e2e_host_boot "${DEB_HOST_ARGS[@]}"

	# Before: no berth in the host, so the entries do nothing yet.
	run guest test -e /usr/bin/berth
	assert_failure
	run guest test -e /lib/systemd/system-generators/berth-generator
	assert_failure
	run guest test -e /run/berth
	assert_failure
	# (On Debian 13 the tree's /etc has machines.target enabled already, by systemd-container's
	# postinst, as on an admin's machine; the machine's own OS boots with an empty /etc.)
	if [ "$E2E_OS_ROOT" = / ]; then
		run guest systemctl is-enabled machines.target
		refute_output enabled
	fi
	run guest test -e /run/systemd/generator/machines.target.wants/systemd-nspawn@db.service
	assert_failure

	run guest dpkg -i "/srv/deb/${DEB##*/}"
	assert_success
	note "dpkg -i $DEB" "$output"
	# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
	run guest dpkg-query -W -f '${Status} ${Version}' berth
	assert_output --regexp '^install ok installed [0-9]'

	# Where Debian puts things: systemd's directories as systemd.pc names them (/lib/systemd/… on
	# Debian 12), helpers in /usr/libexec/berth, the rest under /usr.
	run guest dpkg -L berth
	assert_success
	local f
	for f in /lib/systemd/system-generators/berth-generator /usr/bin/berth /usr/sbin/berth-audit \
		/usr/libexec/berth/berth-prepare /lib/systemd/system/berth-audit.service \
		/usr/lib/tmpfiles.d/berth.conf /usr/lib/systemd/catalog/berth.catalog \
		/usr/share/bash-completion/completions/berth /usr/share/bash-completion/completions/berth-audit \
		/usr/share/man/man1/berth.1.gz /usr/share/man/man5/containers.d.5.gz /usr/share/man/man7/berth.7.gz \
		/usr/share/man/man8/berth-generator.8.gz /usr/share/man/man8/berth-prepare.8.gz \
		/usr/share/man/man8/berth-audit.8.gz; do
		assert_line "$f"
		guest test -f "$f" || fail "$f is listed by dpkg -L but not in the host"
	done
	refute_output --partial /usr/local
	for f in /lib/systemd/system-generators/berth-generator /usr/bin/berth /usr/sbin/berth-audit \
		/usr/libexec/berth/berth-prepare; do
		guest test -x "$f" || fail "$f is not executable"
	done
	run guest bash -c '. /usr/share/bash-completion/completions/berth && complete -p berth'
	assert_success
	assert_output --regexp '^complete .* berth$'

	# The postinst's work: machines.target enabled (and berth-audit.service, by debhelper),
	# systemd-tmpfiles run (/run/berth), daemon-reload run (the generator saw the two entries),
	# the catalog in journald's database (systemd's trigger).
	run guest systemctl is-enabled machines.target berth-audit.service
	assert_output $'enabled\nenabled'
	run guest stat -c '%a %U %G %F' /run/berth
	assert_output '700 root root directory'
	for f in db web; do
		guest test -L "/run/systemd/generator/machines.target.wants/systemd-nspawn@$f.service" ||
			fail "no systemd-nspawn@$f.service from the generator after dpkg -i: did the postinst run daemon-reload?"
	done
	local id
	id=$(sed -n 's/^-- \([0-9a-f]\{32\}\)$/\1/p' "$BERTH_SOURCE_ROOT/catalog/berth.catalog" | head -n1)
	[ -n "$id" ]
	run guest journalctl --list-catalog
	assert_line --partial "$id"
	# The units run the package's programs, not a /usr/local build.
	run guest systemctl cat systemd-nspawn@db.service
	assert_output --partial 'ExecStartPre=/usr/libexec/berth/berth-prepare'
	refute_output --partial /usr/local
	# Installing starts no container: that is the boot's job (or the admin's).
	run unit_prop db ActiveState
	assert_output inactive

	# A third entry, broken (Boot=no without Command=), dropped in after the install and picked
	# up by a daemon-reload, as an admin would.
	printf '[Container]\nBoot=no\nProvision=copy /fixtures/busybox\n' | entry broken
	guest systemctl daemon-reload
	guest test -L /run/systemd/generator/machines.target.wants/systemd-nspawn@broken.service

	# The point of berth: at the next boot they come up on their own.
	e2e_host_reboot
	wait_unit db active
	wait_unit web active
	wait_unit broken failed
	run guest systemctl is-enabled machines.target
	assert_output enabled

	run guest berth list
	assert_success
	show berth list
	assert_line --index 0 --regexp '^NAME +ENABLED +PRIORITY +STATE +SOURCE +ERROR$'
	assert_line --index 1 --regexp '^broken +yes +50 +failed +/etc/containers.d/broken.conf +/etc/containers.d/broken.conf:[0-9]+: .*Command='
	assert_line --index 2 --regexp '^db +yes +10 +active +/etc/containers.d/db.conf +-$'
	assert_line --index 3 --regexp '^web +yes +20 +active +/etc/containers.d/web.conf +-$'
	assert_equal "${#lines[@]}" 4

	# berth cat: each value under the FILE:LINE it came from (e2e_busybox_entry's lines:
	# 1 [Container], 2 Description=, 3 Boot=, 4 Command=, 5 Provision=, then the extra lines,
	# then [Exec] and KillSignal=).
	run guest berth cat web
	assert_success
	show berth cat web
	echo "$output" | grep -B1 -x 'Boot=no' | head -n1 | grep -qx '# /etc/containers.d/web.conf:3'
	echo "$output" | grep -B1 -x 'DependsOn=db' | head -n1 | grep -qx '# /etc/containers.d/web.conf:6'
	echo "$output" | grep -B1 -x 'Priority=20' | head -n1 | grep -qx '# /etc/containers.d/web.conf:7'
	echo "$output" | grep -B1 -x 'KillSignal=SIGTERM' | head -n1 | grep -qx '# /etc/containers.d/web.conf:9'
	run guest berth cat broken
	show berth cat broken
	assert_line --regexp '^# error: /etc/containers\.d/broken\.conf:2: .*Command='
	echo "$output" | grep -B1 -x 'Priority=50' | head -n1 | grep -qx '# default'
	echo "$output" | grep -B1 -x 'Boot=no' | head -n1 | grep -qx '# /etc/containers.d/broken.conf:2'
	echo "$output" | grep -B1 -x 'Provision=copy /fixtures/busybox' | head -n1 |
		grep -qx '# /etc/containers.d/broken.conf:3'
	show machinectl list

	# dpkg -r: the programs go; the postrm's daemon-reload drops what the generator had made. The
	# running containers are left alone (the stock systemd-nspawn@.service without berth's
	# drop-ins), the entries are the admin's.
	run guest dpkg -r berth
	assert_success
	note "dpkg -r berth" "$output"
	for f in /lib/systemd/system-generators/berth-generator /usr/bin/berth /usr/sbin/berth-audit \
		/usr/libexec/berth/berth-prepare /lib/systemd/system/berth-audit.service; do
		run guest test -e "$f"
		assert_failure
	done
	run guest ls -A /run/systemd/generator
	refute_output --partial machines.target.wants
	refute_output --partial systemd-nspawn@
	run unit_prop db DropInPaths
	refute_output --partial /run/systemd/generator
	# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
	run guest dpkg-query -W -f '${Status}' berth
	assert_output 'deinstall ok config-files'
	[ -f "$E2E_DIR/containers.d/web.conf" ]

	# --purge: the rest of dpkg's records and the berth-audit.service link go; machines.target
	# (systemd-container's) stays enabled.
	guest dpkg --purge berth
	# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
	run guest dpkg-query -W -f '${Status}' berth
	refute_output --partial 'ok installed'
	refute_output --partial config-files
	run guest test -e /etc/systemd/system/machines.target.wants/berth-audit.service
	assert_failure
	run guest systemctl is-enabled machines.target
	assert_output enabled

	e2e_host_poweroff
}
