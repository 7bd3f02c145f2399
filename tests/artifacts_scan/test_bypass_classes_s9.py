"""Bypasses found by the session-9 red team (round 6): the peers' published advisories first, then what they led to.
Each sample is built here from bytes or text; nothing is loaded. Where a loader ran a sample (in a throwaway
interpreter under /tmp, ``os.getcwd`` as the payload) the test says so.

- Pickle callables that evaluate a string argument, none on the denylist (each **ran** ``os.getcwd`` under
  ``pickle.loads`` on Python 3.11): ``typing.get_type_hints`` evaluates an object's string annotations,
  ``dataclasses._create_fn`` execs a ``def`` whose defaults are code, ``_xxsubinterpreters.run_string`` and
  ``_testcapi.run_in_subinterp`` run source in a subinterpreter, ``mailcap.findmatch`` runs an entry's ``test``
  command (modelscan PR #346), ``warnings._getcategory`` imports any module. All were medium ("unverified import":
  ``--fail-on high`` passed them); now critical, and CPython's other private modules high.
- ``numpy.core._ufunc_reconstruct("os", "getcwd")`` (NumPy 1.x's ufunc reducer) resolves a global from two strings,
  with no GLOBAL opcode naming it; handed to the allowlisted ``torch._tensor._rebuild_from_type_v2`` (which calls its
  first argument) it **ran** under ``pickle.loads``: medium before, now the resolved pair is judged (critical).
- modelscan issue #338 (MLflow's project runner), NumPy 2's ``memmap`` module path, ``torch.from_file``: medium,
  now critical / high.
- Keras ``TFSMLayer(filepath=...)`` loads an external SavedModel even under ``safe_mode`` before Keras 3.13.2
  (CVE-2026-1462): safe / info, now high (not loaded: TensorFlow is absent here).
- A chat template calling ``|attr("format")`` on a format string it assembles at render time, in a branch the
  sample render does not take (the ``.format`` spelling was caught since session 5; a plain ``jinja2.Environment``
  **rendered** ``<class 'int'>`` from it, the sandbox refuses it): safe, now critical.
- Hydra ``hydra.searchpath: [pkg://evil_pkg.configs]``: Hydra 1.3.8 **imported** ``evil_pkg`` (its ``__init__``
  ran) from a folder next to the app; was safe (session 8's open item), now medium (not scanned).
- lz4 frames (``joblib.dump(compress="lz4")``, ``fsspec`` ``.lz4``) were refused ("cannot be inspected", high,
  benign or not); now decoded by a pure-Python reader and scanned. Frames below come from the ``lz4`` 4.4.5 package.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from scan_helpers import chat_template_container, scan_named

from mlsecure.artifacts.scan import Verdict
from mlsecure.findings import Severity


def _global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _text(value: str) -> bytes:
    return b"V" + value.encode("raw_unicode_escape") + b"\n"


# --- pickle callables that evaluate or resolve strings ------------------------------------------------------------

CODE = "print('RAN', __import__('os').getcwd())"
STRING_EVALUATORS = {
    # typing.get_type_hints(argparse.Namespace with __annotations__ = {"x": <code>}) evaluates the annotation
    "typing.get_type_hints": (
        _global("typing", "get_type_hints")
        + b"("
        + _global("argparse", "Namespace")
        + b")R}"
        + _text("__annotations__")
        + b"}"
        + _text("x")
        + _text(CODE)
        + b"ssbtR."
    ),
    # dataclasses._create_fn("f", ["x=<code>"], ["pass"]): exec of the def evaluates the default
    "dataclasses._create_fn": (
        _global("dataclasses", "_create_fn")
        + b"("
        + _text("f")
        + b"(l"
        + _text("x=" + CODE)
        + b"a(l"
        + _text("pass")
        + b"atR."
    ),
    "_xxsubinterpreters.run_string": (
        _global("_xxsubinterpreters", "run_string")
        + b"("
        + _global("_xxsubinterpreters", "create")
        + b")R"
        + _text("import os; os.getcwd()")
        + b"tR."
    ),
    "_testcapi.run_in_subinterp": _global("_testcapi", "run_in_subinterp") + b"(" + _text("import os") + b"tR.",
    # mailcap.findmatch({"text/plain": [{"view": "true", "test": <command>}]}, "text/plain") runs the test command
    "mailcap.findmatch": (
        _global("mailcap", "findmatch")
        + b"(}"
        + _text("text/plain")
        + b"(l}"
        + _text("view")
        + _text("true")
        + b"s"
        + _text("test")
        + _text("pwd")
        + b"sas"
        + _text("text/plain")
        + b"tR."
    ),
    "warnings._getcategory": _global("warnings", "_getcategory") + b"(" + _text("evil_module.Warning") + b"tR.",
    # mpmath (a SymPy dependency, so in every torch install): identify(0.5, [<code>]) evals each constant
    "mpmath.identify": _global("mpmath", "identify") + b"(F0.5\n(l" + _text(CODE) + b"atR.",
    # fontTools (a matplotlib dependency): buildConverters([spec], {}) evals spec.type when it holds "("
    "buildConverters": (
        _global("fontTools.ttLib.tables.otTables", "Lookup")
        + b"0"
        + _global("fontTools.ttLib.tables.otConverters", "buildConverters")
        + b"((l"
        + _global("argparse", "Namespace")
        + b")R}("
        + b"".join(_text(t) for t in ("name", "x", "type", CODE))
        + b"".join(_text(t) + b"N" for t in ("repeat", "aux", "condition"))
        + _text("description")
        + _text("")
        + b"uba}tR."
    ),
}


@pytest.mark.parametrize("gadget", sorted(STRING_EVALUATORS))
def test_callables_that_evaluate_strings_are_critical(tmp_path: Path, gadget: str) -> None:
    verdict, worst, titles = scan_named(tmp_path, "model.pkl", STRING_EVALUATORS[gadget])
    assert worst is Severity.CRITICAL, titles
    assert verdict is Verdict.MALICIOUS
    assert any(gadget.split(".")[-1] in title for title in titles), titles


UFUNC_RESOLVE = _global("numpy.core", "_ufunc_reconstruct") + b"(" + _text("os") + _text("getcwd") + b"tR"


@pytest.mark.parametrize(
    "sample",
    [
        # torch._tensor._rebuild_from_type_v2(func, new_type, args, state) calls func(*args): allowlisted, so only the
        # resolver's arguments show the os.getcwd it calls
        b"\x80\x02"
        + _global("torch._tensor", "_rebuild_from_type_v2")
        + b"("
        + UFUNC_RESOLVE
        + _global("builtins", "str")
        + b")}tR.",
        b"\x80\x04" + UFUNC_RESOLVE + b".",  # resolved and returned: the import alone is judged
    ],
)
def test_ufunc_reconstruct_arguments_are_judged(tmp_path: Path, sample: bytes) -> None:
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", sample)
    assert worst is Severity.CRITICAL, titles
    assert any("resolves os.getcwd" in title for title in titles), titles


def test_allowlisted_caller_of_a_computed_value_is_high(tmp_path: Path) -> None:
    """Any unlisted factory whose result ``_rebuild_from_type_v2`` calls (what it returns is unknown here): high, as a
    REDUCE of the same value is, not the factory's medium."""
    factory = _global("mylib.registry", "lookup") + b"(" + _text("anything") + b"tR"
    sample = (
        b"\x80\x02"
        + _global("torch._tensor", "_rebuild_from_type_v2")
        + b"("
        + factory
        + _global("builtins", "str")
        + b")}tR."
    )
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", sample)
    assert worst is Severity.HIGH, titles
    assert any("_rebuild_from_type_v2 calls a value computed" in title for title in titles), titles


