#!/usr/bin/env bats
# Provision=: every provisioner for real (copy, tar in four compressions, command), debootstrap and
# dnf/yum through a fake bound over the real program in a private mount namespace (the real
# debootstrap run, which needs the network, is in the e2e suite; the real dnf run, from a local
# repository, in dnf.bats).
load lib.bash

teardown() {
	# A notify recorder still running (a test failed before stopping it) would keep bats waiting.
	if [ -n "${recorder:-}" ]; then kill "$recorder" 2>/dev/null || true; fi
}

@test "copy: owners, modes, device nodes, FIFO, hard links, ACLs, xattrs, sparse files, symlinks" {
	src="$BATS_TEST_TMPDIR/src"
	make_rich_tree "$src"
	chmod 0750 "$src"
	entry web <<-EOF
	[Container]
	Provision=copy $src
	EOF
	run prepare web
	assert_success
	assert_output --partial "Provisioning $M/web: cp --archive --preserve=all --reflink=auto --sparse=auto --no-target-directory -- $src $M/.#web.berth-"
	assert_output --partial "Provisioned $M/web with cp:"
	[ "$(describe "$M/web")" = "$(describe "$src")" ]
	# The sparse file stayed sparse.
	[ "$(du -k "$M/web/srv/sparse" | cut -f1)" -lt 1024 ]
	run ls -A "$M"
	assert_output web
}

# devprov [MKNOD-ARGS]: $BATS_TEST_TMPDIR/p, a provisioner of a bootable tree with /dev's pseudo
# devices and, with arguments, one node more at /var/lib/x/node.
devprov() {
	{
		echo '#!/bin/bash'
		echo 'set -e'
		echo 'mkdir -p "$1/etc" "$1/usr/lib/systemd" "$1/dev" "$1/var/lib/x"'
		echo 'echo ID=devtest > "$1/usr/lib/os-release"'
		echo 'cp /bin/true "$1/usr/lib/systemd/systemd"'
		for n in "null c 1 3" "zero c 1 5" "full c 1 7" "random c 1 8" "urandom c 1 9" "tty c 5 0" "console c 5 1" "ptmx c 5 2"; do
			set -- $n
			echo "mknod \"\$1/dev/$1\" $2 $3 $4"
		done
		if [ $# -gt 0 ] && [ -n "${EXTRA:-}" ]; then echo "mknod \"\$1/var/lib/x/node\" $EXTRA"; fi
	} > "$BATS_TEST_TMPDIR/p"
	chmod 0755 "$BATS_TEST_TMPDIR/p"
}

@test "device-nodes: a tree with a device node a container could open is refused, named, and nothing is left" {
	entry web <<-EOF
	[Container]
	Provision=command $BATS_TEST_TMPDIR/p %r
	ManageNetwork=no
	EOF
	# An NVMe partition (blkext), a device-mapper volume (254, its usual major), a loop device,
	# the loop control device: all refused, whatever the directory.
	for EXTRA in "b 259 1" "b 254 0" "b 7 0" "c 10 237"; do
		devprov x
		run prepare web
		assert_failure
		set -- $EXTRA
		kind=block
		[ "$1" = b ] || kind=character
		assert_output --regexp "Provisioning failed at step 'check the new tree': $BATS_TEST_TMPDIR/p made the $kind device node /var/lib/x/node \($2:$3\)\. A container can open the device nodes of its root .*Provision= in $R/etc/containers.d/web.conf"
		assert [ ! -e "$M/web" ]
		run find "$M" -mindepth 1 -not -path "$M/.berth-images"
		assert_output ''
	done
	# Only the pseudo devices: provisioned.
	EXTRA= devprov
	run prepare web
	assert_success
	assert [ -c "$M/web/dev/null" ]
	assert [ -c "$M/web/dev/ptmx" ]
	# Provision=copy of a source with a block device: refused too.
	src="$BATS_TEST_TMPDIR/src"
	make_tree "$src"
	mknod "$src/disk" b 8 0
	entry db <<-EOF
	[Container]
	Provision=copy $src
	ManageNetwork=no
	EOF
	run prepare db
	assert_failure
	assert_output --partial "the block device node /disk (8:0)"
	assert [ ! -e "$M/db" ]
}

@test "tar: .tar, .tar.gz, .tgz, .tar.xz, .txz, .tar.zst, .tzst all unpack faithfully" {
	src="$BATS_TEST_TMPDIR/src"
	make_rich_tree "$src"
	# .txz and .tzst were handled by the provisioner but refused by the loader (issue 16): one
	# table now (tar_option_from_name()).
	for z in tar tar.gz tgz tar.xz txz tar.zst tzst; do
		case $z in
		tar) opt= ;; tar.gz | tgz) opt=--gzip ;; tar.xz | txz) opt=--xz ;; tar.zst | tzst) opt=--zstd ;;
		esac
		tar -C "$src" --numeric-owner --xattrs --xattrs-include='*' --acls --sparse $opt -cf "$BATS_TEST_TMPDIR/root.$z" .
		rm -rf "$M/web"
		entry web <<-EOF
		[Container]
		Provision=tar $BATS_TEST_TMPDIR/root.$z
		EOF
		run prepare web
		assert_success
		assert_output --partial ": tar --extract --file=$BATS_TEST_TMPDIR/root.$z --directory=$M/.berth-images/.#tar-root.$z-"
		assert_output --partial "Provisioned $M/web with cp of image tar-root.$z-"
		[ "$(describe "$M/web")" = "$(describe "$src")" ]
		[ "$(du -k "$M/web/srv/sparse" | cut -f1)" -lt 1024 ]
	done
}

