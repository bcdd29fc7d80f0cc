#!/usr/bin/env bash
# The main job: build the program and scan the bundled CloudTrail sample with
# the built-in IAM-change rules, printing what fires.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d build ] || meson setup build >/dev/null
meson compile -C build >/dev/null
exec build/examples/iamwatch test --pattern \
  '{ ($.eventSource = "iam.amazonaws.com") && (($.eventName = "Create*") || ($.eventName = "Delete*") || ($.eventName = "Put*") || ($.eventName = "Attach*") || ($.eventName = "Detach*") || ($.eventName = "Update*") || ($.eventName = "Add*") || ($.eventName = "Remove*")) }' \
  examples/data/stratus-red-team-detonation-logs.ndjson.gz
