#!/usr/bin/env bats
# meson install puts the admin's files where their consumers look: berth in bindir, the man pages
# in mandir/manN, the journal catalog in catalogdir, the bash completions where bash-completion
# loads them. Installs into a temporary DESTDIR only.

load admin

setup() {
	DEST=$(mktemp -d)
	opts=$(meson introspect --buildoptions "$BERTH_BUILD_ROOT")
	opt() { python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == sys.argv[1]))' "$1" <<<"$opts"; }
	PREFIX=$(opt prefix)
	MANDIR=$(opt mandir)
	BINDIR=$(opt bindir)
	# The e2e harness installs from the same build directory: take its lock.
	flock "$BERTH_BUILD_ROOT/.e2e-install.lock" meson install -C "$BERTH_BUILD_ROOT" --no-rebuild --quiet \
		--destdir "$DEST" >/dev/null
}

teardown() {
	rm -rf "$DEST"
}

@test "berth is installed in bindir and runs" {
	assert_file_executable "$DEST$PREFIX/$BINDIR/berth"
	run "$DEST$PREFIX/$BINDIR/berth" --version
	assert_success
	assert_output --regexp '^berth [0-9]'
}

@test "the man pages are installed in their sections, and man finds them there" {
	for p in man1/berth.1 man5/containers.d.5 man7/berth.7 man8/berth-generator.8 man8/berth-prepare.8 \
		man8/berth-audit.8; do
		assert_file_exist "$DEST$PREFIX/$MANDIR/$p"
	done
	run env MANPATH="$DEST$PREFIX/$MANDIR" MANWIDTH=80 man 5 containers.d
	assert_success
	assert_line --regexp '^CONTAINERS\.D\(5\)'
}

@test "the installed pages name the installed paths" {
	run grep -F "$PREFIX/libexec/berth/berth-prepare" "$DEST$PREFIX/$MANDIR/man8/berth-prepare.8"
	assert_success
}

@test "the journal catalog is installed in the catalog directory" {
	if [ "$PREFIX" = /usr ]; then
		dir=$(pkg-config --variable=catalogdir systemd)
	else
		dir=$PREFIX/lib/systemd/catalog
	fi
	assert_file_exist "$DEST$dir/berth.catalog"
	cmp "$DEST$dir/berth.catalog" "$BERTH_SOURCE_ROOT/catalog/berth.catalog"
}

@test "the bash completions are installed where bash-completion loads them" {
	if [ "$PREFIX" = /usr ] && pkg-config --exists bash-completion; then
		dir=$(pkg-config --variable=completionsdir bash-completion)
	else
		dir=$PREFIX/share/bash-completion/completions
	fi
	assert_file_exist "$DEST$dir/berth"
	assert_file_exist "$DEST$dir/berth-audit"
}

@test "the networkd drop-ins are installed where systemd-networkd reads them" {
	if [ "$PREFIX" = /usr ]; then
		dir=$(pkg-config --variable=systemdutildir systemd)
	else
		dir=$PREFIX/lib/systemd
	fi
	assert_file_exist "$DEST$dir/networkd.conf.d/00-berth.conf"
	run grep -x -e 'ManageForeignRoutes=no' -e 'ManageForeignRoutingPolicyRules=no' "$DEST$dir/networkd.conf.d/00-berth.conf"
	assert_line 'ManageForeignRoutes=no'
	assert_line 'ManageForeignRoutingPolicyRules=no'
	# ManageForeignNextHops= only where networkd knows it (systemd 256 and later).
	run grep -c -x 'ManageForeignNextHops=no' "$DEST$dir/networkd.conf.d/00-berth.conf"
	if [ "$(pkg-config --modversion systemd)" -ge 256 ]; then assert_output 1; else assert_output 0; fi
	for link in ve vz; do
		run grep -x 'IPMasquerade=ipv4' "$DEST$dir/network/80-container-$link.network.d/00-berth.conf"
		assert_success
	done
}
