"""Session 8 (peer corpora): Dependency-Track ``odt_`` keys, the false-positive classes of
``mlsecure.secrets.peer_fp`` (each with drawn twins that must still fail), the trufflehog extractor's
``want: <variable>`` labels, and the classes we deliberately keep reporting although a peer labels them
negative (benchmarks/secrets.md, "Session 8"). Values are drawn by ``rules.sample`` (never real credentials)."""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from mlsecure.findings import Severity
from mlsecure.secrets.detectors.single_case import letters_draw, single_case_draw
from mlsecure.secrets.peer_fp import foreign_value, prefix_only, query_without_secret
from mlsecure.secrets.rules import ALNUM, LOWER_ALNUM, RULES, sample
from mlsecure.secrets.scanner import SecretScanner
from mlsecure.secrets.walk import file_kind

DRAWN = sample(ALNUM, 32, "s8-drawn")
_SCANNER = SecretScanner()


def _failing(text: str, path: str = "notes.txt") -> list[tuple[str, Severity]]:
    """(rule, severity) of what fails a default scan (>= medium)."""
    return [(f.rule_id, f.severity) for f in _SCANNER.scan_text(text, path=path, kind=file_kind(Path(path)))
            if f.severity >= Severity.MEDIUM]


# --- Dependency-Track API keys ------------------------------------------------------------------------

def _dtrack() -> str:
    return next(r.rule_id for r in RULES if r.provider == "Dependency-Track")


def test_session_8_rules_are_appended_with_the_next_ids() -> None:
    assert _dtrack() == "SEC-291"
    assert [(r.rule_id, r.provider) for r in RULES[-3:]] == [("SEC-291", "Dependency-Track"), ("SEC-292", "Azure"),
                                                              ("SEC-293", "SpectralOps")]


@pytest.mark.parametrize("key", [
    "odt_" + sample(ALNUM, 32, "dt-legacy"),  # Alpine < 3.2.0 (Dependency-Track 4.9-4.12): prefix + 32
    "odt_" + sample(ALNUM, 8, "dt-id") + "_" + sample(ALNUM, 32, "dt-secret"),  # Alpine 3.2.0+: + public id + _
])
def test_dependency_track_key_formats_are_high(key: str) -> None:
    assert len(key) in (36, 45)
    for text in (key, f'DTRACK_API_KEY="{key}"', f"curl -H 'X-Api-Key: {key}' https://dtrack.example.org/api/v1/project"):
        assert (_dtrack(), Severity.HIGH) in _failing(text)


@pytest.mark.parametrize("text", [
    "odt_" + sample(ALNUM, 31, "dt-short"),  # one short
    "odt_" + sample(ALNUM, 33, "dt-long"),  # one long: Alpine's keys are exactly 32 (ApiKey.API_KEY_LENGTH)
    "odt_" + sample(ALNUM, 8, "dt-id") + "-" + sample(ALNUM, 32, "dt-secret"),  # wrong separator
    "xodt_" + sample(ALNUM, 32, "dt-legacy"),  # inside a longer name
    'export_format = "odt_structure_or_data"',  # phpMyAdmin's OpenDocument export options
    "tool: odt_read_task",
])
def test_dependency_track_look_alikes_are_not_the_rule(text: str) -> None:
    assert all(rule != _dtrack() for rule, _ in _failing(text))


def test_dependency_track_filler_key_is_an_info_stand_in() -> None:
    found = _SCANNER.scan_text("odt_" + "a" * 32, path="x.env")
    assert [(f.rule_id, f.severity) for f in found] == [(_dtrack(), Severity.INFO)]


# --- a provider's prefix alone ------------------------------------------------------------------------

@pytest.mark.parametrize("prefix", ["CFPAT-", "cfpat-", "npm_", "odt_", "tvly-", "pcsk_"])
def test_a_prefix_alone_is_an_empty_slot(prefix: str) -> None:
    assert prefix_only(prefix)
    assert _failing(f'contentful_access_token: "{prefix}"', "config.yaml") == []


@pytest.mark.parametrize("value", ["hunter_", "secret-", "CFPAT-x", "CFPAT-" + DRAWN, "npm__"])
def test_prefix_only_needs_exactly_a_rule_prefix(value: str) -> None:
    assert not prefix_only(value)


