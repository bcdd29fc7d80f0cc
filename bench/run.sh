#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/run.sh - build libiamwatch in release mode (build-bench/), generate the
# inputs, run every benchmark case (1 warm-up + 5 timed runs in one process,
# median reported) and write bench/results/latest.md. See bench/README.md.
#
#   bench/run.sh            full run (inputs >= 200 MB, P7 streams ~1.2 GB)
#   BENCH_QUICK=1 bench/run.sh   small inputs, for a smoke test
#
# Environment: IAMW_CORPUS_DIR (default ../shared/data/cloudtrail next to the
# source tree), BENCH_REPS (default 5), BENCH_NO_JQ=1 to skip jq.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BB="$ROOT/build-bench"
DATA="$BB/data"
RES="$ROOT/bench/results"
CORPUS_DIR=${IAMW_CORPUS_DIR:-"$ROOT/../shared/data/cloudtrail"}
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then MB=24; BIG=0; else MB=200; BIG=1; fi
mkdir -p "$DATA" "$RES"

# ------------------------------------------------------------------ build
if [ ! -f "$BB/build.ninja" ]; then
	meson setup "$BB" "$ROOT" --buildtype=release -Dtests=false >/dev/null
fi
# Only the core library is needed (the rest of the tree may be mid-edit).
meson compile -C "$BB" iamwatch-core >/dev/null
CORE="$BB/libiamwatch/libiamwatch-core.a"
cc -O2 -std=c11 -D_GNU_SOURCE -DNDEBUG -I"$ROOT/include" -I"$ROOT/libiamwatch" -I"$ROOT/bench" \
	$(pkg-config --cflags libcjson) \
	"$ROOT/bench/bench-match.c" "$ROOT/bench/floor.c" "$CORE" \
	$(pkg-config --libs libcjson) -lm -o "$BB/bench-match"
BENCH="$BB/bench-match"
# The shared library, for the Python bindings' case.
meson compile -C "$BB" libiamwatch/iamwatch:shared_library >/dev/null
PYLIB="$BB/libiamwatch/libiamwatch.so.0"

# ------------------------------------------------------------------ inputs
GEN="python3 $ROOT/bench/gen-cloudtrail"
corpus="$DATA/corpus-$MB.ndjson"
if [ ! -s "$corpus" ]; then
	one="$DATA/corpus-once.ndjson"
	# shellcheck disable=SC2046
	zcat "$CORPUS_DIR"/*.ndjson.gz | grep -v '^[[:space:]]*$' >"$one"
	: >"$corpus"
	while [ "$(stat -c %s "$corpus")" -lt $((MB * 1048576)) ]; do cat "$one" >>"$corpus"; done
fi
gen5="$DATA/gen-iam5-$MB.ndjson"
[ -s "$gen5" ] || $GEN --mb "$MB" --iam-share 0.05 -o "$gen5"
gen100="$DATA/gen-iam100-$MB.ndjson"
[ -s "$gen100" ] || $GEN --mb "$MB" --iam-share 1.0 --seed 7 -o "$gen100"
text="$DATA/text-$MB.log"
[ -s "$text" ] || $GEN --mb "$MB" --format text -o "$text"
for sz in 1024 16384 262144; do
	f="$DATA/size-$sz-$MB.ndjson"
	[ -s "$f" ] || $GEN --mb $((MB / 4 + 8)) --event-size "$sz" --iam-share 0.05 -o "$f"
done

P1='{ ($.eventSource = "iam.amazonaws.com") && (($.eventName = "Create*") || ($.eventName = "Delete*") || ($.eventName = "Put*") || ($.eventName = "Attach*") || ($.eventName = "Detach*") || ($.eventName = "Update*") || ($.eventName = "Add*") || ($.eventName = "Remove*")) }'
JQ1='select(.eventSource == "iam.amazonaws.com" and (.eventName | type == "string" and test("^(Create|Delete|Put|Attach|Detach|Update|Add|Remove)")))'
TERMS='ERROR timeout'
DELIM='[ts, ip, user, level = "ERROR", request = "*/admin*", ...]'
REGEX='{ $.userIdentity.arn = %assumed-role/Admin[A-Za-z]*/% }'
CIS="$ROOT/libiamwatch/packs/rules/cis-7.0.json"

