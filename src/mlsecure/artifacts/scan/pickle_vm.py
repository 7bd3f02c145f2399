"""A pickle virtual machine that emulates the stack and the memo without importing anything.

Every opcode of protocols 0-5 is decoded from a stream (large byte strings are skipped with a seek,
never read), and every value a real unpickler would build is modelled symbolically: ``Glob`` for an
imported global, ``Call`` for what ``REDUCE``/``NEWOBJ``/``OBJ``/``INST`` would return, containers
holding their first items, literals as themselves. Because ``STACK_GLOBAL`` takes its operands from
the emulated stack (memo ``GET``s included), a global is resolved exactly as ``pickle`` resolves it,
whatever the opcodes between them; heuristics that look at "the previous two strings" are
defeated by memo tricks (picklescan GHSA-9gvj-pp9x-gcfr, modelscan #330), this is not.

Text arguments are parsed as CPython's C unpickler (``_pickle.c``, what ``pickle.load`` and
``torch.load`` run) parses them: ``INT`` with ``strtol(s, 0)`` (``I0x10`` is 16, ``I010`` is 8, a NUL
ends the number), ``LONG`` with a trailing ``L`` stripped, ``GET``/``PUT`` base 10. Where the pure-Python
unpickler (``pickle._Unpickler``, what ``joblib.load`` runs) differs, it raises: the VM never stops where
either implementation would go on. Containers keep every item, so dict updates read exactly as
CPython's (the last value wins).

The VM cannot be turned against the scanner (billion laughs, memo bombs): what it builds is charged to
an estimate of its own memory (``max_memory``) and it stops at the scan's deadline, both checked every
65536 opcodes and at every large literal, raising a "resource limit" error (fail closed, "cannot
verify"). A dict key or set item is never hashed when it is a tuple or a number whose hash an attacker
can collide or make exponential: it is kept by identity and the container marked ``unhashable``; a
tuple key whose hash would make the *loader* visit over ``EXPANSION_LIMIT`` tuples or recurse deeper
than ``DEPTH_LIMIT`` is reported as an expansion bomb (CPython hashes shared sub-tuples again each
time, and overflows its C stack on deep ones).
"""

from __future__ import annotations

import codecs
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any