def test_ufunc_reconstruct_with_computed_arguments_is_high(tmp_path: Path) -> None:
    computed = (
        _global("numpy.core", "_ufunc_reconstruct")
        + b"("
        + _global("builtins", "str")
        + b"("
        + _text("os")
        + b"tR"
        + _text("getcwd")
        + b"tR."
    )
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", b"\x80\x02" + computed)
    assert worst >= Severity.HIGH, titles
    assert any("not constant strings" in title for title in titles), titles


def test_numpy1_ufunc_pickle_is_not_raised(tmp_path: Path) -> None:
    """A NumPy 1.x ufunc (``np.log1p`` pickled as ``_ufunc_reconstruct("numpy", "log1p")``) keeps its verdict."""
    sample = b"\x80\x02" + _global("numpy.core", "_ufunc_reconstruct") + b"(" + _text("numpy") + _text("log1p") + b"tR."
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", sample)
    assert worst <= Severity.MEDIUM, titles
    assert not any("resolves" in title for title in titles), titles


@pytest.mark.parametrize(
    ("module", "name", "severity"),
    [
        ("mlflow.projects.backend.local", "_run_entry_point", Severity.CRITICAL),  # modelscan issue #338
        ("mlflow.utils.process", "_exec_cmd", Severity.CRITICAL),
        ("typing_extensions", "get_type_hints", Severity.CRITICAL),
        ("pydantic.typing", "get_type_hints", Severity.CRITICAL),
        ("pkg_resources", "run_script", Severity.CRITICAL),
        ("torch.utils._pytree", "enum_object_hook", Severity.CRITICAL),
        ("numpy._core.function_base", "add_newdoc", Severity.CRITICAL),
        ("_functools", "partial", Severity.CRITICAL),
        ("_posixshmem", "shm_unlink", Severity.CRITICAL),
        ("antigravity", "geohash", Severity.CRITICAL),  # importing it opens a web browser
        ("uu", "decode", Severity.CRITICAL),  # writes the file the encoded data names
        ("zipapp", "create_archive", Severity.CRITICAL),
        ("wsgiref.simple_server", "make_server", Severity.CRITICAL),
        ("numpy._core.memmap", "memmap", Severity.CRITICAL),  # mode="w+" creates or truncates a file
        ("torch", "from_file", Severity.HIGH),  # shared=True maps (and creates) a file
        ("hydra.utils", "get_method", Severity.CRITICAL),  # ran os.getcwd from "os.getcwd" (Hydra 1.3.8)
        ("hydra._internal.utils", "_locate", Severity.CRITICAL),
        ("hydra.utils", "instantiate", Severity.CRITICAL),
        ("lightning.pytorch.cli", "instantiate_class", Severity.CRITICAL),
        ("mmengine.registry", "build_from_cfg", Severity.CRITICAL),
        # unpickles the path it is given (ran os.getcwd from a second file under pickle.loads, torch 2.13)
        ("torch._utils", "_augment_memory_snapshot_stack_traces", Severity.CRITICAL),
        ("sympy.core.cache", "lazy_function", Severity.CRITICAL),  # lazy_function("os", "getcwd") ran it
        ("wrapt.patches", "resolve_path", Severity.CRITICAL),
        ("torch.utils.model_dump", "get_model_info", Severity.CRITICAL),
        ("numpy.lib._format_impl", "read_array", Severity.CRITICAL),
        ("_lzma", "LZMADecompressor", Severity.HIGH),  # a private interpreter module outside the allowlist
    ],
)
def test_more_callables_with_side_effects(tmp_path: Path, module: str, name: str, severity: Severity) -> None:
    sample = b"\x80\x02" + _global(module, name) + b")R."
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", sample)
    assert worst is severity, titles