@test "tar: an unknown extension is an error naming what is accepted (from the loader)" {
	: > "$BATS_TEST_TMPDIR/root.rar"
	entry web <<-EOF
	[Container]
	Provision=tar $BATS_TEST_TMPDIR/root.rar
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "web.conf:2: Invalid Provision=tar $BATS_TEST_TMPDIR/root.rar in [Container]: the archive name must end in .tar"
	assert [ ! -e "$M/web" ]
}

@test "copy/tar: a missing or wrong source is named" {
	entry web <<-EOF
	[Container]
	Provision=copy $BATS_TEST_TMPDIR/nothere
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "Provision=copy $BATS_TEST_TMPDIR/nothere: the source cannot be read: No such file or directory"
	: > "$BATS_TEST_TMPDIR/file"
	entry web <<-EOF
	[Container]
	Provision=copy $BATS_TEST_TMPDIR/file
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "Provision=copy $BATS_TEST_TMPDIR/file: not a directory"
	mkdir "$BATS_TEST_TMPDIR/dir.tar"
	entry web <<-EOF
	[Container]
	Provision=tar $BATS_TEST_TMPDIR/dir.tar
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "Provision=tar $BATS_TEST_TMPDIR/dir.tar: not a regular file"
	assert [ ! -e "$M/web" ]
}

@test "tar: a hostile archive writes nothing outside the target" {
	host="$BATS_TEST_TMPDIR/host"
	mkdir -p "$host"
	echo secret > "$host/secret"
	before=$(cd "$host" && find . -printf '%p %s %m\n' | sort; sha256sum secret)
	a="$BATS_TEST_TMPDIR/a" b="$BATS_TEST_TMPDIR/b"
	mkdir -p "$a" "$b/link"
	make_tree "$a"
	ln -s "$host" "$a/link"                  # absolute symlink out of the tree ...
	echo pwned > "$b/link/pwned"             # ... then a member written through it
	echo pwned > "$b/secret"
	tar -C "$a" -cf "$BATS_TEST_TMPDIR/evil.tar" .
	tar -C "$b" -rf "$BATS_TEST_TMPDIR/evil.tar" link/pwned
	# Members with ../ and absolute names.
	tar -C "$b" -rf "$BATS_TEST_TMPDIR/evil.tar" --transform="s,^secret,../../../../..$host/secret," secret
	tar -C "$b" -rf "$BATS_TEST_TMPDIR/evil.tar" --absolute-names --transform="s,^secret,$host/secret," secret
	run tar -tvf "$BATS_TEST_TMPDIR/evil.tar"
	assert_output --partial "../../../../..$host/secret"
	entry web <<-EOF
	[Container]
	Provision=tar $BATS_TEST_TMPDIR/evil.tar
	EOF
	run prepare web
	# GNU tar refuses the bad members; whether it then reports failure or not, nothing escaped.
	after=$(cd "$host" && find . -printf '%p %s %m\n' | sort; sha256sum secret)
	[ "$before" = "$after" ]
	if [ "$status" = 0 ]; then
		assert [ -L "$M/web/link" ]
	else
		assert_output --partial "Provisioning failed at step 'tar'"
		assert [ ! -e "$M/web" ]
	fi
	run ls -A "$M"
	refute_output --partial ".#web.berth-"
}