class PickleSyntaxError(ValueError):
    """The stream is not a pickle ``pickle`` could load; ``offset`` is where it went wrong."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class Mark:
    """The MARK sentinel."""


MARK = Mark()


@dataclass(eq=False)
class Glob:
    module: str
    name: str
    offset: int
    opcode: str
    pushes: int = 1  # times this value was put on the stack (GLOBAL, then each GET/DUP)


@dataclass(eq=False)
class Call:
    func: Any
    args: Any
    offset: int
    opcode: str
    state: Any = None
    attrs: dict[Any, Any] | None = None  # what BUILDs set, merged as ``__dict__`` is (created on the first)
    held: list[Glob] | None = None  # globals SETITEM(S) stored in it (an OrderedDict of torch hooks), up to MAX_HELD
    kept_in: list[Any] | None = None  # where it registers itself once it holds a global (an argument kept for later)


@dataclass(eq=False)
class Big:
    """A byte string too large to keep: its size and where it starts in the stream."""

    size: int
    offset: int
    excerpt: str | None = None  # a skipped text's OmegaConf interpolations (``${...}``), read while skipping it


@dataclass(eq=False)
class Container:
    kind: str  # list, dict, set, frozenset
    items: list[Any] = field(default_factory=list)
    pairs: dict[Any, Any] = field(default_factory=dict)
    count: int = 0
    unhashable: bool = False  # a key we cannot hash: ``pairs`` may differ from CPython's dict


@dataclass(eq=False)
class Opaque:
    """A value we do not model (persistent ids, out-of-band buffers)."""

    what: str


MAX_STACK = 5_000_000  # emulated stack entries (checked, with max_opcodes, every 65536 opcodes)
MAX_MEMORY = 1 << 30  # default estimate of the bytes the emulated values may hold
EXPANSION_LIMIT = 1_000_000  # tuples the loader's hash of one key may visit (counting shared ones again)
DEPTH_LIMIT = 10_000  # tuple nesting of a hashed key (CPython's C stack overflows near 10^5-10^6)
# estimated bytes each kind of emulated value holds (CPython object sizes, rounded up)
COST_OPCODE = 40  # a literal object and one reference to it: charged for every opcode
COST_GLOBAL = 200
COST_CONTAINER = 240
COST_CALL = 160
COST_ITEM = 8
COST_PAIR = 64
MAX_HELD = 64  # globals kept per call-built mapping: a hook dict holds a few; a memo GET repeated must not grow it
COST_MEMO = 64
LINE_CHUNK = 1 << 20  # text arguments are read in pieces of this size
BIG_LITERAL = 4096  # literals at least this long are charged (and the budget checked) as they are read
DATA_MIN = 16  # literals this long starting like a pickle, its hex or its base64 are offered to ``on_data``
DATA_LEADS = b"\x80g8"
MAX_EXCERPTS = 16  # interpolations kept from one skipped unicode literal
EXCERPT = 4096  # bytes kept from each
NO_FRAME = 1 << 62  # ``frame_end`` outside any FRAME (past any stream's end)


@dataclass
class Events:
    """Callbacks the VM fires; the scanner turns them into issues."""

    on_global: Callable[[Glob], None]
    on_call: Callable[[Call], None]
    on_build: Callable[[Any, Any, int], None]
    on_problem: Callable[[str, str, int], None]  # (kind, message, offset)
    # (key, value, offset) of a str item set in a dict whose key names code or whose value interpolates
    on_config: Callable[[str, str, int], None] | None = None


class PickleVM:
    """Runs one pickle (up to STOP) from ``stream`` starting at absolute ``offset``."""

    def __init__(self, stream: IO[bytes], offset: int, events: Events, *, keep_bytes: int,
                 max_opcodes: int, max_memo: int, end: int | None = None,
                 after_build: Callable[[PickleVM, Any], None] | None = None,
                 on_data: Callable[[bytes, int], None] | None = None,
                 max_memory: int = MAX_MEMORY, deadline: float | None = None,
                 outer_memory: Callable[[], int] | None = None) -> None:
        self.stream = stream
        self.pos = offset
        self.end = end  # absolute size of a seekable stream; None: read-and-discard to skip
        self.events = events
        self.keep_bytes = keep_bytes
        self.max_opcodes = max_opcodes
        self.max_memo = max_memo
        self.after_build = after_build
        self.on_data = on_data  # sees string/bytes literals that may be a pickle carried as data
        self.stack: list[Any] = []
        self.metastack: list[list[Any]] = []
        self.memo: dict[int, Any] = {}
        self.protocol = 0
        self.opcodes = 0
        self.frame_end = NO_FRAME  # where the current FRAME's bytes end (absolute); NO_FRAME outside frames
        self.max_memory = max_memory
        self.deadline = deadline  # time.monotonic() value past which the scan stops
        self.outer_memory = outer_memory  # what the pickles this one is nested in still hold (shared budget)
        self.cost = 0  # estimated bytes held by the values built so far, beyond COST_OPCODE per opcode
        self.hash_costs: dict[int, tuple[Any, int, int]] = {}  # id(tuple) -> (tuple, expansion, depth)
        self.bomb_reported = False
        self.shared: dict[int, list[Any]] = {}  # id -> [composite value, times pushed again by DUP/GET]

    # -- reading ---------------------------------------------------------------------------------
    def read(self, n: int) -> bytes:
        data = self.stream.read(n)
        if len(data) != n:
            raise PickleSyntaxError(f"truncated: wanted {n} bytes, got {len(data)}", self.pos)
        self.pos += n
        return data

    def skip(self, n: int) -> None:
        """Skip ``n`` bytes: a seek when the stream's end is known, so large payloads are never read."""
        if self.end is not None:
            if self.pos + n > self.end:
                raise PickleSyntaxError(f"truncated: a {n}-byte payload runs past the end of the data", self.pos)
            self.stream.seek(n, 1)
        else:
            moved = 0
            while moved < n:
                if self.deadline is not None and time.monotonic() > self.deadline:
                    # session 11: a compressed joblib array is skipped by decoding it (pure-Python LZ4 and Snappy
                    # run at ~16 MB/s), and this loop had no clock: a 3-second limit still took 16 s on 80 MB
                    raise PickleSyntaxError(
                        f"the scan's time limit was reached {moved >> 20} MiB into a {n >> 20} MiB payload: the "
                        "rest of the stream is not verified (resource limit)", self.pos)
                chunk = self.stream.read(min(n - moved, 1 << 20))
                if not chunk:
                    raise PickleSyntaxError(f"truncated: a {n}-byte payload runs past the end of the data",
                                            self.pos)
                moved += len(chunk)
        self.pos += n

    def short(self) -> bytes:
        """A one-byte-length argument (SHORT_BINBYTES, SHORT_BINUNICODE, SHORT_BINSTRING)."""
        data = self.read(self.read(1)[0])
        if len(data) >= DATA_MIN and data[:1] in DATA_LEADS and self.on_data is not None:
            self.on_data(data, self.pos - len(data))
        return data

    def readline(self) -> bytes:
        line = self.stream.readline(LINE_CHUNK)
        if len(line) == LINE_CHUNK and not line.endswith(b"\n"):
            # pickle.load reads a text argument of any length: a 2 MB ``V`` line used to end the scan here as
            # "malformed", which refuted the file as a pickle, and the ``os.system`` after it ran unseen
            parts = [line]
            self.charge(len(line))  # charged as it is read: a line as long as the file stops at the memory budget
            while not parts[-1].endswith(b"\n"):
                chunk = self.stream.readline(LINE_CHUNK)
                if not chunk:
                    break
                parts.append(chunk)
                self.charge(len(chunk))
            line = b"".join(parts)
        elif len(line) >= BIG_LITERAL:
            self.charge(len(line))
        if not line.endswith(b"\n"):
            raise PickleSyntaxError("truncated text argument", self.pos)
        self.pos += len(line)
        return line[:-1]

    def charge(self, cost: int) -> None:
        """Add ``cost`` estimated bytes and stop at the memory budget."""
        self.cost += cost
        self.check_budget()

    def memory_in_use(self) -> int:
        """Estimated bytes held by this VM's values and by the VMs it is nested in."""
        outer = self.outer_memory() if self.outer_memory is not None else 0
        return self.cost + self.opcodes * COST_OPCODE + outer

    def check_budget(self) -> None:
        """Fail closed (a resource-limit error) past the memory estimate, the opcode count or the deadline."""
        if self.memory_in_use() > self.max_memory:
            raise PickleSyntaxError(f"the emulated values would hold more than {self.max_memory >> 20} MiB "
                                    "(resource limit)", self.pos)
        if self.opcodes > self.max_opcodes:
            raise PickleSyntaxError(f"more than {self.max_opcodes} opcodes (resource limit)", self.pos)
        if len(self.stack) + len(self.metastack) > MAX_STACK:
            raise PickleSyntaxError(f"stack deeper than {MAX_STACK} items (resource limit)", self.pos)
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise PickleSyntaxError("the scan's time limit was reached (resource limit)", self.pos)

    def payload(self, n: int) -> bytes | Big:
        if n < 0:
            raise PickleSyntaxError("negative length", self.pos)
        if n <= self.keep_bytes:
            if n >= BIG_LITERAL:
                self.charge(n)
            data = self.read(n)
            if n >= DATA_MIN and data[:1] in DATA_LEADS and self.on_data is not None:
                self.on_data(data, self.pos - n)
            return data
        start = self.pos
        self.skip(n)
        return Big(n, start)

    def payload_text(self, n: int) -> bytes | Big:
        """A unicode literal: one too large to keep is read (not seeked) past, and each ``${`` in it is kept with
        what follows, so an interpolation in a 70 kB hyper-parameter string is judged like a short one."""
        if n < 0 or n <= self.keep_bytes:
            return self.payload(n)
        start, moved, carry = self.pos, 0, b""
        pieces: list[bytes] = []
        while moved < n:
            chunk = self.stream.read(min(n - moved, 1 << 20))
            if not chunk:
                raise PickleSyntaxError(f"truncated: a {n}-byte payload runs past the end of the data", self.pos)
            moved += len(chunk)
            window = carry + chunk
            at = window.find(b"${")
            while at >= 0 and len(pieces) < MAX_EXCERPTS:
                pieces.append(window[at:at + EXCERPT])
                at = window.find(b"${", at + 2)
            carry = chunk[-1:]
        self.pos += n
        excerpt = b"\n".join(pieces).decode("utf-8", errors="replace") if pieces else None
        return Big(n, start, excerpt)

    # -- stack helpers -----------------------------------------------------------------------------
    def pop(self) -> Any:
        if not self.stack:
            raise PickleSyntaxError("stack underflow", self.pos)
        return self.stack.pop()

    def pop_mark(self) -> list[Any]:
        if not self.metastack:
            raise PickleSyntaxError("MARK expected but missing", self.pos)
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def top(self) -> Any:
        if not self.stack:
            raise PickleSyntaxError("stack underflow", self.pos)
        return self.stack[-1]

    def memo_put(self, index: int) -> None:
        if index < 0:
            raise PickleSyntaxError("negative PUT argument", self.pos)
        memo = self.memo
        if index not in memo:
            if len(memo) >= self.max_memo:
                raise PickleSyntaxError(f"memo grew past {self.max_memo} entries (resource limit)", self.pos)
            self.cost += COST_MEMO
        if not self.stack:
            raise PickleSyntaxError("stack underflow", self.pos)
        memo[index] = self.stack[-1]

    def memo_get(self, index: int) -> None:
        if index not in self.memo:
            raise PickleSyntaxError(f"memo key {index} read before it was written", self.pos)
        value = self.memo[index]
        kind = type(value)
        if kind is Glob:
            value.pushes += 1
        elif kind in _COMPOSITES:
            self.share(value)
        self.stack.append(value)

    def share(self, value: Any) -> None:
        entry = self.shared.get(id(value))
        if entry is None:
            self.shared[id(value)] = [value, 1]
        else:
            entry[1] += 1

    def traversal_bound(self, walk: Traversal) -> int | None:
        """An upper bound of the references a traversal of any value built here follows: each reference is
        followed once, plus, for every value pushed again, its size once per extra push (None: not measured)."""
        bound = self.opcodes
        for value, pushes in self.shared.values():
            size = walk.size(value)
            if size is None:
                return None
            bound += pushes * size
            if bound >= walk.cap:
                break
        return bound

    def hashed(self, key: tuple[Any, ...]) -> None:
        """``key`` is hashed by the loader: report (once) a hash that visits too many tuples or recurses too deep."""
        if not any(type(item) is tuple for item in key):
            return  # a flat tuple: one hash step per item
        _, expansion, depth = self._hash_cost(key)
        if (expansion >= EXPANSION_LIMIT or depth >= DEPTH_LIMIT) and not self.bomb_reported:
            self.bomb_reported = True
            what = (f"visits more than {EXPANSION_LIMIT:,} tuples (shared sub-tuples are hashed again each time)"
                    if expansion >= EXPANSION_LIMIT else f"recurses through more than {DEPTH_LIMIT:,} nested tuples")
            self.events.on_problem("expansion", f"expansion bomb: the loader's hash of a dict key or set item {what}: "
                                   "loading hangs or crashes the interpreter", self.pos)

    def _hash_cost(self, root: tuple[Any, ...]) -> tuple[Any, int, int]:
        """(root, tuples visited by ``hash(root)``, nesting depth), both capped, memoised by identity.

        The walk stops as soon as its path is ``DEPTH_LIMIT`` deep or it has met ``EXPANSION_LIMIT`` new
        tuples (each distinct tuple reached adds at least one to the expansion), so neither its time nor
        its memo grows past the limits whatever the key; memo entries are charged to the memory budget.
        """
        costs = self.hash_costs
        todo: list[tuple[tuple[Any, ...], bool, int]] = [(root, False, 1)]
        added = 0
        while todo:
            node, children_done, level = todo.pop()
            if id(node) in costs:
                continue
            if not children_done:
                if level >= DEPTH_LIMIT:
                    return root, level, DEPTH_LIMIT  # the expansion is at least the depth; not walked further
                todo.append((node, True, level))
                todo.extend((child, False, level + 1) for child in node
                            if type(child) is tuple and id(child) not in costs)
                continue
            expansion, depth = 1, 1
            for child in node:
                if type(child) is tuple:
                    _, sub_expansion, sub_depth = costs[id(child)]
                    expansion = min(expansion + sub_expansion, EXPANSION_LIMIT)
                    depth = max(depth, min(sub_depth + 1, DEPTH_LIMIT))
            costs[id(node)] = (node, expansion, depth)
            added += 1
            self.cost += COST_MEMO
            if added >= EXPANSION_LIMIT:
                return root, EXPANSION_LIMIT, depth
        return costs[id(root)]

    def straddle(self, at: int) -> None:
        """The previous opcode's argument ran past the end of its FRAME (no pickler writes that)."""
        self.events.on_problem(
            "framing", f"an opcode's argument runs {at - self.frame_end} bytes past the end "
            "of its FRAME: pickle._Unpickler rejects the stream, the C unpickler's reading then depends on its "
            "buffering and can execute bytes a frame-respecting reader takes as data (cpython#154848)", at)

    # -- the loop ------------------------------------------------------------------------------------
    def run(self) -> Any:
        """Emulate up to STOP; return the value a real load would return (symbolically)."""
        handlers = _HANDLERS
        read = self.stream.read
        while True:
            self.opcodes += 1
            if not self.opcodes & 0xFFFF:
                self.check_budget()
            start = self.pos
            if start >= self.frame_end:
                if start > self.frame_end:
                    self.straddle(start)
                self.frame_end = NO_FRAME
            code = read(1)
            if not code:
                raise PickleSyntaxError("stream ended without STOP", self.pos)
            self.pos += 1
            if code == b".":
                if self.pos < self.frame_end != NO_FRAME:
                    self.events.on_problem("framing", f"STOP {self.frame_end - self.pos} bytes before the end of its "
                                           "FRAME: loaders resume the next pickle at different offsets", start)
                return self.pop()
            handler = handlers.get(code[0])
            if handler is None:
                raise PickleSyntaxError(f"invalid opcode 0x{code[0]:02x}", start)
            handler(self, start)


