"""Every error mlsecure raises on purpose, each with a message a user can act on.

The tree::

    MLSecureError                       root: catch this to catch everything of ours
    ├── InputError(ValueError)          a file, column, argument or array is not what was expected
    │   ├── DataFormatError             a table or array file cannot be parsed (ragged rows, encoding)
    │   ├── SpecialFileError            a FIFO, device, socket or folder given where a file is expected
    │   └── LimitExceededError          an input is over a bound checked before expensive work (JSON
    │                                   depth or size, key-derivation cost, decompressed size, columns)
    ├── ConfigError(ValueError)         a configuration file or option combination is invalid
    ├── ModelLoadError                  a model file or object cannot be turned into a Model
    │   ├── UnsafeArtifactError         the artifact gate refused to load a file (scan not clean)
    │   └── InputShapeUnknownError      the model records no input shape and none was given (the data's
    │                                   feature count is then tried by the scan session)
    ├── CheckError                      a check could not complete on valid input (a bug or a limit)
    │   └── SourceUnavailableError      evidence a check needs cannot be reached (vulnerability data)
    ├── OutputError                     an output would lose data (it is an input, it exists and --force
    │                                   was not given) or cannot be written (disk full, read-only folder)
    └── MissingDependencyError(ImportError)
                                        an optional extra is needed: the message names it

The CLI maps every ``MLSecureError`` to exit code 2 and a one-line message; anything else is a bug
and is shown with a traceback only under ``--debug``.
"""

from __future__ import annotations

from types import ModuleType


class MLSecureError(Exception):
    """Root of every error mlsecure raises deliberately."""


class InputError(MLSecureError, ValueError):
    """A user-supplied input (file, column, argument, array) is missing or malformed."""


class DataFormatError(InputError):
    """A data file exists but cannot be parsed as the format it claims to be."""


class SpecialFileError(InputError):
    """A path names a FIFO, device, socket or folder; refused by ``stat`` before anything is opened."""


class ConfigError(MLSecureError, ValueError):
    """A configuration value or combination of options is invalid."""


class ModelLoadError(MLSecureError):
    """A model file or object cannot be loaded or wrapped as a ``Model``."""


class UnsafeArtifactError(ModelLoadError):
    """The artifact safety gate refused to load a file; ``reasons`` says why."""

    def __init__(self, message: str, reasons: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.reasons = reasons


class InputShapeUnknownError(ModelLoadError):
    """The model records no input shape and the caller gave none; a caller holding data retries with its
    feature count (``load_model(..., n_features=...)``)."""


class CheckError(MLSecureError):
    """A check failed on input that was valid (resource limit or internal problem)."""


class LimitExceededError(InputError):
    """An input is over a bound that is checked before any expensive work is done on it."""


class SourceUnavailableError(CheckError):
    """A source of evidence (vulnerability data, a service) could not be reached: nothing was checked."""


class OutputError(MLSecureError):
    """An output cannot be written safely (it is or links to an input, it exists without --force) or the
    disk refused it; nothing partial is left under its name."""


class MissingDependencyError(MLSecureError, ImportError):
    """An optional dependency is not installed; the message names the extra that brings it."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(f"{package} is required for this feature: pip install \"mlsecure[{extra}]\"")
        self.package = package
        self.extra = extra


def require(module: str, extra: str) -> ModuleType:
    """Import an optional module or raise ``MissingDependencyError`` naming the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(module.split(".")[0], extra) from exc
