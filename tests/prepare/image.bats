#!/usr/bin/env bats
# The image cache (issue 14): containers with the same Provision= share one image, provisioned once
# (also when their first starts come at once), each a clone of it; the waiters' start timeout; a
# failed provisioning that others waited for; berth image list/remove/refresh; an untrusted cache
# directory; clones on btrfs (snapshots), XFS (reflinks) and a full file system. Real berth-prepare
# and berth under --root, real provisioner processes, real loop-mounted file systems.
load lib.bash

IMAGES=

setup() {
	prepare_tree_setup
	IMAGES="$M/.berth-images"
	RUNS="$BATS_TEST_TMPDIR/runs"
	export BERTH_PREPARE_PATH="$BERTH_PREPARE"
}

teardown() {
	for p in ${pids:-}; do kill -KILL "$p" 2>/dev/null || true; done
	if [ -n "${recorder:-}" ]; then kill "$recorder" 2>/dev/null || true; fi
}

# provisioner FILE: a 'command' provisioner script from stdin; "$1" in it is the directory to fill.
provisioner() {
	{
		echo '#!/bin/bash'
		cat
	} > "$1"
	chmod 0755 "$1"
}

# good_body STAMP: a provisioner body that counts its runs in $RUNS and makes a valid tree.
good_body() {
	cat <<-EOF
	echo run >> "$RUNS"
	mkdir -p "\$1/etc" "\$1/usr/lib/systemd"
	echo ID=good > "\$1/usr/lib/os-release"
	echo "$1" > "\$1/etc/stamp"
	cp /bin/true "\$1/usr/lib/systemd/systemd"
	EOF
}

# hold_until_db_and_app_wait: provisioner lines that hold on until the starts of db and app both
# wait for the image (their logs say so: behaviour, not timing), for up to a minute.
hold_until_db_and_app_wait() {
	cat <<-EOF
	for i in \$(seq 1200); do
		grep -qs "waiting for it" "$BATS_TEST_TMPDIR/log.db" && grep -qs "waiting for it" "$BATS_TEST_TMPDIR/log.app" && break
		sleep 0.05
	done
	EOF
}

# entries NAME...: one entry each, all with the same Provision= (the provisioner $BATS_TEST_TMPDIR/p).
entries() {
	for n in "$@"; do
		printf '[Container]\nProvision=command %s %%r\nManageNetwork=no\n' "$BATS_TEST_TMPDIR/p" | entry "$n"
	done
}

admin() {
	berth_exec "$BERTH_ADMIN" --root="$R" "$@"
}

wait_for() {
	for _ in $(seq 600); do [ -s "$1" ] && return 0; sleep 0.05; done
	return 1
}

runs() {
	if [ -e "$RUNS" ]; then wc -l < "$RUNS"; else echo 0; fi
}

