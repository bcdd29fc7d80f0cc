#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of `iamwatch scan`.

Run from the repository root with `python3 -m unittest tests/cli/test_scan.py`
(or `python3 tests/cli/test_scan.py`). Environment:

  IAMWATCH_PROGRAM  the iamwatch binary (default build/examples/iamwatch)
  IAMW_CORPUS_DIR   the CloudTrail corpus (default /work/shared/data/cloudtrail);
                    the crash-safety tests are skipped when it is missing

Everything generated goes to temporary directories. Python 3 standard library
only.
"""
import calendar
import gzip
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(HERE, "data", "scan")
PROGRAM = os.environ.get("IAMWATCH_PROGRAM") or os.path.join(ROOT, "build", "examples", "iamwatch")
if not os.path.isabs(PROGRAM):
    PROGRAM = os.path.join(ROOT, PROGRAM)
CORPUS = os.environ.get("IAMW_CORPUS_DIR") or "/work/shared/data/cloudtrail"
SAMPLE = os.path.join(ROOT, "examples", "data", "stratus-red-team-detonation-logs.ndjson.gz")
CFN_RULES = os.path.join(ROOT, "tests", "data", "rules", "cis-cloudformation.json")

MAIN_RULES = ["--rules", "iam-changes", "--rules", "cis"]


def run(args, timeout=120, **kw):
    return subprocess.run([PROGRAM] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, **kw)


def text(b):
    return b.decode("utf-8", "replace")


def summary_counts(stderr):
    """{filter name: matches} from the summary on standard error."""
    out = {}
    for m in re.finditer(r"^  (\S+)\s+(\d+) matches$", text(stderr), re.M):
        out[m.group(1)] = int(m.group(2))
    return out


def summary_head(stderr):
    m = re.search(r"iamwatch scan: (\d+) events, (\d+) skipped, (\d+) notifications", text(stderr))
    assert m, text(stderr)
    return tuple(int(x) for x in m.groups())


def sample_lines():
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as f:
        return f.read().splitlines()


def epoch_ms(t):
    return calendar.timegm(time.strptime(t, "%Y-%m-%dT%H:%M:%SZ")) * 1000


class ScanCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(PROGRAM, os.X_OK):
            raise unittest.SkipTest("iamwatch not built: %s" % PROGRAM)
        cls.lines = sample_lines()
        cls.records = [json.loads(l) for l in cls.lines]

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="iamw-scan-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def path(self, *names):
        return os.path.join(self.tmp, *names)

    def write(self, name, data, mode="w"):
        p = self.path(name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, mode) as f:
            f.write(data)
        return p

    def scan_ok(self, args, code=0):
        r = run(args)
        self.assertEqual(r.returncode, code, text(r.stderr))
        return r


# --------------------------------------------------------------------------- main job

class TestMainJob(ScanCase):
    """The README/demo main job on the bundled sample."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.r = run(["scan"] + MAIN_RULES + ["--format", "text", SAMPLE])

    def test_exit_and_totals(self):
        self.assertEqual(self.r.returncode, 0, text(self.r.stderr))
        events, skipped, notifications = summary_head(self.r.stderr)
        self.assertEqual(events, 310)
        self.assertEqual(len(self.records), 310)
        self.assertEqual(skipped, 0)
        out = text(self.r.stdout).splitlines()
        self.assertEqual(notifications, len(out))
        self.assertIn("no alarm is in ALARM", text(self.r.stderr))  # drained: all settled

    def test_known_notifications(self):
        out = text(self.r.stdout).splitlines()
        # The first mutating IAM call of the sample is CreateAccessKey at
        # 2024-07-30T21:53:13Z. Alarms are evaluated at each minute over the
        # last 300 s period: at 21:54:00 the period [21:49:00, 21:54:00) holds
        # one matching event, >= threshold 1 -> ALARM, from OK (the alarm was
        # OK since the first evaluation, missing data being notBreaching).
        iam = [r for r in self.records if r["eventSource"] == "iam.amazonaws.com"]
        self.assertEqual(iam[0]["eventTime"], "2024-07-30T21:53:13Z")
        self.assertEqual(iam[0]["eventName"], "CreateAccessKey")
        first_alarm = [l for l in out if "IAMConfigurationChangesAlarm" in l and "-> ALARM" in l][0]
        self.assertEqual(
            first_alarm,
            "2024-07-30T21:54:00Z ALARM  IAMConfigurationChangesAlarm  OK -> ALARM  Threshold "
            "Crossed: 1 datapoint [1.0 (30/07/24 21:49:00)] was greater than or equal to the "
            "threshold (1.0).")
        # CreateAccessKey is also a credential change, and not a policy change.
        self.assertIn(
            "2024-07-30T21:54:00Z ALARM  IAMCredentialChangesAlarm  OK -> ALARM  Threshold "
            "Crossed: 1 datapoint [1.0 (30/07/24 21:49:00)] was greater than or equal to the "
            "threshold (1.0).", out)
        # No IAM event in the 5 minutes before 22:19:00 -> back to OK.
        self.assertIn(
            "2024-07-30T22:19:00Z OK  IAMConfigurationChangesAlarm  ALARM -> OK  Threshold "
            "Crossed: no datapoints were received for 1 period and 1 missing datapoint was "
            "treated as [NonBreaching].", out)
        # UpdateAssumeRolePolicy at 2024-08-01T13:29:57Z: a policy change.
        self.assertIn(
            "2024-08-01T13:30:00Z ALARM  IAMPolicyChangesAlarm  OK -> ALARM  Threshold "
            "Crossed: 1 datapoint [1.0 (01/08/24 13:25:00)] was greater than or equal to the "
            "threshold (1.0).", out)
        # The first notifications: every alarm's first evaluation. The first
        # record is at 2024-07-30T21:31:10Z; the clock starts at that minus
        # the 300 s delay, 21:26:10, so the first evaluation is at 21:27:00.
        self.assertEqual(self.records[0]["eventTime"], "2024-07-30T21:31:10Z")
        self.assertTrue(out[0].startswith("2024-07-30T21:27:00Z OK  IAMConfigurationChangesAlarm  "
                                          "INSUFFICIENT_DATA -> OK  "), out[0])
        # Time order.
        stamps = [l.split(" ", 1)[0] for l in out]
        self.assertEqual(stamps, sorted(stamps))

    def test_match_counts_cross_checked(self):
        counts = summary_counts(self.r.stderr)
        recs = self.records
        iam = [r for r in recs if r.get("eventSource") == "iam.amazonaws.com"]
        # CIS AWS Foundations "IAM policy changes" control: its event names.
        cis_iam_policy = {
            "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy",
            "PutRolePolicy", "PutUserPolicy", "CreatePolicy", "DeletePolicy",
            "CreatePolicyVersion", "DeletePolicyVersion", "AttachRolePolicy", "DetachRolePolicy",
            "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy", "DetachGroupPolicy"}
        self.assertEqual(counts["iam-changes-metric"],
                         sum(r["eventName"] in cis_iam_policy for r in recs))
        self.assertEqual(counts["iam-changes-metric"],
                         sum(r["eventName"] in cis_iam_policy for r in iam))
        # iam-changes: any IAM call whose name starts with a mutating verb.
        verbs = ("Accept", "Add", "Associate", "Attach", "Change", "Create", "Deactivate",
                 "Delete", "Detach", "Disable", "Enable", "Put", "Reject", "Remove", "Reset",
                 "Resync", "Send", "Set", "Tag", "Untag", "Update", "Upload")
        self.assertEqual(counts["IAMConfigurationChanges"],
                         sum(r["eventName"].startswith(verbs) for r in iam))
        policy = cis_iam_policy | {"SetDefaultPolicyVersion", "PutUserPermissionsBoundary",
                                   "DeleteUserPermissionsBoundary", "PutRolePermissionsBoundary",
                                   "DeleteRolePermissionsBoundary", "UpdateAssumeRolePolicy"}
        self.assertEqual(counts["IAMPolicyChanges"], sum(r["eventName"] in policy for r in iam))
        cred = {"CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey", "CreateLoginProfile",
                "UpdateLoginProfile", "DeleteLoginProfile", "ChangePassword"}
        self.assertEqual(counts["IAMCredentialChanges"], sum(r["eventName"] in cred for r in iam))
        # CIS unauthorized API calls.
        unauth = sum(1 for r in recs if r.get("errorCode", "").endswith("UnauthorizedOperation")
                     or r.get("errorCode", "").startswith("AccessDenied"))
        self.assertEqual(counts["unauthorized-api-calls-metric"], unauth)
        # CloudTrail configuration changes.
        trail = {"CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"}
        self.assertEqual(counts["cloudtrail-cfg-changes-metric"],
                         sum(r["eventName"] in trail for r in recs))
        # Sanity: the sample exercises these at all.
        self.assertEqual((counts["IAMConfigurationChanges"], counts["IAMPolicyChanges"],
                          counts["IAMCredentialChanges"], counts["iam-changes-metric"]),
                         (10, 3, 5, 2))

    def test_default_rules_are_iam_changes(self):
        r = self.scan_ok(["scan", "--format", "text", SAMPLE])
        mine = [l for l in text(self.r.stdout).splitlines()
                if re.search(r"  IAM(Configuration|Policy|Credential)ChangesAlarm  ", l)]
        self.assertEqual(text(r.stdout).splitlines(), mine)

    def test_stdin(self):
        with open(SAMPLE, "rb") as f:
            r = run(["scan"] + MAIN_RULES + ["--format", "text"], stdin=f)
        self.assertEqual(r.returncode, 0, text(r.stderr))
        self.assertEqual(r.stdout, self.r.stdout)


