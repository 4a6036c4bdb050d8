#!/usr/bin/env bats
# berth-prepare's sequence on a tree that exists: usage, entry errors, digest, validation messages,
# the .nspawn file, the /etc/systemd/nspawn conflict, fstab, --dry-run, capabilities.
load lib.bash

@test "--help and --version exit 0" {
	run berth_exec "$BERTH_PREPARE" --help
	assert_success
	assert_output --partial "berth-prepare [OPTIONS] NAME"
	run berth_exec "$BERTH_PREPARE" --version
	assert_success
	assert_output --regexp '^berth-prepare [0-9]'
}

@test "usage errors exit 2 naming the argument" {
	run berth_exec "$BERTH_PREPARE" --bogus web
	assert_failure 2
	assert_output --partial "unknown option '--bogus'"
	run berth_exec "$BERTH_PREPARE"
	assert_failure 2
	assert_output --partial "missing the container NAME"
	run berth_exec "$BERTH_PREPARE" web other
	assert_failure 2
	assert_output --partial "unexpected argument 'other'"
	run berth_exec "$BERTH_PREPARE" ../etc
	assert_failure 2
	assert_output --partial "'../etc' is not a valid container name"
	run berth_exec "$BERTH_PREPARE" --root=relative web
	assert_failure 2
	assert_output --partial "--root=relative: not an absolute path"
	run berth_exec "$BERTH_PREPARE" --root
	assert_failure 2
	assert_output --partial "option '--root' needs an argument"
}

@test "a missing entry is a clear error" {
	run prepare nope
	assert_failure 1
	assert_output --partial "nope: No entry nope: there is no nope.conf in $R/etc/containers.d"
}

@test "a masked entry is a clear error" {
	: > "$R/etc/containers.d/web.conf"
	run prepare web
	assert_failure 1
	assert_output --partial "Entry web is masked"
}

@test "an entry with errors fails with each FILE:LINE: message" {
	entry web <<-EOF
	[Container]
	Bogus=1
	Boot=maybe
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "$R/etc/containers.d/web.conf:2:"
	assert_output --partial "Bogus"
	assert_output --partial "$R/etc/containers.d/web.conf:3:"
	assert_output --partial "Entry web has 2 errors (above)"
	assert [ ! -e "$R/run/systemd/nspawn/web.nspawn" ]
}

@test "cross-entry errors fail the start as at boot" {
	make_tree "$M/web"
	entry web <<-EOF
	[Container]
	DependsOn=db
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "$R/etc/containers.d/web.conf:2:"
	assert_output --partial "db"
}

@test "BERTH_DIGEST: the generator's digest passes, another one fails with the daemon-reload hint" {
	make_tree "$M/web"
	entry web <<-EOF
	[Container]
	Hostname=web1
	EOF
	[ -x "$BERTH_GENERATOR" ] || skip "berth-generator not built"
	run berth_exec "$BERTH_GENERATOR" --dry-run web
	digest=$(printf '%s\n' "$output" | sed -n 's/^Environment=BERTH_DIGEST=//p')
	[ -n "$digest" ]
	BERTH_DIGEST="$digest" run prepare web
	assert_success

	BERTH_DIGEST=0000000000000000000000000000000000000000000000000000000000000000 run prepare web
	assert_failure 1
	assert_output --partial "configuration of web changed since units were generated; run 'systemctl daemon-reload'"
}

@test "missing root fs without Provision= says how to create one" {
	entry web <<-EOF
	[Container]
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "Root file system $M/web does not exist and $R/etc/containers.d/web.conf sets no Provision="
	assert [ ! -e "$M/web" ]
}

@test "validation: not a directory" {
	mkdir -p "$M"
	echo x > "$M/web"
	entry web <<< "[Container]"
	run prepare web
	assert_failure 1
	assert_output --partial "$M/web is not a directory"
}

