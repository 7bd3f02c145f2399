"""detect-secrets' own plugin test strings (Apache-2.0, see data/detect_secrets_cases.json) as a
regression corpus, labelled by the peer's expectations. Two modes: the default scanner (placeholders
and published examples suppressed) and the format-only mode (``suppress_placeholders=False``), which
is what the peer's per-plugin tests measure. Every miss and every false positive must be one of the
listed, explained divergences: a new one fails the test, a fixed one does not."""

from __future__ import annotations

import re

import pytest
from secrets_peer_corpus import Case, held_out_half, load, score

from mlsecure.findings import Severity
from mlsecure.secrets import SecretScanner

CASES = load("detect_secrets_cases")

# (plugin, regex on the text, why we differ from the peer's label)
DIVERGENT_MISSES = [
    ("keyword", r"^(?:db_pass|passwd|private_key|secret|password) = [^\"'`]",
     "an unquoted value after `=` in code is a variable or an expression; the peer labels the same unquoted "
     "`password = m{{h}o)p...` positive in .go and negative in .py/.js/.java/.c/.cs/.m/.swift/.tf (session 5: "
     "after `:=`, Go's declaration and Make's immediate assignment, text no language parses is reported)"),
    ("basic_auth", r"username:password@", "user:password in a URL is documentation syntax, not a provider's "
     "shape: not even a stand-in (library docstrings are full of postgresql://user:password@host)"),
]
# provider-shaped placeholders and key stubs: reported, at info (they do not fail a scan at --fail-on
# medium), so they count as found at "any report" and as missed at "medium and above"
STAND_INS = [
    ("artifactory", r"x{8}", "an x-filled Artifactory key"),
    ("twilio", r"x{8}", "an x-filled Twilio SID"),
    ("slack", r"x{8}", "an x-filled Slack webhook"),
    ("npm", r"npm_x+$", "an x-filled npm token"),
    ("aws_key", r"^[A-Z0-9]{4}Z{16}$|EXAMPLEKEY\"$",
     "a key id whose random part is one letter / AWS's published example key"),
    ("private_key", r"super secret private key here|yabba dabba doo", "a BEGIN line without base64 key material"),
]
DIVERGENT_FALSE_POSITIVES = [
    ("ibm_cloud_iam", r"^ibm-cloud-pwd = ",
     "a password assigned to a *-pwd name (the peer's own keyword plugin agrees)"),
    ("ibm_cos_hmac", r"secret_access_key\"?[:=] ?\"?1234567890abcdef.*extra",
     "a secret_access_key assignment: not the 48-hex COS shape, still a hard-coded secret"),
    ("npm", r"_authToken=743b294a", "an npm _authToken assignment without the registry prefix is still a token"),
]
FORMAT_MODE_FALSE_POSITIVES = [
    ("aws_key", r"EXAMPLEKEYa?\"$|EXAMPLEKE\"$", "the AWS example key (+/- a character) as a secret assignment"),
    ("artifactory", r"AP6xxxxxx$", "a password assignment (the value is a placeholder)"),
    ("cloudant", r"a-fake-tooshort-key", "a password assignment (the value is a placeholder)"),
    ("keyword", r"somefakekey|\$\{link\}", "placeholders: the peer passes keyword_exclude='.*fake.*'"),
]


def _explained(case: Case, table: list[tuple[str, str, str]]) -> bool:
    return any(case.plugin.startswith(plugin) and re.search(pattern, case.text) for plugin, pattern, _ in table)


def test_corpus_carries_its_licence_and_provenance() -> None:
    import json

    from secrets_peer_corpus import DATA

    document = json.loads((DATA / "detect_secrets_cases.json").read_text(encoding="utf-8"))
    assert "Apache License, Version 2.0" in document["notice"] and "Yelp" in document["notice"]
    assert re.fullmatch(r"[0-9a-f]{40}", document["commit"])
    assert all(c["source"].startswith("tests/plugins/") for c in document["cases"])
    assert len(CASES) == 643 and sum(c.expected for c in CASES) == 413