RAW="$RES/raw.txt"
: >"$RAW"
run() { # label, then bench-match arguments
	label=$1
	shift
	printf '  %-28s' "$label" >&2
	out=$("$BENCH" "$@")
	echo "label=$label $out" >>"$RAW"
	echo "$out" | sed 's/.*mb_s=\([^ ]*\).*/\1 MB\/s/' >&2
}
runjq() { # label, filter, file
	label=$1
	if [ "${BENCH_NO_JQ:-0}" = 1 ] || ! command -v jq >/dev/null 2>&1; then
		echo "label=$label absent=1" >>"$RAW"
		echo "  $label: jq not installed, skipped" >&2
		return
	fi
	printf '  %-28s' "$label" >&2
	LABEL=$label python3 - "$2" "$3" "${BENCH_REPS:-5}" >>"$RAW" <<'EOF'
import os, resource, statistics, subprocess, sys, time
flt, path, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
size = os.path.getsize(path)
times = []
for i in range(reps + 1):
    t0 = time.monotonic()
    out = subprocess.run("jq -c '%s' '%s' | wc -l" % (flt.replace("'", "'\\''"), path),
                         shell=True, check=True, capture_output=True, text=True).stdout
    times.append(time.monotonic() - t0)
med = statistics.median(times[1:])
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("label=%s case=jq bytes=%d events=0 matches=%s median_s=%.6f min_s=%.6f mb_s=%.1f ev_s=0 maxrss_kb=%d"
      % (os.environ.get("LABEL", "jq"), size, out.strip(), med, min(times[1:]), size / 1048576 / med, rss))
EOF
	tail -1 "$RAW" | sed 's/.*mb_s=\([^ ]*\).*/\1 MB\/s/' >&2
}

echo "corpus: $(stat -c %s "$corpus") bytes; generated: $(stat -c %s "$gen5") bytes" >&2
echo "P1 IAM changes, real corpus" >&2
run P1.floor floor "$corpus"
run P1.naive naive "$corpus" "$P1"
run P1.libiamwatch match "$corpus" "$P1"
runjq P1.jq "$JQ1" "$corpus"
printf '  %-28s' P1.python >&2
out=$(IAMWATCH_LIBRARY="$PYLIB" PYTHONPATH="$ROOT/bindings/python" \
	python3 "$ROOT/bench/python/bench_batch.py" "$corpus" "$P1" "${BENCH_REPS:-5}")
echo "label=P1.python $out" >>"$RAW"
echo "$out" | sed 's/.*mb_s=\([^ ]*\).*/\1 MB\/s/' >&2
echo "P1 IAM changes, generated (5% IAM)" >&2
run P1g.floor floor "$gen5"
run P1g.naive naive "$gen5" "$P1"
run P1g.libiamwatch match "$gen5" "$P1"
runjq P1g.jq "$JQ1" "$gen5"
echo "P2 CIS 7.0 pack (15 filters) through the engine" >&2
run P2.engine engine "$corpus" "$CIS"
run P2g.engine engine "$gen5" "$CIS"
echo "P2 naive: the engine with IAMW_ENGINE_NO_PREFILTER (every event parsed)" >&2
run P2.naive engine-naive "$corpus" "$CIS"
run P2g.naive engine-naive "$gen5" "$CIS"
echo "P3 worst case: every event is IAM" >&2
run P3.floor floor "$gen100"
run P3.naive naive "$gen100" "$P1"
run P3.libiamwatch match "$gen100" "$P1"
echo "P4 text logs" >&2
run P4.terms.naive naive "$text" "$TERMS"
run P4.terms.libiamwatch match "$text" "$TERMS"
run P4.delim.naive naive "$text" "$DELIM"
run P4.delim.libiamwatch match "$text" "$DELIM"
echo "P5 regex over growing events" >&2
for sz in 1024 16384 262144; do
	run "P5.naive.$sz" naive "$DATA/size-$sz-$MB.ndjson" "$REGEX"
	run "P5.libiamwatch.$sz" match "$DATA/size-$sz-$MB.ndjson" "$REGEX"
done
echo "P6 engine: filters + alarms with IAMW_INGEST_ADVANCE (generated input: the real" >&2
echo "   corpus jumps across years, which makes ADVANCE step millions of minutes)" >&2
run P6.engine-advance engine "$gen5" "$CIS" advance
if [ "$BIG" = 1 ]; then
	echo "P7 streaming 1 GB (5 x the generated input) through the engine (peak RSS)" >&2
	printf '  %-28s' P7.stream >&2
	out=$(for i in 1 2 3 4 5; do cat "$gen5"; done | "$BENCH" stream - "$CIS")
	echo "label=P7.stream $out" >>"$RAW"
	echo "$out" | sed 's/.*maxrss_kb=\([^ ]*\).*/\1 KiB peak RSS/' >&2
fi

python3 "$ROOT/bench/report.py" "$RAW" "$RES/latest.md" "$ROOT"
cat "$RES/latest.md"
