# berth end-to-end harness: boots throwaway systemd "test hosts" in systemd-nspawn with berth
# installed, and cleans up after them. Plain bash, sourced by the bats scenarios and by
# scripts/demo; needs root. See docs in tests/e2e/README.md.
#
# A test host is the machine's own OS (/usr) booted by systemd-nspawn with a tmpfs root
# (--volatile=yes), or with BERTH_E2E_HOST_OS=debian13 a cached Debian 13 tree booted with a tmpfs
# overlay on top (--volatile=overlay), with a fixed machine id (no first-boot wizard), berth bound
# at /usr/local from a staging install, and /etc/containers.d bound from a directory the test
# fills. The launching
# shell moves itself into a cgroup of its own before it execs nspawn, so several hosts can run
# in parallel and everything a host started can be found and killed afterwards.

E2E_GUEST_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
E2E_CACHE=${BERTH_E2E_CACHE:-/var/cache/berth-e2e}
E2E_CGROUP_ROOTS=(/sys/fs/cgroup/systemd /sys/fs/cgroup/unified)
E2E_SUITE=bookworm
# The test host's OS (BERTH_E2E_HOST_OS): debian12, the machine's own OS (its /usr; CI's machines
# run Debian 12, systemd 252), or debian13, a cached Debian 13 (trixie, systemd 257) tree
# (e2e_host_os_root). meson runs chosen scenarios on both (suites e2e and e2e13).
E2E_HOST_OS=${BERTH_E2E_HOST_OS:-debian12}

e2e_die() {
	echo "e2e: $*" >&2
	return 1
}

e2e_log() {
	echo "e2e: $*" >&2
}

# --- fixtures ---------------------------------------------------------------------------------