def test_a_prefix_with_a_drawn_body_still_fails() -> None:
    token = "CFPAT-" + sample(ALNUM + "-_", 43, "s8-cfpat")
    assert _failing(f'contentful_access_token: "{token}"', "config.yaml")
    assert _failing('api_secret: "hunter_2x"', "config.yaml")  # a typed password ending in "_" is a password


# --- a value that belongs to a name saying where ------------------------------------------------------

@pytest.mark.parametrize("line", [
    f"keenio key = '{DRAWN}' domain: '{sample(LOWER_ALNUM, 24, 's8-dom')}'",
    f"provider key = '{DRAWN}' url = '{sample(LOWER_ALNUM, 24, 's8-url')}'",
    f"api_key={DRAWN} host={sample(LOWER_ALNUM, 24, 's8-host')}",
])
def test_the_location_value_is_not_reported_but_the_key_is(line: str) -> None:
    found = _SCANNER.scan_text(line, path="sample.txt")
    failing = [line[f.offset:f.offset + f.length] for f in found if f.severity >= Severity.MEDIUM]
    assert failing == [DRAWN]


def test_foreign_value_needs_a_location_name_right_before() -> None:
    text = f"secret: '{DRAWN}'"
    assert not foreign_value("SEC-017", text, text.index(DRAWN))
    text = f"domain: '{DRAWN}'"
    assert foreign_value("SEC-018", text, text.index(DRAWN))
    assert not foreign_value("SEC-014", text, text.index(DRAWN))  # provider formats are never re-read
    text = f"mydomain_key: '{DRAWN}'"  # the name ends in a credential word
    assert not foreign_value("SEC-017", text, text.index(DRAWN))


def test_a_secret_on_a_line_that_also_names_a_domain_still_fails() -> None:
    assert _failing(f"domain: example.org  token: '{DRAWN}'", "settings.yaml")


# --- a query string whose parameters name no secret ----------------------------------------------------

SAS = "sp=rqx&st=2025-03-04T07:24:52Z&se=2025-04-04T15:24:52Z&spr=https&sv=2022-11-02&sr=c"


def test_sas_parameters_without_a_signature_hold_no_secret() -> None:
    assert query_without_secret(SAS)
    assert _failing(f"AZURE_BLOB_SAS_TOKEN={SAS}", ".env") == []


def test_sas_token_with_its_signature_still_fails() -> None:
    signed = SAS + "&sig=" + sample(ALNUM, 43, "s8-sig") + "%3D"
    assert not query_without_secret(signed)
    assert _failing(f"AZURE_BLOB_SAS_TOKEN={signed}", ".env")


@pytest.mark.parametrize("value", ["a=1&b=2", DRAWN, "user=me&token=" + DRAWN + "&x=1", "k=v&k2=v2&api_key=" + DRAWN])
def test_query_without_secret_look_alikes(value: str) -> None:
    assert not query_without_secret(value)


# --- decisions kept: a peer's negative we still report --------------------------------------------------

@pytest.mark.parametrize("text", [
    f"[DEBUG] Using API_KEY={sample(LOWER_ALNUM, 32, 's8-log')}",  # a key printed to a log is leaked
    f"= '{sample(ALNUM, 64, 's8-noname')}'",  # a drawn 64-character literal with no name (SEC-019)
    "client_secret=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",  # counted filler: trufflehog labels it both ways
    'secret: "abcd1234abcd1234abcd1234ABCD1234ABCD1234"',  # detect-secrets labels the same shape positive
])
def test_kept_decisions(text: str) -> None:
    assert _failing(text)


# --- the trufflehog extractor: ``want: <package variable>`` -------------------------------------------

