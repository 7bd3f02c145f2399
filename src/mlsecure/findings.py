"""The one vocabulary of results: ``Severity``, ``Finding``, ``Figure`` and ``Report``.

Every check returns findings; the runner merges them into one report; every renderer reads the
report. The JSON form (``Report.to_dict``) is the stable contract, versioned by
``SCHEMA_VERSION`` and described by ``schemas/report.schema.json`` shipped in this package.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum, StrEnum
from importlib import resources
from typing import Any, Literal

from mlsecure.errors import InputError

SCHEMA_VERSION = "1.0"
OWASP_ID = re.compile(r"^ML(0[1-9]|10)$")
ATLAS_ID = re.compile(r"^AML\.(T\d{4}(\.\d{3})?|M\d{4}|TA\d{4})$")

JSONValue = Any  # values that json.dumps accepts; kept loose on purpose (evidence is free-form)


class Severity(StrEnum):
    """How urgent a finding is; ordered from ``info`` (lowest) to ``critical`` (highest)."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)

    def __ge__(self, other: object) -> bool:  # order by rank, not by str
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:  # order by rank, not by str
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:  # order by rank, not by str
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:  # order by rank, not by str
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.lower())
        except ValueError:
            names = ", ".join(s.value for s in _SEVERITY_ORDER)
            raise InputError(f"unknown severity {text!r}; expected one of: {names}") from None


_SEVERITY_ORDER = (Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)


@dataclass(frozen=True)
class Location:
    """Where a finding lives: a file (and member inside an archive), a column, rows, an endpoint."""

    path: str | None = None
    member: str | None = None
    column: str | None = None
    rows: tuple[int, ...] = ()
    endpoint: str | None = None
    offset: int | None = None

    def to_dict(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {}
        for key in ("path", "member", "column", "endpoint", "offset"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.rows:
            out["rows"] = list(self.rows)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, JSONValue]) -> Location:
        return cls(
            path=data.get("path"),
            member=data.get("member"),
            column=data.get("column"),
            rows=tuple(int(r) for r in data.get("rows", ())),
            endpoint=data.get("endpoint"),
            offset=data.get("offset"),
        )

    def describe(self) -> str:
        parts = []
        if self.path:
            parts.append(self.path + (f"!{self.member}" if self.member else ""))
        if self.offset is not None:
            parts.append(f"@{self.offset}")
        if self.column:
            parts.append(f"column {self.column!r}")
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            more = f" (+{len(self.rows) - 5} more)" if len(self.rows) > 5 else ""
            parts.append(f"rows {shown}{more}")
        if self.endpoint:
            parts.append(self.endpoint)
        return " ".join(parts)


@dataclass(frozen=True)
class Finding:
    """One security-relevant observation, with the measured evidence and what to do about it."""

    id: str
    title: str
    severity: Severity
    owasp: str
    atlas: tuple[str, ...] = ()
    location: Location = field(default_factory=Location)
    evidence: Mapping[str, JSONValue] = field(default_factory=dict)
    remediation: str = ""
    check: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        if not OWASP_ID.match(self.owasp):
            raise InputError(f"finding {self.id}: OWASP id must be ML01..ML10, got {self.owasp!r}")
        for atlas_id in self.atlas:
            if not ATLAS_ID.match(atlas_id):
                raise InputError(f"finding {self.id}: not an ATLAS id: {atlas_id!r}")
        if not isinstance(self.severity, Severity):
            object.__setattr__(self, "severity", Severity.parse(str(self.severity)))
        object.__setattr__(self, "atlas", tuple(self.atlas))

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.value,
            "owasp": self.owasp,
            "atlas": list(self.atlas),
            "location": self.location.to_dict(),
            "evidence": jsonable(dict(self.evidence)),
            "remediation": self.remediation,
            "check": self.check,
            "description": self.description,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, JSONValue]) -> Finding:
        return cls(
            id=data["id"],
            title=data["title"],
            severity=Severity.parse(data["severity"]),
            owasp=data["owasp"],
            atlas=tuple(data.get("atlas", ())),
            location=Location.from_dict(data.get("location", {})),
            evidence=dict(data.get("evidence", {})),
            remediation=data.get("remediation", ""),
            check=data.get("check", ""),
            description=data.get("description", ""),
        )


@dataclass(frozen=True)
class Series:
    """One line (or bar group) of a figure: its name and its x/y values."""

    name: str
    x: tuple[float, ...]
    y: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y):
            raise InputError(f"series {self.name!r}: x has {len(self.x)} values, y has {len(self.y)}")