def test_default_scanner_on_detect_secrets_strings() -> None:
    result = score(CASES, SecretScanner())
    assert [c for c in result.misses if not _explained(c, DIVERGENT_MISSES)] == []
    assert [c for c in result.false_positives if not _explained(c, DIVERGENT_FALSE_POSITIVES)] == []
    # measured 2026-12-07 (session 5): 407/413 = 0.985 recall (31 of them info stand-ins / key stubs),
    # 7/230 = 0.030 false positives (round 4: 400; +7 unparseable values after Go's `:=`)
    assert result.found == 407 and result.flagged == 7
    above_info = score(CASES, SecretScanner(), at_least=Severity.LOW)
    assert [c for c in above_info.misses if not _explained(c, DIVERGENT_MISSES + STAND_INS)] == []
    # measured 2026-12-06 (round 4): 369/413 = 0.893 at medium and above (what fails a scan by default;
    # round 3: 370, round 2: 361). The 44 below medium: 29 provider-format stand-ins by decision
    # (docs/secrets.md "Placeholders and documented examples": x-filled Artifactory / Twilio / Slack /
    # npm tokens, AKIA/ASIA/ABIA/ACCA/A3T0 + 16 Z, AWS's example key), 2 key stubs, and the 13
    # divergent misses above
    failing = score(CASES, SecretScanner(), at_least=Severity.MEDIUM)
    # session 5: 376/413 = 0.910 (+7 unparseable values after `:=`)
    assert failing.found == 376 and failing.flagged == 7
    assert [c for c in failing.misses if not _explained(c, DIVERGENT_MISSES + STAND_INS)] == []


def test_format_only_mode_on_detect_secrets_strings() -> None:
    result = score(CASES, SecretScanner(suppress_placeholders=False))
    assert [c for c in result.misses if not _explained(c, DIVERGENT_MISSES)] == []
    assert [c for c in result.false_positives
            if not _explained(c, DIVERGENT_FALSE_POSITIVES + FORMAT_MODE_FALSE_POSITIVES)] == []
    # measured 2026-12-06 (round 3): 400/413 = 0.969 recall, 7/230 = 0.030 false positives (round 2: 16/230;
    # generic detectors' placeholders and ${VAR} references are now dropped in this mode too)
    assert result.found == 407 and result.flagged == 7  # session 5: +7 after `:=`
    # what fails a scan with --fail-on-placeholders at the default --fail-on medium: the target
    # (recall >= 0.95, false positives <= 0.05); measured 397/413 = 0.961, 7/230 = 0.030
    failing = score(CASES, SecretScanner(suppress_placeholders=False), at_least=Severity.MEDIUM)
    assert failing.found == 404 and failing.flagged == 7  # session 5: 404/413 = 0.978


@pytest.mark.parametrize("plugin", ["artifactory", "discord", "mailchimp_key", "pypi_token", "sendgrid",
                                    "telegram_token", "aws_key", "jwt", "gitlab_token", "github_token",
                                    "softlayer", "ibm_cloud_iam", "ibm_cos_hmac", "cloudant", "npm", "stripe_key",
                                    "openai", "square_oauth", "azure_storage_key", "high_entropy_strings"])
def test_each_provider_plugin_in_format_mode(plugin: str) -> None:
    """The providers the issue measured at 0/37 (and the shared ones): every positive found, no negative."""
    cases = [c for c in CASES if c.plugin.split(" ")[0] == plugin]
    result = score(cases, SecretScanner(suppress_placeholders=False))
    assert result.found == result.positives
    assert [c for c in result.false_positives
            if not _explained(c, DIVERGENT_FALSE_POSITIVES + FORMAT_MODE_FALSE_POSITIVES)] == []


GITLEAKS = load("gitleaks_cases")


def test_gitleaks_corpus_carries_its_licence_and_provenance() -> None:
    import json

    from secrets_peer_corpus import DATA

    document = json.loads((DATA / "gitleaks_cases.json").read_text(encoding="utf-8"))
    assert "MIT License" in document["notice"] and "Zachary Rice" in document["notice"]
    assert re.fullmatch(r"[0-9a-f]{40}", document["commit"])
    assert len(GITLEAKS) == 541 and len({c.plugin for c in GITLEAKS}) == 87