def _extractor() -> ModuleType:
    path = Path(__file__).parent / "data" / "extract_trufflehog.py"
    spec = importlib.util.spec_from_file_location("extract_trufflehog_s8", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GO_TEST = '''package example

var (
	validPattern = `example_key: "q8Zr2LmX0pVt7sKdW3nB"`
	secrets = []string{
		"q8Zr2LmX0pVt7sKdW3nB",
		"other:q8Zr2LmX0pVt7sKdW3nB",
	}
	none = []string{}
)

func TestExample_Pattern(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{
			name:  "valid pattern",
			input: validPattern,
			want:  secrets,
		},
		{
			name:  "empty list variable",
			input: validPattern + " x",
			want:  none,
		},
		{
			name:  "a variable we do not know",
			input: validPattern + " y",
			want:  elsewhere,
		},
		{
			name:  "nil",
			input: validPattern + " z",
			want:  nil,
		},
	}
}
'''


def test_extractor_resolves_want_variables() -> None:
    assert list(_extractor().cases_of(GO_TEST)) == [
        ('example_key: "q8Zr2LmX0pVt7sKdW3nB"', True),
        ('example_key: "q8Zr2LmX0pVt7sKdW3nB" x', False),
        None,  # skipped, never guessed
        ('example_key: "q8Zr2LmX0pVt7sKdW3nB" z', False),
    ]


# --- single-case and letters-only draws (detectors/single_case.py) -------------------------------------
UPPER36 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@pytest.mark.parametrize(("value", "expected"), [
    ("X7W8HTTHLVYXPPVRZJZS", True),  # Eventbrite's shape ([0-9A-Z]{20}), digits in two places
    ("k7tqzm2xwhpvbnrdfgjs", True),
    ("tokenizer2config3layers", False),  # words
    ("SERVICE2ACCOUNT3NAME", False),  # upper-case words
    ("X7WQHTTHLVYXPPVRZJZS", False),  # one digit place: left to the older rule
    ("X7W8HTTHLVYX", False),  # short
    ("x7W8HTTHLVYXPPVRZJZS", False),  # mixed case: not this shape
])
def test_single_case_draw(value: str, expected: bool) -> None:
    assert single_case_draw(value) is expected


@pytest.mark.parametrize(("value", "expected"), [
    ("DjayBenyJrtpvydFCzAphcqc", True),
    ("MyServiceAccountNameHere", False),  # CamelCase: one case change per word
    ("HTTPServerConfigurationURL", False),
    ("djaybenyjrtpvydfczaphcqc", False),  # one case
    ("DjayBenyJrtpvydFCz", False),  # short
    ("DjayBenyJrtpvydFCzAphcqc1", False),  # a digit: the base62 rules judge it
])
def test_letters_draw(value: str, expected: bool) -> None:
    assert letters_draw(value) is expected


def _loose_rate(alphabet: str, length: int, salt: str, n: int = 120) -> float:
    hits = 0
    for i in range(n):
        value = sample(alphabet, length, f"{salt}{i}")
        text = f"acme secret {value}"
        hits += any(text[f.offset:f.offset + f.length] == value for f in _SCANNER.scan_text(text, path="notes.txt")
                    if f.severity >= Severity.MEDIUM)
    return hits / n


def test_single_case_and_letters_only_draws_after_a_credential_word_fail() -> None:
    # these draws before session 8: upper-case base36 of 20 characters 0.93, of 24 0.93, letters only 0.00;
    # after: 0.975, 0.99, 0.89
    assert _loose_rate(UPPER36, 20, "s8-u20-") >= 0.95
    assert _loose_rate(UPPER36, 24, "s8-u24-") >= 0.97
    assert _loose_rate(LETTERS, 24, "s8-l24-") >= 0.75


@pytest.mark.parametrize("text", [
    "the secret MyServiceAccountNameHere is rotated daily",
    "token TokenizerConfigurationLoader",
    "secret SERVICEACCOUNTNAME",
    "access ReadWriteAdministratorRole",
    "private KEY_MATERIAL_FROM_VAULT",
])
def test_names_after_a_credential_word_stay_silent(text: str) -> None:
    assert _failing(text) == []


def test_eventbrite_shape_in_loose_syntax_fails() -> None:
    assert ("SEC-024", Severity.MEDIUM) in _failing("eventbrite secretkey X7W8HTTHLVYXPPVRZJZS")


def test_letters_only_key_under_a_key_name_fails() -> None:
    # Kingfisher's atlassian.yml example shape: 24 letters, both cases, no digit (one base62 draw in ~70)
    value = sample(LETTERS, 24, "s8-atl")
    assert letters_draw(value)
    assert _failing(f'Atlassian_key = "{value}"', "sample.txt")


# --- Azure shared access signatures (SEC-292) ------------------------------------------------------------

SIG = sample(ALNUM, 40, "s8-sig") + "%2B" + sample(ALNUM, 3, "s8-sig2") + "%3D"


@pytest.mark.parametrize("text", [
    f"https://acct.blob.core.windows.net/models?sv=2023-01-03&st=2025-06-18T08%3A45%3A11Z&se=2030-06-19T08%3A45%3A11Z"
    f"&sr=c&sp=r&sig={SIG}",
    f'AZURE_SAS = "sp=racwl&st=2025-03-04T07:24:52Z&se=2030-04-04T15:24:52Z&spr=https&sv=2022-11-02&sr=c&sig={SIG}"',
    f"Endpoint=sb://ns.servicebus.windows.net/;SharedAccessSignature=SharedAccessSignature "
    f"sr=https%3a%2f%2fns.servicebus.windows.net%2f&sig={SIG}&se=1893456000&skn=RootManageSharedAccessKey",
])
def test_sas_signatures_with_their_version_or_key_name_are_high(text: str) -> None:
    assert ("SEC-292", Severity.HIGH) in _failing(text)


@pytest.mark.parametrize("text", [
    f"https://cdn.example.org/file?sig={SIG}&exp=1893456000",  # another service's signed URL: low, not failing
    "https://acct.blob.core.windows.net/c?sv=2023-01-03&sr=c&sp=r&sig=" + sample(ALNUM, 20, "s8-short"),
    f"https://acct.blob.core.windows.net/c?sv=2023-01-03&sr=c&sp=r&sig2={SIG}",
    "https://acct.blob.core.windows.net/c?sv=2023-01-03&sr=c&sp=r&sig=<signature>",
])
def test_sas_look_alikes_do_not_fail_as_sas(text: str) -> None:
    assert all(rule != "SEC-292" for rule, _ in _failing(text))


def test_spectralops_token_and_look_alikes() -> None:
    token = "spu-" + sample(LOWER_ALNUM, 32, "s8-spu")
    assert ("SEC-293", Severity.HIGH) in _failing(f"[DEBUG] Using token {token}")
    assert all(r != "SEC-293" for r, _ in _failing(f"[DEBUG] Using token {token.upper()}"))  # upper case
    assert all(r != "SEC-293" for r, _ in _failing(f"[DEBUG] Using token {token}x9"))  # too long
    found = _SCANNER.scan_text("SPECTRAL_API_KEY=spu-" + "a" * 32, path=".env")
    assert [(f.rule_id, f.severity) for f in found] == [("SEC-293", Severity.INFO)]  # filler: a stand-in


# --- Docker / Podman config auth fields (SEC-028) ---------------------------------------------------------

def _docker_config(user: str, password: str) -> str:
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    return json.dumps({"auths": {"registry.example.com": {"auth": auth}}}, indent=2)


def test_docker_config_login_is_high() -> None:
    found = _SCANNER.scan_text(_docker_config("robot$ci", DRAWN), path=".docker/config.json")
    assert [(f.rule_id, f.severity, f.details["user"]) for f in found] == [("SEC-028", Severity.HIGH, "robot$ci")]


def test_docker_config_json_key_login_is_critical() -> None:
    body = sample(ALNUM + "+/", 128, "s8-sa")
    key_file = json.dumps({"type": "service_account", "private_key":
                           f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"})
    found = _SCANNER.scan_text(_docker_config("_json_key", key_file), path="config.json")
    assert [(f.rule_id, f.severity) for f in found] == [("SEC-028", Severity.CRITICAL)]


@pytest.mark.parametrize(("user", "password"), [("user", "password"), ("ci", "${REGISTRY_PASSWORD}"),
                                                ("ci", "<token>"), ("ci", "")])
def test_docker_config_placeholders_are_silent(user: str, password: str) -> None:
    assert _SCANNER.scan_text(_docker_config(user, password), path="config.json") == []


def test_docker_config_auth_that_is_no_login_is_left_to_other_rules() -> None:
    text = '{"auth": "' + base64.b64encode(DRAWN.encode()).decode() + '"}'  # no colon: not user:password
    assert all(f.rule_id != "SEC-028" for f in _SCANNER.scan_text(text, path="config.json"))