@pytest.mark.parametrize(
    ("module", "name"), [("collections", "OrderedDict"), ("_codecs", "encode"), ("numpy", "dtype"), ("typing", "Any")]
)
def test_allowlisted_and_harmless_globals_stay_below_high(tmp_path: Path, module: str, name: str) -> None:
    _verdict, worst, titles = scan_named(tmp_path, "model.pkl", b"\x80\x02" + _global(module, name) + b".")
    assert worst <= Severity.MEDIUM, titles


# --- Keras TFSMLayer ------------------------------------------------------------------------------------------------


def _keras(layers: list[dict[str, object]]) -> bytes:
    config = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "s", "layers": layers},
        "registered_name": None,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.12.0"}))
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", b"")
    return buffer.getvalue()


INPUT_LAYER = {
    "module": "keras.layers",
    "class_name": "InputLayer",
    "config": {"batch_shape": [None, 2]},
    "registered_name": None,
}


@pytest.mark.parametrize("path", ["/tmp/attacker_savedmodel", "../shared/savedmodel", "gs://bucket/model"])
def test_keras_tfsmlayer_loads_an_external_model(tmp_path: Path, path: str) -> None:
    layer = {
        "module": "keras.layers",
        "class_name": "TFSMLayer",
        "config": {"filepath": path, "call_endpoint": "serve", "name": "t"},
        "registered_name": None,
    }
    verdict, worst, titles = scan_named(tmp_path, "model.keras", _keras([INPUT_LAYER, layer]))
    assert worst is Severity.HIGH, titles
    assert verdict is not Verdict.SAFE
    assert any("TFSMLayer" in title and path in title for title in titles), titles


