"""The contract every capability's ``checks.py`` implements: ``Check``, ``ScanContext``, ``CheckResult``.

A check declares what it needs (``requires``); the runner skips it with a reason when the inputs
cannot satisfy that, so ``run`` can rely on its requirements being present.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, final

from mlsecure.data.dataset import Dataset
from mlsecure.errors import CheckError, ConfigError
from mlsecure.findings import Figure, Finding
from mlsecure.models.interface import DifferentiableModel, Model
from mlsecure.yesno import parse_yes_no


class Requirement(StrEnum):
    """An input a check cannot run without."""

    MODEL = "model"  # a loaded Model (predict_proba)
    DIFFERENTIABLE_MODEL = "differentiable model"  # torch logits for gradients
    MODEL_FILE = "model file"  # the artifact on disk (scanners read bytes, never load)
    DATA = "data"  # labelled data (--data)
    HOLDOUT = "holdout data"  # non-training data (--holdout)
    DATA_FILE = "data file"  # the raw table on disk (PII audit reads all columns)


@dataclass(frozen=True)
class NoOptions:
    """The options of a check that has no settings."""


def opt(default: Any, help: str) -> Any:
    """One field of a check's ``Options`` dataclass: its default and a one-line help."""
    return field(default=default, metadata={"help": help})


SEED_HELP = "random seed"
MAX_SAMPLES_HELP = "evaluate at most this many samples"

TableReader = Callable[[Path], Any]
"""``read(path) -> pandas.DataFrame``: the scan session's reader, which parses each file once per scan."""


def _read_table(path: Path) -> Any:
    from mlsecure.data import load_table

    return load_table(path)


ProgressCallback = Callable[[str, float], None]
"""``progress(task, fraction_done)``: checks report progress; the CLI draws the bar."""


def _no_progress(task: str, fraction: float) -> None:
    del task, fraction


@dataclass(frozen=True)
class ScanContext:
    """What a scan was given. Options are the check-specific settings (``epsilon``, ``seed``...)."""

    model: Model | None = None
    model_path: Path | None = None
    data: Dataset | None = None
    holdout: Dataset | None = None
    data_path: Path | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    progress: ProgressCallback = _no_progress
    read_table: TableReader = _read_table
    data_table: Any = None
    """The raw table of ``data`` (a pandas DataFrame, every column) when it was given as a table in memory."""
    trusted_modules: tuple[str, ...] = ()
    """``--trust-module``: modules whose classes the user vouches for (the model file was loaded under that trust)."""

    def table(self, path: str | Path) -> Any:
        """The table at ``path`` (a DataFrame), through the session's reader: parsed once per scan."""
        return self.read_table(Path(path))

    def option(self, name: str, default: Any) -> Any:
        value = self.options.get(name)
        return default if value is None else value

    def int_option(self, name: str, default: int) -> int:
        """An integer option (``--option name=7``); a non-integer is a ``ConfigError`` naming it."""
        value = self.option(name, default)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"option {name} must be an integer, got {value!r}") from None

    def float_option(self, name: str, default: float) -> float:
        value = self.option(name, default)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"option {name} must be a number, got {value!r}") from None

    def bool_option(self, name: str, default: bool) -> bool:
        """A yes/no option (``--option name=yes``); anything but the words of ``yesno`` is a
        ``ConfigError`` naming it, never a silent ``False``."""
        try:
            return parse_yes_no(self.option(name, default))
        except ValueError as exc:
            raise ConfigError(f"option {name}: {exc}") from None

    def list_option(self, name: str, default: str | list[str] | tuple[str, ...]) -> list[str]:
        """A comma-separated option (``--option attacks=pgd,square``) or a list given from Python."""
        value = self.option(name, default)
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        return [str(value)]

    def need_model(self) -> Model:
        """The model, typed as present (checks that require it call this instead of asserting)."""
        if self.model is None:
            raise CheckError("this check needs a model")
        return self.model

    def need_differentiable_model(self) -> DifferentiableModel:
        if not isinstance(self.model, DifferentiableModel):
            raise CheckError("this check needs a differentiable (torch) model")
        return self.model

    def need_model_path(self) -> Path:
        if self.model_path is None:
            raise CheckError("this check needs a model file")
        return self.model_path

    def need_data(self) -> Dataset:
        if self.data is None or self.data.y is None:
            raise CheckError("this check needs labelled data")
        return self.data

    def evaluation_data(self) -> Dataset:
        """Labelled data to measure the model on: the holdout when there is one (a property of the model on data
        it has not memorised), else the training data."""
        if self.holdout is not None and self.holdout.y is not None:
            return self.holdout
        return self.need_data()

    def need_holdout(self) -> Dataset:
        if self.holdout is None or self.holdout.y is None:
            raise CheckError("this check needs labelled holdout data")
        return self.holdout

    def need_data_path(self) -> Path:
        if self.data_path is None:
            raise CheckError("this check needs a data file")
        return self.data_path

    def has(self, requirement: Requirement) -> bool:
        match requirement:
            case Requirement.MODEL:
                return self.model is not None
            case Requirement.DIFFERENTIABLE_MODEL:
                return isinstance(self.model, DifferentiableModel)
            case Requirement.MODEL_FILE:
                return self.model_path is not None
            case Requirement.DATA:
                return self.data is not None and self.data.y is not None
            case Requirement.HOLDOUT:
                return self.holdout is not None and self.holdout.y is not None
            case Requirement.DATA_FILE:
                return self.data_path is not None