@test "two containers of one image: provisioned once, each root a clone, listed by berth image list" {
	good_body one | provisioner "$BATS_TEST_TMPDIR/p"
	entries web db
	run prepare web
	assert_success
	assert_output --partial "Provisioning image command-p-r-"
	assert_output --regexp "Provisioned $M/web with cp of image command-p-r-[0-9a-f]{12}:"
	run prepare db
	assert_success
	refute_output --partial "Provisioning image"
	# The line says what each step of the clone took (the copy is most of it without reflinks).
	assert_output --regexp "Provisioned $M/db with cp of image command-p-r-[0-9a-f]{12}: [0-9.]+ [KMG]?i?B in [0-9]+ files, [0-9]+\.[0-9] s \(copy [0-9]+\.[0-9] s, new identity [0-9]+\.[0-9] s, check and network [0-9]+\.[0-9] s, write to disk [0-9]+\.[0-9] s\)\."
	[ "$(runs)" = 1 ]
	assert_equal "$(cat "$M/web/etc/stamp")" one
	assert_equal "$(cat "$M/db/etc/stamp")" one
	# Clones, not one tree: a change in one root is not in the other, nor in the image.
	echo changed > "$M/web/etc/stamp"
	assert_equal "$(cat "$M/db/etc/stamp")" one
	image=$(ls "$IMAGES")
	assert_equal "$(cat "$IMAGES/$image/tree/etc/stamp")" one
	# The cache: 0700, root's; the image's info file; nothing else beside the roots.
	assert_equal "$(stat -c %a:%u "$IMAGES")" 700:0
	run ls -A "$M"
	assert_output $'.berth-images\ndb\nweb'
	run grep -E '^(Source|Created|Bytes|Files)=' "$IMAGES/$image/info"
	assert_line "Source=command $BATS_TEST_TMPDIR/p %r"
	assert_line --regexp '^Files=[1-9][0-9]*$'

	run admin image list
	assert_success
	assert_line --index 0 --regexp '^IMAGE +SIZE +AGE +CONTAINERS +SOURCE$'
	assert_line --index 1 --regexp "^$image +[0-9.]+K +[0-9]+s +db,web +command $BATS_TEST_TMPDIR/p %r$"
	run admin image list --json
	assert_success
	assert_equal "$(jq -r '.[0].image' <<< "$output")" "$image"
	assert_equal "$(jq -c '.[0].containers' <<< "$output")" '["db","web"]'
	assert_equal "$(jq -c '.[0].entries' <<< "$output")" '["db","web"]'
	assert_equal "$(jq -r '.[0].source' <<< "$output")" "command $BATS_TEST_TMPDIR/p %r"
	[ "$(jq -r '.[0].files' <<< "$output")" -gt 0 ]
	# A removed root is no longer listed as made from the image.
	rm -rf "$M/web"
	run admin image list --json
	assert_equal "$(jq -c '.[0].containers' <<< "$output")" '["db"]'
}

@test "a different Provision= is a different image; --dry-run says which and changes nothing" {
	good_body one | provisioner "$BATS_TEST_TMPDIR/p"
	good_body two | provisioner "$BATS_TEST_TMPDIR/q"
	entries web
	printf '[Container]\nProvision=command %s %%r\nManageNetwork=no\n' "$BATS_TEST_TMPDIR/q" | entry db
	run prepare --dry-run web
	assert_success
	assert_output --regexp "Would provision image command-p-r-[0-9a-f]{12} \(command $BATS_TEST_TMPDIR/p %r\) in $IMAGES, then clone it."
	assert_output --partial "Would clone image command-p-r-"
	[ ! -e "$M" ]
	run prepare web
	assert_success
	run prepare db
	assert_success
	assert_equal "$(cat "$M/db/etc/stamp")" two
	run ls "$IMAGES"
	assert_line --index 0 --regexp '^command-p-r-[0-9a-f]{12}$'
	assert_line --index 1 --regexp '^command-q-r-[0-9a-f]{12}$'
	# With the image there, a dry run of a new container says it would only clone.
	entries app
	run prepare --dry-run app
	assert_success
	refute_output --partial "Would provision image"
	assert_output --partial "Would clone image command-p-r-"
	[ ! -e "$M/app" ]
}

