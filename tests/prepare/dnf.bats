#!/usr/bin/env bats
# Provision=dnf with the real dnf (Debian's dnf package), installing from an RPM repository this
# file builds (rpmbuild, createrepo_c), set up on the host the way examples/cool-container.conf
# tells admins to: a .repo file in /etc/yum.repos.d, and on a Debian host rpm's database path in
# /etc/rpm/macros.dbpath.
#
# Real: berth-prepare, dnf, libdnf, librepo, rpm, the repository metadata, dependency resolution,
# the rpm transaction, the host's dnf configuration read from /etc. Not real: the distribution (two
# small RPMs of ours: an os-release and a static busybox as /usr/bin/sh, no scriptlets, unsigned,
# so the .repo file says gpgcheck=0) and the repository's transport (file://, no mirror, no
# network). This machine's /etc is never written: each test runs in a private mount namespace
# with a tmpfs-backed overlay over /etc, where the .repo file and the macro go.
load lib.bash

setup_file() {
	local tool
	for tool in dnf rpmbuild createrepo_c busybox; do
		command -v "$tool" >/dev/null ||
			{ echo "# $tool is not installed: scripts/install-deps installs scripts/deps.txt" >&3; return 1; }
	done
	export REPO="$BATS_FILE_TMPDIR/repo"
	local top="$BATS_FILE_TMPDIR/rpmbuild"
	mkdir -p "$top" "$REPO"
	cat > "$top/release.spec" <<-'EOF'
	Name: berthtest-release
	Version: 1
	Release: 1
	Summary: os-release of berth's test distribution
	License: MIT
	BuildArch: noarch
	%description
	The os-release of a minimal root that dnf installs in berth's tests.
	%install
	mkdir -p %{buildroot}/usr/lib %{buildroot}/etc
	printf 'ID=berthrpm\nNAME="berth RPM test"\nVERSION_ID=1\n' > %{buildroot}/usr/lib/os-release
	ln -s ../usr/lib/os-release %{buildroot}/etc/os-release
	%files
	/usr/lib/os-release
	/etc/os-release
	EOF
	# Requires: berthtest-release, so that installing the shell alone proves dnf resolved it.
	cat > "$top/shell.spec" <<-'EOF'
	Name: berthtest-shell
	Version: 1
	Release: 1
	Summary: a static busybox as /usr/bin/sh
	License: GPL-2.0-only
	Requires: berthtest-release
	AutoReqProv: no
	%description
	A statically linked busybox, the shell of a minimal root that dnf installs in berth's tests.
	%install
	mkdir -p %{buildroot}/usr/bin
	cp %{busybox} %{buildroot}/usr/bin/busybox
	ln -s busybox %{buildroot}/usr/bin/sh
	%files
	/usr/bin/busybox
	/usr/bin/sh
	EOF
	local spec
	for spec in release shell; do
		# HOME and _dbpath here: Debian's rpm would otherwise create /root/.rpmdb.
		HOME="$top" rpmbuild --quiet --define "_topdir $top" --define "_dbpath $top/db" \
			--define "busybox $(command -v busybox)" -bb "$top/$spec.spec" >&3 2>&1
	done
	cp "$top"/RPMS/*/*.rpm "$REPO/"
	createrepo_c --quiet "$REPO"
}

# What dnf and rpm read or would write on the host outside the installroot: their configuration,
# cache, state, logs, and Debian's rpm database in root's home.
host_dnf_state() {
	find /etc/dnf /etc/yum.repos.d /etc/rpm /var/lib/dnf /var/cache/dnf /var/log/dnf* /var/log/hawkey* \
		/root/.rpmdb -printf '%p %s %T@\n' 2>/dev/null | sort
}

# dnf_namespace SCRIPT: the host setup the docs give admins, in a private mount namespace (an
# overlay over /etc, its upper layer on a tmpfs that goes away with the namespace), then SCRIPT's
# lines. DBPATH=no leaves the rpm macro out.
dnf_namespace() {
	local ns="$BATS_TEST_TMPDIR/ns.sh" ov="$BATS_TEST_TMPDIR/etc-overlay"
	mkdir -p "$ov"
	{
		cat <<-EOF
		mount -t tmpfs -o mode=0755 berth-test "$ov"
		mkdir "$ov/upper" "$ov/work"
		mount -t overlay -o lowerdir=/etc,upperdir=$ov/upper,workdir=$ov/work berth-test /etc
		mkdir -p /etc/yum.repos.d /etc/rpm
		cat > /etc/yum.repos.d/berthtest.repo <<-EOR
		[berthtest]
		name=berth test repository
		baseurl=file://$REPO
		gpgcheck=0
		EOR
		EOF
		if [ "${DBPATH:-yes}" = yes ]; then
			echo "echo '%_dbpath /var/lib/rpm' > /etc/rpm/macros.dbpath"
		fi
		cat "$1"
	} > "$ns"
	in_namespace "$ns"
}

@test "dnf: the real dnf installs a minimal root from a repository in /etc/yum.repos.d; it passes validation; its rpm database lists the packages; the host is untouched" {
	entry web <<-EOF
	[Container]
	Boot=no
	Command=/usr/bin/sh -c 'echo hello'
	Provision=dnf 1 berthtest-shell
	EOF
	before=$(host_dnf_state)
	cat > "$BATS_TEST_TMPDIR/run.sh" <<-EOF
	berth_exec "$BERTH_PREPARE" --root="$R" web
	EOF
	SECONDS=0
	run dnf_namespace "$BATS_TEST_TMPDIR/run.sh"
	echo "# berth-prepare with the real dnf: $SECONDS s" >&3
	assert_success
	assert_output --regexp "Provisioning [^:]*: dnf -y --releasever=1 --installroot=$M/[^ ]* install berthtest-shell"
	# dnf resolved the dependency and ran the transaction.
	assert_output --partial "Installing       : berthtest-release-1-1.noarch"
	assert_output --partial "Installing       : berthtest-shell-1-1.x86_64"
	assert_output --partial "Complete!"
	# Validated for Boot=no (Command= resolved inside the root) and renamed into place.
	assert [ -d "$M/web" ]
	run cat "$M/web/etc/os-release"
	assert_output --partial "ID=berthrpm"
	run chroot "$M/web" /usr/bin/sh -c 'echo hello'
	assert_output hello
	# Made by dnf: the rpm database in the tree, where the macro put it, lists both packages.
	run rpm --root="$M/web" --dbpath=/var/lib/rpm -qa --qf '%{NAME}-%{VERSION}-%{RELEASE}\n'
	assert_success
	assert_equal "$(sort <<<"$output")" "$(printf 'berthtest-release-1-1\nberthtest-shell-1-1')"
	assert [ ! -e "$M/web/root/.rpmdb" ]
	# Nothing in the machines directory but the root (and the image cache, where berth has one),
	# and no half-made tree anywhere under it.
	for f in $(ls -A "$M"); do
		case $f in web | .berth-images) ;; *) fail "left in $M: $f" ;; esac
	done
	run find "$M" -maxdepth 3 -name '.#*'
	assert_output ""
	# The host: the .repo file and the macro stayed in the namespace, nothing written to dnf's
	# or rpm's own places.
	assert_equal "$(host_dnf_state)" "$before"
	assert [ ! -e /etc/yum.repos.d/berthtest.repo ]
	assert [ ! -e /etc/rpm/macros.dbpath ]
}

@test "dnf: without the dbpath macro, Debian's rpm puts the tree's database at /root/.rpmdb (why the docs ask for it)" {
	entry web <<-EOF
	[Container]
	Boot=no
	Command=/usr/bin/sh
	Provision=dnf 1 berthtest-shell
	EOF
	cat > "$BATS_TEST_TMPDIR/run.sh" <<-EOF
	berth_exec "$BERTH_PREPARE" --root="$R" web
	EOF
	DBPATH=no run dnf_namespace "$BATS_TEST_TMPDIR/run.sh"
	assert_success
	assert [ -e "$M/web/root/.rpmdb/rpmdb.sqlite" ]
	assert [ ! -e "$M/web/var/lib/rpm" ]
}

@test "dnf: a package the repository does not have fails with dnf's message and berth's step; nothing is left" {
	entry web <<-EOF
	[Container]
	Boot=no
	Command=/usr/bin/sh
	Provision=dnf 1 berthtest-shell berthtest-nosuch
	EOF
	cat > "$BATS_TEST_TMPDIR/run.sh" <<-EOF
	berth_exec "$BERTH_PREPARE" --root="$R" web
	EOF
	run dnf_namespace "$BATS_TEST_TMPDIR/run.sh"
	assert_failure 1
	assert_output --partial "No match for argument: berthtest-nosuch"
	assert_output --regexp "Provisioning failed at step 'dnf': [^ ]*dnf exited with status 1\."
	assert_output --partial "the partial tree is removed now"
	assert [ ! -e "$M/web" ]
	run find "$M" -mindepth 1 -maxdepth 2 ! -name .berth-images
	assert_output ""
}