def test_keras_dense_model_stays_safe(tmp_path: Path) -> None:
    dense = {
        "module": "keras.layers",
        "class_name": "Dense",
        "config": {"units": 1, "activation": "relu"},
        "registered_name": None,
    }
    verdict, worst, titles = scan_named(tmp_path, "model.keras", _keras([INPUT_LAYER, dense]))
    assert verdict is Verdict.SAFE and worst <= Severity.LOW, titles


# --- chat templates: |attr("format") on an assembled format string -------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        '{% if false %}{{ ("{0." ~ "_" ~ "_class_" ~ "_}")|attr("format")(1) }}{% endif %}',
        '{% if false %}{{ (["{0.", "_", "_class_", "_}"]|join)|attr("format")(1) }}{% endif %}',
        '{% if messages|length > 9 %}{{ ("{x." ~ "_" ~ "_class_" ~ "_}")|attr("format_map")({"x": 1}) }}{% endif %}',
    ],
)
@pytest.mark.parametrize("container", ["tokenizer_config.json", "model.gguf"])
def test_chat_template_attr_format_on_a_built_string(tmp_path: Path, template: str, container: str) -> None:
    data = chat_template_container(container, template)
    verdict, worst, titles = scan_named(tmp_path, container, data)
    assert worst is Severity.CRITICAL and verdict is Verdict.MALICIOUS, titles




@pytest.mark.parametrize(
    "template",
    [
        "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}",
        '{{ "Hello {0}".format(bos_token) }}{% for m in messages %}{{ (m.role ~ ": ")|upper }}{{ m.content }}'
        "{% endfor %}",
    ],
)
def test_chat_template_controls_stay_safe(tmp_path: Path, template: str) -> None:
    document = json.dumps({"chat_template": template, "bos_token": "<s>"})
    verdict, worst, titles = scan_named(tmp_path, "tokenizer_config.json", document)
    assert verdict is Verdict.SAFE and worst <= Severity.LOW, titles


# --- Hydra pkg:// search paths --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "severity"),
    [
        ("pkg://evil_pkg.configs", Severity.MEDIUM),
        ("pkg://my_app/conf", Severity.MEDIUM),
        ("pkg://../../etc", Severity.HIGH),
    ],
)
@pytest.mark.parametrize("name", ["config.yaml", "config.json"])
def test_hydra_pkg_searchpath_imports_a_package(tmp_path: Path, entry: str, severity: Severity, name: str) -> None:
    document = {"defaults": ["_self_"], "hydra": {"searchpath": [entry]}, "lr": 0.1}
    _verdict, worst, titles = scan_named(tmp_path, name, json.dumps(document))
    assert worst is severity, titles


def test_hydra_file_searchpath_inside_stays_below_medium(tmp_path: Path) -> None:
    # Hydra's own test configs name its packages (hydra/test_utils/configs/completion_test/additional_searchpath.yaml)
    text = (
        "defaults:\n- _self_\nhydra:\n  searchpath:\n  - file://conf\n"
        "  - pkg://hydra.test_utils.configs.completion_test_additional_package\nlr: 0.1\n"
    )
    verdict, worst, titles = scan_named(tmp_path, "config.yaml", text)
    assert verdict is Verdict.SAFE and worst <= Severity.LOW, titles


# --- lz4 frames -----------------------------------------------------------------------------------------------------