@test "three first starts at once: one provisioner run, the others wait (extending their timeout on progress) and clone" {
	# Holds on until both other starts wait for it (their logs say so: behaviour, not timing),
	# then grows the tree for about 2 s, so that the waiters see progress reports.
	provisioner "$BATS_TEST_TMPDIR/p" <<-EOF
	echo run >> "$RUNS"
	mkdir -p "\$1/etc" "\$1/usr/lib/systemd"
	$(hold_until_db_and_app_wait)
	for i in \$(seq 20); do head -c 32768 /dev/urandom > "\$1/etc/f\$i"; sleep 0.1; done
	echo ID=slow > "\$1/usr/lib/os-release"
	cp /bin/true "\$1/usr/lib/systemd/systemd"
	EOF
	entries web db app
	sock="$BATS_TEST_TMPDIR/notify"
	msgs="$BATS_TEST_TMPDIR/messages"
	"$BERTH_NOTIFY_RECORDER" "$sock" "$msgs" &
	recorder=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	export BERTH_PREPARE_PROGRESS_USEC=300000
	prepare web > "$BATS_TEST_TMPDIR/log.web" 2>&1 &
	p1=$!
	wait_for "$RUNS"
	# Only the waiter reports to the recorder: its extensions are the ones counted.
	NOTIFY_SOCKET="$sock" prepare db > "$BATS_TEST_TMPDIR/log.db" 2>&1 &
	p2=$!
	prepare app > "$BATS_TEST_TMPDIR/log.app" 2>&1 &
	p3=$!
	pids="$p1 $p2 $p3"
	wait "$p1"
	wait "$p2"
	wait "$p3"
	[ "$(runs)" = 1 ]
	for n in db app; do
		run cat "$BATS_TEST_TMPDIR/log.$n"
		assert_output --regexp "Image command-p-r-[0-9a-f]{12} is being provisioned by the start of web; waiting for it"
		assert_output --partial "Still waiting for image command-p-r-"
		assert_output --partial "its provisioning made progress."
		refute_output --partial "Provisioning image"
		assert_output --partial "Prepared container $n"
	done
	for _ in $(seq 100); do grep -q '^EXTEND_TIMEOUT_USEC=' "$msgs" && break; sleep 0.05; done
	kill "$recorder"
	run grep '^EXTEND_TIMEOUT_USEC=' "$msgs"
	assert_success
	for l in "${lines[@]}"; do [ "$l" = "EXTEND_TIMEOUT_USEC=900000" ]; done
	for n in web db app; do [ -e "$M/$n/etc/f20" ]; done
	run ls -A "$IMAGES"
	assert_output --regexp '^command-p-r-[0-9a-f]{12}$'
}

@test "starts that waited for an image clone it at the same time, not one after the other" {
	# The provisioner holds on until both other starts wait for it (so they are waiters, not
	# starts that find the image made); it uses no cp, which is faked below.
	provisioner "$BATS_TEST_TMPDIR/p" <<-EOF
	echo run >> "$RUNS"
	mkdir -p "\$1/etc" "\$1/usr/lib/systemd"
	$(hold_until_db_and_app_wait)
	echo ID=together > "\$1/usr/lib/os-release"
	cat /bin/true > "\$1/usr/lib/systemd/systemd"
	chmod 0755 "\$1/usr/lib/systemd/systemd"
	EOF
	entries web db app
	# Each clone's cp (the real one, run by a stand-in bound over /usr/bin/cp in a private mount
	# namespace) first waits up to 10 s for the other two clones' cp to start: with all three
	# under way at once it says "together", else "alone" (a start that kept the image's lock while
	# cloning would hold the others back until its copy was done).
	T=$BATS_TEST_TMPDIR
	cp /usr/bin/cp "$T/cp.real"
	cat > "$T/cp.fake" <<-EOF
	#!/bin/bash
	echo start >> "$T/cp.starts"
	for i in \$(seq 200); do
		if [ "\$(wc -l < "$T/cp.starts")" -ge 3 ]; then echo together >> "$T/cp.verdict"; exec "$T/cp.real" "\$@"; fi
		sleep 0.05
	done
	echo alone >> "$T/cp.verdict"
	exec "$T/cp.real" "\$@"
	EOF
	chmod 0755 "$T/cp.fake"
	cat > "$T/ns.sh" <<-EOF
	mount --bind "$T/cp.fake" /usr/bin/cp
	berth_exec '$BERTH_PREPARE' --root='$R' web > "$T/log.web" 2>&1 &
	while [ ! -s "$RUNS" ]; do sleep 0.05; done
	berth_exec '$BERTH_PREPARE' --root='$R' db > "$T/log.db" 2>&1 &
	berth_exec '$BERTH_PREPARE' --root='$R' app > "$T/log.app" 2>&1 &
	wait
	EOF
	run in_namespace "$T/ns.sh"
	assert_success
	[ "$(runs)" = 1 ]
	for n in web db app; do
		run cat "$T/log.$n"
		assert_output --partial "Prepared container $n"
	done
	run cat "$T/cp.verdict"
	assert_output $'together\ntogether\ntogether'
}

