#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Scale an iamwatch scan of CloudTrail logs out on Dask.

    dask_scan.py [--rules iam-changes|cis-7.0|FILE ...] [--scheduler tcp://host:8786]
                 [--workers 2] [--chunk-bytes N] [--format sns|text|eventbridge|json]
                 [--output FILE] DIR_OR_FILE...

Map: every task (one per file; uncompressed files larger than --chunk-bytes
are split into byte ranges of whole lines) builds an Engine with the same
rules and ingests its partition WITHOUT advancing the clock
(``Engine.ingest_lines(data, advance=False)``), so it evaluates no alarm; it
returns its aggregator (``Aggregator.to_bytes()``), its earliest and latest
event times and its counters.

Reduce (driver): the partial aggregators are merged (``Aggregator.merge``).
The C API has no "set the aggregator of an engine" call, so the driver builds
a state document: it takes ``save_state()`` of a fresh engine holding the
rules (clock null, no data), substitutes the merged aggregator for its
``"aggregator"`` member, sets ``"latestEvent"`` and sums the counters, and
loads it with ``Engine.load_state``. Then it advances the clock minute by
minute from the earliest to the latest event time and drains, collecting the
notifications.

Semantics: this equals a single-process *replay-then-evaluate* run (ingest
every event with ``advance=False``, then advance from the earliest to the
latest event time and drain; :func:`replay_then_evaluate`): the merged metric
data is identical to what one engine would have recorded (merging is exact:
sums, counts, extremes and percentile sketches are mergeable) and the alarm
evaluation sees all the data at once. It can differ from a time-ordered
streaming replay (``ingest_lines(data, advance=True)``, ``iamwatch scan``),
where an evaluation may run before late events of the same minute arrive.

Files must be readable at the same path by every worker (a shared file
system); the workers need the ``iamwatch`` package and libiamwatch (set
PYTHONPATH/IAMWATCH_LIBRARY in their environment, or pass --library).
"""

import argparse
import gzip
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RULES_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "libiamwatch", "packs", "rules"))
MINUTE_MS = 60000


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


def rules_documents(specs):
    """The bytes of each rules document: a built-in pack name or a file path."""
    out = []
    for spec in specs:
        path = spec
        if not os.path.exists(path):
            path = os.path.join(RULES_DIR, spec if spec.endswith(".json") else spec + ".json")
        with open(path, "rb") as f:
            out.append(f.read())
    return out


def _is_gzip(path):
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def list_inputs(paths):
    """Every *.ndjson / *.ndjson.gz / *.json(.gz) / *.log(.gz) file below the given paths."""
    files = []
    for p in paths:
        if os.path.isdir(p):
            for root, _dirs, names in os.walk(p):
                for n in sorted(names):
                    if n.endswith((".ndjson", ".ndjson.gz", ".jsonl", ".jsonl.gz", ".log",
                                   ".log.gz")):
                        files.append(os.path.join(root, n))
        else:
            files.append(p)
    return sorted(files)


def plan_tasks(files, chunk_bytes):
    """(path, start, end) partitions: whole gzip files, byte ranges of plain files."""
    tasks = []
    for path in files:
        size = os.path.getsize(path)
        if chunk_bytes <= 0 or _is_gzip(path) or size <= chunk_bytes:
            tasks.append((path, 0, None))
            continue
        for start in range(0, size, chunk_bytes):
            tasks.append((path, start, min(start + chunk_bytes, size)))
    return tasks


def read_partition(path, start=0, end=None):
    """The whole lines of a partition. A range owns the lines that *start* in
    [start, end): it skips a partial first line and reads past end to finish
    its last line (the usual split rule, so no line is lost or read twice)."""
    if end is None:
        with open(path, "rb") as f:
            head = f.read(2)
            f.seek(0)
            if head == b"\x1f\x8b":
                with gzip.GzipFile(fileobj=f) as g:
                    return g.read()
            return f.read()
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


def _ingest_minutes(aggregator_doc):
    """The minutes in which events were ingested, from an aggregator save."""
    return aggregator_doc.get("ingest") or []


def scan_partition(rules, path, start=0, end=None, library=None, engine_options=None):
    """Dask task: ingest one partition without advancing; return the partial result."""
    iw = _iamwatch(library)
    data = read_partition(path, start, end)
    with iw.Engine(list(rules), **(engine_options or {})) as engine:
        report = engine.ingest_lines(data, advance=False)
        agg = engine.aggregator.to_bytes()
        state = json.loads(engine.save_state())
        minutes = _ingest_minutes(json.loads(agg))
        return {
            "partition": (path, start, end),
            "aggregator": agg,
            "earliest": min(minutes) if minutes else None,
            "latest": engine.latest_event_time,
            "stats": state["stats"],
            "filters": state["filters"],
            "report": {"lines": report.lines, "events": report.events, "errors": report.errors},
        }


def merge_partials(partials, library=None):
    """Merge the partial aggregators (driver side); returns (Aggregator, earliest, latest)."""
    iw = _iamwatch(library)
    merged = None
    earliest = latest = None
    for p in partials:
        agg = iw.Aggregator.from_bytes(p["aggregator"])
        if merged is None:
            merged = agg
        else:
            merged.merge(agg)
            agg.close()
        if p["earliest"] is not None:
            earliest = p["earliest"] if earliest is None else min(earliest, p["earliest"])
        if p["latest"] is not None:
            latest = p["latest"] if latest is None else max(latest, p["latest"])
    if merged is None:
        merged = iw.Aggregator()
    return merged, earliest, latest


def state_document(template_state, merged_aggregator_bytes, latest, partials):
    """A minimal valid engine state: a fresh engine's save_state() with the merged
    aggregator substituted, latestEvent set and the counters summed."""
    doc = json.loads(template_state)
    doc["aggregator"] = json.loads(merged_aggregator_bytes)
    doc["latestEvent"] = latest
    doc["clock"] = None
    stats = {k: 0 for k in doc.get("stats", {})}
    filters = {f["name"]: dict(f) for f in doc.get("filters", [])}
    for p in partials:
        for k, v in p["stats"].items():
            stats[k] = stats.get(k, 0) + v
        for f in p["filters"]:
            acc = filters.get(f["name"])
            if acc is not None:
                for k in ("matches", "points", "skipped"):
                    acc[k] = acc.get(k, 0) + f.get(k, 0)
    doc["stats"] = stats
    doc["filters"] = [filters[f["name"]] for f in doc.get("filters", [])]
    return json.dumps(doc, separators=(",", ":")).encode()


def evaluate(engine, earliest, latest, step_ms=None):
    """Evaluate the alarms minute by minute from earliest to latest, then drain.

    The first advance() only sets the clock. advance(now) itself evaluates
    every alarm at each evaluation time (every minute) up to now, so one call
    to latest is the same as stepping one minute at a time; pass step_ms
    (e.g. 60000) to make the steps explicit (say, to report progress).
    """
    if earliest is None or latest is None:
        return
    engine.advance(earliest)
    if step_ms:
        t = earliest - earliest % step_ms + step_ms
        while t <= latest:
            engine.advance(t)
            t += step_ms
    engine.advance(latest)
    engine.drain()


def evaluate_merged(rules, partials, library=None, engine_options=None, step_ms=None):
    """Driver: merge partial results and evaluate the alarms; returns Notifications."""
    iw = _iamwatch(library)
    merged, earliest, latest = merge_partials(partials, library)
    with iw.Engine(list(rules), **(engine_options or {})) as engine:
        doc = state_document(engine.save_state(), merged.to_bytes(), latest, partials)
        merged.close()
        engine.load_state(doc)
        evaluate(engine, earliest, latest, step_ms)
        return list(engine.notifications())


def replay_then_evaluate(rules, files, library=None, engine_options=None, step_ms=None):
    """The single-process reference: one engine ingests everything without
    advancing, then evaluates from the earliest to the latest event time."""
    iw = _iamwatch(library)
    with iw.Engine(list(rules), **(engine_options or {})) as engine:
        for path in files:
            engine.ingest_lines(read_partition(path), advance=False)
        minutes = _ingest_minutes(json.loads(engine.aggregator.to_bytes()))
        evaluate(engine, min(minutes) if minutes else None, engine.latest_event_time, step_ms)
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
    return json.dumps(json.loads(notification.sns), separators=(",", ":"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", help="directories or files of CloudTrail NDJSON(.gz)")
    ap.add_argument("--rules", action="append", default=None,
                    help="built-in pack (iam-changes, cis-7.0, ...) or rules file; repeatable "
                         "(default: iam-changes and cis-7.0)")
    ap.add_argument("--scheduler", help="Dask scheduler address (default: a LocalCluster)")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster workers (default 2)")
    ap.add_argument("--chunk-bytes", type=int, default=64 << 20,
                    help="split uncompressed files into ranges of this size (0: one task per file)")
    ap.add_argument("--format", choices=("sns", "text", "eventbridge", "json"), default="sns")
    ap.add_argument("--output", "-o", help="write here instead of standard output")
    ap.add_argument("--library", help="path of libiamwatch.so.0 (also used by the workers)")
    ap.add_argument("--account-id")
    ap.add_argument("--region")
    args = ap.parse_args(argv)

    from dask.distributed import Client, LocalCluster

    library = args.library or os.environ.get("IAMWATCH_LIBRARY")
    rules = rules_documents(args.rules or ["iam-changes", "cis-7.0"])
    files = list_inputs(args.paths)
    if not files:
        ap.error("no input files")
    opts = {k: v for k, v in (("account_id", args.account_id), ("region", args.region)) if v}

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
    events = sum(p["report"]["events"] for p in partials)
    print("dask_scan: %d files, %d partitions, %d events, %d notifications"
          % (len(files), len(partials), events, len(notes)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
