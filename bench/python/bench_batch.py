#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Throughput of the Python bindings' line batch API (Pattern.count_lines over
large blocks of whole lines, one C call per block) over an NDJSON file, the
same work the C case does (match each line), printed in bench-match's
key=value format so that report.py can take the ratio to the C program
measured in the same run. (Pattern.count_file decodes records of any layout
and validates each one, which is other work: docs/performance.md.)
Usage: bench_batch.py FILE PATTERN [REPS]"""
import os
import resource
import statistics
import sys
import time

import iamwatch


BLOCK = 8 << 20


def count_lines_of_file(pattern, path) -> int:
    """Read blocks of whole lines (a partial last line is carried over) and
    count the matching lines of each in one call."""
    matches = 0
    carry = b""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(BLOCK)
            if not chunk:
                break
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            if cut:
                matches += pattern.count_lines(memoryview(data)[:cut])
            carry = data[cut:]
    if carry:
        matches += pattern.count_lines(carry)
    return matches


def main() -> None:
    path, text = sys.argv[1], sys.argv[2]
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    size = os.path.getsize(path)
    pattern = iamwatch.Pattern(text)
    times = []
    matches = 0
    for _ in range(reps + 1):  # the first run is the warm-up
        t0 = time.perf_counter()
        matches = count_lines_of_file(pattern, path)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times[1:])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("case=python bytes=%d events=0 matches=%d median_s=%.6f min_s=%.6f mb_s=%.1f ev_s=0 "
          "maxrss_kb=%d" % (size, matches, med, min(times[1:]), size / 1048576 / med, rss))


if __name__ == "__main__":
    main()