@test "a waiter gets no extension while the provisioner makes no progress" {
	provisioner "$BATS_TEST_TMPDIR/p" <<-EOF
	echo run >> "$RUNS"
	sleep 2
	mkdir -p "\$1/etc" "\$1/usr/lib/systemd"
	echo ID=late > "\$1/usr/lib/os-release"
	cp /bin/true "\$1/usr/lib/systemd/systemd"
	EOF
	entries web db
	sock="$BATS_TEST_TMPDIR/notify"
	msgs="$BATS_TEST_TMPDIR/messages"
	"$BERTH_NOTIFY_RECORDER" "$sock" "$msgs" &
	recorder=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	export BERTH_PREPARE_PROGRESS_USEC=400000
	prepare web > "$BATS_TEST_TMPDIR/log.web" 2>&1 &
	p1=$!
	wait_for "$RUNS"
	NOTIFY_SOCKET="$sock" run prepare db
	wait "$p1"
	assert_success
	assert_output --partial "its provisioning made no progress since the last report."
	# The provisioner's first report may see its own start's CPU time (bash, exec of sleep); after
	# that, sleeping is no progress: at most that one extension.
	sleep 0.3
	kill "$recorder"
	[ "$(grep -c '^EXTEND_TIMEOUT_USEC=' "$msgs" || true)" -le 1 ]
}

@test "the provisioning a waiter waited for fails: the waiter fails with it, nothing is left, the next start works" {
	# Fails once the other start waits for it.
	provisioner "$BATS_TEST_TMPDIR/p" <<-EOF
	echo run >> "$RUNS"
	mkdir -p "\$1/etc"
	for i in \$(seq 1200); do grep -qs "waiting for it" "$BATS_TEST_TMPDIR/log.db" && break; sleep 0.05; done
	exit 3
	EOF
	entries web db
	prepare web > "$BATS_TEST_TMPDIR/log.web" 2>&1 &
	p1=$!
	wait_for "$RUNS"
	rc=0
	prepare db > "$BATS_TEST_TMPDIR/log.db" 2>&1 || rc=$?
	wait "$p1" || true
	[ "$rc" = 1 ]
	run cat "$BATS_TEST_TMPDIR/log.db"
	assert_output --regexp "Image command-p-r-[0-9a-f]{12} was being provisioned by the start of web, which failed \(see 'journalctl -u systemd-nspawn@web.service'\). Not trying again in this start"
	[ "$(runs)" = 1 ]
	run cat "$BATS_TEST_TMPDIR/log.web"
	assert_output --partial "exited with status 3"
	run ls -A "$IMAGES"
	assert_output ""
	run ls -A "$M"
	assert_output .berth-images

	good_body fixed | provisioner "$BATS_TEST_TMPDIR/p"
	run prepare db
	assert_success
	assert_equal "$(cat "$M/db/etc/stamp")" fixed
}

