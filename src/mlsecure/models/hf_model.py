"""Hugging Face transformers folders (``config.json`` + safetensors) as mlsecure models.

Only architectures built into ``transformers`` load: a config with ``auto_map`` (code shipped with the
model) is refused, ``trust_remote_code`` is never passed, and weights come from safetensors only
(``pytorch_model.bin`` is a pickle: it belongs to the pickle gate). Tokenizers come from
``tokenizer.json`` through the ``tokenizers`` library, never from pickled/slow tokenizer files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mlsecure.errors import InputError, ModelLoadError, UnsafeArtifactError, require
from mlsecure.models.interface import AdapterAttributes
from mlsecure.models.torch_proba import SoftmaxOverLogits

if TYPE_CHECKING:
    import torch

MAX_JSON_BYTES = 64 * 1024**2
"""config/tokenizer/preprocessor JSON above this is refused (real ones are a few MB at most)."""

_PICKLE_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5", "flax_model.msgpack")


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path`` with a size cap; anything else is a one-line ``ModelLoadError``."""
    if path.stat().st_size > MAX_JSON_BYTES:
        raise ModelLoadError(f"{path}: over {MAX_JSON_BYTES} bytes, refused")
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise ModelLoadError(f"{path}: expected a JSON object")
    return obj


def check_hf_folder(folder: Path) -> tuple[dict[str, Any], str]:
    """The folder's config and its architecture class name, after the refusals in the module doc."""
    config = read_json(folder / "config.json")
    if "auto_map" in config or config.get("trust_remote_code"):
        raise UnsafeArtifactError(
            f"{folder}: config.json maps the model to code shipped with it (auto_map); mlsecure never runs "
            "remote code (trust_remote_code) - use a built-in transformers architecture",
            ("auto_map",),
        )
    if not ((folder / "model.safetensors").is_file() or (folder / "model.safetensors.index.json").is_file()):
        pickled = [name for name in _PICKLE_WEIGHTS if (folder / name).exists()]
        if pickled:
            raise UnsafeArtifactError(
                f"{folder}: weights are only in {pickled[0]}, a pickle-based format; scan that file through "
                "the pickle gate, or convert the weights to model.safetensors",
                (pickled[0],),
            )
        raise ModelLoadError(f"{folder}: no model.safetensors (or model.safetensors.index.json) next to config.json")
    archs = config.get("architectures") or []
    if not isinstance(archs, list) or len(archs) != 1 or not isinstance(archs[0], str):
        raise ModelLoadError(f"{folder}: config.json must name exactly one architecture, got {archs!r}")
    return config, archs[0]


def load_hf_folder(
    folder: str | Path,
    *,
    clip_values: tuple[float, float] | None = None,
    input_shape: tuple[int, ...] | None = None,
) -> HFImageClassifier | HFTextClassifier:
    """Load an image- or text-classification folder; anything else is refused with the reason."""
    folder = Path(folder)
    config, arch = check_hf_folder(folder)
    transformers = require("transformers", "hf")
    if config.get("model_type") not in transformers.CONFIG_MAPPING:
        raise ModelLoadError(f"{folder}: model_type {config.get('model_type')!r} is not built into transformers")
    cls = getattr(transformers, arch, None)
    if cls is None or not arch.endswith(("ForImageClassification", "ForSequenceClassification")):
        raise ModelLoadError(
            f"{folder}: architecture {arch!r} is not a built-in transformers image or sequence classifier"
        )
    hf_logging = transformers.utils.logging
    bars_were_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # library code never prints: no "Loading weights" bar on stderr
    try:
        model = cls.from_pretrained(str(folder), local_files_only=True, use_safetensors=True)
    except Exception as exc:  # transformers raises OSError/ValueError/RuntimeError with long messages
        text = str(exc).strip()
        first = text.splitlines()[0] if text else repr(exc)
        raise ModelLoadError(f"{folder}: transformers cannot load it: {first}") from None
    finally:
        if bars_were_on:
            hf_logging.enable_progress_bar()
    model.eval()
    if arch.endswith("ForImageClassification"):
        return HFImageClassifier.from_folder(model, folder, config, clip_values=clip_values, input_shape=input_shape)
    return HFTextClassifier.from_folder(model, folder, config)


