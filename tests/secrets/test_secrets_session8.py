"""Session 8: false-positive classes read on new dev repositories (large multi-project ones).

The look-alike lines are written by us in the shape of what mlrun/mlrun@c43870f, kedro-org/kedro@d58a0b1,
flyteorg/flyte@6fadb90, pytorch/serve@62c4d6a, polyaxon/polyaxon@e90398d, determined-ai/determined@c1e9c6d,
ludwig-ai/ludwig@5d19f3e and meltano/meltano@c139d24 hold (all Apache-2.0), with our own values: the class
is copied, not the text. Each negative has a twin in the same place that must still fail a scan, so a rule
that silenced the place would fail here.
"""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest

from mlsecure.findings import Severity
from mlsecure.secrets.repo_context import judge
from mlsecure.secrets.scanner import SecretScanner

_RNG = random.Random(8)
_HEX32 = "".join(_RNG.choice("0123456789abcdef") for _ in range(32))
_HEX40 = "".join(_RNG.choice("0123456789abcdef") for _ in range(40))
_HEX64 = "".join(_RNG.choice("0123456789abcdef") for _ in range(64))
_B64URL43 = "".join(_RNG.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for _ in range(43))
_DRAWN = "Xk9vQ2mT7wLp3zR8aB4cN6"
_DRAWN40 = "pL4xQ9vT2mW7kR3zN8bC5yH1dF6gJ0sA2eU4iO7q"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _failing(tmp_path: Path, name: str, text: str) -> list[str]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [f.rule_id for f in SecretScanner().scan_paths([path]).findings if f.severity >= Severity.MEDIUM]