class Traversal:
    """How many references a full traversal of a value follows (shared values counted each time they are
    reached, back-edges of cycles not), capped at ``cap``; memoised across the values asked about, so the
    cost is linear in the distinct values, whatever the expansion. ``size`` is None past ``max_nodes``
    distinct containers (not measured)."""

    def __init__(self, *, cap: int, max_nodes: int) -> None:
        self.cap = cap
        self.max_nodes = max_nodes
        self.sizes: dict[int, int] = {}
        self.keep: list[Any] = []  # holds every sized node, so no id is reused while this object lives

    def size(self, root: Any) -> int | None:
        if type(root) not in _COMPOSITES:
            return 1
        sizes, cap, composites = self.sizes, self.cap, _COMPOSITES
        on_path: set[int] = set()
        todo: list[tuple[Any, bool]] = [(root, False)]
        while todo:
            node, children_done = todo.pop()
            key = id(node)
            if not children_done:
                if key in sizes or key in on_path:
                    continue
                if len(sizes) >= self.max_nodes:
                    return None
                on_path.add(key)
                todo.append((node, True))
                todo.extend((child, False) for child in _children(node)
                            if type(child) in composites and id(child) not in sizes)
                continue
            total = 1
            for child in _children(node):
                total += sizes.get(id(child), 0) if type(child) in composites else 1
            on_path.discard(key)
            sizes[key] = min(total, cap)
            self.keep.append(node)
        return sizes.get(id(root), 1)


