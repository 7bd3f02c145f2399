"""``Session``: one scan. The inputs are opened once, the model is loaded once through the artifact gate,
each check's typed options are validated, and the selected checks run into one ``Report``.

The CLI (``mlsecure scan``, ``governance fairness``), the demo and the guide's scripts build a
``Session``; none of them assembles a scan itself. ``mlsecure.scan(...)`` is the short form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mlsecure.check import Check, ProgressCallback, ScanContext
from mlsecure.data.dataset import Dataset
from mlsecure.errors import InputError, InputShapeUnknownError, UnsafeArtifactError
from mlsecure.findings import Finding, Report
from mlsecure.models.interface import Model
from mlsecure.scan import options as typed
from mlsecure.scan.runner import named_checks, run_scan, select_checks

if TYPE_CHECKING:
    import pandas as pd

ARRAY_SUFFIXES = (".npy", ".npz")


class TableCache:
    """Parses each table file once per scan; checks that need a file's table again get the parsed one."""

    def __init__(self) -> None:
        self._frames: dict[Path, pd.DataFrame] = {}

    def __call__(self, path: Path) -> pd.DataFrame:
        from mlsecure.data import load_table
        from mlsecure.io.inputs import check_input

        key = Path(path).resolve()
        if key not in self._frames:
            check_input(path, what="data file")
            self._frames[key] = load_table(path)
        return self._frames[key].copy(deep=False)  # a check adding a column does not change the others' table


