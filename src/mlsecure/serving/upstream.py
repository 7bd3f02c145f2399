"""Upstream mode: forward validated, authorised rows to a model server people already run.

The gateway keeps every defence (auth, limits, validation, hardening, signing, extraction monitor, audit);
the upstream only computes class probabilities. Four wire protocols:

- ``oip``: Open Inference Protocol / KServe v2 (MLServer, Triton, KServe):
  ``POST /v2/models/{m}[/versions/{v}]/infer`` with one FP32 tensor, asking for the probability output;
- ``kserve-v1``: ``POST /v1/models/{m}:predict`` ``{"instances": rows}`` -> ``{"predictions": ...}``;
- ``mlflow``: ``POST /invocations`` ``{"inputs": rows}`` -> ``{"predictions": ...}`` (or a bare list);
- ``torchserve``: ``POST /predictions/{m}`` ``{"data": rows}`` -> a list (a custom handler's batch answer).

Predictions may be probability vectors, ``{label: probability}`` objects (TorchServe's classifiers) or
bare class indices (turned into one-hot rows). Anything else, a non-2xx status, a body over
``max_response_bytes`` or a connection failure is an ``UpstreamError`` (502); a timeout is 504.
One ``HTTPPool`` per gateway (``serving.http_pool``: HTTP/1.1 keep-alive, an asyncio Protocol with httptools'
parser, bounded) pools the connections; bodies are encoded and decoded with orjson when it is installed.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlsecure.errors import ConfigError
from mlsecure.serving.config import UpstreamConfig
from mlsecure.serving.http_pool import HTTPError, HTTPPool, HTTPResponse, HTTPTimeout, HTTPTooLarge

try:
    import orjson

    def _dumps(doc: Any) -> bytes:
        return orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY)

    _loads: Any = orjson.loads
except ImportError:  # pragma: no cover - orjson is in the gateway extra
    def _dumps(doc: Any) -> bytes:
        return json.dumps(doc, separators=(",", ":"), default=lambda a: a.tolist()).encode()

    _loads = json.loads


SMALL_ANSWER = 256
"""OIP answers with at most this many probabilities are checked and hardened in Python (``predict_rows``)."""


class UpstreamError(Exception):
    """The upstream failed: ``status`` 502 (bad answer, refused connection) or 504 (timeout)."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class UpstreamSchema:
    """What the upstream's OIP metadata says about its input."""

    input_name: str
    input_shape: tuple[int, ...]
    datatype: str


