# SPDX-License-Identifier: MIT
"""Tests of iamwatch.lint, iamwatch.check and their objects (bindings/python/iamwatch/analysis.py)."""

import json
import os
import subprocess
import tempfile
import threading
import unittest

import iamw_testutil as U  # noqa: F401  (sets sys.path)

import iamwatch
from iamwatch import (ControlResult, Coverage, CoverageReport, CoverageStatus, Finding,
                      IamwatchError, Knowledge, Severity, Status)

CHECK_DATA = os.path.join(U.ROOT, "tests", "cli", "data", "check")
LINT_DATA = os.path.join(U.ROOT, "tests", "cli", "data", "lint")


def codes(findings):
    return [f.code for f in findings]


class TestKnowledge(unittest.TestCase):
    def test_event_known(self):
        with Knowledge() as k:
            self.assertTrue(k.event_known("iam.amazonaws.com", "CreateUser"))
            self.assertFalse(k.event_known("iam.amazonaws.com", "RunInstances"))
            self.assertTrue(k.event_known(name="ConsoleLogin"))
            self.assertTrue(k.event_known(source="kms.amazonaws.com"))
            with self.assertRaises(ValueError):
                k.event_known()
        with self.assertRaises(ValueError):
            k.event_known(name="x")  # closed

    def test_shared_by_threads(self):
        k = Knowledge()
        out = []

        def work():
            out.append(len(iamwatch.lint(rules="cis@3.0", knowledge=k)))

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(set(out)), 1)
        self.assertGreater(out[0], 0)
        k.close()


class TestLint(unittest.TestCase):
    def test_pattern(self):
        fs = iamwatch.lint('{ $.eventName = "Add" }')
        self.assertEqual(len(fs), 1)
        f = fs[0]
        self.assertIsInstance(f, Finding)
        self.assertEqual(f.code, "W-unknown-event-name")
        self.assertIs(f.severity, Severity.WARNING)
        self.assertEqual(f.severity.label, "warning")
        self.assertEqual((f.offset, f.length), (16, 5))
        self.assertEqual(f.excerpt, '"Add"')
        self.assertIn('did you mean "Add*"?', f.suggestion)
        self.assertIsNone(f.filter)
        self.assertIsNone(f.location)
        self.assertEqual(f.index, 0)
        self.assertIsNone(f.status)

    def test_every_code(self):
        cases = {
            "W-unknown-event-name": '{ $.eventName = "CreateUsr" }',
            "W-mixed-and-or": '{ $.a = 1 || $.b = 2 && $.c = 3 }',
            "W-ne-often-absent": '{ $.errorCode != "AccessDenied" }',
            "W-matches-nearly-everything":
                '{ ($.errorCode = "AccessDenied*") || ($.eventName != "HeadBucket") }',
            "W-needs-quoting": "{ $.eventSource = kms.amazonaws.com }",
        }
        for code, pattern in cases.items():
            with self.subTest(code=code):
                self.assertIn(code, codes(iamwatch.lint(pattern)))
        self.assertEqual(iamwatch.lint('{ $.eventName = "CreateUser" }'), [])

    def test_syntax_error_is_a_finding(self):
        fs = iamwatch.lint("{ $.eventName = }")
        self.assertEqual(fs[0].code, "ESYNTAX")
        self.assertIs(fs[0].severity, Severity.ERROR)
        self.assertIs(fs[0].status, Status.ESYNTAX)
        self.assertEqual(fs[0].offset, 16)
        fs = iamwatch.lint("eventName = CreateUser")
        self.assertEqual(codes(fs), ["ESYNTAX", "W-needs-quoting"])
        self.assertEqual(fs[1].suggestion, 'write { $.eventName = "CreateUser" }')

    def test_rules_every_input(self):
        by_pack = iamwatch.lint(rules="cis@3.0")
        self.assertEqual([f.filter for f in by_pack if f.code == "W-matches-nearly-everything"],
                         ["unauthorized_api_calls_metric"])
        self.assertEqual(by_pack[0].location, "metricFilters[0].filterPattern")
        self.assertEqual(by_pack[0].origin, "cis@3.0")
        doc = iamwatch.pack("cis@3.0")
        self.assertEqual(iamwatch.lint(rules=doc), [dataclass_with(f, origin="<dict>")
                                                    for f in by_pack])
        self.assertEqual(len(iamwatch.lint(rules=json.dumps(doc))), len(by_pack))
        path = os.path.join(CHECK_DATA, "cfn-syntactic.json")
        fs = iamwatch.lint(rules=path)
        self.assertEqual(fs[0].location, "Resources.Cfn51Filter.Properties.FilterPattern")
        self.assertEqual(fs[0].origin, path)
        import pathlib
        self.assertEqual(len(iamwatch.lint(rules=pathlib.Path(path))), len(fs))
        fs = iamwatch.lint(rules=os.path.join(CHECK_DATA, "terraform-show.json"), origin="tf")
        self.assertTrue(fs[0].location.startswith("aws_cloudwatch_log_metric_filter."))
        self.assertEqual(fs[0].origin, "tf")

    def test_rules_validation(self):
        fs = iamwatch.lint(rules=os.path.join(LINT_DATA, "bad-alarm.json"))
        self.assertEqual(len(fs), 1)
        f = fs[0]
        self.assertEqual((f.code, f.severity, f.status), ("EVALIDATION", Severity.ERROR,
                                                           Status.EVALIDATION))
        self.assertEqual((f.filter, f.location, f.index, f.pattern), ("a", "metricAlarms[0]",
                                                                       None, None))
        self.assertIn("Period", f.message)

    def test_errors(self):
        with self.assertRaises(TypeError):
            iamwatch.lint()
        with self.assertRaises(TypeError):
            iamwatch.lint("x", rules="cis")
        with self.assertRaises(IamwatchError) as cm:
            iamwatch.lint(rules='{"metricFilters": [')
        self.assertIs(cm.exception.code, Status.EJSON)
        with self.assertRaises(IamwatchError):
            iamwatch.lint(rules={"neither": "rules"})
        with self.assertRaises(OSError):
            iamwatch.lint(rules="/nonexistent/rules.json")


