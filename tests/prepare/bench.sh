#!/bin/bash
# Measures berth-prepare (not a test: run by hand, as root): an already provisioned container
# (median of N runs), and Provision=copy / Provision=tar of a tree next to plain 'cp -a' and
# 'tar -x' of the same tree, interleaved, medians. Usage: bench.sh BUILDDIR SRCTREE [N]
set -euo pipefail
build=$1 src=$2 n=${3:-5}
prep="$build/helpers/prepare/berth-prepare"
work=$(mktemp -d /var/tmp/berth-prepare-bench.XXXXXX)
trap 'rm -rf "$work" "${shm:-}"' EXIT
R="$work/root"
M="$R/var/lib/machines"
mkdir -p "$R/etc/containers.d" "$M"
# /run is a tmpfs on a real host: keep the lock and the .nspawn file off the disk here too.
shm=$(mktemp -d /dev/shm/berth-prepare-bench.XXXXXX)
ln -s "$shm" "$R/run"
export BERTH_CONFIG_PATH="$R/etc/containers.d"
tar -C "$src" --numeric-owner --xattrs --xattrs-include='*' --acls -cf "$work/tree.tar" .

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
timeit() { local t0 t1; t0=$(now); "$@" > /dev/null 2>&1; t1=$(now); echo "$t1 - $t0" | bc -l; }

entry() { printf '[Container]\n%s\n' "$1" > "$R/etc/containers.d/web.conf"; chmod 600 "$R/etc/containers.d/web.conf"; }

declare -A t
for i in $(seq "$n"); do
	entry "Provision=copy $src"; rm -rf "$M/web"; sync
	t[copy]+="$(timeit "$prep" --root="$R" web) "
	rm -rf "$work/cp"; sync
	t[cp]+="$(timeit cp -a --reflink=auto --sparse=auto --preserve=all -T "$src" "$work/cp") "
	rm -rf "$work/cp"; sync
	# berth-prepare syncs the new tree before renaming it into place: the fair comparison.
	t[cpsync]+="$(timeit sh -c "cp -a --reflink=auto --sparse=auto --preserve=all -T '$src' '$work/cp' && sync -f '$work/cp'") "
	entry "Provision=tar $work/tree.tar"; rm -rf "$M/web"; sync
	t[tarprov]+="$(timeit "$prep" --root="$R" web) "
	rm -rf "$work/tx"; mkdir "$work/tx"; sync
	t[tarx]+="$(timeit tar -C "$work/tx" --numeric-owner --xattrs --xattrs-include='*' --acls --same-owner --same-permissions -xf "$work/tree.tar") "
	rm -rf "$work/tx"; mkdir "$work/tx"; sync
	t[tarsync]+="$(timeit sh -c "tar -C '$work/tx' --numeric-owner --xattrs --xattrs-include='*' --acls --same-owner --same-permissions -xf '$work/tree.tar' && sync -f '$work/tx'") "
done
for i in $(seq 20); do
	t[ready]+="$(timeit "$prep" --root="$R" web) "
done
for k in copy cp cpsync tarprov tarx tarsync ready; do
	printf '%-8s median %.3f s  (%s)\n' "$k" "$(tr ' ' '\n' <<< "${t[$k]}" | grep . | median)" "${t[$k]}"
done
du -sh "$src"; find "$src" | wc -l