@test "command: %r is the directory to fill, %% a percent; clean environment, stdin /dev/null, narrowed parent" {
	rec="$BATS_TEST_TMPDIR/record"
	cat > "$BATS_TEST_TMPDIR/fill" <<-EOF
	#!/bin/bash
	{
		for a in "\$@"; do echo "arg=\$a"; done
		tr '\0' '\n' < /proc/\$\$/environ | sed 's/^/env=/'
		echo "stdin=\$(readlink /proc/\$\$/fd/0)"
		grep ^CapEff /proc/\$PPID/status | sed 's/^/parent-/'
		grep ^CapEff /proc/\$\$/status | sed 's/^/self-/'
	} > "$rec"
	mkdir -p "\$1/etc" "\$1/usr/lib/systemd"
	echo ID=cmd > "\$1/usr/lib/os-release"
	cp /bin/true "\$1/usr/lib/systemd/systemd"
	EOF
	chmod 0755 "$BATS_TEST_TMPDIR/fill"
	entry web <<-EOF
	[Container]
	Provision=command $BATS_TEST_TMPDIR/fill %r 100%% --root=%r/x
	EOF
	http_proxy=http://proxy.example:3128 SECRET_TOKEN=leak run prepare web
	assert_success
	run cat "$rec"
	assert_line --regexp "^arg=$M/\.berth-images/\.#[^/]*\.berth-[A-Za-z0-9]{6}/tree$"
	assert_line "arg=100%"
	assert_line --regexp "^arg=--root=$M/\.berth-images/\.#[^/]*\.berth-[A-Za-z0-9]{6}/tree/x$"
	# Exactly the documented environment.
	run grep ^env= "$rec"
	assert_output - <<-EOF
	env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	env=LANG=C.UTF-8
	env=http_proxy=http://proxy.example:3128
	EOF
	run grep ^stdin= "$rec"
	assert_output "stdin=/dev/null"
	# berth-prepare's own effective set is narrowed to chown, dac_override, dac_read_search,
	# fowner, setpcap while the provisioner, exec'ed as root, has the full set.
	run grep ^parent-CapEff "$rec"
	assert_output --regexp "^parent-CapEff:[[:space:]]+000000000000010f$"
	run grep ^self-CapEff "$rec"
	refute_output --regexp "000000000000010f$"
	assert [ -e "$M/web/usr/lib/os-release" ]
}

@test "command: a program that does not exist is named" {
	entry web <<-EOF
	[Container]
	Provision=command /nonexistent/provisioner %r
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "Provision=command needs /nonexistent/provisioner, which is not executable"
	# A non-executable file.
	: > "$BATS_TEST_TMPDIR/noexec"
	entry web <<-EOF
	[Container]
	Provision=command $BATS_TEST_TMPDIR/noexec %r
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "Provision=command needs $BATS_TEST_TMPDIR/noexec, which is not executable"
	assert [ ! -e "$M/web" ]
}

# hide_program NAME: lines for an in_namespace script that make this machine's NAME (dnf, which
# dnf.bats needs; mmdebstrap) not executable there, on the provisioners' whole PATH, by binding a
# 0644 file over it.
hide_program() {
	: > "$BATS_TEST_TMPDIR/not-$1"
	chmod 0644 "$BATS_TEST_TMPDIR/not-$1"
	local d
	for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
		[ ! -e "$d/$1" ] || echo "mount --bind '$BATS_TEST_TMPDIR/not-$1' '$d/$1'"
	done
}

