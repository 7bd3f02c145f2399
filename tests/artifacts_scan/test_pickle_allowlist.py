"""The exact pickle allowlist: every entry exists, is harmless to construct, and covers real files.

* every ``(module, qualname)`` resolves in the installed libraries (a typo would be a dead entry);
* constructing each class entry with no arguments (and ``cls.__new__(cls)``) raises no side-effect audit
  event and leaves a scratch working folder empty;
* every real file written by ``real_checkpoints.py`` (fitted estimators, arrays, frames, tensors) imports
  only allowlisted globals, and loading it with a ``find_class`` that admits only allowlisted names runs
  without a side effect: that calls each function entry with the arguments real files pass.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import pickle
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from audit_guard import guard
from real_checkpoints import build, observed_globals

from mlsecure.artifacts.scan.allowlist import ALLOWLIST
from mlsecure.artifacts.scan.policy import classify, load_allowed


def _resolve(module: str, name: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy.core is a deprecated alias of numpy._core
        obj: Any = importlib.import_module(module)
        for part in name.split("."):
            obj = getattr(obj, part)
    return obj


def test_the_guard_sees_side_effects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit hook used below is able to fail: a folder, a written file and a socket are all seen."""
    import socket

    monkeypatch.chdir(tmp_path)
    with guard() as events:
        (tmp_path / "made").mkdir()
        (tmp_path / "written").write_text("x")
        socket.socket().close()
    assert len(events) == 3, events


@pytest.mark.slow
def test_every_entry_exists() -> None:
    missing = []
    for module, name in ALLOWLIST:
        try:
            _resolve(module, name)
        except (ImportError, AttributeError) as exc:
            missing.append(f"{module}.{name}: {exc}")
    assert missing == []


def test_every_entry_has_a_reason_and_is_safe() -> None:
    for (module, name), entry in ALLOWLIST.items():
        assert entry.reason.strip(), (module, name)
        assert classify(module, name).safe, (module, name)
        assert load_allowed(module, name) is entry.load


@pytest.mark.slow
def test_constructing_each_class_entry_has_no_side_effect(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    classes = [(m, n, obj) for (m, n) in ALLOWLIST if isinstance(obj := _resolve(m, n), type)]
    assert len(classes) > 400
    with guard() as events, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _module, _name, cls in classes:
            for make in (cls, lambda c=cls: c.__new__(c)):
                with contextlib.suppress(Exception):  # a class that needs arguments: __new__ is still tried
                    make()
    assert events == []
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def real_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build(tmp_path_factory.mktemp("real_checkpoints"))


@pytest.mark.slow
def test_real_files_import_only_allowlisted_globals(real_files: list[Path]) -> None:
    unknown = {f"{m}.{n}": sorted(where)[:3] for (m, n), where in observed_globals(real_files).items()
               if not classify(m, n).safe}
    assert unknown == {}


def _allowlisted_loads(path: Path) -> Iterator[Any]:
    """Unpickle every pickle in ``path`` resolving only allowlisted names (joblib files through joblib)."""
    if path.suffix == ".joblib":
        from joblib.numpy_pickle import NumpyUnpickler

        class JoblibOnly(NumpyUnpickler):  # type: ignore[misc]  # joblib is untyped
            def find_class(self, module: str, name: str) -> Any:
                assert classify(module, name).safe, f"{module}.{name}"
                return super().find_class(module, name)

        with path.open("rb") as handle:
            yield JoblibOnly(str(path), handle, False).load()
        return

    class Only(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            assert classify(module, name).safe, f"{module}.{name}"
            return super().find_class(module, name)

    yield Only(io.BytesIO(path.read_bytes())).load()


@pytest.mark.slow
def test_loading_real_files_with_only_allowlisted_globals_has_no_side_effect(
        real_files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    loaded = 0
    with guard() as events, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in real_files:
            if path.suffix == ".pt":
                continue  # torch files: torch.load(weights_only=True) has its own allowlist (tested by torch)
            for _obj in _allowlisted_loads(path):
                loaded += 1
    assert loaded >= 40
    assert events == []
    assert list(tmp_path.iterdir()) == []