class HFImageClassifier(SoftmaxOverLogits, AdapterAttributes):
    """A transformers image classifier over pixel arrays ``(C, H, W)`` (a ``DifferentiableModel``).

    Inputs are the pixels after rescaling (``[0, 1]`` when the preprocessor rescales by 1/255); the
    preprocessor's mean/std normalisation runs inside ``logits`` as torch ops, so gradient attacks
    perturb real pixels and the epsilon is in pixel units. No resizing: data must be ``H x W`` already.
    """

    framework = "transformers"
    input_kind = "image"

    def __init__(
        self,
        model: Any,
        *,
        input_shape: tuple[int, int, int],
        mean: list[float] | None = None,
        std: list[float] | None = None,
        clip_values: tuple[float, float] | None = None,
        batch_size: int = 64,
    ) -> None:
        torch = require("torch", "torch")
        self._torch = torch
        self.model = model
        first = next(iter(model.parameters()))
        self._device = first.device
        self._input_shape = tuple(int(d) for d in input_shape)
        channels = self._input_shape[0]
        self._mean = None if mean is None else torch.tensor(mean, dtype=torch.float32).reshape(channels, 1, 1)
        self._std = None if std is None else torch.tensor(std, dtype=torch.float32).reshape(channels, 1, 1)
        self._clip_values = clip_values
        self._classes = None
        self._n_classes = int(model.config.num_labels)
        self.batch_size = batch_size

    @classmethod
    def from_folder(
        cls, model: Any, folder: Path, config: dict[str, Any], *,
        clip_values: tuple[float, float] | None, input_shape: tuple[int, ...] | None,
    ) -> HFImageClassifier:
        pre_path = folder / "preprocessor_config.json"
        pre = read_json(pre_path) if pre_path.is_file() else {}
        channels = int(config.get("num_channels", 3))
        if input_shape is None:
            side = _image_side(config, pre)
            if side is None:
                raise ModelLoadError(f"{folder}: neither config.json nor preprocessor_config.json gives the image "
                                     "size; pass --input-shape C,H,W")
            input_shape = (channels, side[0], side[1])
        if len(input_shape) != 3:
            raise InputError(f"an image model's input shape is (C, H, W), got {input_shape}")
        mean = std = None
        if pre.get("do_normalize", bool(pre)) and "image_mean" in pre and "image_std" in pre:
            mean, std = _per_channel(pre["image_mean"], channels), _per_channel(pre["image_std"], channels)
        if clip_values is None and pre.get("do_rescale", False):
            clip_values = (0.0, 1.0)
        shape = (int(input_shape[0]), int(input_shape[1]), int(input_shape[2]))
        return cls(model, input_shape=shape, mean=mean, std=std, clip_values=clip_values)

    @property
    def device(self) -> torch.device:
        device: torch.device = self._device
        return device

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        if self._mean is not None and self._std is not None:
            x = (x - self._mean.to(x.device)) / self._std.to(x.device)
        out: torch.Tensor = self.model(pixel_values=x).logits
        return out


def _image_side(config: dict[str, Any], pre: dict[str, Any]) -> tuple[int, int] | None:
    size = config.get("image_size")
    if isinstance(size, int):
        return size, size
    if isinstance(size, list) and len(size) == 2:
        return int(size[0]), int(size[1])
    pre_size = pre.get("crop_size") if pre.get("do_center_crop") else pre.get("size")
    if isinstance(pre_size, int):
        return pre_size, pre_size
    if isinstance(pre_size, dict) and "height" in pre_size and "width" in pre_size:
        return int(pre_size["height"]), int(pre_size["width"])
    return None


def _per_channel(values: Any, channels: int) -> list[float]:
    vals = [float(v) for v in values] if isinstance(values, list) else [float(values)] * channels
    if len(vals) != channels:
        raise ModelLoadError(f"preprocessor_config.json has {len(vals)} mean/std values for {channels} channels")
    return vals