@test "validation: wrong owner, and a shifted range only while private users are possible" {
	make_tree "$M/web"
	chown 1000:1000 "$M/web"
	entry web <<< "[Container]"
	run prepare web
	assert_failure 1
	assert_output --partial "$M/web is owned by 1000:1000"
	assert_output --partial "chown root:root $M/web"

	# The stock unit's -U may have chowned the tree to a range base (uid = gid = n * 65536).
	chown $((0x5e3a0000)):$((0x5e3a0000)) "$M/web"
	run prepare web
	assert_success

	entry web <<-EOF
	[Container]
	[Exec]
	PrivateUsers=no
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "is owned by $((0x5e3a0000)):$((0x5e3a0000))"

	# Every false word the loader accepts is off here too ("n" and "f" were read as on: issue 16),
	# and a reset brings back the unit's -U.
	for word in n f 0 off FALSE; do
		printf '[Container]\n[Exec]\nPrivateUsers=%s\n' "$word" | entry web
		run prepare web
		assert_failure 1
		assert_output --partial "is owned by $((0x5e3a0000)):$((0x5e3a0000))"
	done
	printf '[Container]\n[Exec]\nPrivateUsers=no\nPrivateUsers=\n' | entry web
	run prepare web
	assert_success
}

@test "validation: writable by group or others" {
	make_tree "$M/web"
	chmod 0775 "$M/web"
	entry web <<< "[Container]"
	run prepare web
	assert_failure 1
	assert_output --partial "$M/web is writable by its group (mode 0775)"
	chmod 0757 "$M/web"
	run prepare web
	assert_failure 1
	assert_output --partial "writable by others (mode 0757)"
	assert_output --partial "chmod go-w $M/web"
}

@test "validation: no os-release" {
	make_tree "$M/web"
	rm "$M/web/usr/lib/os-release"
	entry web <<< "[Container]"
	run prepare web
	assert_failure 1
	assert_output --partial "$M/web holds neither /etc/os-release nor /usr/lib/os-release"
}

@test "validation: no init with Boot=yes, init found through in-root symlinks" {
	make_tree "$M/web"
	rm "$M/web/usr/lib/systemd/systemd"
	entry web <<< "[Container]"
	run prepare web
	assert_failure 1
	assert_output --partial "$M/web has no init to boot"

	# /sbin/init -> /lib/systemd/systemd, /lib -> usr/lib: resolved inside the root.
	cp /bin/true "$M/web/usr/lib/systemd/systemd"
	rmdir "$M/web/sbin"
	ln -s usr/sbin "$M/web/sbin"
	mkdir -p "$M/web/usr/sbin"
	ln -s /lib/systemd/systemd "$M/web/usr/sbin/init"
	ln -s usr/lib "$M/web/lib"
	mv "$M/web/usr/lib/systemd/systemd" "$M/web/usr/lib/systemd/systemd-real"
	ln -s systemd-real "$M/web/usr/lib/systemd/systemd"
	run prepare web
	assert_success
}

@test "validation: an init that only exists on the host is not found" {
	make_tree "$M/web"
	rm "$M/web/usr/lib/systemd/systemd"
	# Absolute symlink: must resolve inside the root, where nothing is.
	ln -s /usr/bin/true "$M/web/sbin/init"
	entry web <<< "[Container]"
	run prepare web
	assert_failure 1
	assert_output --partial "has no init to boot"
}

@test "validation: Boot=no checks the first word of Command=, absolute and on the container's PATH" {
	make_tree "$M/web"
	entry web <<-EOF
	[Container]
	Boot=no
	Command=/usr/bin/app --serve
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "$R/etc/containers.d/web.conf:3: Command=/usr/bin/app: /usr/bin/app is not an executable file inside the container's root $M/web"

	cp /bin/true "$M/web/usr/bin/app"
	run prepare web
	assert_success

	entry web <<-EOF
	[Container]
	Boot=no
	Command=app --serve
	EOF
	run prepare web
	assert_success

	entry web <<-EOF
	[Container]
	Boot=no
	Command=nothere
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "Command=nothere: no executable nothere in the container's PATH (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)"

	# Not executable.
	chmod 0644 "$M/web/usr/bin/app"
	entry web <<-EOF
	[Container]
	Boot=no
	Command=/usr/bin/app
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "/usr/bin/app is not an executable file"
}

