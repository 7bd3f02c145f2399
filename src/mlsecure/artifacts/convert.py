"""Write a safe copy of a model's weights: ``convert(src, dst, to="safetensors")``.

The source is scanned first and refused unless clean; weights are then read with
``torch.load(weights_only=True)`` (zip or legacy checkpoints), ``torch.jit.load`` (TorchScript,
whose ``state_dict`` is taken) or ``numpy.load(allow_pickle=False)`` (.npy/.npz), flattened to
``name -> tensor`` and written with the safetensors library. Nothing is ever unpickled unrestricted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from mlsecure.artifacts.formats import ArtifactFormat, detect_format
from mlsecure.artifacts.gate import ensure_safe
from mlsecure.errors import InputError, ModelLoadError, require

Target = Literal["safetensors"]


@dataclass(frozen=True)
class ConversionResult:
    source: str
    destination: str
    source_format: str
    tensors: int
    bytes_written: int
    source_sha256: str


def convert(source: str | Path, destination: str | Path, *, to: Target = "safetensors",
            overwrite: bool = False) -> ConversionResult:
    """Scan ``source``, refuse unless clean, and write its weights to ``destination`` as ``to``."""
    source, destination = Path(source), Path(destination)
    if to != "safetensors":
        raise InputError(f"unknown target format {to!r}; supported: safetensors")
    if destination.exists() and not overwrite:
        raise InputError(f"{destination}: already exists (pass --force to overwrite)")
    fmt = detect_format(source)
    ensure_safe(source)
    tensors = _load_tensors(source, fmt)
    if not tensors:
        raise ModelLoadError(f"{source}: no tensors found to convert")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    st_torch: Any = require("safetensors.torch", "supply")
    metadata = {"format": "pt", "converted_by": "mlsecure", "source_sha256": digest, "source_format": fmt.value}
    st_torch.save_file(tensors, str(destination), metadata=metadata)
    return ConversionResult(str(source), str(destination), fmt.value, len(tensors), destination.stat().st_size,
                            digest)


def _load_tensors(source: Path, fmt: ArtifactFormat) -> dict[str, Any]:
    torch: Any = require("torch", "torch")
    match fmt:
        case ArtifactFormat.TORCH_ZIP | ArtifactFormat.PICKLE:
            try:
                obj = torch.load(str(source), map_location="cpu", weights_only=True)
            except Exception as exc:
                reason = str(exc).splitlines()[0]
                raise ModelLoadError(f"{source}: not a weights-only PyTorch checkpoint: {reason}") from None
        case ArtifactFormat.TORCHSCRIPT:
            obj = torch.jit.load(str(source), map_location="cpu").state_dict()
        case ArtifactFormat.NUMPY | ArtifactFormat.NPZ:
            import numpy as np

            loaded = np.load(source, allow_pickle=False)
            obj = {"array": loaded} if isinstance(loaded, np.ndarray) else dict(loaded)
            obj = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in obj.items()}
        case _:
            raise ModelLoadError(f"{source}: cannot convert a {fmt.value} file to safetensors")
    flat: dict[str, Any] = {}
    _flatten(obj, "", flat, torch)
    return flat


def _flatten(obj: Any, prefix: str, out: dict[str, Any], torch: Any) -> None:
    if isinstance(obj, torch.Tensor):
        out[prefix or "tensor"] = obj.detach().clone().contiguous()
    elif isinstance(obj, Mapping):
        for key, value in obj.items():
            _flatten(value, f"{prefix}.{key}" if prefix else str(key), out, torch)
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            _flatten(value, f"{prefix}.{i}" if prefix else str(i), out, torch)
