#!/usr/bin/env bats
# Runs one bad-input case (named by $BERTH_CASE; meson makes one test per file in cases/).

load lib

@test "bad input case" {
	: "${BERTH_CASE:?set by meson}"
	run_case "$BERTH_CASE"
}