@test "validation: noexec and read-only mounts (private mount namespace)" {
	make_tree "$BATS_TEST_TMPDIR/tree"
	mkdir -p "$M"
	entry web <<< "[Container]"
	cat > "$BATS_TEST_TMPDIR/inner.sh" <<-EOF
	set -e
	mount -t tmpfs -o noexec,mode=0755 tmpfs "$M"
	cp -a "$BATS_TEST_TMPDIR/tree" "$M/web"
	$(declare -f berth_exec)
	BERTH_VALGRIND=${BERTH_VALGRIND:-0}
	berth_exec "$BERTH_PREPARE" --root="$R" web && echo "rc=0" || echo "rc=\$?"
	mount -o remount,exec,ro "$M"
	berth_exec "$BERTH_PREPARE" --root="$R" web && echo "rc=0" || echo "rc=\$?"
	EOF
	run unshare -m --propagation private bash "$BATS_TEST_TMPDIR/inner.sh"
	assert_success
	assert_line --partial "$M/web is on $M, which is mounted noexec"
	assert_line --partial "$M/web is on $M, which is mounted read-only. Fix: set ReadOnly=yes"
	[ "$(grep -c '^rc=1$' <<< "$output")" = 2 ]

	# With ReadOnly=yes, a read-only mount is what the admin asked for.
	entry web <<-EOF
	[Container]
	[Files]
	ReadOnly=yes
	EOF
	cat > "$BATS_TEST_TMPDIR/inner2.sh" <<-EOF
	set -e
	mount -t tmpfs -o mode=0755 tmpfs "$M"
	cp -a "$BATS_TEST_TMPDIR/tree" "$M/web"
	mount -o remount,ro "$M"
	$(declare -f berth_exec)
	BERTH_VALGRIND=${BERTH_VALGRIND:-0}
	berth_exec "$BERTH_PREPARE" --root="$R" web
	EOF
	run unshare -m --propagation private bash "$BATS_TEST_TMPDIR/inner2.sh"
	assert_success
	refute_output --partial "read-only"
	# Nothing stayed mounted out here.
	run findmnt -n "$M"
	assert_failure
}

@test "fstab: an empty directory that should be a mount point is an error, not a reason to provision" {
	mkdir -p "$M/web" "$R/etc"
	printf '# test fstab\n/dev/disk/by-label/webroot /var/lib/machines/web ext4 defaults 0 2\n' > "$R/etc/fstab"
	make_tree "$BATS_TEST_TMPDIR/src"
	entry web <<-EOF
	[Container]
	Provision=copy $BATS_TEST_TMPDIR/src
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "$M/web is missing or empty, and $R/etc/fstab says it is the mount point of /dev/disk/by-label/webroot (ext4), which is not mounted. Mount it ('mount /var/lib/machines/web')"
	run ls -A "$M/web"
	assert_output ""
	# Missing altogether: the same.
	rmdir "$M/web"
	run prepare web
	assert_failure 1
	assert_output --partial "$R/etc/fstab says it is the mount point"
	assert [ ! -e "$M/web" ]
	# Not in fstab: an empty directory is provisioned (renamed over).
	mkdir "$M/web"
	: > "$R/etc/fstab"
	run prepare web
	assert_success
	assert [ -e "$M/web/usr/lib/os-release" ]
}

@test "fstab: comments and swap lines do not count; of several lines the last one, unescaped, is named" {
	mkdir -p "$M/web" "$R/etc"
	make_tree "$BATS_TEST_TMPDIR/src"
	entry web <<-EOF
	[Container]
	Provision=copy $BATS_TEST_TMPDIR/src
	EOF
	cat > "$R/etc/fstab" <<-'EOF'
	  # /dev/old /var/lib/machines/web ext4 defaults 0 2
	/dev/sdz9 /var/lib/machines/web swap sw 0 0
	/dev/sdz8 /var/lib/machines/web ext4 defaults zero 2
	EOF
	# A comment, a swap line and a malformed line promise nothing: provisioned.
	run prepare web
	assert_success
	refute_output --partial "says it is the mount point"
	assert [ -e "$M/web/usr/lib/os-release" ]

	rm -rf "$M/web"
	cat >> "$R/etc/fstab" <<-'EOF'
	/dev/first	/var/lib/machines/web/	ext4	defaults	0	2

	LABEL=my\040web\134root  /var/lib/machines/web  xfs  defaults,nofail
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "says it is the mount point of LABEL=my web\\root (xfs), which is not mounted"
	assert [ ! -e "$M/web" ]
}

