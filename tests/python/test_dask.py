# SPDX-License-Identifier: MIT
"""examples/python/dask_scan.py on a LocalCluster equals a single-process
replay-then-evaluate run."""

import gzip
import json
import os
import shutil
import tempfile
import unittest

import iamw_testutil as U

try:
    import dask  # noqa: F401
    import distributed  # noqa: F401
    HAVE_DASK = True
except ImportError:
    HAVE_DASK = False


@unittest.skipUnless(HAVE_DASK, "dask.distributed is not importable")
@unittest.skipUnless(os.path.exists(U.INVICTUS) and os.path.exists(U.STRATUS),
                     "corpus files missing")
class TestDaskScan(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import dask_scan
        from iamwatch import _ffi
        cls.D = dask_scan
        cls.tmp = tempfile.mkdtemp(prefix="iamw-dask-")
        # one gzip file (one task) and one plain file split into byte ranges
        shutil.copy(U.INVICTUS, cls.tmp)
        with gzip.open(U.STRATUS) as src, \
                open(os.path.join(cls.tmp, "stratus.ndjson"), "wb") as dst:
            shutil.copyfileobj(src, dst)
        cls.files = dask_scan.list_inputs([cls.tmp])
        cls.rules = dask_scan.rules_documents(["iam-changes", "cis-7.0"])
        cls.library = os.environ.get("IAMWATCH_LIBRARY") or (
            _ffi.load() and _ffi._lib._name)
        cls.expected = dask_scan.replay_then_evaluate(cls.rules, cls.files)
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
            self.assertEqual(b"".join(self.D.read_partition(*t) for t in tasks), whole)

    def test_merged_state_equals_single_engine_state(self):
        from iamwatch import Engine
        tasks = self.D.plan_tasks(self.files, 200000)
        partials = [self.D.scan_partition(self.rules, *t) for t in tasks]
        merged, earliest, latest = self.D.merge_partials(partials)
        with Engine(self.rules) as fresh, Engine(self.rules) as single:
            doc = self.D.state_document(fresh.save_state(), merged.to_bytes(), latest, partials)
            for f in self.files:
                single.ingest_lines(self.D.read_partition(f), advance=False)
            self.assertEqual(json.loads(doc), json.loads(single.save_state()))

    def test_local_cluster_equals_single_process(self):
        from dask.distributed import Client, LocalCluster
        expected = self.expected
        self.assertTrue(expected)
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        try:
            with Client(cluster) as client:
                got, partials = self.D.run_dask(client, self.rules, self.files,
                                                chunk_bytes=200000, library=self.library)
        finally:
            cluster.close()
        self.assertGreater(len(partials), 2)
        self.assertEqual(sum(p["report"]["events"] for p in partials), 3210)
        self.assertEqual([n.sns for n in got], [n.sns for n in expected])
        self.assertEqual(got, expected)

    def test_cli(self):
        import contextlib
        import io
        out = os.path.join(self.tmp, "out.ndjson")
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            rc = self.D.main(["--workers", "2", "--format", "sns", "--chunk-bytes", "0",
                              "--output", out, self.tmp])
        self.assertEqual(rc, 0)
        with open(out) as f:
            bodies = [json.loads(l) for l in f]
        expected = self.expected
        self.assertEqual(bodies, [json.loads(n.sns) for n in expected])


if __name__ == "__main__":
    unittest.main()