@test "berth image refresh: a new image in place of the old, roots kept; remove: by image or container name" {
	good_body one | provisioner "$BATS_TEST_TMPDIR/p"
	entries web db
	run prepare web
	assert_success
	image=$(ls "$IMAGES")

	good_body two | provisioner "$BATS_TEST_TMPDIR/p"
	run admin image refresh web
	assert_success
	assert_output --partial "Refreshing image $image"
	assert_output --partial "Provisioned image $image with"
	assert_equal "$(cat "$IMAGES/$image/tree/etc/stamp")" two
	assert_equal "$(cat "$M/web/etc/stamp")" one
	run ls -A "$IMAGES"
	assert_output "$image"
	run prepare db
	assert_success
	assert_equal "$(cat "$M/db/etc/stamp")" two
	# A failed refresh keeps the image it would have replaced.
	provisioner "$BATS_TEST_TMPDIR/p" <<< 'exit 1'
	run admin image refresh "$image"
	assert_failure
	assert_equal "$(cat "$IMAGES/$image/tree/etc/stamp")" two
	run ls -A "$IMAGES"
	assert_output "$image"

	# Remove: by container name; the roots stay, the next new container provisions again.
	run admin image remove db
	assert_success
	assert_output "Removed image $image."
	run ls -A "$IMAGES"
	assert_output ""
	[ -e "$M/web/etc/stamp" ] && [ -e "$M/db/etc/stamp" ]
	run admin image remove "$image"
	assert_failure
	assert_output --partial "No image $image in $IMAGES (see 'berth image list')."
	run admin image remove nosuch-image
	assert_failure
	assert_output --partial "No image nosuch-image in $IMAGES"
	run admin image remove ../etc
	assert_failure
	assert_output --partial "'../etc' is neither an image (see 'berth image list') nor a container entry without errors."
	run admin image frobnicate
	assert_equal "$status" 2
	assert_output --partial "Unknown command 'image frobnicate'"
}

@test "berth image remove refuses an image being refreshed" {
	good_body one | provisioner "$BATS_TEST_TMPDIR/p"
	entries web
	run prepare web
	assert_success
	image=$(ls "$IMAGES")
	provisioner "$BATS_TEST_TMPDIR/p" <<-EOF
	echo run >> "$BATS_TEST_TMPDIR/refresh"
	sleep 1.5
	$(good_body two | tail -n +2)
	EOF
	admin image refresh web > "$BATS_TEST_TMPDIR/log.refresh" 2>&1 &
	p1=$!
	pids=$p1
	wait_for "$BATS_TEST_TMPDIR/refresh"
	run admin image remove "$image"
	assert_failure
	assert_output --partial "Image $image is being provisioned right now; remove it when that is done."
	wait "$p1"
	assert_equal "$(cat "$IMAGES/$image/tree/etc/stamp")" two
}

@test "an image cache that is a symlink, or not root's, is refused: named, nothing made" {
	good_body one | provisioner "$BATS_TEST_TMPDIR/p"
	entries web
	mkdir -p "$M" "$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$IMAGES"
	run prepare web
	assert_failure
	assert_output --partial "$IMAGES, on the way to the image cache $IMAGES (image command-p-r-"
	assert_output --partial "is a symbolic link: berth follows no symlink there"
	run ls -A "$BATS_TEST_TMPDIR/elsewhere"
	assert_output ""
	[ "$(runs)" = 0 ]
	run ls -A "$M"
	assert_output .berth-images

	rm "$IMAGES"
	mkdir "$IMAGES"
	chown 1000 "$IMAGES"
	run prepare web
	assert_failure
	assert_output --partial "$IMAGES, on the way to the image cache $IMAGES (image command-p-r-"
	assert_output --partial "is owned by a user other than root (owner UID 1000"
	run ls -A "$IMAGES"
	assert_output ""
	[ "$(runs)" = 0 ]
}

