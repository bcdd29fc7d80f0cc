#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Hostile inputs through the iamwatch program (docs/security.md).

Environment:
  IAMWATCH_PROGRAM  path of the built program (required)
  IAMW_CORPUS_DIR   CloudTrail corpus (default /work/shared/data/cloudtrail);
                    synthetic records are used when it is missing.

Every case asserts the outcome (exit status, the problem reported with
file:line, the number of records still processed). Wall time and the peak
RSS of the child are generous guards only.
"""
import gzip
import json
import os
import re
import resource
import subprocess
import tempfile
import time
import unittest
import zlib

PROGRAM = os.environ.get("IAMWATCH_PROGRAM", "")
CORPUS = os.environ.get("IAMW_CORPUS_DIR", "/work/shared/data/cloudtrail")
GUARD_SECONDS = 10.0
GUARD_RSS_KB = 512 * 1024
SUMMARY = re.compile(rb"iamwatch scan: (\d+) events, (\d+) skipped, (\d+) notifications")


def good_records(n=20):
    """n CloudTrail records, one JSON object per line (bytes, no newline)."""
    path = os.path.join(CORPUS, "stratus_red_team_detonation_logs.ndjson.gz")
    if os.path.exists(path):
        with gzip.open(path, "rb") as f:
            lines = []
            for line in f:
                line = line.strip()
                if line:
                    lines.append(line)
                if len(lines) == n:
                    return lines
    return [
        json.dumps({"eventVersion": "1.08", "eventTime": "2023-07-10T11:%02d:%02dZ" % (50 + i // 60, i % 60),
                    "eventSource": "iam.amazonaws.com",
                    "eventName": "CreateUser" if i % 3 == 0 else "GetUser",
                    "awsRegion": "us-east-1", "userIdentity": {"type": "IAMUser"}}).encode()
        for i in range(n)
    ]


class Result:
    def __init__(self, rc, out, err, wall):
        self.rc, self.out, self.err, self.wall = rc, out, err, wall

    def summary(self):
        m = SUMMARY.search(self.err)
        assert m, "no summary in stderr: %r" % self.err[-500:]
        return tuple(int(x) for x in m.groups())


@unittest.skipUnless(PROGRAM and os.access(PROGRAM, os.X_OK), "IAMWATCH_PROGRAM not set")
class HostileCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="iamw-hostile-")
        cls.dir = cls.tmp.name
        cls.good = good_records(20)
        cls.good_ndjson = cls.write("good.ndjson", b"".join(l + b"\n" for l in cls.good))
        base = cls.run_prog(["scan", cls.good_ndjson])
        cls.base_events, cls.base_skipped, cls.base_notes = base.summary()
        cls.base_out = base.out
        assert base.rc == 0 and cls.base_events == 20 and cls.base_skipped == 0, base.err

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def write(cls, name, data):
        path = os.path.join(cls.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    @classmethod
    def run_prog(cls, args, stdin=b""):
        t0 = time.monotonic()
        p = subprocess.run([PROGRAM] + args, input=stdin, capture_output=True, timeout=120)
        return Result(p.returncode, p.stdout, p.stderr, time.monotonic() - t0)

    def run_guarded(self, args, stdin=b""):
        r = self.run_prog(args, stdin)
        self.assertGreaterEqual(r.rc, 0, "killed by signal %d: %r" % (-r.rc, r.err[-2000:]))
        self.assertLess(r.wall, GUARD_SECONDS, "took %.1f s" % r.wall)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        self.assertLess(rss, GUARD_RSS_KB, "child peak RSS %d KiB" % rss)
        return r

    def lines_with(self, *inserted, at=5):
        """The good records with `inserted` lines placed after the first `at`."""
        lines = self.good[:at] + list(inserted) + self.good[at:]
        return b"".join(l + b"\n" for l in lines)

    # ------------------------------------------------------------ 10 MB line

    def test_scan_ten_megabyte_line(self):
        big = b'{"eventTime":"2023-07-10T11:54:39Z","x":"' + b"a" * (10 << 20) + b'"}'
        path = self.write("big.ndjson", self.lines_with(big))
        r = self.run_guarded(["scan", path])
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn(b"big.ndjson:6: skipped: limit exceeded", r.err)
        self.assertEqual(r.summary(), (20, 1, self.base_notes))
        self.assertEqual(r.out, self.base_out)

    def test_test_ten_megabyte_line(self):
        big = b"ERROR " + b"a" * (10 << 20)
        lines = [b"ERROR one", b"two", big, b"ERROR four"]
        path = self.write("big.txt", b"\n".join(lines) + b"\n")
        r = self.run_guarded(["test", "--pattern", "ERROR", path])
        self.assertEqual(r.rc, 2, r.err)
        self.assertEqual(r.err, b"iamwatch test: event 3: limit exceeded\n")
        out = json.loads(r.out)
        self.assertEqual([m["eventNumber"] for m in out["matches"]], [1, 4])

    # ------------------------------------------------------------ CRLF

    def test_scan_crlf(self):
        path = self.write("crlf.ndjson", b"".join(l + b"\r\n" for l in self.good))
        r = self.run_guarded(["scan", path])
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(r.summary(), (20, 0, self.base_notes))
        self.assertEqual(r.out, self.base_out)

    def test_test_crlf(self):
        path = self.write("crlf.txt", b"ERROR a\r\nb\r\n\r\nERROR c\r\n")
        r = self.run_guarded(["test", "--pattern", "ERROR", path])
        self.assertEqual(r.rc, 0, r.err)
        out = json.loads(r.out)
        self.assertEqual([(m["eventNumber"], m["eventMessage"]) for m in out["matches"]],
                         [(1, "ERROR a"), (4, "ERROR c")])
        r = self.run_guarded(["test", "--pattern", "[a, b = c]"], stdin=b"x c\r\ny d\r\n")
        self.assertEqual(json.loads(r.out)["matches"][0]["extractedValues"], {"$a": "x", "$b": "c"})
        r = self.run_guarded(["test", "--count", "--pattern", '{ $.eventName = "*" }', path])
        path = self.write("crlf2.ndjson", b"".join(l + b"\r\n" for l in self.good))
        r = self.run_guarded(["test", "--count", "--pattern", "{ $.eventName = * }", path])
        self.assertEqual((r.rc, r.out), (0, b"20\n"))

    # ------------------------------------------------------------ gzip

    def test_scan_empty_gz(self):
        empty = self.write("empty.gz", b"")
        r = self.run_guarded(["scan", empty, self.good_ndjson])
        self.assertEqual(r.rc, 2, r.err)
        self.assertIn(b"empty.gz: ", r.err)
        self.assertEqual(r.summary()[0], 20)  # the next file is still scanned

    def test_test_empty_gz(self):
        # FINDING F-3: `iamwatch test` treats a 0-byte .gz as an empty input
        # (exit 1, nothing said) while `scan` reports it (exit 2).
        empty = self.write("empty2.gz", b"")
        r = self.run_guarded(["test", "--count", "--pattern", "x", empty])
        self.assertEqual(r.rc, 2, "exit %d, stderr %r" % (r.rc, r.err))
        self.assertIn(b"empty2.gz", r.err)

    def truncated_gz(self):
        data = b"".join(l + b"\n" for l in self.good) * 20
        z = gzip.compress(data)
        cut = z[: len(z) // 2]
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        prefix = d.decompress(cut)
        complete = prefix.count(b"\n")
        return self.write("trunc.ndjson.gz", cut), complete

    def test_scan_truncated_gz(self):
        path, complete = self.truncated_gz()
        r = self.run_guarded(["scan", path, self.good_ndjson])
        self.assertEqual(r.rc, 2, r.err)
        self.assertIn(b"trunc.ndjson.gz: unexpected end of compressed data", r.err)
        events, skipped, _ = r.summary()
        # every complete record before the cut, then the next file
        self.assertEqual(events, complete + 20)
        r = self.run_guarded(["scan", self.write("hdr.gz", gzip.compress(b"x")[:5])])
        self.assertEqual(r.rc, 2, r.err)
        self.assertEqual(r.summary()[0], 0)

    def test_test_truncated_gz(self):
        path, complete = self.truncated_gz()
        r = self.run_guarded(["test", "--count", "--pattern", "eventTime", path])
        self.assertEqual(r.rc, 2, r.err)
        self.assertIn(b"trunc.ndjson.gz: unexpected end of compressed data", r.err)
        self.assertEqual(int(r.out), complete)

    # ------------------------------------------------------------ wrong shapes

    def test_scan_wrong_shapes(self):
        valid = self.good[0]
        cases = [
            (b'{"Records": 5}', 0, [b':1: skipped: "Records" is a number, not an array']),
            (b'{"Records": [1, "x", null, ' + valid + b"]}", 1,
             [b"Records[0] is a number", b"Records[1] is a string", b"Records[2] is null"]),
            (b"[]", 0, []),  # an empty list: nothing to process, nothing reported
            (b"{}", 0, [b":1: skipped: not a CloudTrail record with an eventTime"]),
            (b"null", 0, [b":1: skipped: not JSON objects"]),
            (b"[1, 2, 3]", 0, [b"array[0] is a number", b"array[1] is a number", b"array[2] is a number"]),
        ]
        for i, (doc, n_valid, messages) in enumerate(cases):
            with self.subTest(doc=doc[:40]):
                path = self.write("shape%d.json" % i, doc + b"\n")
                r = self.run_guarded(["scan", path, self.good_ndjson])
                self.assertEqual(r.rc, 0, r.err)
                events, skipped, _ = r.summary()
                self.assertEqual(events, 20 + n_valid)
                self.assertEqual(skipped, len(messages))
                for m in messages:
                    self.assertIn(m, r.err)
                    self.assertIn(b"shape%d.json:1: skipped: " % i, r.err)

    def test_scan_wrong_shapes_in_ndjson(self):
        bad = [b'{"Records": 5}', b"{}", b"null", b"[1, 2]", b"1e999", b'"x"']
        path = self.write("shapes.ndjson", self.lines_with(*bad))
        r = self.run_guarded(["scan", path])
        self.assertEqual(r.rc, 0, r.err)
        events, skipped, _ = r.summary()
        self.assertEqual(events, 20)
        self.assertGreaterEqual(skipped, len(bad))
        for line in range(6, 6 + len(bad)):
            self.assertIn(b"shapes.ndjson:%d: skipped: " % line, r.err)

    # ------------------------------------------------------------ deep nesting

    def test_scan_deep_nesting(self):
        deep = b'{"eventTime":"2023-07-10T11:54:39Z","x":' + b"[" * 100000 + b"]" * 100000 + b"}"
        path = self.write("deep.ndjson", self.lines_with(deep))
        r = self.run_guarded(["scan", path])
        self.assertEqual(r.rc, 0, r.err)
        # valid JSON (only deeper than cJSON's limit): ingested with its
        # eventTime read from the raw text; it matches no filter
        self.assertNotIn(b"skipped: ", r.err)
        self.assertEqual(r.summary(), (21, 0, self.base_notes))
        # in a whole document (CloudTrail delivery file layout)
        doc = (b'{"Records": [\n' + self.good[0] + b",\n" + deep + b",\n" +
               b",\n".join(self.good[1:]) + b"\n]}\n")
        path = self.write("deep.json", doc)
        r = self.run_guarded(["scan", path])
        self.assertEqual(r.rc, 0, r.err)
        self.assertNotIn(b"deep.json:3: skipped: ", r.err)
        self.assertEqual(r.summary()[:2], (21, 0))
        # unbalanced: 100 000 '[' and nothing else
        path = self.write("open.json", b"[" * 100000 + b"\n")
        r = self.run_guarded(["scan", path, self.good_ndjson])
        self.assertIn(b"open.json", r.err)
        self.assertEqual(r.summary()[0], 20)
        # test: a term pattern matches the bytes; a JSON pattern does not
        path = self.write("deep.txt", deep + b"\n")
        r = self.run_guarded(["test", "--count", "--pattern", "eventTime", path])
        self.assertEqual((r.rc, r.out), (0, b"1\n"))
        r = self.run_guarded(["test", "--count", "--pattern", "{ $.eventTime = * }", path])
        self.assertEqual((r.rc, r.out), (1, b"0\n"))

    # ------------------------------------------------------------ bytes

    def test_scan_nul_and_invalid_utf8(self):
        lines = [b'\xff\xfe\x00garbage', b'{"eventTime":"2023-07-10T11:54:39Z","a":"\xff\xc3("}',
                 b'{"eventTime":"2023-07-10T11:54:39Z","a":"x\\u0000y"}']
        path = self.write("bytes.ndjson", self.lines_with(*lines))
        r = self.run_guarded(["scan", path])
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn(b"bytes.ndjson:6: skipped: not a JSON object: unexpected character (byte 0xff)", r.err)
        events, skipped, _ = r.summary()
        self.assertEqual((events, skipped), (22, 1))
        with open(path, "rb") as f:
            r2 = self.run_guarded(["scan"], stdin=f.read())
        self.assertIn(b"<stdin>:6: skipped: ", r2.err)
        self.assertEqual(r2.summary()[:2], (22, 1))

    def test_test_event_bytes(self):
        r = self.run_guarded(["test", "--pattern", "ERROR"], stdin=b"a\x00ERROR\nERR\x00OR\n")
        self.assertEqual(r.rc, 0, r.err)
        out = json.loads(r.out)
        self.assertEqual([(m["eventNumber"], m["eventMessage"]) for m in out["matches"]],
                         [(1, "a\x00ERROR")])
        r = self.run_guarded(["test", "--count", "--pattern", '"\u00e9"'], stdin=b"caf\xc3\xa9\ncafe\n")
        self.assertEqual(r.out, b"1\n")

    def test_test_output_is_utf8(self):
        # FINDING F-4: an event with invalid UTF-8 is echoed into the JSON
        # output as raw bytes, so the output is not valid UTF-8 JSON.
        r = self.run_guarded(["test", "--pattern", "ERROR"], stdin=b"\xff\xfe ERROR\n")
        self.assertEqual(r.rc, 0, r.err)
        text = r.out.decode("utf-8")  # raises on invalid UTF-8
        self.assertEqual(len(json.loads(text)["matches"]), 1)

    # ------------------------------------------------------------ bad patterns

    def test_test_bad_patterns(self):
        path = self.write("one.txt", b"ERROR\n")
        cases = [
            ("a" * 1024, 0, None),
            ("a" * 1025, 2, b"ETOOLONG: pattern:1024: "),
            ("{" + "(" * 100 + "$.a=1" + ")" * 100 + "}", 2, b"EDEPTH: pattern:65: "),
            ("ERR\udcffOR", 2, b"ESYNTAX: pattern:3: byte 0xff is not allowed"),
            ("%ab\udcc3(%", 2, b"EREGEX: pattern:3: "),
            ("%(a|a)*%", 2, b"EREGEX: pattern:1: "),
            ("%a{1,1000}a{1,1000}a{1,1000}a{1,1000}a{1,1000}b%", 2, b"ELIMIT: pattern:38: "),
        ]
        for pattern, rc, message in cases:
            with self.subTest(pattern=pattern[:30]):
                arg = os.fsencode(pattern)
                r = self.run_guarded(["test", "--count", "--pattern", arg.decode("utf-8", "surrogateescape"), path])
                if rc == 0:
                    self.assertIn(r.rc, (0, 1), r.err)
                else:
                    self.assertEqual(r.rc, rc, r.err)
                    self.assertIn(message, r.err)
                    self.assertEqual(r.out, b"")

    def test_regex_bomb_program(self):
        data = b"a" * (256 << 10) + b"\n"
        r = self.run_guarded(["test", "--count", "--pattern", "%a*a*a*a*a*a*a*a*a*a*b%"], stdin=data)
        self.assertEqual((r.rc, r.out), (1, b"0\n"))
        r = self.run_guarded(["test", "--count", "--pattern", "%a{1,1000}a{1,1000}b%"], stdin=data)
        self.assertEqual((r.rc, r.out), (1, b"0\n"))

    # ------------------------------------------------------------ bad rules

    def rules_file(self, name, doc):
        return self.write(name, json.dumps(doc).encode())

    def test_scan_bad_rules(self):
        mt = [{"metricName": "m", "metricNamespace": "ns", "metricValue": "1"}]
        long_pattern = self.rules_file("long.json", {"metricFilters": [
            {"filterName": "f", "filterPattern": "a" * 1025, "metricTransformations": mt}]})
        r = self.run_guarded(["scan", "--rules", long_pattern, self.good_ndjson])
        self.assertEqual(r.rc, 2, r.err)
        self.assertIn(b"ETOOLONG", r.err)
        self.assertIn(b"pattern:1024", r.err)
        self.assertEqual(r.out, b"")
        period7 = self.rules_file("p7.json", {"metricAlarms": [
            {"AlarmName": "a", "MetricName": "m", "Namespace": "ns", "Statistic": "Sum", "Period": 7,
             "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold"}]})
        r = self.run_guarded(["scan", "--rules", period7, self.good_ndjson])
        self.assertEqual(r.rc, 2, r.err)
        self.assertIn(b"EVALIDATION", r.err)
        self.assertIn(b"Period", r.err)
        for i, junk in enumerate([b"", b"null", b"[]", b"{\"metricFilters\": 5}", b"[" * 100000]):
            with self.subTest(rules=junk[:20]):
                path = self.write("junk%d.json" % i, junk)
                r = self.run_guarded(["scan", "--rules", path, self.good_ndjson])
                self.assertEqual(r.rc, 2, r.err)
                self.assertEqual(r.out, b"")
        many = self.rules_file("many.json", {"metricFilters": [
            {"filterName": "f%d" % i, "filterPattern": '{ $.eventName = "E%d" }' % i,
             "metricTransformations": [{"metricName": "m%d" % i, "metricNamespace": "ns",
                                        "metricValue": "1"}]} for i in range(2000)]})
        r = self.run_guarded(["scan", "--rules", many, self.good_ndjson])
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(r.summary()[:2], (20, 0))

    def test_scan_corrupt_state_file(self):
        state = os.path.join(self.dir, "scan.state")
        r = self.run_guarded(["scan", "--state", state, self.good_ndjson])
        self.assertEqual(r.rc, 0, r.err)
        with open(state, "rb") as f:
            good_state = f.read()
        for i, bad in enumerate([good_state[: len(good_state) // 2], b"",
                                 good_state.replace(b'"version":1', b'"version":2', 1)]):
            with self.subTest(variant=i):
                path = self.write("bad%d.state" % i, bad)
                r = self.run_guarded(["scan", "--state", path, self.good_ndjson])
                self.assertEqual(r.rc, 2, r.err)
                self.assertIn(b"bad%d.state" % i, r.err)
                with open(path, "rb") as f:
                    self.assertEqual(f.read(), bad)  # left as it was


if __name__ == "__main__":
    unittest.main(verbosity=2)
