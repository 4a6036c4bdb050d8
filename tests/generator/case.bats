#!/usr/bin/env bats
# Runs one case of cases/ (named by $BERTH_CASE; meson makes one test per case file).

load lib

@test "generator case" {
	: "${BERTH_CASE:?set by meson}"
	run_case "$BERTH_CASE"
}