# e2e_busybox_tree DIR: a minimal root file system for Boot=no containers: busybox-static with
# its applets as symlinks, and the os-release file nspawn insists on.
e2e_busybox_tree() {
	local dir=$1 applet
	local busybox
	busybox=$(command -v busybox) || e2e_die "busybox not found (Debian package busybox-static)" || return
	mkdir -p "$dir"/{bin,etc,usr/lib,proc,sys,dev,run,tmp,var,root} || return
	cp "$busybox" "$dir/bin/busybox" || return
	for applet in $("$busybox" --list); do
		[ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
	done
	printf 'ID=busybox\nNAME=BusyBox\nPRETTY_NAME="BusyBox (berth e2e payload)"\n' >"$dir/usr/lib/os-release"
	ln -sf ../usr/lib/os-release "$dir/etc/os-release"
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$dir/etc/passwd"
	printf 'root:*:19000:0:99999:7:::\n' >"$dir/etc/shadow"
	chmod 0640 "$dir/etc/shadow"
	chmod 0755 "$dir"
}

# The payload of the busybox containers: runs until SIGTERM (nspawn's KillSignal=, set in their
# entries, so 'systemctl stop' ends them cleanly) or SIGRTMIN+4 = 38 ('machinectl poweroff'),
# then exits 0. As PID 1 of its namespace it ignores every signal it has no handler for.
E2E_BUSYBOX_COMMAND="/bin/sh -c \"trap 'exit 0' TERM 38; while :; do sleep 1 & wait; done\""

# e2e_busybox_entry NAME [EXTRA LINES...]: prints an entry for a busybox Boot=no container
# provisioned by copying /fixtures/busybox (bound into every test host).
e2e_busybox_entry() {
	local name=$1
	shift
	printf '[Container]\nDescription=busybox payload %s\nBoot=no\nCommand=%s\nProvision=copy /fixtures/busybox\n' \
		"$name" "$E2E_BUSYBOX_COMMAND"
	printf '%s\n' "$@"
	printf '[Exec]\nKillSignal=SIGTERM\n'
}

# e2e_mirror: the Debian mirror apt on this machine is configured with for the suite (deb822
# sources first, then the one-line format). Its host is never written into the project.
e2e_mirror() {
	local f uri=
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk -v suite="$E2E_SUITE" '
			function flush() { if (types ~ /(^| )deb( |$)/ && suites ~ ("(^| )" suite "( |$)") && uris != "" && out == "") { split(uris, u, " "); out = u[1] } types = suites = uris = "" }
			/^[ \t]*$/ { flush(); next }
			/^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
			/^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
			/^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
			END { flush(); print out }' "$f")
		[ -n "$uri" ] && break
	done
	if [ -z "$uri" ]; then
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			uri=$(sed -e 's/\[[^]]*\]//' "$f" | awk -v suite="$E2E_SUITE" '$1 == "deb" && $3 == suite { print $2; exit }')
			[ -n "$uri" ] && break
		done
	fi
	[ -n "$uri" ] || e2e_die "no '$E2E_SUITE' mirror in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list" || return
	echo "${uri%/}"
}

# e2e_debian_tar [KIND]: makes sure a cached Debian tree exists and prints the path of its tar
# archive. Built once per machine with debootstrap (a minute or two, the mirror being apt's),
# under a lock so that parallel tests wait for one build; reused by later runs. KIND:
#   minbase     (default) minbase plus systemd, systemd-sysv and dbus: the smallest tree that boots
#               and answers systemd-run -M (98 packages, 206 MB); what the e2e tests need
#   debootstrap the tree berth's Provision=debootstrap makes (debootstrap --include=systemd,dbus:
#               the default variant, 151 packages): what the benchmark times a container start on
#   ssh         minbase plus systemd, systemd-sysv, dbus and openssh-server, whose sshd lets root log
#               in with a password (/etc/ssh/sshd_config.d/berth-e2e.conf: PermitRootLogin yes, the
#               line an admin adds to an image meant for password logins): the seed's ssh scenario
e2e_debian_tar() {
	local kind=${1:-minbase} recipe dir
	local -a args
	case $kind in
	minbase)
		recipe=$E2E_SUITE-systemd # the recipe's name, then its version
		dir="$E2E_CACHE/$recipe-3"
		args=(--variant=minbase --include=systemd,systemd-sysv,dbus)
		;;
	debootstrap)
		recipe=$E2E_SUITE-debootstrap
		dir="$E2E_CACHE/$recipe-1"
		args=(--include=systemd,dbus)
		;;
	ssh)
		recipe=$E2E_SUITE-ssh
		dir="$E2E_CACHE/$recipe-1"
		args=(--variant=minbase --include=systemd,systemd-sysv,dbus,openssh-server)
		;;
	*)
		e2e_die "e2e_debian_tar: unknown kind '$kind' (minbase, debootstrap or ssh)"
		return 1
		;;
	esac
	local tar="$dir.tar"
	# Made once, renamed into place whole: when it is there, no need to wait for the lock (which
	# another test may hold for minutes while it builds a tree of its own).
	if [ -s "$tar" ]; then
		echo "$tar"
		return 0
	fi
	mkdir -p "$E2E_CACHE" || return
	(
		flock 9 || exit 1
		[ -s "$tar" ] && exit 0
		mirror=$(e2e_mirror) || exit 1
		rm -rf "$dir.tmp" "$tar.tmp"
		e2e_log "building the cached $E2E_SUITE tree in $dir.tmp (debootstrap ${args[*]}, a minute or two)"
		if ! debootstrap "${args[@]}" "$E2E_SUITE" "$dir.tmp" "$mirror" >"$E2E_CACHE/debootstrap.log" 2>&1; then
			tail -n 30 "$E2E_CACHE/debootstrap.log" >&2
			rm -rf "$dir.tmp"
			e2e_die "debootstrap failed (log: $E2E_CACHE/debootstrap.log)"
			exit 1
		fi
		rm -rf "$dir.tmp/var/cache/apt/archives/"*.deb
		# debootstrap copies this machine's host name in; without it a container is named
		# after its machine, as nspawn intends.
		rm -f "$dir.tmp/etc/hostname"
		if [ "$kind" = ssh ]; then
			# Debian's sshd refuses root passwords (PermitRootLogin prohibit-password); an
			# image meant for the seed's "ssh in as root with the password" says otherwise.
			printf '# berth e2e image: root may log in with its password\nPermitRootLogin yes\n' \
				>"$dir.tmp/etc/ssh/sshd_config.d/berth-e2e.conf" || exit 1
		fi
		# Trees of earlier versions of this recipe.
		find "$E2E_CACHE" -mindepth 1 -maxdepth 1 -name "$recipe-*" \
			! -name "${dir##*/}*" -exec rm -rf {} +
		tar --numeric-owner --xattrs --acls -C "$dir.tmp" -cf "$tar.tmp" . || exit 1
		rm -rf "$dir.tmp"
		mv "$tar.tmp" "$tar"
	) 9>"$E2E_CACHE/lock" || return
	echo "$tar"
}

