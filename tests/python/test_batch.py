# SPDX-License-Identifier: MIT
"""Batch calls (scan_lines) on the CloudTrail corpus, against a per-line loop,
the iamwatch program and four threads sharing one pattern."""

import os
import subprocess
import threading
import unittest

import iamw_testutil as U
from iamwatch import Match, Pattern

PATTERNS = [
    '{ $.eventSource = "iam.amazonaws.com" }',
    '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS }',
    '"ConsoleLogin"',
    "AssumeRole -Decrypt",
    "%Get[A-Z][a-z]+%",
]


@unittest.skipUnless(U.corpus_files(), "no corpus in %s" % U.CORPUS_DIR)
class TestBatch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = {f: U.read_corpus(f) for f in U.corpus_files()}

    def test_count_and_filter_agree_with_loop(self):
        for pat in PATTERNS:
            p = Pattern(pat)
            for path, data in self.data.items():
                with self.subTest(pattern=pat, file=os.path.basename(path)):
                    with Match() as m:
                        expected = [i for i, line in enumerate(U.lines(data))
                                    if p.matches(line, match=m)]
                    self.assertEqual(p.count_lines(data), len(expected))
                    self.assertEqual(p.filter_lines(data), expected)
                    self.assertEqual(p.count_file(path), len(expected))
                    self.assertEqual(p.filter_file(path, block_size=4096), expected)

    def test_file_blocks(self):
        p = Pattern(PATTERNS[0])
        path = U.INVICTUS if os.path.exists(U.INVICTUS) else U.corpus_files()[0]
        whole = p.filter_lines(U.read_corpus(path))
        for bs in (1, 100, 65536, 1 << 30):
            self.assertEqual(p.filter_file(path, block_size=bs), whole, bs)

    def test_buffer_edges(self):
        p = Pattern("a")
        self.assertEqual(p.count_lines(b""), 0)
        self.assertEqual(p.filter_lines(b"a\n\na"), [0, 2])
        self.assertEqual(p.filter_lines(b"b\r\na\r\n"), [1])
        self.assertEqual(p.filter_lines(bytearray(b"a\nb\na\n")), [0, 2])

    @unittest.skipUnless(os.access(U.PROGRAM, os.X_OK), "iamwatch program not built")
    def test_counts_agree_with_program(self):
        for pat in PATTERNS:
            p = Pattern(pat)
            for path in self.data:
                with self.subTest(pattern=pat, file=os.path.basename(path)):
                    r = subprocess.run([U.PROGRAM, "test", "--count", "--pattern", pat, path],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                    self.assertIn(r.returncode, (0, 1), r.stderr)
                    self.assertEqual(int(r.stdout.split()[0]), p.count_file(path))

    def test_four_threads_share_one_pattern(self):
        p = Pattern(PATTERNS[1])
        expected = {f: p.count_lines(d) for f, d in self.data.items()}
        errors = []
        results = [None] * 4

        def work(k):
            try:
                got = {}
                for _ in range(3):
                    for f, d in self.data.items():
                        got[f] = p.count_lines(d)
                        # the per-event path too, with the thread's own scratch
                        got[f + "#loop"] = sum(p.matches(l) for l in U.lines(d)[:2000])
                results[k] = got
            except BaseException as e:  # pragma: no cover
                errors.append(e)

        ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertFalse(errors)
        loops = {f + "#loop": sum(p.matches(l) for l in U.lines(d)[:2000])
                 for f, d in self.data.items()}
        for r in results:
            self.assertEqual({k: v for k, v in r.items() if not k.endswith("#loop")}, expected)
            self.assertEqual({k: v for k, v in r.items() if k.endswith("#loop")}, loops)


if __name__ == "__main__":
    unittest.main()