# gitleaks positives that do not fail a default scan (below medium), each with the reason (round 5)
GITLEAKS_BELOW_MEDIUM = [
    ("anthropic-admin-api-key", r"abc12fake", "a placeholder word (fake) in the value: info stand-in"),
    ("slack-legacy-bot-token", r"FaKe\"$", "a placeholder word (FaKe) in the value: info stand-in"),
    ("aws-amazon-bedrock", r"EXAMPLEEXAMPLE", "AWS's documented EXAMPLE marker: info stand-in"),
    ("curl-auth-user", r"\{ZqL5kVrX1n8tA2\}", "{name} reads as a template field: a reference, not reported"),
    ("gcp-service-account", r"^\"type\": \"service_account\"$", "the marker without key material: low"),
    ("jwt", r"eyJhbGciOieeei", "the header does not decode to JSON: not a JWT"),
    ("jwt", r"assertion=eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9|\"id_token\": \"eyJ4NXQi",
     "an expired RS256 token: its claims leak (low), its signature reveals nothing about the key"),
    ("messagebird-client-id", r"12345678-ABCD", "a client id (half a credential): low"),
    ("sumologic-access-id", r"\bsu[A-Za-z0-9]{12}\b", "an access id (half a credential): low"),
]
# gitleaks fps that fail a default scan (medium and above), each with the reason (round 5)
GITLEAKS_FAILING_FPS = [
    ("gcp-api-key", r"^AIza", "published Firebase example keys gitleaks allowlists by exact value (16)"),
    ("anthropic-api-key", r"sk-ant-admin01-", "an admin key: a credential, listed as an fp of the api-key rule"),
    ("clickhouse-cloud-api-secret-key", r"^key = adf4", "a 45-character random value assigned to key"),
    ("curl-auth-header", r"Basic eyJ", "a JWT sent in a Basic header is still a JWT (gitleaks' jwt rule agrees)"),
    ("databricks-api-token", r"DATABRICKS_TOKEN=dapi1234", "a token assignment just outside the dapi format"),
    ("generic-api-key", r"apiKey:\"6fe4", "32 hex characters assigned to apiKey"),
    ("mailchimp-api-key", r"3012a575", "a format-valid Mailchimp key passed as a call argument"),
    ("cisco-meraki-api-key", r"meraki", "hex assigned to a key / token name, just outside Meraki's format"),
    ("slack-user-token", r"\"token3\"", "32 hex after short Slack ids, assigned to a token name"),
    ("sourcegraph-access-token", r"sgp_5555", "the sgp_ prefix with a mixed-case body: format-valid"),
    ("sumologic-access-token", r"SUMO_ACCESS_KEY: AbCeFG123", "a letters-and-digits value assigned to a key"),
    ("aws-amazon-bedrock-api-key-short-lived", r"^bedrock-api-key-",
     "session 6 (SEC-024): a base64 value glued to an api-key name; only shorter than Bedrock's format"),
]


def test_default_scanner_on_gitleaks_rule_examples() -> None:
    """gitleaks' literal tps / fps: each rule's fps are labelled negative even where another rule (or
    our keyword heuristics) rightly sees a credential shape, so the false-positive rate is an upper bound."""
    result = score(GITLEAKS, SecretScanner())
    # measured 2026-12-06 (round 5): 248/251 = 0.988 recall, 57/290 = 0.197 false positives at any
    # severity (round 4: 247, 64): 30 of the 57 are x-filled / example tokens reported as info stand-ins;
    # curl's `-u test:test` / `username:token` placeholders are no longer reported (free-form values)
    # session 6: +2 flagged, a base64 value glued to `bedrock-api-key-` (SEC-024, see GITLEAKS_FAILING_FPS)
    # and an info stand-in `oktaKey = 000...0TUVWXYZ` (typed filler after a credential word)
    assert result.found == 248 and result.flagged == 59
    above_info = score(GITLEAKS, SecretScanner(), at_least=Severity.LOW)
    assert above_info.found == 245 and above_info.flagged == 28  # the CSRF authenticity_token is gone
    failing = score(GITLEAKS, SecretScanner(), at_least=Severity.MEDIUM)
    # measured 2026-12-06 (round 5): 237/251 = 0.944 recall, 27/290 = 0.093 false positives at medium and
    # above (round 4: 226/251, 27/290: +10 expired HS256 / HS512 JWTs, +1 getenv default); 16 of the 27
    # are valid-format Google API keys gitleaks allowlists by value (published in firebase-android-sdk;
    # we do not copy value lists): 11/274 = 0.040 without them
    assert failing.found == 237 and failing.flagged == 28
    gcp = [c for c in failing.false_positives if c.plugin == "gcp-api-key"]
    assert len(gcp) == 16
    assert [c for c in failing.misses if not _explained(c, GITLEAKS_BELOW_MEDIUM)] == []
    assert [c for c in failing.false_positives if not _explained(c, GITLEAKS_FAILING_FPS)] == []


@pytest.mark.parametrize(("corpus", "half", "expected"), [
    # (found, positives, flagged, negatives) at medium and above. Round 4 read and fixed the tuned half only
    # (held-out gitleaks half then: 115/133); round 5 read both halves' misses (the expired-JWT decision
    # and getenv defaults came from the held-out half), so neither half is held out any more: trufflehog's
    # pattern tests are the held-out set now (benchmarks/secrets.md). Measured 2026-12-06 (round 5).
    ("detect_secrets_cases", False, (263, 296, 2, 178)),  # session 5: +7 after Go's `:=`
    ("detect_secrets_cases", True, (113, 117, 5, 52)),
    ("gitleaks_cases", False, (111, 118, 24, 146)),
    ("gitleaks_cases", True, (126, 133, 4, 144)),  # session 6: +1 `bedrock-api-key-<base64>` (SEC-024)
])
def test_tuned_and_held_out_halves(corpus: str, half: bool, expected: tuple[int, int, int, int]) -> None:
    cases = [c for c in (CASES if corpus.startswith("detect") else GITLEAKS) if held_out_half(c.plugin) == half]
    result = score(cases, SecretScanner(), at_least=Severity.MEDIUM)
    assert (result.found, result.positives, result.flagged, result.negatives) == expected