# e2e_debian_tree NAME VERSION SUITE DEBOOTSTRAP-ARGS...: makes sure the cached Debian tree
# E2E_CACHE/NAME-VERSION exists and prints its path: 'debootstrap ARGS SUITE' from the mirror apt
# uses (one mirror serves every suite), run once per machine under a lock of its own,
# E2E_CACHE/NAME.lock (parallel callers wait for one build; trees of other names build beside
# it). A new VERSION (the recipe changed) builds a new tree and removes the older
# ones. The tree is never written to afterwards: a test host boots it with --volatile=overlay.
e2e_debian_tree() {
	local name=$1 version=$2 suite=$3
	shift 3
	local dir="$E2E_CACHE/$name-$version"
	mkdir -p "$E2E_CACHE" || return
	(
		flock 9 || exit 1
		[ -f "$dir/etc/os-release" ] && exit 0
		mirror=$(e2e_mirror) || exit 1
		rm -rf "$dir.tmp"
		e2e_log "building the cached $suite tree $dir (debootstrap $* $suite, a minute or two)"
		if ! debootstrap "$@" "$suite" "$dir.tmp" "$mirror" >"$E2E_CACHE/debootstrap-$name.log" 2>&1; then
			tail -n 30 "$E2E_CACHE/debootstrap-$name.log" >&2
			rm -rf "$dir.tmp"
			e2e_die "debootstrap failed (log: $E2E_CACHE/debootstrap-$name.log)"
			exit 1
		fi
		rm -rf "$dir.tmp/var/cache/apt/archives/"*.deb
		# debootstrap copies this machine's host name in (see e2e_debian_tar).
		rm -f "$dir.tmp/etc/hostname"
		mv "$dir.tmp" "$dir" || exit 1
		# Trees of earlier versions of this recipe.
		find "$E2E_CACHE" -mindepth 1 -maxdepth 1 -name "$name-*" ! -name "${dir##*/}" -exec rm -rf {} +
	) 9>"$E2E_CACHE/$name.lock" || return
	echo "$dir"
}

# e2e_host_os_root: the root directory of the test host's OS (E2E_HOST_OS): / for debian12 (the
# machine's own), the cached Debian 13 tree for debian13 (built on first use: about 2 min). The
# Debian 13 host is what an admin installs: systemd, systemd-container (which enables
# machines.target), debootstrap (berth's Recommends, for Provision=debootstrap), and what the
# scenarios run in the host as on the machine's own OS: ip and sysctl (iproute2, procps: the
# network scenarios), the ssh client and openssl (network-ssh).
e2e_host_os_root() {
	case $E2E_HOST_OS in
	debian12) echo / ;;
	debian13)
		e2e_debian_tree trixie-host 2 trixie --variant=minbase \
			--include=systemd,systemd-sysv,dbus,systemd-container,debootstrap,iproute2,procps,openssh-client,openssl
		;;
	*) e2e_die "unknown test host OS '$E2E_HOST_OS' (BERTH_E2E_HOST_OS: debian12 or debian13)" ;;
	esac
}

# --- berth, installed into a staging tree -----------------------------------------------------