@dataclass
class Session:
    """One scan of ``model`` (a file, or an in-memory torch module / scikit-learn estimator / ``Model``) and
    ``data`` / ``holdout`` (files, ``Dataset``, pandas frames, numpy arrays or ``(x, y)`` pairs).

    ``checks``: ``all``, group or check names. ``options``: check settings (``{"attacks": "pgd"}``,
    ``{"drift.alpha": 0.01}``), validated against each check's ``Options`` dataclass when the session is
    built, so a typo fails before any work. The model and data are loaded when the session is built;
    ``run()`` runs the checks."""

    model: Any = None
    data: Any = None
    holdout: Any = None
    checks: str | Sequence[str] = "all"
    options: Mapping[str, Any] = field(default_factory=dict)
    label_column: str | None = None
    exclude_columns: Sequence[str] = ()
    framework: str | None = None
    input_shape: tuple[int, ...] | None = None
    clip_values: tuple[float, float] | None = None
    model_class: str | None = None
    """``MODULE:NAME`` (or ``NAME`` in ``model_code``): the model file is a state_dict for this class."""
    model_code: Path | None = None
    model_kwargs: str | None = None
    """JSON keyword arguments for ``model_class``."""
    trust_modules: Sequence[str] = ()
    """Modules whose classes a full pickled torch module may construct (``--trust-module``); recorded as SUP-002."""
    seed: int | None = None
    epsilon: float | Sequence[float] | None = None
    max_samples: int | None = None
    export_suspicious: Path | None = None
    target: str | None = None
    progress: ProgressCallback | None = None
    use_recorded_data: bool = True
    """Take --data / --holdout from the model file's metadata when not given (TorchScript saved by mlsecure)."""
    engine: str = "local"
    """``spark``: the drift check's table statistics are Spark aggregations (``--scan drift`` only)."""
    spark_master: str | None = None
    """Spark master URL for ``engine="spark"`` (default ``local[*]``)."""
    spark_session: Any = None
    """An existing SparkSession for ``engine="spark"`` (else one is started on ``spark_master`` when the check runs)."""

    selected: list[type[Check]] = field(init=False)
    check_options: dict[str, Any] = field(init=False)
    notes: list[str] = field(init=False, default_factory=list)
    """What the session decided on the user's behalf (a data file recorded in the model), for the CLI to show."""
    refusal: UnsafeArtifactError | None = field(init=False, default=None)
    context: ScanContext = field(init=False)

    def __post_init__(self) -> None:
        selection = [self.checks] if isinstance(self.checks, str) else list(self.checks)
        self.selected = select_checks(selection)
        self._required = named_checks(selection)
        epsilon = [self.epsilon] if isinstance(self.epsilon, int | float) else self.epsilon
        self.check_options = typed.resolve(self.selected, self.options, lenient={
            "seed": self.seed, "epsilon": epsilon, "max_samples": self.max_samples,
            "export_suspicious": self.export_suspicious})
        if self.model is None and self.data is None:
            raise InputError("nothing to scan: give a model and/or data")
        self._tables = TableCache()
        self._trust_record: Finding | None = None
        if self.engine != "local" or self.spark_master is not None:
            self._table_engine: Any = self._engine()
            extra: dict[str, Any] = {"progress": self.progress} if self.progress is not None else {}
            self.context = ScanContext(data_path=Path(self.data) if isinstance(self.data, str | Path) else None,
                                       read_table=self._tables, **extra)
            return
        self._table_engine = None
        self.context = self._build()

    def run(self, *, progress: ProgressCallback | None = None) -> Report:
        """Run the selected checks; the model and data are the ones loaded when the session was built.
        ``progress`` replaces the session's progress callback for this run."""
        ctx = self.context if progress is None else replace(self.context, progress=progress)
        per_check = {name: typed.as_mapping(opts) for name, opts in self.check_options.items()}
        if self._table_engine is not None:
            from mlsecure.governance.drift_checks import ENGINE_KEY

            per_check["drift"][ENGINE_KEY] = self._table_engine
            if per_check["drift"].get("label_column") is None:
                per_check["drift"]["label_column"] = self.label_column
        report = run_scan(self.selected, ctx, target=self.target or self._target(), model_refusal=self.refusal,
                          check_options=per_check, required=self._required)
        if self._trust_record is not None:
            report.findings.append(self._trust_record)
        return report

    def input_files(self) -> list[Path]:
        """Every file this scan reads: the model, the data and holdout (also those recorded in the model file),
        the model's code, and each option value that names an existing file (``current=serving.csv``,
        ``signature=...``, ``requirements=...``). An output must never be written through one of them."""
        found: list[Path] = []
        values: list[Any] = [self.model, self.data, self.holdout, self.model_code, *self.options.values()]
        for opts in self.check_options.values():
            values.extend(typed.as_mapping(opts).values())
        for value in values:
            items = value if isinstance(value, list | tuple) else (value,)
            found.extend(Path(i) for i in items if isinstance(i, str | Path) and str(i) and _exists(Path(i)))
        return list(dict.fromkeys(found))

    def _engine(self) -> Any:
        """The drift check's table engine, after every refusal that needs no JVM: one line naming what
        ``--engine spark`` cannot run (it computes the drift check's table statistics, nothing else)."""
        if self.engine != "spark":
            if self.engine == "local":
                raise InputError("--spark-master needs --engine spark")
            raise InputError(f"unknown engine {self.engine!r}; scan supports local and spark")
        others = [c.name for c in self.selected if c.name != "drift"]
        if others:
            raise InputError(f"--engine spark supports only the drift check (--scan drift); this scan also selects "
                             f"{', '.join(others)}")
        drift = self.check_options["drift"]
        kinds = [k for k in drift.multivariate if k != "none"]
        if kinds:
            raise InputError(f"--engine spark: the multivariate drift tests ({', '.join(kinds)}) have no Spark "
                             "version; add --option multivariate=none (schema and per-feature tests run on Spark)")
        if self.model is not None:
            raise InputError("--engine spark: prediction drift (the model's outputs) has no Spark version; drop "
                             "--model (schema and per-feature tests run on Spark)")
        if drift.current in ("", "holdout") or self.holdout is not None:
            raise InputError("--engine spark compares two Parquet tables given as paths: --data (or --option "
                             "reference=PATH) and --option current=PATH (not --holdout)")
        reference = drift.reference or self.data
        if not isinstance(reference, str | Path):
            raise InputError("--engine spark reads the reference table from a path: --data PATH or --option "
                             "reference=PATH")
        from mlsecure.engines.tables.drift import SparkDriftEngine
        from mlsecure.engines.tables.stream import table_files

        for path in (reference, drift.current):
            kind, _ = table_files(path)
            if kind != "parquet":
                raise InputError(f"{path}: --engine spark reads Parquet (typed columns), not {kind}; Spark and "
                                 "pandas would guess a text table's column types differently")
        return SparkDriftEngine(self.spark_master, self.spark_session)

    def _build(self) -> ScanContext:
        model_path = Path(self.model) if isinstance(self.model, str | Path) else None
        if model_path is not None:
            self._recorded(model_path)
        data_path = Path(self.data) if isinstance(self.data, str | Path) else None
        sensitive = self._sensitive()
        try:
            model = self._load_model(model_path)
        except InputShapeUnknownError:
            if self.data is None:
                raise
            # the model records no shape: the data's feature count is tried (the table is cached, read once)
            probe = self._dataset(self.data, "data", sensitive, None, strict=True)
            if probe is None:
                raise
            model = self._load_model(model_path, n_features=int(np.prod(probe.x.shape[1:])))
        if model is None and model_path is None and self.model is not None and not _needs_data_shape(self.model):
            model = self._wrap(self.model, None)  # known first: a text model's data is its text column
        data = self._dataset(self.data, "data", sensitive, model, strict=True)
        # the holdout (possibly recorded in the model file) may lack a column the data has
        holdout = self._dataset(self.holdout, "holdout", sensitive, model, strict=data is None)
        if model is None and model_path is None and self.model is not None:
            model = self._wrap(self.model, data if data is not None else holdout)
        if model is not None:
            data = data.reshaped(model.input_shape) if data is not None else None
            holdout = holdout.reshaped(model.input_shape) if holdout is not None else None
        extra: dict[str, Any] = {"progress": self.progress} if self.progress is not None else {}
        frame = self.data if hasattr(self.data, "columns") and hasattr(self.data, "drop") else None
        return ScanContext(model=model, model_path=model_path, data=data, holdout=holdout, data_path=data_path,
                           read_table=self._tables, data_table=frame, trusted_modules=tuple(self.trust_modules),
                           **extra)

    def _recorded(self, model_path: Path) -> None:
        from mlsecure.artifacts.load import recorded_data
        from mlsecure.io.inputs import check_input

        if model_path.is_dir():  # a Hugging Face folder: the gate checks each file in it
            return
        check_input(model_path, what="model file")  # a FIFO or device is refused before anything opens it
        if not self.use_recorded_data or (self.data is not None and self.holdout is not None):
            return
        recorded = recorded_data(model_path)
        for key, attr in (("train", "data"), ("holdout", "holdout")):
            if getattr(self, attr) is None and key in recorded:
                self.notes.append(f"using --{attr} {recorded[key]} recorded in {model_path}")
                setattr(self, attr, recorded[key])

    def _load_model(self, model_path: Path | None, n_features: int | None = None) -> Model | None:
        from mlsecure.artifacts.load import load_model

        if model_path is None:
            return None
        try:
            model = load_model(model_path, self.framework, input_shape=self.input_shape, clip_values=self.clip_values,
                               model_class=self.model_class, model_code=self.model_code,
                               model_kwargs=self.model_kwargs, n_features=n_features,
                               trust_modules=tuple(self.trust_modules))
        except UnsafeArtifactError as exc:
            # Never load it; the artifact scan reports why and every model check fails as not evaluated.
            self.notes.append(f"not loading the model: {exc}")
            self.refusal = exc
            return None
        if self.trust_modules:
            self._record_trust(model_path)
        return model

    def _record_trust(self, model_path: Path) -> None:
        """SUP-002 names the trusted modules and the globals only that trust let through."""
        from mlsecure.artifacts.gate import check_trusted_modules, ensure_safe
        from mlsecure.artifacts.trusted_pickle import trust_finding, trusted_globals

        trusted = check_trusted_modules(self.trust_modules)
        used = trusted_globals(ensure_safe(model_path, trusted), trusted) if model_path.is_file() else []
        self._trust_record = trust_finding(model_path, trusted, used)

    def _wrap(self, obj: Any, data: Dataset | None) -> Model:
        """An in-memory model through ``as_model``; a torch module without ``input_shape`` takes the data's."""
        from mlsecure.models import as_model

        settings: dict[str, Any] = {}
        if self.clip_values is not None:
            settings["clip_values"] = self.clip_values
        shape = self.input_shape or (tuple(data.x.shape[1:]) if data is not None else None)
        if shape is not None and _needs_data_shape(obj):
            settings["input_shape"] = shape
        elif self.input_shape is not None:
            settings["input_shape"] = self.input_shape
        return as_model(obj, **settings)

    def _sensitive(self) -> str | None:
        fairness = self.check_options.get("fairness")
        value = getattr(fairness, "sensitive", "") if fairness is not None else ""
        raw = self.options.get("sensitive") or self.options.get("fairness.sensitive")
        return str(value or raw or "") or None

    def _dataset(self, source: Any, what: str, sensitive: str | None, model: Model | None, *,
                 strict: bool) -> Dataset | None:
        from mlsecure.data import dataset_from_table, load_dataset

        if source is None or isinstance(source, Dataset):
            return source
        if isinstance(source, tuple) and len(source) == 2:
            x, y = source
            return Dataset(_inputs(x), None if y is None else np.asarray(y), source=f"<{what}>")
        if isinstance(source, np.ndarray):
            return Dataset(_inputs(source), None, source=f"<{what}>")
        if isinstance(source, str | Path):
            path = Path(source)
            if path.suffix.lower() in ARRAY_SUFFIXES:
                if self.exclude_columns:
                    raise InputError(f"{path}: --exclude-column needs a table with named columns, not an array file")
                return load_dataset(path, label_column=self.label_column)
            frame, name = self._tables(path), str(path)
        elif hasattr(source, "columns") and hasattr(source, "drop"):
            frame, name = source, f"<{what} frame>"
        else:
            raise InputError(f"{what}: expected a file path, a pandas DataFrame, a numpy array, an (x, y) pair "
                             f"or a Dataset, got {type(source).__name__}")
        if what == "data" and sensitive is not None and sensitive not in frame.columns and not self._option(
                "fairness", "sensitive_file"):
            shown = ", ".join(map(str, frame.columns[:12]))
            raise InputError(f"{name}: no sensitive column {sensitive!r} (columns: {shown}); "
                             "or pass --option sensitive_file=FILE")
        if getattr(model, "input_kind", None) == "text":
            from mlsecure.data.dataset import text_dataset_from_table

            drop = [c for c in dict.fromkeys(self.exclude_columns) if c in frame.columns]
            return text_dataset_from_table(frame.drop(columns=drop) if drop else frame,
                                           label_column=self.label_column, source=name)
        return _features(frame, name, self.label_column, list(self.exclude_columns), sensitive, model,
                         strict=strict, loader=dataset_from_table)

    def _option(self, check: str, name: str) -> Any:
        options = self.check_options.get(check)
        return getattr(options, name, None) if options is not None else None

    def _target(self) -> str:
        parts = [_describe(v) for v in (self.model, self.data) if v is not None]
        return " + ".join(parts)


