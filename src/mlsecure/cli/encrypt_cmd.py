"""``mlsecure data keygen|encrypt|decrypt|verify|rewrap|inspect|check-pipeline``: encryption at rest (16.1)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlsecure import __version__
from mlsecure.cli import exit_codes
from mlsecure.cli.common import add_output_options, emit_report, input_paths
from mlsecure.cli.fail_closed import one_line_errors
from mlsecure.errors import ConfigError, InputError

if TYPE_CHECKING:
    from mlsecure.encryption.keys import KeyEncryptionKey

SUFFIX = ".mlse"
KEY_ENV = "MLSECURE_DATA_KEY"


def register(subparsers: Any) -> list[str]:
    parser = subparsers.add_parser(
        "data", help="encrypt datasets, models and checkpoints at rest; lint data pipeline configs",
        description="Encryption at rest for training data and artifacts (guide 16.1; OWASP ML06, MITRE ATLAS "
        "AML.T0035, AML.T0025): a streaming AEAD format (AES-256-GCM, STREAM construction) with envelope "
        "keys, and a linter for data pipeline configurations.",
        epilog="exit codes: 0 done (verify: authentic); 1 check-pipeline findings at or above --fail-on; 2 bad "
        "input, a wrong key, a tampered file or an output that cannot be written (one line on stderr)")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=type(parser))

    keygen = verbs.add_parser("keygen", help="create a 256-bit key-encryption key file (mode 0600)")
    keygen.add_argument("key_file", type=Path, metavar="KEYFILE")
    keygen.add_argument("--force", action="store_true", help="replace an existing file")

    encrypt = verbs.add_parser(
        "encrypt", help="encrypt a file (any size, constant memory)",
        description="Encrypt INPUT to OUTPUT (default INPUT.mlse) with a fresh data key wrapped by the given "
        "key. The output appears atomically (temporary file, fsync, rename).")
    _add_io(encrypt)
    _add_key_options(encrypt)
    encrypt.add_argument("--algorithm", choices=["aes-256-gcm", "chacha20-poly1305"], default="aes-256-gcm")
    encrypt.add_argument("--segment-size", type=_size, default="1MiB", metavar="SIZE",
                         help="plaintext bytes per authenticated segment, e.g. 64KiB, 1MiB (default 1MiB)")
    encrypt.add_argument("--scrypt-log2-n", type=int, default=17, metavar="K",
                         help="scrypt cost N = 2**K for passphrases (default 17: 128 MiB, ~0.3 s)")

    decrypt = verbs.add_parser(
        "decrypt", help="authenticate and decrypt a file",
        description="Decrypt INPUT to OUTPUT (default: INPUT without .mlse). OUTPUT appears only after every "
        "segment verified; on any failure nothing is written and the exit code is 2.")
    _add_io(decrypt)
    _add_key_options(decrypt)

    verify = verbs.add_parser("verify", help="authenticate every segment without writing plaintext")
    verify.add_argument("input", type=Path, metavar="INPUT")
    _add_key_options(verify)

    rewrap = verbs.add_parser(
        "rewrap", help="rotate the key-encryption key (the payload is not re-encrypted)",
        description="Unwrap the data key of INPUT with the current key and wrap it with the new one. Writes "
        "OUTPUT, or replaces INPUT atomically when -o is not given.")
    _add_io(rewrap)
    _add_key_options(rewrap)
    new = rewrap.add_mutually_exclusive_group(required=True)
    new.add_argument("--new-key-file", type=Path, metavar="FILE", help="the new key file")
    new.add_argument("--new-key-env", metavar="VAR", help="environment variable holding the new key (hex)")
    new.add_argument("--new-passphrase-env", metavar="VAR", help="environment variable holding the new passphrase")
    rewrap.add_argument("--scrypt-log2-n", type=int, default=17, metavar="K", help="scrypt cost for a new passphrase")

    inspect = verbs.add_parser("inspect", help="show the (unauthenticated) header of an encrypted file")
    inspect.add_argument("input", type=Path, metavar="INPUT")

    check = verbs.add_parser(
        "check-pipeline", help="lint a data pipeline config (YAML/TOML/JSON) for guide 16.1 controls",
        description="Report missing or weak encryption at rest, unencrypted temp storage, masking and access "
        "logging gaps, plaintext transport, disabled TLS verification and inline credentials.")
    check.add_argument("config", type=Path, metavar="CONFIG")
    check.add_argument("--no-secrets", action="store_true", help="skip the inline-credential scan")
    add_output_options(check, default_fail_on="medium")
    parser.set_defaults(data_parser=parser)
    return ["data"]


@one_line_errors
def run(args: argparse.Namespace) -> int:
    match args.verb:
        case "keygen":
            return _keygen(args)
        case "encrypt":
            return _encrypt(args)
        case "decrypt":
            return _decrypt(args)
        case "verify":
            return _verify(args)
        case "rewrap":
            return _rewrap(args)
        case "inspect":
            return _inspect(args)
        case "check-pipeline":
            return _check_pipeline(args)
        case _:
            args.data_parser.print_help(sys.stderr)
            return exit_codes.ERROR


def _keygen(args: argparse.Namespace) -> int:
    from mlsecure.encryption.keys import generate_key_file

    key = generate_key_file(args.key_file, overwrite=args.force)
    print(f"mlsecure: wrote key {key.key_id} to {args.key_file} (mode 0600); back it up: without it the "
          "files it protects cannot be decrypted", file=sys.stderr)
    return exit_codes.OK


def _encrypt(args: argparse.Namespace) -> int:
    from mlsecure.encryption.stream import Algorithm, encrypt_file

    output = args.output or args.input.with_name(args.input.name + SUFFIX)
    _never_over_a_key(args, output)
    kek = _kek(args, confirm=True)
    result = encrypt_file(args.input, output, kek=kek, algorithm=Algorithm.parse(args.algorithm),
                          segment_size=args.segment_size, overwrite=args.force)
    print(f"mlsecure: encrypted {args.input} -> {output} ({result.plaintext_bytes} bytes, "
          f"{_segments(result.segments)}, {result.header.algorithm.label}, {kek.describe()})", file=sys.stderr)
    return exit_codes.OK


def _decrypt(args: argparse.Namespace) -> int:
    from mlsecure.encryption.stream import decrypt_file

    output = args.output
    if output is None:
        if args.input.suffix != SUFFIX:
            raise InputError(f"{args.input}: does not end in {SUFFIX}; name the output with -o")
        output = args.input.with_suffix("")
    _never_over_a_key(args, output)
    result = decrypt_file(args.input, output, kek=_kek(args), overwrite=args.force)
    print(f"mlsecure: decrypted and verified {args.input} -> {output} ({result.plaintext_bytes} bytes, "
          f"{_segments(result.segments)})", file=sys.stderr)
    return exit_codes.OK


def _verify(args: argparse.Namespace) -> int:
    from mlsecure.encryption.stream import verify_file

    result = verify_file(args.input, kek=_kek(args))
    print(f"mlsecure: {args.input}: header and all {_segments(result.segments)} authentic "
          f"({result.plaintext_bytes} plaintext bytes)", file=sys.stderr)
    return exit_codes.OK


def _rewrap(args: argparse.Namespace) -> int:
    from mlsecure.encryption.keys import LocalKey, PassphraseKey
    from mlsecure.encryption.stream import rewrap_file

    if args.output is not None:
        _never_over_a_key(args, args.output)
    new: KeyEncryptionKey
    if args.new_key_file is not None:
        new = LocalKey.from_file(args.new_key_file)
    elif args.new_key_env is not None:
        new = LocalKey.from_env(args.new_key_env)
    else:
        new = PassphraseKey(_env_passphrase(args.new_passphrase_env), log2_n=args.scrypt_log2_n)
    header = rewrap_file(args.input, old=_kek(args), new=new, target=args.output, overwrite=args.force)
    print(f"mlsecure: rewrapped {args.input} -> {args.output or args.input} under {new.describe()} "
          f"(payload untouched; header now {len(header.raw)} bytes)", file=sys.stderr)
    return exit_codes.OK


def _inspect(args: argparse.Namespace) -> int:
    from mlsecure.encryption.keys import parse_scrypt_params
    from mlsecure.encryption.stream import read_file_header

    header = read_file_header(args.input)
    lines = [f"file:          {args.input}", "format:        MLSENC v1",
             f"algorithm:     {header.algorithm.label}", f"segment size:  {header.segment_size}",
             f"key kind:      {header.envelope.kind.name.lower()}", f"key id:        {header.key_id or '-'}",
             f"header bytes:  {len(header.raw)}"]
    if header.envelope.kind.name == "SCRYPT":
        _, log2_n, r, p = parse_scrypt_params(header.envelope.params)
        lines.append(f"scrypt:        N=2**{log2_n} r={r} p={p}")
    print("\n".join(lines))
    print("mlsecure: header shown unauthenticated; `mlsecure data verify` checks it with the key", file=sys.stderr)
    return exit_codes.OK


def _check_pipeline(args: argparse.Namespace) -> int:
    from mlsecure.encryption.pipeline_policy import CHECK, check_pipeline
    from mlsecure.findings import Report

    result = check_pipeline(args.config, scan_secrets=not args.no_secrets)
    report = Report(target=str(args.config), tool_version=__version__)
    report.extend(result.findings)
    report.metrics[CHECK] = dict(result.metrics())
    report.checks_run.append(CHECK)
    return emit_report(report, args)


def _never_over_a_key(args: argparse.Namespace, output: Path) -> None:
    """The output is never a key file of this command (or a link to one): ``encrypt -o KEY --force`` would
    replace the only key that opens the files it protects with ciphertext."""
    from mlsecure.errors import OutputError
    from mlsecure.io.outputs import same_file

    for path in input_paths(args, exclude=("output", "input")):
        if same_file(output, path):
            raise OutputError(f"{output}: refusing to write the output over the key file {path} (the same file or "
                              "a link to it); choose another path")


def _add_io(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=Path, metavar="INPUT")
    parser.add_argument("--output", "-o", type=Path, metavar="OUTPUT")
    parser.add_argument("--force", action="store_true", help="replace OUTPUT if it exists")


def _add_key_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--key-file", type=Path, metavar="FILE",
                       help="key file from `mlsecure data keygen` (refused if group/world-readable)")
    group.add_argument("--key-env", metavar="VAR", help=f"environment variable holding the key as hex "
                       f"(default: ${KEY_ENV} when no other key option is given)")
    group.add_argument("--passphrase-env", metavar="VAR", help="environment variable holding a passphrase (scrypt)")
    group.add_argument("--passphrase", action="store_true", help="prompt for a passphrase on the terminal")


def _kek(args: argparse.Namespace, *, confirm: bool = False) -> KeyEncryptionKey:
    from mlsecure.encryption.keys import LocalKey, PassphraseKey

    log2_n = getattr(args, "scrypt_log2_n", 17)
    if args.key_file is not None:
        return LocalKey.from_file(args.key_file)
    if args.key_env is not None:
        return LocalKey.from_env(args.key_env)
    if args.passphrase_env is not None:
        return PassphraseKey(_env_passphrase(args.passphrase_env), log2_n=log2_n)
    if args.passphrase:
        return PassphraseKey(_prompt(confirm=confirm), log2_n=log2_n)
    if os.environ.get(KEY_ENV):
        return LocalKey.from_env(KEY_ENV)
    raise ConfigError(f"no key given: pass --key-file, --key-env, --passphrase-env or --passphrase, or set {KEY_ENV}")


def _env_passphrase(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"environment variable {name} is not set or empty (expected a passphrase)")
    return value


def _prompt(*, confirm: bool) -> str:
    if not sys.stdin.isatty():
        raise ConfigError("--passphrase needs a terminal; use --passphrase-env VAR in scripts")
    first = getpass.getpass("passphrase: ")
    if confirm and getpass.getpass("again: ") != first:
        raise ConfigError("the passphrases do not match")
    return first


def _segments(count: int) -> str:
    return f"{count} segment" + ("" if count == 1 else "s")


def _size(text: str) -> int:
    units = {"kib": 1 << 10, "k": 1 << 10, "mib": 1 << 20, "m": 1 << 20, "b": 1, "": 1}
    lowered = text.strip().lower()
    number = lowered.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = lowered[len(number):]
    if unit not in units or not number.isdigit():
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 65536, 64KiB, 1MiB)")
    return int(number) * units[unit]
