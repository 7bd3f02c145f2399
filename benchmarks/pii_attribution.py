"""Which name pass of ``spans._confirmed`` claimed each spurious name span: the attribution behind issue 15's
precision work (session 10).

A span is spurious when it overlaps no entity the corpus's annotators tagged (``pii_peer_corpus2``). Every name
pass records its strings with ``Claims.setdefault``; while a batch is scanned, that method is wrapped to note the
line of ``_confirmed`` that claimed each string first (a string claimed again later keeps its first pass, as the
type does), and the line is named by the ``for`` loop around it (``for word in speaking_surnames(...)``). A claim
made inside the lower-case second reading (a nested ``_confirmed``) is the outer ``lower_names`` loop's.

Dev halves only: the report halves are counted, never read (``bench_pii_peers2.py --dev-spurious``).
"""

from __future__ import annotations

import inspect
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

from mlsecure.privacy.pii import spans as spans_module
from mlsecure.privacy.pii.claims import Claims
from mlsecure.privacy.pii.names import name_windows
from mlsecure.privacy.pii.types import PiiType

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "pii" / "peers"))
from peer_scoring import LabelledCase  # the corpora's case shape, shared with their scorer


def _pass_names() -> dict[int, str]:
    """Each line of ``_confirmed`` -> the ``for`` loop (or statement) it belongs to, as a short label."""
    lines, first = inspect.getsourcelines(spans_module._confirmed)
    labels: dict[int, str] = {}
    loops: list[tuple[int, str]] = []  # (indent, label) of the open loops
    for offset, line in enumerate(lines):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if not stripped or stripped.startswith("#"):
            continue
        loops = [(i, lab) for i, lab in loops if i < indent]
        if stripped.startswith("for "):
            code = stripped.split("  #")[0]
            loops.append((indent, code[4:].split(" in ", 1)[-1][:70].rstrip(":")))
        labels[first + offset] = loops[-1][1] if loops else stripped[:70]
    return labels


def _branch_tracer(code: CodeType, branches: dict[str, int]) -> Callable[[FrameType, str, Any], Any]:
    """A ``sys.settrace`` function noting the line of ``code`` (a function that gathers names in a local list
    ``found`` or returns a list) that produced each name, first line kept: which branch of ``name_windows``."""

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        found = frame.f_locals.get("found")
        seen = getattr(local, "seen", 0)
        if isinstance(found, list) and len(found) > seen:
            for value in found[seen:]:
                branches.setdefault(value, getattr(local, "line", frame.f_lineno))
            local.seen = len(found)  # type: ignore[attr-defined]
        if event == "return" and isinstance(arg, list):
            for value in arg:
                branches.setdefault(value, frame.f_lineno)
        local.line = frame.f_lineno  # type: ignore[attr-defined]
        return local

    def start(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call" and frame.f_code is code:
            local.seen = 0  # type: ignore[attr-defined]
            return local
        return None

    return start


@contextmanager
def tracing_branches(function: Callable[..., Any]) -> Iterator[dict[str, int]]:
    """While open, the line of ``function`` that first produced each name it returned."""
    branches: dict[str, int] = {}
    sys.settrace(_branch_tracer(function.__code__, branches))
    try:
        yield branches
    finally:
        sys.settrace(None)


@contextmanager
def recording() -> Iterator[dict[str, str]]:
    """While open, the label of the pass that first claimed each name string of the outermost ``_confirmed``."""
    labels = _pass_names()
    code = spans_module._confirmed.__code__
    claimed: dict[str, str] = {}
    original = Claims.setdefault

    def outer_frame() -> FrameType | None:
        frame: FrameType | None = sys._getframe(2)
        outer = None
        while frame is not None:
            if frame.f_code is code:
                outer = frame
            frame = frame.f_back
        return outer

    def setdefault(self: Claims, value: str, default: PiiType) -> PiiType:
        if default is PiiType.NAME and value not in self:
            frame = outer_frame()
            if frame is not None:
                claimed.setdefault(value, _label(frame, labels))
        return original(self, value, default)

    Claims.setdefault = setdefault  # type: ignore[method-assign,assignment]
    try:
        yield claimed
    finally:
        Claims.setdefault = original  # type: ignore[method-assign]


_READERS = ("read", "read_all", "read_names")  # the loop variables of ``_confirmed`` that hold a slot's reader


def _label(frame: FrameType, labels: dict[int, str]) -> str:
    """The loop of ``_confirmed`` at the frame's line, and the slot reader it was calling (``name_frames.x``)."""
    label = labels.get(frame.f_lineno, f"line {frame.f_lineno}")
    name = "read" if label == "_distinct_matches(texts, pattern)" else label.split("(")[0]
    reader = frame.f_locals.get(name) if name in _READERS else None
    if reader is not None:
        module = getattr(reader, "__module__", "").rsplit(".", 1)[-1]
        label = f"{module}.{getattr(reader, '__qualname__', reader)}"
    return label


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def spurious_by_pass(
    cases: Sequence[LabelledCase], scan: Callable[[list[str]], list[Any]]
) -> tuple[Counter[str], list[str]]:
    """(spurious name spans per pass, one tab-separated line per span: source, pass, value, context) over the
    dev-half ``cases``, one batch per source as the benchmarks score them."""
    if any(c.half != "dev" for c in cases):
        raise SystemExit("pii_attribution reads the dev half only")
    tally: Counter[str] = Counter()
    lines: list[str] = []
    for source in sorted({c.source for c in cases}):
        batch = [c for c in cases if c.source == source]
        with recording() as claimed, tracing_branches(name_windows) as branches:
            found = scan([c.text for c in batch])
        for case, spans in zip(batch, found, strict=True):
            for s, e, t in spans:
                if t is not PiiType.NAME or any(_overlaps((s, e), (a, b)) for a, b, _ in case.spans):
                    continue
                label = claimed.get(case.text[s:e], "(not seen)")
                if label.startswith("name_windows("):
                    label += f" line {branches.get(case.text[s:e], '?')}"
                tally[label] += 1
                ctx = case.text[max(0, s - 60) : e + 60].replace("\n", " | ").replace("\t", " ")
                lines.append(f"{source}\t{label}\t{case.text[s:e]}\t{ctx}")
    return tally, lines


def write_spurious(cases: Sequence[LabelledCase], scan: Callable[[list[str]], list[Any]], out: Path) -> None:
    """Write every dev spurious name span with its pass to ``out`` and print the count per pass."""
    tally, lines = spurious_by_pass([c for c in cases if c.half == "dev"], scan)
    out.write_text("\n".join(lines) + "\n")
    print("| pass (loop in spans._confirmed) | spurious name spans, dev |\n|---|---|")
    for label, n in tally.most_common():
        print(f"| `{label}` | {n} |")
    print(f"| total | {sum(tally.values())} |")
