# Helpers of the networking scenarios (tests/e2e/network*.bats), loaded after lib/e2e.
#
# Every check is a real TCP round trip: a listener answers each connection with the line it was
# sent followed by its host name (so the answer says who answered), the client sends a token and
# checks both. Both ends are stock programs found in the test host and in a Debian tree alike:
# the listener is systemd-socket-activate (systemd package) running 'head -n 1; hostname' per
# connection, the client is bash's /dev/tcp. Busybox payloads use busybox nc (see e2e_busybox_tree).

# Where the scenarios bind the cached Debian tree (e2e_debian_tar) in the test host, for
# Provision=tar: berth provisions the container from it, enabling the guest's networkd.
# shellcheck disable=SC2034 # used by the scenarios
NET_DEBIAN_TAR_IN_HOST=/srv/bookworm.tar

# tcp_script ADDR PORT TOKEN: the bash code of one client round trip (no '$' in it: it also runs
# through systemd-run, whose ExecStart= would expand it).
tcp_script() {
	printf 'exec 3<>/dev/tcp/%s/%s && echo %s >&3 && cat <&3' "$1" "$2" "$3"
}

# host_tcp ADDR PORT TOKEN: one round trip from the test host (at most 10 s); prints the answer.
host_tcp() {
	e2e_guest timeout 10 bash -c "$(tcp_script "$@")"
}

# machine_tcp NAME ADDR PORT TOKEN: one round trip from inside the booted container NAME.
machine_tcp() {
	in_machine "$1" timeout 10 bash -c "$(tcp_script "${@:2}")"
}

# retry SECONDS CMD...: runs CMD until it succeeds and prints what it printed then (a listener just
# started may not be bound yet; a lease may still be on its way); fails after SECONDS.
retry() {
	local deadline=$((SECONDS + $1)) out
	shift
	while :; do
		if out=$("$@" 2>&1); then
			printf '%s\n' "$out"
			return 0
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			printf '%s\n' "$out"
			echo "retry: '$*' still failing" >&2
			return 1
		fi
		sleep 0.3
	done
}

# The listener's command: the line it was sent, then its host name.
NET_ECHO=(systemd-socket-activate --accept --inetd sh -c 'head -n 1; hostname')

# host_listen PORT: a listener on every address of the test host, as a transient service there.
host_listen() {
	e2e_guest systemd-run --quiet --unit="e2e-listen-$1" -- "${NET_ECHO[0]}" --listen="$1" "${NET_ECHO[@]:1}"
}

# machine_listen NAME PORT: a listener in the booted container NAME, as a transient service there.
machine_listen() {
	e2e_guest systemd-run --quiet --machine="$1" --unit="e2e-listen-$2" -- \
		"${NET_ECHO[0]}" --listen="$2" "${NET_ECHO[@]:1}"
}

# machine_ipv4 NAME [SECONDS]: waits (default 60 s) until machined reports an IPv4 address of the
# container (what 'machinectl status' and 'machinectl list' show) and prints the first one.
machine_ipv4() {
	local _ addr
	for _ in $(seq "$((${2:-60} * 4))"); do
		addr=$(e2e_guest machinectl status "$1" 2>/dev/null |
			sed -n -E 's/^[[:space:]]*(Address:)?[[:space:]]*([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)$/\2/p' | head -n 1)
		if [ -n "$addr" ]; then
			echo "$addr"
			return 0
		fi
		sleep 0.25
	done
	echo "machine $1 has no IPv4 address after ${2:-60} s" >&2
	e2e_guest machinectl status "$1" >&2
	return 1
}

# machine_default_gateway NAME: the IPv4 gateway of the container's default route (read from its
# /proc/net/route: nothing to install in the guest); fails when it has none.
machine_default_gateway() {
	local g
	g=$(in_machine "$1" cat /proc/net/route | awk 'NR > 1 && $2 == "00000000" && $3 != "00000000" { print $3; exit }')
	[ -n "$g" ] || return 1
	# Four bytes in hex, in the kernel's (little-endian) order.
	printf '%d.%d.%d.%d\n' "0x${g:6:2}" "0x${g:4:2}" "0x${g:2:2}" "0x${g:0:2}"
}

# host_link_ipv4 LINK: the test host's global IPv4 addresses on LINK, one a line.
host_link_ipv4() {
	e2e_guest ip -4 -o addr show dev "$1" scope global | awk '{ sub(/\/.*/, "", $4); print $4 }'
}

# guest_networkd_enabled NAME: whether the container's own tree enables systemd-networkd (read
# from the host, in its root: a link in one of the .wants directories of /etc/systemd/system).
guest_networkd_enabled() {
	e2e_guest sh -c "ls /var/lib/machines/$1/etc/systemd/system/*.wants/ 2>/dev/null" | grep -qx 'systemd-networkd.service'
}

# root_network_state NAME: what of a container's root concerns its network configuration, as
# text to compare: every path under /etc/systemd and /etc/network with its type, mode and link
# target, and the contents of the regular files there and of /etc/resolv.conf.
root_network_state() {
	e2e_guest sh -c "cd /var/lib/machines/$1 && find etc/systemd etc/network etc/resolv.conf -printf '%p %y %m %l\n' 2>/dev/null | sort &&
		find etc/systemd etc/network etc/resolv.conf -type f -exec sha256sum {} + 2>/dev/null | sort"
}

# tar_network_state TAR: the same for the tree in the test host's TAR (the image, unpacked aside).
tar_network_state() {
	e2e_guest sh -c "rm -rf /tmp/e2e-pristine && mkdir /tmp/e2e-pristine && tar -C /tmp/e2e-pristine -xf $1 ./etc" &&
		e2e_guest sh -c "cd /tmp/e2e-pristine && find etc/systemd etc/network etc/resolv.conf -printf '%p %y %m %l\n' 2>/dev/null | sort &&
		find etc/systemd etc/network etc/resolv.conf -type f -exec sha256sum {} + 2>/dev/null | sort"
}