@test "berth-prepare links neither libsystemd nor libmount (loading them cost more than its work)" {
	run readelf -d "$BERTH_PREPARE"
	assert_success
	assert_output --partial "Shared library: [libc.so.6]"
	refute_output --partial "libsystemd"
	refute_output --partial "libmount"
}

@test "libsystemd cannot be loaded: a warning naming it and why, the machined check is skipped" {
	make_tree "$M/web"
	entry web <<< "[Container]"
	mkdir "$BATS_TEST_TMPDIR/lib"
	: > "$BATS_TEST_TMPDIR/lib/libsystemd.so.0"
	# A bus address of our own: the machined state files in this /run do not speak for it, so
	# berth-prepare goes for the bus, and for that needs libsystemd, which this path makes unloadable.
	DBUS_SYSTEM_BUS_ADDRESS="unix:path=$BATS_TEST_TMPDIR/no-bus" LD_LIBRARY_PATH="$BATS_TEST_TMPDIR/lib" \
		run prepare web
	assert_success
	assert_output --regexp "Failed to load libsystemd\.so\.0 \(.*$BATS_TEST_TMPDIR/lib/libsystemd\.so\.0.*\): not checking systemd-machined for a stale registration\."
	assert [ -e "$R/run/systemd/nspawn/web.nspawn" ]
}

@test "no machined state file for the name: libsystemd is not even loaded" {
	# This machine's machined (if any) has no machine 'web': its state file would be here.
	[ ! -e /run/systemd/machines/web ]
	make_tree "$M/web"
	entry web <<< "[Container]"
	mkdir "$BATS_TEST_TMPDIR/lib"
	: > "$BATS_TEST_TMPDIR/lib/libsystemd.so.0"
	# The default system bus address: machined's files in /run speak for it. Were libsystemd
	# loaded, the unloadable one on this path would give a warning.
	DBUS_SYSTEM_BUS_ADDRESS="unix:path=/run/dbus/system_bus_socket" SYSTEMD_LOG_LEVEL=debug \
		LD_LIBRARY_PATH="$BATS_TEST_TMPDIR/lib" run prepare web
	assert_success
	assert_output --partial "No machine web registered with systemd-machined (no /run/systemd/machines/web)."
	refute_output --partial "Failed to load libsystemd"
}

@test "a libsystemd.so.0 without the functions needed: a warning naming the function, the check is skipped" {
	make_tree "$M/web"
	entry web <<< "[Container]"
	mkdir "$BATS_TEST_TMPDIR/lib"
	# A real shared library, but not libsystemd: it loads, and sd_bus_open_system is not in it.
	cp "$(ldd "$BERTH_PREPARE" | awk '/libcap\.so/ { print $3 }')" "$BATS_TEST_TMPDIR/lib/libsystemd.so.0"
	DBUS_SYSTEM_BUS_ADDRESS="unix:path=$BATS_TEST_TMPDIR/no-bus" LD_LIBRARY_PATH="$BATS_TEST_TMPDIR/lib" \
		run prepare web
	assert_success
	assert_output --regexp "Failed to find sd_bus_open_system in libsystemd\.so\.0 \(.*\): not checking systemd-machined for a stale registration\."
	assert [ -e "$R/run/systemd/nspawn/web.nspawn" ]
}

