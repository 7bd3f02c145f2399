"""``mlsecure audit verify|query|export|checkpoint``: the tamper-evident audit log.

The HMAC key comes from ``--hmac-key-file`` or the environment (``MLSECURE_AUDIT_HMAC_KEY``,
``MLSECURE_AUDIT_HMAC_KEY_FILE``), never from a command-line value (which ``ps`` would show).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from mlsecure.cli import exit_codes
from mlsecure.cli.common import input_paths
from mlsecure.cli.fail_closed import one_line_errors
from mlsecure.cli.groups import run_group
from mlsecure.errors import InputError
from mlsecure.private_files import atomic_text_output

LOG_HELP = "the audit log: sqlite:///abs/path.db, a path to a SQLite file, or postgresql://user@host/db"


def register(subparsers: Any) -> list[str]:
    parser = subparsers.add_parser("audit", help="verify, query and export the tamper-evident audit log",
                                   description="Verify, query and export the tamper-evident audit log.")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=type(parser))

    verify = verbs.add_parser("verify", help="check every record and checkpoint (exit 0 intact, 1 tampered)",
                              description="Check every record's chain link and content and every checkpoint. "
                              "Opens the log read-only: a read-only copy verifies.",
                              epilog="exit codes: 0 intact (and, with --require-signatures, signed checkpoints "
                              "verified); 1 tampered, an unreadable checkpoint, or signatures required but not "
                              "checked; 2 bad input (missing log, wrong key)")
    verify.add_argument("log", help=LOG_HELP + ", or an unfiltered JSONL export")
    _key_option(verify)
    verify.add_argument("--checkpoint", action="append", type=Path, default=[], metavar="FILE",
                        help="a checkpoint kept outside the log (repeatable): detects truncation/rollback")
    verify.add_argument("--public-key", type=Path, help="Ed25519 public key (PEM) the checkpoints must be "
                        "signed with; without it checkpoint signatures are reported as not checked")
    verify.add_argument("--require-signatures", action="store_true",
                        help="fail (exit 1) unless at least one checkpoint's signature was verified with "
                        "--public-key")
    verify.add_argument("--format", choices=("text", "json"), default="text")
    verify.set_defaults(handler=one_line_errors(_verify))

    query = verbs.add_parser("query", help="list records matching filters")
    query.add_argument("log", help=LOG_HELP)
    _key_option(query)
    _filter_options(query)
    query.add_argument("--format", choices=("table", "jsonl"), default="table")
    query.set_defaults(handler=one_line_errors(_query))

    export = verbs.add_parser("export", help="write records as JSON lines (unfiltered exports verify offline)",
                              epilog="exit codes: 0 written; 2 bad input, an existing --output without --force, or "
                              "an output that cannot be written (nothing partial is left)")
    export.add_argument("log", help=LOG_HELP)
    _key_option(export)
    _filter_options(export)
    export.add_argument("--output", "-o", type=Path, help="file to write (default: stdout), atomically")
    export.add_argument("--force", action="store_true", help="replace an existing --output file")
    export.set_defaults(handler=one_line_errors(_export))

    checkpoint = verbs.add_parser("checkpoint", help="sign a checkpoint (tree head) of the log now")
    checkpoint.add_argument("log", nargs="?", help=LOG_HELP)
    _key_option(checkpoint)
    checkpoint.add_argument("--signing-key", type=Path, help="Ed25519 private key (PEM); default "
                            "$MLSECURE_AUDIT_SIGNING_KEY_FILE")
    checkpoint.add_argument("--output", "-o", type=Path, help="write the signed note here (default: stdout)")
    checkpoint.add_argument("--force", action="store_true", help="replace an existing --output file")
    checkpoint.add_argument("--generate-key", type=Path, metavar="PATH",
                            help="instead: create a new signing key at PATH (and PATH.pub) and exit")
    checkpoint.set_defaults(handler=one_line_errors(_checkpoint))
    parser.set_defaults(group_parser=parser)
    return ["audit"]


def run(args: argparse.Namespace) -> int:
    return run_group(args)


def _key_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hmac-key-file", type=Path, help="file holding the chain's HMAC key (hex or raw); "
                        "default $MLSECURE_AUDIT_HMAC_KEY / $MLSECURE_AUDIT_HMAC_KEY_FILE")


def _filter_options(parser: argparse.ArgumentParser) -> None:
    for name in ("event-type", "actor", "action", "resource"):
        parser.add_argument(f"--{name}", help=f"only records with this {name.replace('-', ' ')}")
    parser.add_argument("--outcome", choices=("allowed", "denied", "error"))
    parser.add_argument("--since", type=_when, help="ISO 8601 time (inclusive; UTC if no zone)")
    parser.add_argument("--until", type=_when, help="ISO 8601 time (exclusive; UTC if no zone)")
    parser.add_argument("--after-seq", type=int, default=0, help="only records after this sequence number")
    parser.add_argument("--limit", type=int, help="at most this many records")


def _when(text: str) -> datetime:
    from datetime import UTC

    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _hmac_key(args: argparse.Namespace) -> bytes:
    from mlsecure.audit import resolve_hmac_key
    from mlsecure.audit.keys import read_key_file

    if args.hmac_key_file is not None:
        return resolve_hmac_key(read_key_file(args.hmac_key_file))
    return resolve_hmac_key(None)


def _open(args: argparse.Namespace, **settings: Any) -> Any:
    from mlsecure.audit import open_store

    return open_store(args.log, hmac_key=_hmac_key(args), create=False, **settings)


def _read_checkpoints(paths: list[Path]) -> tuple[list[Any], list[str]]:
    """Parsed checkpoints, and one problem line per file that is not one (the records are still checked)."""
    from mlsecure.audit import Checkpoint
    from mlsecure.private_files import read_regular_file

    parsed: list[Any] = []
    unreadable: list[str] = []
    for path in paths:
        raw = read_regular_file(path, what="the checkpoint", max_bytes=64 * 1024)
        try:
            parsed.append(Checkpoint.from_note(raw.decode("utf-8")))
        except UnicodeDecodeError as exc:
            unreadable.append(f"checkpoint {path} is unreadable: not UTF-8 text (byte offset {exc.start})")
        except InputError as exc:
            unreadable.append(f"checkpoint {path} is unreadable: {exc}")
    return parsed, unreadable


def _filter(args: argparse.Namespace) -> Any:
    from mlsecure.audit import RecordFilter

    return RecordFilter(event_type=args.event_type, actor=args.actor, action=args.action, resource=args.resource,
                        outcome=args.outcome, since=args.since, until=args.until, after_seq=args.after_seq,
                        limit=args.limit)


def _verify(args: argparse.Namespace) -> int:
    from mlsecure.audit import load_public_key, verify_jsonl

    checkpoints, unreadable = _read_checkpoints(args.checkpoint)
    public_key = load_public_key(args.public_key) if args.public_key else None
    options = {"checkpoints": checkpoints, "public_key": public_key, "unreadable_checkpoints": unreadable,
               "require_signatures": args.require_signatures}
    if args.log.endswith((".jsonl", ".ndjson")) and "://" not in args.log:
        path = Path(args.log)
        try:
            with path.open(encoding="utf-8") as handle:
                result = verify_jsonl(handle, hmac_key=_hmac_key(args), **options)
        except OSError as exc:
            raise InputError(f"cannot read export {path}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: the export is not UTF-8 text (byte offset {exc.start})") from None
    else:
        with _open(args, read_only=True) as store:
            result = store.verify(**options)
    signatures = "verified" if result.signatures_checked else "not checked"
    if args.format == "json":
        print(json.dumps({"ok": result.ok, "records_checked": result.records_checked,
                          "checkpoints_checked": result.checkpoints_checked, "checkpoint_signatures": signatures,
                          "first_bad_seq": result.first_bad_seq, "problems": list(result.problems)}, indent=2))
    else:
        for problem in result.problems:
            print(f"NOT VERIFIED  {problem}" if problem in result.not_verified else f"TAMPERED  {problem}")
        tampered = len(result.problems) > len(result.not_verified)
        verdict = ("intact" if result.ok else
                   f"{'TAMPERED' if tampered else 'NOT VERIFIED'} ({len(result.problems)} problem(s))")
        if not result.checkpoints_checked:
            heads = "no checkpoint"
        elif result.signatures_checked:
            heads = f"{result.checkpoints_checked} checkpoint(s) match the records, signature verified"
        else:
            heads = (f"{result.checkpoints_checked} checkpoint(s) match the records, signature not checked "
                     "(give --public-key)")
        print(f"audit log {verdict}: {result.records_checked} records, {heads}")
    return exit_codes.OK if result.ok else exit_codes.FINDINGS


def _query(args: argparse.Namespace) -> int:
    with _open(args, read_only=True) as store:
        count = 0
        for record in store.query(_filter(args)):
            count += 1
            if args.format == "jsonl":
                print(json.dumps(record.to_dict(), sort_keys=True, ensure_ascii=False))
                continue
            e = record.event
            print(f"{record.seq:>8}  {e.timestamp:%Y-%m-%dT%H:%M:%S}Z  {e.event_type:<14} {e.actor:<16} "
                  f"{e.action:<12} {e.outcome:<7} {e.resource}")
    print(f"{count} record(s)", file=sys.stderr)
    return exit_codes.OK


def _export(args: argparse.Namespace) -> int:
    from mlsecure.audit import export_jsonl

    with _open(args, read_only=True) as store, _output(args.output, force=args.force, log=args.log,
                                                        inputs=input_paths(args)) as out:
        count = 0
        for line in export_jsonl(store, _filter(args)):
            out.write(line + "\n")
            count += 1
    print(f"exported {count} record(s)" + (f" to {args.output}" if args.output else ""), file=sys.stderr)
    return exit_codes.OK


def _checkpoint(args: argparse.Namespace) -> int:
    from mlsecure.audit import generate_signing_key, load_signing_key

    if args.generate_key is not None:
        generate_signing_key(args.generate_key)
        print(f"wrote {args.generate_key} (private, mode 0600) and {args.generate_key}.pub", file=sys.stderr)
        return exit_codes.OK
    if args.log is None:
        raise InputError("audit checkpoint needs the LOG to sign (or --generate-key PATH)")
    with _open(args, signing_key=load_signing_key(args.signing_key)) as store:
        checkpoint = store.checkpoint()
    with _output(args.output, force=args.force, log=args.log, inputs=input_paths(args)) as out:
        out.write(checkpoint.to_note())
    print(f"signed checkpoint: {checkpoint.tree_size} records, root {checkpoint.root_hash.hex()}", file=sys.stderr)
    return exit_codes.OK


@contextmanager
def _output(path: Path | None, *, force: bool, log: str | None = None,
            inputs: list[Path] | None = None) -> Iterator[TextIO]:
    """stdout, or ``path`` written atomically (nothing under its name unless the whole output was written);
    never the audit log itself, a key file or another input (or a link to one)."""
    if path is None:
        yield sys.stdout
        return
    if log is not None and "://" not in log and path.exists() and Path(log).exists() and path.samefile(log):
        raise InputError(f"{path}: is the audit log {log}; write the output elsewhere")
    for source in inputs or []:
        if path.exists() and source.exists() and path.samefile(source):
            raise InputError(f"{path}: is the input {source} (or a link to it); write the output elsewhere")
    with atomic_text_output(path, what="the output", overwrite=force) as handle:
        yield handle
