"""One model interface for every framework: attacks and audits talk to ``Model``, never to torch,
scikit-learn or onnxruntime directly. ``as_model(obj)`` picks the adapter; no file loading here
(that is the supply-chain gate, :func:`mlsecure.artifacts.load.load_model`)."""

from mlsecure.models.interface import DifferentiableModel, Model, encode_labels, predict_labels
from mlsecure.models.wrap import as_model

__all__ = ["DifferentiableModel", "Model", "as_model", "encode_labels", "predict_labels"]
