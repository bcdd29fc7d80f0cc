#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tests for `iamwatch check` (run with /usr/bin/python3; the program comes from
IAMWATCH_PROGRAM, default build/examples/iamwatch)."""
import json
import os
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROGRAM = os.environ.get("IAMWATCH_PROGRAM", os.path.join(ROOT, "build", "examples", "iamwatch"))
DATA = os.path.join(HERE, "data", "check")


def run(*args):
    p = subprocess.run([PROGRAM, "check", *args], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def check_json(*args):
    rc, out, err = run("--json", *args)
    return rc, json.loads(out)


def data(name):
    return os.path.join(DATA, name)


def by_id(doc):
    return {c["id"]: c for c in doc["controls"]}


class Coverage(unittest.TestCase):
    def test_all_covered_rules_document(self):
        rc, doc = check_json(data("all-covered.json"))
        self.assertEqual(rc, 0)
        self.assertEqual(doc["benchmark"], "cis@7.0")
        self.assertEqual(doc["summary"]["covered"], 15)
        for c in doc["controls"]:
            self.assertEqual(c["status"], "covered", c)
            self.assertTrue(c["filter"].startswith("sec-"), c)
            self.assertTrue(c["alarm"].startswith("sec-"), c)

    def test_cloudformation_missing_one(self):
        rc, doc = check_json(data("cfn-missing-one.json"))
        self.assertEqual(rc, 1)
        c = by_id(doc)
        self.assertEqual(c["5.8"]["status"], "missing")
        self.assertIsNone(c["5.8"]["filter"])
        self.assertEqual([i for i, v in c.items() if v["status"] != "covered"], ["5.8"])
        rc, out, err = run(data("cfn-missing-one.json"))
        self.assertRegex(out, r"5\.8\s+missing")

    def test_several_files_combine(self):
        rc, doc = check_json(data("cfn-missing-one.json"), data("s3-only.json"))
        self.assertEqual(rc, 0)
        self.assertEqual(by_id(doc)["5.8"]["filter"], "s3-5-8-filter")
        self.assertEqual(len(doc["rules"]), 2)

    def test_only_syntactically_covered(self):
        rc, doc = check_json(data("cfn-syntactic.json"))
        self.assertEqual(rc, 1)
        c = by_id(doc)
        iam = c["5.4"]
        self.assertEqual(iam["status"], "covered-with-problems")
        reason = " ".join(iam["reasons"])
        self.assertIn("14 of the 16", reason)
        self.assertIn("CreatePolicyVersion", reason)
        self.assertIn("DeletePolicyVersion", reason)
        self.assertNotIn("DeleteGroupPolicy", reason.split(";")[0])
        # && where || was needed: matches none of the reference events
        vpc = c["5.14"]
        self.assertEqual(vpc["status"], "missing")
        self.assertIn("0 of the 11", " ".join(vpc["reasons"]))

    def test_terraform(self):
        rc, doc = check_json(data("terraform-show.json"))
        self.assertEqual(rc, 0, doc)
        self.assertEqual(doc["summary"]["covered"], 15)

    def test_alarm_problems(self):
        rc, doc = check_json(data("alarm-problems.json"))
        self.assertEqual(rc, 1)
        c = by_id(doc)
        self.assertEqual(c["5.6"]["status"], "covered-with-problems")
        self.assertIn("alarm threshold 5 needs 5 matches", c["5.6"]["reasons"])
        self.assertEqual(c["5.3"]["status"], "covered-with-problems")
        self.assertIn("no action", " ".join(c["5.3"]["reasons"]))
        self.assertIn("DatapointsToAlarm 3", " ".join(c["5.5"]["reasons"]))
        self.assertEqual(doc["summary"]["coveredWithProblems"], 3)

    def test_no_alarm(self):
        with open(data("all-covered.json")) as fh:
            doc = json.load(fh)
        doc["metricAlarms"] = [a for a in doc["metricAlarms"] if not a["AlarmName"].startswith("sec-5-4-")]
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as tmp:
            json.dump(doc, tmp)
        try:
            rc, out = check_json(tmp.name)
        finally:
            os.unlink(tmp.name)
        self.assertEqual(rc, 1)
        c = by_id(out)["5.4"]
        self.assertEqual(c["status"], "covered-with-problems")
        self.assertIn("no alarm on Security/CIS/sec-5-4-count", c["reasons"])

    def test_alarm_variants(self):
        base = {"metricFilters": [{"filterName": "root", "logGroupName": "t",
                "filterPattern": '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
                "metricTransformations": [{"metricName": "root", "metricNamespace": "ns", "metricValue": "1", "defaultValue": 0}]}]}
        alarm = {"AlarmName": "a", "MetricName": "root", "Namespace": "ns", "Period": 300,
                 "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                 "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:t"]}
        cases = [({"Statistic": "Average"}, "Average with defaultValue"),
                 ({"Statistic": "Maximum"}, None),
                 ({"Statistic": "Sum", "ActionsEnabled": False}, "ActionsEnabled false"),
                 ({"Statistic": "Sum", "Period": 3600}, "Period 3600"),
                 ({"Statistic": "Sum", "AlarmActions": ["arn:aws:lambda:us-east-1:123456789012:function:f"]}, "no SNS topic"),
                 ({"Statistic": "Sum", "Threshold": 0, "ComparisonOperator": "GreaterThanThreshold"}, None),
                 ({"Statistic": "Sum", "ComparisonOperator": "LessThanThreshold"}, "low values")]
        for extra, expect in cases:
            doc = dict(base)
            a = dict(alarm)
            a.update(extra)
            doc["metricAlarms"] = [a]
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as tmp:
                json.dump(doc, tmp)
            try:
                rc, out = check_json(tmp.name)
            finally:
                os.unlink(tmp.name)
            c = by_id(out)["5.3"]
            if expect is None:
                self.assertEqual(c["status"], "covered", (extra, c))
            else:
                self.assertEqual(c["status"], "covered-with-problems", (extra, c))
                self.assertIn(expect, " ".join(c["reasons"]), extra)


class Packs(unittest.TestCase):
    def test_cis30_against_itself(self):
        rc, doc = check_json("cis@3.0", "--benchmark", "cis@3.0")
        self.assertEqual(rc, 0)
        self.assertEqual(doc["benchmark"], "cis@3.0")
        self.assertEqual(doc["summary"]["covered"], 15)

    def test_every_pack_covers_itself(self):
        for v in ["1.2", "1.4", "1.5", "2.0", "3.0", "4.0", "5.0", "6.0", "7.0"]:
            rc, doc = check_json("cis@" + v, "--benchmark", "cis@" + v)
            self.assertEqual(rc, 0, v)

    def test_cis40_misses_modify_security_group_rules(self):
        rc, doc = check_json("cis@4.0")
        self.assertEqual(rc, 1)
        c = by_id(doc)["5.10"]
        self.assertEqual(c["status"], "covered-with-problems")
        self.assertIn("ModifySecurityGroupRules", " ".join(c["reasons"]))

    def test_default_benchmark_is_newest(self):
        rc, doc = check_json("cis")
        self.assertEqual(doc["benchmark"], "cis@7.0")
        self.assertEqual(rc, 0)


class Errors(unittest.TestCase):
    def test_exit_codes(self):
        self.assertEqual(run()[0], 2)
        self.assertEqual(run("/nonexistent/rules.json")[0], 2)
        self.assertEqual(run("--benchmark", "cis@9.9", "cis")[0], 2)
        self.assertEqual(run("--help")[0], 0)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as tmp:
            tmp.write('{"metricFilters": [{"filterName": "x", "filterPattern": "{ $.a = }", '
                      '"logGroupName": "g", "metricTransformations": [{"metricName": "m", '
                      '"metricNamespace": "n", "metricValue": "1"}]}]}')
        try:
            rc, out, err = run(tmp.name)
        finally:
            os.unlink(tmp.name)
        self.assertEqual(rc, 2)
        self.assertIn("ESYNTAX", err)

    def test_human_table(self):
        rc, out, err = run(data("alarm-problems.json"))
        self.assertIn("CONTROL", out)
        self.assertRegex(out, r"5\.6\s+covered-with-problems\s+thr-5-6-filter -> thr-5-6-alarm")
        self.assertIn("12 covered, 3 covered with problems, 0 missing (of 15)", out)


if __name__ == "__main__":
    unittest.main()
