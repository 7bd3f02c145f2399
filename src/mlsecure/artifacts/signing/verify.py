"""Verify a model against its signature bundle: authenticity first, then every file.

Order matters: nothing in the payload (ignore paths, shard size, resources) is trusted until the DSSE
signature verifies with the caller's public key. Tampering is reported per file — modified, added,
removed, renamed — never as a bare "mismatch".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mlsecure.artifacts.provenance import PROVENANCE_PREDICATE, ScanVerdict
from mlsecure.artifacts.signing.dsse import bundle_parts, open_envelope
from mlsecure.artifacts.signing.hashing import ProgressCallback, hash_model
from mlsecure.artifacts.signing.keys import PublicKey, key_algorithm, key_hint
from mlsecure.artifacts.signing.manifest import (
    Change,
    Manifest,
    Serialization,
    diff_manifests,
    parse_resources,
    sizes_from_shards,
)
from mlsecure.artifacts.signing.sign import EXTENSION_KEY, MODEL_SIGNING_PREDICATE, relative_inside
from mlsecure.errors import InputError
from mlsecure.strict_json import read_json_object

ProblemKind = Literal["modified", "added", "removed", "renamed", "bad-signature", "wrong-key", "inconsistent",
                      "provenance", "scan"]


@dataclass(frozen=True)
class Problem:
    """Why verification failed, naming the file where there is one."""

    kind: ProblemKind
    message: str
    path: str | None = None


@dataclass(frozen=True)
class VerificationResult:
    """``valid`` is True only when the signature is authentic and every file matches."""

    valid: bool
    problems: tuple[Problem, ...] = ()
    model_name: str = ""
    root_digest: str = ""
    key_algorithm: str = ""
    serialization: Serialization | None = None
    files: int = 0
    total_bytes: int = 0
    scan: ScanVerdict | None = None
    provenance: Mapping[str, Any] | None = field(default=None)


def read_signature(path: str | Path) -> Mapping[str, Any]:
    """A signature file read strictly: a regular file (a FIFO is refused at once), bounded size and depth,
    no NaN/Infinity, no duplicate keys (two readers must not see two different manifests)."""
    return read_json_object(path, what="signature")


def verify_model(
    model_path: str | Path,
    bundle: Mapping[str, Any],
    public_key: PublicKey,
    *,
    require_clean_scan: bool = False,
    signature_path: str | Path | None = None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> VerificationResult:
    """Check ``bundle`` with ``public_key``, then re-hash ``model_path`` and compare every file."""
    envelope, hint = bundle_parts(bundle)
    opened = open_envelope(envelope, public_key)
    algo = key_algorithm(public_key)
    if not opened.authentic or opened.statement is None:
        if hint is not None and hint != key_hint(public_key):
            message = (f"signed with a different key (key hint {hint[:16]}..., this public key is "
                       f"{key_hint(public_key)[:16]}...)")
            return VerificationResult(False, (Problem("wrong-key", message),), key_algorithm=algo)
        return VerificationResult(False, (Problem("bad-signature", opened.reason),), key_algorithm=algo)
    statement = opened.statement
    if statement.get("predicateType") != MODEL_SIGNING_PREDICATE:
        raise InputError(f"signature: predicateType {statement.get('predicateType')!r} is not "
                         f"{MODEL_SIGNING_PREDICATE!r}")
    expected, subject_digest, extension = _expected_manifest(statement)
    problems: list[Problem] = []
    if hint is not None and hint != key_hint(public_key):
        problems.append(Problem("wrong-key", "the bundle's key hint does not match this public key"))
    if expected.root_digest() != subject_digest:
        problems.append(Problem("inconsistent", f"the subject digest {subject_digest} does not match the "
                                                f"signed resources ({expected.root_digest()})"))
    root = Path(model_path)
    ignore = list(expected.serialization.ignore_paths)
    inside = relative_inside(root, signature_path)
    if inside is not None:
        ignore.append(inside)
    actual = hash_model(root, algorithm=expected.serialization.hash_type, layout=expected.serialization.method,
                        shard_size=expected.serialization.shard_size or 1, ignore_paths=ignore, workers=workers,
                        progress=progress)
    problems.extend(_change_problem(c) for c in diff_manifests(expected, actual))
    scan, provenance = _provenance(extension.get("provenance"), public_key, subject_digest, problems)
    if require_clean_scan and (scan is None or not scan.clean):
        reason = ("no scan verdict was signed" if scan is None else
                  f"the signed scan verdict is {scan.status!r}" + (f": {scan.issues[0]}" if scan.issues else ""))
        problems.append(Problem("scan", f"--require-clean-scan: {reason}"))
    return VerificationResult(
        valid=not problems, problems=tuple(problems), model_name=expected.model_name, root_digest=subject_digest,
        key_algorithm=algo, serialization=expected.serialization, files=len(expected.sizes),
        total_bytes=expected.total_bytes(), scan=scan, provenance=provenance,
    )


def _expected_manifest(statement: Mapping[str, Any]) -> tuple[Manifest, str, Mapping[str, Any]]:
    subjects = statement.get("subject")
    if not isinstance(subjects, list) or len(subjects) != 1 or not isinstance(subjects[0], Mapping):
        raise InputError("signature: expected exactly one subject")
    digest = subjects[0].get("digest", {})
    if not isinstance(digest, Mapping) or not isinstance(digest.get("sha256"), str):
        raise InputError("signature: the subject has no sha256 digest")
    predicate = statement.get("predicate")
    if not isinstance(predicate, Mapping) or not isinstance(predicate.get("resources"), list):
        raise InputError("signature: the predicate has no resources")
    serialization = Serialization.from_dict(predicate.get("serialization") or {})
    resources = parse_resources(predicate["resources"], serialization)
    extension = predicate.get(EXTENSION_KEY)
    extension = extension if isinstance(extension, Mapping) else {}
    sizes = extension.get("sizes")
    if isinstance(sizes, Mapping) and all(isinstance(v, int) for v in sizes.values()):
        file_sizes = {str(k): int(v) for k, v in sizes.items()}
    elif serialization.method == "shards":
        file_sizes = sizes_from_shards(resources)
    else:
        file_sizes = {}
    if not file_sizes:  # a bundle from another signer: sizes unknown, compare digests only
        file_sizes = {r.path: -1 for r in resources}
    name = subjects[0].get("name")
    manifest = Manifest(str(name or ""), serialization, resources, file_sizes)
    return manifest, digest["sha256"].lower(), extension


def _change_problem(change: Change) -> Problem:
    return Problem(change.kind, change.describe(), change.path)


def _provenance(envelope: Any, key: PublicKey, subject_digest: str,
                problems: list[Problem]) -> tuple[ScanVerdict | None, Mapping[str, Any] | None]:
    if envelope is None:
        return None, None
    opened = open_envelope(envelope, key)
    if not opened.authentic or opened.statement is None:
        problems.append(Problem("provenance", f"the provenance statement's signature is invalid: {opened.reason}"))
        return None, None
    statement = opened.statement
    subjects = statement.get("subject")
    digest = (subjects[0].get("digest", {}).get("sha256") if isinstance(subjects, list) and subjects
              and isinstance(subjects[0], Mapping) else None)
    if statement.get("predicateType") != PROVENANCE_PREDICATE or digest != subject_digest:
        problems.append(Problem("provenance", "the provenance statement is about a different model"))
        return None, None
    predicate = statement.get("predicate")
    if not isinstance(predicate, Mapping):
        return None, None
    provenance = predicate.get("provenance")
    return ScanVerdict.from_dict(predicate.get("scan")), provenance if isinstance(provenance, Mapping) else None