@test "debootstrap: with mmdebstrap installed, the real /usr/bin/mmdebstrap path is run with debootstrap's package set, -- SUITE ROOT [MIRROR]" {
	rec="$BATS_TEST_TMPDIR/record"
	write_fake "$BATS_TEST_TMPDIR/mmdebstrap" "$rec"
	[ -e /usr/bin/mmdebstrap ] || skip "mmdebstrap is not installed (scripts/deps.txt lists it)"
	entry web <<-EOF
	[Container]
	Provision=debootstrap bookworm http://mirror.example/debian
	EOF
	cat > "$BATS_TEST_TMPDIR/ns.sh" <<-EOF
	mount --bind "$BATS_TEST_TMPDIR/mmdebstrap" /usr/bin/mmdebstrap
	berth_exec "$BERTH_PREPARE" --root="$R" web
	EOF
	run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
	assert_success
	assert_output --partial "Provisioning image debootstrap-bookworm-debian-4d05da4bb1f9: mmdebstrap --mode=root --format=directory --variant=debootstrap --include=systemd,dbus --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr --setup-hook="
	assert_output --partial " -- bookworm $M/.berth-images/.#debootstrap-bookworm-debian-4d05da4bb1f9.berth-"
	assert_output --partial "Provisioned image debootstrap-bookworm-debian-4d05da4bb1f9 with mmdebstrap"
	run grep -v ^env= "$rec"
	assert_line --index 0 "argv0=mmdebstrap"
	assert_line --index 1 "arg=--mode=root"
	assert_line --index 2 "arg=--format=directory"
	assert_line --index 3 "arg=--variant=debootstrap"
	assert_line --index 4 "arg=--include=systemd,dbus"
	assert_line --index 5 "arg=--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr"
	# dpkg's force-unsafe-io while mmdebstrap works, not in the finished tree (the hooks run for
	# real in the e2e suite).
	assert_line --index 6 'arg=--setup-hook=mkdir -p "$1/etc/dpkg/dpkg.cfg.d" && echo force-unsafe-io > "$1/etc/dpkg/dpkg.cfg.d/99berth-unsafe-io"'
	assert_line --index 7 'arg=--customize-hook=rm "$1/etc/dpkg/dpkg.cfg.d/99berth-unsafe-io"'
	assert_line --index 8 "arg=--"
	assert_line --index 9 "arg=bookworm"
	assert_line --index 10 --regexp "^arg=$M/\.berth-images/\.#[^/]*\.berth-[A-Za-z0-9]{6}/tree$"
	assert_line --index 11 "arg=http://mirror.example/debian"
	assert_line --index 12 "stdin=/dev/null"
	assert [ -e "$M/web/usr/lib/os-release" ]
	# The real program is untouched out here.
	run grep -c BERTH /usr/bin/mmdebstrap
	assert_output 0
}

# debootstrap_fallback_test HIDE: Provision=debootstrap runs the real /usr/sbin/debootstrap path
# (a fake bound over it) after HIDE, the lines that take mmdebstrap away.
debootstrap_fallback_test() {
	rec="$BATS_TEST_TMPDIR/record"
	write_fake "$BATS_TEST_TMPDIR/debootstrap" "$rec"
	[ -e /usr/sbin/debootstrap ] || skip "debootstrap is not installed (scripts/deps.txt lists it)"
	entry web <<-EOF
	[Container]
	Provision=debootstrap bookworm http://mirror.example/debian
	EOF
	{
		echo "$1"
		cat <<-EOF
		mount --bind "$BATS_TEST_TMPDIR/debootstrap" /usr/sbin/debootstrap
		berth_exec "$BERTH_PREPARE" --root="$R" web
		EOF
	} > "$BATS_TEST_TMPDIR/ns.sh"
	run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
	assert_success
	assert_output --partial "Provisioning image debootstrap-bookworm-debian-4d05da4bb1f9: debootstrap --include=systemd,dbus bookworm $M/.berth-images/.#debootstrap-bookworm-debian-4d05da4bb1f9.berth-"
	run grep -v ^env= "$rec"
	assert_line --index 0 "argv0=debootstrap"
	assert_line --index 1 "arg=--include=systemd,dbus"
	assert_line --index 2 "arg=bookworm"
	assert_line --index 3 --regexp "^arg=$M/\.berth-images/\.#[^/]*\.berth-[A-Za-z0-9]{6}/tree$"
	assert_line --index 4 "arg=http://mirror.example/debian"
	assert_line --index 5 "stdin=/dev/null"
	assert [ -e "$M/web/usr/lib/os-release" ]
	# The real program is untouched out here.
	run head -c 2 /usr/sbin/debootstrap
	assert_output "#!"
	run grep -c BERTH /usr/sbin/debootstrap
	assert_output 0
}

