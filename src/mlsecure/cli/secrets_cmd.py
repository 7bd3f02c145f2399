"""``mlsecure secrets scan PATH...`` (leaked credentials), ``secrets detectors``, ``secrets get NAME``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from mlsecure import __version__
from mlsecure.cli import exit_codes
from mlsecure.cli.common import add_output_options, emit_report
from mlsecure.findings import Report

FINGERPRINT_KEY_ENV = "MLSECURE_FINGERPRINT_KEY"


def register(subparsers: Any) -> list[str]:
    parser = subparsers.add_parser(
        "secrets", help="find leaked credentials; read secrets from env / files / Vault",
        description="Secret management for ML pipelines (OWASP ML06, MITRE ATLAS AML.T0055).")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=type(parser))
    scan = verbs.add_parser(
        "scan", help="scan files and directories for hard-coded secrets",
        description="Scan files and directories (recursively; .git, virtualenvs and binary files are skipped; "
        "notebook cells and outputs, YAML/TOML/.env configs and model cards are read) for provider tokens, "
        "private keys, JWTs, URLs with passwords, password/API-key assignments and high-entropy "
        "strings (no network: nothing is verified against a provider). Secrets are masked in every output. "
        f"Fingerprints are keyed with ${FINGERPRINT_KEY_ENV} when set. "
        "Silence one line with a `# mlsecure: ignore-secret` comment.")
    scan.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or directories to scan")
    scan.add_argument("--baseline", type=Path, metavar="FILE",
                      help="suppress findings whose fingerprint is in FILE (a --write-baseline file or a JSON report)")
    scan.add_argument("--write-baseline", type=Path, metavar="FILE",
                      help="write the fingerprints of this scan's findings to FILE (accept them as known)")
    scan.add_argument("--detector", action="append", metavar="NAME",
                      help="run only this detector (repeatable; see `mlsecure secrets detectors`)")
    scan.add_argument("--fail-on-placeholders", action="store_true",
                      help="report provider-format placeholders (x-filled tokens, AWS's documented example keys) "
                      "at their rule's severity instead of info, so that they fail the scan too")
    scan.add_argument("--max-file-size", type=float, default=5.0, metavar="MIB",
                      help="skip files larger than this many MiB (default 5)")
    add_output_options(scan, default_fail_on="medium")
    listing = verbs.add_parser("detectors", help="list the registered secret detectors")
    listing.add_argument("--rules", action="store_true",
                         help="also list every provider rule of the rule table (id, provider, format source)")
    get = verbs.add_parser(
        "get", help="read a secret from a provider (masked unless --reveal)",
        description="Look NAME up in the environment, then in --dir (one file per secret, mode 0600), then in "
        "Vault KV v2 when VAULT_ADDR and VAULT_TOKEN are set (NAME = 'path/to/secret#field').")
    get.add_argument("name", metavar="NAME")
    get.add_argument("--provider", choices=["chain", "env", "file", "vault"], default="chain",
                     help="where to look (default: chain of env, file, vault)")
    get.add_argument("--dir", type=Path, metavar="DIR", help="directory of secret files (file provider)")
    get.add_argument("--mount", default="secret", help="Vault KV v2 mount (default: secret)")
    get.add_argument("--reveal", action="store_true", help="print the value to stdout (default: masked)")
    parser.set_defaults(secrets_parser=parser)
    return ["secrets"]


def run(args: argparse.Namespace) -> int:
    match args.verb:
        case "scan":
            return _scan(args)
        case "detectors":
            return _detectors(rules=args.rules)
        case "get":
            return _get(args)
        case _:
            args.secrets_parser.print_help(sys.stderr)
            return exit_codes.ERROR


def _scan(args: argparse.Namespace) -> int:
    from mlsecure.errors import InputError
    from mlsecure.secrets.masking import DEFAULT_FINGERPRINT_KEY
    from mlsecure.secrets.registry import build_detectors
    from mlsecure.secrets.scanner import SecretScanner, baseline_document, load_baseline

    if args.max_file_size <= 0:
        raise InputError(f"--max-file-size must be positive, got {args.max_file_size}")
    key_text = os.environ.get(FINGERPRINT_KEY_ENV)
    scanner = SecretScanner(
        detectors=build_detectors(args.detector),
        fingerprint_key=key_text.encode("utf-8") if key_text else DEFAULT_FINGERPRINT_KEY,
        baseline=load_baseline(args.baseline) if args.baseline is not None else (),
        max_file_bytes=int(args.max_file_size * 1024 * 1024),
        suppress_placeholders=not args.fail_on_placeholders)
    result = scanner.scan_paths(args.paths)
    if args.write_baseline is not None:
        args.write_baseline.write_text(json.dumps(baseline_document(result.findings), indent=2) + "\n",
                                       encoding="utf-8")
        print(f"mlsecure: wrote {len(result.findings)} fingerprints to {args.write_baseline}", file=sys.stderr)
    report = Report(target=" ".join(str(p) for p in args.paths), tool_version=__version__)
    report.extend(result.to_findings())
    report.metrics["secret-scan"] = result.stats.to_dict()
    report.checks_run.append("secret-scan")
    return emit_report(report, args)


def _detectors(*, rules: bool) -> int:
    from mlsecure.secrets.registry import detector_classes
    from mlsecure.secrets.rules import RULES

    for name, cls in detector_classes().items():
        print(f"{cls.rule_id}  {name:<26} {cls.severity.value:<8} {cls.description}")
    if rules:
        for rule in RULES:
            print(f"{rule.rule_id}  {rule.provider + ' ' + rule.name:<40} {rule.severity.value:<8} {rule.doc}")
    return exit_codes.OK


def _get(args: argparse.Namespace) -> int:
    from mlsecure.errors import ConfigError
    from mlsecure.secrets.providers import ChainProvider, EnvProvider, FileProvider, SecretProvider, VaultProvider

    providers: list[SecretProvider] = []
    if args.provider in ("chain", "env"):
        providers.append(EnvProvider())
    if args.provider in ("chain", "file") and args.dir is not None:
        providers.append(FileProvider(directory=args.dir))
    if args.provider == "file" and args.dir is None:
        raise ConfigError("--provider file needs --dir DIR")
    if args.provider == "vault" or (args.provider == "chain" and "VAULT_ADDR" in os.environ
                                    and "VAULT_TOKEN" in os.environ):
        providers.append(VaultProvider.from_env(mount=args.mount))
    chain = ChainProvider(providers)
    source, value = chain.find(args.name)
    if args.reveal:
        sys.stdout.write(value + "\n")
    else:
        print(f"{args.name}: found in {source.describe()} ({len(value)} characters; --reveal prints it)",
              file=sys.stderr)
    return exit_codes.OK