# e2e_stage BUILD: installs the build BUILD (configured with --prefix=/usr/local: the guest's
# /usr/local is where it goes) into a staging tree and prints its path (bind DIR/usr/local).
# Parallel tests share one tree per state of the build: its name is a digest of the files
# 'meson install' would copy (path, size, mtime), so a rebuilt program gets a fresh tree while a
# running host keeps the one it booted with. Installing is serialised with a lock.
e2e_stage() {
	local build prefix digest stage
	build=$(realpath "$1") || return
	prefix=$(python3 -c 'import json,sys; print(next(o["value"] for o in json.load(open(sys.argv[1])) if o["name"] == "prefix"))' \
		"$build/meson-info/intro-buildoptions.json") || e2e_die "$build is not a meson build directory" || return
	[ "$prefix" = /usr/local ] ||
		e2e_die "$build is configured with --prefix=$prefix; the test host needs --prefix=/usr/local" || return
	digest=$(python3 - "$build/meson-info/intro-installed.json" <<-'PY'
		import hashlib, json, os, sys
		h = hashlib.sha256()
		for src, dst in sorted(json.load(open(sys.argv[1])).items()):
		    try:
		        st = os.stat(src)
		        h.update(f"{src}\0{dst}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
		    except FileNotFoundError:  # not built (yet): meson install will say so
		        h.update(f"{src}\0{dst}\0-\n".encode())
		print(h.hexdigest()[:16])
	PY
	) || e2e_die "cannot read what $build installs" || return
	stage="$build/e2e-stage/$digest"
	mkdir -p "$build/e2e-stage" || return
	(
		flock 9 || exit 1
		[ -d "$stage" ] && exit 0
		# Trees of earlier builds, old enough that no running test host still uses them.
		find "$build/e2e-stage" -mindepth 1 -maxdepth 1 -type d -mmin +120 -exec rm -rf {} +
		meson install -C "$build" --no-rebuild --quiet --destdir "$stage.tmp" >/dev/null ||
			e2e_die "meson install -C $build --destdir $stage.tmp failed" || exit 1
		[ -d "$stage.tmp/usr/local" ] || e2e_die "nothing installed under $stage.tmp/usr/local" || exit 1
		mv "$stage.tmp" "$stage"
	) 9>"$build/e2e-stage/lock" || return
	echo "$stage"
}

# --- test hosts -------------------------------------------------------------------------------
#
# State of the current host, in variables (one host per shell at a time):
#   E2E_DIR      its directory: machine-id, console.log, and whatever the test binds in
#   E2E_MACHINE  its machine name (also its host name)
#   E2E_CGROUP   the name of its cgroup under each of E2E_CGROUP_ROOTS
#   E2E_NSPAWN   pid of systemd-nspawn, E2E_PID1 pid of the guest's systemd (top-level pids)
#   E2E_ARGS     the nspawn arguments of its last boot (a reboot reuses them)
#   E2E_OS_ROOT  the root directory of its OS (e2e_host_os_root)

# e2e_reap_stale: removes cgroups (and kills their processes) that a harness left behind when
# it was killed before it could clean up (SIGKILL after a test timeout). A cgroup's name holds
# the pid of the shell that owns it; cgroups of live owners are left alone.
e2e_reap_stale() {
	local root cg owner
	for root in "${E2E_CGROUP_ROOTS[@]}"; do
		for cg in "$root"/berth-e2e.*; do
			[ -d "$cg" ] || continue
			owner=${cg##*/berth-e2e.}
			owner=${owner%%.*}
			kill -0 "$owner" 2>/dev/null && continue
			e2e_log "removing stale test host cgroup $cg"
			e2e_cgroup_kill "$cg"
			e2e_cgroup_remove "$cg"
		done
	done
	return 0
}

e2e_cgroup_pids() {
	find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null
}

# e2e_cgroup_kill DIR: SIGKILLs every process in the cgroup subtree until it is empty.
e2e_cgroup_kill() {
	local cg=$1 i pids
	for i in $(seq 50); do
		pids=$(e2e_cgroup_pids "$cg")
		[ -z "$pids" ] && return 0
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null
		sleep 0.1
	done
	e2e_die "processes left in $cg: $(e2e_cgroup_pids "$cg" | tr '\n' ' ')"
}

# e2e_live_pids_of CGROUP: processes that name CGROUP in /proc/PID/cgroup and have not exited. A
# killed process leaves its cgroup at once but stays a zombie, still naming it, until the
# machine's init reaps it (some inits here reap late): a zombie holds nothing but its pid.
e2e_live_pids_of() {
	local f pid state
	for f in $(grep -l -- "/$1\$" /proc/[0-9]*/cgroup 2>/dev/null; grep -l -- "/$1/" /proc/[0-9]*/cgroup 2>/dev/null); do
		pid=${f#/proc/}
		pid=${pid%/cgroup}
		state=$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
		case $state in
		'' | Z | X) ;;
		*) printf '%s(%s) ' "$pid" "$(cat "/proc/$pid/comm" 2>/dev/null)" ;;
		esac
	done
}

e2e_cgroup_remove() {
	[ -d "$1" ] || return 0
	find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
	[ ! -d "$1" ] || e2e_die "cannot remove cgroup $1"
}

# e2e_host_init NAME: a fresh host directory and identity. NAME is short ([a-z0-9-]).
e2e_host_init() {
	local name=$1
	e2e_reap_stale
	E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/berth-e2e.$name.XXXXXX") || return
	# The cgroup's name carries the pid of this shell: when it is gone, the host is stale.
	E2E_MACHINE="e2e-$name-$BASHPID"
	E2E_CGROUP="berth-e2e.$BASHPID.$name"
	E2E_NSPAWN= E2E_PID1= E2E_ARGS=()
	E2E_OS_ROOT=$(e2e_host_os_root) || return
	mkdir -p "$E2E_DIR/containers.d" "$E2E_DIR/results" "$E2E_DIR/fixtures" || return
	systemd-id128 new >"$E2E_DIR/machine-id" || return
	ip -o link show | awk -F': ' '{ print $2 }' | sort >"$E2E_DIR/links.before"
}

# e2e_host_boot [--network] [--stage DESTDIR] [--bind SRC:DST]... [--bind-ro SRC:DST]...
#               [--overlay LOWER:UPPER:DST]... [-- KERNEL-ARG...]: boots the host and waits
#               until its systemd has finished starting up. --network shares the machine's
#               network (default: a private one, no route out). --overlay is nspawn's: a
#               writable overlay of the machine's LOWER at DST, changes going to UPPER (a
#               directory of the test, kept across e2e_host_reboot); without --stage and with
#               /usr and /var/lib/dpkg overlaid, a package can be installed in the host with
#               dpkg (tests/e2e/deb.bats). Kernel arguments go to the guest's PID 1 (its
#               command line).
e2e_host_boot() {
	local network=--private-network stage= args=() kargs=()
	while [ $# -gt 0 ]; do
		case $1 in
		--network) network= ;;
		--stage) stage=$2; shift ;;
		--bind | --bind-ro | --overlay) args+=("$1=$2"); shift ;;
		--) shift; kargs=("$@"); break ;;
		*) e2e_die "e2e_host_boot: unknown option $1" || return ;;
		esac
		shift
	done
	# The machine's own OS with a tmpfs root (its /usr read-only); a cached tree with a tmpfs
	# overlay on top of all of it (its /etc too, as installed; the tree stays untouched).
	local volatile=yes
	[ "$E2E_OS_ROOT" = / ] || volatile=overlay
	E2E_ARGS=(--quiet --register=no --keep-unit "--machine=$E2E_MACHINE"
		"--directory=$E2E_OS_ROOT" "--volatile=$volatile" --console=read-only
		"--bind-ro=$E2E_DIR/machine-id:/etc/machine-id"
		"--bind-ro=$E2E_DIR/containers.d:/etc/containers.d"
		"--bind-ro=$E2E_DIR/fixtures:/fixtures"
		"--bind=$E2E_DIR/results:/results")
	[ -n "$network" ] && E2E_ARGS+=("$network")
	[ -n "$stage" ] && E2E_ARGS+=("--bind-ro=$stage/usr/local:/usr/local")
	E2E_ARGS+=("${args[@]}" -b systemd.firstboot=off systemd.mask=systemd-machine-id-commit.service
		"${kargs[@]}")
	e2e_host_start
}