@test "debootstrap: without mmdebstrap, the real /usr/sbin/debootstrap path is run with --include=systemd,dbus SUITE ROOT [MIRROR]" {
	debootstrap_fallback_test "$(hide_program mmdebstrap)"
}

@test "debootstrap: mmdebstrap without its merged-/usr hook (another package set) is not used: debootstrap is" {
	[ -e /usr/bin/mmdebstrap ] || skip "mmdebstrap is not installed (scripts/deps.txt lists it)"
	mkdir -p "$BATS_TEST_TMPDIR/no-hooks"
	debootstrap_fallback_test "mount --bind '$BATS_TEST_TMPDIR/no-hooks' /usr/share/mmdebstrap/hooks"
}

@test "debootstrap: on a host without apt's trusted keys directory (mmdebstrap would fail the archive's signature), debootstrap" {
	[ -e /usr/bin/mmdebstrap ] || skip "mmdebstrap is not installed (scripts/deps.txt lists it)"
	debootstrap_fallback_test "mount -t tmpfs berth-test /etc/apt"
}

@test "dnf: dnf -y --releasever=R --installroot=ROOT install PACKAGES, found on the provisioners' PATH" {
	rec="$BATS_TEST_TMPDIR/record"
	mkdir -p "$BATS_TEST_TMPDIR/sbin"
	write_fake "$BATS_TEST_TMPDIR/sbin/dnf" "$rec"
	entry web <<-EOF
	[Container]
	Provision=dnf 39 systemd passwd dnf
	EOF
	cat > "$BATS_TEST_TMPDIR/ns.sh" <<-EOF
	mkdir -p /usr/local/sbin
	mount --bind "$BATS_TEST_TMPDIR/sbin" /usr/local/sbin
	berth_exec "$BERTH_PREPARE" --root="$R" web
	EOF
	run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
	assert_success
	run grep -v -e ^env= -e ^stdin= "$rec"
	assert_output --regexp "^argv0=dnf
arg=-y
arg=--releasever=39
arg=--installroot=$M/\.berth-images/\.#[^/]*\.berth-[A-Za-z0-9]{6}/tree
arg=install
arg=systemd
arg=passwd
arg=dnf$"
	assert [ -e "$M/web/usr/lib/os-release" ]
}

@test "dnf: yum where there is no dnf" {
	command -v yum >/dev/null && skip "this machine has a real yum"
	rec="$BATS_TEST_TMPDIR/record"
	mkdir -p "$BATS_TEST_TMPDIR/sbin"
	write_fake "$BATS_TEST_TMPDIR/sbin/yum" "$rec"
	entry web <<-EOF
	[Container]
	Provision=dnf 7 systemd
	EOF
	{
		hide_program dnf
		cat <<-EOF
		mkdir -p /usr/local/sbin
		mount --bind "$BATS_TEST_TMPDIR/sbin" /usr/local/sbin
		berth_exec "$BERTH_PREPARE" --root="$R" web
		EOF
	} > "$BATS_TEST_TMPDIR/ns.sh"
	run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
	assert_success
	assert_output --partial ": yum -y --releasever=7 --installroot=$M/.berth-images/.#dnf-7-systemd-"
	run grep ^argv0= "$rec"
	assert_output "argv0=yum"
}

