"""Session 14: notebook / tutorial collections of ML platforms (nine fresh dev repos), and a password's HMAC salt.

Each look-alike fails a default scan on the code before this session (main aaa2528); its twin, the real secret in the
same place, still fails by the named rule. A look-alike reported at low stays visible: ``failing`` counts medium and
above only.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from look_alikes import assert_look_alike_pair, drawn, failing, notebook

from mlsecure.findings import Severity
from mlsecure.secrets.scanner import SecretScanner

RNG = random.Random(1414)


def _hex(length: int) -> str:
    return "".join(RNG.choice("0123456789abcdef") for _ in range(length))


def test_one_case_word_is_no_artifactory_token(tmp_path: Path) -> None:
    # a pronunciation dictionary's headwords (AP + a hex digit + letters) against an API token drawn in mixed case
    assert_look_alike_pair(
        tmp_path,
        "cmudict.txt",
        "SEC-100",
        "APALACHICOLA  AE2 P AH0 L AE2 CH AH0 K OW1 L AH0\nAPABULLADAS  apabuʎˈaðas\n",
        "X-JFrog-Art-Api: AP7" + drawn(RNG, 40) + "\n",
    )


def test_release_label_under_key_is_a_version(tmp_path: Path) -> None:
    def page(key: str) -> str:
        return '<script>window.s = {"sparkVersions":[{"key":"' + key + '","displayName":"Spark 1.6"}]}</script>\n'

    assert failing(tmp_path / "a", "init.html", page("1.6.3-db2-hadoop2-scala2.10")) == []
    assert failing(tmp_path / "b", "init.html", page("1.6.x-ubuntu15.10")) == []
    assert failing(tmp_path / "c", "init.html", page(drawn(RNG, 32))) == ["SEC-018"]


def test_commit_in_a_github_link_is_no_wandb_key(tmp_path: Path) -> None:
    sha = _hex(40)
    assert_look_alike_pair(
        tmp_path,
        "README.md",
        "SEC-012",
        f'<img src="https://raw.githubusercontent.com/wandb/wandb/{sha}/.github/wb-logo.png" width="600"/>\n'
        f"See [the script](https://github.com/wandb/edu/blob/{sha}/train.py).\n",
        f"Run `wandb login {sha}` first.\n",
    )


def test_event_namespace_is_no_key(tmp_path: Path) -> None:
    assert_look_alike_pair(
        tmp_path,
        "wwwroot/lib/bootstrap/dist/js/bootstrap.js",
        "SEC-017",
        "var DATA_API_KEY = '.data-api';\n",
        f"var DATA_API_KEY = '{drawn(RNG, 24)}';\n",
    )


def test_package_description_in_a_pip_report_is_reported_at_low(tmp_path: Path) -> None:
    readme = (
        "# Azure Cosmos DB client library\n\n## Usage\n\n```python\nimport os\nURL = os.environ['ACCOUNT_URI']\n"
        "KEY = os.environ['ACCOUNT_KEY']\nclient = CosmosClient(URL, credential=KEY, consistency_level='Session')\n"
        "```\n\n## Logging\n\n```python\nclient = CosmosClient(URL, credential=KEY, logging_enable=True)\n```\n\nEnd.\n"
    )

    def report(metadata: dict[str, str]) -> str:
        return json.dumps({"version": "1", "pip_version": "25.0.1", "install": [{"metadata": metadata}]}, indent=2)

    path = tmp_path / "a" / "x.component-detection-pip-report.json"
    path.parent.mkdir(parents=True)
    path.write_text(report({"name": "azure-cosmos", "description": readme}), encoding="utf-8")
    low = [f for f in SecretScanner().scan_paths([path]).findings if f.rule_id == "SEC-017"]
    assert low and all(f.severity is Severity.LOW for f in low)
    twin = report({"name": "azure-cosmos", "api_key": drawn(RNG, 32)})
    assert "SEC-017" in failing(tmp_path / "b", "x.component-detection-pip-report.json", twin)


def test_upper_case_name_in_hyphens_is_a_label(tmp_path: Path) -> None:
    assert_look_alike_pair(
        tmp_path,
        "src/common/utilities/config_reader.py",
        "SEC-017",
        'AZURE_CONTENT_UNDERSTANDING_API_KEY = "AZURE-CONTENT-UNDERSTANDING-KEY"\n',
        f'AZURE_CONTENT_UNDERSTANDING_API_KEY = "{drawn(RNG, 32)}"\n',
    )


def test_test_pass_and_a_digit_names_itself_a_stand_in(tmp_path: Path) -> None:
    def cell(password: str) -> str:
        return notebook(
            f'cognito.admin_set_user_password(\n    Username="testuser",\n    Password="{password}",'
            " Permanent=True\n)\n"
        )

    assert_look_alike_pair(tmp_path, "gateway-jwt.ipynb", "SEC-017", cell("TestPass1"), cell(drawn(RNG, 14)))


def test_where_the_value_comes_from_in_words(tmp_path: Path) -> None:
    assert_look_alike_pair(
        tmp_path,
        "Bot.Web/appsettings.json",
        "SEC-017",
        '{\n  "WebchatSecret": "from app settings",\n  "Logging": {}\n}\n',
        f'{{\n  "WebchatSecret": "{drawn(RNG, 32)}",\n  "Logging": {{}}\n}}\n',
    )


def test_type_in_a_docstring_argument_list(tmp_path: Path) -> None:
    def module(value: str) -> str:
        return (
            f'def f(x):\n    """\n    Args:\n        token_level_rewards: `{value}`\n            shape (n,)\n    """\n'
        )

    assert failing(tmp_path / "a", "ppo/core_algos.py", module("(torch.Tensor)")) == []
    twin = f'def f(x):\n    """\n    Args:\n        api_token: `{drawn(RNG, 32)}`\n    """\n'
    assert "SEC-017" in failing(tmp_path / "b", "ppo/core_algos.py", twin)


def test_interpolated_expression_is_filled_at_run_time(tmp_path: Path) -> None:
    assert_look_alike_pair(
        tmp_path,
        "Question_answering.ipynb",
        "SEC-017",
        notebook('var client = new Client(\n    api_key="{azureOpenAIKey.GetClearTextPassword()}",\n)\n'),
        notebook(f'var client = new Client(\n    api_key="{drawn(RNG, 32)}",\n)\n'),
    )


def test_alphabet_after_a_six_letter_prefix_in_a_notebook_comment(tmp_path: Path) -> None:
    assert_look_alike_pair(
        tmp_path,
        "googledrive-connector.ipynb",
        "SEC-017",
        notebook("# │    google_client_secret = 'GOCSPX-AbCdEfGhIjKlMnOpQrStUv'         │\n"),
        notebook(f"# │    google_client_secret = 'GOCSPX-{drawn(RNG, 28)}'         │\n"),
    )


def test_keys_typed_in_order_in_a_notebook(tmp_path: Path) -> None:
    # vLLM's documented dummy key and digits in order: a notebook shows the reader a stand-in (kept at low)
    assert_look_alike_pair(
        tmp_path,
        "async_server.ipynb",
        "SEC-017",
        notebook('client = AsyncOpenAI(base_url=f"http://{address}/v1", api_key="token-abc123")\n'),
        notebook(f'client = AsyncOpenAI(base_url=f"http://{{address}}/v1", api_key="token-{drawn(RNG, 12)}")\n'),
    )


def test_typed_value_with_a_comment_to_change_it(tmp_path: Path) -> None:
    assert_look_alike_pair(
        tmp_path,
        "usecases/setup_rds.py",
        "SEC-017",
        'rds_master_password = "postgres_pw1" # change password here\n',
        f'rds_master_password = "{drawn(RNG, 12)}" # change password here\n',
    )


def test_pdf_hex_string_is_document_metadata(tmp_path: Path) -> None:
    hex_id = _hex(56).upper()
    assert failing(tmp_path / "a", "files/10k-report.pdf", f"<< /Producer (x) /Keywords <{hex_id}> >>\n") == []
    # the same hex named as a secret in the same file still fails
    assert "SEC-017" in failing(tmp_path / "b", "files/10k-report.pdf", f'secret_key = "{drawn(RNG, 32)}"\n')


def test_password_hmac_salt_is_reported(tmp_path: Path) -> None:
    # Flask-Security: SECURITY_PASSWORD_SALT "specifies the HMAC salt" (its configuration docs); dropped before
    salt = drawn(RNG, 16)
    assert "SEC-017" in failing(tmp_path / "a", "app/settings.py", f"SECURITY_PASSWORD_SALT = '{salt}'\n")
    assert "SEC-017" in failing(tmp_path / "b", "config.yaml", f"SECRET_SALT: {salt}\n")
    assert "SEC-017" in failing(tmp_path / "c", "app/settings.py", f"password_salt = '{salt}'\n")


def test_generic_salt_and_placeholder_salts_stay_dropped(tmp_path: Path) -> None:
    salt = drawn(RNG, 16)
    assert failing(tmp_path / "a", "app/settings.py", f"salt = '{salt}'\n") == []
    assert failing(tmp_path / "b", "app/settings.py", f"hash_salt = '{salt}'\n") == []
    assert failing(tmp_path / "c", "app/settings.py", "SECURITY_PASSWORD_SALT = 'my-salt'\n") == []
    assert failing(tmp_path / "d", "app/settings.py", "SECURITY_PASSWORD_SALT = 'changeme'\n") == []


def test_typed_password_in_a_notebook_fails_unless_under_a_tutorial_folder(tmp_path: Path) -> None:
    # a notebook at a project's root is where a real password is typed: it keeps its severity; under examples/ it is
    # a document shown to a reader, as docs are (reported at low); a drawn one fails in both places
    typed = notebook('adb_password = "ilovekgrag"\n')
    assert "SEC-017" in failing(tmp_path / "root", "notebooks/03_Dynamic_Database.ipynb", typed)
    assert_look_alike_pair(
        tmp_path,
        "examples/03_Dynamic_Database.ipynb",
        "SEC-017",
        typed,
        notebook(f'adb_password = "{drawn(RNG, 20)}"\n'),
    )
    out = notebook("print(setup())", [{"output_type": "stream", "name": "stdout", "text": "Password: Kinetica123!\n"}])
    assert "SEC-017" in failing(tmp_path / "c", "analysis.ipynb", out)
    assert failing(tmp_path / "d", "tutorials/analysis.ipynb", out) == []


def test_token_of_a_local_jupyter_url_is_reported_at_low(tmp_path: Path) -> None:
    token = _hex(48)
    assert_look_alike_pair(
        tmp_path,
        "README.md",
        "SEC-017",
        f"| dev-day | http://localhost:8888/lab?token={token} |\n| b | http://127.0.0.1:8888/lab?token={token} |\n",
        f"| dev-day | https://notebooks.example.org/lab?token={token} |\n",
    )


def test_secret_set_through_a_subscript_is_read(tmp_path: Path) -> None:
    # os.environ["DB_PASSWORD"] = "..." in a cell: a 16-character password was read by no rule on main (recall gap)
    password = drawn(RNG, 16)
    assert "SEC-017" in failing(tmp_path / "a", "nb.ipynb", notebook(f'os.environ["DB_PASSWORD"] = "{password}"\n'))
    assert "SEC-017" in failing(tmp_path / "b", "app.py", f"app.config['SECURITY_PASSWORD_SALT'] = '{password}'\n")
    # the placeholders a notebook writes there stay dropped
    assert failing(tmp_path / "c", "nb.ipynb", notebook('os.environ["OPENAI_API_KEY"] = "<your key>"\n')) == []
    assert failing(tmp_path / "d", "nb.ipynb", notebook('os.environ["WANDB_API_KEY"] = "YOUR_KEY"\n')) == []


def test_secret_word_in_a_type_subscript_is_no_key(tmp_path: Path) -> None:
    # a quoted word closing a Literal[...] list and a type argument (Optional[Secret]) are no subscript keys
    look_alike = (
        'class Field:\n    type: Literal["string", "number", "boolean", "secret"] = "string"\n'
        "    def __init__(self, api_key: Optional[Secret] = None, **kwargs):\n        pass\n"
    )
    twin = f'class Field:\n    settings["secret"] = "{drawn(RNG, 16)}"\n'
    assert_look_alike_pair(tmp_path, "datamodel/types.py", "SEC-017", look_alike, twin)


def test_folders_above_the_scanned_root_decide_nothing(tmp_path: Path) -> None:
    # a checkout at ~/examples/repo is no example collection: only the tree's own folders say "docs" or "tests"
    from mlsecure.secrets.scanner import SecretScanner
    from mlsecure.secrets.walk import inside_root

    repo = tmp_path / "examples" / "repo"
    (repo / "tests").mkdir(parents=True)
    (repo / "lab.ipynb").write_text(notebook('db_password = "ilovekgrag"\n'), encoding="utf-8")

    def severities(root: Path) -> list[str]:
        return [f.severity.name for f in SecretScanner().scan_paths([root]).findings if f.rule_id == "SEC-017"]

    assert severities(repo) == ["MEDIUM"]  # inside the repository it is a project's notebook
    assert severities(tmp_path) == ["LOW"]  # scanned from above, it sits under examples/: a tutorial's
    assert inside_root(repo / "tests" / "x.py", [repo]) == "tests/x.py"
    assert inside_root(repo / "lab.ipynb", [repo / "lab.ipynb"]) == str(repo / "lab.ipynb")
    assert inside_root(tmp_path / "other.py", [repo]) == str(tmp_path / "other.py")


def _tutorial(code: str, prose_cells: int) -> str:
    """A notebook of ``prose_cells`` markdown cells explaining one code cell ``code``."""
    prose = "This step connects the lab database so that the next cells can load the training table. " * 2
    cells: list[dict[str, object]] = [{"cell_type": "markdown", "metadata": {}, "source": prose}] * prose_cells
    cells = [*cells, {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": code, "outputs": []}]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_typed_password_in_a_tutorial_notebook_is_shown_not_kept(tmp_path: Path) -> None:
    # a notebook that explains itself in prose is a document to read: its typed password is reported at low; a
    # working notebook (one markdown cell, mostly code) keeps the finding at medium; a drawn value fails in both
    from mlsecure.secrets.walk import tutorial_notebook

    code = 'adb_password = "ilovekgrag"\nconn = connect(user="lab", password=adb_password)\n'
    assert_look_alike_pair(
        tmp_path, "lab.ipynb", "SEC-017", _tutorial(code, 3), _tutorial(code.replace("ilovekgrag", drawn(RNG, 20)), 3)
    )
    assert "SEC-017" in failing(tmp_path / "w", "lab.ipynb", _tutorial(code, 1))
    assert tutorial_notebook(json.loads(_tutorial(code, 3))["cells"]) is True
    assert tutorial_notebook(json.loads(_tutorial(code * 40, 3))["cells"]) is False  # prose under half the code


def test_a_root_named_by_a_symbolic_link_is_scanned(tmp_path: Path) -> None:
    # a symlinked root was skipped: the scan ended with no findings having read nothing
    real = tmp_path / "real"
    (real / "conf").mkdir(parents=True)
    (real / "conf" / "settings.py").write_text(f'API_TOKEN = "{drawn(RNG, 32)}"\n', encoding="utf-8")
    (tmp_path / "dir-link").symlink_to(real, target_is_directory=True)
    (tmp_path / "file-link").symlink_to(real / "conf" / "settings.py")
    for root in (tmp_path / "dir-link", tmp_path / "file-link"):
        result = SecretScanner().scan_paths([root])
        assert result.stats.files_scanned == 1
        assert [f.rule_id for f in result.findings] == ["SEC-017"]


def test_a_snapshot_of_links_to_blobs_is_read(tmp_path: Path) -> None:
    # a Hugging Face cache snapshot holds links to ../../blobs/<sha>: scanning the snapshot must read the blobs once,
    # and a link whose target the scan reads anyway (inside the root) is not read twice
    from mlsecure.secrets.scanner import SecretScanner

    blobs, snapshot = tmp_path / "blobs", tmp_path / "snapshots" / "abc123"
    blobs.mkdir()
    snapshot.mkdir(parents=True)
    (blobs / "f00d").write_text(f'api_key = "{drawn(RNG, 32)}"\n', encoding="utf-8")
    (snapshot / "config.py").symlink_to(Path("../../blobs/f00d"))
    (snapshot / "dangling.py").symlink_to(Path("../../blobs/missing"))
    result = SecretScanner().scan_paths([snapshot])
    assert result.stats.files_scanned == 1
    assert [(Path(f.path).name, f.rule_id) for f in result.findings] == [("config.py", "SEC-017")]
    whole = SecretScanner().scan_paths([tmp_path])  # the blob is in the tree: read once, under its own name
    assert whole.stats.files_scanned == 1
    assert [Path(f.path).name for f in whole.findings] == ["f00d"]


def test_overlapping_roots_read_each_file_once_and_the_outermost_root_decides(tmp_path: Path) -> None:
    # `scan repo/tests repo`: the fixture under tests/ is read once, and judged as test code (its place in repo/)
    from mlsecure.secrets.scanner import SecretScanner
    from mlsecure.secrets.walk import inside_root, iter_files

    repo = tmp_path / "repo"
    (repo / "tests").mkdir(parents=True)
    (repo / "tests" / "fixture.py").write_text('password = "hunter2"\n', encoding="utf-8")
    (repo / "app.py").write_text(f'api_key = "{drawn(RNG, 32)}"\n', encoding="utf-8")
    roots = [repo / "tests", repo]
    assert [p.name for p in iter_files(roots)] == ["fixture.py", "app.py"]
    assert inside_root(repo / "tests" / "fixture.py", roots) == "tests/fixture.py"
    result = SecretScanner().scan_paths(roots)
    assert result.stats.files_scanned == 2
    once = SecretScanner().scan_paths([repo])
    assert sorted((Path(f.path).name, f.rule_id, f.severity) for f in result.findings) == sorted(
        (Path(f.path).name, f.rule_id, f.severity) for f in once.findings
    )
