"""mlsecure: secure machine-learning systems end to end.

The public vocabulary lives in :mod:`mlsecure.findings` (``Finding``, ``Report``) and
:mod:`mlsecure.check`; capabilities live in their own sub-packages.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mlsecure")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
