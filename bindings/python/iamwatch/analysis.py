# SPDX-License-Identifier: MIT
"""Lint findings and CIS coverage (``include/iamwatch/lint.h``,
``include/iamwatch/coverage.h``).

* :func:`lint` - findings for one filter pattern or every metric filter of a
  rules file (:class:`Finding`);
* :func:`check` - whether rules cover the monitoring controls of a CIS AWS
  Foundations Benchmark version (:class:`CoverageReport` of
  :class:`ControlResult`); :class:`Coverage` is the object behind it;
* :class:`Knowledge` - the CloudTrail knowledge both use, built once and
  shareable across threads.

Rules are given as a built-in pack name (``"cis@7.0"``), JSON text or bytes,
a parsed ``dict``, a path (``str`` or ``os.PathLike``), or, for
:func:`check`, a list of these.
"""

import ctypes
import dataclasses
import enum
import json
import os
from ctypes import byref, c_size_t, c_void_p
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from . import _types as _T
from ._ffi import IamwatchError, Status, error_from_struct, lib as _lib, take_buffer as _take

__all__ = [
    "Knowledge", "Severity", "Finding", "lint",
    "CoverageStatus", "ControlResult", "CoverageReport", "Coverage", "check",
]

#: What names rules: a pack name, JSON text or bytes, a dict, or a path.
Rules = Union[str, bytes, bytearray, Dict[str, Any], "os.PathLike[str]"]