@test "dnf: neither dnf nor yum installed is named" {
	command -v yum >/dev/null && skip "this machine has a real yum"
	entry web <<-EOF
	[Container]
	Provision=dnf 39 systemd
	EOF
	{
		hide_program dnf
		echo "berth_exec '$BERTH_PREPARE' --root='$R' web"
	} > "$BATS_TEST_TMPDIR/ns.sh"
	run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
	assert_failure 1
	assert_output --partial "Provision=dnf needs yum, which is not installed"
	assert_output --partial "Install it (dnf or yum)"
}

@test "progress: reported while the tree grows, with EXTEND_TIMEOUT_USEC; none while it does not" {
	sock="$BATS_TEST_TMPDIR/notify"
	msgs="$BATS_TEST_TMPDIR/messages"
	"$BERTH_NOTIFY_RECORDER" "$sock" "$msgs" &
	recorder=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	cat > "$BATS_TEST_TMPDIR/slow" <<-'EOF'
	#!/bin/bash
	# Grows the tree for a while, then stands still for a while, then finishes.
	mkdir -p "$1/etc" "$1/usr/lib/systemd"
	for i in $(seq 15); do head -c 65536 /dev/urandom > "$1/etc/f$i"; sleep 0.1; done
	sleep 1.5
	echo ID=slow > "$1/usr/lib/os-release"
	cp /bin/true "$1/usr/lib/systemd/systemd"
	EOF
	chmod 0755 "$BATS_TEST_TMPDIR/slow"
	entry web <<-EOF
	[Container]
	Provision=command $BATS_TEST_TMPDIR/slow %r
	EOF
	NOTIFY_SOCKET="$sock" BERTH_PREPARE_PROGRESS_USEC=300000 run prepare web
	assert_success
	assert_output --regexp "Provisioning [^:]*: [0-9.]+ [KMG]iB in [0-9]+ files so far, [0-9]+ s elapsed; progress: the tree grew"
	assert_output --partial "no progress since the last report: the tree did not grow, no CPU time used."
	# The counts only grow, and the reports that saw no progress saw the files already there.
	counts=$(sed -n 's/.*Provisioning [^:]*: .* in \([0-9]*\) files so far.*/\1/p' <<< "$output")
	[ "$(sort -n <<< "$counts")" = "$counts" ]
	[ "$(sed -n 's/.* in \([0-9]*\) files so far.*no progress.*/\1/p' <<< "$output" | sort -n | head -1)" -gt 0 ]
	grew=$(grep -c 'files so far, [0-9]* s elapsed; progress: ' <<< "$output" || true)
	still=$(grep -c 'no progress since the last report' <<< "$output" || true)
	# The recorder reads asynchronously: give it the chance to catch up before stopping it.
	for _ in $(seq 100); do
		[ "$(grep -c '^EXTEND_TIMEOUT_USEC=' "$msgs" || true)" -ge "$grew" ] && break
		sleep 0.05
	done
	kill "$recorder"
	[ "$grew" -ge 1 ]
	[ "$still" -ge 1 ]
	# One extension (three intervals) per report that saw the tree grow, none for the others.
	run grep '^EXTEND_TIMEOUT_USEC=' "$msgs"
	[ "${#lines[@]}" = "$grew" ]
	for l in "${lines[@]}"; do [ "$l" = "EXTEND_TIMEOUT_USEC=900000" ]; done
}

# start_recorder: a stand-in for systemd's notification socket; sets $sock, $msgs, $recorder.
start_recorder() {
	sock="$BATS_TEST_TMPDIR/notify"
	msgs="$BATS_TEST_TMPDIR/messages"
	"$BERTH_NOTIFY_RECORDER" "$sock" "$msgs" &
	recorder=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
}

