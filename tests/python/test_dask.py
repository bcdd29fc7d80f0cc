# SPDX-License-Identifier: MIT
"""examples/python/dask_scan.py on a LocalCluster gives the notifications of
`iamwatch scan` over the same records in one time-ordered stream; the
partial engines' merge equals one engine that ingested everything."""

import gzip
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import iamw_testutil as U

try:
    import dask  # noqa: F401
    import distributed  # noqa: F401
    HAVE_DASK = True
except ImportError:
    HAVE_DASK = False

RULES = ["iam-changes", "cis@7.0"]


def event_time(line):
    return json.loads(line)["eventTime"]


def scan_sorted(records, tmp, delay=300):
    """`iamwatch scan` over the records sorted by eventTime: SNS bodies."""
    path = os.path.join(tmp, "sorted.ndjson")
    with open(path, "wb") as f:
        for r in sorted(records, key=event_time):
            f.write(r + b"\n")
    args = [U.PROGRAM, "scan", "--quiet", "--format", "sns", "--delay", str(delay)]
    for r in RULES:
        args += ["--rules", r]
    out = subprocess.run(args + [path], check=True, capture_output=True).stdout
    return [json.loads(l) for l in out.splitlines()]


@unittest.skipUnless(HAVE_DASK, "dask.distributed is not importable")
class TestDaskScan(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import dask_scan
        from iamwatch import _ffi
        cls.D = dask_scan
        cls.tmp = tempfile.mkdtemp(prefix="iamw-dask-")
        cls.inputs = os.path.join(cls.tmp, "in")
        os.mkdir(cls.inputs)
        # one gzip NDJSON file (one task) and one plain NDJSON file split
        # into byte ranges
        shutil.copy(U.INVICTUS, cls.inputs)
        with gzip.open(U.STRATUS) as src, \
                open(os.path.join(cls.inputs, "stratus.ndjson"), "wb") as dst:
            shutil.copyfileobj(src, dst)
        cls.records = [l for f in (U.INVICTUS, U.STRATUS)
                       for l in U.lines(U.read_corpus(f)) if l.strip()]
        cls.files = dask_scan.list_inputs([cls.inputs])
        cls.library = os.environ.get("IAMWATCH_LIBRARY") or (
            _ffi.load() and _ffi._lib._name)
        cls.expected = scan_sorted(cls.records, cls.tmp)
        # the worker processes must import iamwatch and dask_scan
        path = os.environ.get("PYTHONPATH", "")
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (U.BINDINGS, U.EXAMPLES, path) if p)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_partitions_cover_every_line(self):
        plain = [f for f in self.files if f.endswith(".ndjson")][0]
        with open(plain, "rb") as f:
            whole = f.read()
        for chunk in (1000, 4096, 65536):
            tasks = self.D.plan_tasks([plain], chunk)
            self.assertGreater(len(tasks), 1)
            self.assertEqual(b"".join(self.D.read_range(*t) for t in tasks), whole)
        # gzip files are never split
        gz = [f for f in self.files if f.endswith(".gz")][0]
        self.assertEqual(self.D.plan_tasks([gz], 1000), [(gz, 0, None)])

    def test_merge_equals_one_engine(self):
        """Merging partial states in any order gives one engine's state."""
        from iamwatch import Engine
        tasks = self.D.plan_tasks(self.files, 200000)
        partials = [self.D.scan_partition(RULES, *t) for t in tasks]
        self.assertGreater(len(partials), 2)
        with Engine(RULES) as single:
            for r in self.records:
                single.ingest(r)
            want = json.loads(single.save_state())
        for order in (partials, partials[::-1]):
            with Engine(RULES) as merged:
                for p in order:
                    merged.merge_state(p["state"])
                self.assertEqual(json.loads(merged.save_state()), want)
                self.assertEqual(merged.earliest_event_time, min(
                    U.iso_ms(event_time(r)) for r in self.records))

    def test_merge_refuses_an_advanced_engine(self):
        from iamwatch import Engine, IamwatchError, Status
        with Engine(RULES) as part:
            part.ingest(self.records[0])
            part.advance(U.iso_ms(event_time(self.records[0])))
            with Engine(RULES) as e, self.assertRaises(IamwatchError) as cm:
                e.merge_state(part.save_state())
            self.assertEqual(cm.exception.code, Status.ESTATE)
            with Engine("iam-changes") as other, self.assertRaises(IamwatchError):
                other.merge_state(Engine(RULES).save_state())

    def test_local_cluster_equals_scan_in_time_order(self):
        from dask.distributed import Client, LocalCluster
        self.assertTrue(self.expected)
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        try:
            with Client(cluster) as client:
                got, partials = self.D.run_dask(client, RULES, self.files,
                                                chunk_bytes=200000, library=self.library)
        finally:
            cluster.close()
        self.assertGreater(len(partials), 2)
        self.assertEqual(sum(p["events"] for p in partials), len(self.records))
        self.assertEqual([json.loads(n.sns) for n in got], self.expected)

    def test_s3_records_directory(self):
        """A directory of CloudTrail S3 delivery files ({"Records":[...]},
        .json.gz, in the AWSLogs/<account>/CloudTrail/<region>/Y/M/D layout,
        several records per file) on a LocalCluster gives the notifications of
        `iamwatch scan` over the same records in time order."""
        from dask.distributed import Client, LocalCluster
        root = os.path.join(self.tmp, "s3")
        records = sorted(self.records, key=event_time)
        for i in range(0, len(records), 97):  # CloudTrail delivers a few minutes per file
            chunk = records[i:i + 97]
            t = event_time(chunk[0])
            day = os.path.join(root, "AWSLogs", "123456789012", "CloudTrail", "us-east-1",
                               t[0:4], t[5:7], t[8:10])
            os.makedirs(day, exist_ok=True)
            name = "123456789012_CloudTrail_us-east-1_%s%s%sT%s%sZ_%04d.json.gz" % (
                t[0:4], t[5:7], t[8:10], t[11:13], t[14:16], i)
            doc = {"Records": [json.loads(r) for r in chunk]}
            with gzip.open(os.path.join(day, name), "wt") as f:
                json.dump(doc, f, indent=1)
        files = self.D.list_inputs([root])
        self.assertGreater(len(files), 10)
        self.assertTrue(all(f.endswith(".json.gz") for f in files))
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        try:
            with Client(cluster) as client:
                got, partials = self.D.run_dask(client, RULES, files, library=self.library)
        finally:
            cluster.close()
        self.assertEqual(len(partials), len(files))
        self.assertEqual(sum(p["events"] for p in partials), len(self.records))
        self.assertEqual([p for q in partials for p in q["problems"]], [])
        self.assertEqual([json.loads(n.sns) for n in got], self.expected)
        # and the program itself reads that directory to the same notifications
        args = [U.PROGRAM, "scan", "--quiet", "--format", "sns"]
        for r in RULES:
            args += ["--rules", r]
        out = subprocess.run(args + [root], check=True, capture_output=True).stdout
        self.assertEqual([json.loads(l) for l in out.splitlines()], self.expected)

    def test_cli(self):
        import contextlib
        import io
        out = os.path.join(self.tmp, "out.ndjson")
        err = io.StringIO()
        args = ["--workers", "2", "--format", "sns", "--chunk-bytes", "0", "--output", out]
        for r in RULES:
            args += ["--rules", r]
        with contextlib.redirect_stderr(err):
            rc = self.D.main(args + [self.inputs])
        self.assertEqual(rc, 0, err.getvalue())
        with open(out) as f:
            bodies = [json.loads(l) for l in f]
        self.assertEqual(bodies, self.expected)


if __name__ == "__main__":
    unittest.main()
