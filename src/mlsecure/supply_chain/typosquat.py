"""Names that imitate popular ML packages (typosquats, ATLAS AML.T0011.001 Malicious Package).

A name is suspicious when it is not itself a known project and either

- reads the same as a popular name after folding look-alike characters (``0``/``o``, ``1``/``l``/``i``,
  ``rn``/``m``, ``vv``/``w``, ``5``/``s``) and separators (``jeIlyfish``, ``scikitlearn``), or
- is within optimal-string-alignment edit distance 1 of a popular name of 5+ characters (one
  insertion, deletion, substitution or adjacent swap: ``numpi``, ``tensorfolw``), or distance 2 of
  one of 9+ characters (``transfomres``).

Short names (< 5 characters, e.g. ``jax``, ``onnx``) are only matched through look-alikes: at that
length, distance 1 hits too many real projects. Known legitimate neighbours (``scapy`` next to
``scipy``, ``torchx`` next to ``torch``) are listed in ``KNOWN_LEGITIMATE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from packaging.utils import canonicalize_name

POPULAR: frozenset[str] = frozenset({
    # deep learning and ML frameworks
    "torch", "torchvision", "torchaudio", "torchtext", "tensorflow", "tensorflow-gpu", "tensorflow-hub",
    "tensorflow-datasets", "tensorboard", "keras", "jax", "jaxlib", "flax", "optax", "mxnet", "paddlepaddle",
    "pytorch-lightning", "lightning", "fastai", "timm", "einops", "triton", "deepspeed", "accelerate",
    "onnx", "onnxruntime", "onnxruntime-gpu", "tensorrt", "openvino",
    # LLM / NLP
    "transformers", "tokenizers", "datasets", "diffusers", "huggingface-hub", "safetensors",
    "sentence-transformers", "sentencepiece", "peft", "trl", "bitsandbytes", "vllm", "langchain",
    "langchain-core", "langchain-community", "llama-index", "openai", "anthropic", "tiktoken", "cohere",
    "mistralai", "google-generativeai", "spacy", "nltk", "gensim", "evaluate", "chromadb", "faiss-cpu",
    "faiss-gpu",
    # classic ML and data
    "numpy", "scipy", "pandas", "polars", "pyarrow", "scikit-learn", "scikit-image", "xgboost", "lightgbm",
    "catboost", "statsmodels", "sympy", "networkx", "numba", "cupy", "dask", "ray", "joblib", "h5py",
    "matplotlib", "seaborn", "plotly", "bokeh", "opencv-python", "opencv-python-headless", "pillow", "imageio",
    "albumentations", "kornia", "shap", "lime", "captum", "optuna", "hyperopt", "mlflow", "wandb", "comet-ml",
    "opacus", "fairlearn", "cleanlab", "gradio", "streamlit", "jupyter", "notebook", "ipython", "jupyterlab",
    # the general-purpose packages typosquatters target most
    "requests", "urllib3", "boto3", "botocore", "pyyaml", "protobuf", "tqdm", "setuptools", "pip", "wheel",
    "cryptography", "pydantic", "fastapi", "flask", "django", "uvicorn", "colorama", "python-dateutil",
    "jellyfish", "beautifulsoup4", "selenium", "paramiko", "certifi", "idna", "charset-normalizer",
    "typing-extensions", "attrs", "click", "rich", "pytest", "packaging", "six", "pytz", "lxml", "psutil",
})

KNOWN_LEGITIMATE: frozenset[str] = frozenset({
    "scapy", "torchx", "boto", "jinja", "jinja2", "numba", "pandas-gbq", "pydantic-core", "keras-nlp", "keras-cv",
    "tensorflow-cpu", "tensorflow-io", "tensorflow-text", "torchdata", "torchmetrics", "openai-whisper",
    "datasette", "dataset", "tokenize-rt", "accelerator", "transformer", "requests-oauthlib", "urllib3-secure-extra",
    "pillow-heif", "idna-ssl", "attr", "clickhouse", "tomli", "toml", "typing", "pip-audit", "wheels", "pytest-cov",
    "lightning-utilities", "optree", "onnxconverter-common", "onnxscript", "pyarrow-hotfix", "ray-cpp", "daal",
    "numpy-quaternion", "scipy-stubs", "pandas-stubs", "sympy-stubs", "plotnine", "flask-cors", "tqdm-joblib",
    "cattrs", "pyaml", "tensorboardx", "unicorn",  # real projects one edit away, found on a 932-name corpus
})

Kind = Literal["confusable", "edit-distance"]


@dataclass(frozen=True)
class Typosquat:
    """``name`` imitates ``target``."""

    name: str
    target: str
    kind: Kind
    distance: int


def check_name(name: str, *, popular: frozenset[str] = POPULAR,
               legitimate: frozenset[str] = KNOWN_LEGITIMATE) -> Typosquat | None:
    """The popular package ``name`` imitates, or None. Exact popular or known-legitimate names pass."""
    canonical = canonicalize_name(name)
    if canonical in popular or canonical in legitimate:
        return None
    folded = skeleton(name)
    best: Typosquat | None = None
    for target in sorted(popular):
        if skeleton(target) == folded:
            return Typosquat(name, target, "confusable", osa_distance(canonical, target))
        limit = 2 if len(target) >= 9 else 1 if len(target) >= 5 else 0
        if limit == 0 or abs(len(canonical) - len(target)) > limit:
            continue
        distance = osa_distance(canonical, target, limit=limit)
        if distance <= limit and (best is None or distance < best.distance):
            best = Typosquat(name, target, "edit-distance", distance)
    return best


_FOLD = str.maketrans({"0": "o", "1": "l", "i": "l", "5": "s", "_": "", "-": "", ".": "", "|": "l"})


def skeleton(name: str) -> str:
    """A look-alike-folded form: case, separators and confusable glyphs removed (``jeIlyfish`` == ``jellyfish``)."""
    return name.lower().replace("rn", "m").replace("vv", "w").translate(_FOLD)


def osa_distance(a: str, b: str, *, limit: int | None = None) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent transpositions).

    Returns ``limit + 1`` as soon as the distance is known to exceed ``limit``.
    """
    if a == b:
        return 0
    cap = limit if limit is not None else max(len(a), len(b))
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = value
        if limit is not None and min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[len(b)]