# stop_recorder N: waits until the recorder has N extensions (it reads asynchronously), stops it.
stop_recorder() {
	for _ in $(seq 100); do
		[ "$(grep -c '^EXTEND_TIMEOUT_USEC=' "$msgs" || true)" -ge "$1" ] && break
		sleep 0.05
	done
	kill "$recorder"
}

@test "progress: CPU time without writing counts (debootstrap resolving), in a child process too" {
	start_recorder
	cat > "$BATS_TEST_TMPDIR/busy" <<-'EOF'
	#!/bin/bash
	# Works on the CPU for 3 s in a child process, writing nothing (as a dependency resolver
	# does), then writes the tree. The child names itself with ") " in its name, which
	# /proc/PID/stat shows in parentheses before the fields berth-prepare reads.
	bash -c 'printf "x) 1 2 (y" > /proc/$BASHPID/comm; end=$((SECONDS + 3)); while [ "$SECONDS" -lt "$end" ]; do :; done'
	mkdir -p "$1/etc" "$1/usr/lib/systemd"
	echo ID=busy > "$1/usr/lib/os-release"
	cp /bin/true "$1/usr/lib/systemd/systemd"
	EOF
	chmod 0755 "$BATS_TEST_TMPDIR/busy"
	entry web <<-EOF
	[Container]
	Provision=command $BATS_TEST_TMPDIR/busy %r
	EOF
	NOTIFY_SOCKET="$sock" BERTH_PREPARE_PROGRESS_USEC=500000 run prepare web
	assert_success
	assert_output --regexp "Provisioning [^:]*: [0-9.]+ KiB in [0-9]+ files so far, [0-9]+ s elapsed; progress: [0-9]+\.[0-9] s of CPU time, the tree did not grow\."
	busy=$(grep -c 'progress: [0-9.]* s of CPU time, the tree did not grow' <<< "$output" || true)
	progress=$(grep -c 'elapsed; progress: ' <<< "$output" || true)
	stop_recorder "$progress"
	[ "$busy" -ge 1 ]
	# One extension per report that saw progress of either kind, none for the others.
	run grep '^EXTEND_TIMEOUT_USEC=' "$msgs"
	[ "${#lines[@]}" = "$progress" ]
	for l in "${lines[@]}"; do [ "$l" = "EXTEND_TIMEOUT_USEC=1500000" ]; done
}

@test "progress: a provisioner that sleeps without writing makes none, and gets no extension" {
	start_recorder
	cat > "$BATS_TEST_TMPDIR/hung" <<-'EOF'
	#!/bin/bash
	# Waits 3 s in a child (a stalled download: no CPU, no writes), then writes the tree.
	sleep 3
	mkdir -p "$1/etc" "$1/usr/lib/systemd"
	echo ID=hung > "$1/usr/lib/os-release"
	cp /bin/true "$1/usr/lib/systemd/systemd"
	EOF
	chmod 0755 "$BATS_TEST_TMPDIR/hung"
	entry web <<-EOF
	[Container]
	Provision=command $BATS_TEST_TMPDIR/hung %r
	EOF
	NOTIFY_SOCKET="$sock" BERTH_PREPARE_PROGRESS_USEC=500000 run prepare web
	assert_success
	# The first report may see the CPU time of the script's own start (bash, the exec of sleep:
	# over 50 ms under valgrind or on a loaded machine); no later one may: sleeping is no progress.
	reports=$(grep 'Provisioning [^:]*: .* elapsed; ' <<< "$output")
	run tail -n +2 <<< "$reports"
	refute_output --partial 'of CPU time'
	started=$(head -n 1 <<< "$reports" | grep -c 'of CPU time' || true)
	still=$(grep -c 'no progress since the last report: the tree did not grow, no CPU time used\.$' <<< "$reports" || true)
	[ "$still" -ge 2 ]
	# Only a report that happened to fall between the final writes and the exit may see growth.
	progress=$(grep -c 'elapsed; progress: the tree grew\.$' <<< "$reports" || true)
	[ "$progress" -le 1 ]
	stop_recorder "$((progress + started))"
	run grep -c '^EXTEND_TIMEOUT_USEC=' "$msgs"
	assert_output "$((progress + started))"
}