@test "btrfs: the image is a subvolume and each root a snapshot of it" {
	command -v mkfs.btrfs >/dev/null || fail "mkfs.btrfs is missing: install btrfs-progs (scripts/deps.txt)"
	good_body snap | provisioner "$BATS_TEST_TMPDIR/p"
	entries web db
	truncate -s 256M "$BATS_TEST_TMPDIR/btrfs.img"
	mkfs.btrfs -q "$BATS_TEST_TMPDIR/btrfs.img"
	mkdir -p "$M"
	cat > "$BATS_TEST_TMPDIR/ns.sh" <<-EOF
	mount -o loop "$BATS_TEST_TMPDIR/btrfs.img" "$M"
	chmod 0700 "$M"
	berth_exec "$BERTH_PREPARE" --root="$R" web
	berth_exec "$BERTH_PREPARE" --root="$R" db
	for d in "$M"/.berth-images/*/tree "$M/web" "$M/db"; do
		echo "subvolume \${d#$M/}: \$(stat -c %i "\$d")"
	done
	btrfs subvolume show "$M/db" | sed -n 's/^[[:space:]]*Parent UUID:[[:space:]]*/parent: /p'
	btrfs subvolume show "$M"/.berth-images/*/tree | sed -n 's/^[[:space:]]*UUID:[[:space:]]*/uuid: /p'
	cat "$M/db/etc/stamp"
	umount "$M"
	EOF
	run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
	assert_success
	assert_output --regexp "Provisioning $M/web: a btrfs snapshot of $IMAGES/command-p-r-[0-9a-f]{12}/tree"
	assert_output --regexp "Provisioned $M/db with a btrfs snapshot of image command-p-r-[0-9a-f]{12}: .* \(snapshot [0-9]+\.[0-9] s, new identity"
	# A subvolume's root directory is inode 256 on btrfs.
	assert_line --regexp '^subvolume \.berth-images/command-p-r-[0-9a-f]{12}/tree: 256$'
	assert_line "subvolume web: 256"
	assert_line "subvolume db: 256"
	parent=$(sed -n 's/^parent: //p' <<< "$output")
	uuid=$(sed -n 's/^uuid: //p' <<< "$output")
	[ -n "$uuid" ] && [ "$parent" = "$uuid" ]
	assert_line snap
	[ "$(runs)" = 1 ]
}

@test "XFS with reflinks: each root shares the image's extents" {
	command -v mkfs.xfs >/dev/null || fail "mkfs.xfs is missing: install xfsprogs (scripts/deps.txt)"
	provisioner "$BATS_TEST_TMPDIR/p" <<-EOF
	echo run >> "$RUNS"
	$(good_body x | tail -n +2)
	head -c 8388608 /dev/urandom > "\$1/etc/big"
	EOF
	entries web
	truncate -s 512M "$BATS_TEST_TMPDIR/xfs.img"
	mkfs.xfs -q -m reflink=1 "$BATS_TEST_TMPDIR/xfs.img"
	mkdir -p "$M"
	cat > "$BATS_TEST_TMPDIR/ns.sh" <<-EOF
	mount -o loop "$BATS_TEST_TMPDIR/xfs.img" "$M"
	chmod 0700 "$M"
	berth_exec "$BERTH_PREPARE" --root="$R" web
	filefrag -v "$M/web/etc/big" | grep -c shared || true
	cmp "$M/web/etc/big" "$M"/.berth-images/*/tree/etc/big && echo same
	umount "$M"
	EOF
	run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
	assert_success
	assert_output --partial "Provisioned $M/web with cp of image command-p-r-"
	assert_line same
	# filefrag marks extents that another file also uses as "shared".
	shared=$(grep -E '^[0-9]+$' <<< "$output" | tail -n 1)
	[ "$shared" -ge 1 ]
}

@test "full file system while cloning: clear error, no partial root, the image and other roots intact" {
	provisioner "$BATS_TEST_TMPDIR/p" <<-EOF
	echo run >> "$RUNS"
	$(good_body x | tail -n +2)
	head -c 3145728 /dev/urandom > "\$1/etc/big"
	EOF
	entries web db
	mkdir -p "$M"
	cat > "$BATS_TEST_TMPDIR/ns.sh" <<-EOF
	mount -t tmpfs -o size=7m,mode=0700 tmpfs "$M"
	berth_exec "$BERTH_PREPARE" --root="$R" web && echo rc=0 || echo rc=\$?
	echo "--- second"
	berth_exec "$BERTH_PREPARE" --root="$R" db && echo rc=0 || echo rc=\$?
	ls -A "$M" | sed 's/^/left: /'
	ls -A "$IMAGES" | sed 's/^/image: /'
	cmp "$M/web/etc/big" "$IMAGES"/*/tree/etc/big && echo intact
	umount "$M"
	EOF
	run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
	assert_success
	# The image (3 MiB) and the first clone fit; the second clone does not.
	assert_line --index 0 --partial "Provisioning image"
	assert_line "rc=0"
	assert_line "rc=1"
	assert_output --partial "No space left on device"
	assert_output --partial "Provisioning failed at step 'cp'"
	assert_line "left: .berth-images"
	assert_line "left: web"
	refute_line "left: db"
	refute_output --regexp "left: \.#"
	assert_line --regexp '^image: command-p-r-[0-9a-f]{12}$'
	assert_line intact
}

