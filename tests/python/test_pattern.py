# SPDX-License-Identifier: MIT
"""Pattern, Match, PatternError, TestMetricFilter output."""

import json
import os
import subprocess
import threading
import unittest

import iamw_testutil as U  # noqa: F401  (sets sys.path)
import iamwatch
from iamwatch import (Match, Pattern, PatternError, PatternKind, IamwatchError, Status,
                      ConditionOp, ValueKind)

APACHE = ('127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534')
APACHE_404 = ('127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 404 -')


class TestVersion(unittest.TestCase):
    def test_version(self):
        self.assertEqual(iamwatch.version(), "%d.%d.%d" % iamwatch.version_info())
        self.assertEqual(iamwatch.version_info()[0], iamwatch._ffi.BINDING_VERSION[0])

    def test_set_library_file_after_load(self):
        iamwatch.version()
        with self.assertRaises(RuntimeError):
            iamwatch.set_library_file("/nonexistent/libiamwatch.so.0")

    def test_every_function_declared(self):
        L = iamwatch._ffi.lib()
        for name, _a, restype, _e in iamwatch._ffi.FUNCTIONS:
            self.assertIs(getattr(L, name).restype, restype, name)
        # every function of the public headers is reachable from Python
        import glob
        import re
        headers = [os.path.join(U.ROOT, "include", "iamwatch.h")] + sorted(
            glob.glob(os.path.join(U.ROOT, "include", "iamwatch", "*.h")))
        text = "".join(open(h, encoding="utf-8").read() for h in headers)
        declared = set(re.findall(r"IAMW_API [^;]*?\b(iamw_\w+)\(", text))
        self.assertGreater(len(declared), 70)
        self.assertEqual(declared, {f[0] for f in iamwatch._ffi.FUNCTIONS})

    def test_strerror(self):
        self.assertEqual(iamwatch.status_name(Status.ESYNTAX), "ESYNTAX")
        self.assertTrue(iamwatch.strerror(-3))


class TestPattern(unittest.TestCase):
    def test_kinds_and_introspection(self):
        cases = {
            '{ $.eventName = "ConsoleLogin" }': PatternKind.JSON,
            "ERROR -DEBUG ?WARN": PatternKind.TERMS,
            "": PatternKind.TERMS,
            "[ip, user, ..., status = 404, size]": PatternKind.DELIMITED,
            "%[0-9]+ms%": PatternKind.REGEX,
        }
        for text, kind in cases.items():
            with self.subTest(text=text), Pattern(text) as p:
                self.assertIs(p.kind, kind)
                self.assertEqual(p.source, text)
                self.assertIsInstance(p.dump(), str)
                canon = p.canonical()
                with Pattern(canon) as q:  # canonical text round-trips
                    self.assertEqual(q.dump(), p.dump())
                    self.assertEqual(q.canonical(), canon)

    def test_dump_and_counts(self):
        p = Pattern('{ ($.a = "x") || ($.b NOT EXISTS) }')
        self.assertEqual(p.dump(), '(json (or (eq $.a "x") (not-exists $.b)))')
        self.assertEqual(Pattern("%a+%").regex_count, 1)
        self.assertEqual(Pattern("{ $.a[*].b = 1 }").wildcard_selector_count, 1)
        self.assertEqual(p.regex_count, 0)

    def test_conditions(self):
        conds = Pattern('{ ($.errorCode = "*UnauthorizedOperation") || ($.n > 5) }').conditions()
        self.assertEqual(len(conds), 2)
        self.assertEqual(conds[0].field, "$.errorCode")
        self.assertIs(conds[0].op, ConditionOp.EQ)
        self.assertIs(conds[0].value_kind, ValueKind.STRING)
        self.assertEqual(conds[0].value, "UnauthorizedOperation")
        self.assertTrue(conds[0].leading_wildcard)
        self.assertEqual(conds[0].depth, 1)
        self.assertEqual(conds[1].op, ConditionOp.GT)
        self.assertEqual(conds[1].value, "5")
        self.assertIs(conds[1].value_kind, ValueKind.NUMBER)
        src = '{ ($.errorCode = "*UnauthorizedOperation") || ($.n > 5) }'
        self.assertEqual(src[conds[1].offset:conds[1].offset + conds[1].length].strip("() "),
                         "$.n > 5")
        terms = Pattern("ERROR -DEBUG ?WARN").conditions()
        self.assertEqual([c.op for c in terms], [ConditionOp.TERM_REQUIRED,
                                                 ConditionOp.TERM_EXCLUDED,
                                                 ConditionOp.TERM_OPTIONAL])
        self.assertEqual([c.field for c in terms], [None, None, None])
        self.assertEqual(Pattern("%ab+%").conditions()[0].op, ConditionOp.REGEX_SEARCH)

    def test_matches_str_bytes_dict(self):
        p = Pattern('{ $.eventName = "ConsoleLogin" && $.responseElements.ConsoleLogin = "Failure" }')
        ev = {"eventName": "ConsoleLogin", "responseElements": {"ConsoleLogin": "Failure"}}
        self.assertTrue(p.matches(ev))
        self.assertTrue(p.matches(json.dumps(ev)))
        self.assertTrue(p.matches(json.dumps(ev).encode()))
        self.assertFalse(p.matches({"eventName": "ConsoleLogin"}))
        self.assertFalse(p.matches("not json"))
        self.assertTrue(Pattern('"café"').matches({"x": "café"}))

    def test_match_scratch(self):
        p = Pattern("[..., size]")
        with Match() as m:
            self.assertTrue(p.matches(APACHE, match=m))
            self.assertEqual(len(m), 7)
            self.assertEqual(m.get("$size"), "1534")
            self.assertEqual(m.get("$1"), "127.0.0.1")
            self.assertIsNone(m.get("$nope"))
            self.assertEqual(list(m.values())[-1], "$size")
        self.assertTrue(m.closed)
        with self.assertRaises(ValueError):
            len(m)
        self.assertEqual(p.extract(APACHE)["$size"], "1534")
        self.assertIsNone(Pattern("nomatch").extract(APACHE))

    def test_max_event_size(self):
        p = Pattern("x")
        with Match(max_event_size=10) as m:
            self.assertTrue(p.matches("x", match=m))
            with self.assertRaises(IamwatchError) as cm:
                p.matches("x" * 100, match=m)
            self.assertEqual(cm.exception.code, Status.ELIMIT)

    def test_closed(self):
        p = Pattern("x")
        p.close()
        p.close()
        with self.assertRaises(ValueError):
            p.matches("x")
        self.assertIn("closed", repr(p))


