# Helpers shared by the berth-audit bats files.

# The berth-audit command line as berth_exec would run it, for places where a shell function
# cannot go (inside systemd-nspawn, inside unshare).
AUDIT_CMD=("$BERTH_AUDIT")
if [ "${BERTH_VALGRIND:-0}" = 1 ]; then
	AUDIT_CMD=(valgrind --quiet --error-exitcode=99 --leak-check=full
		--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
		--track-fds=no "$BERTH_AUDIT")
fi

# valgrind does not know openat2() (it answers ENOSYS after a warning on stderr, and the resolver
# falls back to its walk): under valgrind, ask for the walk (BERTH_ROOTFS_NO_OPENAT2=1) directly,
# so that stderr holds only berth-audit's own messages.
if [ "${BERTH_VALGRIND:-0}" = 1 ]; then
	export BERTH_ROOTFS_NO_OPENAT2=1
fi
# The resolvers the --root tests run with: openat2() and the walk, or the walk alone under valgrind.
ROOTFS_MODES=(0 1)
[ "${BERTH_VALGRIND:-0}" != 1 ] || ROOTFS_MODES=(1)

# The system's python3 (a python3 earlier in PATH, such as a pyenv shim, can be slow to start).
PYTHON3=/usr/bin/python3
[ -x "$PYTHON3" ] || PYTHON3=python3

# make_root DIR CMDLINE: a --root tree with kernel state files: audit compiled in (a login UID,
# unset), the given kernel command line, the initial user namespace. No AUDIT_GET fixture.
make_root() {
	mkdir -p "$1/proc/self"
	echo 4294967295 >"$1/proc/self/loginuid"
	printf '%s\n' "$2" >"$1/proc/cmdline"
	printf '         0          0 4294967295\n' >"$1/proc/self/uid_map"
}

# json_is FILE PATH EXPECTED: the value at PATH (dot-separated keys) in the JSON document FILE,
# printed as JSON scalars are written (null, true, 12, text), equals EXPECTED. Parsing with
# python3's json module also checks that the document is valid JSON.
json_is() {
	local got
	got=$("$PYTHON3" - "$1" "$2" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print("null" if v is None else "true" if v is True else "false" if v is False else v)
PY
	) || fail "cannot read $2 from $1: $(cat "$1")"
	[ "$got" = "$3" ] || fail "$2 is '$got', expected '$3'"
}

# in_nspawn CMD...: runs CMD in a throwaway systemd-nspawn container of this machine's own /usr
# (tmpfs root), with the build tree bound in. It runs in a cgroup of its own, so it can run
# beside the end-to-end tests' test hosts.
in_nspawn() {
	local cg="berth-audit-test.$$.${BATS_TEST_NUMBER:-0}" d r
	(
		for d in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do
			[ -d "$d" ] && mkdir -p "$d/$cg" && echo "$BASHPID" >"$d/$cg/cgroup.procs"
		done
		exec systemd-nspawn --quiet --register=no --keep-unit --directory=/ --volatile=yes \
			--private-network --console=pipe --bind-ro="$BERTH_BUILD_ROOT" -- "$@"
	)
	r=$?
	# nspawn leaves its supervisor/ and payload/ sub-cgroups behind: remove depth first.
	for d in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do
		[ -d "$d/$cg" ] && find "$d/$cg" -depth -type d -exec rmdir {} +
	done
	return $r
}
