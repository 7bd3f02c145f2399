"""Synthetic ML repositories with planted secrets and look-alikes: a known-answer test bed for the places
ML teams leak credentials (notebook cells and saved outputs, YAML/TOML/INI/.env configs, Dockerfile
ENV/ARG, MLflow / W&B tracking settings, GCP service-account files) next to the strings that must stay
silent (lockfile and DVC hashes, model-card checksums, git commits, run UUIDs, ``.env.example``
placeholders, test fixtures, the AWS documentation key).

Every value is random in its provider's documented shape (never a real credential). This is the
author's own generator: the detectors and it share one reading of the formats, so its figures are a
floor check, not evidence of field recall (the peers' public test corpora are that).
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
import uuid
from dataclasses import dataclass
from pathlib import Path

from mlsecure.secrets.corpus import github_token, pem_block

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"


@dataclass(frozen=True)
class PlantedSecret:
    """A secret written to ``path`` (``member``: notebook cell / output) at 1-based ``line``."""

    path: str
    line: int
    kind: str
    member: str | None = None


def _r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _password(rng: random.Random) -> str:
    return _r(rng, ALNUM, 7) + rng.choice("!-+*%") + _r(rng, ALNUM, 7)


_Lines = list[str | tuple[str, str]]
"""File lines; a (kind, line) pair is a line holding a planted secret."""


class _Repo:
    """Collects files and the planted secrets' positions while a repository is built."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.planted: list[PlantedSecret] = []

    def write(self, relative: str, lines: _Lines) -> None:
        """``lines``: plain lines, or (kind, line) for a line holding a planted secret."""
        out = []
        for index, item in enumerate(lines, start=1):
            if isinstance(item, tuple):
                self.planted.append(PlantedSecret(relative, index, item[0]))
                out.append(item[1])
            else:
                out.append(item)
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(out) + "\n", encoding="utf-8")

    def notebook(self, relative: str, cells: list[tuple[_Lines, list[_Lines]]]) -> None:
        """``cells``: (source lines, [output text lines, ...]) per code cell."""
        nb_cells = []
        for c_index, (source, outputs) in enumerate(cells):
            nb_outputs = []
            for o_index, output in enumerate(outputs):
                member = f"cell {c_index} output {o_index}"
                nb_outputs.append({"output_type": "stream", "name": "stdout",
                                   "text": [t + "\n" for t in self._lines(relative, output, member)]})
            nb_cells.append({"cell_type": "code", "execution_count": c_index + 1, "metadata": {},
                             "source": [t + "\n" for t in self._lines(relative, source, f"cell {c_index}")],
                             "outputs": nb_outputs})
        document = {"nbformat": 4, "nbformat_minor": 5, "cells": nb_cells,
                    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}}}
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=1), encoding="utf-8")

    def _lines(self, relative: str, lines: _Lines, member: str) -> list[str]:
        out = []
        for index, item in enumerate(lines, start=1):
            if isinstance(item, tuple):
                self.planted.append(PlantedSecret(relative, index, item[0], member))
                out.append(item[1])
            else:
                out.append(item)
        return out


def _sa_json(rng: random.Random, project: str) -> list[str | tuple[str, str]]:
    key = pem_block(rng).replace("RSA PRIVATE KEY", "PRIVATE KEY").replace("\n", "\\n") + "\\n"
    return ["{", ("gcp-service-account", '  "type": "service_account",'), f'  "project_id": "{project}",',
            f'  "private_key_id": "{_r(rng, HEX, 40)}",', ("gcp-private-key", f'  "private_key": "{key}",'),
            f'  "client_email": "trainer@{project}.iam.gserviceaccount.com",',
            f'  "client_id": "{_r(rng, string.digits, 21)}",',
            '  "token_uri": "https://oauth2.googleapis.com/token"', "}"]


