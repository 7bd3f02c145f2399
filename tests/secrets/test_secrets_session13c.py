"""Session 13c: example collections of ML platforms and serving / feature-store projects (seven fresh dev repos).

Each look-alike fails a default scan on the code before this session; its twin, the real secret in the same
place, still fails by the named rule. The mechanisms are in ``mlsecure.secrets.example_values``.
"""

from __future__ import annotations

import random
import uuid
from pathlib import Path

from look_alikes import assert_look_alike_pair, drawn, failing, notebook, stream

from mlsecure.secrets.example_values import example_value, low_reason

RNG = random.Random(1313_3)


def _run_id() -> str:
    """A tracker's run id as uuid4().hex makes it, drawn from the test's seed."""
    return uuid.UUID(int=RNG.getrandbits(128), version=4).hex


def test_run_id_in_a_printed_asset_url_is_not_a_key(tmp_path: Path) -> None:
    run, asset = _run_id(), _run_id()
    url = "{'web': 'https://tracker.example.com/api/asset/download?assetId=" + asset + "&{}=" + run + "'}\n"
    assert_look_alike_pair(
        tmp_path,
        "nb.ipynb",
        "SEC-017",
        notebook("exp.log_asset('a.png')", [stream(url.replace("{}", "experimentKey"))]),
        notebook("exp.log_asset('a.png')", [stream(url.replace("{}", "apiKey"))]),
    )


def test_run_id_named_as_one_in_a_cell(tmp_path: Path) -> None:
    run = _run_id()
    assert_look_alike_pair(
        tmp_path,
        "nb.ipynb",
        "SEC-017",
        notebook(f'EXPERIMENT_KEY = "{run}"\nexp = api.get_experiment_by_key(EXPERIMENT_KEY)'),
        notebook(f'SECRET_KEY = "{run}"\nexp = api.get_experiment_by_key(EXPERIMENT_KEY)'),
    )


def test_run_id_closing_a_workspace_project_path(tmp_path: Path) -> None:
    run = _run_id()
    assert_look_alike_pair(
        tmp_path,
        "nb.ipynb",
        "SEC-017",
        notebook(f'exp = comet_api.get("team", "keras", "{run}")'),
        notebook(f'exp = comet_api.get("team", "keras", api_key="{run}")'),
    )


def test_openpgp_fingerprint_is_a_public_name(tmp_path: Path) -> None:
    fingerprint = "".join(RNG.choice("0123456789ABCDEF") for _ in range(40))
    assert_look_alike_pair(
        tmp_path,
        "Dockerfile",
        "SEC-022",
        f"FROM python:3.11\nENV GPG_KEY {fingerprint}\n",
        f"FROM python:3.11\nENV API_KEY {fingerprint}\n",
    )
    assert (
        failing(
            tmp_path / "c", "docs/release.md", f"$ gpg --keyserver keyserver.ubuntu.com --recv-keys {fingerprint}\n"
        )
        == []
    )
    assert example_value(fingerprint, "$ gpg --keyserver keyserver.ubuntu.com --recv-keys ") is not None
    assert example_value(fingerprint, "signing_secret = ") is None


def test_format_field_in_a_connection_string(tmp_path: Path) -> None:
    template = (
        '{{"value": "[format(\'{{0}}.redis.cache.windows.net:6380,password={pw},ssl=True\', '
        "parameters('cacheName'), listKeys(resourceId('Microsoft.Cache/redis', parameters('cacheName')), "
        "'2021-06-01').primaryKey)]\"}}\n"
    )
    assert_look_alike_pair(
        tmp_path, "deploy.json", "SEC-017", template.format(pw="{1}"), template.format(pw=drawn(RNG, 24))
    )


def test_name_of_the_variable_holding_a_passphrase(tmp_path: Path) -> None:
    step = "    - uses: actions/setup-java@v4\n      with:\n        gpg-passphrase: {}\n"
    assert_look_alike_pair(
        tmp_path,
        ".github/workflows/publish.yml",
        "SEC-017",
        step.format("ORG_GRADLE_PROJECT_signingInMemoryKeyPassword"),
        step.format(drawn(RNG, 20)),
    )
    # words joined by _ with no credential word, or with digits, are a passphrase, not a name
    assert example_value("Correct_Horse_Battery_Staple", "password: ") is None
    assert example_value("Summer_Holiday_Password_2024", "password: ") is None


