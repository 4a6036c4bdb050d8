#!/bin/bash
# bench/net-start.sh: runs inside a test host (bench/benchmark, part "network"); times the start
# of a container on the default network with berth's networking (entry "net") and without it
# (entry "nonet", ManageNetwork=no), alternating, and prints one line per start:
#
#   VARIANT READY_MS ADDRESS_MS BOOTED_MS
#
#   without    "nonet", the host's systemd-networkd stopped before the start (a host where
#              nothing serves container links: berth's networking off)
#   with-cold  "net", networkd stopped before the start: the unit pulls it in (the first such
#              container after a boot)
#   with-warm  "net", networkd already running (every later one)
#
# READY_MS: 'systemctl start' until it returns (the unit's READY=1); ADDRESS_MS: until the
# container's host0 has an IPv4 address (polled every 5 ms in its network namespace; "-" when it
# gets none in 20 s, and without networking, where nothing configures it); BOOTED_MS: until the container's systemd has finished
# booting (is-system-running --wait). All from the moment before 'systemctl start'.
#
# Usage: net-start.sh --provision   first start of both (provisioning), each stopped once booted
#        net-start.sh REPS          the timed starts
set -u

now_us() {
	local t=${EPOCHREALTIME/./}
	echo "$t"
}

# booted LEADER: waits until the container's systemd has finished booting. Its private socket
# first: READY=1 comes when nspawn has started the container's init, which makes the socket a
# moment later; is-system-running before that fails at once.
booted() {
	local _
	for _ in $(seq 3000); do
		[ -S "/proc/$1/root/run/systemd/private" ] && break
		sleep 0.01
	done
	nsenter -t "$1" -a systemctl is-system-running --wait >/dev/null 2>&1
}

quiet_stop() {
	systemctl stop systemd-nspawn@net.service systemd-nspawn@nonet.service
}

one() {
	local variant=$1 name=net t0 t1 t2 t3 leader polls=4000 addr=-
	[ "$variant" = without ] && name=nonet
	quiet_stop
	case $variant in
	without | with-cold) systemctl stop systemd-networkd.socket systemd-networkd.service ;;
	with-warm) systemctl start systemd-networkd.service ;;
	esac
	sleep 1 # let the stops settle: each start begins from a quiet host
	t0=$(now_us)
	systemctl start "systemd-nspawn@$name.service" || return 1
	t1=$(now_us)
	leader=$(machinectl show --property=Leader --value "$name") || return 1
	# The guest's boot, awaited beside the address poll.
	(
		booted "$leader"
		now_us >/tmp/net-start.booted
	) &
	local booter=$!
	# Without networking nothing configures host0: no address to wait for.
	[ "$variant" = without ] && polls=0
	while [ "$polls" -gt 0 ]; do
		polls=$((polls - 1))
		if nsenter -t "$leader" -n ip -4 -o addr show dev host0 2>/dev/null | grep -q ' inet '; then
			t2=$(now_us)
			addr=$(((t2 - t0) / 1000))
			break
		fi
		[ $(($(now_us) - t0)) -gt 20000000 ] && break
		sleep 0.005
	done
	wait "$booter"
	t3=$(cat /tmp/net-start.booted)
	echo "$variant $(((t1 - t0) / 1000)) $addr $(((t3 - t0) / 1000))"
}

if [ "${1:-}" = --provision ]; then
	# A container is stopped only once booted: its systemd ignores a stop signal that comes
	# before it has set up its handlers (the stop would then wait for the unit's timeout).
	for name in net nonet; do
		systemctl start "systemd-nspawn@$name.service" || exit 1
		booted "$(machinectl show --property=Leader --value "$name")"
		systemctl stop "systemd-nspawn@$name.service" || exit 1
	done
	exit 0
fi
reps=${1:-5}

# One untimed round first (caches warm), then REPS rounds, the order rotated each round.
variants=(without with-cold with-warm)
for v in "${variants[@]}"; do
	one "$v" >/dev/null || exit 1
done
for r in $(seq "$reps"); do
	for k in 0 1 2; do
		one "${variants[$(((r + k) % 3))]}" || exit 1
	done
done
quiet_stop
