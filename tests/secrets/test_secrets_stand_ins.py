"""Which provider-shaped values fail a scan, and which are reported at info as stand-ins (docs/secrets.md,
"Placeholders and documented examples"): a value fails when its random part could have been drawn;
a documented example value, a masked value and a random part without randomness are info, in every
file; a real-format token in a test or fixture file is reported at its rule's severity."""

from __future__ import annotations

import base64
import random
import string

import pytest

from mlsecure.findings import Severity
from mlsecure.secrets import SecretScanner
from mlsecure.secrets.allowlist import filler_body
from mlsecure.secrets.detectors.table import ProviderRules
from mlsecure.secrets.interface import FileKind
from mlsecure.secrets.rules import RULES, _leading_literals

RNG = random.Random(7)


def _drawn(alphabet: str, n: int) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def _severities(text: str, path: str = "config.py", **options: bool) -> list[Severity]:
    return [f.severity for f in SecretScanner(**options).scan_text(text, path=path, kind=FileKind.CODE)]


@pytest.mark.parametrize("text", [
    'aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"',  # the AWS documentation's example key id
    'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
    'NPM_TOKEN = "npm_' + "x" * 36 + '"',  # masked
    'artifactory = "AKC' + "x" * 20 + '"',
    'key_id = "AKIA' + "Z" * 16 + '"',  # no randomness after the prefix
    'runner = "GR1348941' + "123" * 6 + '12"',  # a periodic tail after a prefix the splitter does not know
])
def test_stand_ins_are_info_in_any_file_and_fail_only_with_fail_on_placeholders(text: str) -> None:
    for path in ("settings.py", "tests/test_client.py", ".env.example"):
        assert _severities(text, path) == [Severity.INFO], (text, path)
    assert max(_severities(text, suppress_placeholders=False)) >= Severity.MEDIUM


@pytest.mark.parametrize("text", [
    'key_id = "AKIA' + _drawn(string.ascii_uppercase[:26] + "234567", 16) + '"',
    'token = "glpat-' + _drawn(string.ascii_letters + string.digits, 20) + '"',
    'stripe.api_key = "sk_test_' + _drawn(string.ascii_letters + string.digits, 24) + '"',
])
def test_real_format_tokens_fail_even_in_test_files(text: str) -> None:
    for path in ("settings.py", "tests/test_client.py", "tests/fixtures/conf.py"):
        assert max(_severities(text, path)) >= Severity.MEDIUM, (text, path)


def test_filler_body_separates_drawn_from_typed_random_parts() -> None:
    assert filler_body("GR1348941" + "123" * 7) and filler_body("xoxp-1234567890") and filler_body("sk_abcdefghij")
    # a token whose random part ends in a short run, and typed-looking ids before a random part, are drawn
    drawn = _drawn(string.ascii_letters + string.digits, 30)
    assert not filler_body("ghp_" + drawn) and not filler_body("glpat-" + drawn[:14] + "000000")
    assert not filler_body("xoxa-2-511111111-31111111111-3111111111111-e039d02840a0b9379c")
    assert not filler_body("sgp_" + drawn[:10] + "a" * 12)  # a tail of at most 14 is not 16
    assert not filler_body("12345678")  # no prefix: a weak password, reported by the keyword rule
    assert _severities('db_password = "12345678"', "settings.py") == [Severity.MEDIUM]


def test_keywords_cover_every_alternative_of_a_prefix() -> None:
    assert _leading_literals("EAA[MC]") == ("eaa",)  # a shared stem of 3+ characters stands for both
    assert _leading_literals("(?:EAAA|sq0atp-)") == ("eaaa", "sq0atp-")
    assert _leading_literals("shp(?:at|ca|pa|ss)_") == ("shp",)
    assert _leading_literals("do[por]_v1_") == ("dop_v1_", "doo_v1_", "dor_v1_")  # "do" is too common
    assert _leading_literals("fm[12][ar]?_") == ("fm1", "fm2")
    assert _leading_literals("[A-Za-z0-9]{14}\\.atlasv1\\.") == (".atlasv1.",)
    assert _leading_literals("dt0c01\\.") == ("dt0c01.",)
    # every rule's keywords appear in its examples, in each form the prefix allows
    for rule in RULES:
        for example in (rule.example, *rule.extra_examples):
            assert any(k in example.lower() for k in rule.keywords), (rule.rule_id, example)
            found = [c for c in ProviderRules([rule]).find(example, kind=FileKind.TEXT) if not c.rejected]
            assert found, (rule.rule_id, example)


@pytest.mark.parametrize("token", ["EAAC" + _drawn(string.ascii_letters + string.digits, 110),
                                   "EAAM" + _drawn(string.ascii_letters + string.digits, 150)])
def test_facebook_page_tokens_of_both_prefixes(token: str) -> None:
    (finding,) = SecretScanner().scan_text(f'FACEBOOK_TOKEN: "{token}"', kind=FileKind.CONFIG)
    assert finding.title == "Facebook page access token" and finding.severity == Severity.HIGH


