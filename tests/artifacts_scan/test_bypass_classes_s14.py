"""Session 14 red team (round 12): chat templates that carry a looked-up value, or a key, through a binding or a
value-returning expression the template walk did not follow; Python source a loader imports that reaches a module
or function by a name it spells at run time.

Each attack was checked in a throwaway interpreter under ``/tmp/s14`` (Python 3.11.7, jinja2 3.1.6, main's venv)
with a harmless payload (``touch /tmp/s14/RAN_<case>``): the templates were rendered by a plain
``jinja2.Environment`` (what llama-cpp-python before 0.2.72 used, CVE-2024-34359) with a message that spells the
attribute names, ``{"role": "x", "a": "__class__", "b": "__mro__", "c": "__subclasses__", ...}``; the Python files
were run by the interpreter. Nothing is rendered or run here: samples are written in memory and scanned.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from protobuf_bytes import msg, vint
from scan_helpers import chat_template_container, scan_named

from mlsecure.artifacts.scan import Verdict
from mlsecure.artifacts.scan.chat_template import template_problems
from mlsecure.findings import Severity

# --- chat templates: values and keys carried where the walk did not look ------------------------------------------

_GO = "{% for m in messages %}{% if m.role == 'x' %}"
_END = "{% endif %}{% endfor %}"
# ''.__class__.__mro__[1].__subclasses__(), then os._wrap_close.__init__.__globals__.system(cmd), each step's
# result handed on through a construct the walk did not follow (all ran: RAN_list, RAN_with, RAN_unpack,
# RAN_defarg, RAN_or, RAN_macro, RAN_callblock)
CARRIED = {
    "one-item list": _GO + "{% set t = [m.content[m.a]][0] %}{% set mro = [t[m.b]][0] %}"
    "{% set subs = [[mro[1]][0][m.c]][0]() %}{% for c in subs %}{% if [c][0][m.d] == m.w %}"
    "{{ [[[[c][0][m.e]][0][m.f]][0][m.g]][0](m.cmd) }}{% endif %}{% endfor %}" + _END,
    "with binding": _GO + "{% with t = m.content[m.a] %}{% with mro = t[m.b] %}{% with s = mro[1][m.c] %}"
    "{% with l = s() %}{% for c in l %}{% if c[m.d] == m.w %}{% with i = c[m.e] %}{% with g = i[m.f] %}"
    "{% with r = g[m.g] %}{{ r(m.cmd) }}{% endwith %}{% endwith %}{% endwith %}{% endif %}{% endfor %}"
    "{% endwith %}{% endwith %}{% endwith %}{% endwith %}" + _END,
    "tuple unpacking": _GO + "{% set t, z = m.content[m.a], m.role %}{% set mro, z = t[m.b], m.role %}"
    "{% set s, z = mro[1][m.c], m.role %}{% set l, z = s(), m.role %}{% for c in l %}"
    "{% set n, z = c[m.d], m.role %}{% if n == m.w %}{% set i, z = c[m.e], m.role %}"
    "{% set g, z = i[m.f], m.role %}{% set r, z = g[m.g], m.role %}{{ r(m.cmd) }}{% endif %}{% endfor %}" + _END,
    "filter argument": _GO + "{% set t = nothing|default(m.content[m.a]) %}{% set mro = nothing|default(t[m.b]) %}"
    "{% set s = nothing|default(mro[1][m.c]) %}{% for c in (nothing|default(s))() %}"
    "{% if (nothing|default(c))[m.d] == m.w %}"
    "{{ (nothing|default((nothing|default((nothing|default(c[m.e]))[m.f]))[m.g]))(m.cmd) }}{% endif %}"
    "{% endfor %}" + _END,
    "or operand": _GO + "{% set t = (false or m.content[m.a]) %}{% set mro = (false or t[m.b]) %}"
    "{% set s = (false or mro[1][m.c]) %}{% for c in s() %}{% if c[m.d] == m.w %}"
    "{{ (false or (false or (false or c[m.e])[m.f])[m.g])(m.cmd) }}{% endif %}{% endfor %}" + _END,
    # macro parameters shadow top-level names set to numbers: o[a][b][c] looked like integer indexing
    "macro parameters": "{% set a = 0 %}{% set b = 0 %}{% set c = 0 %}"
    "{% macro f(o, a, b, c, d) %}{{ o[a][b][c](d) }}{% endmacro %}"
    "{% if messages[0].content == 'go' %}{{ f(lipsum, '__globals__', 'os', 'system', 'touch x') }}{% endif %}",
    "call-block parameters": "{% set k = 0 %}{% set j = 0 %}{% macro f() %}{{ caller('__globals__', 'os') }}"
    "{% endmacro %}{% if messages[0].content == 'go' %}{% call(k, j) f() %}{{ lipsum[k][j].system('touch x') }}"
    "{% endcall %}{% endif %}",
    # the macro called under another name, its arguments from the conversation (ran: RAN_alias)
    "macro under another name": "{% set a = 0 %}{% set b = 0 %}{% set c = 0 %}"
    "{% macro f(o, a, b, c, d) %}{{ o[a][b][c](d) }}{% endmacro %}{% set g = f %}{% for m in messages %}"
    "{% if m.role == 'x' %}{{ g(lipsum, m.a, m.b, m.c, m.cmd) }}{% endif %}{% endfor %}",
    # the arguments unpacked from a message list: no call site shows them (ran: RAN_star)
    "macro with unpacked arguments": "{% set a = 0 %}{% set b = 0 %}{% set c = 0 %}"
    "{% macro f(o, a, b, c, d) %}{{ o[a][b][c](d) }}{% endmacro %}{% for m in messages %}"
    "{% if m.role == 'x' %}{{ f(lipsum, *m.names) }}{% endif %}{% endfor %}",
    # the loop object hands back the item before: loop.previtem (ran: RAN_previtem)
    "loop.previtem": _GO
    + "{% for v in [m.content[m.a], m.role] %}{% if loop.last %}{% set t = loop.previtem %}"
    + "{% for w in [t[m.b], m.role] %}{% if loop.last %}{% for s in [loop.previtem[1][m.c], m.role] %}"
    + "{% if loop.last %}{% for c in (loop.previtem)() %}{% if c[m.d] == m.w %}"
    + "{% for i in [c[m.e], m.role] %}{% if loop.last %}{% for g in [loop.previtem[m.f], m.role] %}"
    + "{% if loop.last %}{% for r in [loop.previtem[m.g], m.role] %}{% if loop.last %}"
    + "{{ loop.previtem(m.cmd) }}{% endif %}{% endfor %}{% endif %}{% endfor %}{% endif %}{% endfor %}"
    + "{% endif %}{% endfor %}{% endif %}{% endfor %}{% endif %}{% endfor %}{% endif %}{% endfor %}"
    + _END,
    # a recursive loop's call binds its target to what it is given (ran: RAN_recursive)
    "recursive loop": _GO
    + "{% for v in [m.content] recursive %}{% set outer = loop %}{% if loop.depth == 1 %}"
    + "{{ loop([v[m.a]]) }}{% elif loop.depth == 2 %}{{ loop([v[m.b]]) }}{% elif loop.depth == 3 %}"
    + "{{ loop([v[1]]) }}{% elif loop.depth == 4 %}{{ loop([v[m.c]]) }}{% elif loop.depth == 5 %}"
    + "{% for c in v() %}{% if c[m.d] == m.w %}{{ outer([c]) }}{% endif %}{% endfor %}"
    + "{% elif loop.depth == 6 %}{{ loop([v[m.e]]) }}{% elif loop.depth == 7 %}"
    + "{{ loop([v[m.f]]) }}{% elif loop.depth == 8 %}{{ loop([v[m.g]]) }}{% else %}"
    + "{{ v(m.cmd) }}{% endif %}{% endfor %}"
    + _END,
}

CARRIED_CONTROLS = [  # shapes real templates use with the same constructs: data stays data
    "{% macro render(message) %}{{ message['role'] }}: {{ message['content'] }}{% endmacro %}"
    "{% for message in messages %}{{ render(message) }}{% endfor %}",
    "{% for m in messages %}{% with c = (m.content or '')|trim %}{{ c }}{% endwith %}{% endfor %}",
    "{% for m in messages %}{% set content, role = m.content, m.role %}{{ role }}{{ content }}{% endfor %}",
    "{% set ns = namespace(found=false, sys=none) %}{% for m in messages %}{% if m.role == 'system' %}"
    "{% set ns.sys = m %}{% endif %}{% endfor %}{{ (ns.sys or {}).content|default('') }}",
    "{% macro tool(t, depth=0) %}{% for k, v in t.items() %}{{ k }}={{ t[k] }}{% endfor %}{% endmacro %}"
    "{% for t in tools or [] %}{{ tool(t) }}{% endfor %}",
    "{% macro pick(items, i) %}{{ items[i] }}{% endmacro %}{% for m in messages %}{{ pick(messages, loop.index0) }}"
    "{% endfor %}",
]


@pytest.mark.parametrize("name", list(CARRIED))
def test_carried_lookups_are_found(name: str) -> None:
    found, note, verified = template_problems(CARRIED[name])
    assert found and verified, (found, note)


@pytest.mark.parametrize("name", ["one-item list", "with binding", "macro parameters"])
@pytest.mark.parametrize("container", ["tokenizer_config.json", "model.gguf"])
def test_carried_lookups_are_critical(tmp_path: Path, name: str, container: str) -> None:
    template = CARRIED[name]
    data = chat_template_container(container, template)
    verdict, worst, titles = scan_named(tmp_path, container, data)
    assert worst is Severity.CRITICAL and verdict is Verdict.MALICIOUS, titles


def test_macro_call_site_strings_are_named() -> None:
    """A constant a call site passes is checked like one written at the lookup: the finding names it."""
    found, _, _ = template_problems(CARRIED["macro parameters"])
    assert "['__globals__']" in found, found


@pytest.mark.parametrize("template", CARRIED_CONTROLS)
def test_carried_data_stays_clean(template: str) -> None:
    found, note, verified = template_problems(template)
    assert found == [] and verified, (found, note)


# --- Python source a loader imports: modules and functions reached by a name spelled at run time --------------------

# Each ran ``touch`` when run by the interpreter (what Hugging Face trust_remote_code, PyTorch Hub's hubconf.py and
# MLflow's loader_module import do): RAN_imp_var ... RAN_data_names (/tmp/s14/py/*.py). All were medium "not verified".
DYNAMIC_NAME_SOURCES = {
    "import_module of a folded name": "import importlib\nNAME = 'o' 's'\nmod = importlib.import_module(NAME)\n"
    "getattr(mod, 'sys' 'tem')('touch /tmp/x')\n",
    "module bound by import_module": "import importlib\nsp = importlib.import_module('subprocess')\n"
    "sp.call(['touch', '/tmp/x'])\n",
    "pydoc.locate": "import pydoc\npydoc.locate('os.' + 'system')('touch /tmp/x')\n",
    "pkgutil.resolve_name": "import pkgutil\npkgutil.resolve_name('os:' + 'system')('touch /tmp/x')\n",
    "sys.modules": "import sys, os\nm = sys.modules['o' + 's']\nf = getattr(m, 'sys' + 'tem')\nf('touch /tmp/x')\n",
    "sys.modules.get": "import sys\nm = sys.modules.get(''.join(['o', 's']))\n"
    "m.__getattribute__('sys' + 'tem')('touch /tmp/x')\n",
    "import_module imported under another name": "from importlib import import_module as im\n"
    "f = getattr(im('o' + 's'), 'sys' + 'tem')\nf('touch /tmp/x')\n",
    "operator.attrgetter on os": "import operator, os\nf = operator.attrgetter('sys' + 'tem')(os)\nf('touch /tmp/x')\n",
    "vars(os)": "import os\nvars(os)['sys' + 'tem']('touch /tmp/x')\n",
    "os.__dict__": "import os\nos.__dict__['sys' + 'tem']('touch /tmp/x')\n",
    "getattr under another name": "import os as o\nga = getattr\nga(o, 'sys' + 'tem')('touch /tmp/x')\n",
    "another module's os": "import shutil\ngetattr(shutil.os, 'sys' + 'tem')('touch /tmp/x')\n",
    "eval under another name": "e = eval\ne(\"__import__('os').system('touch /tmp/x')\")\n",
    # names read from a file the model ships: nothing in the source says which function runs
    "names from data": "import importlib, json, pathlib\n"
    "cfg = json.loads(pathlib.Path(__file__).with_name('c.json').read_text())\n"
    "mod = importlib.import_module(cfg['m'])\ngetattr(mod, cfg['f'])(cfg['a'])\n",
    "hubconf.py": "dependencies = ['torch']\nimport importlib\n_m = importlib.import_module(''.join(['o', 's']))\n"
    "run = getattr(_m, ''.join(['sys', 'tem']))\n\ndef model(**kw):\n    return None\n",
}

DYNAMIC_NAME_CONTROLS = [  # what real model code does with the same functions: medium, as before
    "import importlib\nif importlib.util.find_spec('flash_attn') is not None:\n"
    "    fa = importlib.import_module('flash_attn')\n",
    "import importlib\n\ndef get(name):\n    module = importlib.import_module(f'.{name}', 'transformers.models')\n"
    "    return getattr(module, 'Config' + name)\n",
    "import importlib\n\ndef act(name):\n    return getattr(importlib.import_module('torch.nn'), name)\n",
    "import sys\n\ndef here(name):\n    return getattr(sys.modules[__name__], name)\n",
    "import sys\nsys.modules[__name__].VERSION = '1'\nFROZEN = getattr(sys, 'frozen', False)\n",
    "import operator\nkey = operator.attrgetter('score')\n",
]


@pytest.mark.parametrize("name", list(DYNAMIC_NAME_SOURCES))
def test_names_spelled_at_run_time_are_high(tmp_path: Path, name: str) -> None:
    filename = "hubconf.py" if name == "hubconf.py" else "modeling_custom.py"
    verdict, worst, titles = scan_named(tmp_path, filename, DYNAMIC_NAME_SOURCES[name])
    assert worst is Severity.HIGH and verdict is Verdict.MALICIOUS, titles


@pytest.mark.parametrize("source", DYNAMIC_NAME_CONTROLS)
def test_confined_dynamic_imports_stay_medium(tmp_path: Path, source: str) -> None:
    _, worst, titles = scan_named(tmp_path, "modeling_custom.py", source)
    assert worst is Severity.MEDIUM, titles


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'o' + 's'", "os"),
        ("'o' 's'", "os"),
        ("''.join(['sys', 'tem'])", "system"),
        ("'%s.%s' % ('os', 'x')", "os.x"),
        ("f'os.{NAME}'", "os.system"),
        ("NAME", "system"),
        ("name + 's'", None),
        ("'%d' % (1,)", None),
    ],
)
def test_folded_string_known_answers(expression: str, expected: str | None) -> None:
    from mlsecure.artifacts.scan.dynamic_names import folded_string

    expr = ast.parse(expression, mode="eval").body
    assert folded_string(expr, {"NAME": "system"}) == expected


# --- TensorFlow DatasetFromGraph: a graph carried as a serialized GraphDef string ------------------------------------

# No TensorFlow here to run one: per the raw-ops documentation, DatasetFromGraph(graph_def) builds a dataset from
# the serialized GraphDef it is given, so that graph's ops run when the dataset is iterated. Its ops were not read.


def _node(name: str, op: str, attrs: bytes = b"") -> bytes:
    return msg(1, name.encode()) + msg(2, op.encode()) + attrs


def _graph(*nodes: bytes) -> bytes:
    return b"".join(msg(1, node) for node in nodes)


def _string_const(name: str, value: bytes) -> bytes:
    """A Const node whose ``value`` attr holds a string tensor (AttrValue.tensor 8 -> TensorProto.string_val 8)."""
    tensor = vint(1, 7) + msg(8, value)  # dtype DT_STRING
    return _node(name, "Const", msg(5, msg(1, b"value") + msg(2, msg(8, tensor))))


def _saved_model(graph: bytes) -> bytes:
    meta = msg(1, msg(4, b"serve") + msg(2, b"tensorflow")) + msg(2, graph)
    return vint(1, 1) + msg(2, meta)


@pytest.mark.parametrize(
    ("inner", "worst"),
    [
        (_graph(_node("w", "WriteFile"), _node("r", "ReadFile")), Severity.HIGH),
        # a DatasetFromGraph inside the carried graph, carrying a PyFunc
        (_graph(_string_const("g2", _graph(_node("p", "PyFunc"))), _node("d2", "DatasetFromGraph")), Severity.CRITICAL),
        (_graph(_node("a", "Add")), Severity.MEDIUM),  # the op itself: its string may be computed elsewhere
    ],
)
def test_dataset_from_graph_ops_are_judged(tmp_path: Path, inner: bytes, worst: Severity) -> None:
    graph = _graph(_string_const("g", inner), _node("d", "DatasetFromGraph"))
    verdict, top, titles = scan_named(tmp_path, "m/saved_model.pb", _saved_model(graph))
    assert top is worst and verdict is not Verdict.SAFE, titles


def test_string_constant_nothing_runs_stays_safe(tmp_path: Path) -> None:
    """A string that happens to parse as a graph is data unless a DatasetFromGraph runs it."""
    graph = _graph(_string_const("g", _graph(_node("w", "WriteFile"))), _node("x", "Identity"))
    verdict, top, titles = scan_named(tmp_path, "m/saved_model.pb", _saved_model(graph))
    assert verdict is Verdict.SAFE and top is Severity.INFO, titles


def test_dataset_from_graph_nested_past_the_limit_is_not_verified(tmp_path: Path) -> None:
    """Graphs carried deeper than the scanner reads are a failing "not verified" finding, never left unread quietly."""
    from mlsecure.artifacts.scan.savedmodel_scan import MAX_NESTED_GRAPHS

    inner = _graph(_node("p", "PyFunc"))
    for level in range(MAX_NESTED_GRAPHS + 1):
        inner = _graph(_string_const(f"g{level}", inner), _node(f"d{level}", "DatasetFromGraph"))
    verdict, top, titles = scan_named(tmp_path, "m/saved_model.pb", _saved_model(inner))
    assert top is Severity.HIGH and verdict is not Verdict.SAFE, titles
    assert any("nested more than" in title for title in titles), titles