_COMPOSITES = frozenset({tuple, Container, Call})


def _children(value: Any) -> list[Any]:
    kind = type(value)
    if kind is tuple:
        return list(value)
    if kind is Container:
        return [*value.items, *value.pairs.keys(), *value.pairs.values()]
    if kind is Call:
        return [value.args, value.state]
    return []


def _add(container: Container, item: Any) -> None:
    container.count += 1
    container.items.append(item)


_ATOMS = (str, bytes, bool, type(None))
NOT_HASHED = Opaque("a key the emulator does not hash")
_SMALL_INT = 1 << 60  # hash(n) == n below this: distinct keys never collide


def _key(vm: PickleVM, container: Container, key: Any) -> Any:
    """``key`` if hashing it is cheap and collision-free, else a stand-in kept by identity.

    str and bytes hashes are randomised, small ints hash to themselves and the VM's own values hash by
    identity; a float, a large int or a tuple could be chosen to collide (O(n^2) inserts) or to be
    exponential to hash, so it is not hashed and the dict is marked as not exactly modelled.
    """
    kind = type(key)
    if kind in _ATOMS or (kind is int and -_SMALL_INT < key < _SMALL_INT) \
            or kind in (Glob, Call, Container, Opaque, Big):
        return key
    if kind is tuple:
        vm.hashed(key)
    container.unhashable = True
    return NOT_HASHED  # one stand-in: the container is marked as not modelled exactly anyway


def _hashed_item(vm: PickleVM, item: Any) -> None:
    """A set or frozenset item: the loader hashes it (only a tuple's hash can be made expensive)."""
    if type(item) is tuple:
        vm.hashed(item)


CONFIG_KEYS = frozenset({"_target_", "class_path", "cls", "class"})  # what instantiate() imports (config_imports)