class HFTextClassifier:
    """A transformers text classifier over strings (black-box: token ids have no useful gradient).

    ``predict_proba`` takes an array of strings (one text column). Tokenisation uses the folder's
    ``tokenizer.json`` with truncation to the model's maximum length and padding with an attention mask.
    ``embed`` gives the last hidden state of the first token, for checks that work on embeddings.
    """

    framework = "transformers"
    input_kind = "text"

    def __init__(self, model: Any, tokenizer: Any, *, batch_size: int = 32) -> None:
        torch = require("torch", "torch")
        import inspect

        self._torch = torch
        self.model = model
        self.tokenizer = tokenizer
        self._device = next(iter(model.parameters())).device
        self._n_classes = int(model.config.num_labels)
        self._token_types = "token_type_ids" in inspect.signature(model.forward).parameters
        self.batch_size = batch_size

    @classmethod
    def from_folder(cls, model: Any, folder: Path, config: dict[str, Any]) -> HFTextClassifier:
        tokenizers = require("tokenizers", "hf")
        tok_path = folder / "tokenizer.json"
        if not tok_path.is_file():
            raise ModelLoadError(f"{folder}: a text model needs tokenizer.json (other tokenizer files are not read)")
        if tok_path.stat().st_size > MAX_JSON_BYTES:
            raise ModelLoadError(f"{tok_path}: over {MAX_JSON_BYTES} bytes, refused")
        try:
            tokenizer = tokenizers.Tokenizer.from_file(str(tok_path))
        except Exception as exc:  # the Rust parser's message
            raise ModelLoadError(f"{tok_path}: not a tokenizers file: {str(exc).strip()[:200]}") from None
        tok_cfg_path = folder / "tokenizer_config.json"
        tok_cfg = read_json(tok_cfg_path) if tok_cfg_path.is_file() else {}
        max_len = int(config.get("max_position_embeddings", 512))
        model_max = tok_cfg.get("model_max_length")
        if isinstance(model_max, int) and 0 < model_max < max_len:
            max_len = model_max
        tokenizer.enable_truncation(max_length=max_len)
        if tokenizer.padding is None:
            pad_id, pad_token = _pad_token(tokenizer, tok_cfg, config)
            tokenizer.enable_padding(pad_id=pad_id, pad_token=pad_token)
        return cls(model, tokenizer)

    @property
    def n_classes(self) -> int:
        return self._n_classes

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1,)

    @property
    def clip_values(self) -> tuple[float, float] | None:
        return None

    @property
    def classes(self) -> np.ndarray | None:
        return None

    def _encode(self, texts: list[str]) -> dict[str, Any]:
        torch = self._torch
        enc = self.tokenizer.encode_batch(texts)
        inputs = {
            "input_ids": torch.tensor([e.ids for e in enc], device=self._device),
            "attention_mask": torch.tensor([e.attention_mask for e in enc], device=self._device),
        }
        if self._token_types:
            inputs["token_type_ids"] = torch.tensor([e.type_ids for e in enc], device=self._device)
        return inputs

    def _texts(self, x: Any) -> list[str]:
        arr = np.asarray(x, dtype=object)
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise InputError(f"a text model takes one text column, got inputs of shape {arr.shape}")
        bad = next((v for v in arr if not isinstance(v, str)), None)
        if bad is not None:
            raise InputError(f"a text model takes strings, got a {type(bad).__name__} ({bad!r:.40})")
        return [str(v) for v in arr]

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        torch = self._torch
        texts = self._texts(x)
        outs = []
        with torch.no_grad():
            for i in range(0, len(texts), self.batch_size):
                logits = self.model(**self._encode(texts[i : i + self.batch_size])).logits
                outs.append(torch.softmax(logits.float(), dim=1).cpu().numpy())
        if not outs:
            return np.empty((0, self._n_classes))
        return np.concatenate(outs).astype(np.float64)

    def embed(self, x: np.ndarray) -> np.ndarray:
        """Last-layer hidden state of the first token (``[CLS]``) for each text."""
        torch = self._torch
        texts = self._texts(x)
        outs = []
        with torch.no_grad():
            for i in range(0, len(texts), self.batch_size):
                out = self.model(**self._encode(texts[i : i + self.batch_size]), output_hidden_states=True)
                outs.append(out.hidden_states[-1][:, 0].float().cpu().numpy())
        return np.concatenate(outs).astype(np.float64) if outs else np.empty((0, 0))


def _pad_token(tokenizer: Any, tok_cfg: dict[str, Any], config: dict[str, Any]) -> tuple[int, str]:
    pad = tok_cfg.get("pad_token")
    if isinstance(pad, dict):
        pad = pad.get("content")
    if isinstance(pad, str) and tokenizer.token_to_id(pad) is not None:
        return int(tokenizer.token_to_id(pad)), pad
    pad_id = config.get("pad_token_id")
    if isinstance(pad_id, int) and tokenizer.id_to_token(pad_id) is not None:
        return pad_id, str(tokenizer.id_to_token(pad_id))
    raise ModelLoadError("the tokenizer names no padding token (tokenizer_config.json pad_token or pad_token_id)")


def from_transformers_object(
    model: Any,
    *,
    tokenizer: Any = None,
    input_shape: tuple[int, ...] | None = None,
    mean: list[float] | None = None,
    std: list[float] | None = None,
    clip_values: tuple[float, float] | None = None,
) -> HFImageClassifier | HFTextClassifier:
    """An in-memory ``*ForImageClassification`` (pixels in, ``mean``/``std`` normalisation optional) or
    ``*ForSequenceClassification`` with a ``tokenizers.Tokenizer``; a tokenizer without truncation or padding
    gets them here (the model's ``max_position_embeddings`` and ``pad_token_id``), as batching needs both."""
    name = type(model).__name__
    model.eval()
    config = model.config
    if name.endswith("ForImageClassification"):
        if input_shape is None:
            size = getattr(config, "image_size", None)
            if not isinstance(size, int):
                raise ModelLoadError(f"{name}: pass input_shape=(C, H, W); the config gives no square image_size")
            input_shape = (int(getattr(config, "num_channels", 3)), size, size)
        if len(input_shape) != 3:
            raise InputError(f"an image model's input shape is (C, H, W), got {input_shape}")
        shape = (int(input_shape[0]), int(input_shape[1]), int(input_shape[2]))
        return HFImageClassifier(model, input_shape=shape, mean=mean, std=std, clip_values=clip_values)
    if name.endswith("ForSequenceClassification"):
        if tokenizer is None or not hasattr(tokenizer, "encode_batch"):
            raise ModelLoadError(f"{name}: pass tokenizer= (a tokenizers.Tokenizer, e.g. Tokenizer.from_file)")
        if tokenizer.truncation is None:
            tokenizer.enable_truncation(max_length=int(getattr(config, "max_position_embeddings", 512)))
        if tokenizer.padding is None:
            pad_id, pad_token = _pad_token(tokenizer, {}, config.to_dict())
            tokenizer.enable_padding(pad_id=pad_id, pad_token=pad_token)
        return HFTextClassifier(model, tokenizer)
    raise ModelLoadError(f"{name} is not a transformers image or sequence classifier")
