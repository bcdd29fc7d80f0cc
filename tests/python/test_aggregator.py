# SPDX-License-Identifier: MIT
"""MetricFilter and Aggregator."""

import json
import unittest

import iamw_testutil as U  # noqa: F401
from iamwatch import Aggregator, Engine, IamwatchError, MetricFilter, Pattern, Status

FILTER = {"filterName": "f", "filterPattern": "[ip, user, ..., status = 404, bytes]",
          "metricTransformations": [{"metricName": "NotFound", "metricNamespace": "Web",
                                     "metricValue": "$bytes"}]}
T0 = 1700000000000 - 1700000000000 % 60000


class TestMetricFilter(unittest.TestCase):
    def test_properties(self):
        for doc in (FILTER, json.dumps(FILTER), json.dumps(FILTER).encode()):
            with MetricFilter.from_json(doc) as f:
                self.assertEqual(f.name, "f")
                self.assertEqual(f.metric_name, "NotFound")
                self.assertEqual(f.metric_namespace, "Web")
                p = f.pattern
                self.assertIsInstance(p, Pattern)
                self.assertEqual(p.source, FILTER["filterPattern"])
                self.assertTrue(p.matches("1.2.3.4 - x 404 12"))
                p.close()  # a view: closing it does not free the filter's pattern
                self.assertEqual(f.pattern.source, FILTER["filterPattern"])
            with self.assertRaises(ValueError):
                p2 = f.pattern  # noqa: F841

    def test_errors(self):
        bad = dict(FILTER, metricTransformations=[])
        with self.assertRaises(IamwatchError) as cm:
            MetricFilter.from_json(bad)
        self.assertIn(cm.exception.code, (Status.EVALIDATION, Status.EJSON))
        with self.assertRaises(IamwatchError) as cm:
            MetricFilter.from_json("{")
        self.assertEqual(cm.exception.code, Status.EJSON)
        bad = dict(FILTER, filterPattern="[a, b")
        with self.assertRaises(ValueError) as cm:  # PatternError
            MetricFilter.from_json(bad)
        self.assertEqual(cm.exception.pattern, "[a, b")
        self.assertEqual(cm.exception.offset, 5)
        with self.assertRaises(TypeError):
            MetricFilter()


class TestAggregator(unittest.TestCase):
    def test_add_get(self):
        with Aggregator() as a:
            for i, v in enumerate([1, 2, 3, 4]):
                self.assertTrue(a.add("ns", "m", T0 + i * 1000, v))
            self.assertTrue(a.add("ns", "m", T0, 10, dimensions={"host": "a"}, unit="Count"))
            self.assertEqual(a.get("ns", "m", "Sum", T0, 60000), 10.0)
            self.assertEqual(a.get("ns", "m", "Average", T0, 60000), 2.5)
            self.assertEqual(a.get("ns", "m", "Maximum", T0, 60000), 4.0)
            self.assertEqual(a.get("ns", "m", "SampleCount", T0, 60000), 4.0)
            self.assertEqual(a.get("ns", "m", "Sum", T0, 60000, {"host": "a"}), 10.0)
            self.assertEqual(a.get("ns", "m", "Sum", T0, 60000, {"host": "a"}, unit="Count"), 10.0)
            self.assertIsNone(a.get("ns", "m", "Sum", T0 + 60000, 60000))
            self.assertIsNone(a.get("ns", "other", "Sum", T0, 60000))
            self.assertEqual(a.get_with_count("ns", "m", "Sum", T0, 60000), (10.0, 4.0))
            self.assertIsNotNone(a.get("ns", "m", "p50", T0, 60000))
            with self.assertRaises(IamwatchError) as cm:
                a.get("ns", "m", "Bogus", T0, 60000)
            self.assertEqual(cm.exception.code, Status.EINVAL)
            a.prune(T0 + 60000)
            self.assertIsNone(a.get("ns", "m", "Sum", T0, 60000))

    def test_overflow(self):
        with Aggregator(max_dimension_sets=1) as a:
            self.assertTrue(a.add("ns", "m", T0, 1, dimensions={"d": "1"}))
            self.assertFalse(a.add("ns", "m", T0, 1, dimensions={"d": "2"}))
            self.assertEqual(a.overflow, 1)

    def test_round_trip(self):
        a = Aggregator()
        a.add("ns", "m", T0, 3)
        b = Aggregator.from_bytes(a.to_bytes())
        self.assertEqual(b.to_bytes(), a.to_bytes())
        self.assertEqual(a.copy().to_bytes(), a.to_bytes())
        with self.assertRaises(IamwatchError) as cm:
            Aggregator.from_bytes(b'{"format":"nope"}')
        self.assertEqual(cm.exception.code, Status.ESTATE)
        a.close()
        b.close()
        with self.assertRaises(ValueError):
            a.to_bytes()

    def test_merge_equivalence_synthetic(self):
        points = [("ns", "m%d" % (i % 3), T0 + (i * 7919) % 600000, float(i % 17),
                   {"k": str(i % 4)} if i % 2 else None) for i in range(1000)]
        whole, left, right = Aggregator(), Aggregator(), Aggregator()
        for i, (ns, m, t, v, d) in enumerate(points):
            whole.add(ns, m, t, v, dimensions=d)
            (left if i % 2 else right).add(ns, m, t, v, dimensions=d)
        left.merge(right)
        self.assertEqual(left.to_bytes(), whole.to_bytes())

    @unittest.skipUnless(U.corpus_files(), "no corpus")
    def test_merge_equivalence_engines(self):
        """Two engines fed disjoint halves == one engine fed all (aggregators)."""
        rules = U.rules("cis-7.0")
        data = U.lines(U.read_corpus(U.INVICTUS))
        half = len(data) // 2
        with Engine(rules) as all_, Engine(rules) as e1, Engine(rules) as e2:
            all_.ingest_lines(b"\n".join(data), advance=False)
            e1.ingest_lines(b"\n".join(data[:half]), advance=False)
            e2.ingest_lines(b"\n".join(data[half:]), advance=False)
            merged = e1.aggregator.copy()
            merged.merge(e2.aggregator)
            self.assertEqual(merged.to_bytes(), all_.aggregator.to_bytes())
            # the other way round gives the same bytes too
            merged2 = e2.aggregator.copy()
            merged2.merge(e1.aggregator)
            self.assertEqual(merged2.to_bytes(), all_.aggregator.to_bytes())

    def test_merge_period_mismatch(self):
        with Aggregator(60000) as a, Aggregator(10000) as b:
            with self.assertRaises(IamwatchError):
                a.merge(b)


if __name__ == "__main__":
    unittest.main()