# e2e_host_start: (re)starts nspawn with E2E_ARGS and waits for the guest's startup to finish.
e2e_host_start() {
	local root i
	for root in "${E2E_CGROUP_ROOTS[@]}"; do
		mkdir -p "$root/$E2E_CGROUP" || return
	done
	echo "=== boot $(date -u +%T.%N) ===" >>"$E2E_DIR/console.log"
	(
		for root in "${E2E_CGROUP_ROOTS[@]}"; do
			echo "$BASHPID" >"$root/$E2E_CGROUP/cgroup.procs" || exit 1
		done
		# nspawn and the guest must not hold the caller's pipes (bats' TAP stream, a
		# command substitution): they would keep its reader waiting after we are done.
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-"
		done
		# nspawn keeps state under /run/systemd (the propagation directory); here /run is
		# not a tmpfs, and nspawn refuses to clean up a directory on a disk file system
		# (exit status 255 after a clean poweroff). Give it a private tmpfs there, as a
		# systemd host has, in a mount namespace of its own: nothing lands on the machine.
		exec unshare --mount --propagation private -- /bin/sh -c \
			'mount -t tmpfs -o mode=0755 berth-e2e /run/systemd && exec systemd-nspawn "$@"' \
			systemd-nspawn "${E2E_ARGS[@]}" </dev/null >>"$E2E_DIR/console.log" 2>&1
	) &
	E2E_NSPAWN=$!
	E2E_PID1=
	# The guest's PID 1 is the descendant of nspawn that is pid 1 in its own namespace.
	for i in $(seq 200); do
		E2E_PID1=$(e2e_find_pid1) && break
		kill -0 "$E2E_NSPAWN" 2>/dev/null || break
		sleep 0.05
	done
	[ -n "$E2E_PID1" ] || e2e_die "the test host did not start (console: $E2E_DIR/console.log)" || return
	e2e_wait_startup || return
	# The host runs the OS asked for (a wrong tree would pass unnoticed otherwise).
	if [ "$E2E_HOST_OS" = debian13 ]; then
		grep -qx 'VERSION_ID="13"' "/proc/$E2E_PID1/root/usr/lib/os-release" ||
			e2e_die "the test host is not Debian 13: $(grep -h '^PRETTY_NAME=' "/proc/$E2E_PID1/root/usr/lib/os-release")"
	fi
}

