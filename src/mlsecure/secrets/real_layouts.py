"""Plant real-format secrets into copies of a real repository's own files, where a person would leave them.

Why: our generators (``ml_repos``, ``heldout_repos``) write the files around each secret themselves, so
the surrounding text is text we chose. Here the surroundings are somebody else's: an existing notebook's
code cell and its saved outputs, an existing YAML config, an existing Dockerfile and training script of a
public repository, plus the files people add next to them (``.env``, a service-account JSON). Values
follow each provider's documented format (made by ``heldout_repos._Rand`` and the helpers below), are
random, and are never live credentials. The truth is located by value after each file is written.

``plant(root, out, seed=...)`` reads files under ``root`` (never writes there), writes planted copies under
``out`` at the same relative paths, and returns one ``Planted`` per secret.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mlsecure.secrets.heldout_repos import _Rand
from mlsecure.secrets.walk import SKIP_DIRS

_ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Planted:
    """A planted secret: the file (relative to ``out``), the notebook member or ``None``, the kind, the value."""

    path: str
    member: str | None
    kind: str
    value: str


class _Values(_Rand):
    """Documented formats not in ``_Rand``: Slack bot tokens, GCP service-account files, URLs with passwords."""

    def slack_bot(self) -> str:
        # Slack "Token types": xoxb- + workspace id - bot id - 24 alphanumerics
        return f"xoxb-{self.s(string.digits, 12)}-{self.s(string.digits, 13)}-{self.s(_ALNUM, 24)}"

    def db_url(self) -> str:
        return f"postgresql://mlapp:{self.password()}@db.internal.{self.s(string.ascii_lowercase, 6)}.net:5432/features"

    def mlflow_uri(self) -> str:
        return f"https://admin:{self.password()}@mlflow.{self.s(string.ascii_lowercase, 6)}.io"

    def azure_connection(self) -> str:
        return (f"DefaultEndpointsProtocol=https;AccountName=mlstore{self.s(string.digits, 4)};"
                f"AccountKey={self.azure_key()};EndpointSuffix=core.windows.net")

    def rsa_pem(self) -> str:
        key = rsa.generate_private_key(65537, 1024)
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()

    def service_account(self, project: str) -> dict[str, str]:
        """The fields of a GCP service-account key file (Google Cloud "Create and delete service account keys")."""
        email = f"trainer@{project}.iam.gserviceaccount.com"
        return {"type": "service_account", "project_id": project, "private_key_id": self.hexs(40),
                "private_key": self.rsa_pem(), "client_email": email, "client_id": self.s(string.digits, 21),
                "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                "token_uri": "https://oauth2.googleapis.com/token"}


def _files(root: Path, suffixes: tuple[str, ...], names: tuple[str, ...] = ()) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*")):
        if any(part in SKIP_DIRS for part in path.relative_to(root).parts) or not path.is_file():
            continue
        name = path.name.lower()
        wanted = path.suffix.lower() in suffixes or (bool(names) and name.startswith(names))
        if wanted and path.stat().st_size <= 2 * 1024 * 1024:
            found.append(path)
    return found


def _write(out: Path, relative: Path, text: str) -> None:
    target = out / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _insert_after_imports(text: str, block: list[str]) -> str:
    lines = text.split("\n")
    at = max((i + 1 for i, line in enumerate(lines[:200]) if line.startswith(("import ", "from "))), default=0)
    return "\n".join(lines[:at] + block + lines[at:])


def plant(root: Path, out: Path, *, seed: int, per_kind: int = 2) -> list[Planted]:
    """Planted copies of up to ``per_kind`` files of each kind under ``root``, written under ``out``."""
    rng = random.Random(seed)
    v = _Values(rng)
    planted: list[Planted] = []
    project = "ml-" + v.s(string.ascii_lowercase, 6)

    def pick(paths: list[Path]) -> list[Path]:
        return rng.sample(paths, min(per_kind, len(paths)))

    # notebooks: a secret in a code cell's source, another in a saved output of a code cell
    notebooks = [p for p in _files(root, (".ipynb",)) if '"cell_type": "code"' in p.read_text("utf-8", "replace")]
    for path in pick(notebooks):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        cells = document.get("cells") if isinstance(document, dict) else None
        if not isinstance(cells, list):
            continue
        code = [i for i, c in enumerate(cells) if isinstance(c, dict) and c.get("cell_type") == "code"]
        if not code:
            continue
        source_cell, output_cell = rng.choice(code), rng.choice(code)
        hf, openai = v.hf(), v.openai()
        source = cells[source_cell].get("source", [])
        source = source if isinstance(source, list) else str(source).splitlines(keepends=True)
        if source and not source[-1].endswith("\n"):
            source[-1] += "\n"
        cells[source_cell]["source"] = [*source, "import os\n", f'os.environ["OPENAI_API_KEY"] = "{openai}"']
        outputs = cells[output_cell].setdefault("outputs", [])
        outputs.append({"name": "stdout", "output_type": "stream",
                        "text": ["Logging in to the Hub...\n", f"token: {hf}\n", "Login successful\n"]})
        _write(out, path.relative_to(root), json.dumps(document, indent=1))
        relative = str(path.relative_to(root))
        planted.append(Planted(relative, f"cell {source_cell}", "openai", openai))
        planted.append(Planted(relative, f"cell {output_cell} output {len(outputs) - 1}", "huggingface", hf))

    # YAML configs: credentials a training or deployment config carries
    for path in pick(_files(root, (".yaml", ".yml"))):
        text = path.read_text(encoding="utf-8", errors="replace")
        aws_id, aws_secret, mlflow, db = v.aws_id(), v.aws_secret(), v.mlflow_uri(), v.db_url()
        block = ["", "# storage and tracking", f"aws_access_key_id: {aws_id}", f"aws_secret_access_key: {aws_secret}",
                 f"mlflow_tracking_uri: {mlflow}", f"database_url: \"{db}\"", ""]
        _write(out, path.relative_to(root), text.rstrip("\n") + "\n" + "\n".join(block))
        relative = str(path.relative_to(root))
        planted += [Planted(relative, None, "aws-id", aws_id), Planted(relative, None, "aws-secret", aws_secret),
                    Planted(relative, None, "mlflow-uri", mlflow), Planted(relative, None, "database-url", db)]

    # Dockerfiles: build arguments and environment variables
    for path in pick(_files(root, (".dockerfile",), ("dockerfile",))):
        text = path.read_text(encoding="utf-8", errors="replace")
        github, hf = v.github(), v.hf()
        lines = text.split("\n")
        at = next((i + 1 for i, line in enumerate(lines) if line.upper().startswith("FROM ")), 0)
        lines[at:at] = [f"ARG GITHUB_TOKEN={github}", f"ENV HF_TOKEN {hf}"]
        _write(out, path.relative_to(root), "\n".join(lines))
        relative = str(path.relative_to(root))
        planted += [Planted(relative, None, "github", github), Planted(relative, None, "huggingface", hf)]

    # training scripts: tracking URI with a password, a W&B key, a Slack webhook
    scripts = [p for p in _files(root, (".py",)) if "test" not in p.name.lower()]
    for path in pick(scripts):
        text = path.read_text(encoding="utf-8", errors="replace")
        mlflow, wandb, webhook = v.mlflow_uri(), v.wandb(), v.slack_webhook()
        block = ["import mlflow", "import wandb", f'mlflow.set_tracking_uri("{mlflow}")', f'wandb.login(key="{wandb}")',
                 f'SLACK_WEBHOOK = "{webhook}"']
        _write(out, path.relative_to(root), _insert_after_imports(text, block))
        relative = str(path.relative_to(root))
        planted += [Planted(relative, None, "mlflow-uri", mlflow), Planted(relative, None, "wandb", wandb),
                    Planted(relative, None, "slack-webhook", webhook)]

    # files people add next to the code: a .env and a service-account key at the repository's top level
    env = {"WANDB_API_KEY": v.wandb(), "SLACK_BOT_TOKEN": v.slack_bot(),
           "AZURE_STORAGE_CONNECTION_STRING": v.azure_connection(), "DATABASE_URL": v.db_url(),
           "ANTHROPIC_API_KEY": v.anthropic()}
    _write(out, Path(".env"), "\n".join(f"{k}={value}" for k, value in env.items()) + "\n")
    kinds: dict[str, Callable[[str], str]] = {"AZURE_STORAGE_CONNECTION_STRING": lambda s: s.split("AccountKey=")[1]
                                             .split(";")[0]}
    planted += [Planted(".env", None, name.lower(), kinds.get(name, str)(value)) for name, value in env.items()]
    account = v.service_account(project)
    _write(out, Path("credentials") / f"{project}-sa.json", json.dumps(account, indent=2))
    planted.append(Planted(f"credentials/{project}-sa.json", None, "gcp-service-account",
                           json.dumps(account["private_key"])[1:40]))
    return planted
