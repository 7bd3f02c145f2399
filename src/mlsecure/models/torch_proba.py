"""``predict_proba`` shared by the torch-backed adapters (TorchScript/nn.Module, HF image, Keras on torch):
softmax of the adapter's ``logits`` in batches, without gradients, so all three answer alike."""

from __future__ import annotations

from typing import Any

import numpy as np

from mlsecure.models.interface import as_batch


class SoftmaxOverLogits:
    """Mixin: the adapter sets ``_torch``, ``_device``, ``_input_shape``, ``_n_classes``, ``batch_size``
    and defines ``logits``."""

    _torch: Any
    _device: Any
    _input_shape: tuple[int, ...]
    _n_classes: int
    batch_size: int

    def logits(self, x: Any) -> Any:
        raise NotImplementedError

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        torch = self._torch
        x = as_batch(np.asarray(x, dtype=np.float32), self._input_shape)
        outs = []
        with torch.no_grad():
            for i in range(0, len(x), self.batch_size):
                batch = torch.from_numpy(x[i : i + self.batch_size]).to(self._device)
                outs.append(torch.softmax(self.logits(batch), dim=1).cpu().numpy())
        if not outs:
            return np.empty((0, self._n_classes))
        return np.concatenate(outs).astype(np.float64)