# lz4.frame.compress(b"\x80\x02cos\ngetcwd\nq\x00)Rq\x01.") (lz4 4.4.5)
LZ4_PAYLOAD = bytes.fromhex("04224d1868401400000000000000a3140000808002636f730a6765746377640a7100295271012e00000000")
# the payload after 80,000 bytes of "N0" (None, POP), 64 KiB linked blocks, block and content checksums, content size
LZ4_LATE_LINKED = bytes.fromhex(
    "04224d185c4094380100000000008a0e0100004f80044e300200ffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    "ffffffffffffffe450304e304e30fb15727c500000000ffeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffa7f003636f730a6765746377640a7100295271012ed372b79f00000000"
    "337b5f2a"
)
# an object .npy (np.save of np.array([obj], dtype=object), obj reducing to os.getcwd), lz4-framed
LZ4_OBJECT_NPY = bytes.fromhex(
    "04224d1868402a0100000000000098e9000000f018934e554d5059010076007b276465736372273a20277c4f272c2027666f727472616e"
    "5f6f7264651700ff0946616c73652c20277368617065273a2028312c292c207d20010029620a8004959f000100f11d8c166e756d70792e5f"
    "636f72652e6d756c74696172726179948c0c5f7265636f6e7374727563749493948c052a0052948c076e642300f00f93944b008594430162"
    "9487945294284b014b01859468038c056474797065330062024f389489881e00d1038c017c944e4e4e4affffffff0500f0144b3f74946289"
    "5d948c05706f736978948c06676574637764949394295294617494622e00000000"
)
# pickle.dumps({"weights": [0.5] * 500, "name": "net"}, protocol=4), lz4-framed
LZ4_BENIGN = bytes.fromhex(
    "04224d186840bf11000000000000cb4800000061800495b411000100f1047d94288c0777656967687473945d9428473fe018001f000900"
    + "ff" * 17
    + "89f001658c046e616d65948c036e657494752e00000000"
)


def test_lz4_known_answers() -> None:
    """Frames written by the lz4 package decode to the bytes given to it (overlapping matches, linked blocks)."""
    from mlsecure.artifacts.scan.lz4_frame import decode_block, lz4_stream  # new in session 9 (main lacks it)

    assert lz4_stream(io.BytesIO(LZ4_PAYLOAD)).read() == b"\x80\x02cos\ngetcwd\nq\x00)Rq\x01."
    late = lz4_stream(io.BytesIO(LZ4_LATE_LINKED)).read()
    assert late == b"\x80\x04" + b"N0" * 40000 + b"cos\ngetcwd\nq\x00)Rq\x01."
    benign = lz4_stream(io.BytesIO(LZ4_BENIGN)).read()
    assert len(benign) == 4543 and benign.endswith(b"\x8c\x04name\x94\x8c\x03net\x94u.")
    # lz4.block.compress(b"ab" * 1000 + b"xyz" * 50 + b"ab" * 10, store_size=False)
    block = bytes.fromhex("2f61620200ffffffffffffffc23f78797a0300800b6408506261626162")
    assert decode_block(block) == b"ab" * 1000 + b"xyz" * 50 + b"ab" * 10


@pytest.mark.parametrize(
    "broken",
    [
        LZ4_PAYLOAD[:-9],  # ends inside a block
        LZ4_PAYLOAD[:4] + b"\x88" + LZ4_PAYLOAD[5:],  # version bits 10
        LZ4_PAYLOAD[:4] + bytes([LZ4_PAYLOAD[4] | 0x01]) + LZ4_PAYLOAD[5:],  # needs a dictionary
    ],
)
def test_lz4_malformed_frames_raise_a_format_error(broken: bytes) -> None:
    from mlsecure.artifacts.scan.lz4_frame import LZ4FormatError, lz4_stream

    with pytest.raises(LZ4FormatError):
        lz4_stream(io.BytesIO(broken)).read()


def test_lz4_block_cannot_expand_past_the_format_limit() -> None:
    from mlsecure.artifacts.scan.lz4_frame import LZ4FormatError, decode_block

    # one literal, then a match of 15 + 255 * 40,000 bytes: over the 4 MiB a block may decode to
    bomb = b"\x1f" + b"a" + b"\x01\x00" + b"\xff" * 40_000 + b"\x00"
    with pytest.raises(LZ4FormatError):
        decode_block(bomb)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("model.joblib", LZ4_PAYLOAD),
        ("state.pkl.lz4", LZ4_LATE_LINKED),
        ("array.npy.lz4", LZ4_OBJECT_NPY),
        ("two.pkl.lz4", LZ4_BENIGN + LZ4_PAYLOAD),
    ],
)
def test_lz4_payloads_are_found(tmp_path: Path, name: str, data: bytes) -> None:
    verdict, worst, titles = scan_named(tmp_path, name, data)
    assert worst is Severity.CRITICAL and verdict is Verdict.MALICIOUS, titles
    assert any("getcwd" in title for title in titles), titles


def test_lz4_benign_joblib_is_scanned_not_refused(tmp_path: Path) -> None:
    verdict, worst, titles = scan_named(tmp_path, "model.joblib", LZ4_BENIGN)
    assert verdict is Verdict.SAFE and worst <= Severity.LOW, titles
    assert not any("cannot be inspected" in title for title in titles), titles