def build_ml_repo(root: Path, rng: random.Random) -> list[PlantedSecret]:
    """Write one repository under ``root``; return the planted secrets (look-alikes are not listed)."""
    repo = _Repo(root)
    project = f"ml-{_r(rng, string.ascii_lowercase, 6)}"
    sha = hashlib.sha256(rng.randbytes(32)).hexdigest()
    commit = _r(rng, HEX, 40)
    run_id = str(uuid.UUID(int=rng.getrandbits(128)))
    leaks = rng.sample(range(12), k=rng.randint(4, 7))

    def leak(i: int, kind: str, line: str, benign: str) -> str | tuple[str, str]:
        return (kind, line) if i in leaks else benign

    openai_key = f"sk-proj-{_r(rng, URLSAFE, 40)}T3BlbkFJ{_r(rng, URLSAFE, 40)}"
    wandb_key = _r(rng, HEX, 40)
    repo.notebook("notebooks/explore.ipynb", [
        (["import os", leak(0, "openai", f'os.environ["OPENAI_API_KEY"] = "{openai_key}"',
                            'os.environ.setdefault("OPENAI_API_KEY", "")'),
          "from openai import OpenAI", "client = OpenAI()"], []),
        (["!env | grep -i wandb", "!git rev-parse HEAD"],
         [[leak(1, "wandb-output", f"WANDB_API_KEY={wandb_key}", "WANDB_MODE=offline"), commit]]),
        (["import wandb", f'run = wandb.init(project="{project}", id="{run_id}")'],
         [[f"wandb: Syncing run {run_id}",
           f"wandb: Run data is saved locally in wandb/run-20240101_120000-{run_id[:8]}",
           "100%|##########| 938/938 [00:12<00:00, 77.1it/s]"]]),
        (["!huggingface-cli whoami --token $HF_TOKEN"],
         [[leak(2, "hf-output", f"hf_{_r(rng, string.ascii_letters, 34)}", "Not logged in")]]),
    ])
    repo.write("configs/train.yaml", [
        "experiment:", f"  name: {project}", "  seed: 0", "tracking:",
        leak(3, "mlflow-uri", f"  uri: https://trainer:{_password(rng)}@mlflow.corp.example.com",
             "  uri: http://mlflow:5000"),
        f"  run_id: {run_id}", "data:", f"  sha256: {sha}", "  path: s3://datasets/digits/v3", "model:",
        "  name: bert-base-uncased", "  pad_token: '[PAD]'", "  max_tokens: 512"])
    repo.write(".env", [
        "PYTHONUNBUFFERED=1",
        leak(4, "aws-key-id", f"AWS_ACCESS_KEY_ID=AKIA{_r(rng, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}",
             "AWS_PROFILE=training"),
        leak(4, "aws-secret", f"AWS_SECRET_ACCESS_KEY={_r(rng, B64, 40)}", "AWS_REGION=eu-west-1"),
        leak(5, "databricks", f"DATABRICKS_TOKEN=dapi{_r(rng, HEX, 32)}",
             "DATABRICKS_HOST=https://adb-1.azuredatabricks.net"),
        leak(6, "mlflow-token", f"MLFLOW_TRACKING_TOKEN={_r(rng, ALNUM, 36)}", "MLFLOW_EXPERIMENT_NAME=baseline")])
    repo.write(".env.example", ["OPENAI_API_KEY=sk-your-key-here", "WANDB_API_KEY=<your-wandb-key>",
                                "HF_TOKEN=${HF_TOKEN}", "AWS_SECRET_ACCESS_KEY=changeme",
                                "MLFLOW_TRACKING_URI=https://user:password@mlflow.example.com"])
    repo.write("Dockerfile", [
        f"FROM nvidia/cuda@sha256:{hashlib.sha256(rng.randbytes(8)).hexdigest()}", "ENV PYTHONUNBUFFERED 1",
        leak(7, "docker-env", f"ENV WANDB_API_KEY {_r(rng, HEX, 40)}", "ENV WANDB_MODE offline"),
        leak(8, "docker-arg", f"ARG HF_TOKEN=hf_{_r(rng, string.ascii_letters, 34)}", "ARG HF_TOKEN"),
        "ARG BASE_IMAGE=python:3.11-slim", "COPY requirements.txt .",
        "RUN pip install --require-hashes -r requirements.txt"])
    repo.write("params.toml", [
        "[database]", "host = \"feature-store.internal\"",
        leak(9, "toml-password", f'password = "{_password(rng)}"', 'password_env = "FEATURE_STORE_PASSWORD"'),
        "[training]", "lr = 3e-4", f'dataset_commit = "{commit}"'])
    repo.write("settings.ini", [
        "[storage]", leak(10, "azure-storage", "connection_string = DefaultEndpointsProtocol=https;AccountName=mlstore;"
                          f"AccountKey={base64.b64encode(rng.randbytes(64)).decode()};EndpointSuffix=core.windows.net",
                          "connection_string = ${AZURE_STORAGE_CONNECTION_STRING}"),
        "container = checkpoints"])
    if 11 in leaks:
        repo.write(f"secrets/{project}-sa.json", _sa_json(rng, project))
    repo.write("src/train.py", [
        "import os", "import torch", "", rng.choice([
            ("github-token", f'GITHUB_TOKEN = "{github_token(rng)}"'),
            ("anthropic", f'ANTHROPIC_KEY = "sk-ant-api03-{_r(rng, URLSAFE, 93)}AA"'),
            ("slack-webhook", f'ALERT_URL = "https://hooks.slack.com/services/T{_r(rng, "ABCDEFGHJK0123456789", 8)}/'
                              f'B{_r(rng, "ABCDEFGHJK0123456789", 8)}/{_r(rng, ALNUM, 24)}"'),
            ("keywordless", f'client = Client(endpoint, "{_r(rng, ALNUM, 40)}")')]),
        "model = torch.nn.Linear(64, 10)", f'EXPECTED_SHA256 = "{sha}"', f'RUN_ID = "{run_id}"',
        'token = tokenizer.decode(ids)', 'password = os.environ["DB_PASSWORD"]'])
    # look-alikes only
    repo.write("poetry.lock", ['[[package]]', 'name = "torch"', 'version = "2.3.0"',
                               f'files = [{{file = "torch-2.3.0.whl", hash = "sha256:{sha}"}}]',
                               f'source = {{ type = "git", url = "https://github.com/pytorch/pytorch", '
                               f'resolved_reference = "{commit}" }}'])
    repo.write("requirements.txt", [f"torch==2.3.0 --hash=sha256:{hashlib.sha256(rng.randbytes(8)).hexdigest()}",
                                    f"numpy==1.26.4 --hash=sha256:{hashlib.sha256(rng.randbytes(8)).hexdigest()}"])
    repo.write("data/digits.dvc", ["outs:", f"- md5: {_r(rng, HEX, 32)}", "  size: 1048576", "  path: digits"])
    repo.write("README.md", [f"# {project}", "", "| file | sha256 |", "|---|---|",
                             f"| model.safetensors | {sha} |", "", f"Trained at commit `{commit}`; run `{run_id}`.",
                             "Set `WANDB_API_KEY` and `HF_TOKEN` in `.env` (see `.env.example`)."])
    repo.write("model/config.json", ["{", f'  "_commit_hash": "{commit}",', '  "_name_or_path": "bert-base-uncased",',
                                     '  "pad_token": "[PAD]", "eos_token": "</s>",', '  "hidden_size": 768', "}"])
    repo.write("tests/fixtures/credentials.json", [
        "{", f'  "api_key": "test_{_r(rng, ALNUM, 24)}",', '  "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",',
        '  "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",',
        '  "password": "fake-password-for-tests"', "}"])
    repo.write("checkpoints/manifest.json", ["{", f'  "sha256": "{sha}",', f'  "run_id": "{run_id}",',
                                             f'  "git_commit": "{commit}"', "}"])
    repo.write("docker-compose.yml", ["services:", "  db:", "    image: postgres:16", "    environment:",
                                      "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}"])
    return repo.planted


def build_ml_repos(root: Path, *, n_repos: int = 20, seed: int = 0) -> dict[str, list[PlantedSecret]]:
    """``n_repos`` repositories under ``root`` (repo-000, ...): name -> planted secrets."""
    rng = random.Random(seed)
    return {f"repo-{i:03d}": build_ml_repo(root / f"repo-{i:03d}", rng) for i in range(n_repos)}
