#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Regenerate the seed corpora under fuzz/corpus/ (see fuzz/README.md).

  fuzz/gen-corpus.py [--shared /work/shared]

Sources:
  fuzz-pattern: every distinct pattern of tests/conformance/{spec,extra}.json
                and the CIS filter patterns of spec/metrics-alarms.md 6.2
  fuzz-match:   <flags byte> pattern "\\n" event, for every conformance case
                (patterns without a newline) and ~50 records of
                data/cloudtrail/stratus_red_team_detonation_logs.ndjson.gz
                (DataDog/stratus-red-team, Apache-2.0) paired with CIS patterns
  fuzz-rule:    the AlarmRule literals of tests/test-composite.c plus the
                limit cases that test builds programmatically

Files are named <source>-<sha1 prefix> so that reruns are idempotent; the
corpus directories are rewritten from scratch.
"""
import argparse
import gzip
import hashlib
import json
import os
import re
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# flags byte of fuzz-match, cycled over the cases: plain, extract, compare
# with a NULL match object, all, small max event size, raw == NULL.
MATCH_FLAGS = [0x00, 0x01, 0x04, 0x0d, 0x02, 0x08]


def write(dirname, name, data):
    h = hashlib.sha1(data).hexdigest()[:12]
    safe = re.sub(r'[^A-Za-z0-9_.-]', '_', name)[:40]
    with open(os.path.join(dirname, '%s-%s' % (safe, h)), 'wb') as f:
        f.write(data)


def reset(dirname):
    if os.path.isdir(dirname):
        shutil.rmtree(dirname)
    os.makedirs(dirname)


def conformance_cases():
    for f in ('spec', 'extra'):
        with open(os.path.join(ROOT, 'tests/conformance/%s.json' % f)) as fh:
            for c in json.load(fh)['cases']:
                yield c


def cis_patterns(shared):
    """Filter patterns (backticked, starting with '{') of section 6.2."""
    with open(os.path.join(shared, 'spec/metrics-alarms.md')) as fh:
        text = fh.read()
    start = text.index('### 6.2')
    end = text.index('### 6.3', start)
    pats = []
    for m in re.finditer(r'`(\{[^`]*\})`', text[start:end]):
        if m.group(1) not in pats:
            pats.append(m.group(1))
    return pats


C_ESC = {'n': '\n', 't': '\t', 'r': '\r', '"': '"', '\\': '\\', "'": "'", '0': '\0',
         'a': '\a', 'b': '\b', 'f': '\f', 'v': '\v', '?': '?'}


def c_string_bytes(body):
    """Decode the body of a C string literal to bytes."""
    out = bytearray()
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != '\\':
            out += ch.encode('utf-8')
            i += 1
            continue
        i += 1
        e = body[i]
        if e == 'x':
            j = i + 1
            while j < len(body) and body[j] in '0123456789abcdefABCDEF':
                j += 1
            out.append(int(body[i + 1:j], 16) & 0xff)
            i = j
        elif e in '01234567':
            j = i
            while j < len(body) and j < i + 3 and body[j] in '01234567':
                j += 1
            out.append(int(body[i:j], 8) & 0xff)
            i = j
        else:
            out += C_ESC[e].encode()
            i += 1
    return bytes(out)


STR_LIT = r'"(?:[^"\\\n]|\\.)*"'


def literal_arg(src, pos):
    """Adjacent string literals starting at src[pos] (whitespace allowed)."""
    m = re.match(r'\s*((?:%s\s*)+)' % STR_LIT, src[pos:])
    if not m:
        return None, pos
    parts = re.findall(STR_LIT, m.group(1))
    return b''.join(c_string_bytes(p[1:-1]) for p in parts), pos + m.end()


def composite_rules():
    with open(os.path.join(ROOT, 'tests/test-composite.c')) as fh:
        src = fh.read()
    rules = []
    for m in re.finditer(r'\b(check_dump|check_error_n|check_error|compile_ok|tokens)\(', src):
        lit, after = literal_arg(src, m.end())
        if lit is None:
            continue
        if m.group(1) in ('check_error_n', 'tokens'):
            n = re.match(r'\s*,\s*(\d+)\s*,', src[after:])
            if n:
                lit = (lit + b'\0' * 64)[:int(n.group(1))]
        rules.append(lit)
    for m in re.finditer(r'const char \*r\d+ = ', src):
        lit, _ = literal_arg(src, m.end())
        if lit is not None:
            rules.append(lit)
    for m in re.finditer(r'iamw__rule_compile\(&r, ', src):
        lit, _ = literal_arg(src, m.end())
        if lit is not None:
            rules.append(lit)
    # AlarmRule members of the PutCompositeAlarm JSON requests.
    for m in re.finditer(r'\\"AlarmRule\\":\\"((?:[^"\\]|\\\\\\\\|\\\\\\")*)\\"', src):
        rules.append(c_string_bytes(m.group(1)).replace(b'\\"', b'"').replace(b'\\\\', b'\\'))
    # Limit cases that test_limits builds in loops.
    big = b'TRUE' + b' ' * (10240 - 4)
    rules += [big, big + b' ']
    rules.append(b'(' * 64 + b'TRUE' + b')' * 64)
    rules.append(b'(' * 65 + b'TRUE' + b')' * 65)
    rules.append(b'NOT ' * 64 + b'TRUE')
    rules.append(b'NOT ' * 65 + b'TRUE')
    rules.append(b'NOT (' * 32 + b'(TRUE')
    rules.append(b' OR '.join(b'ALARM(a%d)' % i for i in range(100)))
    rules.append(b' OR '.join(b'ALARM(a%d)' % i for i in range(101)))
    rules.append(b' OR '.join([b'OK(same)'] * 200))
    rules.append(b' OR '.join([b'TRUE'] * 500))
    rules.append(b' OR '.join([b'TRUE'] * 501))
    rules.append(b' OR '.join([b'TRUE'] * 499) + b' OR (FALSE)')
    rules.append(b'OK(' + b'n' * 255 + b')')
    rules.append(b'OK(' + b'n' * 256 + b')')
    rules.append(b'OK("' + '\u00e9'.encode() * 255 + b'")')
    rules.append(b'ALARM("arn:aws:cloudwatch:us-east-1:123456789012:alarm:A") AND '
                 b'OK(arn:aws:cloudwatch:eu-west-1:123456789012:alarm:A)')
    seen, out = set(), []
    for r in rules:
        if r not in seen:
            seen.add(r)
            out.append(r)
    return out


def stratus_records(shared, n=50):
    path = os.path.join(shared, 'data/cloudtrail/stratus_red_team_detonation_logs.ndjson.gz')
    recs, names = [], set()
    with gzip.open(path, 'rb') as fh:
        lines = [l.rstrip(b'\n') for l in fh if l.strip()]
    # first record of each event name, then fill up in file order
    for l in lines:
        name = json.loads(l).get('eventName')
        if name not in names and len(l) <= 8192:
            names.add(name)
            recs.append(l)
    for l in lines:
        if len(recs) >= n:
            break
        if l not in recs and len(l) <= 8192:
            recs.append(l)
    return recs[:n]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--shared', default=os.path.join(ROOT, '..', 'shared'))
    args = ap.parse_args()

    cases = list(conformance_cases())
    cis = cis_patterns(args.shared)

    d = os.path.join(HERE, 'corpus/fuzz-pattern')
    reset(d)
    seen = set()
    for c in cases:
        p = c['pattern'].encode()
        if p not in seen:
            seen.add(p)
            write(d, c['id'], p)
    for i, p in enumerate(cis):
        if p.encode() not in seen:
            seen.add(p.encode())
            write(d, 'cis-%d' % i, p.encode())

    d = os.path.join(HERE, 'corpus/fuzz-match')
    reset(d)
    for i, c in enumerate(cases):
        p = c['pattern'].encode()
        if b'\n' in p:
            continue
        flags = MATCH_FLAGS[i % len(MATCH_FLAGS)]
        write(d, c['id'], bytes([flags]) + p + b'\n' + c['event'].encode())
    recs = stratus_records(args.shared)
    for i, rec in enumerate(recs):
        name = json.loads(rec).get('eventName', 'x')
        # prefer a CIS pattern that names this event, else cycle
        pat = next((p for p in cis if name and name in p), cis[i % len(cis)])
        flags = MATCH_FLAGS[i % len(MATCH_FLAGS)] & ~0x02  # records exceed 64 bytes
        write(d, 'stratus-%s' % name, bytes([flags]) + pat.encode() + b'\n' + rec)

    d = os.path.join(HERE, 'corpus/fuzz-rule')
    reset(d)
    for i, r in enumerate(composite_rules()):
        write(d, 'rule-%03d' % i, r)


if __name__ == '__main__':
    main()