e2e_find_pid1() {
	local pid
	for pid in $(e2e_cgroup_pids "${E2E_CGROUP_ROOTS[0]}/$E2E_CGROUP"); do
		if awk '/^NSpid:/ { exit !($NF == 1 && NF == 3) }' "/proc/$pid/status" 2>/dev/null &&
			[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = systemd ]; then
			echo "$pid"
			return 0
		fi
	done
	return 1
}

# e2e_guest CMD...: runs CMD inside the host, as root, in all of its namespaces, with a clean
# environment. stdin is passed on.
e2e_guest() {
	[ -n "$E2E_PID1" ] || e2e_die "no test host is running" || return
	nsenter -t "$E2E_PID1" -a -- env -i PATH="$E2E_GUEST_PATH" LC_ALL=C.UTF-8 SYSTEMD_PAGER= \
		SYSTEMD_COLORS=0 "$@"
}

# e2e_wait_startup: waits (at most E2E_STARTUP_TIMEOUT, default 120 s) until the host's systemd has finished starting up and
# prints its state: running, or degraded when some unit failed (scenarios that expect failed
# units accept that). Anything else is an error.
e2e_wait_startup() {
	local state i
	# systemctl needs PID 1's private socket, which it creates a moment after it starts.
	for i in $(seq 600); do
		[ -S "/proc/$E2E_PID1/root/run/systemd/private" ] && break
		kill -0 "$E2E_PID1" 2>/dev/null || break
		sleep 0.1
	done
	state=$(timeout "${E2E_STARTUP_TIMEOUT:-120}" nsenter -t "$E2E_PID1" -a -- env -i PATH="$E2E_GUEST_PATH" \
		systemctl is-system-running --wait 2>&1) || true
	E2E_STATE=$state
	case $state in
	running | degraded) return 0 ;;
	*) e2e_die "test host did not finish starting up: '$state'" ;;
	esac
}

# e2e_logs: everything needed to see why a scenario failed: units, the host's journal, the
# console.
e2e_logs() {
	[ -n "${E2E_DIR:-}" ] || return 0
	echo "===== test host $E2E_MACHINE ($E2E_DIR) ====="
	if [ -n "$E2E_PID1" ] && kill -0 "$E2E_PID1" 2>/dev/null; then
		echo "----- systemctl --failed / list-units systemd-nspawn@* -----"
		e2e_guest systemctl --no-pager --failed 2>&1
		e2e_guest systemctl --no-pager --all list-units 'systemd-nspawn@*' 'machines.target' 2>&1
		echo "----- systemctl status systemd-nspawn@* -----"
		e2e_guest systemctl --no-pager --full -n 30 status 'systemd-nspawn@*' 2>&1
		echo "----- ls /run/systemd/generator /run/systemd/nspawn -----"
		e2e_guest ls -lR /run/systemd/generator /run/systemd/nspawn 2>&1 | head -n 100
		echo "----- journalctl -b -----"
		e2e_guest journalctl -b --no-pager -o short-monotonic 2>&1 | tail -n 400
	else
		echo "(host not running: no journal)"
	fi
	echo "----- console -----"
	tail -n 200 "$E2E_DIR/console.log" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g'
	echo # the console's last line (a login prompt) has no newline
}

# e2e_wait_exit SECONDS: waits for nspawn to exit and sets E2E_RC to its exit status. (Not in a
# subshell: only the shell that started nspawn can collect its status.)
e2e_wait_exit() {
	local i
	for i in $(seq "$(($1 * 10))"); do
		kill -0 "$E2E_NSPAWN" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$E2E_NSPAWN" 2>/dev/null && return 1
	E2E_RC=0
	wait "$E2E_NSPAWN" || E2E_RC=$?
}

