#!/usr/bin/env bash
# The whole test suite: a warnings-as-errors build with every test, the same
# tests under AddressSanitizer + UndefinedBehaviorSanitizer, and the unit
# tests under valgrind, the out-of-memory suite (a fault-injection build under
# ASan) and ThreadSanitizer. Build directories: build-test, build-asan,
# build-oom, build-tsan.
set -euo pipefail
cd "$(dirname "$0")/.."

setup() { # dir, extra meson args...
	local dir=$1; shift
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" --werror "$@" >/dev/null
	else
		meson setup "$dir" --werror "$@" >/dev/null
	fi
}

echo "== build (warnings as errors) and test"
setup build-test -Dbuildtype=debugoptimized
meson compile -C build-test
meson test -C build-test --print-errorlogs

echo "== AddressSanitizer + UndefinedBehaviorSanitizer"
# Not the python and wheel suites: they load the (here instrumented) library
# into an uninstrumented Python.
setup build-asan -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false
meson compile -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs --no-suite python --no-suite wheel

echo "== out of memory: every public entry point with its Nth allocation failing, under ASan"
setup build-oom -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
	-Dfault_injection=true
meson compile -C build-oom tests/test-oom
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-oom --no-rebuild --print-errorlogs --suite oom

echo "== valgrind (unit and conformance suites)"
meson test -C build-test --setup valgrind --suite unit --suite conformance --print-errorlogs

echo "== ThreadSanitizer (compiled patterns shared by threads)"
setup build-tsan -Dbuildtype=debug -Db_sanitize=thread -Db_lundef=false
meson compile -C build-tsan
TSAN_OPTIONS=halt_on_error=1 meson test -C build-tsan --print-errorlogs match
