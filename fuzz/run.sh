#!/bin/sh
# SPDX-License-Identifier: MIT
# Run one libFuzzer target of libiamwatch.
#
#   fuzz/run.sh TARGET [SECONDS]      TARGET: fuzz-pattern | fuzz-match | fuzz-rule |
#                                     fuzz-rules | fuzz-state | fuzz-records |
#                                     fuzz-json-check
#                                     SECONDS: total fuzzing time (default 600)
#
# Configures (once) a separate build dir, build-fuzz/, with clang, libFuzzer,
# ASan and UBSan, builds TARGET-libfuzzer and runs it on the committed seed
# corpus and regression inputs. New inputs go to build-fuzz/fuzz-corpus/TARGET
# (scratch; the committed fuzz/corpus/ is only read), crashes, leaks, timeouts
# and OOMs to fuzz/findings/TARGET/ (gitignored), the log to
# build-fuzz/fuzz-logs/TARGET.log. Extra libFuzzer flags: FUZZ_ARGS="...".
# Requires: clang, libclang-rt-14-dev (Debian), meson, ninja, re2c, libcjson,
# and `subdir('fuzz')` in the top-level meson.build.
set -eu

usage() { echo "usage: $0 fuzz-pattern|fuzz-match|fuzz-rule|fuzz-rules|fuzz-state|fuzz-records|fuzz-json-check [SECONDS]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
target=$1
secs=${2:-600}
case $target in fuzz-pattern|fuzz-match|fuzz-rule|fuzz-rules|fuzz-state|fuzz-records|fuzz-json-check) ;; *) usage ;; esac
case $secs in ''|*[!0-9]*) usage ;; esac

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}

if ! grep -q "subdir('fuzz')" "$root/meson.build"; then
	echo "$0: $root/meson.build has no subdir('fuzz'); add it after subdir('libiamwatch')" >&2
	exit 1
fi
command -v clang >/dev/null || { echo "$0: clang not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$root" -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false
fi
meson compile -C "$build" "$target-libfuzzer"

scratch=$build/fuzz-corpus/$target
findings=$here/findings/$target
logs=$build/fuzz-logs
mkdir -p "$scratch" "$findings" "$logs"

# UBSan reports are fatal so that libFuzzer records them as crashes.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}

# The first corpus directory receives the new inputs; the others are read only.
set -- "$build/fuzz/$target-libfuzzer" \
	-dict="$here/iamw.dict" \
	-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$findings/" \
	-print_final_stats=1 \
	${FUZZ_ARGS:-} \
	"$scratch" "$here/corpus/$target" "$here/regressions/$target"
echo "+ $*" | tee "$logs/$target.log"
{ "$@" 2>&1; echo $? >"$logs/$target.rc"; } | tee -a "$logs/$target.log"
rc=$(cat "$logs/$target.rc")
[ "$rc" -eq 0 ] || echo "$0: $target exited with $rc; artefacts in $findings/" >&2
exit "$rc"