def _config_item(vm: PickleVM, key: Any, value: Any) -> None:
    """A pickled dict of hyper-parameters is a config too: ``instantiate(ckpt["hyper_parameters"])`` imports its
    ``_target_`` and resolves its interpolations; seen for any dict-like target (dict, OrderedDict, BUILD state)."""
    if type(value) is Big and value.excerpt is not None:
        value = value.excerpt  # a long string's interpolations
    elif type(value) is Call and value.attrs and type(value.attrs.get("_val")) in (str, Big):
        value = value.attrs["_val"]  # a pickled OmegaConf DictConfig: each item is a node whose ``_val`` is the value
        value = value.excerpt if type(value) is Big else value
    if type(value) is str and type(key) is str and vm.events.on_config is not None \
            and (key in CONFIG_KEYS or "${" in value):
        vm.events.on_config(key, value, vm.pos)


def _set(vm: PickleVM, container: Any, key: Any, value: Any) -> None:
    _config_item(vm, key, value)
    if isinstance(container, Container):
        container.count += 1
        vm.cost += COST_PAIR
        container.pairs[_key(vm, container, key)] = value
    elif type(container) is Call and type(value) is Glob:
        _hold(container, value)


def _hold(mapping: Call, value: Glob) -> None:
    """A global stored in a mapping a call built (``OrderedDict``): kept, since the object that owns the mapping may
    call it later (torch runs every callable of a module's hook dicts on ``forward``; session 10)."""
    if mapping.held is None:
        mapping.held = []
        if mapping.kept_in is not None:  # an argument of an earlier call: its globals are now worth following
            mapping.kept_in.append(mapping)
    if len(mapping.held) < MAX_HELD and value not in mapping.held:
        mapping.held.append(value)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _global(vm: PickleVM, module: str, name: str, offset: int, opcode: str) -> Glob:
    vm.cost += COST_GLOBAL
    glob = Glob(module, name, offset, opcode)
    vm.events.on_global(glob)
    return glob


def _call(vm: PickleVM, func: Any, args: Any, offset: int, opcode: str) -> None:
    vm.cost += COST_CALL
    call = Call(func, args, offset, opcode)
    vm.events.on_call(call)
    vm.stack.append(call)


def _string_literal(raw: bytes, offset: int) -> bytes:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[:1] in (b"'", b'"'):
        try:
            return codecs.escape_decode(raw[1:-1])[0]
        except ValueError as exc:
            raise PickleSyntaxError(f"bad STRING literal: {exc}", offset) from None
    raise PickleSyntaxError("STRING argument is not quoted", offset)


def _op_mark(vm: PickleVM, at: int) -> None:
    vm.metastack.append(vm.stack)
    vm.stack = []


def _op_pop(vm: PickleVM, at: int) -> None:
    if vm.stack:
        vm.stack.pop()
    else:
        vm.pop_mark()


def _op_pop_mark(vm: PickleVM, at: int) -> None:
    vm.pop_mark()


def _op_dup(vm: PickleVM, at: int) -> None:
    value = vm.top()
    kind = type(value)
    if kind is Glob:
        value.pushes += 1
    elif kind in _COMPOSITES:
        vm.share(value)
    vm.stack.append(value)


def _op_float(vm: PickleVM, at: int) -> None:
    line = vm.readline()
    try:  # C: PyOS_string_to_double up to a NUL; Python: float() of the whole line (accepts more)
        value = float(line.split(b"\0", 1)[0]) if b"\0" in line else float(line)
    except ValueError:
        raise PickleSyntaxError("bad FLOAT literal", at) from None
    vm.stack.append(value)


def _op_int(vm: PickleVM, at: int) -> None:
    vm.stack.append(c_int(vm.readline(), at))


def _op_long(vm: PickleVM, at: int) -> None:
    line = vm.readline()
    if not line:
        raise PickleSyntaxError("empty LONG argument", at)
    if line.endswith(b"L"):
        line = line[:-1]
    vm.stack.append(_c_long_from_string(line, 0, at))


def c_int(line: bytes, at: int = 0) -> int:
    """The value ``_pickle.c``'s ``load_int`` gives an INT argument (``line`` without its newline).

    ``strtol(s, &end, 0)`` first (C octal ``010`` is 8, it stops at a NUL); when that leaves characters
    or overflows a C long, ``PyLong_FromString(s, NULL, 0)``; two-character arguments 0/1 are bools.
    """
    if not line:
        raise PickleSyntaxError("empty INT argument", at)
    value, end, overflow = _strtol(line)
    cstr_end = line.find(b"\0")
    cstr_end = len(line) if cstr_end < 0 else cstr_end
    if overflow or end != cstr_end:
        return _c_long_from_string(line, 0, at)
    if len(line) == 2 and value in (0, 1):
        return bool(value)
    return value


_C_SPACE = b" \t\n\v\f\r"
_LONG_MAX = (1 << 63) - 1


def _strtol(line: bytes) -> tuple[int, int, bool]:
    """glibc ``strtol(s, &end, 0)`` on the C string ``line`` (up to a NUL): (value, end index, overflow)."""
    nul = line.find(b"\0")
    s = line if nul < 0 else line[:nul]
    i, n = 0, len(s)
    while i < n and s[i] in _C_SPACE:
        i += 1
    negative = False
    if i < n and s[i] in b"+-":
        negative = s[i] == 0x2D
        i += 1
    base = 10
    if i < n and s[i] == 0x30:
        if i + 2 < n and s[i + 1] in b"xX" and chr(s[i + 2]) in "0123456789abcdefABCDEF":
            base, i = 16, i + 2
        else:
            base = 8
    start = i
    digits = "0123456789abcdef"[:base]
    while i < n and chr(s[i]).lower() in digits:
        i += 1
    if i == start:
        return 0, 0, False  # no digits: end = s
    value = int(s[start:i], base)
    value = -value if negative else value
    return value, i, not -_LONG_MAX - 1 <= value <= _LONG_MAX


