"""Session 9: false-positive classes read on eleven new dev repositories (LLM cookbooks, vector-database
examples, notebooks with saved outputs, data files of embedded text).

The look-alike lines are written by us in the shape of what pinecone-io/examples, anthropics/anthropic-cookbook,
weaviate/recipes, mistralai/cookbook, roboflow/notebooks and optuna/optuna hold, with our own values: the class
is copied, not the text. Each negative has a twin in the same place that must still fail a scan, so a rule
that silenced the place would fail here.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from look_alikes import assert_look_alike_pair
from look_alikes import failing as _failing

from mlsecure.findings import Severity
from mlsecure.secrets.allowlist import is_placeholder
from mlsecure.secrets.repo_context import judge
from mlsecure.secrets.scanner import SecretScanner
from mlsecure.secrets.walk import notebook_parts

_RNG = random.Random(9)
_HEX64 = "".join(_RNG.choice("0123456789abcdef") for _ in range(64))
_AKIA = "AKIA" + "".join(_RNG.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
_DRAWN = "Xk9vQ2mT7wLp3zR8aB4cN6"
_DRAWN32 = "pL4xQ9vT2mW7kR3zN8bC5yH1dF6gJ0sA"


def _notebook(output_text: str) -> str:
    cell = {
        "cell_type": "code",
        "source": ["client.list()\n"],
        "metadata": {},
        "execution_count": 1,
        "outputs": [{"output_type": "error", "ename": "KeyError", "evalue": "x", "traceback": [output_text]}],
    }
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


_SIGV4 = (
    "https://releases.example-cdn.com/75388965/asset?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
    f"{_AKIA}%2F20210307%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20210307T203625Z&X-Amz-Expires=300"
)
_GOOG4 = (
    "signed_url='https://storage.googleapis.com/files/a.pdf?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential="
    "reader-1%40demo-proj.iam.gserviceaccount.com%2F20250220%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date="
    "20250220T183837Z&X-Goog-Expires=3600'"
)

# (file, rule the twin must fail by, look-alike that must not fail, twin in the same place that must still fail)
_PAIRS = [
    # the credential scope of a presigned URL, echoed by wget in a saved output / a signed link in a response
    (
        "notebooks/download.txt",
        "SEC-001",
        f"--2021-03-07 20:36:25--  {_SIGV4}\n",
        f"--2021-03-07 20:36:25--  aws_access_key_id={_AKIA}\n",
    ),
    (
        "docs/quickstart.txt",
        "SEC-017",
        f"Snippet(content='...', reference={_GOOG4})\n",
        f"Snippet(content='...', reference=signed_url?api_key={_DRAWN32})\n",
    ),
    # text kept inside a JSON string (a dataset of code chunks): its lines are "\n" escapes
    (
        "data/codebase_chunks.json",
        "SEC-017",
        json.dumps(
            {"content": f'String password = load();\n  int rounds = 3;\n  new Object[]{{"salt", 3, "{_HEX64}"}},\n'}
        )
        + "\n",
        json.dumps({"content": f'String password = "{_DRAWN32}";\n  int rounds = 3;\n'}) + "\n",
    ),
    (
        "data/evaluation_set.jsonl",
        "SEC-017",
        json.dumps({"answer": "It returns Token{Token::QuotedString, StringView(cur_++, 1)} when a quote closes."})
        + "\n",
        json.dumps({"answer": f"It returns token: {_DRAWN32} when a quote closes."}) + "\n",
    ),
    # a value cut at the escaped line break is read as any value: "false," is a word and a comma
    (
        "docs/swagger-ui.js.map",
        "SEC-017",
        json.dumps({"sourcesContent": ["  withCredentials: false,\n  showExtensions: true,\n"]}) + "\n",
        json.dumps({"sourcesContent": [f"  withCredentials: {_DRAWN32},\n  showExtensions: true,\n"]}) + "\n",
    ),
    (
        "data/chunks.json",
        "SEC-017",
        json.dumps({"content": "    credentialsNoMasterPassword =\n        new Credentials(a);\n"}) + "\n",
        json.dumps({"content": f"    credentialsMasterPassword = {_DRAWN32}\n"}) + "\n",
    ),
    # an instruction or a typed sequence written where the key goes
    (
        "notebooks/qa.py",
        "SEC-017",
        'llm = OpenAI(temperature=0.2, openai_api_key="ENTER YOUR OPENAI KEY HERE")\n',
        f'llm = OpenAI(temperature=0.2, openai_api_key="{_DRAWN32}")\n',
    ),
    (
        "notebooks/mail.py",
        "SEC-017",
        'app_password = "abcd efgh ijkl mnop"  # your generated app password\n',
        f'app_password = "{_DRAWN}"  # your generated app password\n',
    ),
    # a wheel's or a page's file name after a word that holds "token" / "key"
    (
        "notebooks/install.txt",
        "SEC-024",
        "  Downloading tiktoken-0.8.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (1.2 MB)\n",
        f"  Downloading with mytoken-{_DRAWN32} (1.2 MB)\n",
    ),
    (
        "README.md",
        "SEC-024",
        "- [Architecture](https://docs.example.org/tutorial/10_key_features/001_first.html)\n",
        f"- [Architecture](https://docs.example.org/tutorial?key_{_DRAWN32})\n",
    ),
    # an id named as one in an HTML-escaped table of a saved output
    (
        "notebooks/table.html",
        "SEC-018",
        f"<td>{{&quot;id&quot;: &quot;{_HEX64[:32]}&quot;, "
        "&quot;usage&quot;: {&quot;prompt_tokens&quot;: 12}}</td>\n",
        f"<td>{{&quot;secret&quot;: &quot;{_DRAWN32}&quot;, "
        "&quot;usage&quot;: {&quot;prompt_tokens&quot;: 12}}</td>\n",
    ),
]


@pytest.mark.parametrize(("name", "rule", "look_alike", "twin"), _PAIRS, ids=[p[0] for p in _PAIRS])
def test_look_alike_passes_and_its_twin_still_fails(
    tmp_path: Path, name: str, rule: str, look_alike: str, twin: str
) -> None:
    assert_look_alike_pair(tmp_path, name, rule, look_alike, twin)


def test_ansi_colour_codes_of_a_saved_traceback_are_not_read_as_a_value(tmp_path: Path) -> None:
    """A rich traceback writes ESC[...m codes between the pieces of ``os.environ.get("PINECONE_API_KEY")``."""
    traceback = (
        "\x1b[1;32m      5\x1b[0m api_key \x1b[38;5;241m=\x1b[39m os\x1b[38;5;241m.\x1b[39menviron"
        '\x1b[38;5;241m.\x1b[39mget(\x1b[38;5;124m"\x1b[39m\x1b[38;5;124mPINECONE_API_KEY\x1b[39m'
        '\x1b[38;5;124m"\x1b[39m)'
    )
    assert _failing(tmp_path / "a", "nb.ipynb", _notebook(traceback)) == []
    leaked = f'\x1b[1;32m      5\x1b[0m api_key \x1b[38;5;241m=\x1b[39m \x1b[38;5;124m"{_DRAWN32}"\x1b[39m'
    assert _failing(tmp_path / "b", "nb.ipynb", _notebook(leaked)) == ["SEC-017"]
    parts = notebook_parts(_notebook(traceback))
    assert parts is not None
    assert "\x1b" not in parts[-1].text and 'get("PINECONE_API_KEY")' in parts[-1].text


def test_a_key_id_in_a_presigned_scope_is_kept_at_low_with_its_reason() -> None:
    text = f"Location: {_SIGV4}\n"
    start = text.index(_AKIA)
    verdict = judge("SEC-001", _AKIA, text, start, start + len(_AKIA), path="out.txt", in_tests=False)
    assert verdict is not None and not verdict.drop and "presigned URL" in verdict.reason
    found = SecretScanner().scan_text(text, path="out.txt")
    assert [(f.rule_id, f.severity) for f in found] == [("SEC-001", Severity.LOW)]
    # the same key id anywhere else is still a high finding
    plain = SecretScanner().scan_text(f"AWS_ACCESS_KEY_ID={_AKIA}\n", path="out.txt")
    assert any(f.rule_id == "SEC-001" and f.severity >= Severity.HIGH for f in plain)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ENTER YOUR OPENAI KEY HERE", True),
        ("ADD YOU KEY HERE", True),
        ("paste your token here", True),
        ("abcd efgh ijkl mnop", True),
        ("your key", True),
        # drawn values, and pass phrases of words, are not placeholders
        (_DRAWN, False),
        ("correct horse battery staple", False),
        ("qmzt wvpk rhxa ldne", False),
        ("add more salt here", False),
    ],
)
def test_placeholder_prose_and_typed_sequences(value: str, expected: bool) -> None:
    assert is_placeholder(value) is expected


@pytest.mark.parametrize(
    ("name", "rule", "look_alike", "twin"),
    [
        # a command substitution in a shell script makes the value at run time
        ("setup/beam_on_spark.sh", "SEC-022", "SPARK_SECRET=`openssl rand -hex 20`\n", f"SPARK_SECRET={_DRAWN32}\n"),
        # a YAML key commented out, with a comment where its value would go
        ("examples/config_dlts.yml", "SEC-017", "# password: # Paste from the dashboard\n", f"password: {_DRAWN}\n"),
        # a PostHog project key is published in every page that loads PostHog; a personal key is a secret
        (
            "docs/_static/js/posthog.js",
            "SEC-017",
            "posthog.init('phc_" + _DRAWN32 + "Qz9',{api_host:'https://app.posthog.com'})\n",
            "const key = 'phx_" + _DRAWN32 + "Qz9'; const api_token = '" + _DRAWN32 + "';\n",
        ),
    ],
    ids=["shell-substitution", "yaml-comment", "posthog-project-key"],
)
def test_run_time_values_comments_and_public_project_keys(
    tmp_path: Path, name: str, rule: str, look_alike: str, twin: str
) -> None:
    assert _failing(tmp_path / "a", name, look_alike) == []
    assert rule in _failing(tmp_path / "b", name, twin)


def test_a_config_value_before_a_comment_is_the_value_not_a_type_annotation(tmp_path: Path) -> None:
    """``POSTGRES_PASSWORD: a2F0aWI=  # katib`` (a Kubernetes Secret's base64 default password, katib's manifests):
    code reads ``name: type = value``; a configuration file has no annotations, so the value is ``a2F0aWI=`` (8
    characters, column 22), found with or without the comment."""
    for case, text in (
        ("comment", "data:\n  POSTGRES_PASSWORD: a2F0aWI=  # katib\n"),
        ("bare", "data:\n  POSTGRES_PASSWORD: a2F0aWI=\n"),
    ):
        path = tmp_path / case / "secret.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
        found = [f for f in SecretScanner().scan_paths([path]).findings if f.severity >= Severity.MEDIUM]
        assert [(f.rule_id, f.line, f.length) for f in found] == [("SEC-017", 2, 8)], case