# (file, look-alike that must not fail, twin in the same place that must still fail)
_PAIRS = [
    # digests named as digests: a detect-secrets baseline, Helm's checksum annotation, a file's checksum
    (".secrets.baseline", f'{{"results": [{{"hashed_secret": "{_HEX40}", "line_number": 3}}]}}\n',
     f'{{"results": [{{"client_secret": "{_HEX40}", "line_number": 3}}]}}\n'),
    ("chart/templates/deploy.yaml", f"annotations:\n  checksum/secret: {_HEX64}\n",
     f"annotations:\n  secret: {_HEX64}\n"),
    ("datasets/fraud.yaml", f"name: scores\nsha256:\n  creditscores.zip: {_HEX64}\n",
     f"name: scores\nauth:\n  api_secret: {_HEX64}\n"),
    ("pkg/catalog/hashing_test.go", f'assert.Equal(t, "{_B64URL43}", hash)\n',
     f'cfg := Config{{apiKey: "{_B64URL43}"}}\n'),
    # identifiers named as identifiers: a run log's uid, a token subject, a uuid shown in prose
    ("docs/run.txt", f"> [info] starting run train uid={_HEX32} DB=http://tracker-api:8080\n",
     f"> [info] starting run train token={_HEX32} DB=http://tracker-api:8080\n"),
    ("docs/store.txt", f"> [info] Storing function: {{'name': 'trainer', 'uid': '{_HEX32}', 'db': 'http://x-api'}}\n",
     f"> [info] Storing function: {{'name': 'trainer', 'api_key': '{_HEX32}', 'db': 'http://x-api'}}\n"),
    ("svc/identity_test.go", f'want: &auth.UserInfoResponse{{Subject: "{_DRAWN}"}},\n',
     f'want: &auth.UserInfoResponse{{AccessToken: "{_DRAWN}"}},\n'),
    ("docs/query.mdx", f"if the first run has uuid value `{_HEX32}` we can query the run's token:\n",
     f"if the first run has token `{_HEX32}` we can query the run's token:\n"),
    # code, not literals: a string annotation, a Go struct tag, import paths and label keys, a regex,
    # a header set from an expression
    ("client/bindings.py", '    password: "typing.Union[str, None, Unset]" = _unset,\n',
     f'    password: str = "{_DRAWN}",\n'),
    ("gen/secret/definition.pb.go", '\tValue isSecretSpec_Value `protobuf_oneof:"value"`\n',
     f'\tvar secretValue = "{_DRAWN}"\n'),
    ("gen/secret/connect/secret.connect.go",
     'import (\n\tsecret "github.com/brightorg/bright/v2/gen/go/brightidl2/secret"\n)\n',
     f'import (\n\tsecret "{_DRAWN40}"\n)\n'),
    ("svc/secret_service.go", 'managedSecretLabelKey = "app.acme.org/managed"\n',
     f'managedSecretKey = "{_DRAWN}"\n'),
    (".github/workflows/lint.yml", "  git secrets --add '\"private_key\":\\s\"-----BEGIN\\sPRIVATE\\sKEY-----'\n",
     f"  git secrets --add '\"private_key\": \"{_DRAWN}\"'\n"),
    ("api/clients/hub.py", 'headers = {"authorization": request.headers.get("authorization"),}\n',
     f'cmd = "curl -H \'authorization: {_DRAWN40}\' https://hub.example"\n'),
    # names of credential entries: a data-catalog reference, the Fetch API's option, a Postman variable name
    ("conf/base/catalog.yml", "reviews:\n  type: pandas.CSVDataset\n  credentials: dev_s3\n",
     f"reviews:\n  type: pandas.CSVDataset\n  credentials: {_DRAWN}\n"),
    ("src/services/utils.ts", "if (dev) options.credentials = 'include';\n",
     f"if (dev) options.credentials = '{_DRAWN}';\n"),
    ("test/postman/environment.json", '{"values": [{"key": "mar_path_resnet-152-batch", "value": "x"}]}\n',
     f'{{"values": [{{"key": "{_DRAWN}", "value": "x"}}]}}\n'),
    # tokens named by their API as cursors or idempotency keys
    ("kubernetes/efs/README.md", '"CreationToken": "4bd3a1f2-7c9e-4d1a-b2e3-5f6a7b8c9d0e",\n',
     '"SessionToken": "4bd3a1f2-7c9e-4d1a-b2e3-5f6a7b8c9d0e",\n'),
    ("out/page.json", f'{{"NextToken": "{_DRAWN40}"}}\n', f'{{"AuthToken": "{_DRAWN40}"}}\n'),
    # an Algolia DocSearch configuration: a search-only key published for browsers
    ("docs/docusaurus.config.js", f"algolia: {{\n  appId: 'QW3RTY12AB',\n  apiKey: '{_HEX32}',\n"
                                  "  indexName: 'docs',\n},\n",
     f"upload: {{\n  appId: 'QW3RTY12AB',\n  apiKey: '{_HEX32}',\n}},\n"),
    # typed passwords of a developer's cluster or sandbox, in clear or base64 (reported at low, not failing)
    ("tools/devcluster.yaml", "db:\n  host: localhost\n  password: postgres\n",
     f"db:\n  host: localhost\n  password: {_DRAWN}\n"),
    ("docker/devbox/manifests/dev.yaml", "data:\n  haSharedSecret: " + _b64("lakesandboxsecret") + "\n",
     "data:\n  haSharedSecret: " + _b64(_DRAWN40) + "\n"),
    ("site/registries/dockerhub.mdx", '"auth": "' + _b64("jdoe:supersecretpassword") + '",\n',
     '"auth": "' + _b64("jdoe:" + _DRAWN40) + '",\n'),
    # a diagram's element id next to a label that speaks of credentials
    ("docs/images/arch.drawio", '<mxCell id="Qz7A4LQhE6iUcxmmY-iy-8" />\n<mxCell id="Qz7A4LQhE6iUcxmmY-iy-9" '
     'value="reads credentials, etc." style="edgeLabel;" parent="Qz7A4LQhE6iUcxmmY-iy-8" vertex="1" />\n',
     '<mxCell id="Qz7A4LQhE6iUcxmmY-iy-8" />\n<mxCell id="Qz7A4LQhE6iUcxmmY-iy-9" '
     'value="reads credentials, etc." style="edgeLabel;" token="Xk9vQ2mT7wLp3zR8aB4cN6" vertex="1" />\n'),
    ("docs/theme/SearchBar/index.js", "import { DocSearchButton } from '@docsearch/react'\n"
     f"aa('init', {{\n  appId: 'QW3RTY12AB',\n  apiKey: '{_HEX32}',\n}})\n",
     "import { Button } from '@acme/react'\n"
     f"aa('init', {{\n  appId: 'QW3RTY12AB',\n  apiKey: '{_HEX32}',\n}})\n"),
    # a version after a package named for credentials, a resource-name template
    ("licenses/dependency-license.xml", "<dependency name='com.acme.auth:acme-auth-library-credentials:2.41.0'>\n",
     f"<dependency name='com.acme.auth:acme-auth-library-credentials:{_DRAWN}'>\n"),
    ("components/dataflow/component.py", '    kms_key_name: Name of the KMS key. Key format is '
     '"projects/HOST_PROJECT_ID/locations/LOCATION/keyRings/KEYRING/cryptoKeys/KEY_NAME_2"\n',
     f'    kms_key: "{_DRAWN40}/{_DRAWN}"\n'),
    ("schemas/test_cases/v0/defaults.yaml", "db:\n  user: det\n  password: hamandjam\n",
     f"db:\n  user: det\n  password: {_DRAWN}\n"),
    # GitHub's token-in-username URL: the secret is the user part
    ("tests/projects/test_project.py", 'url = "https://my-token:x-oauth-basic@git.server/my-repo"\n',
     f'url = "https://{_DRAWN40}:x-oauth-basic@git.server/my-repo"\n'),
]