def _s(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.decode("utf-8", "replace")


def _bytes(x: Union[str, bytes, bytearray, memoryview]) -> bytes:
    if isinstance(x, str):
        return x.encode("utf-8")
    if isinstance(x, (bytes, bytearray, memoryview)):
        return bytes(x)
    raise TypeError("expected str or bytes, not %s" % type(x).__name__)


def _rules_text(rules: Rules) -> Tuple[bytes, str]:
    """(JSON bytes, origin label) for what names rules."""
    if isinstance(rules, dict):
        return json.dumps(rules, separators=(",", ":"), ensure_ascii=False).encode(), "<dict>"
    if isinstance(rules, os.PathLike):
        path = os.fspath(rules)
        with open(path, "rb") as f:
            return f.read(), path
    if isinstance(rules, str):
        L = _lib()
        canon = L.iamw_pack_resolve(rules.encode())
        if canon is not None:
            data, n = c_void_p(), c_size_t()
            L.iamw_pack_get(canon, byref(data), byref(n))
            return ctypes.string_at(data.value, n.value), canon.decode()
        if rules.lstrip().startswith("{"):
            return rules.encode("utf-8"), "<text>"
        with open(rules, "rb") as f:
            return f.read(), rules
    if isinstance(rules, (bytes, bytearray, memoryview)):
        return bytes(rules), "<text>"
    raise TypeError("rules: expected a pack name, JSON text, a dict or a path, not %s"
                    % type(rules).__name__)


class _Handle:
    """An owned C handle: close(), context manager, shutdown-safe __del__."""

    _h = None
    _free = None

    def _handle(self):
        if self._h is None:
            raise ValueError("%s is closed" % type(self).__name__)
        return self._h

    def close(self) -> None:
        """Free the C object (idempotent)."""
        h, self._h = self._h, None
        if h is not None and self._free is not None:
            self._free(h)

    def __enter__(self):
        self._handle()
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


# =================================================================== knowledge


class Knowledge(_Handle):
    """The CloudTrail knowledge (``iamw_knowledge``): event names per event
    source, the event sources, IAM's names, the fields CloudTrail often omits.
    Immutable: one object may serve any number of threads."""

    def __init__(self):
        L = _lib()
        h = _T.KnowledgeP()
        L.iamw_knowledge_new(byref(h))
        self._free = L.iamw_knowledge_free
        self._h = h

    def event_known(self, source: Optional[str] = None, name: Optional[str] = None) -> bool:
        """Whether CloudTrail is known to record ``name`` under ``source``
        (either may be omitted to ask about the other alone)."""
        if source is None and name is None:
            raise ValueError("give source, name or both")
        return bool(_lib().iamw_knowledge_event_known(
            self._handle(), None if source is None else _bytes(source),
            None if name is None else _bytes(name)))


# =================================================================== lint


class Severity(enum.IntEnum):
    """``iamw_lint_severity``."""

    ERROR = 1
    WARNING = 2
    INFO = 3

    @property
    def label(self) -> str:
        """``"error"``, ``"warning"`` or ``"info"``."""
        return _lib().iamw_lint_severity_name(int(self)).decode()


@dataclasses.dataclass(frozen=True)
class Finding:
    """One lint finding (``iamw_lint_finding``), copied."""

    code: str                 #: "W-unknown-event-name", ...; errors: "ESYNTAX", ...
    severity: Severity
    offset: Optional[int]     #: bytes into :attr:`pattern`; None when no byte applies
    length: int
    message: str
    suggestion: Optional[str]
    filter: Optional[str]     #: the filter (or, for rules-level errors, the definition)
    location: Optional[str]   #: where in the rules file ("metricFilters[3].filterPattern")
    pattern: Optional[str]    #: the pattern; None for rules-level errors
    origin: Optional[str]     #: the label of the input
    status: Optional[Status]  #: errors: the status; otherwise None
    index: Optional[int]      #: which pattern of the call; None for rules-level errors

    @property
    def excerpt(self) -> Optional[str]:
        """The offending bytes of the pattern, or None."""
        if self.pattern is None or self.offset is None:
            return None
        raw = self.pattern.encode("utf-8")
        return raw[self.offset:self.offset + self.length].decode("utf-8", "replace")


def _finding(f) -> Finding:
    status = None
    if f.status < 0:
        try:
            status = Status(f.status)
        except ValueError:
            status = f.status
    return Finding(
        code=_s(f.code), severity=Severity(f.severity),
        offset=None if f.offset == _T.NO_OFFSET else f.offset, length=f.length,
        message=_s(f.message), suggestion=_s(f.suggestion), filter=_s(f.filter),
        location=_s(f.location),
        pattern=_s(ctypes.string_at(f.pattern, f.pattern_len)) if f.pattern else None,
        origin=_s(f.origin), status=status,
        index=None if f.index == _T.LINT_NO_PATTERN else f.index)


def lint(pattern: Optional[Union[str, bytes]] = None, *, rules: Optional[Rules] = None,
         knowledge: Optional[Knowledge] = None, origin: Optional[str] = None,
         account_id: Optional[str] = None, region: Optional[str] = None) -> List[Finding]:
    """Lint one filter pattern (``lint(pattern)``) or every metric filter of a
    rules file (``lint(rules=...)``: a pack name, JSON text, dict or path),
    with its validation errors. Returns the findings in order; a pattern that
    does not compile is a finding (severity ERROR), not an exception.

    Raises :class:`IamwatchError` when the rules cannot be read as rules at
    all, ``TypeError`` unless exactly one of ``pattern`` and ``rules`` is
    given. ``knowledge`` (optional) saves building it for each call."""
    if (pattern is None) == (rules is None):
        raise TypeError("lint() needs exactly one of pattern or rules")
    L = _lib()
    if rules is not None:
        data, label = _rules_text(rules)
        fn, name = L.iamw_lint_rules, "iamw_lint_rules"
    else:
        data, label = _bytes(pattern), "<pattern>"
        fn, name = L.iamw_lint_pattern, "iamw_lint_pattern"
    findings: List[Finding] = []
    failure: List[BaseException] = []

    def on_finding(f, _payload):
        try:
            findings.append(_finding(f.contents))
            return 0
        except BaseException as e:  # cannot cross C: re-raised below
            failure.append(e)
            return 1

    cb = _T.LINT_FINDING_CB(on_finding)
    opts = _T.LintOptions()
    L.iamw_lint_options_init(byref(opts), _T.LINT_OPTIONS_VERSION)
    origin_b = _bytes(origin if origin is not None else label)
    opts.origin = origin_b
    opts.on_finding = cb
    opts.account_id = None if account_id is None else _bytes(account_id)
    opts.region = None if region is None else _bytes(region)
    err = _T.Error()
    k = knowledge._handle() if knowledge is not None else None
    rc = fn(k, data, len(data), byref(opts), byref(err))
    if failure:
        raise failure[0]
    if rc < 0:
        if err.code < 0:
            raise error_from_struct(err, name, data)
        raise IamwatchError(rc, function=name)
    return findings


# =================================================================== coverage


class CoverageStatus(enum.IntEnum):
    """``iamw_coverage_status``."""

    COVERED = 1
    PROBLEMS = 2
    MISSING = 3

    @property
    def label(self) -> str:
        """``"covered"``, ``"covered-with-problems"`` or ``"missing"``."""
        return _lib().iamw_coverage_status_name(int(self)).decode()


@dataclasses.dataclass(frozen=True)
class ControlResult:
    """The result for one control (``iamw_coverage_control``), copied."""

    id: str
    title: str
    status: CoverageStatus
    filter: Optional[str]          #: the chosen metric filter
    filter_origin: Optional[str]   #: the label of the rules it came from
    alarm: Optional[str]           #: the chosen alarm on its metric
    alarm_origin: Optional[str]
    reasons: Tuple[str, ...]       #: why the status is not "covered"
    notes: Tuple[str, ...]
    witnesses: Tuple[str, ...]     #: generated CloudTrail records (JSON text)
    records: int                   #: generated records evaluated
    exhaustive: bool               #: every combination enumerated (not sampled)

    @property
    def covered(self) -> bool:
        return self.status == CoverageStatus.COVERED

    def witness_events(self) -> List[Dict[str, Any]]:
        """The witnesses, parsed."""
        return [json.loads(w) for w in self.witnesses]


def _strings(ptr, n) -> Tuple[str, ...]:
    return tuple(_s(ptr[i]) for i in range(n))


def _control(r) -> ControlResult:
    return ControlResult(
        id=_s(r.id), title=_s(r.title), status=CoverageStatus(r.status), filter=_s(r.filter),
        filter_origin=_s(r.filter_origin), alarm=_s(r.alarm), alarm_origin=_s(r.alarm_origin),
        reasons=_strings(r.reasons, r.n_reasons), notes=_strings(r.notes, r.n_notes),
        witnesses=_strings(r.witnesses, r.n_witnesses), records=r.records,
        exhaustive=bool(r.exhaustive))


@dataclasses.dataclass(frozen=True)
class CoverageReport(Sequence[ControlResult]):
    """The result of a coverage run: a sequence of :class:`ControlResult` in
    the benchmark's order (also indexable by control id, ``report["5.4"]``)."""

    benchmark: str                    #: "cis@7.0"
    version: str                      #: "7.0"
    rules: Tuple[str, ...]            #: the origins of the rules, in the order given
    controls: Tuple[ControlResult, ...]
    document: Dict[str, Any]          #: the JSON document of ``iamwatch check --json``

    def __len__(self) -> int:
        return len(self.controls)

    def __iter__(self) -> Iterator[ControlResult]:
        return iter(self.controls)

    def __getitem__(self, key):
        if isinstance(key, str):
            for c in self.controls:
                if c.id == key:
                    return c
            raise KeyError(key)
        return self.controls[key]

    @property
    def summary(self) -> Dict[str, int]:
        """``{"controls": 15, "covered": 13, "coveredWithProblems": 1, "missing": 1}``."""
        return dict(self.document["summary"])

    @property
    def all_covered(self) -> bool:
        return all(c.covered for c in self.controls)


class Coverage(_Handle):
    """A coverage check (``iamw_coverage``): a benchmark (``"cis"`` or
    ``"cis@VERSION"``), the rules added to it, and :meth:`run`. Mutable: one
    thread at a time. An unknown benchmark raises :class:`IamwatchError`
    (``ENOTFOUND``, the message lists the versions)."""

    def __init__(self, benchmark: str = "cis"):
        L = _lib()
        h = _T.CoverageP()
        err = _T.Error()
        L.iamw_coverage_new(byref(h), _bytes(benchmark), byref(err))
        self._free = L.iamw_coverage_free
        self._h = h

    @property
    def benchmark(self) -> str:
        return _s(_lib().iamw_coverage_benchmark(self._handle()))

    def add(self, rules: Rules, origin: Optional[str] = None) -> None:
        """Add the metric filters and alarms of a rules file (a pack name,
        JSON text, dict or path); each file must load on its own."""
        data, label = _rules_text(rules)
        err = _T.Error()
        _lib().iamw_coverage_add_rules(self._handle(), data, len(data),
                                       _bytes(origin if origin is not None else label),
                                       byref(err))

    def run(self) -> CoverageReport:
        """Decide every control against the rules added so far."""
        L = _lib()
        h = self._handle()
        L.iamw_coverage_run(h)
        controls = tuple(_control(L.iamw_coverage_control_at(h, i).contents)
                         for i in range(L.iamw_coverage_control_count(h)))
        out, n = c_void_p(), c_size_t()
        L.iamw_coverage_json(h, byref(out), byref(n))
        rules = tuple(_s(L.iamw_coverage_rules_origin(h, i))
                      for i in range(L.iamw_coverage_rules_count(h)))
        return CoverageReport(benchmark=self.benchmark,
                              version=_s(L.iamw_coverage_benchmark_version(h)), rules=rules,
                              controls=controls, document=json.loads(_take(out, n.value)))


def check(rules: Union[Rules, Sequence[Rules]], benchmark: str = "cis") -> CoverageReport:
    """Whether ``rules`` (one rules file or a list: pack names, JSON text,
    dicts, paths) cover the monitoring controls of a CIS AWS Foundations
    Benchmark version (``"cis"`` is the newest). Each control's result does
    not depend on the order of the list."""
    items = rules if isinstance(rules, (list, tuple)) else [rules]
    with Coverage(benchmark) as c:
        for r in items:
            c.add(r)
        return c.run()
