"""A second, independently written generator of ML repositories with leaked secrets and look-alikes.

Why a second one: ``ml_repos`` was written next to the detectors, so the two share one reading of every
format. This generator was written before the detectors were tuned on it and differs on purpose:

- it composes each repository from project *templates* (training repo, notebook repo, MLOps pipeline,
  serving image), each drawing a random subset of file *recipes*; files are plain text, JSON or nbformat-4
  notebooks (sources, stream / execute_result / error outputs, base64 PNG outputs, widget metadata),
  and credential files (``.netrc``, ``.pypirc``, ``kaggle.json``, ``terraform.tfvars``, ``.npmrc``);
- the truth is located by *value*, after the file is written: each planted secret is searched in the
  final text (and, in a notebook, in its cell or output), so no line bookkeeping can drift;
- its look-alikes are the strings real ML repositories are full of: sha256 / md5 digests (DVC, LFS
  pointers, pip ``--hash``, image digests), git SHAs (``revision=``, pre-commit ``rev:``, W&B metadata),
  MLflow run ids (32 hex), UUIDs, base64 PNGs, widget model ids, GCP ``private_key_id``, redacted
  service-account files, public keys (``authorized_keys`` lines, a JWKS modulus), ``<YOUR_API_KEY>``,
  x-filled ``.env.example`` values, ``${AWS_SECRET}`` and
  ``${{ secrets.X }}`` references, fixtures named fake / dummy / mock, and documentation example keys.

Formats follow each provider's documentation (AWS key ids: ``AKIA`` + 16 of ``[A-Z2-7]``; GitHub
tokens: 30 base62 + a 6-character base62 CRC32; Hugging Face: ``hf_`` + 34 letters; OpenAI project keys:
``sk-proj-`` ... ``T3BlbkFJ`` ...; Anthropic: ``sk-ant-api03-`` ... ``AA``; Databricks: ``dapi`` + 32 hex;
W&B: 40 hex; Azure storage: an 88-character base64 ``AccountKey``). Values are random: never a live
credential. It is still our own generator, so its figures are labelled as such wherever they are shown.
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

_B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_HEX = "0123456789abcdef"
_B32 = string.ascii_uppercase + "234567"
_URLSAFE = string.ascii_letters + string.digits + "-_"
_B64 = string.ascii_letters + string.digits + "+/"


@dataclass(frozen=True)
class Leak:
    """A planted secret: ``path`` (``member``: "cell N" / "cell N output M" in a notebook), the 1-based
    ``line`` in the member (or file), the ``raw_line`` in the file as stored (the notebook's JSON)."""

    path: str
    kind: str
    line: int
    raw_line: int
    member: str | None = None


@dataclass
class HeldOutRepo:
    name: str
    leaks: list[Leak] = field(default_factory=list)
    lookalikes: int = 0


class _Rand:
    """The value makers, one per documented format."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def s(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def hexs(self, n: int) -> str:
        return self.s(_HEX, n)

    def aws_id(self) -> str:
        return "AKIA" + self.s(_B32, 16)

    def aws_secret(self) -> str:
        return self.s(_B64, 40)

    def github(self) -> str:
        body = self.s(_B62, 30)
        crc = zlib.crc32(body.encode())
        digits = ""
        while crc:
            crc, rest = divmod(crc, 62)
            digits = _B62[rest] + digits
        return "ghp_" + body + digits.rjust(6, "0")

    def hf(self) -> str:
        return "hf_" + self.s(string.ascii_letters, 34)

    def openai(self) -> str:
        return "sk-proj-" + self.s(_URLSAFE, 74) + "T3BlbkFJ" + self.s(_URLSAFE, 74)

    def anthropic(self) -> str:
        return "sk-ant-api03-" + self.s(_URLSAFE, 93) + "AA"

    def databricks(self) -> str:
        return "dapi" + self.hexs(32)

    def wandb(self) -> str:
        return self.hexs(40)

    def password(self) -> str:
        return self.s(string.ascii_letters, 5) + self.rng.choice("#!%@^") + self.s(string.digits, 3) \
            + self.s(string.ascii_letters + string.digits, 6)

    def slack_webhook(self) -> str:
        up = string.ascii_uppercase + string.digits
        return f"https://hooks.slack.com/services/T{self.s(up, 10)}/B{self.s(up, 10)}/{self.s(_B62, 24)}"

    def azure_key(self) -> str:
        return base64.b64encode(self.rng.randbytes(64)).decode()

    def gitlab(self) -> str:
        return "glpat-" + self.s(_URLSAFE, 20)

    def npm(self) -> str:
        return "npm_" + self.s(_B62, 36)

    def neptune(self) -> str:
        body = {"api_address": "https://app.neptune.ai", "api_url": "https://app.neptune.ai",
                "api_key": str(uuid.UUID(int=self.rng.getrandbits(128)))}
        return base64.b64encode(json.dumps(body).encode()).decode()

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def png(self) -> str:
        return base64.b64encode(b"\x89PNG\r\n\x1a\n" + self.rng.randbytes(600)).decode()

    def pem(self) -> str:
        if self.rng.random() < 0.5:
            key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = rsa.generate_private_key(65537, 1024)
        else:
            key = ec.generate_private_key(ec.SECP256R1())
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()


Piece = str | tuple[str, str, str]
"""plain line, or (kind, line, secret) for a line that holds ``secret``."""


@dataclass
class _File:
    path: str
    lines: Sequence[Piece] = field(default_factory=list)
    lookalikes: int = 0


@dataclass
class _Notebook:
    path: str
    # cells: (cell_type, source pieces, outputs); an output is (output_type, pieces) or ("png", "")
    cells: list[tuple[str, list[Piece], list[tuple[str, list[Piece]]]]] = field(default_factory=list)
    lookalikes: int = 0
    widgets: bool = False


Recipe = Callable[[_Rand, str], "_File | _Notebook"]


def _secret(kind: str, line: str, value: str) -> tuple[str, str, str]:
    return (kind, line, value)


# --- recipes: each makes one file with leaks and look-alikes --------------------------------------

def _train_script(r: _Rand, project: str) -> _File:
    rev = r.hexs(40)
    return _File(f"src/{project}/train.py", [
        "import os", "import boto3", "from transformers import AutoModel", "",
        f'MODEL = AutoModel.from_pretrained("org/{project}-base", revision="{rev}")',
        _secret("aws-pair", f's3 = boto3.client("s3", aws_access_key_id="{(k := r.aws_id())}",', k),
        _secret("aws-pair", f'                  aws_secret_access_key="{(s := r.aws_secret())}")', s),
        'WANDB_KEY = os.environ.get("WANDB_API_KEY")  # read at run time',
        f'run = mlflow.start_run(run_id="{r.hexs(32)}")',
        f'EXPERIMENT_ID = "{r.s(string.digits, 16)}"',
        f'DATA_SHA256 = "{r.hexs(64)}"',
    ], lookalikes=5)


def _callbacks(r: _Rand, project: str) -> _File:
    return _File(f"src/{project}/callbacks.py", [
        "import requests", "",
        _secret("slack-webhook", f'ALERTS = "{(w := r.slack_webhook())}"', w),
        f'RUN_UUID = "{r.uuid()}"',
        f'CACHE_KEY = "{r.hexs(16)}"',
        "def notify(msg):", "    requests.post(ALERTS, json={'text': msg})",
    ], lookalikes=2)


def _hf_upload(r: _Rand, project: str) -> _File:
    return _File("scripts/push_to_hub.py", [
        "from huggingface_hub import HfApi", "",
        _secret("hf-token", f'api = HfApi(token="{(t := r.hf())}")', t),
        f'api.upload_folder(folder_path="out", repo_id="org/{project}", revision="{r.hexs(40)}")',
        f'# model card checksum: {r.hexs(64)}',
    ], lookalikes=2)


def _llm_eval(r: _Rand, project: str) -> _File:
    del project
    return _File("eval/judge.py", [
        "from openai import OpenAI", "import anthropic", "",
        _secret("openai", f'client = OpenAI(api_key="{(o := r.openai())}")', o),
        _secret("anthropic", f'claude = anthropic.Anthropic(api_key="{(a := r.anthropic())}")', a),
        f'SEED_HASH = "{r.hexs(32)}"',
    ], lookalikes=1)


def _dvc_config(r: _Rand, project: str) -> _File:
    return _File(".dvc/config", [
        "[core]", "    remote = storage", "['remote \"storage\"']", f"    url = s3://{project}-dvc/cache",
        _secret("aws-pair", f"    access_key_id = {(k := r.aws_id())}", k),
        _secret("aws-pair", f"    secret_access_key = {(s := r.aws_secret())}", s),
    ])


def _dvc_lock(r: _Rand, project: str) -> _File:
    del project
    lines: list[Piece] = ["schema: '2.0'", "stages:", "  train:", "    cmd: python train.py", "    deps:"]
    for name in ("data/train.csv", "src/train.py", "params.yaml"):
        lines += [f"    - path: {name}", f"      md5: {r.hexs(32)}", f"      size: {r.rng.randint(100, 10**8)}"]
    return _File("dvc.lock", lines, lookalikes=3)


def _lfs_pointer(r: _Rand, project: str) -> _File:
    del project
    return _File("models/model.safetensors", [
        "version https://git-lfs.github.com/spec/v1", f"oid sha256:{r.hexs(64)}", f"size {r.rng.randint(10**6, 10**9)}",
    ], lookalikes=1)


def _requirements(r: _Rand, project: str) -> _File:
    del project
    return _File("requirements.txt", [
        f"torch==2.3.1 --hash=sha256:{r.hexs(64)}", f"numpy==1.26.4 --hash=sha256:{r.hexs(64)}",
        f"git+https://github.com/org/tokenizers-fork.git@{r.hexs(40)}#egg=tokenizers",
    ], lookalikes=3)


def _params(r: _Rand, project: str) -> _File:
    return _File("params.yaml", [
        "train:", f"  seed: {r.rng.randint(0, 9999)}", "  lr: 3.0e-4", f"  run_name: {project}-{r.s(_HEX, 6)}",
        "tracking:",
        _secret("mlflow-uri", f"  uri: https://ci-bot:{(p := r.password())}@mlflow.{project}.internal", p),
        f"  experiment: {r.uuid()}",
        "database:", "  host: pg.internal",
        _secret("yaml-password", f"  password: \"{(q := r.password())}\"", q),
    ], lookalikes=2)


def _hydra_conf(r: _Rand, project: str) -> _File:
    del project
    return _File("conf/logger/wandb.yaml", [
        "_target_: lightning.pytorch.loggers.WandbLogger", "project: ${oc.env:WANDB_PROJECT}",
        "api_key: ${oc.env:WANDB_API_KEY}", f"id: {r.s(string.ascii_lowercase + string.digits, 8)}",
        "log_model: true",
    ], lookalikes=2)


def _env_file(r: _Rand, project: str) -> _File:
    return _File(".env", [
        f"PROJECT={project}",
        _secret("wandb", f"WANDB_API_KEY={(w := r.wandb())}", w),
        _secret("databricks", f"DATABRICKS_TOKEN={(d := r.databricks())}", d),
        "DATABRICKS_HOST=https://adb-1234567890123456.7.azuredatabricks.net",
        _secret("neptune", f"NEPTUNE_API_TOKEN=\"{(n := r.neptune())}\"", n),
    ])


def _env_example(r: _Rand, project: str) -> _File:
    del project
    return _File(".env.example", [
        "WANDB_API_KEY=" + "x" * 40, "HF_TOKEN=hf_" + "x" * 34, "OPENAI_API_KEY=<YOUR_API_KEY>",
        "AWS_SECRET_ACCESS_KEY=${AWS_SECRET}", "DATABRICKS_TOKEN=dapi" + "0" * 32, "MLFLOW_TRACKING_PASSWORD=changeme",
        f"RUN_ID={r.hexs(32)}",
    ], lookalikes=7)


def _dockerfile(r: _Rand, project: str) -> _File:
    return _File("docker/Dockerfile", [
        f"FROM pytorch/pytorch@sha256:{r.hexs(64)}",
        "ARG HF_TOKEN", "ARG BUILD_SHA",
        _secret("docker-env", f"ENV WANDB_API_KEY={(w := r.wandb())}", w),
        _secret("docker-arg", f"ARG GITLAB_TOKEN={(g := r.gitlab())}", g),
        f"RUN git clone https://oauth2:${{GITLAB_TOKEN}}@gitlab.com/org/{project}.git",
        "RUN --mount=type=secret,id=hf_token huggingface-cli login --token $(cat /run/secrets/hf_token)",
        f"LABEL org.opencontainers.image.revision={r.hexs(40)}",
    ], lookalikes=4)


def _compose(r: _Rand, project: str) -> _File:
    return _File("docker-compose.yml", [
        "services:", "  mlflow:", "    image: ghcr.io/mlflow/mlflow:v2.14.1", "    environment:",
        _secret("compose-password", f"      - POSTGRES_PASSWORD={(p := r.password())}", p),
        _secret("db-url", "      - MLFLOW_BACKEND_STORE_URI=postgresql://mlflow:"
                f"{(q := r.password())}@db:5432/mlflow", q),
        "      - AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}",
        f"  minio:\n    image: minio/minio@sha256:{r.hexs(64)}",
    ], lookalikes=2)


def _workflow(r: _Rand, project: str) -> _File:
    return _File(".github/workflows/train.yml", [
        "on: [push]", "jobs:", "  train:", "    runs-on: ubuntu-latest", "    env:",
        "      HF_TOKEN: ${{ secrets.HF_TOKEN }}",
        _secret("github-token", f"      GH_TOKEN: {(g := r.github())}", g),
        "    steps:", f"      - uses: actions/checkout@{r.hexs(40)}",
        f"      - run: python train.py --run-name {project}",
    ], lookalikes=2)


def _k8s_secret(r: _Rand, project: str) -> _File:
    return _File("deploy/secret.yaml", [
        "apiVersion: v1", "kind: Secret", "metadata:", f"  name: {project}-creds", "type: Opaque", "stringData:",
        _secret("k8s-azure", "  AZURE_STORAGE_CONNECTION_STRING: DefaultEndpointsProtocol=https;AccountName="
                f"{project.replace('-', '')}sa;AccountKey={(a := r.azure_key())};EndpointSuffix=core.windows.net", a),
        f"  MODEL_DIGEST: sha256:{r.hexs(64)}",
    ], lookalikes=1)


def _service_account(r: _Rand, project: str) -> _File:
    pem = r.pem()
    document = {"type": "service_account", "project_id": f"{project}-prod", "private_key_id": r.hexs(40),
                "private_key": pem, "client_email": f"trainer@{project}-prod.iam.gserviceaccount.com",
                "client_id": r.s(string.digits, 21), "token_uri": "https://oauth2.googleapis.com/token"}
    text = json.dumps(document, indent=2)
    key_line = json.dumps(pem)[1:-1]
    lines: list[Piece] = [_secret("gcp-service-account", line, key_line[:60]) if '"private_key":' in line else line
                          for line in text.split("\n")]
    return _File(f"secrets/{project}-sa.json", lines, lookalikes=2)


def _redacted_sa(r: _Rand, project: str) -> _File:
    document = {"type": "service_account", "project_id": f"{project}-dev", "private_key_id": r.hexs(40),
                "private_key": "-----BEGIN PRIVATE KEY-----\n<REDACTED>\n-----END PRIVATE KEY-----\n",
                "client_email": f"ci@{project}-dev.iam.gserviceaccount.com"}
    return _File("docs/service-account.example.json", json.dumps(document, indent=2).split("\n"), lookalikes=2)


def _readme(r: _Rand, project: str) -> _File:
    return _File("README.md", [
        f"# {project}", "", "Set your keys before training:", "", "```bash",
        "export OPENAI_API_KEY=<YOUR_API_KEY>", "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
        "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "export HF_TOKEN=hf_...", "```", "",
        f"Checkpoint `{r.hexs(64)}` (sha256) was trained at commit {r.hexs(40)}.",
        "| file | md5 |", "|---|---|", f"| model.bin | {r.hexs(32)} |",
        f"Weights & Biases run: https://wandb.ai/org/{project}/runs/{r.s(string.ascii_lowercase + string.digits, 8)}",
    ], lookalikes=7)


def _fixtures(r: _Rand, project: str) -> _File:
    del project
    return _File("tests/conftest.py", [
        "import pytest", "",
        'FAKE_OPENAI_KEY = "sk-fake-key-for-tests"',
        'DUMMY_HF_TOKEN = "hf_dummy_token"',
        'MOCK_WANDB_KEY = "0" * 40',
        "@pytest.fixture", "def env(monkeypatch):",
        '    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")',
        '    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-dummy")',
        f'    monkeypatch.setenv("MLFLOW_RUN_ID", "{r.hexs(32)}")',
    ], lookalikes=6)


def _model_config(r: _Rand, project: str) -> _File:
    document = {"_name_or_path": f"org/{project}", "_commit_hash": r.hexs(40), "architectures": ["BertModel"],
                "hidden_size": 768, "torch_dtype": "float32", "transformers_version": "4.44.0"}
    return _File("models/config.json", json.dumps(document, indent=2).split("\n"), lookalikes=1)


def _wandb_meta(r: _Rand, project: str) -> _File:
    document = {"os": "Linux", "python": "3.11.9", "git": {"remote": f"https://github.com/org/{project}.git",
                                                            "commit": r.hexs(40)},
                "codePath": "train.py", "host": f"gpu-{r.rng.randint(1, 99)}", "username": "trainer",
                "executable": "/usr/bin/python3", "cpu_count": 32}
    run = f"run-20240611_{r.s(string.digits, 6)}-{r.s(string.ascii_lowercase + string.digits, 8)}"
    return _File(f"wandb/{run}/files/wandb-metadata.json", json.dumps(document, indent=2).split("\n"), lookalikes=1)


def _mlflow_meta(r: _Rand, project: str) -> _File:
    run = r.hexs(32)
    return _File(f"mlruns/1/{run}/meta.yaml", [
        f"artifact_uri: file:///srv/{project}/mlruns/1/{run}/artifacts", "end_time: 1718100000000",
        "experiment_id: '1'", "lifecycle_stage: active", f"run_id: {run}", f"run_uuid: {run}", "status: 3",
    ], lookalikes=2)


def _precommit(r: _Rand, project: str) -> _File:
    del project
    return _File(".pre-commit-config.yaml", [
        "repos:", "  - repo: https://github.com/astral-sh/ruff-pre-commit", f"    rev: {r.hexs(40)}",
        "    hooks:", "      - id: ruff",
    ], lookalikes=1)


def _notebook(r: _Rand, project: str) -> _Notebook:
    nb = _Notebook(f"notebooks/{project}-explore.ipynb", widgets=True)
    key = r.wandb()
    token = r.hf()
    kaggle = r.hexs(32)
    db_pw = r.password()
    nb.cells.append(("markdown", [f"# Exploring {project}", "Set `WANDB_API_KEY` in your environment."], []))
    nb.cells.append(("code", ["import wandb, os", _secret("nb-wandb-login", f'wandb.login(key="{key}")', key)],
                     [("stream", ["wandb: Appending key for api.wandb.ai to your netrc file: /root/.netrc"])]))
    nb.cells.append(("code", ["from huggingface_hub import login",
                              _secret("nb-hf-login", f'login("{token}")', token)],
                     [("stream", ["Token is valid (permission: write).", "Login successful"])]))
    nb.cells.append(("code", ["!cat ~/.kaggle/kaggle.json"],
                     [("stream", [_secret("nb-output-kaggle",
                                          f'{{"username":"{project.split("-")[0]}","key":"{kaggle}"}}', kaggle)])]))
    nb.cells.append(("code", ["import sqlalchemy", "engine = sqlalchemy.create_engine(os.environ['DB_URL'])",
                              "engine.connect()"],
                     [("error", ["OperationalError: (psycopg2.OperationalError) connection failed",
                                 _secret("nb-output-db-url",
                                         f"(Background on this error: postgresql://analyst:{db_pw}@10.0.3.7:5432/features)",
                                         db_pw)])]))
    nb.cells.append(("code", ["import matplotlib.pyplot as plt", "plt.plot(losses)"], [("png", [])]))
    nb.cells.append(("code", ["mlflow.get_run(run_id).info"],
                     [("execute_result", [f"<RunInfo: run_id='{r.hexs(32)}', experiment_id='3', "
                                          f"artifact_uri='s3://{project}/mlflow/{r.hexs(32)}/artifacts'>"])]))
    nb.cells.append(("code", ['api_key = "<YOUR_API_KEY>"',
                              'os.environ["OPENAI_API_KEY"] = os.getenv("OPENAI_KEY", "")'], []))
    nb.lookalikes = 7
    return nb


def _colab_notebook(r: _Rand, project: str) -> _Notebook:
    nb = _Notebook(f"notebooks/{project}-finetune.ipynb")
    db = r.databricks()
    sk = r.openai()
    nb.cells.append(("code", ["%env"], [("execute_result", [
        "{'PATH': '/usr/local/bin:/usr/bin',", f" 'RUN_ID': '{r.uuid()}',",
        _secret("nb-output-env", f" 'DATABRICKS_TOKEN': '{db}',", db),
        f" 'GIT_SHA': '{r.hexs(40)}'}}"])]))
    nb.cells.append(("code", ["import openai", _secret("nb-openai", f'openai.api_key = "{sk}"', sk)], []))
    nb.cells.append(("code", ["df.head()"], [("execute_result", [
        "   id                                 sha256  label",
        f"0   0  {r.hexs(64)}      1", f"1   1  {r.hexs(64)}      0"])]))
    nb.cells.append(("code", ["show(img)"], [("png", [])]))
    nb.lookalikes = 4
    return nb


def _credential_files(r: _Rand, project: str) -> _File:
    del project
    return _File("ops/netrc", [
        "machine api.wandb.ai", "  login user",
        _secret("netrc-wandb", f"  password {(w := r.wandb())}", w),
    ])


def _pypirc(r: _Rand, project: str) -> _File:
    del project
    token = "pypi-AgEIcHlwaS5vcmc" + r.s(_URLSAFE, 60)
    return _File(".pypirc", [
        "[distutils]", "index-servers = pypi", "[pypi]", "username = __token__",
        _secret("pypi-token", f"password = {token}", token),
    ])


def _kaggle_json(r: _Rand, project: str) -> _File:
    key = r.hexs(32)
    return _File("ops/kaggle.json", [_secret("kaggle-json", json.dumps({"username": project.split("-")[0],
                                                                         "key": key}), key)])


def _tfvars(r: _Rand, project: str) -> _File:
    return _File("infra/terraform.tfvars", [
        f'project_id  = "{project}-prod"', 'region      = "europe-west4"',
        _secret("tfvars-password", f'db_password = "{(p := r.password())}"', p),
        f'bucket      = "{project}-models"',
    ])


def _public_material(r: _Rand, project: str) -> _File:
    """Public keys in their usual homes: an authorized_keys line and a JWKS document."""
    ssh = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + base64.b64encode(r.rng.randbytes(32)).decode()[:43]
    modulus = base64.urlsafe_b64encode(r.rng.randbytes(256)).decode().rstrip("=")
    jwks = {"keys": [{"kty": "RSA", "use": "sig", "kid": r.hexs(16), "alg": "RS256", "n": modulus, "e": "AQAB"}]}
    return _File("deploy/jwks.json", [f"// authorized: {ssh} ci@{project}",
                                      *json.dumps(jwks, indent=2).split("\n")], lookalikes=3)


def _npmrc_reference(r: _Rand, project: str) -> _File:
    del r, project
    return _File("web/.npmrc", ["//registry.npmjs.org/:_authToken=${NPM_TOKEN}", "always-auth=true"],
                 lookalikes=1)


TEMPLATES: dict[str, tuple[Recipe, ...]] = {
    "training": (_train_script, _callbacks, _hf_upload, _dvc_config, _dvc_lock, _lfs_pointer, _requirements, _params,
                 _readme, _fixtures, _model_config, _precommit, _kaggle_json, _pypirc),
    "notebooks": (_notebook, _colab_notebook, _env_file, _env_example, _readme, _wandb_meta, _requirements,
                  _llm_eval, _hydra_conf),
    "mlops": (_dockerfile, _compose, _workflow, _k8s_secret, _service_account, _redacted_sa, _mlflow_meta,
              _env_example, _params, _precommit, _tfvars, _credential_files, _npmrc_reference),
    "serving": (_dockerfile, _llm_eval, _service_account, _callbacks, _model_config, _fixtures, _requirements,
                _redacted_sa, _env_file, _public_material, _tfvars),
}


def _write_file(root: Path, item: _File, repo: HeldOutRepo) -> None:
    out = []
    located: list[tuple[str, str, int]] = []
    for index, piece in enumerate(item.lines, start=1):
        if isinstance(piece, tuple):
            kind, text_line, value = piece
            located.append((kind, value, index))
            out.append(text_line)
        else:
            out.append(piece)
    text = "\n".join(out) + "\n"
    path = root / item.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    lines = text.split("\n")
    for kind, value, _ in located:
        number = next(i for i, t in enumerate(lines, start=1) if value in t)  # located by value, not bookkeeping
        repo.leaks.append(Leak(item.path, kind, number, number))
    repo.lookalikes += item.lookalikes


def _write_notebook(root: Path, item: _Notebook, rng: _Rand, repo: HeldOutRepo) -> None:
    cells = []
    pending: list[tuple[str, str, str, list[str]]] = []  # kind, value, member, member lines
    for c_index, (cell_type, source, outputs) in enumerate(item.cells):
        src = [p if isinstance(p, str) else p[1] for p in source]
        pending += [(p[0], p[2], f"cell {c_index}", src) for p in source if isinstance(p, tuple)]
        cell: dict[str, object] = {"cell_type": cell_type, "id": rng.hexs(8), "metadata": {},
                                   "source": [s + "\n" for s in src[:-1]] + src[-1:]}
        if cell_type == "code":
            nb_outputs: list[dict[str, object]] = []
            for o_index, (otype, pieces) in enumerate(outputs):
                text = [p if isinstance(p, str) else p[1] for p in pieces]
                member = f"cell {c_index} output {o_index}"
                pending += [(p[0], p[2], member, text) for p in pieces if isinstance(p, tuple)]
                body = [t + "\n" for t in text[:-1]] + text[-1:]
                if otype == "stream":
                    nb_outputs.append({"output_type": "stream", "name": "stdout", "text": body})
                elif otype == "execute_result":
                    nb_outputs.append({"output_type": "execute_result", "execution_count": c_index + 1,
                                       "metadata": {}, "data": {"text/plain": body}})
                elif otype == "error":
                    nb_outputs.append({"output_type": "error", "ename": "OperationalError", "evalue": text[0],
                                       "traceback": text})
                else:
                    nb_outputs.append({"output_type": "display_data", "metadata": {},
                                       "data": {"image/png": rng.png(), "text/plain": ["<Figure size 640x480>"]}})
            cell["outputs"] = nb_outputs
            cell["execution_count"] = c_index + 1
        cells.append(cell)
    metadata: dict[str, object] = {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    if item.widgets:
        state = {rng.hexs(32): {"model_name": "FloatProgressModel", "model_module": "@jupyter-widgets/controls",
                                "state": {"bar_style": "success", "max": 100}} for _ in range(2)}
        metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": state, "version_major": 2}}
        item.lookalikes += 2
    document = {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
    raw = json.dumps(document, indent=1)
    path = root / item.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(raw, encoding="utf-8")
    raw_lines = raw.split("\n")
    for kind, value, member, lines in pending:
        escaped = json.dumps(value)[1:-1]
        line = next(i for i, t in enumerate(lines, start=1) if value in t)
        raw_line = next(i for i, t in enumerate(raw_lines, start=1) if escaped in t)
        repo.leaks.append(Leak(item.path, kind, line, raw_line, member))
    repo.lookalikes += item.lookalikes


def build_heldout_repos(root: Path, *, n_repos: int = 30, seed: int = 0) -> list[HeldOutRepo]:
    """Write ``n_repos`` repositories under ``root`` (``root/<name>/...``) and return their truth."""
    rng = random.Random(seed)
    r = _Rand(rng)
    words = ("churn", "vision", "ranker", "speech", "fraud", "forecast", "llm", "recsys", "ocr", "seg")
    repos = []
    for index in range(n_repos):
        template = rng.choice(sorted(TEMPLATES))
        project = f"{rng.choice(words)}-{rng.choice(words)}-{index}"
        repo = HeldOutRepo(f"{index:02d}-{template}")
        recipes = list(TEMPLATES[template])
        chosen = rng.sample(recipes, k=rng.randint(max(3, len(recipes) - 4), len(recipes)))
        seen: set[str] = set()
        for recipe in chosen:
            item = recipe(r, project)
            if item.path in seen:
                continue
            seen.add(item.path)
            if isinstance(item, _Notebook):
                _write_notebook(root / repo.name, item, r, repo)
            else:
                _write_file(root / repo.name, item, repo)
        repos.append(repo)
    return repos
