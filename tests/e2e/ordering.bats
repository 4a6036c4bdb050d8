#!/usr/bin/env bats
# DependsOn= and Priority=: at boot the containers start in the order their entries say (read
# from systemd's own activation timestamps), and a failing dependency keeps its dependents down
# with a clear status, without blocking the boot or the later waves.

load lib/e2e

setup() {
	e2e_setup ordering
}

teardown() {
	e2e_teardown
}

# mono NAME PROPERTY: a monotonic timestamp property of the container's unit, in µs; fails when
# the unit never got there (0).
mono() {
	local v
	v=$(unit_prop "$1" "$2")
	[ "$v" -gt 0 ] || fail "systemd-nspawn@$1.service has no $2"
	echo "$v"
}

# started_before A B: A was active before B began to start.
started_before() {
	local a b
	a=$(mono "$1" ActiveEnterTimestampMonotonic)
	b=$(mono "$2" InactiveExitTimestampMonotonic)
	[ "$a" -le "$b" ] || fail "$2 began to start ($b) before $1 was up ($a)"
}

@test "Priority= waves and DependsOn= order the start; a failed dependency keeps its dependent down" {
	# Wave 10: db. Wave 20: web (needs db) and cache, in parallel. Wave 30: report.
	# Wave 40: broken (its root fs is missing, Provision=none) and needs-broken.
	e2e_busybox_entry db 'Priority=10' | entry db
	e2e_busybox_entry web 'Priority=20' 'DependsOn=db' | entry web
	e2e_busybox_entry cache 'Priority=20' | entry cache
	e2e_busybox_entry report 'Priority=30' 'After=cache' | entry report
	entry broken <<-EOF
		[Container]
		Priority=40
		Boot=no
		Command=/bin/true
	EOF
	e2e_busybox_entry needs-broken 'Priority=40' 'DependsOn=broken' | entry needs-broken
	boot
	[ "$E2E_STATE" = degraded ]

	local n
	for n in db web cache report; do
		run unit_prop "$n" ActiveState
		assert_output active
	done
	started_before db web
	started_before db cache
	started_before web report
	started_before cache report

	# The failed one says why; its dependent did not start and says so.
	run unit_prop broken ActiveState
	assert_output failed
	status_says broken '/var/lib/machines/broken'
	run unit_prop needs-broken ActiveState
	assert_output inactive
	run guest systemctl status --no-pager --full systemd-nspawn@needs-broken
	assert_output --partial 'Dependency failed for'
	run guest systemctl list-dependencies --plain --no-pager systemd-nspawn@needs-broken
	assert_output --partial 'systemd-nspawn@broken.service'
	keep_output guest systemctl status --no-pager systemd-nspawn@broken systemd-nspawn@needs-broken
	e2e_host_poweroff
}
