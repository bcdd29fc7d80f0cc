#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tests for `iamwatch lint` (run with /usr/bin/python3; the program comes from
IAMWATCH_PROGRAM, default build/examples/iamwatch)."""
import json
import os
import subprocess
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROGRAM = os.environ.get("IAMWATCH_PROGRAM", os.path.join(ROOT, "build", "examples", "iamwatch"))
DATA = os.path.join(HERE, "data", "lint")


def run(*args):
    p = subprocess.run([PROGRAM, "lint", *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def lint_json(*args):
    rc, out, err = run("--json", *args)
    return rc, json.loads(out)


def codes(doc, severity=None):
    return [w["code"] for p in doc["patterns"] for w in p["warnings"]
            if severity is None or w["severity"] == severity]


def pattern_codes(pattern):
    rc, doc = lint_json("--pattern", pattern)
    return rc, codes(doc)


class WarningCodes(unittest.TestCase):
    """Each code is triggered by a minimal pattern and not by its fixed version."""

    def assertTriggers(self, code, bad, good):
        rc, got = pattern_codes(bad)
        self.assertIn(code, got, bad)
        rc2, got2 = pattern_codes(good)
        self.assertNotIn(code, got2, good)

    def test_unknown_event_name(self):
        self.assertTriggers("W-unknown-event-name", '{ $.eventName = "CreateUsr" }',
                            '{ $.eventName = "CreateUser" }')

    def test_unknown_event_name_prefix_suggests_wildcard(self):
        rc, doc = lint_json("--pattern", '{ $.eventName = "Add" }')
        w = doc["patterns"][0]["warnings"][0]
        self.assertEqual(w["code"], "W-unknown-event-name")
        self.assertIn('"Add*"', w["suggestion"])
        self.assertEqual(w["offset"], 16)
        self.assertEqual(w["length"], 5)

    def test_unknown_event_name_inner_star_is_literal(self):
        rc, doc = lint_json("--pattern", '{ $.eventName = "Creat*User" }')
        w = [w for w in doc["patterns"][0]["warnings"] if w["code"] == "W-unknown-event-name"]
        self.assertEqual(len(w), 1)
        self.assertIn("literal", w[0]["message"])
        self.assertIn("CreateUser", w[0]["suggestion"])
        self.assertTriggers("W-unknown-event-name", '{ $.eventName = "Creat*User" }',
                            '{ $.eventName = "Creat*" }')

    def test_unknown_wildcard(self):
        self.assertTriggers("W-unknown-event-name", '{ $.eventName = "Frobnicate*" }',
                            '{ $.eventName = "Delete*" }')

    def test_iam_scope(self):
        # RunInstances exists, but not in IAM
        self.assertTriggers(
            "W-unknown-event-name",
            '{ ($.eventSource = "iam.amazonaws.com") && ($.eventName = "RunInstances") }',
            '{ ($.eventSource = "iam.amazonaws.com") && ($.eventName = "CreateUser") }')

    def test_unknown_event_source(self):
        rc, doc = lint_json("--pattern", '{ $.eventSource = "kms" }')
        w = doc["patterns"][0]["warnings"][0]
        self.assertEqual(w["code"], "W-unknown-event-name")
        self.assertIn("kms.amazonaws.com", w["suggestion"])
        self.assertTriggers("W-unknown-event-name", '{ $.eventSource = "kms" }',
                            '{ $.eventSource = "kms.amazonaws.com" }')

    def test_ne_is_not_checked_for_names(self):
        rc, got = pattern_codes('{ $.errorCode = "AccessDenied" && $.eventName != "Nope" }')
        self.assertNotIn("W-unknown-event-name", got)

    def test_mixed_and_or(self):
        bad = '{ $.eventName = "CreateUser" || $.eventName = "DeleteUser" && $.awsRegion = "us-east-1" }'
        good = '{ ($.eventName = "CreateUser" || $.eventName = "DeleteUser") && $.awsRegion = "us-east-1" }'
        self.assertTriggers("W-mixed-and-or", bad, good)
        rc, doc = lint_json("--pattern", bad)
        w = [w for w in doc["patterns"][0]["warnings"] if w["code"] == "W-mixed-and-or"][0]
        self.assertEqual(bad[w["offset"]:w["offset"] + 2], "&&")

    def test_mixed_ignores_quoted_operators(self):
        rc, got = pattern_codes('{ $.a = "x && y" || $.b = "z" }')
        self.assertNotIn("W-mixed-and-or", got)

    def test_ne_often_absent(self):
        bad = '{ $.errorCode != "AccessDenied" }'
        good = '{ ($.errorCode NOT EXISTS) || ($.errorCode != "AccessDenied") }'
        self.assertTriggers("W-ne-often-absent", bad, good)
        # X.* prefix lines of the knowledge file
        self.assertTriggers("W-ne-often-absent", '{ $.requestParameters.bucketName != "logs" }',
                            '{ $.requestParameters.bucketName = "logs" }')
        # always-present fields are fine
        rc, got = pattern_codes('{ $.eventType != "AwsServiceEvent" && $.userIdentity.type = "Root" }')
        self.assertNotIn("W-ne-often-absent", got)

    def test_matches_nearly_everything(self):
        bad = '{ ($.errorCode = "AccessDenied*") || ($.eventName != "HeadBucket") }'
        good = '{ ($.errorCode = "AccessDenied*") && ($.eventName != "HeadBucket") }'
        self.assertTriggers("W-matches-nearly-everything", bad, good)
        rc, doc = lint_json("--pattern", bad)
        w = [w for w in doc["patterns"][0]["warnings"]
             if w["code"] == "W-matches-nearly-everything"][0]
        self.assertTrue(bad[w["offset"]:].startswith('$.eventName != "HeadBucket"'))

    def test_needs_quoting_is_info(self):
        rc, doc = lint_json("--pattern", '{ $.eventSource = kms.amazonaws.com }')
        self.assertEqual(codes(doc, "info"), ["W-needs-quoting"])
        self.assertEqual(rc, 0)  # info only
        rc, got = pattern_codes('{ $.eventSource = "kms.amazonaws.com" }')
        self.assertNotIn("W-needs-quoting", got)
        rc, got = pattern_codes('{ $.eventName = CreateUser }')
        self.assertNotIn("W-needs-quoting", got)

    def test_term_pattern_meant_as_json(self):
        rc, doc = lint_json("--pattern", "eventName = CreateUser")
        self.assertEqual(rc, 2)  # not a valid term pattern
        self.assertIn("W-needs-quoting", codes(doc, "warning"))
        w = [w for w in doc["patterns"][0]["warnings"] if w["code"] == "W-needs-quoting"][0]
        self.assertIn('{ $.eventName = "CreateUser" }', w["suggestion"])
        rc, doc = lint_json("--pattern", '"eventName = CreateUser"')
        self.assertIn("W-needs-quoting", codes(doc, "warning"))
        rc, doc = lint_json("--pattern", '{ $.eventName = "CreateUser" }')
        self.assertEqual(codes(doc), [])

    def test_quota(self):
        rc, doc = lint_json("--rules", os.path.join(DATA, "regex-quota.json"))
        self.assertEqual(rc, 1)
        quota = [(p["filter"], w["code"]) for p in doc["patterns"] for w in p["warnings"]]
        self.assertEqual(quota, [("f005", "W-quota")])
        rc, doc = lint_json("--rules", os.path.join(DATA, "regex-quota-ok.json"))
        self.assertNotIn("W-quota", codes(doc))
        rc, doc = lint_json("--rules", os.path.join(DATA, "too-many-filters.json"))
        quota = [p["filter"] for p in doc["patterns"] for w in p["warnings"] if w["code"] == "W-quota"]
        self.assertEqual(quota, ["f100"])


class ArticleAndPacks(unittest.TestCase):
    def test_article_broken_iam_pattern(self):
        pat = '{ (($.eventName = "Add") || ($.eventName = "Create")) }'
        rc, out, err = run("--pattern", pat)
        self.assertEqual(rc, 1)
        self.assertIn('warning[W-unknown-event-name] at offset 18', out)
        self.assertIn('did you mean "Add*"?', out)
        self.assertIn('did you mean "Create*"?', out)
        # the caret line points at the value
        lines = out.splitlines()
        i = lines.index(next(l for l in lines if "at offset 18" in l))
        self.assertEqual(lines[i + 1].strip(), pat)
        self.assertEqual(lines[i + 2].index("^") - lines[i + 1].index("{"), 18)

    def test_cis30_unauthorized_matches_nearly_everything(self):
        rc, doc = lint_json("--rules", "cis@3.0")
        self.assertEqual(rc, 1)
        hits = [p["filter"] for p in doc["patterns"] for w in p["warnings"]
                if w["code"] == "W-matches-nearly-everything"]
        self.assertEqual(hits, ["unauthorized_api_calls_metric"])

    def test_cis70_does_not(self):
        rc, doc = lint_json("--rules", "cis@7.0")
        self.assertNotIn("W-matches-nearly-everything", codes(doc))
        self.assertTrue(all(not p["errors"] for p in doc["patterns"]))
        self.assertEqual(len(doc["patterns"]), 15)

    def test_every_pack_compiles(self):
        for pack in ["iam-changes", "cis", "cis@1.2", "cis@1.4", "cis@1.5", "cis@2.0", "cis@3.0",
                     "cis@4.0", "cis@5.0", "cis@6.0", "cis@7.0"]:
            rc, doc = lint_json("--rules", pack)
            self.assertIn(rc, (0, 1), pack)
            self.assertEqual(doc["errors"], [], pack)


class Errors(unittest.TestCase):
    def test_syntax_error_offset_and_exit(self):
        rc, out, err = run("--pattern", '{ $.eventName = }')
        self.assertEqual(rc, 2)
        self.assertIn("error[ESYNTAX] at offset 16", out)
        self.assertIn("^", out)
        rc, doc = lint_json("--pattern", '{ $.eventName = }')
        e = doc["patterns"][0]["errors"][0]
        self.assertEqual(e["code"], "ESYNTAX")
        self.assertEqual(e["offset"], 16)

    def test_rules_pattern_error(self):
        rc, doc = lint_json("--rules", os.path.join(DATA, "bad-pattern.json"))
        self.assertEqual(rc, 2)
        self.assertEqual([p["filter"] for p in doc["patterns"] if p["errors"]], ["f001"])

    def test_rules_validation_error(self):
        rc, doc = lint_json("--rules", os.path.join(DATA, "bad-alarm.json"))
        self.assertEqual(rc, 2)
        self.assertEqual(doc["errors"][0]["code"], "EVALIDATION")
        self.assertIn("Period", doc["errors"][0]["message"])

    def test_usage(self):
        self.assertEqual(run()[0], 2)
        self.assertEqual(run("--pattern", "x", "--rules", "cis")[0], 2)
        self.assertEqual(run("--rules", "/nonexistent/rules.json")[0], 2)
        self.assertEqual(run("--help")[0], 0)

    def test_clean_exit_zero(self):
        rc, out, err = run("--pattern", '{ ($.eventSource = "iam.amazonaws.com") && ($.eventName = "CreateUser") }')
        self.assertEqual(rc, 0, out)


class JsonShape(unittest.TestCase):
    def test_shape(self):
        rc, doc = lint_json("--pattern", '{ $.errorCode != "AccessDenied" }')
        self.assertEqual(set(doc), {"source", "patterns", "errors"})
        p = doc["patterns"][0]
        self.assertEqual(set(p), {"filter", "pattern", "errors", "warnings"})
        self.assertEqual(p["pattern"], '{ $.errorCode != "AccessDenied" }')
        w = p["warnings"][0]
        self.assertEqual(set(w), {"code", "severity", "offset", "length", "message", "suggestion"})
        self.assertEqual(w["code"], "W-ne-often-absent")
        self.assertEqual(w["offset"], 2)
        self.assertEqual(w["length"], len('$.errorCode != "AccessDenied"'))
        self.assertIn("NOT EXISTS", w["suggestion"])


if __name__ == "__main__":
    unittest.main()