@test "full file system while provisioning an image: clear error naming it, no half image, other roots and images intact" {
	good_body small | provisioner "$BATS_TEST_TMPDIR/q"
	provisioner "$BATS_TEST_TMPDIR/p" <<-EOF
	echo run >> "$RUNS"
	$(good_body x | tail -n +2)
	head -c 4194304 /dev/urandom > "\$1/etc/big"
	EOF
	entries web
	printf '[Container]\nProvision=command %s %%r\nManageNetwork=no\n' "$BATS_TEST_TMPDIR/q" | entry db
	mkdir -p "$M"
	cat > "$BATS_TEST_TMPDIR/ns.sh" <<-EOF
	mount -t tmpfs -o size=3m,mode=0700 tmpfs "$M"
	berth_exec "$BERTH_PREPARE" --root="$R" db && echo rc=0 || echo rc=\$?
	echo "--- big"
	berth_exec "$BERTH_PREPARE" --root="$R" web && echo rc=0 || echo rc=\$?
	ls -A "$M" | sed 's/^/left: /'
	ls -A "$IMAGES" | sed 's/^/image: /'
	cat "$M/db/etc/stamp"
	umount "$M"
	EOF
	run in_namespace "$BATS_TEST_TMPDIR/ns.sh"
	assert_success
	assert_line "rc=0"
	assert_line "rc=1"
	assert_output --partial "No space left on device"
	assert_output --regexp "web: Provisioning failed at step '$BATS_TEST_TMPDIR/p': $BATS_TEST_TMPDIR/p exited with status 1\..* \(This was the provisioning of image command-p-r-[0-9a-f]{12}\.\)"
	assert_line "left: .berth-images"
	assert_line "left: db"
	refute_line "left: web"
	# Only db's image: nothing of web's, not even a temporary directory.
	assert_line --regexp '^image: command-q-r-[0-9a-f]{12}$'
	refute_output --regexp 'image: (\.#)?command-p-'
	assert_line small
}

@test "berth image errors: an image no entry uses cannot be refreshed, Provision=copy keeps none, an incomplete image is named" {
	good_body one | provisioner "$BATS_TEST_TMPDIR/p"
	entries web
	run prepare web
	assert_success
	image=$(ls "$IMAGES")
	# The entry goes: the image stays, but berth no longer knows how to make it.
	rm "$R/etc/containers.d/web.conf"
	run admin image list
	assert_line --regexp "^$image .* \(no entry uses it\)$"
	run admin image refresh "$image"
	assert_failure
	assert_output --partial "No entry uses image $image, so berth does not know how to provision it again: remove it with 'berth image remove $image'."

	make_tree "$BATS_TEST_TMPDIR/src"
	printf '[Container]\nProvision=copy %s\n' "$BATS_TEST_TMPDIR/src" | entry db
	run admin image remove db
	assert_failure
	assert_output --partial "Container db makes its root with Provision=copy, which keeps no image."

	# An image directory without its tree (made by hand, or damaged) fails the start and says how
	# to recover; nothing is cloned.
	entries app
	app_image=$(berth_exec "$BERTH_ADMIN" --root="$R" image list --json | jq -r '.[] | select(.entries == ["app"]) | .image')
	[ "$app_image" = "$image" ]
	rm -rf "$IMAGES/$image/tree"
	run prepare app
	assert_failure
	assert_output --partial "Image $image is incomplete ($IMAGES/$image/tree: No such file or directory). Remove it with 'berth image remove $image'; the next start provisions it again."
	[ ! -e "$M/app" ]
	run admin image remove app
	assert_success
	run prepare app
	assert_success
}
