"""The ``fairness`` scan group: a group-fairness audit of the model's predictions on labelled data.

Options (``--option key=value``):

- ``sensitive=COLUMN`` (required): the sensitive attribute, read from the raw data table (or from
  ``sensitive_file``) with its raw type, so text values such as ``F``/``M`` work;
- ``sensitive_file=PATH``: a table row-aligned with ``--data`` holding that column, for when the
  attribute is kept apart from the training data;
- ``positive=LABEL``: the favourable outcome (default: the second class of a binary model; required
  for a multiclass model, audited one-vs-rest);
- ``n_boot`` (default 1000), ``confidence`` (0.95), ``ratio_threshold`` (0.8),
  ``eo_threshold`` (0.1), ``accuracy_threshold`` (0.05), ``min_group`` (30);
- ``engine=fairlearn|numpy``: point estimates by fairlearn's ``MetricFrame`` (default) or by numpy on
  the confusion cells (identical numbers, far cheaper on large tables).

The column may also be a model feature: when the model's input width equals the data's, the data is
used as is; when it is one narrower and the column is among the data's features, the column is dropped
from the features (the model never saw it, the audit still groups by it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

from mlsecure.check import SEED_HELP, Check, CheckResult, Inapplicable, Requirement, ScanContext, opt
from mlsecure.data import Dataset, load_table
from mlsecure.errors import InputError
from mlsecure.governance.fairness import audit_fairness
from mlsecure.governance.fairness_findings import (
    ATLAS,
    OWASP,
    Thresholds,
    fairness_figures,
    fairness_findings,
    fairness_metrics,
)
from mlsecure.models import Model, encode_labels, predict_labels


class FairnessCheck(Check):
    name: ClassVar[str] = "fairness"
    title: ClassVar[str] = "Group fairness (demographic parity, equalized odds, four-fifths rule)"
    group: ClassVar[str] = "fairness"
    owasp: ClassVar[tuple[str, ...]] = (OWASP,)
    atlas: ClassVar[tuple[str, ...]] = ATLAS
    requires: ClassVar[frozenset[Requirement]] = frozenset(
        {Requirement.MODEL, Requirement.DATA, Requirement.DATA_FILE})

    @dataclass(frozen=True)
    class Options:
        """Settings (``--option NAME=VALUE``)."""

        seed: int = opt(0, SEED_HELP)
        sensitive: str = opt("", "the sensitive-attribute column")
        sensitive_file: Path | None = opt(None, "table holding the sensitive column, row-aligned with --data")
        positive: str | None = opt(None, "the favourable label (default: the second class of a binary model)")
        n_boot: int = opt(1000, "bootstrap replicates")
        confidence: float = opt(0.95, "level of the bootstrap intervals")
        engine: str = opt("fairlearn", "metrics engine: fairlearn or builtin")
        ratio_threshold: float = opt(0.8, "four-fifths rule: lowest acceptable selection-rate ratio")
        eo_threshold: float = opt(0.1, "largest acceptable equalized-odds difference")
        accuracy_threshold: float = opt(0.05, "largest acceptable accuracy gap between groups")
        min_group: int = opt(30, "groups smaller than this are reported, not judged")

    def applicable(self, ctx: ScanContext) -> str | None:
        if not ctx.option("sensitive", ""):
            return Inapplicable("no sensitive attribute: pass --option sensitive=COLUMN")
        model = ctx.model
        if model is not None and model.n_classes > 2 and not ctx.option("positive", ""):
            return Inapplicable(f"multiclass model ({model.n_classes} classes): pass --option positive=LABEL")
        return None

    def run(self, ctx: ScanContext) -> CheckResult:
        model, data = ctx.need_model(), ctx.need_data()
        column = str(ctx.option("sensitive", ""))
        if not column:
            raise InputError("no sensitive attribute: pass --option sensitive=COLUMN")
        source = Path(str(ctx.option("sensitive_file", ""))) if ctx.option("sensitive_file", "") else None
        path = source or ctx.need_data_path()
        groups = sensitive_values(path, column, n_rows=len(data), table=ctx.table(path))
        x = model_features(model, data, column)
        positive = positive_index(model, ctx.option("positive", None))
        ctx.progress("fairness: predicting", 0.0)
        y_pred = predict_labels(model, x)
        y_true = encode_labels(model, np.asarray(data.y))
        ctx.progress("fairness: bootstrap", 0.5)
        audit = audit_fairness(
            y_true, y_pred, groups, positive=positive, attribute=column,
            positive_name=_class_name(model, positive),
            n_boot=int(ctx.option("n_boot", 1000)), confidence=float(ctx.option("confidence", 0.95)),
            seed=int(ctx.option("seed", 0)), engine=_engine(ctx.option("engine", "fairlearn")))
        ctx.progress("fairness: bootstrap", 1.0)
        thresholds = Thresholds(
            ratio=float(ctx.option("ratio_threshold", 0.8)),
            equalized_odds=float(ctx.option("eo_threshold", 0.1)),
            accuracy_gap=float(ctx.option("accuracy_threshold", 0.05)),
            min_group=int(ctx.option("min_group", 30)))
        findings = fairness_findings(audit, thresholds=thresholds, source=str(source or ctx.data_path))
        return CheckResult(tuple(findings), fairness_metrics(audit), fairness_figures(audit))


def sensitive_values(path: Path, column: str, *, n_rows: int, table: Any = None) -> np.ndarray:
    """The sensitive column of the table at ``path`` (already parsed: ``table``) as strings, row-aligned with
    the data."""
    if table is None:
        table = load_table(path)
    if column not in table.columns:
        shown = ", ".join(map(str, table.columns[:12]))
        raise InputError(f"{path}: no sensitive column {column!r} (columns: {shown})")
    if len(table) != n_rows:
        raise InputError(f"{path}: {len(table)} rows but the data has {n_rows}; the sensitive column must be "
                         "row-aligned with --data")
    values = table[column]
    if values.isna().any():
        row = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise InputError(f"{path}: missing value in sensitive column {column!r} at data row {row + 1}")
    out: np.ndarray = values.astype(str).to_numpy()
    return out


def model_features(model: Model, data: Dataset, column: str) -> np.ndarray:
    """The data's features shaped for ``model``, dropping ``column`` when the model is one narrower."""
    width = int(np.prod(model.input_shape)) if model.input_shape else None
    have = int(np.prod(data.x.shape[1:]))
    x = data.x
    if width is not None and have == width + 1 and column in data.feature_names:
        x = np.delete(x.reshape(len(x), -1), data.feature_names.index(column), axis=1)
    if width is not None and int(np.prod(x.shape[1:])) != width:
        raise InputError(f"{data.source}: samples have {int(np.prod(x.shape[1:]))} features but the model "
                         f"expects {width}")
    return x.reshape((len(x), *model.input_shape)) if model.input_shape else x