# Snappy framing from python-snappy 0.7 (cramjam): ``snappy.stream_compress`` of the bytes named
# the os.getcwd pickle (stored as an uncompressed chunk)
SNAPPY_PAYLOAD = bytes.fromhex("ff060000734e6150705901180000a4a030278002636f730a6765746377640a7100295271012e")
# pickle.dumps({"weights": [0.5] * 500, "name": "net"}, protocol=4)
SNAPPY_BENIGN = bytes.fromhex(
    "ff060000734e61507059000c0100b37080b3bf2314800495b411000501487d94288c0777656967687473945d9428473fe005180000fe"
    "0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe"
    "0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe"
    "0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe"
    "0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe0900fe09001d093c658c046e"
    "616d65948c036e657494752e"
)
# the object .npy above
SNAPPY_OBJECT_NPY = bytes.fromhex(
    "ff060000734e6150705900eb0000b6a90c09aa0298934e554d5059010076007b276465736372273a20277c4f272c2027666f72747261"
    "6e5f6f72646501175c46616c73652c20277368617065273a2028312c292c207d20ee0100140a8004959f000901b08c166e756d70792e"
    "5f636f72652e6d756c74696172726179948c0c5f7265636f6e7374727563749493948c056e012a10948c076e6409237493944b008594"
    "4301629487945294284b014b01859468038c056474797065013314024f38948988091e30038c017c944e4e4e4affffffff0505884b3f"
    "749462895d948c05706f736978948c06676574637764949394295294617494622e"
)
# snappy.compress(b"ab" * 1000 + b"xyz" * 50 + b"ab" * 10): one block
SNAPPY_BLOCK_AB = bytes.fromhex(
    "fa10046162fe0200fe0200fe0200fe0200fe0200fe0200fe0200fe0200fe0200fe0200fe0200fe0200fe0200fe0200fe0200fe0200fe"
    "0200fe0200fe0200fe0200fe0200fe0200fe0200fe0200fe0200fe0200fe0200fe0200fe0200fe0200fe02003602000878797afe0300"
    "fe03004a03004e6408"
)


def _snappy_chunk(kind: int, body: bytes) -> bytes:
    return bytes([kind]) + len(body).to_bytes(3, "little") + body


def test_snappy_known_answers() -> None:
    from mlsecure.artifacts.scan.snappy_frame import decode_block, snappy_stream  # new in session 9

    assert snappy_stream(io.BytesIO(SNAPPY_PAYLOAD)).read() == b"\x80\x02cos\ngetcwd\nq\x00)Rq\x01."
    benign = snappy_stream(io.BytesIO(SNAPPY_BENIGN)).read()
    assert benign == lz4_stream_of(LZ4_BENIGN)  # the same pickle, framed by two libraries
    assert decode_block(SNAPPY_BLOCK_AB) == b"ab" * 1000 + b"xyz" * 50 + b"ab" * 10


def lz4_stream_of(data: bytes) -> bytes:
    from mlsecure.artifacts.scan.lz4_frame import lz4_stream

    return lz4_stream(io.BytesIO(data)).read()


@pytest.mark.parametrize(
    "broken",
    [
        SNAPPY_PAYLOAD[:-3],  # ends inside a chunk
        b"\xff\x06\x00\x00sNaPpX" + SNAPPY_PAYLOAD[10:],  # wrong stream identifier
        SNAPPY_PAYLOAD[:10] + _snappy_chunk(0x02, b"\x00" * 8),  # reserved unskippable chunk
        SNAPPY_PAYLOAD[:10] + _snappy_chunk(0x00, b"\x00" * 4 + b"\x81\x80\x05" + b"\x00"),  # declares 81,921 bytes
    ],
)
def test_snappy_malformed_streams_raise_a_format_error(broken: bytes) -> None:
    from mlsecure.artifacts.scan.snappy_frame import SnappyFormatError, snappy_stream

    with pytest.raises(SnappyFormatError):
        snappy_stream(io.BytesIO(broken)).read()


