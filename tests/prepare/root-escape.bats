#!/usr/bin/env bats
# The container root itself as the way out (issue 17): a root that is a symlink, a symlink or an
# untrusted directory on the way to it, a root nested in another container's root, a bind mount of
# the host's /. Each case runs berth-prepare with the machine's /etc overlaid by a throwaway layer
# in a private mount namespace (as the review that found them did), so a write that escapes lands
# in that layer, never in the machine's /etc: the layer must stay empty and berth-prepare must
# fail naming the path and the fix.
load lib.bash

H='$6$saltsalt$escapeescapeescapeescapeescapeescapeescapeescapeescapeescape01234'

setup() {
	prepare_tree_setup
	mkdir -p "$M"
	chmod 0700 "$M"
	UPPER="$BATS_TEST_TMPDIR/etc-upper"
	WORK="$BATS_TEST_TMPDIR/etc-work"
	mkdir -p "$UPPER" "$WORK"
	HOST_SHADOW=$(sha256sum /etc/shadow)
}

teardown() {
	# Whatever happened inside, the machine's own shadow file is what it was.
	[ "$(sha256sum /etc/shadow)" = "$HOST_SHADOW" ]
}

# overlaid CMD...: CMD in a private mount namespace whose /etc is the machine's /etc with $UPPER
# on top (writes go to $UPPER); "$PRE" (shell) runs first, in that namespace.
overlaid() {
	local vg=()
	# berth_exec's valgrind, spelled out: a shell function cannot run inside unshare.
	[ "${BERTH_VALGRIND:-0}" = 1 ] && vg=(valgrind --quiet --error-exitcode=99 --leak-check=full
		--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --track-fds=no)
	run unshare --mount --propagation private -- sh -c '
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc || exit 90
		eval "$3" || exit 91
		shift 3
		exec "$@"' sh "$UPPER" "$WORK" "${PRE:-:}" "${vg[@]}" "$@"
}

# etc_untouched: nothing was written to the (overlaid) /etc.
etc_untouched() {
	local left
	left=$(find "$UPPER" -mindepth 1 -printf '%P\n')
	[ -z "$left" ] || fail "written into the host's /etc: $left"
}

web_entry() {
	entry web <<-EOF
	[Container]
	RootPasswordHash=$H
	$*
	EOF
}

@test "the root is a symlink to /: refused, naming the link and the fix; the host's /etc untouched" {
	web_entry
	ln -s / "$M/web"
	overlaid "$BERTH_PREPARE" --root="$R" web
	assert_failure 1
	assert_output --partial "$M/web is a symbolic link (to '/'): berth never follows a symlink to a container root"
	assert_output --partial "Replace the link with the directory itself, or set Directory= in $R/etc/containers.d/web.conf to the real path."
	refute_output --partial "Set root's password"
	etc_untouched
}

@test "the root is a dangling symlink: refused before anything is provisioned" {
	make_tree "$BATS_TEST_TMPDIR/src"
	web_entry "Provision=copy $BATS_TEST_TMPDIR/src"
	ln -s /nonexistent/target "$M/web"
	overlaid "$BERTH_PREPARE" --root="$R" web
	assert_failure 1
	assert_output --partial "$M/web is a symbolic link (to '/nonexistent/target')"
	refute_output --partial "Provisioning"
	# Nothing was copied: no temporary sibling, and the link is left as it was.
	run find "$M" -mindepth 1 -maxdepth 1 -name '.#*'
	assert_output ""
	[ "$(readlink "$M/web")" = /nonexistent/target ]
	etc_untouched
}

@test "Directory= under a directory an unprivileged user owns: refused even while it is a real tree" {
	mkdir -p "$R/home/user"
	chown 1000:1000 "$R/home/user"
	make_tree "$R/home/user/ct"
	web_entry "Directory=/home/user/ct"
	overlaid "$BERTH_PREPARE" --root="$R" web
	assert_failure 1
	assert_output --partial "$R/home/user, on the way to the container root $R/home/user/ct, is owned by a user other than root (owner UID 1000, mode 0755)"
	assert_output --partial "chown root: $R/home/user; chmod go-w $R/home/user"
	etc_untouched

	# What the user can do there: 'mv ct old; ln -s / ct'. Refused the same way.
	mv "$R/home/user/ct" "$R/home/user/old"
	ln -s / "$R/home/user/ct"
	overlaid "$BERTH_PREPARE" --root="$R" web
	assert_failure 1
	assert_output --partial "is owned by a user other than root"
	refute_output --partial "Set root's password"
	etc_untouched
}

@test "Directory= under a group- or world-writable directory: refused" {
	mkdir -p "$R/srv"
	chmod 0775 "$R/srv"
	make_tree "$R/srv/ct"
	web_entry "Directory=/srv/ct"
	overlaid "$BERTH_PREPARE" --root="$R" web
	assert_failure 1
	assert_output --partial "$R/srv, on the way to the container root $R/srv/ct, is writable by group or others (owner UID 0, mode 0775)"
	chmod 1777 "$R/srv"
	overlaid "$BERTH_PREPARE" --root="$R" web
	assert_failure 1
	assert_output --partial "is writable by group or others (owner UID 0, mode 1777)"
	etc_untouched
}

@test "a symlink on the way to the root: refused, never followed" {
	mkdir -p "$R/srv"
	ln -s / "$R/srv/link"
	web_entry "Directory=/srv/link/etc"
	overlaid "$BERTH_PREPARE" --root="$R" web
	assert_failure 1
	assert_output --partial "$R/srv/link, on the way to the container root $R/srv/link/etc, is a symbolic link: berth follows no symlink there (whoever can change the link could point it at the host's /). Set Directory= in"
	etc_untouched
}

@test "a root inside another container's root, swapped for a symlink to /: the loader refuses both entries" {
	entry a <<-EOF
	[Container]
	EOF
	web_entry "Directory=/var/lib/machines/a/srv/b"
	make_tree "$M/a"
	mkdir -p "$M/a/srv"
	# What container a's root user does to its own tree.
	ln -s / "$M/a/srv/b"
	overlaid "$BERTH_PREPARE" --root="$R" web
	assert_failure 1
	assert_output --partial "web.conf:3: Directory=/var/lib/machines/a/srv/b is inside the root file system /var/lib/machines/a of entry a"
	refute_output --partial "Set root's password"
	etc_untouched
	run berth_exec "$BERTH_ADMIN" check
	assert_failure 1
	assert_output --partial "a.conf: The root file system of entry web (Directory=/var/lib/machines/a/srv/b) is inside the default root file system /var/lib/machines/a of this entry"
}

@test "a root that is a bind mount of the host's /: refused as the host's root directory" {
	# --rbind, not --bind: the bind must carry the overlay on /etc along, or an escape would reach
	# the machine's real /etc underneath it.
	web_entry
	mkdir "$M/web"
	PRE="mount --rbind / '$M/web'" overlaid "$BERTH_PREPARE" --root="$R" web
	assert_failure 1
	assert_output --partial "$M/web is the host's root directory (the same directory as /, e.g. a bind mount of it): refusing to prepare it as a container root."
	refute_output --partial "Set root's password"
	etc_untouched
}

@test "a legitimate root under root-owned directories is still prepared (the check is not a blanket refusal)" {
	mkdir -p "$R/srv/containers"
	make_tree "$R/srv/containers/web"
	web_entry "Directory=/srv/containers/web"
	overlaid "$BERTH_PREPARE" --root="$R" web
	assert_success
	assert_output --partial "Set root's password"
	grep -qF "root:$H:" "$R/srv/containers/web/etc/shadow"
	etc_untouched
}
