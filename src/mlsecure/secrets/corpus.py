"""Synthetic secrets, decoys and a labelled file corpus: test your pipeline's secret scanning with known
answers (the tests and ``benchmarks/bench_secrets.py`` use it). Every value is random, never a real
credential; formats follow the providers' documented shapes (with a valid GitHub checksum).
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
from dataclasses import dataclass
from pathlib import Path

from mlsecure.secrets.detectors.providers import github_checksum
from mlsecure.secrets.detectors.structured import signature_bytes

ALNUM = string.ascii_letters + string.digits
B32 = string.ascii_uppercase + "234567"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"


@dataclass(frozen=True)
class Planted:
    """One planted item: ``rule_id`` of a true secret, or ``None`` for a decoy / clean file."""

    path: str
    rule_id: str | None
    label: str


def _r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def github_token(rng: random.Random, prefix: str = "ghp_") -> str:
    random_part = _r(rng, ALNUM, 30)
    return prefix + random_part + github_checksum(random_part)


def jwt(rng: random.Random, *, exp: int = 4102444800, alg: str = "HS256") -> str:
    """A JWT with random claims; the signature is random bytes of the algorithm's size (none: empty)."""
    header = _b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = _b64url(json.dumps({"sub": _r(rng, string.digits, 8), "role": "trainer", "exp": exp}).encode())
    size = 0 if alg == "none" else 256 if alg[:2] in ("RS", "PS") else signature_bytes(alg) or 32
    return f"{header}.{payload}.{_b64url(rng.randbytes(size))}"


def pem_block(rng: random.Random) -> str:
    body = base64.b64encode(rng.randbytes(600)).decode("ascii")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END RSA PRIVATE KEY-----"


def secret_snippets(rng: random.Random) -> dict[str, tuple[str, str]]:
    """rule id -> (file suffix, a snippet holding one fresh secret of that kind)."""
    pw = _r(rng, ALNUM, 6) + rng.choice("!-+*") + _r(rng, ALNUM, 6)
    return {
        "SEC-001": (".env", f"AWS_ACCESS_KEY_ID={rng.choice(['AKIA', 'ASIA'])}{_r(rng, B32, 16)}"),
        "SEC-002": (".ini", f"aws_secret_access_key = {_r(rng, B64, 40)}"),
        "SEC-003": (".py", f'GITHUB_TOKEN = "{github_token(rng)}"'),
        "SEC-004": (".yaml", f"github_pat: github_pat_{_r(rng, ALNUM, 22)}_{_r(rng, ALNUM, 59)}"),
        "SEC-005": (".toml", f'gitlab = "glpat-{_r(rng, URLSAFE, 20)}"'),
        "SEC-006": (".py", f'SLACK = "xoxb-{_r(rng, string.digits, 12)}-{_r(rng, string.digits, 13)}-'
                    f'{_r(rng, ALNUM, 24)}"'),
        "SEC-007": (".py", f'stripe.api_key = "sk_live_{_r(rng, ALNUM, 24)}"'),
        "SEC-008": (".json", f'{{"maps": "AIza{_r(rng, URLSAFE, 35)}"}}'),
        "SEC-009": (".ipynb", f'client = OpenAI(api_key="sk-proj-{_r(rng, URLSAFE, 40)}T3BlbkFJ'
                    f'{_r(rng, URLSAFE, 40)}")'),
        "SEC-010": (".py", f'anthropic = Anthropic(api_key="sk-ant-api03-{_r(rng, URLSAFE, 93)}AA")'),
        "SEC-011": (".md", f"huggingface-cli login --token hf_{_r(rng, string.ascii_letters, 34)}"),
        "SEC-012": (".ipynb", f'wandb.login(key="{_r(rng, "0123456789abcdef", 40)}")'),
        "SEC-013": (".yaml", "storage: DefaultEndpointsProtocol=https;AccountName=mlstore;AccountKey="
                    + base64.b64encode(rng.randbytes(64)).decode() + ";EndpointSuffix=core.windows.net"),
        "SEC-014": (".pem", pem_block(rng)),
        "SEC-015": (".py", f'headers = {{"Authorization": "Bearer {jwt(rng)}"}}'),
        "SEC-016": (".yaml", f"feature_store: postgresql://trainer:{pw}@db.internal:5432/features"),
        "SEC-017": (".yaml", f"mlflow:\n  password: {pw}"),
        "SEC-018": (".py", f'self.auth_hmac = "{_r(rng, ALNUM, 40)}"'),
    }


