# SPDX-License-Identifier: MIT
"""CloudTrail records from Python (iamwatch.records): every layout built at
test time from the real corpus (S3 .json.gz delivery files, one-line Records,
NDJSON, EventBridge, CloudWatch Logs exports and subscription messages, JSON
arrays) from every kind of source, problems with their positions,
Engine.ingest_file against `iamwatch scan`, and Pattern.count_file on S3
files."""

import calendar
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import warnings

import iamw_testutil as U
import iamwatch
from iamwatch import (Container, Decoder, Engine, Pattern, Problem, Record, RecordError,
                      RecordWarning, ReplayReport, Status, read_records)


def epoch_ms(t):
    return calendar.timegm(time.strptime(t, "%Y-%m-%dT%H:%M:%SZ")) * 1000


class _OnlyRead:
    """A binary stream with nothing but read() (a pipe, a socket)."""

    def __init__(self, data):
        self._f = io.BytesIO(data)

    def read(self, n=-1):
        return self._f.read(n)


@unittest.skipUnless(os.path.exists(U.STRATUS), "no corpus in %s" % U.CORPUS_DIR)
class CorpusCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = U.read_corpus(U.STRATUS)
        cls.lines = U.lines(cls.data)
        cls.records = [json.loads(l) for l in cls.lines]
        cls.dir = tempfile.mkdtemp(prefix="iamw-py-records-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data, compress=False):
        p = self.path(name)
        with (gzip.open if compress else open)(p, "wb") as f:
            f.write(data)
        return p


# --------------------------------------------------------------------------- formats

class TestFormats(CorpusCase):
    def layouts(self):
        """name -> (bytes, expected container, line of record i, has timestamps)"""
        L = self.lines
        pretty = b'{"Records": [\n' + b",\n".join(L) + b"\n]}\n"
        one_line = b'{"Records":[' + b",".join(L) + b"]}"
        events = [{"logStreamName": "s", "timestamp": 1690000000000 + i, "message": l.decode(),
                   "ingestionTime": 1, "eventId": str(i)} for i, l in enumerate(L)]
        cwl = json.dumps({"events": events, "searchedLogStreams": []}, indent=2).encode()
        sub = json.dumps({"messageType": "DATA_MESSAGE", "owner": "123456789012",
                          "logGroup": "CloudTrail/logs", "logStream": "s",
                          "subscriptionFilters": ["f"],
                          "logEvents": [{"id": str(i), "timestamp": 1690000000000 + i,
                                         "message": l.decode()} for i, l in enumerate(L)]}).encode()
        eb = b"".join(b'{"version":"0","id":"x","detail-type":"AWS API Call via CloudTrail",'
                      b'"source":"aws.iam","detail":' + l + b"}\n" for l in L)
        array = b"[\n" + b",\n".join(b"  " + l for l in L) + b"\n]\n"
        # the line of the record's first byte in each layout
        cwl_lines = [i + 1 for i, l in enumerate(cwl.split(b"\n")) if b'"message"' in l]
        return {
            "ndjson": (self.data, Container.NONE, lambda i: i + 1, False),
            "s3-pretty": (pretty, Container.RECORDS, lambda i: i + 2, False),
            "s3-one-line": (one_line, Container.RECORDS, lambda i: 1, False),
            "cwl-export": (cwl, Container.EVENTS, lambda i: cwl_lines[i], True),
            "cwl-subscription": (sub, Container.LOG_EVENTS, lambda i: 1, True),
            "eventbridge": (eb, Container.NONE, lambda i: i + 1, False),
            "array": (array, Container.ARRAY, lambda i: i + 2, False),
        }

    def check(self, recs, container, line_of, timed, what):
        self.assertEqual([r.json for r in recs], self.lines, what)
        for i, r in enumerate(recs):
            self.assertIsInstance(r, Record)
            self.assertEqual(r.index, i, what)
            self.assertEqual(r.container, container, what)
            self.assertEqual(r.line, line_of(i), what)
            self.assertEqual(r.log_timestamp, 1690000000000 + i if timed else None, what)
        self.assertEqual(recs[5].data(), self.records[5])
        self.assertEqual(recs[5].text, self.lines[5].decode())

    def test_every_layout_from_every_source(self):
        for name, (data, container, line_of, timed) in self.layouts().items():
            gz = gzip.compress(data)
            sources = {
                "path": self.write(name + ".json", data),
                "gzip path": self.write(name + ".json.gz", data, compress=True),
                "PathLike": __import__("pathlib").Path(self.path(name + ".json.gz")),
                "bytes": data,
                "gzip bytes": gz,
                "bytearray": bytearray(gz),
                "file object": open(self.path(name + ".json.gz"), "rb"),
                "read() only": _OnlyRead(gz),
            }
            for how, src in sources.items():
                with self.subTest(layout=name, source=how), warnings.catch_warnings():
                    warnings.simplefilter("error")  # no problem at all
                    reader = read_records(src)
                    recs = list(reader)
                    self.assertEqual(reader.problems, [])
                    self.check(recs, container, line_of, timed, "%s from %s" % (name, how))
                    if how == "file object":
                        src.close()

    def test_s3_delivery_files_in_a_tree(self):
        # CloudTrail's layout: many small .json.gz files; each one a stream
        got = []
        for i in range(0, len(self.records), 50):
            p = self.write("AWSLogs-%03d.json.gz" % i,
                           json.dumps({"Records": self.records[i:i + 50]}).encode(), compress=True)
            got += [r.data() for r in read_records(p)]
        self.assertEqual(got, self.records)

    def test_block_sizes_do_not_matter(self):
        data = self.layouts()["cwl-export"][0]
        gz = gzip.compress(data)
        ref = [(r.json, r.line, r.offset) for r in read_records(data)]
        for bs in (2, 7, 4096, 1 << 22):
            for src in (data, gz):
                with self.subTest(block_size=bs, gzip=src is gz):
                    got = [(r.json, r.line, r.offset) for r in read_records(src, block_size=bs)]
                    self.assertEqual(got, ref)

    def test_concatenated_gzip_members(self):
        half = len(self.lines) // 2
        data = (gzip.compress(b"\n".join(self.lines[:half]) + b"\n") +
                gzip.compress(b"\n".join(self.lines[half:]) + b"\n"))
        self.assertEqual([r.json for r in read_records(data)], self.lines)

    def test_decoder_pieces(self):
        data = self.layouts()["s3-pretty"][0]
        with Decoder() as d:
            items = []
            for i in range(0, len(data), 1000):
                items += d.feed(data[i:i + 1000])
            items += d.finish()
            self.assertEqual([r.json for r in items], self.lines)
            # a value comes out as soon as it is complete
            self.assertEqual(d.feed(b'{"Records":[{"eventName":"A"}]}'), [])  # detection
            out = d.feed(b"\n{")
            self.assertEqual([r.data() for r in out], [{"eventName": "A"}])
            st = d.stats
            self.assertEqual((st.streams, st.records), (1, len(self.lines) + 1))
            self.assertEqual(len(d.finish()), 1)  # the "{" left open
        self.assertTrue(d.closed)
        with self.assertRaises(ValueError):
            d.feed(b"{}")

    def test_bad_sources(self):
        with self.assertRaises(TypeError):
            list(read_records(12))
        with self.assertRaises(TypeError):
            list(read_records(io.StringIO("{}")))
        with self.assertRaises(FileNotFoundError):
            list(read_records(self.path("missing.json")))


# --------------------------------------------------------------------------- problems

class TestProblems(CorpusCase):
    def test_malformed_lines_have_positions(self):
        out = list(self.lines)
        for at, line in [(250, b'{"eventTime": "2024-07-30T21:27:0'), (120, b"this is not json"),
                         (30, b"[1, 2, 3]"), (10, b'{"eventVersion":"1.08",}')]:
            out.insert(at, line)
        data = b"\n".join(out) + b"\n"
        at = {l: out.index(l) + 1 for l in out[:260] if l not in self.lines}  # 1-based lines
        got = []
        recs = list(read_records(data, on_problem=got.append))
        self.assertEqual(len(recs), 310)
        self.assertEqual([(p.line, p.fatal) for p in got],
                         [(at[b'{"eventVersion":"1.08",}'], False)] + [(at[b"[1, 2, 3]"], False)] * 3 +
                         [(at[b"this is not json"], False),
                          (at[b'{"eventTime": "2024-07-30T21:27:0'], False)])
        self.assertEqual(at[b'{"eventVersion":"1.08",}'], 11)
        self.assertIsInstance(got[0], Problem)
        self.assertEqual(got[0].code, Status.EJSON)
        self.assertEqual(got[0].column, 24)
        self.assertIn("expected a string key at column 24", got[0].message)
        self.assertEqual(got[1].message, "array[0] is a number, not a JSON object")
        self.assertEqual(got[0].source, "<bytes>")
        self.assertEqual(str(got[0]), "<bytes>:11: " + got[0].message)
        # by default: warnings, and nothing raised (nothing was lost)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            reader = read_records(data)
            self.assertEqual(len(list(reader)), 310)
        self.assertEqual(len(reader.problems), 6)
        self.assertEqual([x.category for x in w], [RecordWarning] * 6)
        self.assertEqual(w[0].message.problem, reader.problems[0])
        self.assertEqual(w[0].filename, __file__)  # points at the caller

    def test_problems_in_stream_order_with_records(self):
        data = b'{"eventName":"a"}\nbad\n{"eventName":"b"}\n'
        seen = []
        for r in read_records(data, on_problem=lambda p: seen.append(("problem", p.line))):
            seen.append(("record", r.line))
        self.assertEqual(seen, [("record", 1), ("problem", 2), ("record", 3)])

    def test_truncated_document_raises_after_the_records(self):
        doc = json.dumps({"Records": self.records[:20]}, indent=2).encode()
        cut = doc[:len(doc) * 3 // 4]
        for src in (cut, gzip.compress(cut)):
            yielded = []
            with self.assertRaises(RecordError) as cm:
                for r in read_records(src):
                    yielded.append(r)
            self.assertTrue(0 < len(yielded) < 20)
            self.assertEqual([r.data() for r in yielded], self.records[:len(yielded)])
            p = cm.exception.problem
            self.assertTrue(p.fatal)
            self.assertEqual(p.line, cut.count(b"\n") + 1)
            self.assertGreater(p.column, 0)
            self.assertIn("truncated JSON document", p.message)
            self.assertEqual(cm.exception.code, Status.EJSON)

    def test_truncated_gzip(self):
        gz = gzip.compress(self.data)
        cut = gz[:len(gz) // 2]
        p = self.write("cut.ndjson.gz", cut)
        got = []
        recs = list(read_records(p, on_problem=got.append))
        self.assertTrue(0 < len(recs) < 310)
        self.assertEqual([r.json for r in recs], self.lines[:len(recs)])
        self.assertEqual(len(got), 1)
        self.assertEqual((got[0].line, got[0].fatal), (0, True))
        self.assertEqual(got[0].message, "unexpected end of compressed data")
        self.assertEqual(str(got[0]), p + ": unexpected end of compressed data")
        with self.assertRaises(RecordError):
            list(read_records(p))
        # corrupt compressed data is a problem too, not an exception of zlib
        bad = bytearray(gz)
        bad[len(bad) // 2:len(bad) // 2 + 40] = b"\x00" * 40
        got = []
        list(read_records(bytes(bad), on_problem=got.append))
        self.assertTrue(got and got[-1].fatal and got[-1].line == 0)

    def test_limits_and_damage(self):
        big = b'{"eventName":"x","pad":"' + b"a" * 5000 + b'"}'
        got = []
        recs = list(read_records(b'{"eventName":"a"}\n' + big + b'\n{"eventName":"b"}\n',
                                 max_bytes=1000, on_problem=got.append))
        self.assertEqual([r.data()["eventName"] for r in recs], ["a", "b"])
        self.assertEqual((got[0].line, got[0].code, got[0].fatal), (2, Status.ELIMIT, False))
        # deep nesting, NUL bytes and invalid UTF-8 are survived
        deep = b'{"eventName":"deep","a":' + b"[" * 100000 + b"]" * 100000 + b"}"
        data = deep + b'\n{"a":"x\x00y\xff"}\n\xff\xfe\n'
        got = []
        recs = list(read_records(data, on_problem=got.append))
        self.assertEqual(len(recs), 2)
        self.assertEqual(recs[1].json, b'{"a":"x\x00y\xff"}')
        self.assertIn("byte 0xff", got[0].message)
        # not JSON at all: one problem, and nothing was lost
        got = []
        self.assertEqual(list(read_records(b"# README\ntext\n", on_problem=got.append)), [])
        self.assertEqual(len(got), 1)
        self.assertFalse(got[0].fatal)

    def test_callback_exceptions_propagate(self):
        def boom(p):
            raise KeyError("stop")

        with self.assertRaises(KeyError):
            list(read_records(b"bad\n{}\n", on_problem=boom))


# --------------------------------------------------------------------------- count_file

class TestCountFile(CorpusCase):
    PATTERNS = ['{ $.eventSource = "iam.amazonaws.com" }', "AssumeRole",
                '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }']

    def test_s3_file_counts_records(self):
        s3 = self.write("count.json.gz", json.dumps({"Records": self.records}, indent=2).encode(),
                        compress=True)
        for pat in self.PATTERNS:
            with self.subTest(pattern=pat):
                p = Pattern(pat)
                want = p.count_lines(self.data)
                self.assertGreater(want, 0)
                self.assertEqual(p.count_file(s3), want)
                self.assertEqual(p.count_file(U.STRATUS), want)
                self.assertEqual(p.count_file(s3, block_size=4096), want)
                self.assertEqual(sum(p.matches(r.json) for r in read_records(s3)), want)

    def test_problems_and_oversize_records(self):
        p = Pattern("eventName")
        data = b'{"eventName":"a"}\nbad\n{"eventName":"' + b"x" * (1 << 20) + b'"}\n'
        got = []
        self.assertEqual(p.count_file(data, on_problem=got.append), 1)
        self.assertEqual([(x.line, x.code) for x in got], [(2, Status.EJSON), (0, Status.ELIMIT)])
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            self.assertEqual(p.count_file(data), 1)
        self.assertEqual(len(w), 2)
        with self.assertRaises(RecordError):
            p.count_file(b'{"Records":[{"eventName":"a"},')


# --------------------------------------------------------------------------- ingest_file

@unittest.skipUnless(os.access(U.PROGRAM, os.X_OK), "iamwatch program not built")
class TestIngestFile(CorpusCase):
    RULES = ["iam-changes", "cis"]

    def scan(self, path, *extra):
        args = [U.PROGRAM, "scan", "--format", "sns"]
        for r in self.RULES:
            args += ["--rules", r]
        r = subprocess.run(args + list(extra) + [path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300)
        m = re.search(rb"iamwatch scan: (\d+) events, (\d+) skipped, (\d+) notifications",
                      r.stderr)
        self.assertTrue(m, r.stderr)
        return r, [int(x) for x in m.groups()], r.stdout.decode().splitlines()

    def ingest(self, path, **engine_args):
        with Engine(self.RULES, **engine_args) as e:
            rep = e.ingest_file(path)
            e.drain()
            return rep, [n.sns for n in e.notifications()]

    def same_as_scan(self, path, extra=(), **engine_args):
        rep, notes = self.ingest(path, **engine_args)
        r, (events, skipped, n), out = self.scan(path, *extra)
        self.assertIsInstance(rep, ReplayReport)
        self.assertEqual(notes, out)
        self.assertEqual(len(notes), n)
        self.assertEqual(rep.events, events)
        self.assertEqual(rep.skipped, skipped)
        self.assertEqual(rep.fatal, r.returncode == 2)
        # and the problems are the ones the program prints, at the same places
        printed = [l for l in r.stderr.decode().splitlines()
                   if l.startswith("iamwatch scan: " + path)]
        self.assertEqual(printed, ["iamwatch scan: " + str(p).replace(": ", ": skipped: ", 1)
                                   if p.line else "iamwatch scan: " + str(p)
                                   for p in rep.problems])
        return rep

    def test_every_layout_equals_scan(self):
        L = self.lines
        layouts = {
            "plain.ndjson": b"\n".join(L) + b"\n",
            "s3.json.gz": json.dumps({"Records": self.records}, indent=2).encode(),
            "cwl.json": json.dumps({"events": [
                {"timestamp": epoch_ms(r["eventTime"]), "message": l.decode()}
                for r, l in zip(self.records, L)]}).encode(),
            "eb.ndjson": b"".join(b'{"detail-type":"AWS API Call via CloudTrail","detail":' + l +
                                  b"}\n" for l in L),
        }
        for name, data in layouts.items():
            path = self.write(name, data, compress=name.endswith(".gz"))
            with self.subTest(layout=name):
                rep = self.same_as_scan(path)  # both default to CloudTrail's 300 s delay
                self.assertEqual((rep.events, rep.skipped, rep.records), (310, 0, 310))
                self.assertGreater(rep.notifications, 0)
            with self.subTest(layout=name, delay=0):
                self.same_as_scan(path, ["--delay", "0"], replay_delay_ms=0)
        # the log timestamps as the time (--time log)
        self.same_as_scan(self.path("cwl.json"), ["--time", "log"], time_source="caller",
                          replay_delay_ms=300000)

    def test_damaged_input_equals_scan(self):
        out = list(self.lines)
        for at, line in [(250, b'{"eventTime": "2024-07-30T21:27:0'), (120, b"not json"),
                         (60, b'{"no":"eventTime"}'), (30, b"[1, 2, 3]")]:
            out.insert(at, line)
        path = self.write("bad.ndjson", b"\n".join(out) + b"\n")
        at = {l: out.index(l) + 1 for l in out[:260] if l not in self.lines}  # 1-based lines
        rep = self.same_as_scan(path, replay_delay_ms=300000)
        self.assertEqual((rep.events, rep.refused, rep.skipped), (310, 1, 6))
        self.assertEqual([p.line for p in rep.problems],
                         [at[b"[1, 2, 3]"]] * 3 + [at[b'{"no":"eventTime"}'], at[b"not json"],
                                                   at[b'{"eventTime": "2024-07-30T21:27:0']])
        refused = rep.problems[3]
        self.assertEqual(refused.message, "not a CloudTrail record with an eventTime")
        self.assertEqual(refused.record.json, b'{"no":"eventTime"}')
        self.assertFalse(rep.fatal)
        # a truncated gzip file: fatal, like the program's exit status 2
        gz = gzip.compress(self.data)
        cut = self.write("cut.ndjson.gz", gz[:len(gz) // 2])
        rep = self.same_as_scan(cut, replay_delay_ms=300000)
        self.assertTrue(rep.fatal)
        self.assertEqual(rep.problems[-1].line, 0)
        # a truncated Records document
        doc = json.dumps({"Records": self.records[:40]}).encode()
        rep = self.same_as_scan(self.write("cut.json", doc[:len(doc) // 2]), replay_delay_ms=300000)
        self.assertTrue(rep.fatal)
        self.assertTrue(0 < rep.events < 40)

    def test_sources_and_blocks(self):
        ref, ref_notes = self.ingest(U.STRATUS)
        for src in (self.data, gzip.compress(self.data), _OnlyRead(self.data)):
            with Engine(self.RULES) as e:
                rep = e.ingest_file(src, block_size=3000)
                e.drain()
                self.assertEqual([n.sns for n in e.notifications()], ref_notes)
                self.assertEqual((rep.events, rep.matches), (ref.events, ref.matches))

    def test_callback_exception_is_reraised(self):
        with Engine(self.RULES) as e:
            e.on_notification(lambda n: 1 / 0)
            with self.assertRaises(ZeroDivisionError):
                e.ingest_file(U.STRATUS)


if __name__ == "__main__":
    unittest.main()
