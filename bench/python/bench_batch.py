#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Throughput of the Python bindings' batch API (Pattern.count_file: large
blocks of whole lines, one C call per block) over an NDJSON file, printed in
bench-match's key=value format so that report.py can take the ratio to the C
program measured in the same run. Usage: bench_batch.py FILE PATTERN [REPS]"""
import os
import resource
import statistics
import sys
import time

import iamwatch


def main() -> None:
    path, text = sys.argv[1], sys.argv[2]
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    size = os.path.getsize(path)
    pattern = iamwatch.Pattern(text)
    times = []
    matches = 0
    for _ in range(reps + 1):  # the first run is the warm-up
        t0 = time.perf_counter()
        matches = pattern.count_file(path)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times[1:])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("case=python bytes=%d events=0 matches=%d median_s=%.6f min_s=%.6f mb_s=%.1f ev_s=0 "
          "maxrss_kb=%d" % (size, matches, med, min(times[1:]), size / 1048576 / med, rss))


if __name__ == "__main__":
    main()
