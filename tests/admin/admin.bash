# Shared by the tests of the berth command: a scratch search path of entries per test.
load "$BERTH_SOURCE_ROOT/tests/lib/common.bash"
bats_require_minimum_version 1.5.0

# setup_tree: $ETC, $RUN and $USR, three search directories (highest first), in
# BERTH_CONFIG_PATH; the machine's real /etc/containers.d is never read.
setup_tree() {
	ROOT=$(mktemp -d)
	ETC=$ROOT/etc/containers.d
	RUN=$ROOT/run/containers.d
	USR=$ROOT/usr/lib/containers.d
	mkdir -p "$ETC" "$RUN" "$USR"
	export BERTH_CONFIG_PATH="$ETC:$RUN:$USR"
}

teardown_tree() {
	rm -rf "$ROOT"
}

# put FILE: writes stdin to FILE (creating its directory), mode 0644.
put() {
	mkdir -p "$(dirname "$1")"
	cat >"$1"
	chmod 0644 "$1"
}

berth() {
	berth_exec "$BERTH_ADMIN" "$@"
}
