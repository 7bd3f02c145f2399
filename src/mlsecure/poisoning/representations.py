"""Representations from an explicitly chosen layer of a torch model, computed in batches.

Default: the penultimate layer, i.e. the input of the classification head, found by running the
model rather than by position in the module list (ART takes "the last layer listed", which is the
logits for a plain ``Sequential``: poison is then invisible to spectral signatures).

How the head is found (``find_head``): run one probe batch with forward hooks on every leaf module,
in call order; the head is the last module with parameters whose output equals the model's output
(or, failing equality, the last one with parameters that returns ``(batch, n_classes)``). Its input,
flattened, is the penultimate representation. TorchScript modules do not run Python hooks: a scripted
``Sequential`` (what ``save_torchscript`` writes for ``nn.Sequential``) is run child by child instead,
and the head is checked the same way (applying it to the representation must give the logits).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from mlsecure.errors import CheckError, InputError, require

if TYPE_CHECKING:
    import torch

ProgressFn = Callable[[float], None]


def penultimate_layer(module: torch.nn.Module, example: torch.Tensor) -> str:
    """The name of the classification head; its input is the penultimate representation."""
    return find_head(module, example)[0]


def find_head(module: torch.nn.Module, example: torch.Tensor) -> tuple[str, Any]:
    """``(name, submodule)`` of the head of ``module`` on inputs like ``example`` (see module docs)."""
    torch = _torch()
    if _is_script(module):
        chain = _script_chain(module)
        if chain is None:
            raise CheckError("cannot find the penultimate layer of a TorchScript module that is not a "
                             "Sequential: pass layer= with an eager torch module, or use raw features")
        with torch.no_grad():
            out = module(example)
            h = example
            for _, child in chain[:-1]:
                h = child(h)
            if not torch.allclose(chain[-1][1](h), out, atol=1e-5):
                raise CheckError("the scripted model's last child does not produce its output")
        return chain[-1]
    calls: list[tuple[str, Any, Any]] = []
    hooks = [m.register_forward_hook(_recorder(name, calls)) for name, m in module.named_modules()
             if not list(m.children())]
    try:
        with torch.no_grad():
            out = module(example)
    finally:
        for hook in hooks:
            hook.remove()
    candidates = [(n, m, o) for n, m, o in calls if any(True for _ in m.parameters())
                  and isinstance(o, torch.Tensor)]
    for name, mod, o in reversed(candidates):
        if o.shape == out.shape and torch.equal(o, out):
            return name, mod
    for name, mod, o in reversed(candidates):
        if o.ndim == 2 and o.shape == out.shape:
            return name, mod
    raise CheckError("no layer with parameters produces the model's (batch, n_classes) output")


def activations(module: torch.nn.Module, x: np.ndarray, *, layer: str | None = None,
                batch_size: int = 1024, device: Any = None,
                progress: ProgressFn | None = None) -> np.ndarray:
    """``(n, d)`` float32 activations of ``x`` at ``layer``, batch by batch.

    ``layer=None`` is the penultimate layer (the head's input); a name selects that module's
    output (``dict(module.named_modules())`` lists the names).
    """
    torch = _torch()
    if len(x) == 0:
        raise InputError("no samples to compute activations for")
    dev = device if device is not None else _device(module)
    first = torch.from_numpy(np.asarray(x[:2], dtype=np.float32)).to(dev)
    extract = _extractor(module, first, layer)
    out: np.ndarray | None = None
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            batch = torch.from_numpy(np.asarray(x[start:start + batch_size], dtype=np.float32)).to(dev)
            rep = extract(batch).reshape(len(batch), -1).float().cpu().numpy()
            if out is None:
                out = np.empty((len(x), rep.shape[1]), dtype=np.float32)
            out[start:start + len(batch)] = rep
            if progress is not None:
                progress(min(1.0, (start + len(batch)) / len(x)))
    if out is None:  # unreachable: len(x) > 0 was checked above
        raise CheckError("no activations were computed")
    return out


def _extractor(module: torch.nn.Module, example: torch.Tensor, layer: str | None) -> Callable[[Any], Any]:
    torch = _torch()
    if _is_script(module):
        chain = _script_chain(module)
        if chain is None:
            raise CheckError("TorchScript modules run no hooks: only a scripted Sequential can be split")
        names = [n for n, _ in chain]
        if layer is None:
            find_head(module, example)
            stop = len(chain) - 1
        elif layer in names:
            stop = names.index(layer) + 1
        else:
            raise InputError(f"no layer named {layer!r} in the scripted model (layers: {', '.join(names)})")

        def run_chain(batch: Any) -> Any:
            h = batch
            for _, child in chain[:stop]:
                h = child(h)
            return h

        return run_chain
    modules = dict(module.named_modules())
    if layer is None:
        target, use_input = modules[find_head(module, example)[0]], True
    elif layer in modules:
        target, use_input = modules[layer], False
    else:
        raise InputError(f"no layer named {layer!r} in the model (layers: {', '.join(n for n in modules if n)})")

    def run_hooked(batch: Any) -> Any:
        captured: list[Any] = []

        def hook(mod: Any, inputs: Any, output: Any) -> None:
            del mod
            captured.append(inputs[0] if use_input else output)

        handle = target.register_forward_hook(hook)
        try:
            module(batch)
        finally:
            handle.remove()
        if not captured or not isinstance(captured[0], torch.Tensor):
            raise CheckError("the chosen layer did not run or did not produce a tensor")
        return captured[0]

    return run_hooked


def _recorder(name: str, calls: list[tuple[str, Any, Any]]) -> Callable[..., None]:
    def hook(mod: Any, inputs: Any, output: Any) -> None:
        del inputs
        calls.append((name, mod, output))

    return hook


def _script_chain(module: Any) -> list[tuple[str, Any]] | None:
    """Leaf children of a (nested) scripted Sequential in call order, else ``None``."""
    if getattr(module, "original_name", type(module).__name__) != "Sequential":
        return None
    out: list[tuple[str, Any]] = []
    for name, child in module.named_children():
        if getattr(child, "original_name", "") == "Sequential":
            inner = _script_chain(child)
            if inner is None:
                return None
            out.extend((f"{name}.{n}", c) for n, c in inner)
        else:
            out.append((name, child))
    return out or None


def _is_script(module: Any) -> bool:
    torch = _torch()
    return isinstance(module, torch.jit.ScriptModule)


def _device(module: Any) -> Any:
    torch = _torch()
    first = next(iter(module.parameters()), None)
    return first.device if first is not None else torch.device("cpu")


def _torch() -> Any:
    return require("torch", "torch")