def dataclass_with(obj, **changes):
    import dataclasses
    return dataclasses.replace(obj, **changes)


class TestCheck(unittest.TestCase):
    def test_pack_covers_itself(self):
        for v in ["1.2", "3.0", "7.0"]:
            with self.subTest(v=v):
                r = iamwatch.check("cis@" + v, benchmark="cis@" + v)
                self.assertIsInstance(r, CoverageReport)
                self.assertTrue(r.all_covered, [c for c in r if not c.covered])
                self.assertEqual(r.benchmark, "cis@" + v)
                self.assertEqual(r.version, v)
                self.assertEqual(r.rules, ("cis@" + v,))

    def test_iam_changes(self):
        r = iamwatch.check("iam-changes")
        self.assertEqual(r.benchmark, "cis@7.0")
        self.assertEqual(len(r), 15)
        c = r["5.4"]
        self.assertIsInstance(c, ControlResult)
        self.assertIs(c.status, CoverageStatus.PROBLEMS)
        self.assertEqual(c.status.label, "covered-with-problems")
        self.assertEqual((c.filter, c.alarm), ("IAMConfigurationChanges",
                                                "IAMConfigurationChangesAlarm"))
        self.assertEqual(c.filter_origin, "iam-changes")
        self.assertEqual(c.witness_events()[0]["eventSource"], "organizations.amazonaws.com")
        self.assertTrue(c.exhaustive)
        self.assertGreater(c.records, 0)
        self.assertEqual(r.summary, {"controls": 15, "covered": 0, "coveredWithProblems": 1,
                                     "missing": 14})
        self.assertEqual([x.status for x in r if x.id != "5.4"],
                         [CoverageStatus.MISSING] * 14)
        with self.assertRaises(KeyError):
            r["9.9"]

    def test_alarm_judged_by_the_engine(self):
        doc = json.load(open(os.path.join(CHECK_DATA, "all-covered.json")))
        for a in doc["metricAlarms"]:
            if a["AlarmName"].startswith("sec-5-3"):
                a["Period"] = 900
        c = iamwatch.check(doc)["5.3"]
        self.assertIs(c.status, CoverageStatus.PROBLEMS)
        self.assertTrue(any("Period 900 s" in x for x in c.reasons), c.reasons)

    def test_order_does_not_matter(self):
        files = [os.path.join(CHECK_DATA, "cfn-missing-one.json"),
                 os.path.join(CHECK_DATA, "s3-only.json"), "cis@4.0", "iam-changes"]
        a = iamwatch.check(files)
        b = iamwatch.check(list(reversed(files)))
        self.assertEqual(a.controls, b.controls)
        self.assertEqual(a.rules, tuple(reversed(b.rules)))

    def test_document_is_the_programs(self):
        path = os.path.join(CHECK_DATA, "alarm-problems.json")
        r = iamwatch.check(path)
        out = subprocess.run([U.PROGRAM, "check", "--json", path], capture_output=True,
                             text=True, timeout=120)
        self.assertEqual(out.returncode, 1)
        self.assertEqual(r.document, json.loads(out.stdout))

    def test_coverage_object(self):
        with Coverage("cis@7.0") as cov:
            self.assertEqual(cov.benchmark, "cis@7.0")
            cov.add(os.path.join(CHECK_DATA, "cfn-missing-one.json"))
            r = cov.run()
            self.assertIs(r["5.8"].status, CoverageStatus.MISSING)
            self.assertIsNone(r["5.8"].filter)
            self.assertTrue(r["5.8"].witness_events())
            cov.add(os.path.join(CHECK_DATA, "s3-only.json"), origin="s3")
            r = cov.run()
            self.assertEqual(r["5.8"].filter_origin, "s3")
            self.assertTrue(r.all_covered)
        with self.assertRaises(ValueError):
            cov.run()

    def test_errors(self):
        with self.assertRaises(IamwatchError) as cm:
            iamwatch.check("cis", benchmark="cis@9.9")
        self.assertIs(cm.exception.code, Status.ENOTFOUND)
        self.assertIn("cis@7.0", cm.exception.message)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as tmp:
            tmp.write('{"metricFilters": [{"filterName": "x", "filterPattern": "{ $.a = }", '
                      '"logGroupName": "g", "metricTransformations": [{"metricName": "m", '
                      '"metricNamespace": "n", "metricValue": "1"}]}]}')
        try:
            with self.assertRaises(IamwatchError) as cm:
                iamwatch.check(tmp.name)
            self.assertIs(cm.exception.code, Status.ESYNTAX)
        finally:
            os.unlink(tmp.name)
        with self.assertRaises(TypeError):
            iamwatch.check(42)


if __name__ == "__main__":
    unittest.main()