def decoy_snippets(rng: random.Random) -> dict[str, tuple[str, str]]:
    """label -> (file suffix, a snippet that looks like a secret but is not one)."""
    bad_random = _r(rng, ALNUM, 30)
    return {
        "aws-doc-example": (".py", 'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"'),
        "changeme": (".yaml", "database:\n  password: changeme"),
        "angle-placeholder": (".py", 'api_key = "<your-api-key>"'),
        "env-reference": (".yaml", "hf_token: ${HF_TOKEN}"),
        "code-reference": (".py", 'password = os.environ["DB_PASSWORD"]'),
        "xxx": (".env", "OPENAI_API_KEY=xxxxxxxxxxxxxxxxxxxxxxxx"),
        "bad-github-checksum": (".py", f'token = "ghp_{bad_random}{_r(rng, ALNUM, 6)}"'),
        "tokenizer-special": (".json", '{"pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>"}'),
        "sha256-pin": (".txt", f"torch==2.3.0 --hash=sha256:{_r(rng, '0123456789abcdef', 64)}"),
        "uuid": (".yaml", f"api_run_id: {uuid.UUID(int=rng.getrandbits(128))}"),
        "db-url-env": (".yaml", "url: postgresql://trainer:${DB_PASSWORD}@db.internal:5432/features"),
        "pem-ellipsis": (".md", "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----"),
        "wandb-placeholder": (".env", "WANDB_API_KEY=your-wandb-api-key"),
        "git-commit": (".md", f"Trained at commit {_r(rng, '0123456789abcdef', 40)} (see the key results)."),
        "max-tokens": (".yaml", "generation:\n  max_tokens: 512\n  tokenizer: bert-base-uncased"),
    }


_FILLER = (
    "import numpy as np", "import torch", "model = torch.nn.Linear(64, 10)", "lr = 3e-4", "epochs: 20",
    "batch_size = 128", "optimizer = torch.optim.Adam(model.parameters(), lr=lr)",
    "# evaluate on the holdout split", "accuracy: 0.9731", "dataset: digits", "seed = 0",
    "x = np.random.default_rng(seed).normal(size=(128, 64))", "loss.backward()",
    "The model was trained on the digits data set with early stopping.", "scheduler: cosine",
    "checkpoint_dir: ./checkpoints", "num_workers = 2", "logits = model(x)",
)


def build_corpus(root: Path, *, n_files: int = 10_000, secret_rate: float = 0.05, decoy_rate: float = 0.10,
                 seed: int = 0) -> list[Planted]:
    """Write ``n_files`` files under ``root`` (in sub-folders of 100); each holds at most one planted item.

    Returns the ground truth: one ``Planted`` per file (``rule_id`` None for decoys and clean files).
    """
    rng = random.Random(seed)
    truth: list[Planted] = []
    for index in range(n_files):
        draw = rng.random()
        if draw < secret_rate:
            rule_id = f"SEC-{1 + index % 18:03d}"
            suffix, snippet = secret_snippets(rng)[rule_id]
            label = rule_id
        elif draw < secret_rate + decoy_rate:
            decoys = decoy_snippets(rng)
            label = sorted(decoys)[index % len(decoys)]
            suffix, snippet = decoys[label]
            rule_id = None
        else:
            suffix, snippet, rule_id, label = rng.choice((".py", ".yaml", ".md", ".txt")), "", None, "clean"
        filler = [rng.choice(_FILLER) for _ in range(rng.randint(10, 60))]
        if snippet:
            filler.insert(rng.randrange(len(filler) + 1), snippet)
        text = "\n".join(filler) + "\n"
        if suffix == ".ipynb":
            text = json.dumps({"cells": [{"cell_type": "code", "source": text.splitlines(keepends=True),
                                          "outputs": [], "metadata": {}, "execution_count": 1}],
                               "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)
        relative = f"d{index // 100:03d}/f{index:05d}{suffix}"
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        truth.append(Planted(relative, rule_id, label))
    return truth