def positive_index(model: Model, positive: Any) -> int:
    """The model output column of the favourable label (default: index 1 of a binary model)."""
    if positive is None or positive == "":
        if model.n_classes > 2:
            raise InputError(f"multiclass model ({model.n_classes} classes): name the positive label")
        return 1
    classes = model.classes
    if classes is not None:
        names = [str(c.item() if hasattr(c, "item") else c) for c in classes]
        if str(positive) in names:
            return names.index(str(positive))
        raise InputError(f"positive label {positive!r} is not one of the model's classes {names[:10]}")
    try:
        index = int(str(positive))
    except ValueError:
        raise InputError(f"positive label {positive!r}: this model's classes are indices 0..{model.n_classes - 1}"
                         ) from None
    if not 0 <= index < model.n_classes:
        raise InputError(f"positive label {index} outside 0..{model.n_classes - 1}")
    return index


def _engine(value: Any) -> Literal["fairlearn", "numpy"]:
    if value == "fairlearn":
        return "fairlearn"
    if value == "numpy":
        return "numpy"
    raise InputError(f"--option engine={value!r}: expected fairlearn or numpy")


def _class_name(model: Model, index: int) -> str:
    classes = model.classes
    if classes is None:
        return str(index)
    c = classes[index]
    return str(c.item() if hasattr(c, "item") else c)


CHECKS: tuple[type[Check], ...] = (FairnessCheck,)
