"""Callables a loaded object keeps and calls after loading: which values of a pickled state count as called.

Session 10 (round 7b): an unlisted global the *loader* calls is high, but an allowlisted object can hold one as a
plain value and call it later. Each of these ran its stored callable after ``pickle.loads``/``torch.load`` here (a
throwaway interpreter under /tmp, ``mimetypes.add_type``/``mimetypes.init`` as the gadget), none while loading:

* scikit-learn estimators take callables as parameters in many places (``FunctionTransformer`` ``func`` and
  ``inverse_func``, ``metric``, ``kernel``, ``score_func``, ``tokenizer``/``analyzer``, column selectors) and call
  them in ``fit``/``predict``/``transform``: every global in the state of a scikit-learn class counts;
* ``collections.defaultdict`` calls ``default_factory`` on the first missing key (its first argument, or the slot
  BUILD sets);
* a torch module calls every callable of its hook dicts (``_forward_pre_hooks``...) on ``forward``/``backward``,
  ``state_dict()`` and ``load_state_dict()``, whatever the module's class.

``functools.partial`` and ``operator.methodcaller`` are not listed here: their modules are denylisted (critical).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mlsecure.artifacts.scan.pickle_vm import Call, Container, Glob

SKLEARN_ROOT = "sklearn."
# Constructors that store an argument they call later: ``defaultdict(factory)``.
STORES_ITS_ARGUMENT: dict[tuple[str, str], tuple[int, ...]] = {("collections", "defaultdict"): (0,)}
# Classes whose named state entries are called later (BUILD's slot state sets ``default_factory`` with setattr).
CALLED_ATTRIBUTES: dict[tuple[str, str], frozenset[str]] = {
    ("collections", "defaultdict"): frozenset({"default_factory"}),
}
# ``torch.nn.Module``'s hook dicts (torch/nn/modules/module.py): any class's state with these keys is a module's.
TORCH_HOOK_DICTS = frozenset(
    {
        "_forward_hooks",
        "_forward_pre_hooks",
        "_backward_hooks",
        "_backward_pre_hooks",
        "_state_dict_hooks",
        "_state_dict_pre_hooks",
        "_load_state_dict_pre_hooks",
        "_load_state_dict_post_hooks",
    }
)
SCALARS = frozenset({int, float, str, bool, type(None), bytes})  # most state values: nothing to follow
MAX_WALK = 2_000_000  # state values followed per stream; past it the scan says it could not check (medium)


class Walk:
    """What one stream's states have cost: each container or tuple is followed once (a shared state, or a tuple
    nested by doubling, costs its size once), and the values followed are counted against ``MAX_WALK``."""

    def __init__(self) -> None:
        self.walked: dict[int, object] = {}  # id -> the value itself, kept alive so that its id is not reused
        self.left = MAX_WALK

    @property
    def exhausted(self) -> bool:
        return self.left <= 0

    def first_time(self, value: object) -> bool:
        if id(value) in self.walked:
            return False
        self.walked[id(value)] = value
        return True


class StoredStates:
    """The BUILD states of one stream that may hold a stored callable, followed once the stream has ended: a list
    or hook dict of a state can still be filled after its BUILD (GET it from the memo, APPEND/SETITEM), and the
    loaded object sees what was added."""

    def __init__(self) -> None:
        # (id(state), class) -> (class, state, offset): a state shared by two BUILDs is judged for each class
        self.states: dict[tuple[int, tuple[str, str] | None], tuple[tuple[str, str] | None, Any, int]] = {}
        self.walk = Walk()

    def add(self, cls: tuple[str, str] | None, state: Any, offset: int) -> None:
        """Remember ``state`` if its class or keys say the object calls what it stores."""
        if _may_store(cls, state):
            self.states.setdefault((id(state), cls), (cls, state, offset))

    def called(self) -> Iterator[tuple[Glob, int]]:
        """Each stored global the loaded objects call later, with the offset of the BUILD that stored it."""
        states, self.states = self.states, {}  # each followed once, however often the stream's issues are asked
        for cls, state, offset in states.values():
            for stored in called_in_state(cls, state, self.walk):
                yield stored, offset


def _may_store(cls: tuple[str, str] | None, state: Any) -> bool:
    if cls is not None and (cls[0].startswith(SKLEARN_ROOT) or cls in CALLED_ATTRIBUTES):
        return True
    parts = state if isinstance(state, tuple) and len(state) == 2 else (state,)
    return any(isinstance(part, Container) and not TORCH_HOOK_DICTS.isdisjoint(part.pairs) for part in parts)


def called_in_state(cls: tuple[str, str] | None, state: Any, walk: Walk) -> Iterator[Glob]:
    """The globals of ``state`` (BUILD's state for an instance of ``cls``) that the loaded object calls later."""
    parts = state if isinstance(state, tuple) and len(state) == 2 else (state,)
    pairs = [
        item for part in parts if isinstance(part, Container) and part.kind == "dict" for item in part.pairs.items()
    ]
    if cls is not None and cls[0].startswith(SKLEARN_ROOT):
        yield from _globals_in([value for _, value in pairs], walk)
        return
    names = CALLED_ATTRIBUTES.get(cls, frozenset()) if cls is not None else frozenset()
    for key, value in pairs:
        if key in names and isinstance(value, Glob):
            yield value
        elif key in TORCH_HOOK_DICTS:
            yield from _globals_in([value], walk)


def _globals_in(pending: list[Any], walk: Walk) -> Iterator[Glob]:
    """Globals in ``pending`` (consumed) and the containers they hold, not in the arguments of nested objects (those
    are judged by their own calls and BUILDs); a mapping a call built (``OrderedDict``) yields what SETITEM stored."""
    while pending and walk.left > 0:
        item = pending.pop()
        kind = type(item)  # exact types: the emulator's value classes have no subclasses
        if kind in SCALARS:
            continue
        if kind is Glob:
            yield item
        elif kind is tuple and walk.first_time(item):
            walk.left -= 1 + len(item)
            pending.extend(item)
        elif kind is Container and walk.first_time(item):
            walk.left -= 1 + len(item.items) + len(item.pairs)
            pending.extend(item.items)
            pending.extend(item.pairs.values())
        elif kind is Call and item.held:
            yield from item.held
