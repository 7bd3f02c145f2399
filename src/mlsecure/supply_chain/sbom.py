"""A CycloneDX 1.6 ML-BOM for a model: the model (type ``machine-learning-model``) with a SHA-256 per
file, the datasets its provenance names (type ``data``), and the Python dependencies of a requirements
file (type ``library`` with a ``pkg:pypi`` purl and any ``--hash`` pins), built with
cyclonedx-python-lib and checked by that library's own strict JSON-schema validator.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlsecure import __version__
from mlsecure.artifacts.provenance import ModelProvenance
from mlsecure.artifacts.signing.hashing import ProgressCallback, hash_model
from mlsecure.errors import CheckError, InputError, require
from mlsecure.supply_chain.requirements import RequirementEntry, parse_requirements

_HASH_NAMES = {"sha256": ("SHA-256", 64), "sha384": ("SHA-384", 96), "sha512": ("SHA-512", 128), "md5": ("MD5", 32),
               "sha1": ("SHA-1", 40)}


@dataclass(frozen=True)
class Sbom:
    """The serialized BOM and what is in it."""

    json: str
    components: int
    files: int
    datasets: int
    dependencies: int


def build_sbom(
    model_path: str | Path,
    *,
    requirements: str | Path | None = None,
    provenance: ModelProvenance | None = None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> Sbom:
    """Hash the model's files and describe model, datasets and dependencies as CycloneDX 1.6 JSON."""
    require("cyclonedx", "supply")
    from cyclonedx.model import ExternalReference, ExternalReferenceType, HashAlgorithm, HashType, Property, XsUri
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from packageurl import PackageURL

    root = Path(model_path)
    manifest = hash_model(root, algorithm="sha256", layout="files", workers=workers, progress=progress)
    files = [Component(name=r.name if r.name != "." else root.name, type=ComponentType.FILE,
                       bom_ref=f"file:{r.name}", hashes=[HashType(alg=HashAlgorithm.SHA_256, content=r.digest)])
             for r in manifest.resources]
    props = [Property(name="mlsecure:manifest-sha256", value=manifest.root_digest()),
             Property(name="mlsecure:files", value=str(len(files))),
             Property(name="mlsecure:bytes", value=str(manifest.total_bytes()))]
    model_hashes = ([HashType(alg=HashAlgorithm.SHA_256, content=manifest.resources[0].digest)]
                    if len(manifest.resources) == 1 else [])
    name, version = manifest.model_name, None
    if provenance is not None:
        name, version = provenance.model_name, provenance.model_version or None
        props.extend(Property(name=f"mlsecure:provenance:{key}", value=str(value))
                     for key, value in _flat_provenance(provenance))
    model = Component(name=name, version=version, type=ComponentType.MACHINE_LEARNING_MODEL, bom_ref="model",
                      hashes=model_hashes, properties=props, components=files,
                      description=f"model artifact {root.name}")
    bom = Bom()
    bom.metadata.component = model
    tool = Component(name="mlsecure", version=__version__, type=ComponentType.APPLICATION)
    bom.metadata.tools.components.add(tool)
    datasets: list[Any] = []
    if provenance is not None and (provenance.training_data_uri or provenance.training_data_hash):
        data_digest = provenance.training_data_hash.lower().removeprefix("sha256:")
        data_hashes = ([HashType(alg=HashAlgorithm.SHA_256, content=data_digest)]
                       if _is_sha256(provenance.training_data_hash) else [])
        refs = ([ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=XsUri(provenance.training_data_uri))]
                if provenance.training_data_uri else [])
        dataset = Component(name=provenance.training_data_uri or "training data", type=ComponentType.DATA,
                            bom_ref="dataset:training", hashes=data_hashes, external_references=refs,
                            description="training data named in the model's provenance")
        datasets.append(dataset)
    libraries = [_library(entry, Component, ComponentType, HashType, HashAlgorithm, PackageURL)
                 for entry in _entries(requirements)]
    for component in datasets + libraries:
        bom.components.add(component)
    bom.register_dependency(model, datasets + libraries)
    text = serialize_and_validate(bom)
    return Sbom(text, components=1 + len(datasets) + len(libraries), files=len(files), datasets=len(datasets),
                dependencies=len(libraries))


def serialize_and_validate(bom: Any) -> str:
    """CycloneDX 1.6 JSON, validated by cyclonedx-python-lib's strict validator (raises on error)."""
    from cyclonedx.output.json import JsonV1Dot6
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    text = JsonV1Dot6(bom).output_as_string(indent=2)
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise CheckError(f"the generated SBOM does not validate against CycloneDX 1.6: {error}")
    return str(text)


def validate_sbom(text: str) -> str | None:
    """The first schema error of a CycloneDX 1.6 JSON document, or None when it is valid."""
    require("cyclonedx", "supply")
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    return None if error is None else str(error)


def _entries(requirements: str | Path | None) -> Iterable[RequirementEntry]:
    if requirements is None:
        return []
    seen: set[str] = set()
    out = []
    for entry in parse_requirements(requirements).entries:
        key = entry.name or entry.text
        if key not in seen:
            seen.add(key)
            out.append(entry)
    return out


def _library(entry: RequirementEntry, component: Any, ctype: Any, hash_type: Any, hash_alg: Any,
             purl_cls: Any) -> Any:
    name = entry.name or entry.text
    hashes = []
    for pin in entry.hashes:
        algo, _, digest = pin.partition(":")
        known = _HASH_NAMES.get(algo.lower())
        if known is not None and len(digest) == known[1]:  # a malformed pin is the audit's business, not the BOM's
            hashes.append(hash_type(alg=hash_alg(known[0]), content=digest.lower()))
    purl = purl_cls(type="pypi", name=entry.name, version=entry.pinned_version) if entry.name else None
    description = None if entry.pinned_version else f"requirement {entry.text} (version not pinned)"
    return component(name=name, version=entry.pinned_version, type=ctype.LIBRARY, purl=purl,
                     bom_ref=f"pypi:{name}" if entry.name else f"url:{entry.text}", hashes=hashes,
                     description=description)


def _flat_provenance(provenance: ModelProvenance) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in provenance.to_dict().items():
        if value in ("", [], {}, None):
            continue
        out.append((key, json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else value))
    return out


def _is_sha256(text: str) -> bool:
    value = text.lower().removeprefix("sha256:")
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def check_model_dir(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such model file or directory")
    return path
