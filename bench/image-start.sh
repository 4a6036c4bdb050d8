#!/bin/bash
# bench/image-start.sh: runs inside a test host (bench/benchmark, parts "second" and "ten"); times
# the starts of containers of one image (the image cache, SPEC section 8). The benchmark writes,
# per round R, entries (Enable=no) of two images that do not exist yet:
#
#   fR, sR          Provision=tar /fixtures/img-fR.tar: the first container (provisions the
#                   image, then clones it) and the second (clones it)
#   tR-01 … tR-10   Provision=tar /fixtures/img-tR.tar: ten containers of one image, started at
#                   once by one 'systemctl start' of the ten units
#
# (img-fR.tar and img-tR.tar are hard links of one tar: each round's Provision= values are new,
# so each round starts without an image.) Prints one line per measurement:
#
#   first R MS            'systemctl start' of fR until it returns (the unit's READY=1: nspawn
#                         has started the container's init)
#   second R MS           the same for sR, fR running and booted
#   ten R MS RUNS ACTIVE  'systemctl start' of the ten until it returns (all ten READY=1); the
#                         provisioner runs of their image (the journal's "Provisioning image …"
#                         lines naming img-tR.tar); how many of the ten are active
#
# The containers of a round are killed and their roots and images removed after it. A timed
# start begins from a quiet host: written data synced and one second of rest before it.
#
# With --debootstrap, the entries have one Provision=debootstrap value (the network's mirror), the
# budget's case: a first start that bootstraps. Per round R (the images are removed after each
# group, so each group starts without one):
#
#   dfR, dsR        the first and the second container ("first dfR MS", "second dsR MS")
#   tdR-01 … tdR-10 ten started at once ("ten dR MS RUNS ACTIVE"; RUNS counted from the journal
#                   since the second just before the start)
#
# Usage: image-start.sh ROUNDS [second] [ten]        the timed rounds (the first start always)
#        image-start.sh --debootstrap ROUNDS [ten]  the same with the debootstrap entries
set -u

# The journal's MESSAGE_ID of berth's "Provisioning …" lines (src/shared/log.h).
PROVISION_STARTED=5b3c1a0e9f0d4c5f8b2e7a6d4c3b2a11

now_us() {
	local t=${EPOCHREALTIME/./}
	echo "$t"
}

# booted NAME: waits until the container's systemd has finished booting (see net-start.sh: its
# private socket first, is-system-running fails at once before it exists).
booted() {
	local leader _
	leader=$(machinectl show --property=Leader --value "$1") || return 1
	for _ in $(seq 6000); do
		[ -S "/proc/$leader/root/run/systemd/private" ] && break
		sleep 0.01
	done
	nsenter -t "$leader" -a systemctl is-system-running --wait >/dev/null 2>&1
	return 0
}

settle() {
	sync
	sleep 1
}

# timed_start UNIT...: prints the ms 'systemctl start UNIT...' took; fails when it fails.
timed_start() {
	local t0 t1
	settle
	t0=$(now_us)
	systemctl start "$@" || return 1
	t1=$(now_us)
	echo $(((t1 - t0) / 1000))
}

# finish NAME...: kills the containers (no clean shutdown: they are never started again), removes
# their roots and every image.
finish() {
	local units=() n
	for n in "$@"; do
		units+=("systemd-nspawn@$n.service")
	done
	systemctl kill --signal=SIGKILL "${units[@]}" 2>/dev/null
	systemctl stop "${units[@]}" 2>/dev/null
	systemctl reset-failed "${units[@]}" 2>/dev/null
	for n in "$@"; do
		rm -rf "/var/lib/machines/$n"
	done
	rm -rf /var/lib/machines/.berth-images/* /var/lib/machines/.berth-images/.[!.]*
	sync
}

first_second() { # first_second FIRST SECOND [second]: the two starts
	local f=$1 s=$2 ms
	ms=$(timed_start "systemd-nspawn@$f.service") || return 1
	echo "first ${f#f} $ms"
	if [ "${3:-}" = second ]; then
		booted "$f"
		ms=$(timed_start "systemd-nspawn@$s.service") || return 1
		echo "second ${s#s} $ms"
	fi
	finish "$f" "$s"
}

ten() { # ten R [PREFIX]: the units PREFIX R-01 … PREFIX R-10 (PREFIX: t, or td for --debootstrap)
	local r=$1 p=${2:-t} names=() units=() i ms runs active since
	for i in 01 02 03 04 05 06 07 08 09 10; do
		names+=("$p$r-$i")
		units+=("systemd-nspawn@$p$r-$i.service")
	done
	journalctl --sync 2>/dev/null
	# The provisioner runs are counted from this second on (the previous group's were long before:
	# its starts, then its kill and removal, then timed_start's sync and second of rest).
	since=$(date +%s)
	ms=$(timed_start "${units[@]}") || return 1
	journalctl --sync 2>/dev/null
	runs=$(journalctl -q -o cat --since="@$since" "MESSAGE_ID=$PROVISION_STARTED" | grep -c "Provisioning image ")
	active=$(systemctl is-active "${units[@]}" | grep -cx active)
	echo "ten ${p#t}$r $ms $runs $active"
	finish "${names[@]}"
}

if [ "${1:-}" = --debootstrap ]; then
	rounds=${2:?usage: image-start.sh --debootstrap ROUNDS [ten]}
	for r in $(seq "$rounds"); do
		# The order alternates here too: the ten first in even rounds.
		if [ "${3:-}" = ten ] && [ $((r % 2)) = 0 ]; then
			ten "$r" td || exit 1
		fi
		first_second "df$r" "ds$r" second || exit 1
		if [ "${3:-}" = ten ] && [ $((r % 2)) = 1 ]; then
			ten "$r" td || exit 1
		fi
	done
	exit
fi

rounds=${1:?usage: image-start.sh ROUNDS [second] [ten]}
shift
do_second="" do_ten=""
for a in "$@"; do
	case $a in
	second) do_second=second ;;
	ten) do_ten=1 ;;
	esac
done
for r in $(seq "$rounds"); do
	# The order alternates: the ten first in even rounds.
	if [ -n "$do_ten" ] && [ $((r % 2)) = 0 ]; then
		ten "$r" || exit 1
	fi
	first_second "f$r" "s$r" $do_second || exit 1
	if [ -n "$do_ten" ] && [ $((r % 2)) = 1 ]; then
		ten "$r" || exit 1
	fi
done