# --------------------------------------------------------------------------- input formats

class TestInputFormats(ScanCase):
    """Every input shape gives the notifications of the NDJSON original."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ref = run(["scan"] + MAIN_RULES + ["--format", "text", SAMPLE])
        assert cls.ref.returncode == 0
        assert cls.ref.stdout.count(b"\n") > 20

    def same(self, *inputs, extra=()):
        r = self.scan_ok(["scan"] + MAIN_RULES + ["--format", "text"] + list(extra) + list(inputs))
        self.assertEqual(text(r.stdout), text(self.ref.stdout))
        self.assertEqual(summary_head(r.stderr), summary_head(self.ref.stderr))
        self.assertEqual(summary_counts(r.stderr), summary_counts(self.ref.stderr))
        return r

    def test_plain_ndjson(self):
        self.same(self.write("plain.ndjson", "\n".join(self.lines) + "\n"))

    def test_ndjson_gz_without_gz_suffix(self):
        # the format is detected from the content, never from the name
        p = self.path("data.log")
        shutil.copy(SAMPLE, p)
        self.same(p)

    def test_s3_records_pretty(self):
        doc = json.dumps({"Records": self.records}, indent=2)
        self.same(self.write("s3.json", doc))
        with gzip.open(self.path("s3.json.gz"), "wt", encoding="utf-8") as f:
            f.write(doc)
        self.same(self.path("s3.json.gz"))

    def test_s3_records_split_in_delivery_files(self):
        # CloudTrail delivers many small files: several in one directory
        for i in range(0, len(self.records), 50):
            self.write("AWSLogs/%03d.json.gz" % i, "", "w")
            with gzip.open(self.path("AWSLogs/%03d.json.gz" % i), "wt") as f:
                json.dump({"Records": self.records[i:i + 50]}, f)
        self.same(self.path("AWSLogs"))

    def test_cloudwatch_logs_filter_log_events(self):
        events = [{"logStreamName": "123456789012_CloudTrail_us-east-1",
                   "timestamp": epoch_ms(r["eventTime"]), "message": l,
                   "ingestionTime": epoch_ms(r["eventTime"]) + 2000, "eventId": str(i)}
                  for i, (r, l) in enumerate(zip(self.records, self.lines))]
        p = self.write("cwl.json", json.dumps({"events": events, "searchedLogStreams": []}, indent=1))
        self.same(p)
        # --time log: the log event timestamps are the event times here
        self.same(p, extra=["--time", "log"])

    def test_eventbridge_envelopes(self):
        with open(self.path("eb.ndjson"), "w") as f:
            for i, r in enumerate(self.records):
                f.write(json.dumps({
                    "version": "0", "id": "e-%d" % i, "detail-type": "AWS API Call via CloudTrail",
                    "source": "aws." + r["eventSource"].split(".")[0], "account": "123456789012",
                    "time": r["eventTime"], "region": "us-east-1", "resources": [],
                    "detail": r}) + "\n")
        self.same(self.path("eb.ndjson"))

    def test_directory_tree_in_name_order(self):
        # nested directories; names chosen so that name order is time order
        # only when walked byte-wise and depth-first
        chunks = [self.lines[0:40], self.lines[40:90], self.lines[90:200], self.lines[200:260],
                  self.lines[260:]]
        names = ["t/2024/07/a.ndjson", "t/2024/07/b/x.ndjson.gz", "t/2024/08/01.ndjson",
                 "t/2024/08/Z/02.ndjson", "t/2024/09.ndjson"]
        # byte-wise: "08/01.ndjson" < "08/Z" (digits < upper case)
        for name, chunk in zip(names, chunks):
            body = "\n".join(chunk) + "\n"
            if name.endswith(".gz"):
                os.makedirs(os.path.dirname(self.path(name)), exist_ok=True)
                with gzip.open(self.path(name), "wt") as f:
                    f.write(body)
            else:
                self.write(name, body)
        self.same(self.path("t"))
        # a mixed command line: a file then a directory
        self.same(self.path("t", "2024", "07"), self.path("t", "2024", "08"),
                  self.path("t", "2024", "09.ndjson"))

    def test_mixed_formats_in_one_run(self):
        a = self.write("a.json", json.dumps({"Records": self.records[:100]}))
        b = self.write("b.ndjson", "\n".join(self.lines[100:200]) + "\n")
        events = [{"timestamp": epoch_ms(r["eventTime"]), "message": l}
                  for r, l in zip(self.records[200:], self.lines[200:])]
        c = self.write("c.json", json.dumps({"events": events}))
        self.same(a, b, c)


# --------------------------------------------------------------------------- malformed input

class TestMalformedInput(ScanCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ref = run(["scan"] + MAIN_RULES + ["--format", "text", SAMPLE])

    def test_malformed_ndjson_lines(self):
        out = list(self.lines)
        # inserted from the end so that the line numbers below stay right
        bad = [(250, '{"eventTime": "2024-07-30T21:27:0'),  # cut JSON
               (120, "this is not json"),
               (60, '{"no":"eventTime"}'),
               (30, "[1, 2, 3]"),
               (10, '{"eventVersion":"1.08",}')]
        for at, line in bad:
            out.insert(at, line)
        p = self.write("bad.ndjson", "\n".join(out) + "\n")
        r = run(["scan"] + MAIN_RULES + ["--format", "text", p])
        self.assertEqual(r.returncode, 0, text(r.stderr))
        err = text(r.stderr)
        # 1-based line numbers after the insertions; the array line is read
        # as an array of records: each of its 3 elements is a problem
        reported = [int(n) for n in re.findall(r"^iamwatch scan: %s:(\d+): skipped" % re.escape(p),
                                               err, re.M)]
        self.assertEqual(reported, [11, 32, 32, 32, 63, 124, 255])
        events, skipped, _ = summary_head(r.stderr)
        self.assertEqual((events, skipped), (310, 7))
        self.assertEqual(text(r.stdout), text(self.ref.stdout))
        self.assertEqual(summary_counts(r.stderr), summary_counts(self.ref.stderr))

    def test_malformed_fixture(self):
        # a small checked-in file: 4 good records, a broken line, a blank line
        p = os.path.join(DATA, "malformed.ndjson")
        r = run(["scan", "--format", "text", p])
        self.assertEqual(r.returncode, 0, text(r.stderr))
        self.assertRegex(text(r.stderr), re.escape(p) + r":3: skipped")
        self.assertEqual(summary_head(r.stderr)[:2], (4, 1))
        self.assertEqual(summary_counts(r.stderr).get("IAMConfigurationChanges"), 3)

    def test_truncated_gzip(self):
        raw = ("\n".join(self.lines) + "\n").encode()
        data = gzip.compress(raw)
        cut = data[:len(data) // 2]
        p = self.write("cut.ndjson.gz", cut, "wb")
        # the complete lines in the part that can be decompressed
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        prefix = d.decompress(cut)
        complete = prefix.count(b"\n")
        self.assertTrue(0 < complete < 310)
        r = run(["scan"] + MAIN_RULES + ["--format", "text", p])
        self.assertEqual(r.returncode, 2, text(r.stderr))
        self.assertIn(p, text(r.stderr))
        self.assertRegex(text(r.stderr), r"(?i)(truncated|unexpected end)")
        events = summary_head(r.stderr)[0]
        self.assertIn(events, (complete, complete + 1))
        # the records before the cut count exactly as if they were the input
        q = self.write("head.ndjson", "\n".join(self.lines[:events]) + "\n")
        ref = self.scan_ok(["scan"] + MAIN_RULES + ["--format", "text", q])
        self.assertEqual(text(r.stdout), text(ref.stdout))
        self.assertEqual(summary_counts(r.stderr), summary_counts(ref.stderr))
        # and a truncated file among good ones: the others are read in full
        q2 = self.write("rest.ndjson", "\n".join(self.lines[events:]) + "\n")
        r2 = run(["scan"] + MAIN_RULES + ["--format", "text", p, q2])
        self.assertEqual(r2.returncode, 2)
        self.assertEqual(summary_head(r2.stderr)[0], 310)

    def test_truncated_records_document(self):
        doc = json.dumps({"Records": self.records[:20]})
        p = self.write("cut.json", doc[:len(doc) * 3 // 4])
        r = run(["scan", "--format", "text", p])
        # reported at its line, like a truncated gzip file it fails the
        # scan (exit 2), and the records before the cut are read
        self.assertEqual(r.returncode, 2, text(r.stderr))
        self.assertRegex(text(r.stderr),
                         re.escape(p) + r":1: skipped: truncated JSON document: .*rest of file skipped")
        events, skipped, _ = summary_head(r.stderr)
        self.assertTrue(0 < events < 20)
        self.assertEqual(skipped, 1)
        # the records whose text ends before the cut
        head, end, complete = len('{"Records": ['), len(doc) * 3 // 4, 0
        for rec in self.records[:20]:
            head += len(json.dumps(rec))
            if head > end:
                break
            complete += 1
            head += len(", ")
        self.assertEqual(events, complete)

    def test_broken_records_document(self):
        # a syntax error inside a one-line Records document (not at its
        # end): the records after it are lost, so the scan fails as for a
        # truncated file
        doc = json.dumps({"Records": self.records[:20]})
        cut = doc.index('"eventVersion"', len(doc) // 2)
        p = self.write("broken.json", doc[:cut] + "!" + doc[cut:])
        r = run(["scan", "--format", "text", p])
        self.assertEqual(r.returncode, 2, text(r.stderr))
        self.assertRegex(text(r.stderr), re.escape(p) + r":1: skipped: invalid JSON: .*rest of line skipped")
        events, skipped, _ = summary_head(r.stderr)
        self.assertTrue(0 < events < 20)
        self.assertEqual(skipped, 1)
        # the same, pretty-printed over many lines: reported at its line
        pretty = json.dumps({"Records": self.records[:20]}, indent=2)
        cut = pretty.index('"eventVersion"', len(pretty) // 2)
        line = pretty[:cut].count("\n") + 1
        p2 = self.write("broken-pretty.json", pretty[:cut] + "!" + pretty[cut:])
        r2 = run(["scan", "--format", "text", p2])
        self.assertEqual(r2.returncode, 2, text(r2.stderr))
        self.assertRegex(text(r2.stderr),
                         re.escape(p2) + ":%d: skipped: invalid JSON: .*rest of file skipped" % line)
        self.assertEqual(summary_head(r2.stderr)[:2], (events, 1))


# --------------------------------------------------------------------------- --state

class TestState(ScanCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ref = run(["scan"] + MAIN_RULES + ["--format", "text", SAMPLE])

    def parts(self, n):
        size = (len(self.lines) + n - 1) // n
        paths = []
        for i in range(n):
            paths.append(self.write("part%d.ndjson" % (i + 1),
                                    "\n".join(self.lines[i * size:(i + 1) * size]) + "\n"))
        return paths

    def series(self, parts, fmt="text"):
        state = self.path("state.json")
        outs = []
        for i, p in enumerate(parts):
            extra = ["--drain"] if i == len(parts) - 1 else []
            r = self.scan_ok(["scan"] + MAIN_RULES + ["--format", fmt, "--state", state] + extra + [p])
            outs.append(r)
        return outs

    def test_two_parts_equal_one_run(self):
        p1, p2 = self.parts(2)
        one = self.scan_ok(["scan"] + MAIN_RULES + ["--format", "text", p1, p2])
        self.assertEqual(one.stdout, self.ref.stdout)
        outs = self.series([p1, p2])
        self.assertEqual(b"".join(r.stdout for r in outs), one.stdout)
        # the final summary covers the whole series
        self.assertEqual(summary_head(outs[-1].stderr)[0], 310)
        self.assertEqual(summary_counts(outs[-1].stderr), summary_counts(one.stderr))
        self.assertEqual(sum(summary_head(r.stderr)[2] for r in outs), one.stdout.count(b"\n"))

    def test_three_parts_sns(self):
        parts = self.parts(3)
        one = self.scan_ok(["scan"] + MAIN_RULES + parts)
        outs = self.series(parts, fmt="sns")
        self.assertEqual(b"".join(r.stdout for r in outs), one.stdout)

    def test_no_drain_then_drain_only(self):
        # scanning without draining, then a run with no new input that only
        # drains
        p1, _ = self.parts(2)
        state = self.path("s")
        one = self.scan_ok(["scan"] + MAIN_RULES + ["--format", "text", p1])
        a = self.scan_ok(["scan"] + MAIN_RULES + ["--format", "text", "--state", state, p1])
        b = self.scan_ok(["scan"] + MAIN_RULES + ["--format", "text", "--state", state, "--drain", p1])
        self.assertEqual(a.stdout + b.stdout, one.stdout)
        self.assertGreater(len(b.stdout), 0)  # something settled only at the drain
        self.assertEqual(summary_head(b.stderr)[2], b.stdout.count(b"\n"))

    def test_completed_file_is_skipped(self):
        p1, p2 = self.parts(2)
        state = self.path("s")
        a = self.scan_ok(["scan"] + MAIN_RULES + ["--format", "text", "--state", state, p1])
        # p1 again with p2: p1 is skipped, so nothing is counted twice
        b = self.scan_ok(["scan"] + MAIN_RULES + ["--format", "text", "--state", state, "--drain",
                                                  p1, p2])
        self.assertEqual(a.stdout + b.stdout, self.ref.stdout)
        self.assertEqual(summary_head(b.stderr)[0], 310)
        self.assertEqual(summary_counts(b.stderr), summary_counts(self.ref.stderr))
        # everything done: a rerun reads nothing and prints nothing new
        c = self.scan_ok(["scan"] + MAIN_RULES + ["--format", "text", "--state", state, p1, p2])
        self.assertEqual(c.stdout, b"")
        self.assertEqual(summary_head(c.stderr)[0], 310)
        self.assertEqual(summary_counts(c.stderr), summary_counts(self.ref.stderr))

    def test_grown_file_is_read_again(self):
        # same path, different size: not the completed file any more
        p1, _ = self.parts(2)
        state = self.path("s")
        self.scan_ok(["scan", "--state", state, p1])
        with open(p1, "a") as f:
            f.write("\n")
        r = self.scan_ok(["scan", "--state", state, p1])
        self.assertEqual(summary_head(r.stderr)[0], 2 * 155)

    def test_directory_with_new_files(self):
        # A directory scanned with --state, then a new file arrives in it (as
        # CloudTrail delivers): only the new file is read on the next run.
        d = self.path("logs")
        half = len(self.lines) // 2
        self.write("logs/2024/a.ndjson", "\n".join(self.lines[:half]) + "\n")
        state = self.path("s")
        a = self.scan_ok(["scan"] + MAIN_RULES + ["--format", "text", "--state", state, d])
        self.write("logs/2024/b.ndjson", "\n".join(self.lines[half:]) + "\n")
        b = self.scan_ok(["scan"] + MAIN_RULES + ["--format", "text", "--state", state, "--drain", d])
        self.assertEqual(summary_head(b.stderr)[0], 310)
        self.assertEqual(a.stdout + b.stdout, self.ref.stdout)

    def test_directory_special_entries(self):
        # a FIFO inside a tree is not read (it could block) and a symbolic
        # link to an enclosing directory is not followed: both reported, the
        # rest scanned, exit 2; with and without --state
        self.write("t/a.ndjson", "\n".join(self.lines) + "\n")
        os.mkfifo(self.path("t", "fifo"))
        os.symlink("..", self.path("t", "up"))
        for extra in ([], ["--state", self.path("s")]):
            r = run(["scan", "--format", "text"] + extra + [self.path("t")], timeout=30)
            self.assertEqual(r.returncode, 2, text(r.stderr))
            err = text(r.stderr)
            self.assertIn(self.path("t", "fifo") + ": not a regular file", err)
            self.assertIn("directory loop", err)
            self.assertEqual(summary_head(r.stderr)[0], 310)

    def test_output_file_appends(self):
        out = self.path("out.txt")
        with open(out, "w") as f:
            f.write("previous line\n")
        self.scan_ok(["scan"] + MAIN_RULES + ["--format", "text", "--output", out, SAMPLE])
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"previous line\n" + self.ref.stdout)

    def test_output_file_appends_with_new_state(self):
        # a first run with --state has no checkpoint to cut back to: what the
        # file held before stays
        out = self.path("out.txt")
        with open(out, "w") as f:
            f.write("previous line\n")
        p1, p2 = self.parts(2)
        state = self.path("s")
        args = ["scan"] + MAIN_RULES + ["--format", "text", "--output", out, "--state", state]
        self.scan_ok(args + [p1])
        self.scan_ok(args + ["--drain", p2])
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"previous line\n" + self.ref.stdout)

    def test_corrupt_state_file(self):
        state = self.write("s", "{\"format\":\"something else\"}\n")
        r = run(["scan", "--state", state, SAMPLE])
        self.assertEqual(r.returncode, 2)
        self.assertIn("state", text(r.stderr))


# --------------------------------------------------------------------------- crash safety

def make_big(path, n):
    """n CloudTrail records made of the invictus corpus records (trimmed to the
    fields the rules look at), one every 2 s, in time order."""
    src = os.path.join(CORPUS, "invictus_ir_aws_dataset_2023.ndjson.gz")
    keep = ("eventSource", "eventName", "awsRegion", "errorCode", "eventType",
            "additionalEventData")
    templates = []
    with gzip.open(src, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            t = {"eventVersion": r.get("eventVersion", "1.08"),
                 "userIdentity": {k: v for k, v in r.get("userIdentity", {}).items()
                                  if k in ("type", "invokedBy")},
                 "eventTime": "@T@"}
            for k in keep:
                if k in r:
                    t[k] = r[k]
            re_ = r.get("responseElements")
            if isinstance(re_, dict) and "ConsoleLogin" in re_:
                t["responseElements"] = {"ConsoleLogin": re_["ConsoleLogin"]}
            templates.append(json.dumps(t, separators=(",", ":")).split("@T@"))
    t0 = calendar.timegm((2023, 1, 1, 0, 0, 0))
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            a, b = templates[i % len(templates)]
            f.write(a + time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0 + 2 * i)) + b + "\n")


@unittest.skipUnless(os.path.exists(os.path.join(CORPUS, "invictus_ir_aws_dataset_2023.ndjson.gz")),
                     "corpus not available (IAMW_CORPUS_DIR)")
class TestCrashSafety(ScanCase):
    """SIGKILL at any moment, restart with the same command: the output file
    is byte-identical to an uninterrupted run's."""

    N = 210000  # > 2 x the checkpoint interval (100000 records)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = tempfile.mkdtemp(prefix="iamw-crash-")
        cls.big = os.path.join(cls.dir, "big.ndjson")
        make_big(cls.big, cls.N)
        cls.inputs = [cls.big, SAMPLE]
        cls.args = ["scan", "--rules", "iam-changes", "--format", "sns"]
        ref_out = os.path.join(cls.dir, "ref.out")
        t = time.monotonic()
        cls.ref = run(cls.args + ["--output", ref_out] + cls.inputs)
        cls.ref_seconds = time.monotonic() - t
        assert cls.ref.returncode == 0, text(cls.ref.stderr)
        with open(ref_out, "rb") as f:
            cls.ref_bytes = f.read()
        assert cls.ref_bytes.count(b"\n") > 100

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, True)

    def command(self):
        return [PROGRAM] + self.args + ["--state", self.path("S"), "--output", self.path("O"),
                                        "--drain"] + self.inputs

    def start(self):
        return subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def kill(self, proc):
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        return proc.returncode

    def finish(self, restarts=10):
        """Restart until a run exits 0; return its stderr."""
        for _ in range(restarts):
            r = subprocess.run(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               timeout=300)
            if r.returncode == 0:
                return r.stderr
            self.assertNotEqual(r.returncode, 2, text(r.stderr))
        self.fail("no run finished")

    def check(self, stderr):
        with open(self.path("O"), "rb") as f:
            got = f.read()
        self.assertEqual(len(got), len(self.ref_bytes))
        self.assertTrue(got == self.ref_bytes, "output differs from the uninterrupted run")
        self.assertEqual(summary_head(stderr)[0], summary_head(self.ref.stderr)[0])
        self.assertEqual(summary_counts(stderr), summary_counts(self.ref.stderr))
        self.assertEqual(len([n for n in os.listdir(self.tmp) if ".tmp." in n]) >= 0, True)

    def wait_for_state(self, proc, pred, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with open(self.path("S")) as f:
                    st = json.load(f)
                if pred(st):
                    return st
            except (OSError, ValueError):
                pass
            time.sleep(0.01)
        return None

    def test_kill_after_mid_file_checkpoint(self):
        proc = self.start()
        st = self.wait_for_state(proc, lambda s: s.get("currentRecords", 0) > 0)
        self.kill(proc)
        self.assertIsNotNone(st, "no checkpoint inside the large file")
        self.assertEqual(st["current"], self.big)
        self.assertEqual(st["currentRecords"] % 100000, 0)
        self.assertEqual(st["done"], [])
        # the output was cut to the checkpoint and then rewritten identically
        self.check(self.finish())

    def test_kill_at_random_moments(self):
        rng = random.Random(20240730)
        for attempt in range(3):
            for name in ("S", "O"):
                if os.path.exists(self.path(name)):
                    os.unlink(self.path(name))
            proc = self.start()
            time.sleep(rng.uniform(0.05, 1.0) * self.ref_seconds)
            self.kill(proc)
            self.check(self.finish())

    def test_kill_repeatedly(self):
        # kill moments scale with the measured run time: a fixed floor of
        # 0.2 s let a fast machine finish before the first kill
        rng = random.Random(7)
        kills = 0
        for _ in range(6):
            proc = self.start()
            time.sleep(rng.uniform(0.1, 0.8) * self.ref_seconds)
            if proc.poll() is not None:
                proc.communicate()
                break
            self.kill(proc)
            kills += 1
        self.assertGreater(kills, 0)
        self.check(self.finish())


# --------------------------------------------------------------------------- formats, exit codes

class TestOutputAndExit(ScanCase):
    def test_sns_format(self):
        r = self.scan_ok(["scan", SAMPLE])  # sns is the default
        lines = text(r.stdout).splitlines()
        self.assertGreater(len(lines), 5)
        for l in lines:
            m = json.loads(l)
            for k in ("AlarmName", "AlarmDescription", "AWSAccountId", "NewStateValue",
                      "NewStateReason", "StateChangeTime", "Region", "AlarmArn", "OldStateValue",
                      "Trigger"):
                self.assertIn(k, m)
            self.assertEqual(m["AWSAccountId"], "123456789012")
            self.assertTrue(m["AlarmArn"].startswith("arn:aws:cloudwatch:us-east-1:123456789012:alarm:"))
            self.assertIn(m["NewStateValue"], ("OK", "ALARM", "INSUFFICIENT_DATA"))
            self.assertIn("MetricName", m["Trigger"])
        r2 = self.scan_ok(["scan", "--format", "sns", SAMPLE])
        self.assertEqual(r.stdout, r2.stdout)
        # --account and --region reach the bodies
        r3 = self.scan_ok(["scan", "--account", "111122223333", "--region", "eu-west-1", SAMPLE])
        m = json.loads(text(r3.stdout).splitlines()[0])
        self.assertEqual(m["AWSAccountId"], "111122223333")
        self.assertTrue(m["AlarmArn"].startswith("arn:aws:cloudwatch:eu-west-1:111122223333:alarm:"))

    def test_eventbridge_format(self):
        r = self.scan_ok(["scan", "--format", "eventbridge", SAMPLE])
        lines = text(r.stdout).splitlines()
        self.assertGreater(len(lines), 5)
        for l in lines:
            m = json.loads(l)
            for k in ("version", "id", "detail-type", "source", "account", "time", "region",
                      "resources", "detail"):
                self.assertIn(k, m)
            self.assertEqual(m["source"], "aws.cloudwatch")
            self.assertEqual(m["detail-type"], "CloudWatch Alarm State Change")
            self.assertIn("alarmName", m["detail"])
            self.assertIn("value", m["detail"]["state"])
            self.assertIn("value", m["detail"]["previousState"])

    def test_formats_agree(self):
        t = self.scan_ok(["scan", "--format", "text", SAMPLE]).stdout.decode().splitlines()
        s = [json.loads(l) for l in self.scan_ok(["scan", SAMPLE]).stdout.decode().splitlines()]
        e = [json.loads(l) for l in
             self.scan_ok(["scan", "--format", "eventbridge", SAMPLE]).stdout.decode().splitlines()]
        self.assertEqual(len(t), len(s))
        self.assertEqual(len(t), len(e))
        for tl, sm, em in zip(t, s, e):
            self.assertEqual(tl.split("  ")[1], sm["AlarmName"])
            self.assertEqual(em["detail"]["alarmName"], sm["AlarmName"])
            self.assertEqual(em["detail"]["state"]["value"], sm["NewStateValue"])
            self.assertIn("%s -> %s" % (sm["OldStateValue"], sm["NewStateValue"]), tl)

    def test_text_one_line_each_and_no_color_in_pipe(self):
        r = self.scan_ok(["scan", "--format", "text", SAMPLE])
        self.assertNotIn(b"\033", r.stdout)
        for l in text(r.stdout).splitlines():
            self.assertRegex(l, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (OK|ALARM|INSUFFICIENT_DATA)  \S+  "
                                r"(OK|ALARM|INSUFFICIENT_DATA) -> (OK|ALARM|INSUFFICIENT_DATA)  \S")
        self.assertEqual(summary_head(r.stderr)[2], len(text(r.stdout).splitlines()))

    def test_quiet(self):
        r = self.scan_ok(["scan", "--quiet", SAMPLE])
        self.assertEqual(r.stderr, b"")

    def test_fail_on_alarm(self):
        r = run(["scan", "--fail-on-alarm", "--format", "text", SAMPLE])
        self.assertEqual(r.returncode, 3, text(r.stderr))
        self.assertIn(b"-> ALARM", r.stdout)
        never = os.path.join(DATA, "rules-never-match.json")
        r = run(["scan", "--fail-on-alarm", "--format", "text", "--rules", never, SAMPLE])
        self.assertEqual(r.returncode, 0, text(r.stderr))
        self.assertNotIn(b"-> ALARM", r.stdout)
        self.assertEqual(summary_counts(r.stderr), {})
        # without --fail-on-alarm an alarm is not an error
        self.scan_ok(["scan", SAMPLE])

    def test_unknown_pack(self):
        r = run(["scan", "--rules", "cis@9.9", SAMPLE])
        self.assertEqual(r.returncode, 2)
        self.assertIn("cis@9.9", text(r.stderr))
        self.assertIn("cis@7.0", text(r.stderr))  # lists the packs there are
        self.assertEqual(r.stdout, b"")

    def test_every_builtin_pack_loads(self):
        for pack in ("cis@1.2", "cis@1.4", "cis@1.5", "cis@2.0", "cis@3.0", "cis@4.0",
                     "cis@5.0", "cis@6.0", "cis@7.0", "cis", "iam-changes"):
            r = run(["scan", "--quiet", "--rules", pack], stdin=subprocess.DEVNULL)
            self.assertEqual(r.returncode, 0, pack + ": " + text(r.stderr))

    def test_rules_json_syntax_error(self):
        p = os.path.join(DATA, "rules-bad-json.json")
        r = run(["scan", "--rules", p, SAMPLE])
        self.assertEqual(r.returncode, 2)
        self.assertRegex(text(r.stderr), re.escape(p) + r".*:\d+: ")
        self.assertEqual(r.stdout, b"")

    def test_rules_pattern_syntax_error(self):
        p = os.path.join(DATA, "rules-bad-pattern.json")
        r = run(["scan", "--rules", p, SAMPLE])
        self.assertEqual(r.returncode, 2)
        self.assertRegex(text(r.stderr), r"ESYNTAX: .*:\d+: ")
        # the file, the definition and where it is in the document are named
        self.assertIn(p + ": metricFilter 'NeverMatches' (metricFilters[0]): ESYNTAX: pattern:",
                      text(r.stderr))
        self.assertEqual(r.stdout, b"")

    def test_missing_rules_file(self):
        r = run(["scan", "--rules", self.path("nope.json"), SAMPLE])
        self.assertEqual(r.returncode, 2)
        self.assertIn("nope.json", text(r.stderr))

    def test_unreadable_input(self):
        missing = self.path("missing.ndjson")
        r = run(["scan", "--format", "text", missing, SAMPLE])
        self.assertEqual(r.returncode, 2)
        self.assertIn(missing, text(r.stderr))
        # the readable input is still scanned
        self.assertEqual(summary_head(r.stderr)[0], 310)
        # a directory that cannot be listed
        if os.geteuid() != 0:
            d = self.path("closed")
            os.mkdir(d, 0)
            self.addCleanup(os.chmod, d, 0o700)
            r = run(["scan", d])
            self.assertEqual(r.returncode, 2)

    def test_bad_options(self):
        for args in (["--format", "xml"], ["--time", "wall"], ["--delay", "-1"],
                     ["--no-such-option"]):
            r = run(["scan"] + args + [SAMPLE])
            self.assertEqual(r.returncode, 2, args)
        r = run(["scan", "--help"])
        self.assertEqual(r.returncode, 0)
        for opt in ("--rules", "--state", "--output", "--format", "--drain", "--delay", "--time",
                    "--fail-on-alarm", "--account", "--region", "--quiet"):
            self.assertIn(opt, text(r.stdout))

    def test_delay_zero_same_for_sorted_input(self):
        # sorted input: no record arrives late, so the delay changes nothing
        # but the start of the clock (first event time - delay), hence the
        # time of each alarm's first evaluation
        a = self.scan_ok(["scan", "--format", "text", SAMPLE])
        b = self.scan_ok(["scan", "--format", "text", "--delay", "0", SAMPLE])
        first = lambda out: [l for l in text(out).splitlines() if "INSUFFICIENT_DATA -> OK" in l]
        rest = lambda out: [l for l in text(out).splitlines() if "INSUFFICIENT_DATA -> OK" not in l]
        self.assertEqual(rest(a.stdout), rest(b.stdout))
        self.assertEqual({l[:20] for l in first(a.stdout)}, {"2024-07-30T21:27:00Z"})
        self.assertEqual({l[:20] for l in first(b.stdout)}, {"2024-07-30T21:32:00Z"})

    def test_out_of_order_within_delay(self):
        # swapping two neighbouring records does not change anything
        lines = sample_lines()
        lines[20], lines[21] = lines[21], lines[20]
        p = self.write("swapped.ndjson", "\n".join(lines) + "\n")
        a = self.scan_ok(["scan", "--format", "text", SAMPLE])
        b = self.scan_ok(["scan", "--format", "text", p])
        self.assertEqual(a.stdout, b.stdout)


class TestCloudFormationRules(ScanCase):
    def test_cfn_template_loads_and_fires(self):
        r = self.scan_ok(["scan", "--format", "text", "--rules", CFN_RULES, SAMPLE])
        out = text(r.stdout)
        counts = summary_counts(r.stderr)
        # the template's unauthorized-calls filter: same pattern as CIS
        unauth = sum(1 for x in self.records if x.get("errorCode", "").endswith("UnauthorizedOperation")
                     or x.get("errorCode", "").startswith("AccessDenied"))
        self.assertEqual(counts["UnauthorizedApiCallsFilter"], unauth)
        # AlarmName from Fn::Sub with the default prefix parameter
        self.assertIn("ALARM  CIS-4.1-UnauthorizedAPICalls  OK -> ALARM", out)
        # the first unauthorized call is at 21:26-21:31 -> ALARM at 21:32:00
        self.assertIn("2024-07-30T21:32:00Z ALARM  CIS-4.1-UnauthorizedAPICalls  OK -> ALARM  "
                      "Threshold Crossed: 1 datapoint [32.0 (30/07/24 21:27:00)]", out)
        first = [x for x in self.records if x.get("errorCode", "").endswith("UnauthorizedOperation")
                 or x.get("errorCode", "").startswith("AccessDenied")]
        window = [x for x in first if "2024-07-30T21:27:00Z" <= x["eventTime"] < "2024-07-30T21:32:00Z"]
        self.assertEqual(len(window), 32)
        # combined with a built-in pack
        r2 = self.scan_ok(["scan", "--format", "text", "--rules", CFN_RULES, "--rules", "iam-changes",
                           "--fail-on-alarm", SAMPLE], code=3)
        self.assertIn("IAMConfigurationChangesAlarm", text(r2.stdout))


if __name__ == "__main__":
    unittest.main()