def test_row_of_a_text_data_set_is_low(tmp_path: Path) -> None:
    prose = (
        "the client hangs when i call refresh after the proxy restarts, and then the next request fails with "
        "an error about the session that i cannot reproduce on my laptop, here is the config i used"
    )
    value = drawn(random.Random(31), 29) + "4k9"  # its own draw, with digits (a letters-only one reads as words)
    rows = "id,url,title,body\n" + "".join(f'{i},"https://example.com/{i}",bug {i},"{prose}"\n' for i in range(5))
    assert_look_alike_pair(
        tmp_path,
        "data/issues.csv",
        "SEC-017",
        rows + f'9,"https://example.com/9",auth bug,"{prose} password = {value}"\n',
        rows + f'9,"https://example.com/9",auth bug,"password = {value}"\n',
    )
    assert low_reason("1,a,b", "", path="data/issues.csv") is None


def test_keyword_inside_a_minified_bundle_output_is_low(tmp_path: Path) -> None:
    value = drawn(RNG, 24)
    bundle = "".join(f"function f{i}(t,e){{return t.v{i}=e}};var g{i}=(a)=>a+{i};" for i in range(100))
    html = {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/html": f"<script>{bundle}var c={{accessToken:'{value}'}};{bundle}</script>"},
    }
    assert_look_alike_pair(
        tmp_path,
        "nb.ipynb",
        "SEC-017",
        notebook("fig.show()", [html]),
        notebook(f"fig.show()\nc = {{'accessToken': '{value}'}}"),
    )


def test_keyword_inside_the_repositorys_own_bundle_still_fails(tmp_path: Path) -> None:
    # a built bundle committed to the repository (dist/app.min.js) ships its key to every visitor: not demoted
    value = drawn(RNG, 24)
    bundle = "".join(f"function f{i}(t,e){{return t.v{i}=e}};var g{i}=(a)=>a+{i};" for i in range(100))
    line = f"{bundle}var c={{accessToken:'{value}'}};{bundle}\n"
    assert "SEC-017" in failing(tmp_path, "dist/app.min.js", line)
    assert low_reason(line, "", path="dist/app.min.js") is None
    assert low_reason(line, "", path="nb.ipynb") is not None


def test_low_demotions_never_hide_a_provider_format_key(tmp_path: Path) -> None:
    # the data-row, bundle, Set-Cookie and shipped-defaults demotions are for generic rules only: a Stripe live key
    # in each of those places still fails by its own rule
    key = "sk_live_" + drawn(RNG, 24)
    prose = " ".join(["the client hangs when i call refresh after the proxy restarts"] * 4)
    bundle = "".join(f"function f{i}(t,e){{return t.v{i}=e}};" for i in range(100))
    html = {"output_type": "display_data", "metadata": {}, "data": {"text/html": f"<script>{bundle}k='{key}'</script>"}}
    places = {
        "data/issues.csv": f'9,"https://example.com/9",auth bug,"{prose} token = {key}"\n',
        "nb.ipynb": notebook("fig.show()", [html]),
        "README.md": f"HTTP/1.1 200 OK\nSet-Cookie: sid={key}; path=/\n",
        "config/default/app.yml": f"api_key: {key}\n",
    }
    for index, (name, text) in enumerate(places.items()):
        assert "SEC-007" in failing(tmp_path / str(index), name, text), name


def test_cookie_a_server_set_in_a_printed_response_is_low(tmp_path: Path) -> None:
    value = _run_id()
    line = (
        "HTTP response headers: HTTPHeaderDict({{'Content-Type': 'application/json', "
        "'Access-Control-Allow-Credentials': 'true', '{}': 'ka_sessionid={}; max-age=2626560; path=/'}})\n"
    )
    assert_look_alike_pair(
        tmp_path, "README.md", "SEC-018", line.format("Set-Cookie", value), line.format("X-Session-Token", value)
    )