def test_basic_credentials_decode_to_user_and_password() -> None:
    pair = base64.b64encode(b"deploy:" + _drawn(string.ascii_letters, 6).encode()).decode()
    assert _severities(f"curl -H 'Authorization: Basic {pair}' https://x.org") == [Severity.HIGH]
    key_only = base64.b64encode(b"browser:").decode()  # an API key sent as the user name
    assert _severities(f"curl -H 'Authorization: Basic {key_only}' https://x.org") == [Severity.HIGH]
    not_a_pair = base64.b64encode(b"nocolon").decode()
    assert _severities(f"curl -H 'Authorization: Basic {not_a_pair}' https://x.org") == []
    assert _severities("curl -H 'Authorization: Basic ...' https://x.org") == []


@pytest.mark.parametrize(("command", "found"), [
    ("curl --user kevin:'" + _drawn(string.ascii_letters + string.digits, 16) + "' -X PATCH", True),
    ('curl -u "deploy":"' + _drawn(string.ascii_letters + string.digits, 14) + '" https://x.org', True),
    ('curl -u "' + _drawn(string.ascii_letters + string.digits, 12) + '7:" https://localhost:9200', True),
    ('curl -u "${username}":"${password}" https://x.org', False),
    ('curl -u "myusername" https://x.org', False),
    ('curl -u "admin:" https://x.org', False),
    ("curl -u <user:password> https://x.org", False),
])
def test_curl_user_credentials(command: str, found: bool) -> None:
    assert bool([s for s in _severities(command) if s >= Severity.MEDIUM]) == found


@pytest.mark.parametrize("text", [
    "curl -i -u 'test:test' https://api.example.org",  # gitleaks' curl-auth-user fps
    "curl -u username:token https://api.example.org",
    'curl --user "xxx:yyy" https://api.example.org',
    "curl --user neo4j:[PASSWORD] http://[IP]:7474/db/data/",
])
@pytest.mark.parametrize("fail_on_placeholders", [False, True])
def test_typed_placeholders_in_free_form_values_are_not_reported(text: str, fail_on_placeholders: bool) -> None:
    """A curl -u password is whatever a person typed, not a provider's drawn format: its placeholders are
    dropped like a generic password's (round 4 reported them as info stand-ins), in both modes."""
    assert _severities(text, "run.sh", suppress_placeholders=not fail_on_placeholders) == []


def test_a_drawn_curl_password_still_fails() -> None:
    drawn = "q8Zr2LmX0pVt7sKdW3"
    assert _severities(f"curl -u 'deploy:{drawn}' https://api.example.org", "run.sh") == [Severity.HIGH]


@pytest.mark.parametrize(("text", "expected"), [
    # a hard-coded fallback of an environment lookup (gitleaks' generic-api-key tps, Django's settings)
    ('tok := utils.GetEnvOrDefault("api_token", "dafa7817-e246-48f3-91a7-e87653d587b8")', [Severity.MEDIUM]),
    ('API_KEY = os.getenv("OPENAI_API_KEY", "q8Zr2LmX0pVt7sKdW3nB")', [Severity.MEDIUM]),
    ('SECRET_KEY = os.environ.setdefault("DJANGO_SECRET_KEY", "d7f!k2@p#s9qz$w8&h3m^v0r")', [Severity.MEDIUM]),
    # labels, placeholders and references are not fallbacks
    ('label = _("password", "Mot de passe")', []),
    ('CHOICES = (("token", "Token"), ("password", "Password"))', []),
    ('API_KEY = os.getenv("OPENAI_API_KEY", "your-api-key-here")', []),
    ('API_KEY = os.getenv("OPENAI_API_KEY", "${OPENAI_API_KEY}")', []),
    ('name = os.getenv("MODEL_NAME", "meta-llama/Llama-2-7b-hf")', []),
])
def test_secret_named_getter_defaults(text: str, expected: list[Severity]) -> None:
    assert _severities(text, "settings.py") == expected


def test_anti_forgery_fields_are_public_for_the_keywordless_rule_too() -> None:
    """A Rails authenticity_token (gitleaks' flyio fps) is in every page the server sends."""
    value = "7SWa-Fo1_hsC6oovfBsJFLGPUl2EhkSWPbJhWANwgaJWBDl1vxd9VNqXTNAefsJqzIRYaZEfYZLffa31rw8zJA"
    html = f'<input type="hidden" name="authenticity_token" value="{value}" autocomplete="off">'
    assert SecretScanner().scan_text(html, path="page.html", kind=FileKind.TEXT) == []
    # the same value with no anti-forgery context is still a keyword-less random literal (medium)
    assert [f.rule_id for f in SecretScanner().scan_text(f'<input value="{value}">', path="page.html",
                                                          kind=FileKind.TEXT)] == ["SEC-019"]


def test_name_pairs_in_a_table_are_not_getter_defaults() -> None:
    """transformers' auto mappings pair model names, some holding "token" (3d's first run, round 5)."""
    text = 'MAPPING = OrderedDict([\n    ("qwen2_5_omni_token2wav", "qwen2_5_omni"),\n])\n'
    assert _severities(text, "auto_mappings.py") == []
