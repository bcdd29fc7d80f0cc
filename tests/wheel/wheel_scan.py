# SPDX-License-Identifier: MIT
"""Run inside a venv by test_wheel.py (copied out of the repository first, so
nothing of the source tree is on sys.path): import the installed iamwatch,
report where its library came from, and scan a sample with a built-in pack.

Usage: python wheel_scan.py SAMPLE.ndjson.gz PACK
Prints one JSON object: where things came from, the versions, the ingest
report and the SNS bodies of the notifications, in order.
"""

import gzip
import importlib.metadata
import json
import os
import sys

import iamwatch
from iamwatch import _ffi


def mapped_libiamwatch():
    """The files named libiamwatch* mapped into this process."""
    paths = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) == 6 and os.path.basename(parts[5].strip()).startswith("libiamwatch"):
                paths.add(parts[5].strip())
    return sorted(paths)


def main():
    sample, pack = sys.argv[1], sys.argv[2]
    loaded = _ffi.lib()._name  # loads the library through the discovery order
    with iamwatch.Engine() as engine:
        engine.load_rules(iamwatch.pack_text(pack))
        with open(sample, "rb") as f:
            report = engine.ingest_lines(gzip.decompress(f.read()))
        engine.drain()
        sns = [n.sns for n in engine.notifications()]
    json.dump({
        "package_dir": os.path.dirname(os.path.abspath(iamwatch.__file__)),
        "prefix": sys.prefix,
        "bundled": _ffi.BUNDLED_LIBRARY,
        "bundled_exists": os.path.exists(_ffi.BUNDLED_LIBRARY),
        "loaded": loaded,
        "mapped": mapped_libiamwatch(),
        "version": iamwatch.version(),
        "binding_version": iamwatch.__version__,
        "dist_version": importlib.metadata.version("iamwatch"),
        "packs": iamwatch.packs(),
        "report": {"lines": report.lines, "events": report.events, "errors": report.errors},
        "sns": sns,
    }, sys.stdout)


if __name__ == "__main__":
    main()
