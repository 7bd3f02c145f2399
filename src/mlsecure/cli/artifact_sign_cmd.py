"""``mlsecure artifact keygen|sign|verify|sbom``: sign and verify model artifacts, write an ML-BOM."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from mlsecure.cli import exit_codes
from mlsecure.cli.common import progress_bar
from mlsecure.cli.fail_closed import one_line_errors
from mlsecure.errors import ConfigError, InputError
from mlsecure.private_files import refuse_special_output, write_file_atomic, write_private_file

_HASHES = ("sha256", "blake3")
_EXIT_CODES = ("exit codes: 0 done (verify: valid); 1 verify: the model does not match its signature; 2 bad "
               "input or an output that cannot be written (one line on stderr)")


def register(verbs: Any) -> None:
    keygen = verbs.add_parser("keygen", help="create a signing key pair (KEY and KEY.pub)",
                              description="Create an Ed25519 (default) or ECDSA P-256 key pair. P-256 signatures "
                              "are also accepted by OpenSSF `model_signing verify key`.")
    keygen.add_argument("--out", type=Path, required=True, metavar="KEY", help="private key path (KEY.pub is added)")
    keygen.add_argument("--algorithm", choices=("ed25519", "p256"), default="ed25519")
    keygen.add_argument("--passphrase-env", metavar="VAR", help="encrypt the private key with the passphrase in $VAR")
    keygen.add_argument("--force", action="store_true", help="overwrite existing key files")
    keygen.set_defaults(handler=one_line_errors(_keygen))

    sign = verbs.add_parser("sign", help="sign every file of a model (in-toto/DSSE, OpenSSF model-signing layout)",
                            description="Hash every file of MODEL (a directory or a file) and sign the manifest. "
                            "The signature file appears atomically (temporary file, fsync, rename): a full disk or "
                            "a killed run never leaves a short or empty signature.", epilog=_EXIT_CODES)
    sign.add_argument("model", type=Path, metavar="MODEL_DIR_OR_FILE")
    who = sign.add_mutually_exclusive_group(required=True)
    who.add_argument("--key", type=Path, help="private key (from `mlsecure artifact keygen`)")
    who.add_argument("--hmac-key-env", metavar="VAR", help="sign an HMAC-SHA256 manifest with the key in $VAR")
    sign.add_argument("--passphrase-env", metavar="VAR", help="passphrase of an encrypted --key, from $VAR")
    sign.add_argument("--provenance", type=Path, metavar="JSON", help="provenance record (ModelProvenance fields)")
    sign.add_argument("--output", "-o", type=Path, help="signature file (default: MODEL.sig.json beside MODEL)")
    sign.add_argument("--hash", choices=_HASHES, default="sha256", help="file digest (default sha256)")
    sign.add_argument("--layout", choices=("files", "shards"), default="files",
                      help="files: one digest per file (model_signing CLI compatible, default); shards: fixed-size "
                      "shards hashed in parallel (one huge SHA-256 file uses every core)")
    sign.add_argument("--shard-size", type=_size, default=None, metavar="BYTES", help="shard size (default 64M)")
    sign.add_argument("--no-scan", action="store_true", help="do not scan the files before signing")
    sign.add_argument("--workers", type=int, default=None, help="hashing threads (default: CPU count)")
    sign.add_argument("--force", action="store_true", help="replace an existing signature file")
    sign.set_defaults(handler=one_line_errors(_sign))

    verify = verbs.add_parser("verify", help="verify a model against its signature (exit 0 only when valid)",
                              description="Check the signature, then every file: exit 0 when valid, 1 when not "
                              "(naming each modified, added, removed or renamed file), 2 on bad input.",
                              epilog=_EXIT_CODES)
    verify.add_argument("model", type=Path, metavar="MODEL_DIR_OR_FILE")
    verify.add_argument("--signature", type=Path, required=True, help="the signature file")
    how = verify.add_mutually_exclusive_group(required=True)
    how.add_argument("--pub", type=Path, help="public key of the signer")
    how.add_argument("--hmac-key-env", metavar="VAR", help="verify an HMAC manifest with the key in $VAR")
    verify.add_argument("--require-clean-scan", action="store_true",
                        help="fail unless the signed provenance records a clean artifact scan")
    verify.add_argument("--format", choices=("text", "json"), default="text")
    verify.add_argument("--workers", type=int, default=None, help="hashing threads (default: CPU count)")
    verify.set_defaults(handler=one_line_errors(_verify))

    sbom = verbs.add_parser("sbom", help="write a CycloneDX 1.6 ML-BOM for a model",
                            description="Model (with per-file SHA-256), datasets from provenance and Python "
                            "dependencies, validated against the CycloneDX 1.6 schema.")
    sbom.add_argument("model", type=Path, metavar="MODEL_DIR")
    sbom.add_argument("--requirements", "-r", type=Path, help="requirements file of the model's code")
    sbom.add_argument("--provenance", type=Path, metavar="JSON", help="provenance record (names the datasets)")
    sbom.add_argument("--output", "-o", type=Path, help="write the BOM here instead of stdout")
    sbom.add_argument("--force", action="store_true", help="replace an existing --output file")
    sbom.set_defaults(handler=one_line_errors(_sbom))


def _keygen(args: argparse.Namespace) -> int:
    from mlsecure.artifacts.signing import generate_keypair

    public = Path(f"{args.out}.pub")
    for path in (args.out, public):
        if path.exists() and not args.force:
            raise InputError(f"{path}: exists; pass --force to overwrite")
    passphrase = _env_bytes(args.passphrase_env, "passphrase") if args.passphrase_env else None
    pair = generate_keypair(args.algorithm, passphrase=passphrase)
    write_private_file(args.out, pair.private_pem, what="the private key", overwrite=True)
    write_file_atomic(public, pair.public_pem, what="the public key", overwrite=True)
    encrypted = "encrypted" if passphrase else "unencrypted"
    print(f"wrote {args.out} ({pair.algorithm}, {encrypted}) and {public}; key hint {pair.hint[:16]}",
          file=sys.stderr)
    return exit_codes.OK


def _sign(args: argparse.Namespace) -> int:
    from mlsecure.artifacts.signing import DEFAULT_SHARD_SIZE, hmac_sign_model, load_private_key, sign_model

    if args.model.is_dir() and not any(p.is_file() for p in args.model.rglob("*")):
        raise InputError(f"{args.model}: the folder holds no file; a signature over nothing proves nothing")
    output = args.output or _default_signature(args.model)
    refuse_special_output(output)  # never renamed over a device or FIFO, even with --force
    if output.exists():
        if not args.force:
            raise InputError(f"{output}: exists; pass --force to replace the signature")
        _refuse_inputs(output, args)
    shard = args.shard_size or DEFAULT_SHARD_SIZE
    with progress_bar() as progress:
        if args.hmac_key_env:
            provenance = _provenance(args.provenance)
            document = hmac_sign_model(args.model, _env_bytes(args.hmac_key_env, "HMAC key"), algorithm=args.hash,
                                       layout=args.layout, shard_size=shard, signature_path=output,
                                       metadata={"provenance": provenance.to_dict()} if provenance else None,
                                       workers=args.workers, progress=progress)
            _write_json(output, document, force=args.force)
            print(f"signed {len(document['sizes'])} files of {args.model} (HMAC-SHA256, {args.hash}) -> {output}",
                  file=sys.stderr)
            return exit_codes.OK
        passphrase = _env_bytes(args.passphrase_env, "passphrase") if args.passphrase_env else None
        key = load_private_key(args.key, passphrase=passphrase)
        signed = sign_model(args.model, key, algorithm=args.hash, layout=args.layout, shard_size=shard,
                            provenance=_provenance(args.provenance), signature_path=output, scan=not args.no_scan,
                            workers=args.workers, progress=progress)
    _write_json(output, signed.bundle, force=args.force)
    m = signed.manifest
    print(f"signed {len(m.sizes)} files ({m.total_bytes():,} bytes) of {args.model}: {m.serialization.hash_type} "
          f"{m.serialization.method}, subject sha256 {m.root_digest()[:16]}..., scan {signed.scan.status} "
          f"({signed.scan.scanner or 'none'}) -> {output}", file=sys.stderr)
    if signed.scan.note:
        print(f"mlsecure: note: {signed.scan.note}", file=sys.stderr)
    for issue in signed.scan.issues[:10]:
        print(f"mlsecure: scan: {issue}", file=sys.stderr)
    return exit_codes.OK


def _verify(args: argparse.Namespace) -> int:
    from mlsecure.artifacts.signing import (
        hmac_verify_model,
        is_hmac_manifest,
        load_public_key,
        read_signature,
        verify_model,
    )

    document = read_signature(args.signature)
    with progress_bar() as progress:
        if args.hmac_key_env:
            if not is_hmac_manifest(document):
                raise InputError(f"{args.signature}: not an HMAC manifest; verify it with --pub")
            if args.require_clean_scan:
                raise ConfigError("--require-clean-scan needs a public-key signature (HMAC manifests carry no scan)")
            result = hmac_verify_model(args.model, document, _env_bytes(args.hmac_key_env, "HMAC key"),
                                       signature_path=args.signature, workers=args.workers, progress=progress)
        else:
            if is_hmac_manifest(document):
                raise InputError(f"{args.signature}: is an HMAC manifest; verify it with --hmac-key-env VAR")
            result = verify_model(args.model, document, load_public_key(args.pub),
                                  require_clean_scan=args.require_clean_scan, signature_path=args.signature,
                                  workers=args.workers, progress=progress)
    if args.format == "json":
        print(json.dumps(_result_dict(result), indent=2, sort_keys=True))
    elif result.valid:
        s = result.serialization
        scan = f", scan {result.scan.status} ({result.scan.scanner})" if result.scan is not None else ""
        layout = f"{s.hash_type} {s.method}" if s is not None else ""
        print(f"OK {args.model}: {result.files} files, {result.total_bytes:,} bytes verified ({layout}, "
              f"{result.key_algorithm}{scan}); subject sha256 {result.root_digest}")
    else:
        print(f"FAILED {args.model}: {len(result.problems)} problem(s)")
        for problem in result.problems:
            print(f"  {problem.message}" if problem.kind in ("modified", "added", "removed", "renamed")
                  else f"  {problem.kind}: {problem.message}")
    return exit_codes.OK if result.valid else exit_codes.FINDINGS


def _sbom(args: argparse.Namespace) -> int:
    from mlsecure.supply_chain.sbom import build_sbom

    if not args.model.exists():
        raise InputError(f"{args.model}: no such model file or directory")
    with progress_bar() as progress:
        bom = build_sbom(args.model, requirements=args.requirements, provenance=_provenance(args.provenance),
                         progress=progress)
    if args.output is not None:
        if args.output.exists():
            _refuse_inputs(args.output, args)  # `sbom MODEL_DIR -o MODEL_DIR/model.pt --force` replaced the model
        if not write_file_atomic(args.output, (bom.json + "\n").encode("utf-8"), what="the SBOM",
                                 overwrite=args.force):
            raise InputError(f"{args.output}: exists; pass --force to replace it")
    else:
        sys.stdout.write(bom.json + "\n")
    print(f"CycloneDX 1.6 ML-BOM (valid): model with {bom.files} files, {bom.datasets} dataset(s), "
          f"{bom.dependencies} Python dependencies" + (f" -> {args.output}" if args.output else ""), file=sys.stderr)
    return exit_codes.OK


def _result_dict(result: Any) -> dict[str, Any]:
    s = result.serialization
    return {
        "valid": result.valid,
        "model_name": result.model_name,
        "subject_sha256": result.root_digest,
        "key_algorithm": result.key_algorithm,
        "serialization": s.to_dict() if s is not None else None,
        "files": result.files,
        "bytes": result.total_bytes,
        "problems": [{"kind": p.kind, "path": p.path, "message": p.message} for p in result.problems],
        "scan": result.scan.to_dict() if result.scan is not None else None,
        "provenance": dict(result.provenance) if result.provenance is not None else None,
    }


def _provenance(path: Path | None) -> Any:
    if path is None:
        return None
    from mlsecure.artifacts.provenance import load_provenance

    return load_provenance(path)


def _default_signature(model: Path) -> Path:
    resolved = model.resolve()
    return resolved.with_name(resolved.name + ".sig.json")


def _env_bytes(var: str, what: str) -> bytes:
    value = os.environ.get(var)
    if value is None:
        raise ConfigError(f"${var} is not set (it should hold the {what})")
    if not value:
        raise ConfigError(f"${var} is empty (it should hold the {what})")
    return value.encode("utf-8")


def _refuse_inputs(output: Path, args: argparse.Namespace) -> None:
    """An existing ``output`` is none of the command's inputs: the model (or a file in it), the key, the
    requirements or provenance file (the same file or a link to one)."""
    from mlsecure.cli.common import input_paths
    from mlsecure.io.outputs import same_file

    _refuse_model_file(output, args.model)
    for path in input_paths(args, exclude=("output", "model")):
        if path.exists() and same_file(output, path):
            raise InputError(f"{output}: is the input {path} (or a link to it); write the output elsewhere")


def _refuse_model_file(output: Path, model: Path) -> None:
    """An existing ``output`` must not be the model, one of its files, or a hard link to one."""
    target = output.stat()
    files = [model] if not model.is_dir() else [p for p in model.rglob("*") if p.is_file()]
    for path in files:
        info = path.stat()
        if (info.st_dev, info.st_ino) == (target.st_dev, target.st_ino):
            raise InputError(f"{output}: is {path} of the model being signed (or a link to it); "
                             "write the output elsewhere")


def _write_json(path: Path, document: Any, *, force: bool) -> None:
    """All at once (temporary file, fsync, rename): never a short or empty signature under ``path``."""
    data = (json.dumps(document, indent=2, allow_nan=False) + "\n").encode("utf-8")
    if not write_file_atomic(path, data, what="the signature", overwrite=force):
        raise InputError(f"{path}: exists; pass --force to replace the signature")


def _size(text: str) -> int:
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    t = text.strip().lower().removesuffix("b").removesuffix("i")
    try:
        value = int(float(t[:-1]) * units[t[-1]]) if t and t[-1] in units else int(t)
    except (ValueError, IndexError):
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 64M, 1G, 1048576)") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"size must be positive: {text!r}")
    return value