def _exists(path: Path) -> bool:
    """``path.exists()`` that is False for what cannot be a file name (too long, a NUL byte)."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _inputs(x: Any) -> np.ndarray:
    """Float32 features, or for strings (a text model's inputs) one object column."""
    arr = np.asarray(x)
    if arr.dtype.kind in "OUS":
        return arr.astype(object).reshape(len(arr), -1)
    return np.asarray(arr, dtype=np.float32)


def _needs_data_shape(obj: Any) -> bool:
    """A plain torch module records no input shape: it takes the data's. Transformers and Keras objects
    (also ``nn.Module``s on the torch backend) carry their own."""
    import sys

    torch = sys.modules.get("torch")
    if torch is None or not isinstance(obj, torch.nn.Module | torch.jit.ScriptModule):
        return False
    return not type(obj).__module__.startswith(("transformers.", "keras."))


def _describe(value: Any) -> str:
    return str(value) if isinstance(value, str | Path) else f"<{type(value).__name__}>"


def _features(frame: Any, source: str, label_column: str | None, exclude: list[str], sensitive: str | None,
              model: Model | None, *, strict: bool, loader: Callable[..., Dataset]) -> Dataset:
    """The dataset of ``frame`` without the ``exclude`` columns (each must exist when ``strict``) and the
    ``sensitive`` column, unless the model's input width shows it was trained on it."""
    missing = [c for c in exclude if c not in frame.columns]
    if missing and strict:
        raise InputError(f"{source}: --exclude-column {missing[0]!r} is not a column of this table "
                         f"(columns: {', '.join(map(str, frame.columns[:20]))})")
    drop = [c for c in dict.fromkeys(exclude) if c in frame.columns]
    if label_column is not None and label_column in drop:
        raise InputError(f"{source}: the label column {label_column!r} cannot also be excluded")
    if sensitive is not None and sensitive in frame.columns and sensitive not in drop:
        without = loader(frame.drop(columns=[*drop, sensitive]), label_column=label_column, source=source)
        width = int(np.prod(model.input_shape)) if model is not None and model.input_shape else None
        if width is None or width != int(np.prod(without.x.shape[1:])) + 1:
            return without  # the sensitive attribute is not a model feature: its check reads it from the table
    return loader(frame.drop(columns=drop) if drop else frame, label_column=label_column, source=source)


def scan(model: Any = None, data: Any = None, holdout: Any = None, *, checks: str | Sequence[str] = "all",
         options: Mapping[str, Any] | None = None, **settings: Any) -> Report:
    """Scan ``model`` and/or ``data`` with the selected checks and return the ``Report``.

    ``settings`` are the ``Session`` fields (``label_column``, ``seed``, ``epsilon``, ``input_shape``...)."""
    return Session(model, data, holdout, checks=checks, options=dict(options or {}), **settings).run()
