# SPDX-License-Identifier: MIT
"""Shared helpers for the Python binding tests (not a test module).

Environment:
  IAMWATCH_LIBRARY  libiamwatch.so.0 to load (else the bindings' discovery order)
  PYTHONPATH        must hold bindings/python (and examples/python for the Dask test;
                    this module adds both when run from the source tree)
  IAMW_CORPUS_DIR   CloudTrail corpus (default /work/shared/data/cloudtrail)
  IAMWATCH_PROGRAM  the iamwatch CLI (default build/examples/iamwatch)
"""

import glob
import gzip
import os
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BINDINGS = os.path.join(ROOT, "bindings", "python")
EXAMPLES = os.path.join(ROOT, "examples", "python")
for _p in (BINDINGS, EXAMPLES):
    if _p not in sys.path:
        sys.path.append(_p)

CORPUS_DIR = os.environ.get("IAMW_CORPUS_DIR", "/work/shared/data/cloudtrail")
PROGRAM = os.environ.get("IAMWATCH_PROGRAM", os.path.join(ROOT, "build", "examples", "iamwatch"))
RULES_DIR = os.path.join(ROOT, "libiamwatch", "packs", "rules")
INVICTUS = os.path.join(CORPUS_DIR, "invictus_ir_aws_dataset_2023.ndjson.gz")
STRATUS = os.path.join(CORPUS_DIR, "stratus_red_team_detonation_logs.ndjson.gz")


def corpus_files():
    return sorted(glob.glob(os.path.join(CORPUS_DIR, "*.ndjson.gz")))


def read_corpus(path):
    with open(path, "rb") as f:
        data = f.read()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def rules(name):
    with open(os.path.join(RULES_DIR, name + ".json"), "rb") as f:
        return f.read()


def lines(data):
    """The lines of a buffer as iamw_pattern_scan_lines sees them."""
    out = data.split(b"\n")
    if out and out[-1] == b"":
        out.pop()
    return [l[:-1] if l.endswith(b"\r") else l for l in out]


def iso_ms(text):
    """CloudTrail eventTime ("2023-07-10T11:42:18Z") as ms since the epoch."""
    import datetime
    t = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    return int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