# a payload after 100,000 bytes, over two uncompressed chunks (the CRC is not checked), and a skippable chunk
SNAPPY_LATE = (
    SNAPPY_PAYLOAD[:10]
    + _snappy_chunk(0xFE, b"padding")
    + _snappy_chunk(0x01, b"\x00" * 4 + b"\x80\x04" + b"N0" * 32767)
    + _snappy_chunk(0x01, b"\x00" * 4 + b"N0" * 17000 + b"cos\ngetcwd\nq\x00)Rq\x01.")
)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("model.pkl.snappy", SNAPPY_PAYLOAD),
        ("state.pkl.sz", SNAPPY_LATE),
        ("array.npy.snappy", SNAPPY_OBJECT_NPY),
        ("two.pkl.snappy", SNAPPY_BENIGN + SNAPPY_PAYLOAD),
    ],
)
def test_snappy_payloads_are_found(tmp_path: Path, name: str, data: bytes) -> None:
    verdict, worst, titles = scan_named(tmp_path, name, data)
    assert worst is Severity.CRITICAL and verdict is Verdict.MALICIOUS, titles
    assert any("getcwd" in title for title in titles), titles


def test_snappy_benign_pickle_stays_safe(tmp_path: Path) -> None:
    verdict, worst, titles = scan_named(tmp_path, "model.pkl.snappy", SNAPPY_BENIGN)
    assert verdict is Verdict.SAFE and worst <= Severity.LOW, titles


def test_scan_file_takes_a_string_path(tmp_path: Path) -> None:
    """The library entry point called from a notebook with a ``str``: it raised ``AttributeError`` (a traceback)."""
    from mlsecure.artifacts.scan import scan_file

    path = tmp_path / "model.pkl"
    path.write_bytes(STRING_EVALUATORS["mailcap.findmatch"])
    result = scan_file(str(path))
    assert result.verdict is Verdict.MALICIOUS and result.max_severity is Severity.CRITICAL


# --- ONNX protobuf text: a brace inside a string ended the external_data block ---------------------------------

ONNX_TEXTPROTO = """ir_version: 8
opset_import {{ domain: "" version: 17 }}
graph {{
  name: "g"
  node {{ input: "w" output: "y" op_type: "Identity" }}
  initializer {{
    name: "w" data_type: 1 dims: 4 data_location: EXTERNAL
    {external}
  }}
  output {{ name: "y" type {{ tensor_type {{ elem_type: 1 shape {{ dim {{ dim_value: 4 }} }} }} }} }}
}}
"""


@pytest.mark.parametrize(
    "external",
    [
        # each read by onnx 1.23's onnx.load(..., load_external_data=False) with the location shown
        'external_data { value: "../}/../../../../../etc/hostname" key: "location" }',
        'external_data < value: "a/../..>/../../../etc/hostname" key: "location" >',
        'external_data { value: "../{x/../../../etc/hostname" key: "location" }',
        'external_data: [ { value: "../}/x/../../../etc/hostname", key: "location" } ]',
    ],
)
def test_onnx_textproto_location_with_brackets_in_the_string(tmp_path: Path, external: str) -> None:
    _verdict, worst, titles = scan_named(tmp_path, "m/model.textproto", ONNX_TEXTPROTO.format(external=external))
    assert worst is Severity.HIGH, titles
    assert any("outside the model folder" in title for title in titles), titles


def test_onnx_textproto_location_inside_stays_safe(tmp_path: Path) -> None:
    text = ONNX_TEXTPROTO.format(external='external_data { value: "weights/w}.bin" key: "location" }')
    verdict, worst, titles = scan_named(tmp_path, "m/model.textproto", text)
    assert verdict is Verdict.SAFE and worst <= Severity.LOW, titles


@pytest.mark.parametrize("name", ["model.pkl.lz4", "weights.npy.lz4"])
def test_a_compressed_stream_that_yields_nothing_is_not_verified_rather_than_safe(tmp_path: Path, name: str) -> None:
    """An lz4 frame header with a version no decoder reads: nothing comes out, so what it holds was never seen;
    the scan must fail the default ``--fail-on medium`` instead of calling the file safe."""
    frame = b"\x04\x22\x4d\x18" + bytes([0x00, 0x40]) + bytes(range(64))  # FLG version bits 00, not 01
    _, severity, titles = scan_named(tmp_path, name, frame)
    assert severity == Severity.MEDIUM
    assert any(t.startswith("lz4 stream cannot be decompressed (LZ4FormatError") for t in titles), titles