class TestPatternError(unittest.TestCase):
    CASES = [
        # pattern, code, offset
        ('{ $.a = 1 && }', Status.ESYNTAX, 13),
        ("[a, b", Status.ESYNTAX, 5),
        ("%abc", Status.ESYNTAX, 0),
        ('{ $.a.* = 1 && $.b.* = 1 && $.c.* = 1 && $.d.* = 1 }', Status.EWILDCARDS, 44),
        ("%a% %b%", Status.EUNSUPPORTED, 4),
        ("x" * 1025, Status.ETOOLONG, 1024),
        ('{ $.a = %[% }', Status.EREGEX, 9),
    ]

    def test_errors(self):
        for text, code, offset in self.CASES:
            with self.subTest(text=text[:40]):
                with self.assertRaises(PatternError) as cm:
                    Pattern(text)
                e = cm.exception
                self.assertIsInstance(e, ValueError)
                self.assertIsInstance(e, IamwatchError)
                self.assertIs(e.code, code)
                self.assertEqual(e.name, code.name)
                self.assertEqual(e.offset, offset)
                self.assertEqual(e.pattern, text)
                self.assertEqual(e.source, "pattern")
                self.assertTrue(e.message)
                caret = e.caret()
                first = caret.splitlines()[0]
                self.assertEqual(first, "pattern:%d: %s" % (offset, e.message))
                if len(text) < 80:
                    lines = caret.splitlines()
                    self.assertEqual(lines[1].strip(), text.strip())
                    # the caret sits under the offending byte
                    self.assertEqual(lines[2].index("^") - lines[1].index(text[0]), offset)

    def test_depth(self):
        text = "{ " + "(" * 200 + "$.a = 1" + ")" * 200 + " }"
        with self.assertRaises(PatternError) as cm:
            Pattern(text)
        self.assertIn(cm.exception.code, (Status.EDEPTH, Status.ELIMIT))

    def test_str_includes_position(self):
        with self.assertRaises(PatternError) as cm:
            Pattern("[a, b")
        self.assertIn("pattern:5:", str(cm.exception))


class TestTestMetricFilter(unittest.TestCase):
    """The TestMetricFilter examples of the CloudWatch Logs documentation."""

    def test_apache_size(self):
        out = Pattern("[..., size]").test([APACHE])
        self.assertEqual(out, {"matches": [{
            "eventNumber": 1, "eventMessage": APACHE,
            "extractedValues": {"$1": "127.0.0.1", "$2": "-", "$3": "frank",
                                "$4": "10/Oct/2000:13:25:15 -0700",
                                "$5": "GET /apache_pb.gif HTTP/1.0", "$6": "200",
                                "$size": "1534"}}]})

    def test_apache_named_fields(self):
        p = Pattern("[ip, user, username, timestamp, request, status_code = 4*, bytes]")
        out = p.test([APACHE, APACHE_404])
        self.assertEqual(len(out["matches"]), 1)
        m = out["matches"][0]
        self.assertEqual(m["eventNumber"], 2)
        self.assertEqual(m["extractedValues"]["$status_code"], "404")
        self.assertEqual(m["extractedValues"]["$bytes"], "-")

    def test_json_extract(self):
        msgs = ['{"latency": 50}', {"latency": 5}]
        self.assertEqual(Pattern("{ $.latency > 10 }").test(msgs)["matches"][0]["extractedValues"],
                         {})
        self.assertEqual(Pattern("{ $.latency > 10 }", json_extract=True).test(msgs),
                         {"matches": [{"eventNumber": 1, "eventMessage": '{"latency": 50}',
                                       "extractedValues": {"$.latency": "50"}}]})

    @unittest.skipUnless(os.access(U.PROGRAM, os.X_OK), "iamwatch program not built")
    def test_same_as_program(self):
        import tempfile
        msgs = [APACHE, APACHE_404, "ERROR 1534", '{"a": "b c"}']
        for pat in ["[..., size]", "[ip, user, username, timestamp, request, status_code, bytes]",
                    "ERROR", '{ $.a = "b c" }']:
            with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
                f.write("\n".join(msgs) + "\n")
            try:
                r = subprocess.run([U.PROGRAM, "test", "--pattern", pat, f.name],
                                   stdout=subprocess.PIPE, check=False)
            finally:
                os.unlink(f.name)
            self.assertEqual(json.loads(r.stdout), Pattern(pat).test(msgs), pat)


class TestThreads(unittest.TestCase):
    def test_shared_pattern_small(self):
        p = Pattern("[..., size > 1000]")
        results = []

        def work():
            results.append(sum(p.matches(APACHE) for _ in range(2000)))

        ts = [threading.Thread(target=work) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(results, [2000] * 4)


if __name__ == "__main__":
    unittest.main()