NOSEYPARKER = load("noseyparker_cases")


def test_noseyparker_corpus_carries_its_licence_and_provenance() -> None:
    import json

    from secrets_peer_corpus import DATA

    document = json.loads((DATA / "noseyparker_cases.json").read_text(encoding="utf-8"))
    assert document["licence"].startswith("Apache-2.0") and "Praetorian" in document["licence"]
    assert re.fullmatch(r"[0-9a-f]{40}", document["commit"])
    assert all(c["source"].startswith("crates/noseyparker/data/default/builtin/rules/") for c in document["cases"])
    assert len(NOSEYPARKER) == 501 and sum(c.expected for c in NOSEYPARKER) == 397


@pytest.mark.parametrize(("half", "expected"), [
    # (found, positives, flagged, negatives) at medium and above, measured 2026-12-07 (session 5). Held out
    # when first run (before any change: even 149/205 with 10/56 flagged, odd 109/192 with 9/48); the even
    # half was then read and fixed, the odd half is only measured (benchmarks/secrets.md, corpus 1d)
    # session 6 (SEC-024, written from Kingfisher's dev half): even +1 flagged, `license_key: <40 chars>`
    # (a New Relic license key Nosey Parker lists as a negative of its NRAK rule only); odd 118 -> 140,
    # mostly from the gap classes session 5 listed from the odd half's misses
    # (Django keys, dotenv passwords, Tavily / Twitch / TrueNAS / Azure DevOps 84 / NRAL formats...), so
    # the odd half is no longer held out for those classes: Kingfisher's held-out half is
    # session 8: odd +2, two of np.dtrack.1's three examples (SEC-291, Dependency-Track odt_ + 32; the third
    # has 36 characters, a length Alpine's ApiKeyGenerator does not issue)
    (False, (183, 205, 8, 56)),
    (True, (142, 192, 9, 48)),
])
def test_noseyparker_halves(half: bool, expected: tuple[int, int, int, int]) -> None:
    cases = [c for c in NOSEYPARKER if held_out_half(c.plugin) == half]
    result = score(cases, SecretScanner(), at_least=Severity.MEDIUM)
    assert (result.found, result.positives, result.flagged, result.negatives) == expected


KINGFISHER = load("kingfisher_cases")


def test_kingfisher_corpus_carries_its_licence_and_provenance() -> None:
    import json

    from secrets_peer_corpus import DATA, kingfisher_half

    document = json.loads((DATA / "kingfisher_cases.json").read_text(encoding="utf-8"))
    assert document["licence"].startswith("Apache-2.0") and "MongoDB" in document["licence"]
    assert re.fullmatch(r"[0-9a-f]{40}", document["commit"])
    assert all(c["source"].startswith("data/rules/") and c["half"] == kingfisher_half(c["source"])
               for c in document["cases"])
    assert len(KINGFISHER) == 1388 and sum(c.expected for c in KINGFISHER) == 1367


@pytest.mark.parametrize(("half", "at_least", "floor", "ceiling"), [
    # (half, severity, found at least, flagged at most). Split by the sha256 of the rule file's name before
    # any string was read (session 6); only the dev half's misses were read. Before session 6's changes:
    # dev 339/688 (any report 343), held-out 367/679 (any report 370), 1/8 and 1/13 flagged.
    # Measured 2026-12-07 (session 6): dev 425/688 at medium, 566/688 any report; held-out 417/679 at
    # medium, 542/679 any report; flagged 1/8 (dev: literal keys in a Twitter OAuth(...) call) and 1/13 (not read)
    # Session 6, round 2 (a drawn piece beside a typed run is a key, not a stand-in): dev 427, held-out 419
    # Session 7 (false positives on real ML repositories): dev any report 566 -> 565 (an x-free
    # 'YOUR_..._CLIENT_SECRET_GOES_HERE_...' placeholder, info before, now no report: its pieces name a
    # credential); held-out 419 -> 418 and 542 -> 541 (one SEC-017 value now read as typed filler,
    # abc/123 runs; diagnosed by its rule id after the change, the rule kept)
    ("dev", Severity.MEDIUM, 427, 1),
    ("dev", Severity.INFO, 565, 1),
    ("held-out", Severity.MEDIUM, 418, 1),
    ("held-out", Severity.INFO, 541, 1),
])
def test_kingfisher_halves(half: str, at_least: Severity, floor: int, ceiling: int) -> None:
    from secrets_peer_corpus import kingfisher_half

    cases = [c for c in KINGFISHER if kingfisher_half(c.source) == half]
    result = score(cases, SecretScanner(), at_least=at_least)
    assert result.found >= floor and result.flagged <= ceiling, (result.found, result.flagged)