@test "libmount is loaded only when needed; it and libsystemd are declared in .note.dlopen ELF notes" {
	# Not linked (the readelf test above), but named for packagers the way systemd names its
	# dlopen() dependencies: owner FDO, type 0x407c0c0a, a JSON array.
	# (binutils 2.40's readelf exits 1 on a note type it does not know: its output is what counts.)
	run readelf --notes "$BERTH_PREPARE"
	assert_output --regexp "FDO +0x[0-9a-f]+.*0x407c0c0a"
	objcopy -O binary --only-section=.note.dlopen "$BERTH_PREPARE" "$BATS_TEST_TMPDIR/note"
	# One note per library (libmount, libsystemd), each printed on a line of its own.
	run python3 -c 'import json, sys
d = open(sys.argv[1], "rb").read()
while d:
    namesz, descsz, kind = (int.from_bytes(d[i:i + 4], "little") for i in (0, 4, 8))
    start = 12 + (namesz + 3) // 4 * 4
    desc = d[start:start + descsz]
    assert kind == 0x407c0c0a and d[12:12 + namesz] == b"FDO\0" and desc.endswith(b"\0")
    print(json.loads(desc[:-1].decode()))
    d = d[start + (descsz + 3) // 4 * 4:]' "$BATS_TEST_TMPDIR/note"
	assert_success
	assert_output --regexp "'priority': 'required', 'soname': \['libmount\.so\.1'\]"
	assert_output --regexp "'priority': 'recommended', 'soname': \['libsystemd\.so\.0'\]"
	# A provisioned container on an ordinary mount does not need it: an unloadable one is not noticed.
	make_tree "$M/web"
	entry web <<< "[Container]"
	mkdir "$BATS_TEST_TMPDIR/lib"
	: > "$BATS_TEST_TMPDIR/lib/libmount.so.1"
	LD_LIBRARY_PATH="$BATS_TEST_TMPDIR/lib" run prepare web
	assert_success
	refute_output --partial "libmount"
}

@test "libmount cannot be loaded when the fstab check needs it: an error naming it and its package" {
	mkdir -p "$M/web" "$R/etc" "$BATS_TEST_TMPDIR/lib"
	printf '/dev/disk/by-label/webroot /var/lib/machines/web ext4 defaults 0 2\n' > "$R/etc/fstab"
	make_tree "$BATS_TEST_TMPDIR/src"
	entry web <<-EOF
	[Container]
	Provision=copy $BATS_TEST_TMPDIR/src
	EOF
	: > "$BATS_TEST_TMPDIR/lib/libmount.so.1"
	LD_LIBRARY_PATH="$BATS_TEST_TMPDIR/lib" run prepare web
	assert_failure 1
	assert_output --regexp "Failed to load libmount\.so\.1 \(.*$BATS_TEST_TMPDIR/lib/libmount\.so\.1.*\), which berth-prepare needs to read /etc/fstab and the mount table\. Install the libmount1 package\."
	run ls -A "$M/web"
	assert_output ""
	# A real shared library, but not libmount: the missing function is named.
	cp "$(ldd "$BERTH_PREPARE" | awk '/libcap\.so/ { print $3 }')" "$BATS_TEST_TMPDIR/lib/libmount.so.1"
	LD_LIBRARY_PATH="$BATS_TEST_TMPDIR/lib" run prepare web
	assert_failure 1
	assert_output --regexp "Failed to find mnt_new_table in libmount\.so\.1 \(.*\), which berth-prepare needs to read /etc/fstab and the mount table\. Reinstall the libmount1 package\."
	# With libmount: the fstab check as always.
	run prepare web
	assert_failure 1
	assert_output --partial "says it is the mount point of /dev/disk/by-label/webroot (ext4), which is not mounted"
}

@test "fstab: mounted but empty mount point is refused (a rename cannot cross file systems)" {
	mkdir -p "$M/web" "$R/etc"
	printf 'tmpfs /var/lib/machines/web tmpfs defaults 0 0\n' > "$R/etc/fstab"
	make_tree "$BATS_TEST_TMPDIR/src"
	entry web <<-EOF
	[Container]
	Provision=copy $BATS_TEST_TMPDIR/src
	EOF
	cat > "$BATS_TEST_TMPDIR/inner.sh" <<-EOF
	mount -t tmpfs -o mode=0755 tmpfs "$M/web"
	$(declare -f berth_exec)
	BERTH_VALGRIND=${BERTH_VALGRIND:-0}
	berth_exec "$BERTH_PREPARE" --root="$R" web
	EOF
	run unshare -m --propagation private bash "$BATS_TEST_TMPDIR/inner.sh"
	assert_failure 1
	assert_output --partial "$M/web is an empty mount point"
}

@test ".nspawn for Boot=yes: Boot=, Hostname=, then the effective pass-through keys by section" {
	make_tree "$M/web"
	entry web <<-EOF
	[Network]
	Port=tcp:2222:22
	[Container]
	Hostname=web1
	[Files]
	Bind=/srv/old:/old
	Bind=
	Bind=/srv/data:/data
	[Exec]
	Environment=A=1
	[Network]
	Port=tcp:8080:80
	[Exec]
	Environment=
	Environment=B=2
	X-Note=ignored
	EOF
	run prepare web
	assert_success
	run cat "$R/run/systemd/nspawn/web.nspawn"
	assert_output - <<-EOF
	# Written by berth-prepare from $R/etc/containers.d/web.conf at every start of systemd-nspawn@web.service.
	# Do not edit: change the entry and restart the unit.

	[Exec]
	Boot=yes
	Hostname=web1
	Environment=B=2

	[Files]
	Bind=/srv/data:/data

	[Network]
	Port=tcp:2222:22
	Port=tcp:8080:80
	EOF
	run stat -c %a "$R/run/systemd/nspawn/web.nspawn"
	assert_output 644
	# No temporary files left.
	run ls -A "$R/run/systemd/nspawn"
	assert_output web.nspawn
}

@test ".nspawn for Boot=no: Parameters= is the whole command line, quoted for nspawn" {
	make_tree "$M/web"
	cp /bin/true "$M/web/usr/bin/app"
	entry web <<-'EOF'
	[Container]
	Boot=no
	Command=/usr/bin/app "two words" 'say "hi"' plain "it's" ""
	EOF
	run prepare web
	assert_success
	run grep -v '^#' "$R/run/systemd/nspawn/web.nspawn"
	assert_output - <<-'EOF'

	[Exec]
	Boot=no
	Parameters=/usr/bin/app 'two words' 'say "hi"' plain "it's" ''
	EOF
}

@test ".nspawn: a Command= word nspawn cannot express is an error naming the key" {
	make_tree "$M/web"
	cp /bin/true "$M/web/usr/bin/app"
	entry web <<-'EOF'
	[Container]
	Boot=no
	Command=/usr/bin/app "both ' and \""
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "web.conf:3: Command= word both ' and \" holds both kinds of quote"
	assert [ ! -e "$R/run/systemd/nspawn/web.nspawn" ]
}

@test "/etc/systemd/nspawn/NAME.nspawn: fails when the entry has nspawn settings, warns otherwise" {
	make_tree "$M/web"
	mkdir -p "$R/etc/systemd/nspawn"
	printf '[Exec]\nBoot=yes\n' > "$R/etc/systemd/nspawn/web.nspawn"
	entry web <<-EOF
	[Container]
	[Network]
	Port=tcp:2222:22
	EOF
	run prepare web
	assert_failure 1
	assert_output --partial "$R/etc/systemd/nspawn/web.nspawn exists and takes precedence over $R/run/systemd/nspawn/web.nspawn, which berth writes from $R/etc/containers.d/web.conf"

	entry web <<< "[Container]"
	run prepare web
	assert_success
	assert_output --partial "$R/etc/systemd/nspawn/web.nspawn exists and takes precedence"
	assert_output --partial "leaving it be"
	run cat "$R/etc/systemd/nspawn/web.nspawn"
	assert_output "$(printf '[Exec]\nBoot=yes')"
}

@test "non-default Directory= is put under --root; its sibling is next to it" {
	make_tree "$BATS_TEST_TMPDIR/src"
	mkdir -p "$R/srv/containers"
	entry web <<-EOF
	[Container]
	Directory=/srv/containers/webroot
	Provision=copy $BATS_TEST_TMPDIR/src
	EOF
	run prepare web
	assert_success
	assert [ -e "$R/srv/containers/webroot/usr/lib/os-release" ]
	run ls -A "$R/srv/containers"
	assert_output webroot
	assert [ ! -e "$M/web" ]
}

@test "--dry-run reports and changes nothing" {
	make_tree "$BATS_TEST_TMPDIR/src"
	entry web <<-EOF
	[Container]
	Provision=copy $BATS_TEST_TMPDIR/src
	EOF
	snapshot() { (cd "$R" && find . -printf '%p %m %u %s\n' | sort); }
	before=$(snapshot)
	run prepare --dry-run web
	assert_success
	assert_output --partial "Would provision $M/web with: cp --archive"
	assert_output --partial "--- $R/run/systemd/nspawn/web.nspawn ---"
	assert_output --partial "Boot=yes"
	assert_output --partial "Dry run: nothing was changed."
	[ "$(snapshot)" = "$before" ]

	# And on an existing tree with a password to set.
	make_tree "$M/web"
	entry web <<-'EOF'
	[Container]
	RootPasswordHash=$6$salt$hash
	EOF
	before=$(snapshot)
	sum=$(sha "$M/web/etc/shadow")
	run prepare --dry-run web
	assert_success
	assert_output --partial "Would set root's password (from RootPasswordHash=) in $M/web/etc/shadow."
	[ "$(snapshot)" = "$before" ]
	[ "$(sha "$M/web/etc/shadow")" = "$sum" ]
}

@test "leftover .#NAME.berth-* trees are removed under the lock, others' are not" {
	make_tree "$M/web"
	mkdir -p "$M/.#web.berth-AbC123/etc" "$M/.#webx.berth-AbC123" "$M/.#web.berth-toolong1"
	chmod 0000 "$M/.#web.berth-AbC123/etc"
	entry web <<< "[Container]"
	run prepare web
	assert_success
	assert_output --partial "Removing $M/.#web.berth-AbC123, left over by an interrupted provisioning."
	assert [ ! -e "$M/.#web.berth-AbC123" ]
	assert [ -e "$M/.#webx.berth-AbC123" ]
	assert [ -e "$M/.#web.berth-toolong1" ]
}

@test "a missing capability is named" {
	make_tree "$M/web"
	entry web <<< "[Container]"
	run setpriv --bounding-set=-chown --inh-caps=-all bash -c "$(declare -f berth_exec); BERTH_VALGRIND=${BERTH_VALGRIND:-0} berth_exec '$BERTH_PREPARE' --root='$R' web"
	assert_failure 1
	assert_output --partial "berth-prepare needs capability cap_chown, which it does not have"
}

@test "capabilities: the narrowing is logged (the provisioner test checks the sets themselves)" {
	make_tree "$M/web"
	entry web <<< "[Container]"
	SYSTEMD_LOG_LEVEL=debug run prepare web
	assert_success
	assert_output --partial "Capabilities narrowed to cap_chown, cap_dac_override, cap_dac_read_search, cap_fowner."
}

@test "no system bus: the machined check is skipped with a debug message" {
	make_tree "$M/web"
	entry web <<< "[Container]"
	DBUS_SYSTEM_BUS_ADDRESS="unix:path=$BATS_TEST_TMPDIR/no-bus" SYSTEMD_LOG_LEVEL=debug run prepare web
	assert_success
	assert_output --partial "No system bus"
	assert_output --partial "not checking systemd-machined for a stale registration"
}

@test "a unix-export directory left by a killed systemd-nspawn (257 refuses to start while it exists) is removed under the lock" {
	make_tree "$M/web"
	entry web <<< "[Container]"
	ux="$R/run/systemd/nspawn/unix-export"
	mkdir -p "$ux/web/sub"
	: > "$ux/web/sub/socket-left"
	mkdir -p "$ux/db"
	run prepare --dry-run web
	assert_success
	assert_output --partial "Would remove $ux/web, left by a systemd-nspawn that did not exit cleanly."
	[ -e "$ux/web/sub/socket-left" ]
	run prepare web
	assert_success
	assert_output --partial "Removed $ux/web, left by a systemd-nspawn of web that did not exit cleanly (it would refuse to start)."
	[ ! -e "$ux/web" ]
	# Another container's is not ours to touch.
	[ -d "$ux/db" ]
	# A symlink in its place is removed, never followed.
	mkdir -p "$BATS_TEST_TMPDIR/elsewhere"
	: > "$BATS_TEST_TMPDIR/elsewhere/keep"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$ux/web"
	run prepare web
	assert_success
	[ ! -L "$ux/web" ]
	[ -e "$BATS_TEST_TMPDIR/elsewhere/keep" ]
}