def _c_long_from_string(line: bytes, base: int, at: int) -> int:
    """``PyLong_FromString(s, NULL, base)`` on the C string ``line`` (it ends at the first NUL)."""
    nul = line.find(b"\0")
    try:
        return int(line if nul < 0 else line[:nul], base)
    except ValueError:
        raise PickleSyntaxError(f"bad integer literal {line[:40]!r}", at) from None


def _op_binint(vm: PickleVM, at: int) -> None:
    vm.stack.append(struct.unpack("<i", vm.read(4))[0])


def _op_binint1(vm: PickleVM, at: int) -> None:
    vm.stack.append(vm.read(1)[0])


def _op_binint2(vm: PickleVM, at: int) -> None:
    vm.stack.append(struct.unpack("<H", vm.read(2))[0])


def _op_long1(vm: PickleVM, at: int) -> None:
    n = vm.read(1)[0]
    vm.stack.append(int.from_bytes(vm.read(n), "little", signed=True))


def _op_long4(vm: PickleVM, at: int) -> None:
    (n,) = struct.unpack("<i", vm.read(4))
    if n < 0:
        raise PickleSyntaxError("LONG pickle has negative byte count", at)
    data = vm.payload(n)
    vm.stack.append(int.from_bytes(data, "little", signed=True) if isinstance(data, bytes)
                    else Opaque(f"{n}-byte integer"))


def _op_binfloat(vm: PickleVM, at: int) -> None:
    vm.stack.append(struct.unpack(">d", vm.read(8))[0])


def _op_none(vm: PickleVM, at: int) -> None:
    vm.stack.append(None)


def _op_true(vm: PickleVM, at: int) -> None:
    vm.stack.append(True)


def _op_false(vm: PickleVM, at: int) -> None:
    vm.stack.append(False)


def _op_persid(vm: PickleVM, at: int) -> None:
    vm.stack.append(Opaque(f"persistent id {_text(vm.readline())[:80]}"))


def _op_binpersid(vm: PickleVM, at: int) -> None:
    pid = vm.pop()
    vm.stack.append(Opaque(f"persistent id {type(pid).__name__}"))


def _op_string(vm: PickleVM, at: int) -> None:
    data = _string_literal(vm.readline(), at)
    if len(data) >= DATA_MIN and data[:1] in DATA_LEADS and vm.on_data is not None:
        vm.on_data(data, at)
    vm.stack.append(_text(data))


def _op_binstring(vm: PickleVM, at: int) -> None:
    (n,) = struct.unpack("<i", vm.read(4))
    data = vm.payload(n)
    vm.stack.append(_text(data) if isinstance(data, bytes) else data)


def _op_short_binstring(vm: PickleVM, at: int) -> None:
    vm.stack.append(_text(vm.short()))


def _op_unicode(vm: PickleVM, at: int) -> None:
    vm.stack.append(vm.readline().decode("raw-unicode-escape", errors="replace"))


def _op_binunicode(vm: PickleVM, at: int) -> None:
    data = vm.payload_text(struct.unpack("<I", vm.read(4))[0])
    vm.stack.append(_text(data) if isinstance(data, bytes) else data)


def _op_short_binunicode(vm: PickleVM, at: int) -> None:
    vm.stack.append(_text(vm.short()))


def _op_binunicode8(vm: PickleVM, at: int) -> None:
    data = vm.payload_text(struct.unpack("<Q", vm.read(8))[0])
    vm.stack.append(_text(data) if isinstance(data, bytes) else data)


def _op_binbytes(vm: PickleVM, at: int) -> None:
    vm.stack.append(vm.payload(struct.unpack("<I", vm.read(4))[0]))


def _op_short_binbytes(vm: PickleVM, at: int) -> None:
    vm.stack.append(vm.short())


def _op_binbytes8(vm: PickleVM, at: int) -> None:
    vm.stack.append(vm.payload(struct.unpack("<Q", vm.read(8))[0]))


def _op_bytearray8(vm: PickleVM, at: int) -> None:
    vm.stack.append(vm.payload(struct.unpack("<Q", vm.read(8))[0]))


def _op_next_buffer(vm: PickleVM, at: int) -> None:
    vm.stack.append(Opaque("out-of-band buffer"))


def _op_readonly_buffer(vm: PickleVM, at: int) -> None:
    vm.top()


def _op_reduce(vm: PickleVM, at: int) -> None:
    args = vm.pop()
    func = vm.pop()
    _call(vm, func, args, at, "REDUCE")


def _op_build(vm: PickleVM, at: int) -> None:
    state = vm.pop()
    target = vm.top()
    vm.events.on_build(target, state, at)
    if isinstance(target, Call):
        target.state = state
        if target.attrs is None:
            vm.cost += COST_CONTAINER
            target.attrs = {}
        _merge_state(target.attrs, state)
    if vm.after_build is not None:
        vm.after_build(vm, target)


def _merge_state(attrs: dict[Any, Any], state: Any) -> None:
    """What ``load_build`` does to an instance without ``__setstate__``: dict, then slot state."""
    parts = state if isinstance(state, tuple) and len(state) == 2 else (state,)
    for part in parts:
        if isinstance(part, Container) and part.kind == "dict":
            attrs.update(part.pairs)
            if part.unhashable:
                attrs[Opaque("unhashable")] = None


