#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn bench/results/raw.txt (one key=value line per case) into a Markdown
report with ratios against the targets of docs/performance.md."""
import datetime
import os
import platform
import subprocess
import sys

raw, out, root = sys.argv[1], sys.argv[2], sys.argv[3]
rows = {}
order = []
for line in open(raw):
    kv = dict(tok.split("=", 1) for tok in line.split())
    rows[kv["label"]] = kv
    order.append(kv["label"])


def f(label, key):
    r = rows.get(label)
    if not r or key not in r:
        return None
    return float(r[key])


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, cwd=root).stdout.strip()
    except Exception:
        return "?"


cpu = "?"
try:
    for l in open("/proc/cpuinfo"):
        if l.startswith("model name"):
            cpu = l.split(":", 1)[1].strip()
            break
except OSError:
    pass
lines = []
lines.append("# libiamwatch benchmark results\n")
lines.append("- command: `bench/run.sh`")
lines.append("- date: %s" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M"))
lines.append("- commit: %s%s" % (sh("git rev-parse --short HEAD"), " (+ uncommitted changes)" if sh("git status --porcelain --untracked-files=no") else ""))
lines.append("- machine: %s CPU(s), %s, %s" % (sh("nproc"), cpu, platform.platform()))
lines.append("- load average at the end: %s (other jobs share the machine: figures are noisy)" % open("/proc/loadavg").read().split()[0:3])
lines.append("- build: meson --buildtype=release (build-bench/), each case 1 warm-up + %s timed runs in one process, median\n" % os.environ.get("BENCH_REPS", "5"))
lines.append("| case | input MB | events | matches | median s | MB/s | events/s | peak RSS MiB |")
lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
for label in order:
    r = rows[label]
    if r.get("absent"):
        lines.append("| %s | jq not installed | | | | | | |" % label)
        continue
    lines.append("| %s | %.0f | %s | %s | %.3f | %.1f | %s | %.1f |" % (
        label, float(r["bytes"]) / 1048576, r["events"], r["matches"], float(r["median_s"]),
        float(r["mb_s"]), r["ev_s"] if r["ev_s"] != "0" else "-", float(r["maxrss_kb"]) / 1024))

lines.append("\n## Targets\n")
lines.append("| target | measured | met |")
lines.append("|---|---|---|")


def target(name, value, ok, fmt):
    if value is None:
        lines.append("| %s | n/a | - |" % name)
    else:
        lines.append("| %s | %s | %s |" % (name, fmt % value, "yes" if ok(value) else "**no**"))


def ratio(a, b, key="mb_s"):
    x, y = f(a, key), f(b, key)
    return x / y if x and y else None


for tag, what in (("P1", "real corpus"), ("P1g", "generated, 5% IAM")):
    target("%s >= 5x floor (%s)" % ("P1", what), ratio(tag + ".libiamwatch", tag + ".floor"), lambda v: v >= 5, "%.2fx")
    target("%s >= 30x jq (%s)" % ("P1", what), ratio(tag + ".libiamwatch", tag + ".jq"), lambda v: v >= 30, "%.1fx")
target("Python batch API >= 0.7x the C program (P1, real corpus)", ratio("P1.python", "P1.libiamwatch"), lambda v: v >= 0.7, "%.2fx")
target("P2 >= 2x floor (CIS pack via engine, real corpus)", ratio("P2.engine", "P1.floor"), lambda v: v >= 2, "%.2fx")
target("P2 >= 2x floor (CIS pack via engine, generated)", ratio("P2g.engine", "P1g.floor"), lambda v: v >= 2, "%.2fx")
for tag, what in (("P2", "real corpus"), ("P2g", "generated")):
    v = ratio(tag + ".engine", tag + ".naive")
    lines.append("| P2 engine vs the naive engine (%s, no target) | %s | - |" % (what, "%.1fx" % v if v else "n/a"))
t = f("P3.libiamwatch", "median_s"), f("P3.floor", "median_s")
target("P3 time <= 1.15x floor's (all events IAM)", t[0] / t[1] if all(t) else None, lambda v: v <= 1.15, "%.2fx")
per_byte = [f(l, "median_s") / f(l, "bytes") for l in order if l.startswith("P5.libiamwatch.")]
target("P5 time/byte flat within 2x (1 KB..256 KB)", max(per_byte) / min(per_byte) if per_byte else None, lambda v: v <= 2, "%.2fx")
per_byte = [f(l, "median_s") / f(l, "bytes") for l in order if l.startswith("P5.naive.")]
lines.append("| P5 naive path, same spread (no target: cJSON's cost per byte depends on the content) | %s | - |"
             % ("%.2fx" % (max(per_byte) / min(per_byte)) if per_byte else "n/a"))
t = f("P6.engine-advance", "median_s"), f("P2g.engine", "median_s")
target("P6 <= +10% over P2", (t[0] / t[1] - 1) * 100 if all(t) else None, lambda v: v <= 10, "%+.1f%%")
rss = f("P7.stream", "maxrss_kb")
target("P7 peak RSS <= 32 MiB (1 GB stream)", rss / 1024 if rss else None, lambda v: v <= 32, "%.1f MiB")
open(out, "w").write("\n".join(lines) + "\n")
