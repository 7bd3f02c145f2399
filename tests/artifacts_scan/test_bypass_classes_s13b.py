"""Session 13b red team (round 11): keys a chat's messages choose, safetensors headers with repeated keys, and
Python source that starts programs through functions the scanner did not list.

Each attack was checked in a throwaway interpreter under ``/tmp/s13b`` (Python 3.11.7, jinja2 3.1.6, safetensors
0.8.0, main's venv) with a harmless payload (``touch /tmp/s13b/RAN_<case>``): the templates were rendered by a plain
``jinja2.Environment`` (what llama-cpp-python before 0.2.72 used, CVE-2024-34359) with messages that spell the
attribute names; the Python files were run by the interpreter, as MLflow imports a ``loader_module``. Nothing is
rendered or run here: samples are written in memory and scanned.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from scan_helpers import chat_template_container, scan_named

from mlsecure.artifacts.scan import Verdict
from mlsecure.artifacts.scan.chat_template import template_problems
from mlsecure.findings import Severity

# --- chat templates: lookups whose key the conversation chooses ----------------------------------------------------

# Each ran ``touch`` under jinja2.Environment() with a message such as {"role": "x", "a": "__globals__", ...}.
CONVERSATION_KEYED = [
    # a Jinja global indexed by message fields: lipsum.__globals__.os.popen(cmd).read() (ran: RAN_direct)
    "{% for m in messages %}{% if m.role == 'x' %}{{ lipsum[m.name][m.mod][m.fn](m.content)[m.r]() }}{% endif %}"
    "{{ m.content }}{% endfor %}",
    # the names split out of the message text (no separator constant the template could be blamed for)
    "{% for m in messages %}{% if m.role == 'x' %}{% set p = m.content.split() %}"
    "{{ cycler[p[0]][p[1]][p[2]](p[3]) }}{% endif %}{% endfor %}",
    # from the message's own string: ''.__class__.__base__.__subclasses__() then os._wrap_close's globals (RAN_chain)
    "{% for m in messages %}{% if m.role == 'x' %}{% for c in m.content[m.a][m.b][m.c]() %}{% if c[m.d] == m.e %}"
    "{{ c[m.f][m.g][m.h](m.cmd) }}{% endif %}{% endfor %}{% endif %}{% endfor %}",
    # an attribute path from the message: [lipsum]|map(attribute="__globals__.os.popen") (RAN_mapcall)
    "{% for m in messages %}{% if m.role == 'x' %}{{ ([lipsum]|map(attribute=m.p)|first)(m.cmd) }}{% endif %}"
    "{% endfor %}",
    # a global under another name, then a call of what a message key picked
    "{% set o = joiner %}{% for m in messages %}{% set f = o[m.k] %}{{ f() }}{% endfor %}",
    "{% for m in messages %}{% set f = m[m.k] %}{{ f(m.arg) }}{% endfor %}",
    # a string key dressed as arithmetic: 'x' * 1 is 'x'
    "{% for m in messages %}{{ lipsum[m.a * 1][m.b * 1][m.c * 1](m.cmd) }}{% endfor %}",
    # a macro argument indexed by a message field
    "{% macro pick(o, k) %}{{ o[k][k]() }}{% endmacro %}{% for m in messages %}{{ pick(namespace, m.k) }}{% endfor %}",
]

DATA_LOOKUPS = [  # real templates index data by data: keys of the same object, integer positions
    "{% for m in messages %}{% for k in m %}{{ k }}={{ m[k] }} {% endfor %}{% endfor %}",
    "{% for t in tools %}{% for k, v in t.items() %}{{ t[k] }}{% endfor %}{% for k in t|dictsort %}{% endfor %}"
    "{% endfor %}",
    "{% for m in messages %}{% if not loop.first %}{{ messages[loop.index0 - 1]['role'] }}{% endif %}"
    "{{ ['user', 'assistant'][loop.index0 % 2] }}{% endfor %}",
    "{% for i in range(messages|length) %}{{ messages[i]['content'].strip() }}{{ messages[-1].role }}{% endfor %}",
    "{% set ns = namespace(last=0) %}{% for m in messages %}{% set ns.last = loop.index0 %}{% endfor %}"
    "{{ messages[ns.last].content.upper() }}",
]


@pytest.mark.parametrize("template", CONVERSATION_KEYED)
def test_conversation_keyed_lookups_are_found(template: str) -> None:
    found, note, verified = template_problems(template)
    assert found and verified, (found, note)
    assert any("conversation" in item for item in found), found


@pytest.mark.parametrize("template", CONVERSATION_KEYED[:4])
@pytest.mark.parametrize("container", ["tokenizer_config.json", "model.gguf"])
def test_conversation_keyed_templates_are_critical(tmp_path: Path, template: str, container: str) -> None:
    data = chat_template_container(container, template)
    verdict, worst, titles = scan_named(tmp_path, container, data)
    assert worst is Severity.CRITICAL and verdict is Verdict.MALICIOUS, titles


@pytest.mark.parametrize("template", DATA_LOOKUPS)
def test_data_lookups_stay_clean(template: str) -> None:
    found, _, verified = template_problems(template)  # the sample render has no tools: a TypeError note is fine
    assert found == [] and verified


def test_self_referencing_assignments_terminate() -> None:
    # forty ``set x = x[m.k]`` lines: every one refers to every other (memoised, answered once per node)
    template = "{% set x = lipsum %}" + "{% set x = x[messages[0].k] %}" * 40 + "{{ x }}"
    found, _, _ = template_problems(template)
    assert "[key from the conversation] on an object of the template" in found


# --- safetensors headers that name a key twice ---------------------------------------------------------------------

_TENSOR = '{"dtype":"F32","shape":[2],"data_offsets":[0,8]}'
_HYDRA = json.dumps(json.dumps({"_target_": "os.system", "command": "touch /tmp/x"}))


def _safetensors(header: str) -> bytes:
    raw = header.encode()
    return struct.pack("<Q", len(raw)) + raw + b"\0" * 8


@pytest.mark.parametrize(
    ("header", "worst"),
    [
        # safetensors' metadata() returns {"config": "{}"} (the last); the first value is a Hydra call
        ('{"__metadata__":{"config":' + _HYDRA + ',"config":"{}"},"a":' + _TENSOR + "}", Severity.CRITICAL),
        # safetensors refuses a second __metadata__; json.loads keeps the second, the payload was in the first
        (
            '{"__metadata__":{"config":' + _HYDRA + '},"__metadata__":{"config":"{}"},"a":' + _TENSOR + "}",
            Severity.CRITICAL,
        ),
        ('{"__metadata__":{"x":"1"},"__metadata__":{"x":"2"},"a":' + _TENSOR + "}", Severity.MEDIUM),
        ('{"a":' + _TENSOR + ',"a":' + _TENSOR + "}", Severity.MEDIUM),  # readers disagree on which tensor "a" is
    ],
)
def test_repeated_header_keys_are_checked_and_reported(tmp_path: Path, header: str, worst: Severity) -> None:
    _, found, titles = scan_named(tmp_path, "m.safetensors", _safetensors(header))
    assert found is worst, titles
    assert any("more than once" in title for title in titles), titles


def test_plain_safetensors_header_stays_safe(tmp_path: Path) -> None:
    header = '{"__metadata__":{"format":"pt","note":"x"},"a":' + _TENSOR + "}"
    verdict, worst, titles = scan_named(tmp_path, "m.safetensors", _safetensors(header))
    assert verdict is Verdict.SAFE and worst <= Severity.LOW, titles


def test_metadata_keys_past_the_read_limit_are_a_finding(tmp_path: Path) -> None:
    """Only the first ``MAX_METADATA_KEYS`` values are judged: a payload in key 10,001 was "safe" (nothing said)."""
    from mlsecure.artifacts.scan.safetensors_scan import MAX_METADATA_KEYS

    filler = ",".join(f'"k{i}":"v"' for i in range(MAX_METADATA_KEYS))
    header = '{"__metadata__":{' + filler + ',"config":' + _HYDRA + '},"a":' + _TENSOR + "}"
    _, found, titles = scan_named(tmp_path, "m.safetensors", _safetensors(header))
    assert found is Severity.MEDIUM, titles
    assert f"cannot verify __metadata__: 10001 keys, only the first {MAX_METADATA_KEYS} were checked" in titles


def test_metadata_at_the_read_limit_is_fully_checked(tmp_path: Path) -> None:
    from mlsecure.artifacts.scan.safetensors_scan import MAX_METADATA_KEYS

    filler = ",".join(f'"k{i}":"v"' for i in range(MAX_METADATA_KEYS))
    header = '{"__metadata__":{' + filler + '},"a":' + _TENSOR + "}"
    _, found, titles = scan_named(tmp_path, "m.safetensors", _safetensors(header))
    assert found < Severity.MEDIUM, titles


# --- Python source a loader imports: programs started through unlisted functions -----------------------------------

# Each file, run by the interpreter, created its RAN_ file (posix_spawn inside the loader function MLflow calls).
PROCESS_SOURCES = [
    'import os\n\ndef _load_pyfunc(p):\n    os.posix_spawn("/bin/sh", ["sh", "-c", "touch /tmp/x"], {})\n',
    'import os\nos.posix_spawnp("touch", ["touch", "/tmp/x"], {})\n',
    'import os\nos.spawnlp(os.P_WAIT, "touch", "touch", "/tmp/x")\n',
    'import os\nos.execvpe("touch", ["touch", "/tmp/x"], os.environ)\n',
    'import asyncio\n\nasync def go():\n    p = await asyncio.create_subprocess_shell("touch /tmp/x")\n'
    "    await p.wait()\n\nasyncio.run(go())\n",
    "from asyncio import create_subprocess_exec as start\n",
    'import pydoc\npydoc.pipepager("x", "touch /tmp/x")\n',
    'import multiprocessing.util as u\nu.spawnv_passfds(b"/usr/bin/touch", [b"touch", b"/tmp/x"], ())\n',
    'import os\nrun = os.system\nrun("touch /tmp/x")\n',  # referenced, called under another name
    # a module under another name (ran: RAN_sp_alias, RAN_pk_alias)
    'import subprocess as sp\nsp.run(["touch", "/tmp/x"])\n',
    'import pickle as p\np.loads(b"cposix\\nsystem\\n(Vtouch /tmp/x\\ntR.")\n',
    'import runpy as r\nr.run_path("/tmp/x.py")\n',
    # the standard library's other ways to run a string of Python (ran: RAN_timeit, RAN_cprof, RAN_code, RAN_timer)
    "import timeit\ntimeit.timeit(\"import os; os.system('touch /tmp/x')\", number=1)\n",
    'import cProfile\ncProfile.run("import os")\n',
    'import code\ncode.InteractiveInterpreter().runsource("import os")\n',
    'from timeit import Timer as T\nT("import os").timeit(1)\n',
    'import pdb\npdb.Pdb().runeval("1")\n',
    'import functools\nimport os\nfunctools.partial(os.popen, "touch /tmp/x")()\n',
]


@pytest.mark.parametrize("source", PROCESS_SOURCES)
def test_python_source_starting_programs_is_high(tmp_path: Path, source: str) -> None:
    _, worst, titles = scan_named(tmp_path, "code/my_loader.py", source)
    assert worst is Severity.HIGH, titles


@pytest.mark.parametrize(
    "source",
    [
        "import sqlite3\n\ndef load(path):\n    cur = sqlite3.connect(path).cursor()\n"
        '    cur.execute("select 1")\n    return cur.executemany\n',
        "import os\n\ndef _load_pyfunc(path):\n    return open(os.path.join(path, 'w.txt')).read()\n",
    ],
)
def test_ordinary_loader_code_stays_medium(tmp_path: Path, source: str) -> None:
    _, worst, titles = scan_named(tmp_path, "code/my_loader.py", source)
    assert worst is Severity.MEDIUM, titles
