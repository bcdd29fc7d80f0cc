#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Scale an iamwatch scan of CloudTrail logs out on Dask.

    dask_scan.py [--rules iam-changes|cis|cis@3.0|FILE ...] [--scheduler tcp://host:8786]
                 [--workers 2] [--chunk-bytes N] [--delay SECONDS]
                 [--format sns|text|eventbridge|json] [--output FILE] DIR_OR_FILE...

Inputs are files or directories (walked recursively, every regular file in
name order), in any format ``iamwatch scan`` reads, detected by content:
CloudTrail's S3 delivery files (``{"Records":[...]}``, usually ``.json.gz``),
NDJSON, CloudWatch Logs exports and subscription messages, EventBridge
envelopes; plain or gzip.

Map: each task (one per file; large plain NDJSON files are split into byte
ranges of whole lines with --chunk-bytes) builds an Engine with the rules,
ingests its part WITHOUT advancing the clock, and returns
``Engine.save_state()`` and its reading report.

Reduce (driver): an Engine with the same rules merges every partial state
(``Engine.merge_state``: metric data, event time range, counters), then
``Engine.replay_clock()`` advances the clock as a time-ordered replay would
have and drains. The notifications equal those of ``iamwatch scan`` over the
same records in one time-ordered stream, with the same --delay.

Files must be readable at the same path by every worker (a shared file
system); the workers need the ``iamwatch`` package and libiamwatch (installed,
or PYTHONPATH/IAMWATCH_LIBRARY set in their environment, or --library).
"""

import argparse
import json
import os
import sys


def _iamwatch(library=None):
    """Import iamwatch in a task, honouring a library path from the driver."""
    import iamwatch
    from iamwatch import _ffi
    if library and _ffi._lib is None:
        try:
            iamwatch.set_library_file(library)
        except RuntimeError:
            pass
    return iamwatch


def list_inputs(paths):
    """Every regular file below the given paths (directories walked in name
    order, as ``iamwatch scan`` walks them); the format is decided by content
    when the file is read, never by its name."""
    files = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, names in os.walk(p):
                dirs.sort()
                files.extend(os.path.join(root, n) for n in sorted(names)
                             if os.path.isfile(os.path.join(root, n)))
        else:
            files.append(p)
    return files


def _is_plain_ndjson(path):
    """Splittable into line ranges: not gzip, and its first line is a whole
    JSON object by itself (NDJSON); anything else is read whole."""
    with open(path, "rb") as f:
        head = f.read(2)
        if head == b"\x1f\x8b":
            return False
        f.seek(0)
        first = f.readline(1 << 20).strip()
    try:
        return isinstance(json.loads(first), dict) and "Records" not in json.loads(first)
    except ValueError:
        return False


def plan_tasks(files, chunk_bytes):
    """(path, start, end) partitions: whole files, or byte ranges of large
    plain NDJSON files (end None = the whole file)."""
    tasks = []
    for path in files:
        size = os.path.getsize(path)
        if chunk_bytes <= 0 or size <= chunk_bytes or not _is_plain_ndjson(path):
            tasks.append((path, 0, None))
            continue
        for start in range(0, size, chunk_bytes):
            tasks.append((path, start, min(start + chunk_bytes, size)))
    return tasks


def read_range(path, start, end):
    """The whole lines of a byte range: a range owns the lines that *start* in
    [start, end), so it skips a partial first line and reads past end to
    finish its last one (no line is lost or read twice)."""
    with open(path, "rb") as f:
        if start > 0:
            f.seek(start - 1)
            if f.read(1) != b"\n":
                f.readline()  # the line that started before us belongs to the previous range
        pos = f.tell()
        data = f.read(max(0, end - pos)) if pos < end else b""
        if data and not data.endswith(b"\n"):
            data += f.readline()
        return data


def scan_partition(rules, path, start=0, end=None, library=None, engine_options=None):
    """Dask task: ingest one partition without advancing; return its state."""
    iw = _iamwatch(library)
    with iw.Engine(list(rules), **(engine_options or {})) as engine:
        if end is None:
            report = engine.ingest_file(path, advance=False)  # any format, by content
            events, problems = report.events, [str(p) for p in report.problems]
        else:
            report = engine.ingest_lines(read_range(path, start, end), advance=False)
            events = report.events
            problems = ["%s: %d lines refused, the first at line %d of bytes %d-%d"
                        % (path, report.errors, report.first_error_line + 1, start, end)
                        ] if report.errors else []
        return {
            "partition": (path, start, end),
            "state": engine.save_state(),
            "events": events,
            "problems": problems,
        }


def evaluate_merged(rules, partials, library=None, engine_options=None):
    """Driver: merge the partial states into one engine and replay the clock."""
    iw = _iamwatch(library)
    with iw.Engine(list(rules), **(engine_options or {})) as engine:
        for p in partials:
            engine.merge_state(p["state"])
        engine.replay_clock(drain=True)
        return list(engine.notifications())


def run_dask(client, rules, files, chunk_bytes=0, library=None, engine_options=None):
    """Map scan_partition over the partitions on a Dask client, then reduce locally."""
    tasks = plan_tasks(files, chunk_bytes)
    rules_future = client.scatter(list(rules), broadcast=True)
    futures = [client.submit(scan_partition, rules_future, path, start, end, library,
                             engine_options, pure=False) for path, start, end in tasks]
    partials = client.gather(futures)
    return evaluate_merged(rules, partials, library, engine_options), partials


def render(notification, fmt):
    if fmt == "text":
        return notification.text
    if fmt == "eventbridge":
        return json.dumps(json.loads(notification.eventbridge), separators=(",", ":"))
    if fmt == "json":
        return json.dumps({"alarm": notification.alarm_name,
                           "old": str(notification.old_state),
                           "new": str(notification.new_state),
                           "time_ms": notification.time_ms, "reason": notification.reason},
                          separators=(",", ":"))
    return notification.sns


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", help="CloudTrail files or directories (any format)")
    ap.add_argument("--rules", action="append", default=None,
                    help="built-in pack (iam-changes, cis, cis@3.0, ...) or rules file; "
                         "repeatable (default: iam-changes)")
    ap.add_argument("--scheduler", help="Dask scheduler address (default: a LocalCluster)")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster workers (default 2)")
    ap.add_argument("--chunk-bytes", type=int, default=64 << 20,
                    help="split plain NDJSON files larger than this into line ranges "
                         "(0: one task per file)")
    ap.add_argument("--delay", type=int, default=300,
                    help="lateness window in seconds, as `iamwatch scan --delay` (default 300)")
    ap.add_argument("--format", choices=("sns", "text", "eventbridge", "json"), default="sns")
    ap.add_argument("--output", "-o", help="write here instead of standard output")
    ap.add_argument("--library", help="path of libiamwatch.so.0 (also used by the workers)")
    ap.add_argument("--account-id")
    ap.add_argument("--region")
    args = ap.parse_args(argv)

    from dask.distributed import Client, LocalCluster

    library = args.library or os.environ.get("IAMWATCH_LIBRARY")
    iw = _iamwatch(library)
    rules = []
    for spec in args.rules or ["iam-changes"]:
        if iw.resolve_pack(spec) is None:  # a file: ship its text to the workers
            with open(spec, "rb") as f:
                spec = f.read()
        rules.append(spec)
    files = list_inputs(args.paths)
    if not files:
        ap.error("no input files")
    opts = {k: v for k, v in (("account_id", args.account_id), ("region", args.region)) if v}
    opts["replay_delay_ms"] = args.delay * 1000

    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        notes, partials = run_dask(client, rules, files, args.chunk_bytes, library, opts)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    try:
        for n in notes:
            out.write(render(n, args.format) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    events = sum(p["events"] for p in partials)
    problems = [m for p in partials for m in p["problems"]]
    for m in problems:
        print("dask_scan: " + m, file=sys.stderr)
    print("dask_scan: %d files, %d partitions, %d events, %d problems, %d notifications"
          % (len(files), len(partials), events, len(problems), len(notes)), file=sys.stderr)
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
