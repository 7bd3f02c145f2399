"""The guide's HMAC-signed manifest (section 11.1), done right.

The guide's sketch compares with ``hmac.compare_digest`` but ``pop``s the signature out of the
caller's manifest (mutating it, and crashing on a missing one with ``TypeError`` in
``compare_digest(None, ...)``), hashes only one file, and keys HMAC with any string. Here:

- the signed bytes are the canonical JSON of the manifest *without* its ``signature`` field, built
  from a copy: the manifest being verified is never mutated;
- the tag is compared with ``hmac.compare_digest`` on bytes (constant time);
- a missing, malformed or wrong-algorithm signature is a clear failure, not an exception;
- every file of a directory is covered (the same manifest engine as public-key signing);
- keys shorter than 16 bytes are refused.

HMAC is symmetric: whoever can verify can also forge. Prefer public-key signatures to share models.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlsecure.artifacts.signing.hashing import ProgressCallback, hash_model
from mlsecure.artifacts.signing.manifest import (
    DEFAULT_SHARD_SIZE,
    GIT_IGNORES,
    HashAlgorithm,
    Layout,
    Manifest,
    Serialization,
    diff_manifests,
    parse_resources,
)
from mlsecure.artifacts.signing.sign import relative_inside
from mlsecure.artifacts.signing.verify import Problem, VerificationResult
from mlsecure.errors import ConfigError, InputError
from mlsecure.strict_json import canonical_json

HMAC_FORMAT = "mlsecure-hmac-manifest/v1"
HMAC_ALGORITHM = "hmac-sha256"
MIN_KEY_BYTES = 16


def hmac_sign_model(
    model_path: str | Path,
    key: bytes,
    *,
    algorithm: HashAlgorithm = "sha256",
    layout: Layout = "files",
    shard_size: int = DEFAULT_SHARD_SIZE,
    metadata: Mapping[str, Any] | None = None,
    signature_path: str | Path | None = None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """An HMAC-SHA256-tagged manifest of every file of ``model_path``."""
    _check_key(key)
    ignore = list(GIT_IGNORES)
    inside = relative_inside(Path(model_path), signature_path)
    if inside is not None:
        ignore.append(inside)
    manifest = hash_model(model_path, algorithm=algorithm, layout=layout, shard_size=shard_size,
                          ignore_paths=ignore, workers=workers, progress=progress)
    body: dict[str, Any] = {
        "format": HMAC_FORMAT,
        "model_name": manifest.model_name,
        "root_digest": manifest.root_digest(),
        "serialization": manifest.serialization.to_dict(),
        "resources": [r.to_dict() for r in manifest.resources],
        "sizes": dict(sorted(manifest.sizes.items())),
        "signed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "metadata": dict(metadata or {}),
    }
    tag = hmac.new(key, canonical_json(body), hashlib.sha256).hexdigest()
    return {**body, "signature": {"algorithm": HMAC_ALGORITHM, "value": tag}}


def is_hmac_manifest(document: Mapping[str, Any]) -> bool:
    return document.get("format") == HMAC_FORMAT


def hmac_verify_model(
    model_path: str | Path,
    document: Mapping[str, Any],
    key: bytes,
    *,
    signature_path: str | Path | None = None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> VerificationResult:
    """Check the tag (constant time, on a copy), then every file. ``document`` is left untouched."""
    _check_key(key)
    if not is_hmac_manifest(document):
        raise InputError(f"not an HMAC manifest (expected format {HMAC_FORMAT!r})")
    signature = document.get("signature")
    if signature is None:
        return VerificationResult(False, (Problem("bad-signature", "the manifest has no signature"),))
    if (not isinstance(signature, Mapping) or signature.get("algorithm") != HMAC_ALGORITHM
            or not isinstance(signature.get("value"), str)):
        return VerificationResult(False, (Problem("bad-signature", f"the signature is not an {HMAC_ALGORITHM} "
                                                                   "tag"),))
    body = {k: v for k, v in document.items() if k != "signature"}  # a copy: the input is never mutated
    try:
        signed_bytes = canonical_json(body)
    except ValueError as exc:  # NaN or Infinity: no canonical JSON, so nothing a tag could cover
        raise InputError(f"HMAC manifest holds a value JSON cannot carry ({exc})") from None
    expected_tag = hmac.new(key, signed_bytes, hashlib.sha256).hexdigest().encode("ascii")
    if not hmac.compare_digest(expected_tag, signature["value"].encode("utf-8", "replace")):
        return VerificationResult(False, (Problem("bad-signature", "the HMAC tag does not match (the manifest "
                                                                   "was altered or the key is wrong)"),))
    serialization = Serialization.from_dict(body.get("serialization") or {})
    resources = parse_resources(body.get("resources") or [], serialization)
    raw_sizes = body.get("sizes") or {}
    if not isinstance(raw_sizes, Mapping) or not all(isinstance(v, int) for v in raw_sizes.values()):
        raise InputError("HMAC manifest: 'sizes' must map paths to integers")
    sizes = {str(k): int(v) for k, v in raw_sizes.items()}
    expected = Manifest(str(body.get("model_name", "")), serialization, resources, sizes)
    ignore = list(serialization.ignore_paths)
    inside = relative_inside(Path(model_path), signature_path)
    if inside is not None:
        ignore.append(inside)
    actual = hash_model(model_path, algorithm=serialization.hash_type, layout=serialization.method,
                        shard_size=serialization.shard_size or 1, ignore_paths=ignore, workers=workers,
                        progress=progress)
    problems = tuple(Problem(c.kind, c.describe(), c.path) for c in diff_manifests(expected, actual))
    return VerificationResult(not problems, problems, model_name=expected.model_name,
                              root_digest=expected.root_digest(), key_algorithm=HMAC_ALGORITHM,
                              serialization=serialization, files=len(sizes), total_bytes=expected.total_bytes())


def _check_key(key: bytes) -> None:
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"the HMAC key is {len(key)} bytes; use at least {MIN_KEY_BYTES} random bytes "
                          "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)")
