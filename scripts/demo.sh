#!/usr/bin/env bash
# The main job: build the program and scan the bundled CloudTrail sample with
# the built-in IAM-change rules and the CIS AWS Foundations controls, printing
# every alarm state change that fires (one line each) and a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d build ] || meson setup build >/dev/null
meson compile -C build >/dev/null
exec build/examples/iamwatch scan --rules iam-changes --rules cis --format text \
	examples/data/stratus-red-team-detonation-logs.ndjson.gz