# e2e_host_poweroff: a clean shutdown; fails if nspawn does not exit 0.
e2e_host_poweroff() {
	e2e_guest systemctl poweroff --no-block || return
	e2e_wait_exit 60 || e2e_die "test host did not power off within 60 s" || return
	E2E_NSPAWN= E2E_PID1=
	[ "$E2E_RC" = 0 ] || e2e_die "systemd-nspawn exited $E2E_RC after poweroff"
}

# e2e_host_reboot: reboots the host (nspawn exits 133 on a guest reboot; it is started again
# with the same arguments, as systemd-nspawn@.service would) and waits for the new boot.
e2e_host_reboot() {
	e2e_guest systemctl reboot --no-block || return
	e2e_wait_exit 60 || e2e_die "test host did not reboot within 60 s" || return
	[ "$E2E_RC" = 133 ] || e2e_die "systemd-nspawn exited $E2E_RC on reboot, expected 133" || return
	e2e_host_start
}

# e2e_host_destroy: stops the host whatever state it is in (clean poweroff first, then
# SIGTERM to nspawn, then SIGKILL to everything in its cgroup), removes its cgroups and
# directory, and checks that nothing of it is left: no process, cgroup, mount or veth.
e2e_host_destroy() {
	local rc=0
	[ -n "${E2E_DIR:-}" ] || return 0
	# Called in a condition, so that errexit (bats) cannot stop the cleanup half way.
	e2e_host_destroy_ || rc=$?
	E2E_DIR= E2E_NSPAWN= E2E_PID1=
	return $rc
}

e2e_host_destroy_() {
	local root rc=0 leftovers=()
	if [ -n "$E2E_NSPAWN" ] && kill -0 "$E2E_NSPAWN" 2>/dev/null; then
		if [ -n "$E2E_PID1" ] && kill -0 "$E2E_PID1" 2>/dev/null; then
			timeout 10 nsenter -t "$E2E_PID1" -a -- systemctl poweroff --no-block >/dev/null 2>&1
			e2e_wait_exit 30
		fi
		if kill -0 "$E2E_NSPAWN" 2>/dev/null; then
			kill -TERM "$E2E_NSPAWN" 2>/dev/null
			e2e_wait_exit 15
		fi
	fi
	for root in "${E2E_CGROUP_ROOTS[@]}"; do
		e2e_cgroup_kill "$root/$E2E_CGROUP" || rc=1
		e2e_cgroup_remove "$root/$E2E_CGROUP" || rc=1
	done
	[ -n "$E2E_NSPAWN" ] && { wait "$E2E_NSPAWN" 2>/dev/null || true; }

	# Self-check: nothing of this host may be left on the machine.
	for root in "${E2E_CGROUP_ROOTS[@]}"; do
		[ -d "$root/$E2E_CGROUP" ] && leftovers+=("cgroup $root/$E2E_CGROUP")
	done
	local pids i
	for i in $(seq 50); do
		pids=$(e2e_live_pids_of "$E2E_CGROUP")
		[ -z "$pids" ] && break
		sleep 0.1
	done
	[ -n "$pids" ] && leftovers+=("processes: $pids")
	if grep -F -e "$E2E_DIR" -e "$E2E_MACHINE" /proc/self/mountinfo >/dev/null; then
		leftovers+=("mounts: $(grep -F -e "$E2E_DIR" -e "$E2E_MACHINE" /proc/self/mountinfo)")
	fi
	[ -e "/run/systemd/nspawn/propagate/$E2E_MACHINE" ] &&
		leftovers+=("/run/systemd/nspawn/propagate/$E2E_MACHINE")
	local link
	for link in $(ip -o link show | awk -F': ' '{ print $2 }' | sort | comm -13 "$E2E_DIR/links.before" -); do
		case $link in
		ve-* | vb-* | vz-* | vx-*) leftovers+=("network interface $link") ;;
		esac
	done
	if [ ${#leftovers[@]} -gt 0 ]; then
		printf 'e2e: left behind by test host %s: %s\n' "$E2E_MACHINE" "${leftovers[@]}" >&2
		rc=1
	fi
	if [ "$rc" = 0 ]; then
		rm -rf "$E2E_DIR"
	else
		e2e_log "kept $E2E_DIR for inspection"
	fi
	return $rc
}
