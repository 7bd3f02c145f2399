"""Load tables and arrays with clear errors, and the built-in datasets demos and tests use."""

from mlsecure.data.builtin import BUILTIN_DATASETS, load_builtin
from mlsecure.data.dataset import Dataset, dataset_from_table, load_dataset
from mlsecure.data.tables import load_array, load_table

__all__ = [
    "BUILTIN_DATASETS",
    "Dataset",
    "dataset_from_table",
    "load_array",
    "load_builtin",
    "load_dataset",
    "load_table",
]
