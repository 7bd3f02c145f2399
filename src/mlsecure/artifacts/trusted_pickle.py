"""Full pickled torch modules (``torch.save(model)``), loaded only with what the artifact scan cleared.

``ensure_safe(path, trusted)`` returns the globals the file imports, each either on the allowlist or in a
module the user named with ``--trust-module``. ``load_torch_pickle`` then reads the file with torch's own
``weights_only`` unpickler, allowing exactly those globals for this one call (``safe_globals``): the
unpickler resolves nothing else, so a global the scan did not see or did not clear cannot be reached.

Why torch's unpickler and not our own restricted one: a ``torch.save`` archive stores tensors as
persistent ids pointing at ``data/`` members, with byte order, storage sharing and views; torch's
``weights_only`` unpickler already restricts every GLOBAL, REDUCE, NEWOBJ and BUILD to an allowlist and
reads storages correctly, and ``safe_globals`` scopes the extra entries to this call. Rewriting the
storage reader would add risk without adding any restriction.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlsecure.artifacts.gate import is_trusted
from mlsecure.errors import ModelLoadError, UnsafeArtifactError, require
from mlsecure.findings import Finding, Location, Severity


def load_torch_pickle(path: Path, cleared: Sequence[tuple[str, str]]) -> Any:
    """``torch.load(path, weights_only=True)`` allowing only the ``cleared`` globals (import them first)."""
    torch = require("torch", "torch")
    allowed = [(_resolve(path, module, name), f"{module}.{name}") for module, name in cleared]
    try:
        with torch.serialization.safe_globals(allowed):
            return torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # UnpicklingError names the global torch refused; others are format errors
        text = str(exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        if type(exc).__name__ == "UnpicklingError":
            # torch's first line is generic advice; what it refused follows its "WeightsUnpickler error:" marker
            marker = "WeightsUnpickler error:"
            if marker in text:
                detail = " ".join(text.split(marker, 1)[1].split("Check the documentation", 1)[0].split())
                first = f"torch's weights-only unpickler refused it: {detail}"
            raise UnsafeArtifactError(f"{path}: refused while loading: {first}", (first,)) from None
        raise ModelLoadError(f"{path}: torch cannot read this file: {first}") from None


def trusted_globals(cleared: Sequence[tuple[str, str]], trusted: Sequence[str]) -> list[str]:
    """The cleared globals that only trust let through (for the report)."""
    from mlsecure.artifacts.gate import is_allowed

    return sorted(f"{m}.{n}" for m, n in cleared if is_trusted(m, trusted) and not is_allowed(m, n))


def trust_finding(path: Path, trusted: Sequence[str], used: Sequence[str]) -> Finding:
    """The report's record that the model was loaded with the user's ``--trust-module`` names."""
    return Finding(
        id="SUP-002",
        title=f"Model loaded trusting the code of {', '.join(trusted)} (--trust-module)",
        severity=Severity.LOW,
        owasp="ML06",
        atlas=("AML.T0011.000", "AML.T0010.003"),
        location=Location(path=str(path)),
        evidence={"trusted_modules": list(trusted), "trusted_globals": list(used)},
        remediation="Save model.state_dict() and load it with --model-class, or export to TorchScript/ONNX, so "
        "loading the file needs no trusted code.",
        check="artifact-gate",
        description="The file imports globals outside the allowlist; the user vouched for the named modules, "
        "so their classes were constructed while loading. Anyone able to change those modules or the file "
        "can run code on load.",
    )


def _resolve(path: Path, module: str, name: str) -> Any:
    from mlsecure.artifacts.scan.policy import compat_name

    real_module, real_name = compat_name(module, name)
    try:
        with warnings.catch_warnings():  # numpy.core.* (old pickles' path) warns it moved; the import still works
            warnings.simplefilter("ignore", DeprecationWarning)
            obj: Any = importlib.import_module(real_module)
    except ImportError as exc:
        raise ModelLoadError(f"{path}: the file needs {module}.{name}, but module {real_module} cannot be "
                             f"imported ({exc}); put it on PYTHONPATH") from None
    for part in real_name.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ModelLoadError(f"{path}: module {real_module} has no {real_name}") from None
    return obj
