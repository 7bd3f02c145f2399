"""Callables a loaded object keeps and calls after loading: which values of a pickled state count as called.

Session 10 (round 7b): an unlisted global the *loader* calls is high, but an allowlisted object can hold one as a
plain value and call it later (scikit-learn's ``func``/``metric``/``tokenizer`` parameters, a ``defaultdict``
factory, a torch hook dict); round 7b listed those places. Session 11 (round 8) found the general mechanism: a
BUILD state (or the state torch's rebuilds apply with ``setattr``) becomes the object's instance attributes, and
Python finds an instance attribute before the class's methods, so a global under a method's name replaces the
method. Each of these ran its stored global on first use, none while loading (a throwaway interpreter under /tmp,
``mimetypes.add_type``/``mimetypes.init`` as the gadget): ``forward`` in a torch ``Linear``'s state (``layer(x)``),
``copy`` in a pandas ``DataFrame``'s (``NDFrame.__setstate__`` sets every unknown key), ``integrate`` in a SciPy
``BSpline``'s, ``most_common`` in a ``Counter``'s. Which names are methods cannot be known without importing the
class, so every global of every state counts, followed through its lists, tuples and dicts (an allowlisted value,
``np.log1p``, stays clean; an unlisted one was already reported medium, now high). A call's arguments count too: a
constructor keeps them (``FunctionTransformer(mimetypes.add_type)`` written as REDUCE ran the gadget at
``transform``), and a function handed an unknown callable may call it.

``functools.partial`` and ``operator.methodcaller`` are not listed here: their modules are denylisted (critical).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mlsecure.artifacts.scan.pickle_vm import Big, Call, Container, Glob, Opaque

# Constructors that store an argument they call later: ``defaultdict(factory)``.
STORES_ITS_ARGUMENT: dict[tuple[str, str], tuple[int, ...]] = {("collections", "defaultdict"): (0,)}
SCALARS = frozenset({int, float, str, bool, type(None), bytes})  # most state values: nothing to follow
INERT = SCALARS | {Opaque, Big}  # argument values that can never hold a global (a persistent id, a skipped literal)
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
    """The object states of one stream, followed once the stream has ended: a list or dict of a state can still be
    filled after its BUILD (GET it from the memo, APPEND/SETITEM), and the loaded object sees what was added. All
    states are followed in one walk (a forest pickle has ~1,200 BUILDs; one generator each cost ~1 ms of ~25)."""

    def __init__(self) -> None:
        self.states: list[Any] = []  # a state shared by several objects is followed once (``Walk.first_time``)
        self.last_offset = 0  # the last BUILD's offset: where a "cannot verify" issue points
        self.walk = Walk()

    def add(self, state: Any, offset: int) -> None:
        """Remember ``state`` (BUILD's, a call's arguments, or a state a rebuild applies with ``setattr``) unless it is
        a plain value."""
        if type(state) not in SCALARS:
            self.states.append(state)
            self.last_offset = offset

    def called(self) -> Iterator[Glob]:
        """Each stored global the loaded objects call later."""
        states = self.states[:]  # each followed once, however often the stream's issues are asked; emptied in place:
        self.states.clear()  # the scanner appends call arguments to this very list
        yield from _globals_in(states, self.walk)


def keep_arguments(args: Any, kept: list[Any]) -> None:
    """Keep of a call's arguments only what can hold a global when the stream ends, in ``kept`` (the stream's state
    list): a global, a list or dict (filled later by APPEND/SETITEM), a tuple that holds one of those. A mapping a call
    built (``OrderedDict()``, a torch tensor's ``backward_hooks``) is not kept but registers itself once a global is
    stored in it (``Call.kept_in``). The caller skips arguments of plain values only (``OrderedDict()``'s, a numpy
    scalar's bytes) without calling this. Keeping every argument tuple cost a 3,000-tensor ``torch.save`` file
    ~5-10%, all of it the garbage collector walking the kept persistent ids, size tuples and hook dicts (round 8b)."""
    if type(args) is not tuple:
        if type(args) not in INERT:
            kept.append(args)
        return
    for item in args:
        kind = type(item)
        if kind in INERT:
            continue
        if kind is Call:
            if item.held is None:
                item.kept_in = kept
            else:
                kept.append(item)
        elif kind is not tuple or not INERT.issuperset(map(type, item)):
            kept.append(item)  # a global, a container, a tuple holding more than plain values


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