@dataclass(frozen=True)
class Figure:
    """A plot described as data; ``report/`` draws it (so capabilities never import matplotlib).

    ``kind`` picks the drawing: ``line`` (curves such as accuracy vs epsilon), ``roc`` (line plot
    on [0, 1] axes with the chance diagonal; ``log=True`` for log-log ROC), ``bar``.
    """

    title: str
    x_label: str
    y_label: str
    series: tuple[Series, ...]
    kind: Literal["line", "roc", "bar"] = "line"
    log: bool = False
    x_ticks: tuple[str, ...] = ()  # bar charts: a label for each x position (categories)

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "title": self.title,
            "x_label": self.x_label,
            "y_label": self.y_label,
            "kind": self.kind,
            "log": self.log,
            **({"x_ticks": list(self.x_ticks)} if self.x_ticks else {}),
            "series": [
                {"name": s.name, "x": jsonable(list(s.x)), "y": jsonable(list(s.y))} for s in self.series
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, JSONValue]) -> Figure:
        return cls(
            title=data["title"],
            x_label=data["x_label"],
            y_label=data["y_label"],
            kind=data.get("kind", "line"),
            log=bool(data.get("log", False)),
            x_ticks=tuple(str(t) for t in data.get("x_ticks", ())),
            series=tuple(
                Series(s["name"], tuple(_nan(v) for v in s["x"]), tuple(_nan(v) for v in s["y"]))
                for s in data["series"]
            ),
        )


@dataclass(frozen=True)
class Skipped:
    """A check that was selected but could not run, and why (e.g. it needs a model)."""

    check: str
    reason: str


@dataclass
class Report:
    """Everything one scan produced. Mutable while the runner fills it; renderers only read it."""

    target: str
    tool_version: str
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    findings: list[Finding] = field(default_factory=list)
    metrics: dict[str, dict[str, JSONValue]] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    checks_run: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def max_severity(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    def count_at_or_above(self, threshold: Severity) -> int:
        return sum(1 for f in self.findings if f.severity >= threshold)

    def by_severity(self) -> dict[str, int]:
        counts = {s.value: 0 for s in reversed(_SEVERITY_ORDER)}
        for f in self.findings:
            counts[f.severity.value] += 1
        return counts

    def by_owasp(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in sorted(self.findings, key=lambda f: f.owasp):
            counts[f.owasp] = counts.get(f.owasp, 0) + 1
        return counts

    def _repr_html_(self) -> str:
        """Jupyter shows the HTML report (the same template as ``--format html``), in a sandboxed iframe so
        its CSS and filter script neither leak into the notebook nor break under its styles."""
        from html import escape

        from mlsecure.report.html import render

        return (f'<iframe srcdoc="{escape(render(self), quote=True)}" title="mlsecure report: {escape(self.target)}" '
                'sandbox="allow-scripts" style="width:100%;height:640px;border:1px solid #ccc"></iframe>')

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: (-f.severity.rank, f.id))

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "mlsecure", "version": self.tool_version},
            "target": self.target,
            "created": self.created,
            "summary": {"by_severity": self.by_severity(), "by_owasp": self.by_owasp()},
            "checks_run": list(self.checks_run),
            "skipped": [{"check": s.check, "reason": s.reason} for s in self.skipped],
            "findings": [f.to_dict() for f in self.sorted_findings()],
            "metrics": jsonable(self.metrics),
            "figures": {name: fig.to_dict() for name, fig in self.figures.items()},
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, sort_keys=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, JSONValue]) -> Report:
        if data.get("schema_version") != SCHEMA_VERSION:
            raise InputError(
                f"report schema_version {data.get('schema_version')!r} is not {SCHEMA_VERSION!r}"
            )
        return cls(
            target=data["target"],
            tool_version=data["tool"]["version"],
            created=data["created"],
            findings=[Finding.from_dict(f) for f in data["findings"]],
            metrics={k: dict(v) for k, v in data.get("metrics", {}).items()},
            figures={k: Figure.from_dict(v) for k, v in data.get("figures", {}).items()},
            checks_run=list(data.get("checks_run", [])),
            skipped=[Skipped(s["check"], s["reason"]) for s in data.get("skipped", [])],
        )

    @classmethod
    def from_json(cls, text: str) -> Report:
        return cls.from_dict(json.loads(text))

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)


def report_schema() -> dict[str, JSONValue]:
    """The JSON Schema (draft 2020-12) of ``Report.to_dict`` for this ``SCHEMA_VERSION``."""
    text = resources.files("mlsecure").joinpath("schemas/report.schema.json").read_text("utf-8")
    schema: dict[str, JSONValue] = json.loads(text)
    return schema


def _nan(value: JSONValue) -> float:
    return math.nan if value is None else float(value)


def jsonable(value: JSONValue) -> JSONValue:
    """Turn numpy scalars/arrays, tuples and non-finite floats into strict JSON values."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return jsonable(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [jsonable(v) for v in value]
    return str(value)
