"""Sign a model: hash it, wrap the manifest as an in-toto Statement v1 with the OpenSSF model-signing
predicate, sign it as a DSSE envelope and return the Sigstore bundle (the ``model.sig.json`` file).

The provenance record and the scan verdict travel as a second in-toto statement (predicate
``PROVENANCE_PREDICATE``) about the same subject digest, in its own DSSE envelope signed by the same
key, nested under ``predicate.mlsecure.provenance``. Model-signing v1.0 verifiers ignore predicate
fields other than ``serialization`` and ``resources``, so ``model_signing verify key`` still accepts
the bundle (P-256 keys, ``files`` layout, SHA-256).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlsecure.artifacts.provenance import (
    PROVENANCE_PREDICATE,
    ModelProvenance,
    ScanVerdict,
    provenance_predicate,
    scan_verdict,
)
from mlsecure.artifacts.signing.dsse import STATEMENT_TYPE, make_bundle, make_envelope
from mlsecure.artifacts.signing.hashing import ProgressCallback, hash_model, list_files
from mlsecure.artifacts.signing.keys import PrivateKey
from mlsecure.artifacts.signing.manifest import (
    DEFAULT_SHARD_SIZE,
    GIT_IGNORES,
    HashAlgorithm,
    Layout,
    Manifest,
)
from mlsecure.errors import InputError

MODEL_SIGNING_PREDICATE = "https://model_signing/signature/v1.0"
EXTENSION_KEY = "mlsecure"
EXTENSION_VERSION = 1


@dataclass(frozen=True)
class SignedModel:
    """The bundle to write, and what went into it."""

    bundle: dict[str, Any]
    manifest: Manifest
    scan: ScanVerdict
    provenance: ModelProvenance | None


def sign_model(
    model_path: str | Path,
    key: PrivateKey,
    *,
    algorithm: HashAlgorithm = "sha256",
    layout: Layout = "files",
    shard_size: int = DEFAULT_SHARD_SIZE,
    provenance: ModelProvenance | None = None,
    signature_path: str | Path | None = None,
    extra_ignore: Iterable[str] = (),
    scan: bool = True,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> SignedModel:
    """Hash and sign ``model_path`` (a directory or one file) with ``key``.

    ``signature_path``, when it lies inside the model directory, is left out of the manifest (and
    recorded in ``ignore_paths``) so the signature does not sign itself.
    """
    root = Path(model_path)
    ignore = list(GIT_IGNORES) + [p for p in extra_ignore if p]
    inside = relative_inside(root, signature_path)
    if inside is not None:
        ignore.append(inside)
    manifest = hash_model(root, algorithm=algorithm, layout=layout, shard_size=shard_size,
                          ignore_paths=ignore, workers=workers, progress=progress)
    root_digest = manifest.root_digest()
    if provenance is not None and provenance.model_hash and provenance.model_hash.lower() not in _own_hashes(manifest):
        raise InputError(f"provenance says model_hash {provenance.model_hash} but the model's files hash to "
                         f"{root_digest}; fix or drop model_hash (it is filled in when empty)")
    if provenance is not None and not provenance.model_hash:
        provenance = ModelProvenance.from_dict({**provenance.to_dict(), "model_hash": root_digest})
    verdict = (scan_verdict((n, p) for n, p, _ in list_files(root, tuple(ignore))) if scan
               else ScanVerdict("not-scanned", "", "", note="signed with scanning turned off"))
    subject = [{"name": manifest.model_name, "digest": {"sha256": root_digest}}]
    signed_at = datetime.now(UTC).isoformat(timespec="seconds")
    provenance_statement = {"_type": STATEMENT_TYPE, "subject": subject, "predicateType": PROVENANCE_PREDICATE,
                            "predicate": provenance_predicate(provenance, verdict, signed_at=signed_at)}
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": subject,
        "predicateType": MODEL_SIGNING_PREDICATE,
        "predicate": {
            "serialization": manifest.serialization.to_dict(),
            "resources": [r.to_dict() for r in manifest.resources],
            EXTENSION_KEY: {
                "version": EXTENSION_VERSION,
                "sizes": dict(sorted(manifest.sizes.items())),
                "provenance": make_envelope(provenance_statement, key),
            },
        },
    }
    bundle = make_bundle(make_envelope(statement, key), key.public_key())
    return SignedModel(bundle, manifest, verdict, provenance)


def relative_inside(root: Path, path: str | Path | None) -> str | None:
    """``path`` relative to the model directory ``root`` (POSIX), or None when it is outside."""
    if path is None or not root.is_dir():
        return None
    try:
        rel = Path(path).resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return rel.as_posix()


def _own_hashes(manifest: Manifest) -> set[str]:
    """Digests a user may already call the model's hash: the root digest, or a one-file model's digest."""
    out = {manifest.root_digest()}
    if len(manifest.resources) == 1:
        out.add(manifest.resources[0].digest)
    return out