def _op_global(vm: PickleVM, at: int) -> None:
    module = _text(vm.readline())
    name = _text(vm.readline())
    vm.stack.append(_global(vm, module, name, at, "GLOBAL"))


def _op_stack_global(vm: PickleVM, at: int) -> None:
    name = vm.pop()
    module = vm.pop()
    if not isinstance(module, str) or not isinstance(name, str):
        vm.events.on_problem("dynamic", "STACK_GLOBAL operands are not constant strings "
                             f"({type(module).__name__}, {type(name).__name__})", at)
        vm.stack.append(Opaque("unresolved global"))
        return
    vm.stack.append(_global(vm, module, name, at, "STACK_GLOBAL"))


def _op_inst(vm: PickleVM, at: int) -> None:
    module = _text(vm.readline())
    name = _text(vm.readline())
    glob = _global(vm, module, name, at, "INST")  # pickle._Unpickler imports before it checks the MARK
    args = tuple(vm.pop_mark())
    _call(vm, glob, args, at, "INST")


def _op_obj(vm: PickleVM, at: int) -> None:
    items = vm.pop_mark()
    if not items:
        raise PickleSyntaxError("OBJ without a class", at)
    _call(vm, items[0], tuple(items[1:]), at, "OBJ")


def _op_newobj(vm: PickleVM, at: int) -> None:
    args = vm.pop()
    cls = vm.pop()
    _call(vm, cls, args, at, "NEWOBJ")


def _op_newobj_ex(vm: PickleVM, at: int) -> None:
    kwargs = vm.pop()
    args = vm.pop()
    cls = vm.pop()
    _call(vm, cls, (args, kwargs), at, "NEWOBJ_EX")


def _ext(size: int) -> Callable[[PickleVM, int], None]:
    def handler(vm: PickleVM, at: int) -> None:
        raw = vm.read(size)
        code = int.from_bytes(raw, "little", signed=size == 4)
        vm.events.on_problem("ext", f"EXT{size} extension code {code}: imports a global through the copyreg "
                             "extension registry, which cannot be verified statically", at)
        vm.stack.append(Opaque(f"extension {code}"))

    return handler


def _op_dict(vm: PickleVM, at: int) -> None:
    items = vm.pop_mark()
    out = Container("dict")
    vm.cost += COST_CONTAINER
    for i in range(0, len(items) - 1, 2):
        _set(vm, out, items[i], items[i + 1])
    vm.stack.append(out)


def _op_empty_dict(vm: PickleVM, at: int) -> None:
    vm.cost += COST_CONTAINER
    vm.stack.append(Container("dict"))


def _op_list(vm: PickleVM, at: int) -> None:
    items = vm.pop_mark()
    vm.cost += COST_CONTAINER + COST_ITEM * len(items)
    vm.stack.append(Container("list", items, count=len(items)))


def _op_empty_list(vm: PickleVM, at: int) -> None:
    vm.cost += COST_CONTAINER
    vm.stack.append(Container("list"))


def _mutated(vm: PickleVM, target: Glob, opcode: str, at: int) -> None:
    """SETITEM/APPEND and friends on an imported global change it in the loading process (``mimetypes.types_map``,
    a registry, a scanner's allowlist), not a value the pickle built: reported, whatever the global (session 10)."""
    vm.events.on_problem("mutation", f"{opcode} changes the imported global {target.module}.{target.name} "
                         "in the process that loads the file", at)


def _op_append(vm: PickleVM, at: int) -> None:
    item = vm.pop()
    target = vm.top()
    if type(target) is Glob:  # checked inline: these opcodes are the hot path of large pickles
        _mutated(vm, target, "APPEND", at)
    if isinstance(target, Container):
        vm.cost += COST_ITEM
        _add(target, item)


def _op_appends(vm: PickleVM, at: int) -> None:
    items = vm.pop_mark()
    target = vm.top()
    if type(target) is Glob:  # checked inline: these opcodes are the hot path of large pickles
        _mutated(vm, target, "APPENDS", at)
    if isinstance(target, Container):
        vm.cost += COST_ITEM * len(items)
        if target.kind == "set":
            for item in items:
                _hashed_item(vm, item)
        target.items.extend(items)
        target.count += len(items)


def _op_setitem(vm: PickleVM, at: int) -> None:
    value = vm.pop()
    key = vm.pop()
    target = vm.top()
    if type(target) is Glob:  # checked inline: these opcodes are the hot path of large pickles
        _mutated(vm, target, "SETITEM", at)
    _set(vm, target, key, value)


def _op_setitems(vm: PickleVM, at: int) -> None:
    items = vm.pop_mark()
    target = vm.top()
    if type(target) is Glob:  # checked inline: these opcodes are the hot path of large pickles
        _mutated(vm, target, "SETITEMS", at)
    if not isinstance(target, Container):  # an OrderedDict or other mapping built by a call: its items still count
        for i in range(0, len(items) - 1, 2):
            _config_item(vm, items[i], items[i + 1])
            if type(target) is Call and type(items[i + 1]) is Glob:
                _hold(target, items[i + 1])
        return
    for i in range(0, len(items) - 1, 2):
        _set(vm, target, items[i], items[i + 1])


def _op_tuple(vm: PickleVM, at: int) -> None:
    items = tuple(vm.pop_mark())  # before touching vm.stack: pop_mark replaces it
    vm.cost += COST_ITEM * len(items)
    vm.stack.append(items)