@dataclass(frozen=True)
class CheckResult:
    """Findings, named metrics and figures from one check."""

    findings: tuple[Finding, ...] = ()
    metrics: Mapping[str, Any] = field(default_factory=dict)
    figures: Mapping[str, Figure] = field(default_factory=dict)


class Check(ABC):
    """One security check. Subclasses set the class attributes and implement ``run``.

    ``group`` is the ``--scan`` name that selects the check along with others
    (``robustness``, ``poisoning``, ``membership``, ``supply-chain``, ``privacy``, ...);
    ``name`` selects it alone.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    group: ClassVar[str]
    owasp: ClassVar[tuple[str, ...]]
    atlas: ClassVar[tuple[str, ...]] = ()
    requires: ClassVar[frozenset[Requirement]] = frozenset()
    Options: ClassVar[type[Any]] = NoOptions
    """A frozen dataclass of this check's settings (fields made with ``opt``); the scan session validates
    ``--option`` values against it and hands the check every field in ``ctx.options``."""
    text_inputs: ClassVar[bool] = False
    """True when the check also runs on a text model (strings in, predictions out: black-box only); a check
    that does not declare it is skipped with ``TEXT_SKIP`` when the model or data is text."""

    def missing(self, ctx: ScanContext) -> list[Requirement]:
        """The requirements ``ctx`` cannot satisfy (empty when the check can run)."""
        return [r for r in sorted(self.requires, key=lambda r: r.value) if not ctx.has(r)]

    def applicable(self, ctx: ScanContext) -> str | None:
        """Beyond ``requires``: a reason this check cannot run on ``ctx``, else None.

        A plain ``str`` says the given inputs could not be evaluated (a limit hit, a kind of data the
        check cannot read): the scan fails, also under ``--scan all``. An ``Inapplicable`` reason says
        the check is out of scope (an optional input not given, a model kind it has no meaning for): under
        ``--scan all`` it is only listed as skipped."""
        del ctx
        return None

    @final
    def execute(self, ctx: ScanContext) -> CheckResult:
        """Run the check, tagging each finding with the check's name."""
        missing = self.missing(ctx)
        if missing:
            raise CheckError(f"check {self.name} needs {', '.join(r.value for r in missing)}")
        result = self.run(ctx)
        tagged = tuple(f if f.check else _with_check(f, self.name) for f in result.findings)
        return CheckResult(tagged, dict(result.metrics), dict(result.figures))

    @abstractmethod
    def run(self, ctx: ScanContext) -> CheckResult:
        """Do the work; inputs named in ``requires`` are guaranteed present."""


class Inapplicable(str):
    """A skip reason that is not a failure when the check was reached through ``--scan all``: the check
    needs an input or option the user did not give (``--option sensitive=COLUMN``), or it has no meaning
    for this kind of model. Any other reason (a plain ``str``) means the given inputs were not evaluated."""

    __slots__ = ()


TEXT_SKIP = Inapplicable(
    "the model takes text (strings): this check needs numeric inputs (white-box attacks need gradients "
    "through the input, black-box ones perturb numbers); on text models membership, extraction and "
    "poisoning (on the model's embeddings) run")

_INPUT_NEEDS = frozenset({Requirement.MODEL, Requirement.DIFFERENTIABLE_MODEL, Requirement.DATA, Requirement.HOLDOUT})


def text_skip_reason(check: Check, ctx: ScanContext) -> str | None:
    """``TEXT_SKIP`` when ``ctx`` holds a text model or text data and ``check`` does not declare ``text_inputs``."""
    if check.text_inputs or not (_INPUT_NEEDS & check.requires):
        return None
    text_model = getattr(ctx.model, "input_kind", None) == "text"
    text_data = any(d is not None and d.x.dtype == object for d in (ctx.data, ctx.holdout))
    return TEXT_SKIP if text_model or text_data else None


def _with_check(finding: Finding, name: str) -> Finding:
    from dataclasses import replace

    return replace(finding, check=name)
