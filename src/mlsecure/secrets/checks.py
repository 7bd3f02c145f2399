"""``mlsecure scan --scan secrets``: look for leaked credentials next to the model file.

The directory holding ``--model`` (its notebooks, configs, model card) is scanned; a directory with
more than ``secrets_max_files`` files (option, default 5000) is skipped with a reason, since it is
probably not a model folder (scan it with ``mlsecure secrets scan DIR`` instead). Options:
``secrets_path`` (scan this directory instead), ``secrets_baseline`` (a baseline file).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlsecure.check import Check, CheckResult, Requirement, ScanContext, opt
from mlsecure.secrets.scanner import SecretScanner, load_baseline
from mlsecure.secrets.walk import count_files


class SecretScanCheck(Check):
    """Hard-coded credentials in the files shipped with the model."""

    name = "secret-scan"
    title = "Leaked credentials next to the model"
    group = "secrets"
    owasp = ("ML06",)
    atlas = ("AML.T0055",)
    requires = frozenset({Requirement.MODEL_FILE})

    @dataclass(frozen=True)
    class Options:
        """Settings (``--option NAME=VALUE``)."""

        secrets_path: Path | None = opt(None, "folder to scan for secrets (default: the model's folder)")
        secrets_baseline: Path | None = opt(None, "baseline of accepted secrets")
        secrets_max_files: int = opt(5000, "scan at most this many files")

    def applicable(self, ctx: ScanContext) -> str | None:
        limit = int(ctx.option("secrets_max_files", 5000))
        directory = _directory(ctx)
        if not directory.is_dir():
            return f"{directory} is not a directory"
        if count_files(directory, limit=limit) > limit:
            return (f"{directory} holds more than {limit} files; run `mlsecure secrets scan {directory}` "
                    "or raise --option secrets_max_files=N")
        return None

    def run(self, ctx: ScanContext) -> CheckResult:
        baseline_path = ctx.option("secrets_baseline", None)
        scanner = SecretScanner(baseline=load_baseline(Path(str(baseline_path))) if baseline_path else ())
        ctx.progress("secret scan", 0.0)
        directory = _directory(ctx)
        total = count_files(directory, limit=int(ctx.option("secrets_max_files", 5000)))
        result = scanner.scan_paths([directory], progress=ctx.progress, total=total)
        ctx.progress("secret scan", 1.0)
        metrics: dict[str, object] = dict(result.stats.to_dict())
        metrics["directory"] = str(directory)
        return CheckResult(result.to_findings(), metrics)


def _directory(ctx: ScanContext) -> Path:
    override = ctx.option("secrets_path", None)
    if override is not None:
        return Path(str(override))
    return ctx.need_model_path().resolve().parent


CHECKS: tuple[type[Check], ...] = (SecretScanCheck,)