@pytest.mark.parametrize(("name", "text", "twin"), _PAIRS, ids=[f"{i}:{n}" for i, (n, _, _) in enumerate(_PAIRS)])
def test_look_alike_passes_and_its_drawn_twin_fails(tmp_path: Path, name: str, text: str, twin: str) -> None:
    assert _failing(tmp_path, name, text) == []
    assert _failing(tmp_path / "twin", name, twin) != []


@pytest.mark.parametrize("pragma", ["# pragma: allowlist secret", "// #nosec G101", "# gitleaks:allow"])
def test_another_scanners_pragma_reports_at_low_with_the_reason(tmp_path: Path, pragma: str) -> None:
    path = tmp_path / "svc" / "auth.py"
    path.parent.mkdir()
    path.write_text(f'KEY_SECRET = "{_DRAWN}"  {pragma}\n', encoding="utf-8")
    found = SecretScanner().scan_paths([path]).findings
    assert [(f.rule_id, f.severity) for f in found] == [("SEC-017", Severity.LOW)]
    assert "pragma" in str(found[0].details.get("local_stack"))
    path.write_text(f'KEY_SECRET = "{_DRAWN}"\n', encoding="utf-8")
    assert [(f.rule_id, f.severity) for f in SecretScanner().scan_paths([path]).findings] == \
        [("SEC-017", Severity.MEDIUM)]


@pytest.mark.parametrize("pragma", ["// NOSONAR", "# nosemgrep", "# noqa: S105", "# nosec"])
def test_a_general_suppression_pragma_keeps_the_severity(tmp_path: Path, pragma: str) -> None:
    """A pragma that silences some other rule says nothing about this value: it stays medium."""
    path = tmp_path / "svc" / "auth.py"
    path.parent.mkdir()
    path.write_text(f'KEY_SECRET = "{_DRAWN}"  {pragma}\n', encoding="utf-8")
    assert [(f.rule_id, f.severity) for f in SecretScanner().scan_paths([path]).findings] == \
        [("SEC-017", Severity.MEDIUM)]


def test_judge_leaves_provider_rules_alone() -> None:
    """A provider format is never judged by its surroundings (``hashed_secret`` beside a GitHub token)."""
    text = '"hashed_secret": "ghp_' + _DRAWN40[:36] + '"'
    assert judge("SEC-007", "ghp_" + _DRAWN40[:36], text, 18, len(text) - 1, path="x.json", in_tests=False) is None


@pytest.mark.parametrize(("name", "expected"), [("NextToken", True), ("next_page_token", True),
                                                ("ClientRequestToken", True), ("statuspage_token", False),
                                                ("oauth_request_token", False), ("SessionToken", False)])
def test_cursor_token_names(name: str, expected: bool) -> None:
    from mlsecure.secrets.repo_context import _cursor_token

    assert _cursor_token(name) is expected


_BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def test_real_repository_bench_refuses_to_show_a_report_repository(tmp_path: Path) -> None:
    import subprocess
    import sys

    run = subprocess.run([sys.executable, str(_BENCH / "bench_secrets_real_repos.py"), "--trees", str(tmp_path),
                          "--show", "feast-dev+feast"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "feast-dev+feast not a dev repository" in run.stderr


def test_extract_repo_tree_writes_each_blob_and_skips_links(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    work = tmp_path / "work"
    work.mkdir()
    (work / "conf").mkdir()
    (work / "conf" / "app.yaml").write_text("password: postgres\n", encoding="utf-8")
    (work / "link").symlink_to("conf/app.yaml")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "x"]):
        subprocess.run(["git", "-C", str(work), *args], check=True, env=env, capture_output=True)
    out = tmp_path / "tree"
    run = subprocess.run([sys.executable, str(_BENCH / "extract_repo_tree.py"), str(work / ".git"), str(out)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "1 files written, 0 blobs absent" in run.stdout
    assert (out / "conf" / "app.yaml").read_text(encoding="utf-8") == "password: postgres\n"
    assert not (out / "link").exists()
