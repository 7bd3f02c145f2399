"""``load_model`` under ``sys.addaudithook``: no corpus file writes a file, starts a process or opens a socket.

Every file of the scanner corpus (``scan_corpus.py``: benign checkpoints of every format and malicious
ones built like published attacks), of the peers' corpus when this checkout has it (``peer_corpus``:
picklescan, modelscan, fickling and modelaudit test suites regenerated), and the pickle bypass classes
is handed to ``load_model``. It may load or refuse; it must not have a side effect: no audit event for a
write, a process or a socket, nothing created in the scratch working folder, the corpus files unchanged.
The load policy itself is checked to be a strict subset of the scan allowlist.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import pytest
from audit_guard import guard
from scan_corpus import Sample

from mlsecure.artifacts.load import load_model
from mlsecure.artifacts.scan.allowlist import ALLOWLIST
from mlsecure.errors import MLSecureError


def _fingerprint(paths: list[Path]) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def _import_loader_libraries() -> None:
    """Import the libraries ``load_model`` may hand a file to before the audit hook goes in: importing Keras
    creates matplotlib's cache folders and runs ``uname -p``, side effects of the environment, not of a file."""
    import importlib.util

    if importlib.util.find_spec("keras") is not None:
        from mlsecure.models.keras_model import import_keras_torch

        import_keras_torch()
    for name in ("xgboost", "lightgbm", "transformers", "tokenizers", "onnxruntime", "torch"):
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def _load_all(paths: list[Path], scratch: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], int, int]:
    _import_loader_libraries()
    monkeypatch.chdir(scratch)
    before = _fingerprint(paths)
    loaded = refused = 0
    with guard() as events, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in paths:
            try:
                load_model(path)
                loaded += 1
            except MLSecureError:
                refused += 1
    assert _fingerprint(paths) == before
    assert list(scratch.iterdir()) == []
    return events, loaded, refused


def test_load_policy_is_smaller_than_the_scan_allowlist() -> None:
    loadable = {key for key, entry in ALLOWLIST.items() if entry.load}
    assert 0 < len(loadable) < len(ALLOWLIST)
    assert not any(module.startswith(("pandas", "pyarrow", "torch.nn.modules")) for module, _ in loadable)


def test_load_model_on_the_corpus_has_no_side_effect(corpus: tuple[Path, list[Sample]], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _, samples = corpus
    paths = [s.path for s in samples if s.path.is_file()]
    events, loaded, refused = _load_all(paths, tmp_path, monkeypatch)
    assert events == []
    assert loaded >= 3 and refused >= 60  # the benign models load, the malicious files are refused


@pytest.mark.slow
def test_load_model_on_the_peer_corpus_has_no_side_effect(tmp_path_factory: pytest.TempPathFactory,
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    peer_corpus = pytest.importorskip("peer_corpus", reason="the peer corpus is not in this checkout")
    folder = tmp_path_factory.mktemp("peer_corpus")
    built = peer_corpus.build(folder)
    paths = sorted(p for root in built.values() for p in ([root] if root.is_file() else root.rglob("*"))
                   if p.is_file())
    events, _, refused = _load_all(paths, tmp_path, monkeypatch)
    assert events == []
    assert refused > 0