class Upstream:
    """An async client for one upstream model (``predict_proba`` is the only call on the request path)."""

    def __init__(self, cfg: UpstreamConfig, *, model_name: str, labels: list[Any] | None,
                 input_name: str = "input-0") -> None:
        if cfg.url is None:
            raise ConfigError("[upstream] url is not set")
        self.cfg = cfg
        self.protocol = cfg.protocol
        self.base = cfg.url.rstrip("/")
        self.model = cfg.model or model_name
        self.labels = labels
        self.input_name = input_name
        self.output = cfg.output or "predict_proba"
        self._pool: HTTPPool | None = None  # made on the serving event loop: its connections belong to that loop
        self._pool_loop: asyncio.AbstractEventLoop | None = None
        self.endpoint = self._endpoint()
        self._path = self.endpoint[len(self.base):]

    def _client(self) -> HTTPPool:
        loop = asyncio.get_running_loop()
        if self._pool is None or self._pool_loop is not loop:  # first call, or a new loop (a notebook, a test)
            self._pool_loop = loop
            try:
                self._pool = HTTPPool(self.base, timeout_s=self.cfg.timeout_s,
                                      connect_timeout_s=self.cfg.connect_timeout_s,
                                      max_connections=self.cfg.max_connections,
                                      max_response_bytes=self.cfg.max_response_bytes)
            except ValueError as exc:
                raise ConfigError(f"[upstream] url: {exc}") from None
        return self._pool

    def _endpoint(self) -> str:
        if self.protocol == "oip":
            version = f"/versions/{self.cfg.version}" if self.cfg.version else ""
            return f"{self.base}/v2/models/{self.model}{version}/infer"
        if self.protocol == "kserve-v1":
            return f"{self.base}/v1/models/{self.model}:predict"
        if self.protocol == "mlflow":
            return f"{self.base}/invocations"
        return f"{self.base}/predictions/{self.model}"

    def fetch_schema(self) -> UpstreamSchema:
        """OIP metadata ``GET /v2/models/{m}`` at start-up; a ``ConfigError`` (fail closed) if unusable. Read
        with the same client and limits as the requests (``max_response_bytes``, timeouts, no redirects)."""
        url = f"{self.base}/v2/models/{self.model}"

        async def get() -> HTTPResponse:
            pool = HTTPPool(self.base, timeout_s=self.cfg.timeout_s, connect_timeout_s=self.cfg.connect_timeout_s,
                            max_connections=1, max_response_bytes=self.cfg.max_response_bytes)
            try:
                return await pool.request("GET", url[len(self.base):])
            finally:
                await pool.aclose()

        try:  # on a thread of its own: the caller may already be inside an event loop (a notebook)
            with ThreadPoolExecutor(1) as one:
                response = one.submit(lambda: asyncio.run(get())).result()
        except (HTTPError, ValueError) as exc:
            raise ConfigError(f"[upstream] url: cannot read the model metadata at {url}: {exc}") from None
        if response.status != 200:
            raise ConfigError(f"[upstream] url: {url} answered {response.status}; set [model] input_shape "
                              "or fix [upstream] model")
        try:
            inputs = _loads(response.body)["inputs"]
            first = inputs[0]
            shape = tuple(int(d) for d in first["shape"])
            name, dtype = str(first["name"]), str(first["datatype"])
        except (ValueError, KeyError, IndexError, TypeError):
            raise ConfigError(f"[upstream] url: {url} has no usable input metadata; set [model] input_shape") from None
        if len(inputs) != 1:
            raise ConfigError(f"[upstream] url: the upstream model has {len(inputs)} inputs; the gateway forwards one")
        dims = shape[1:] if shape and shape[0] == -1 else shape
        if not dims or any(d <= 0 for d in dims):
            raise ConfigError(f"[upstream] url: input shape {list(shape)} is not [-1, fixed dims...]; set "
                              "[model] input_shape")
        return UpstreamSchema(name, dims, dtype)

    async def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Rows ``x`` ``(n, *shape)`` -> probabilities ``(n, k)``, or ``UpstreamError``."""
        proba = await self.predict_rows(x)
        return np.asarray(proba, dtype=np.float64) if isinstance(proba, list) else proba

    async def predict_rows(self, x: np.ndarray) -> np.ndarray | list[list[float]]:
        """``predict_proba``, except that a small OIP answer of plain floats (at most ``SMALL_ANSWER`` values, as
        one row of a classifier is) comes back as a list of rows of Python floats, checked in Python: the
        request path then hardens it without numpy calls on one-row arrays (``OutputPolicy.apply_rows``)."""
        n = len(x)
        if self.protocol == "oip":
            body: Any = {"inputs": [{"name": self.input_name, "shape": list(x.shape), "datatype": "FP32",
                                     "data": np.ascontiguousarray(x, dtype=np.float32).ravel()}],
                         "outputs": [{"name": self.output}]}
        else:
            key = {"kserve-v1": "instances", "mlflow": "inputs", "torchserve": "data"}[self.protocol]
            body = {key: np.ascontiguousarray(x, dtype=np.float32)}
        doc = await self._post(_dumps(body))
        if self.protocol == "oip":
            return self._oip_proba(doc, n)
        preds = doc.get("predictions") if isinstance(doc, dict) else doc
        return self._as_proba(preds, n)

    async def _post(self, content: bytes) -> Any:
        try:
            response = await self._client().request("POST", self._path, content)
        except HTTPTimeout:
            raise UpstreamError(504, "upstream_timeout",
                                f"the upstream model server did not answer within {self.cfg.timeout_s} s") from None
        except HTTPTooLarge:
            raise UpstreamError(502, "upstream_too_large",
                                f"upstream answer larger than {self.cfg.max_response_bytes} bytes") from None
        except HTTPError as exc:
            raise UpstreamError(502, "upstream_unreachable", f"the upstream model server failed: {exc}") from None
        status = response.status
        if not 200 <= status < 300:
            raise UpstreamError(502, "upstream_error", f"the upstream model server answered HTTP {status}")
        try:
            return _loads(response.body)
        except (ValueError, RecursionError):
            raise UpstreamError(502, "upstream_bad_answer", "the upstream answer is not JSON") from None

    def _oip_proba(self, doc: Any, n: int) -> np.ndarray | list[list[float]]:
        outputs = doc.get("outputs") if isinstance(doc, dict) else None
        if not isinstance(outputs, list) or not outputs:
            raise UpstreamError(502, "upstream_bad_answer", "the upstream OIP answer has no outputs")
        chosen = next((o for o in outputs if isinstance(o, dict) and o.get("name") == self.output), None)
        if chosen is None and len(outputs) == 1 and isinstance(outputs[0], dict):
            chosen = outputs[0]
        if chosen is None:
            raise UpstreamError(502, "upstream_bad_answer", f"the upstream OIP answer has no output {self.output!r}")
        shape, data = chosen.get("shape"), chosen.get("data")
        if not isinstance(shape, list) or not isinstance(data, list):
            raise UpstreamError(502, "upstream_bad_answer", "the upstream OIP output lacks shape or data")
        if len(shape) == 1:  # class indices
            return self._as_proba(data, n)
        rows = self._small_rows(shape, data, n)
        if rows is not None:
            return rows
        try:
            arr = np.asarray(data, dtype=np.float64).reshape([int(d) for d in shape])
        except (ValueError, TypeError):
            raise UpstreamError(502, "upstream_bad_answer", "the upstream OIP output data does not fit its shape") \
                from None
        return self._check(arr, n)

    def _small_rows(self, shape: list[Any], data: list[Any], n: int) -> list[list[float]] | None:
        """``data`` as ``n`` rows of floats when it is a small, flat, well-shaped list of floats that passes
        ``_check``'s tests (else ``UpstreamError``, with ``_check``'s message); None: anything else (nested, ints,
        another shape, larger), which ``_check`` decides on a numpy array."""
        if len(data) > SMALL_ANSWER or len(shape) != 2 or type(shape[0]) is not int or type(shape[1]) is not int:
            return None
        k = shape[1]
        if shape[0] != n or k < 1 or len(data) != n * k or (self.labels and k != len(self.labels)):
            return None
        for value in data:
            if type(value) is not float:
                return None
        rows = [data[i:i + k] for i in range(0, n * k, k)]
        for row in rows:
            # as _check: NaN fails the comparisons (min, or its row's sum), infinity breaks its row's sum
            if not (min(row) >= 0 and abs(sum(row) - 1.0) <= 1e-3):
                raise UpstreamError(502, "upstream_bad_answer", "the upstream probabilities are not distributions")
        return rows

    def _as_proba(self, preds: Any, n: int) -> np.ndarray:
        if not isinstance(preds, list) or len(preds) != n:
            got = len(preds) if isinstance(preds, list) else type(preds).__name__
            raise UpstreamError(502, "upstream_bad_answer", f"the upstream returned {got} predictions for {n} rows")
        if all(isinstance(p, dict) for p in preds):
            labels = self.labels if self.labels else sorted(str(k) for k in preds[0])
            index = {str(label): i for i, label in enumerate(labels)}
            arr = np.zeros((n, len(labels)))
            for r, p in enumerate(preds):
                for key, value in p.items():
                    if str(key) not in index or isinstance(value, bool) or not isinstance(value, (int, float)):
                        raise UpstreamError(502, "upstream_bad_answer", f"unexpected upstream label {key!r}")
                    arr[r, index[str(key)]] = value
            return self._check(arr, n)
        if all(isinstance(p, int) and not isinstance(p, bool) for p in preds):
            if not self.labels:
                raise UpstreamError(502, "upstream_bad_answer", "the upstream returned class indices; set [model] "
                                                                "labels so the gateway knows the classes")
            k = len(self.labels)
            if any(not 0 <= p < k for p in preds):
                raise UpstreamError(502, "upstream_bad_answer", "the upstream returned a class index out of range")
            return np.eye(k)[np.asarray(preds, dtype=np.int64)]
        try:
            arr = np.asarray(preds, dtype=np.float64)
        except (ValueError, TypeError):
            raise UpstreamError(502, "upstream_bad_answer", "the upstream predictions are not numeric") from None
        return self._check(arr, n)

    def _check(self, arr: np.ndarray, n: int) -> np.ndarray:
        if arr.ndim != 2 or arr.shape[0] != n or arr.shape[1] < 1:
            raise UpstreamError(502, "upstream_bad_answer",
                                f"the upstream returned probabilities of shape {list(arr.shape)} for {n} rows")
        if self.labels and arr.shape[1] != len(self.labels):
            raise UpstreamError(502, "upstream_bad_answer", f"the upstream returned {arr.shape[1]} classes; "
                                                            f"[model] labels names {len(self.labels)}")
        # written so that NaN fails the comparisons and infinity breaks its row's sum: no separate finite check
        if not (arr.min() >= 0 and float(np.abs(arr.sum(axis=1) - 1.0).max()) <= 1e-3):
            raise UpstreamError(502, "upstream_bad_answer", "the upstream probabilities are not distributions")
        return arr

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None  # a later request (on a new loop) opens a new pool
        if pool is not None and self._pool_loop is asyncio.get_running_loop():
            await pool.aclose()


class UpstreamModel:
    """The ``Model`` facts the gateway needs (schema, labels, model card) for a model served elsewhere."""

    def __init__(self, protocol: str, input_shape: tuple[int, ...], labels: list[Any] | None) -> None:
        self._framework = f"upstream:{protocol}"
        self._shape = input_shape
        self._labels = labels

    @property
    def n_classes(self) -> int:
        return len(self._labels) if self._labels else 0

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self._shape

    @property
    def clip_values(self) -> tuple[float, float] | None:
        return None

    @property
    def classes(self) -> np.ndarray | None:
        return np.asarray(self._labels) if self._labels else None

    @property
    def framework(self) -> str:
        return self._framework

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        raise RuntimeError("an upstream model is called through Upstream.predict_proba (async)")
