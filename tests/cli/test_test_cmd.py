#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of `iamwatch test` (TestMetricFilter, offline).

Run from the repository root with `python3 -m unittest tests/cli/test_test_cmd.py`.
The program is taken from IAMWATCH_PROGRAM (default build/examples/iamwatch).
Python 3 standard library only; generated files go to a temporary directory.
"""
import gzip
import json
import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROGRAM = os.environ.get("IAMWATCH_PROGRAM") or os.path.join(ROOT, "build", "examples", "iamwatch")
if not os.path.isabs(PROGRAM):
    PROGRAM = os.path.join(ROOT, PROGRAM)

APACHE = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534'
# TestMetricFilter's example messages (three log events, two with ERROR)
ERROR_MESSAGES = ["[ERROR] Caught IllegalArgumentException for dummy",
                  "[ERROR] Failed to process request",
                  "[INFO] Request processed successfully"]


def run(args, stdin=b"", timeout=30):
    return subprocess.run([PROGRAM, "test"] + list(args), input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout)


class TestTestCommand(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(PROGRAM, os.X_OK):
            raise unittest.SkipTest("iamwatch not built: %s" % PROGRAM)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="iamw-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def write(self, name, data):
        p = os.path.join(self.tmp, name)
        with open(p, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return p

    def matches(self, r, code=0):
        self.assertEqual(r.returncode, code, r.stderr.decode())
        doc = json.loads(r.stdout)
        self.assertEqual(list(doc), ["matches"])
        return doc["matches"]

    # ---- the AWS examples

    def test_space_delimited_ellipsis(self):
        m = self.matches(run(["--pattern", "[..., size]"], (APACHE + "\n").encode()))
        self.assertEqual(m, [{
            "eventNumber": 1, "eventMessage": APACHE,
            "extractedValues": {"$1": "127.0.0.1", "$2": "-", "$3": "frank",
                                "$4": "10/Oct/2000:13:25:15 -0700",
                                "$5": "GET /apache_pb.gif HTTP/1.0", "$6": "200",
                                "$size": "1534"}}])

    def test_readme_example_exact_output(self):
        r = run(["--pattern", "[..., status_code=200, size]"], (APACHE + "\n").encode())
        self.assertEqual(r.returncode, 0)
        self.assertEqual(
            r.stdout.decode(),
            '{"matches":[{"eventNumber":1,"eventMessage":"127.0.0.1 - frank [10/Oct/2000:13:25:15 '
            '-0700] \\"GET /apache_pb.gif HTTP/1.0\\" 200 1534","extractedValues":{"$1":'
            '"127.0.0.1","$2":"-","$3":"frank","$4":"10/Oct/2000:13:25:15 -0700","$5":"GET '
            '/apache_pb.gif HTTP/1.0","$status_code":"200","$size":"1534"}}]}\n')

    def test_named_fields(self):
        m = self.matches(run(["--pattern", "[ip, id, user, timestamp, request, status_code, size]"],
                             APACHE.encode()))
        self.assertEqual(m[0]["extractedValues"]["$status_code"], "200")
        self.assertEqual(m[0]["extractedValues"]["$request"], "GET /apache_pb.gif HTTP/1.0")
        r = run(["--pattern", "[ip, id, user, timestamp, request, status_code=4*, size]"],
                APACHE.encode())
        self.assertEqual(self.matches(r, 1), [])

    def test_error_term_three_messages(self):
        data = ("\n".join(ERROR_MESSAGES) + "\n").encode()
        m = self.matches(run(["--pattern", "ERROR"], data))
        self.assertEqual([x["eventNumber"] for x in m], [1, 2])
        self.assertEqual([x["eventMessage"] for x in m], ERROR_MESSAGES[:2])
        self.assertEqual([x["extractedValues"] for x in m], [{}, {}])

    def test_zero_based(self):
        data = ("\n".join(ERROR_MESSAGES) + "\n").encode()
        m = self.matches(run(["--pattern", "ERROR", "--zero-based"], data))
        self.assertEqual([x["eventNumber"] for x in m], [0, 1])
        m = self.matches(run(["--pattern", "INFO", "--zero-based"], data))
        self.assertEqual([x["eventNumber"] for x in m], [2])

    def test_json_messages(self):
        p = self.write("messages.json", json.dumps(ERROR_MESSAGES))
        m = self.matches(run(["--pattern", "ERROR", "--json-messages", p]))
        self.assertEqual([x["eventNumber"] for x in m], [1, 2])
        # a message may hold a newline inside a JSON string: still one event
        p2 = self.write("nl.json", json.dumps(["a\nERROR b", "c"]))
        m = self.matches(run(["--pattern", "ERROR", "--json-messages", p2]))
        self.assertEqual(m, [{"eventNumber": 1, "eventMessage": "a\nERROR b", "extractedValues": {}}])
        # JSON patterns on JSON messages
        ev = [json.dumps({"eventSource": "iam.amazonaws.com", "eventName": n})
              for n in ("CreateUser", "ListUsers", "CreateRole")]
        p3 = self.write("ev.json", json.dumps(ev))
        m = self.matches(run(["--pattern", '{ $.eventName = "Create*" }', "--json-messages", p3]))
        self.assertEqual([x["eventNumber"] for x in m], [1, 3])

    def test_json_messages_errors(self):
        p = self.write("notarray.json", '{"a": 1}')
        r = run(["--pattern", "x", "--json-messages", p])
        self.assertEqual(r.returncode, 2)
        self.assertIn(p, r.stderr.decode())
        p = self.write("nonstring.json", '["ok", 1]')
        r = run(["--pattern", "x", "--json-messages", p])
        self.assertEqual(r.returncode, 2)
        self.assertIn("element 1", r.stderr.decode())

    def test_count(self):
        data = ("\n".join(ERROR_MESSAGES) + "\n").encode()
        r = run(["--pattern", "ERROR", "--count"], data)
        self.assertEqual((r.returncode, r.stdout), (0, b"2\n"))
        r = run(["--pattern", "WARN", "--count"], data)
        self.assertEqual((r.returncode, r.stdout), (1, b"0\n"))
        r = run(["--pattern", "?WARN ?INFO", "--count"], data)
        self.assertEqual((r.returncode, r.stdout), (0, b"1\n"))

    def test_gzip_input(self):
        p = os.path.join(self.tmp, "m.log.gz")
        with gzip.open(p, "wt") as f:
            f.write("\n".join(ERROR_MESSAGES) + "\n")
        m = self.matches(run(["--pattern", "ERROR", p]))
        self.assertEqual([x["eventMessage"] for x in m], ERROR_MESSAGES[:2])
        # and from standard input
        with open(p, "rb") as f:
            m = self.matches(run(["--pattern", "ERROR"], f.read()))
        self.assertEqual(len(m), 2)

    def test_crlf_lines(self):
        p = self.write("crlf.log", ("\r\n".join(ERROR_MESSAGES) + "\r\n").encode())
        m = self.matches(run(["--pattern", "[level, rest]", p]))
        self.assertEqual([x["eventMessage"] for x in m], ERROR_MESSAGES)
        for x in m:
            self.assertFalse(x["eventMessage"].endswith("\r"))
        self.assertEqual(m[2]["extractedValues"]["$rest"], "Request processed successfully")
        # a pattern anchored at the end of the message: no \r in the way
        m = self.matches(run(["--pattern", "%dummy$%", p]))
        self.assertEqual([x["eventNumber"] for x in m], [1])

    def test_last_line_without_newline_and_blank_lines(self):
        m = self.matches(run(["--pattern", "ERROR"], b"x\n\nERROR at the end"))
        self.assertEqual(m, [{"eventNumber": 3, "eventMessage": "ERROR at the end",
                              "extractedValues": {}}])

    def test_several_files_number_on(self):
        a = self.write("a.log", "ERROR 1\nok\n")
        b = self.write("b.log", "ok\nERROR 4\n")
        m = self.matches(run(["--pattern", "ERROR", a, b]))
        self.assertEqual([x["eventNumber"] for x in m], [1, 4])

    def test_exit_codes(self):
        self.assertEqual(run(["--pattern", "ERROR"], b"ERROR\n").returncode, 0)
        r = run(["--pattern", "ERROR"], b"fine\n")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(json.loads(r.stdout), {"matches": []})
        self.assertEqual(run(["--pattern", "ERROR"], b"").returncode, 1)
        r = run(["--pattern", "ERROR", os.path.join(self.tmp, "missing.log")])
        self.assertEqual(r.returncode, 2)
        self.assertIn("missing.log", r.stderr.decode())
        # a missing file among good ones: matches still printed, exit 2
        good = self.write("good.log", "ERROR\n")
        r = run(["--pattern", "ERROR", good, os.path.join(self.tmp, "missing.log")])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(json.loads(r.stdout)["matches"]), 1)
        self.assertEqual(run([]).returncode, 2)  # no --pattern
        self.assertEqual(run(["--pattern", "x", "--bogus"]).returncode, 2)
        r = run(["--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"--json-messages", r.stdout)

    def test_invalid_pattern_offset_and_caret(self):
        r = run(["--pattern", "{ $.a = 1 && }"])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, b"")
        err = r.stderr.decode().splitlines()
        self.assertEqual(err[0], "iamwatch test: ESYNTAX: pattern:13: expected a property "
                                 "selector ($.field) or '(', found '}'")
        self.assertEqual(err[1], "  { $.a = 1 && }")
        self.assertEqual(err[2], "  " + " " * 13 + "^")
        # another family: an unterminated regex
        r = run(["--pattern", "%abc"])
        self.assertEqual(r.returncode, 2)
        lines = r.stderr.decode().splitlines()
        self.assertRegex(lines[0], r"^iamwatch test: E[A-Z]+: pattern:\d+: ")
        offset = int(lines[0].split("pattern:")[1].split(":")[0])
        self.assertEqual(lines[1], "  %abc")
        self.assertEqual(lines[2], "  " + " " * offset + "^")


if __name__ == "__main__":
    unittest.main()