def _op_empty_tuple(vm: PickleVM, at: int) -> None:
    vm.stack.append(())


def _tuple_n(n: int) -> Callable[[PickleVM, int], None]:
    def handler(vm: PickleVM, at: int) -> None:
        if len(vm.stack) < n:
            raise PickleSyntaxError("stack underflow", at)
        items = tuple(vm.stack[-n:])
        del vm.stack[-n:]
        vm.cost += COST_ITEM * n
        vm.stack.append(items)

    return handler


def _op_empty_set(vm: PickleVM, at: int) -> None:
    vm.cost += COST_CONTAINER
    vm.stack.append(Container("set"))


def _op_additems(vm: PickleVM, at: int) -> None:
    items = vm.pop_mark()
    target = vm.top()
    if type(target) is Glob:  # checked inline: these opcodes are the hot path of large pickles
        _mutated(vm, target, "ADDITEMS", at)
    if isinstance(target, Container):
        vm.cost += COST_ITEM * len(items)
        if target.kind == "set":
            for item in items:
                _hashed_item(vm, item)
        target.items.extend(items)
        target.count += len(items)


def _op_frozenset(vm: PickleVM, at: int) -> None:
    items = vm.pop_mark()
    vm.cost += COST_CONTAINER + COST_ITEM * len(items)
    for item in items:
        _hashed_item(vm, item)
    vm.stack.append(Container("frozenset", items, count=len(items)))


def _op_get(vm: PickleVM, at: int) -> None:
    vm.memo_get(_c_long_from_string(vm.readline(), 10, at))


def _op_binget(vm: PickleVM, at: int) -> None:
    vm.memo_get(vm.read(1)[0])


def _op_long_binget(vm: PickleVM, at: int) -> None:
    vm.memo_get(struct.unpack("<I", vm.read(4))[0])


def _op_put(vm: PickleVM, at: int) -> None:
    vm.memo_put(_c_long_from_string(vm.readline(), 10, at))


def _op_binput(vm: PickleVM, at: int) -> None:
    vm.memo_put(vm.read(1)[0])


def _op_long_binput(vm: PickleVM, at: int) -> None:
    vm.memo_put(int.from_bytes(vm.read(4), "little"))


def _op_memoize(vm: PickleVM, at: int) -> None:
    vm.memo_put(len(vm.memo))


def _op_proto(vm: PickleVM, at: int) -> None:
    proto = vm.read(1)[0]
    if proto > 5:
        raise PickleSyntaxError(f"unsupported pickle protocol {proto}", at)
    vm.protocol = proto


def _op_frame(vm: PickleVM, at: int) -> None:
    """C reads a frame's bytes ahead and rewinds: opcodes run in order, so frames change nothing here."""
    (size,) = struct.unpack("<Q", vm.read(8))
    if at < vm.frame_end != NO_FRAME:
        vm.events.on_problem("framing", "a FRAME begins inside another FRAME: pickle._Unpickler rejects it, the C "
                             "unpickler goes on (the two loaders disagree)", at)
    vm.frame_end = vm.pos + size


_HANDLERS: dict[int, Callable[[PickleVM, int], None]] = {
    ord("("): _op_mark, ord("0"): _op_pop, ord("1"): _op_pop_mark, ord("2"): _op_dup, ord("F"): _op_float,
    ord("I"): _op_int, ord("J"): _op_binint, ord("K"): _op_binint1, ord("L"): _op_long, ord("M"): _op_binint2,
    ord("N"): _op_none, ord("P"): _op_persid, ord("Q"): _op_binpersid, ord("R"): _op_reduce,
    ord("S"): _op_string, ord("T"): _op_binstring, ord("U"): _op_short_binstring, ord("V"): _op_unicode,
    ord("X"): _op_binunicode, ord("a"): _op_append, ord("b"): _op_build, ord("c"): _op_global, ord("d"): _op_dict,
    ord("}"): _op_empty_dict, ord("e"): _op_appends, ord("g"): _op_get, ord("h"): _op_binget, ord("i"): _op_inst,
    ord("j"): _op_long_binget, ord("l"): _op_list, ord("]"): _op_empty_list, ord("o"): _op_obj, ord("p"): _op_put,
    ord("q"): _op_binput, ord("r"): _op_long_binput, ord("s"): _op_setitem, ord("t"): _op_tuple,
    ord(")"): _op_empty_tuple, ord("u"): _op_setitems, ord("G"): _op_binfloat,
    0x80: _op_proto, 0x81: _op_newobj, 0x82: _ext(1), 0x83: _ext(2), 0x84: _ext(4), 0x85: _tuple_n(1),
    0x86: _tuple_n(2), 0x87: _tuple_n(3), 0x88: _op_true, 0x89: _op_false, 0x8A: _op_long1, 0x8B: _op_long4,
    ord("B"): _op_binbytes, ord("C"): _op_short_binbytes,
    0x8C: _op_short_binunicode, 0x8D: _op_binunicode8, 0x8E: _op_binbytes8, 0x8F: _op_empty_set,
    0x90: _op_additems, 0x91: _op_frozenset, 0x92: _op_newobj_ex, 0x93: _op_stack_global, 0x94: _op_memoize,
    0x95: _op_frame, 0x96: _op_bytearray8, 0x97: _op_next_buffer, 0x98: _op_readonly_buffer,
}
VALID_OPCODES = frozenset(_HANDLERS) | {ord(".")}
