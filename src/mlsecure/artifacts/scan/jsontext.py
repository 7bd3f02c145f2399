"""JSON parsed with the recursion budget of a fresh interpreter stack, as a model loader has it.

``json.loads`` counts nesting against the recursion limit from wherever it is called. A scanner calls it
a few dozen frames deeper than a loader does (archive member inside a container inside a file), so a
config nested just under the limit parsed for Keras but raised ``RecursionError`` in the scanner, which
then skipped it as "not JSON" (a Lambda layer went unseen). A parse that runs out of depth is retried
on a new thread, whose stack starts empty; only JSON nested deeper than any loader with the default
limit can read still fails, and callers report that as "cannot verify".
"""

from __future__ import annotations

import json
import threading
from typing import Any


def loads(text: str | bytes) -> Any:
    """``json.loads(text)``, retried on a fresh stack after a ``RecursionError`` (which may still raise)."""
    try:
        return json.loads(text)
    except RecursionError:
        return _on_fresh_stack(lambda: json.loads(text))


def raw_decode(text: str, idx: int = 0) -> tuple[Any, int]:
    """``json.JSONDecoder().raw_decode(text, idx)`` with the same retry."""
    try:
        return _DECODER.raw_decode(text, idx)
    except RecursionError:
        value, end = _on_fresh_stack(lambda: _DECODER.raw_decode(text, idx))
        return value, int(end)


_DECODER = json.JSONDecoder()


def _on_fresh_stack(parse: Any) -> Any:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = parse()
        except (ValueError, RecursionError, MemoryError) as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="mlsecure-json", daemon=True)
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
