# ruff: noqa: E501  # a data table: one rule per entry, regexes unwrapped so they read as the provider documents them
"""Provider token formats as data: one ``Rule`` per credential kind, run by ``detectors/table.py``.

No maintained rules package exists on PyPI (checked 2026-12: ``trufflehogregexes`` last released 2018,
``gitleaks-py`` 2022 and a binary wrapper; detect-secrets, ggshield, whispers are scanners, not rule
data), so each rule is written from the provider's documented token shape; ``doc`` names where the
shape is documented (the provider's page, or the public scanner rule that documents it when the
provider does not). Two constructors keep rules uniform: ``prefixed`` (a fixed, documented prefix and
a body alphabet / length: precise on its own) and ``keyed`` (a provider name in the assignment's key
plus a value of the documented alphabet / length: gitleaks' "semi-generic" shape).

Every regex here uses only bounded or single-class quantifiers next to each other on disjoint sets, so
matching is linear in the text; ``tests/secrets/test_secrets_rules.py`` checks each rule (compiles,
matches its example, rejects its negatives, and stays fast on 100 kB adversarial inputs).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from mlsecure.findings import Severity

HEX = "0123456789abcdef"
HEX_UP = "0123456789ABCDEF"
DIGITS = "0123456789"
LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
URLSAFE = ALNUM + "-_"
B64 = ALNUM + "+/"
DJANGO_SECRET_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)"


def sample(alphabet: str, n: int, salt: str) -> str:
    """A deterministic pseudo-random string for examples (never a real credential)."""
    out: list[str] = []
    counter = 0
    while len(out) < n:
        digest = hashlib.sha256(f"{salt}:{counter}".encode()).digest()
        out.extend(alphabet[b % len(alphabet)] for b in digest)
        counter += 1
    return "".join(out[:n])


@dataclass(frozen=True)
class Rule:
    """One credential kind: ``pattern``'s group ``group`` is the secret; ``keywords`` (lower case) pre-filter."""

    rule_id: str
    name: str
    provider: str
    pattern: str
    keywords: tuple[str, ...]
    example: str
    negatives: tuple[str, ...]
    doc: str
    severity: Severity = Severity.HIGH
    group: int = 1
    min_entropy: float = 0.0
    flags: int = 0
    not_after: str = ""
    context: str = ""
    """A regex that must also match somewhere in the same text for the rule's severity; without it a
    match is reported as low (a marker that only matters next to what it marks)."""
    reject_identifiers: bool = False
    """Drop matches that read as CamelCase identifiers (two capitalised words, no digit): APActivationPayload."""
    """A character class the character before the match must not belong to (checked in Python, so
    that the pattern starts with its literal prefix and ``re`` can skip ahead to it)."""
    description: str = ""
    free_form: bool = False
    """The value is typed by a person (curl's ``-u user:password``, an Authorization value), not drawn by
    a provider: its placeholders are dropped, not reported as info stand-ins (``Candidate.free_form``)."""
    extra_examples: tuple[str, ...] = field(default_factory=tuple)
    check: Callable[[str], bool] | None = None
    """A structural check of the captured value (Basic credentials decode to ``user:password``);
    a value that fails it is dropped."""

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern, self.flags)

    @cached_property
    def boundary(self) -> re.Pattern[str] | None:
        return re.compile(self.not_after) if self.not_after else None

    @property
    def title(self) -> str:
        return f"{self.provider} {self.name.replace('-', ' ')}"


_NOT_BEFORE = r"[A-Za-z0-9_\-]"
_NOT_AFTER = r"(?![A-Za-z0-9_\-])"
_ids = iter(range(100, 1000))


def _basic_pair(value: str) -> bool:
    """``value`` is base64 of printable ``user:password`` text (RFC 7617); an empty password counts
    (an API key sent as the user name)."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return False
    user, colon, _ = decoded.partition(":")
    return bool(colon) and len(decoded) >= 4 and decoded.isprintable() and bool(user.strip())


def _leading_literals(prefix: str) -> tuple[str, ...]:
    """The literal texts a match of ``prefix`` can start with, lower-cased, used as the rule's keywords:
    literal characters, small classes (``do[por]_v1_`` -> ``dop_v1_``, ``doo_v1_``, ``dor_v1_``) and
    groups of literal alternatives (``(?:EAAA|sq0atp-)``) are expanded; the first other construct
    ends them; expansions that share a stem of 3+ characters give the stem (``EAA[MC]`` -> ``eaa``). Without a leading literal of 2+
    characters, the longest literal anywhere (``[a-z0-9]{14}\\.atlasv1\\.`` -> ``.atlasv1.``)."""
    heads = [""]
    i = 0
    while i < len(prefix) and len(heads) <= 8:
        piece, j = _piece(prefix, i)
        if piece is None or prefix[j:j + 1] in ("?", "*", "+", "{"):
            break
        heads = [h + p for h in heads for p in piece]
        i = j
    if min(len(h) for h in heads) >= 2 and len(heads) <= 8:
        lowered = [h.lower() for h in heads]
        common = next((lowered[0][:n] for n in range(min(map(len, lowered)), 0, -1)
                       if all(h.startswith(lowered[0][:n]) for h in lowered)), "")
        # one shared stem of 3+ characters is as selective and costs one substring test per text, not several
        return (common,) if len(common) >= 3 else tuple(dict.fromkeys(h.lower() for h in heads))
    bare = re.sub(r"\[(?:\\.|[^\]])*\]|\{\d+(?:,\d*)?\}|\(\?:[^()]*\)", "(", prefix)
    pieces = [re.sub(r"\\(.)", r"\1", m.group()) for m in re.finditer(r"(?:\\.|[^\\()\[\]{}?*+|.^$])+", bare)]
    text = max(pieces, key=len, default="")
    return (text.lower(),) if len(text) >= 3 else ()


def _piece(prefix: str, i: int) -> tuple[list[str] | None, int]:
    """The alternatives of the regex piece at ``i`` and where it ends: ``None`` for anything but a literal
    (escaped or not), a class of up to four plain characters, or a group of literal alternatives."""
    c = prefix[i]
    if c == "\\" and i + 1 < len(prefix) and not prefix[i + 1].isalnum():
        return [prefix[i + 1]], i + 2
    if c == "[":
        end = prefix.find("]", i)
        members = prefix[i + 1:end]
        if end > 0 and 0 < len(members) <= 4 and re.fullmatch(r"[A-Za-z0-9_]+", members):
            return list(members), end + 1
        return None, i
    if prefix.startswith("(?:", i):
        end = prefix.find(")", i)
        options = prefix[i + 3:end].split("|")
        if end > 0 and all(re.fullmatch(r"(?:\\[^A-Za-z0-9]|[A-Za-z0-9_\-])+", o) for o in options):
            return [re.sub(r"\\(.)", r"\1", o) for o in options], end + 1
        return None, i
    if c in "\\()[]{}?*+|.^$":
        return None, i
    return [c], i + 1


def prefixed(name: str, provider: str, prefix: str, body: str, alphabet: str, n: int, doc: str, *,
             suffix: str = "", severity: Severity = Severity.HIGH, case_insensitive: bool = False,
             before: str = _NOT_BEFORE, after: str = _NOT_AFTER, example_body: str | None = None,
             literal: str | None = None) -> Rule:
    """``prefix`` (a regex) then ``body`` (a regex); the example is ``literal`` (``prefix`` unescaped by
    default) + ``n`` characters of ``alphabet`` (or ``example_body``)."""
    literal = literal if literal is not None else re.sub(r"\\(.)", r"\1", prefix)
    keywords = _leading_literals(prefix) or (literal[:3].lower(),)
    body_text = example_body if example_body is not None else sample(alphabet, n, name)
    example = literal + body_text + re.sub(r"\\(.)", r"\1", suffix)
    short = literal + body_text[: max(1, len(body_text) // 3)]
    return Rule(rule_id=f"SEC-{next(_ids)}", name=name, provider=provider,
                pattern=f"({prefix}{body}{suffix}){after}", not_after=before, keywords=keywords, example=example,
                negatives=(short, "x" + example),
                doc=doc, severity=severity, flags=re.IGNORECASE if case_insensitive else 0)


def keyed(name: str, provider: str, words: tuple[str, ...], value: str, alphabet: str, n: int, doc: str, *,
          severity: Severity = Severity.HIGH, min_entropy: float = 2.5, example_value: str | None = None,
          word: str | None = None, keywords: tuple[str, ...] | None = None) -> Rule:
    """``<word>...<sep> <value>``: a provider word in the key, then a value of the documented shape."""
    key = "(?<![a-z])(?i:" + "|".join(words) + ")(?![a-z])"  # a name part: not sumOfExposures, CameraKit
    pattern = (key + r"[\w.\-]{0,25}[\"'`]?\s{0,3}(?::{1,3}=|\?=|=>|=|:|,|\s)\s{0,3}[\"'`]?"
               r"(?:(?i:Bearer)\s)?(" + value + r")(?![A-Za-z0-9_\-])")
    secret = example_value if example_value is not None else sample(alphabet, n, name + provider)
    word = word if word is not None else words[0]
    return Rule(rule_id=f"SEC-{next(_ids)}", name=name, provider=provider, pattern=pattern, reject_identifiers=True,
                keywords=keywords or tuple(w.lower() for w in words),
                example=f'{word}_key = "{secret}"', doc=doc, severity=severity, min_entropy=min_entropy,
                negatives=(f'{word}_key = "{secret[: len(secret) // 2]}"', f'other_key = "{secret}"'))


GL = "https://github.com/gitleaks/gitleaks/blob/master/cmd/generate/config/rules/"
DS = "https://github.com/Yelp/detect-secrets/tree/master/detect_secrets/plugins/"

RULES: tuple[Rule, ...] = (
    # --- detect-secrets' plugins -------------------------------------------------------------------
    Rule(rule_id=f"SEC-{next(_ids)}", name="api-key", provider="JFrog Artifactory",
         pattern=r"(?:(?<=[\s=:\"'])|^)(AKC[A-Za-z0-9]{10,}|AP[0-9A-F][A-Za-z0-9]{8,})(?![A-Za-z0-9])",
         keywords=("akc", "ap"), flags=re.MULTILINE, reject_identifiers=True,
         example="X-JFrog-Art-Api: AKCp" + sample(ALNUM, 69, "art"),
         negatives=("testAKCwithinsomeirrelevantstring", "artifactory:_password=AP6" + "x" * 6),
         doc="JFrog REST API docs: API keys start AKC, reference/identity tokens AP*; " + DS + "artifactory.py"),
    prefixed("reference-token", "JFrog Artifactory", "cmVmd", "[A-Za-z0-9]{59}", ALNUM, 59,
             GL + "artifactory.go (base64 of 'reftkn')"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="bot-token", provider="Discord",
         pattern=r"([MNO][A-Za-z0-9_\-]{23,25}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,38})(?![A-Za-z0-9_\-])",
         keywords=(".",),
         example="MTk" + sample(URLSAFE, 21, "dc1") + "." + sample(URLSAFE, 6, "dc2") + "." + sample(URLSAFE, 27, "dc3"),
         negatives=("MZ1yGvKTj0rY0cV8i47CjAa.uHQPq.Xb1Mk2nEhe-4icrGOuegj57zMC",),
         doc="Discord developer docs, Reference > Authentication (base64 user id . timestamp . HMAC)"),
    keyed("api-token", "Discord", ("discord",), "[a-f0-9]{64}", HEX, 64, GL + "discord.go"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="api-key", provider="Mailchimp",
         pattern=r"(?<![A-Za-z0-9])([0-9a-f]{32}-us[0-9]{1,2})(?![A-Za-z0-9])", keywords=("-us",),
         example=sample(HEX, 32, "mc") + "-us14",
         negatives=(sample(HEX, 32, "mc") + "-al32", sample(HEX, 32, "mc").upper() + "-us2"),
         doc="Mailchimp Marketing API 'Quick start': the key ends in -us<N>, the data center"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="upload-token", provider="PyPI",
         pattern=r"(pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_\-]{70,1000})(?![A-Za-z0-9_\-])",
         keywords=("pypi-age",), severity=Severity.CRITICAL,
         example="pypi-AgEIcHlwaS5vcmc" + sample(URLSAFE, 150, "pypi"),
         negatives=("pypi-AgEIcHlwaS5vcmc" + sample(URLSAFE, 40, "pypi"),),
         doc="PyPI help 'API tokens': macaroons prefixed pypi-, base64 'pypi.org' / 'test.pypi.org'"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="api-key", provider="SendGrid",
         pattern=r"(?<![A-Za-z0-9])(SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})(?![A-Za-z0-9_\-])", keywords=("sg.",),
         example="SG." + sample(URLSAFE, 22, "sg1") + "." + sample(URLSAFE, 43, "sg2"),
         negatives=("SG." + sample(URLSAFE, 22, "sg1") + ".." + sample(URLSAFE, 43, "sg2"),),
         doc="Twilio SendGrid docs 'API keys' (SG. + 22 + . + 43 base64url)"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="bot-token", provider="Telegram",
         pattern=r"(?<![A-Za-z0-9_:])([0-9]{8,10}:AA[0-9A-Za-z_\-]{33})(?![A-Za-z0-9_\-])", keywords=(":aa",),
         example="110201543:AA" + sample(URLSAFE, 33, "tg"),
         negatives=("bot110201543:AA" + sample(URLSAFE, 33, "tg"), "foo:AA" + sample(URLSAFE, 33, "tg")),
         doc="Telegram Bot API 'Authorizing your bot' (<bot id>:<35 characters>)"),
    prefixed("api-key", "Twilio", "SK", "[0-9a-f]{32}", HEX, 32,
             "Twilio docs 'API keys': key SIDs are SK + 32 hex", before=r"[A-Za-z0-9]"),
    prefixed("account-sid", "Twilio", "AC", "[0-9a-f]{32}", HEX, 32,
             "Twilio docs 'Account SID' (AC + 32 hex; an identifier, a credential only with its auth token)",
             severity=Severity.LOW,
             before=r"[A-Za-z0-9]"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="registry-token", provider="npm",
         pattern=r"//[a-z0-9.\-]+\.[a-z]{2,}/[^\s:]*:_(?:authToken|password|auth)\s?=\s?([^\s$\"'{][^\s\"']{7,200})",
         keywords=(":_auth", ":_password"),
         example="//registry.npmjs.org/:_authToken=" + sample(HEX, 8, "npm1") + "-cd03-11ec-9d64-0242ac120002",
         negatives=("//registry.npmjs.org/:_authToken=${NPM_TOKEN}",
                    "registry.npmjs.org/:_authToken=743b294a-cd03-11ec-9d64-0242ac120002"),
         doc="npm docs 'npmrc' (//registry/:_authToken=...)"),
    prefixed("access-token", "npm", "npm_", "[A-Za-z0-9]{36}", ALNUM, 36,
             "GitHub blog 2021-09-23 'npm access tokens' (npm_ + 36, CRC32 inside)"),
    prefixed("oauth-secret", "Square", "sq0csp-", "[0-9A-Za-z\\\\_\\-]{43}", URLSAFE, 43,
             "Square developer docs 'Access tokens' (sq0csp- application secret)"),
    prefixed("access-token", "Square", "(?:EAAA|sq0atp-)", "[0-9A-Za-z_\\-]{22,60}", URLSAFE, 60,
             "Square developer docs (EAAA / sq0atp- access tokens)", literal="EAAA"),
    keyed("iam-api-key", "IBM Cloud", (r"(?:ibm|cloud)[_\-]?(?:cloud[_\-]?)?(?:iam|api)?[_\-]?(?:api)?[_\-]?(?:key|pwd|password|pass|token)",
                                       r"iam[_\-]?(?:api)?[_\-]?(?:key|pwd|password|pass|token)"),
          "[A-Za-z0-9_\\-]{44}", URLSAFE, 44, DS + "ibm_cloud_iam.py; IBM Cloud docs 'API keys' (44 characters)", word="ibm_cloud_iam", keywords=("ibm", "cloud", "iam")),
    keyed("cos-hmac-secret", "IBM Cloud Object Storage",
          (r"(?:ibm)?[_\-]?(?:cos)?[_\-]?(?:hmac)?[_\-]?secret[_\-]?(?:access)?[_\-]?key",),
          "[a-f0-9]{48}", HEX, 48, DS + "ibm_cos_hmac.py; IBM COS docs 'HMAC credentials' (48 hex)", word="cos_hmac_secret", keywords=("secret",)),
    keyed("api-key", "IBM SoftLayer", (r"(?:softlayer|sl)[_\-]?(?:api)?[_\-]?key", "slapi[_\\-]?key"),
          "[a-z0-9]{64}", LOWER_ALNUM, 64, DS + "softlayer.py; SoftLayer API docs (64-character key)", word="softlayer_api", keywords=("softlayer", "sl")),
    Rule(rule_id=f"SEC-{next(_ids)}", name="api-url-key", provider="IBM SoftLayer",
         pattern=r"(?i)api\.softlayer\.com/(?:soap|rest)/v3(?:\.1)?/([a-z0-9]{64})(?![a-z0-9])",
         keywords=("softlayer.com",), example="http://api.softlayer.com/soap/v3/" + sample(LOWER_ALNUM, 64, "slu"),
         negatives=("http://api.softlayer.com/soap/v3/" + sample(LOWER_ALNUM, 20, "slu"),),
         doc=DS + "softlayer.py"),
    keyed("password", "IBM Cloudant", (r"(?:cloudant|cl|clou)[_\-]?(?:api)?[_\-]?(?:pw|pwd|password|pass|key|secret)",),
          "[a-f0-9]{64}|[a-z]{24}", HEX, 64, DS + "cloudant.py; IBM Cloudant docs (64-hex legacy password, 24-letter API key)", word="cloudant_password", keywords=("cloudant", "cl")),
    # --- gitleaks' providers with a fixed prefix --------------------------------------------------
    prefixed("service-account-token", "1Password", "ops_eyJ", "[A-Za-z0-9+/]{250,}={0,3}", B64, 260, GL + "1password.go"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="secret-key", provider="1Password",
         pattern=r"(A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5})(?![A-Z0-9])",
         keywords=("a3-",), example="A3-" + "-".join(sample(UPPER_ALNUM, k, f"op{k}{i}") for i, k in enumerate((6, 11, 5, 5, 5))),
         negatives=("A3-ABCDEF-12345",), doc="1Password 'About your Secret Key' (A3-XXXXXX-...)"),
    prefixed("secret-key", "age", "AGE-SECRET-KEY-1", "[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
             "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58, "age specification (C2SP/C2SP age.md: Bech32 AGE-SECRET-KEY-1)",
             severity=Severity.CRITICAL),
    prefixed("personal-access-token", "Airtable", "pat", "[A-Za-z0-9]{14}\\.[a-f0-9]{64}", ALNUM, 14, GL + "airtable.go",
             example_body=sample(ALNUM, 14, "at") + "." + sample(HEX, 64, "at2")),
    prefixed("access-key-id", "Alibaba Cloud", "LTAI", "[A-Za-z0-9]{20}", ALNUM, 20, GL + "alibaba.go",
             before=r"[A-Za-z0-9]"),
    prefixed("api-token", "Atlassian", "ATATT3", "[A-Za-z0-9_\\-=]{186}", URLSAFE, 186,
             "Atlassian support 'Manage API tokens' (ATATT prefix); " + GL + "atlassian.go"),
    prefixed("bedrock-api-key", "AWS", "ABSK", "[A-Za-z0-9+/]{109,269}={0,2}", B64, 120, GL + "aws.go",
             severity=Severity.CRITICAL, before=r"[A-Za-z0-9]"),
    prefixed("bedrock-short-lived-key", "AWS", "bedrock-api-key-", "YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=]{40,2000}",
             B64, 0, GL + "aws.go", example_body="YmVkcm9jay5hbWF6b25hd3MuY29t" + sample(B64, 60, "bed")),
    Rule(rule_id=f"SEC-{next(_ids)}", name="client-secret", provider="Azure AD",
         pattern=r"(?<![A-Za-z0-9_~.\-])([A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34})(?![A-Za-z0-9_~.\-])",
         keywords=("q~",), example=sample(ALNUM, 3, "az") + "8Q~" + sample(ALNUM, 34, "az2"),
         negatives=(sample(ALNUM, 3, "az") + "8Q~" + sample(ALNUM, 10, "az2"),), doc=GL + "azure.go"),
    prefixed("secret-key", "ClickHouse Cloud", "4b1d", "[A-Za-z0-9]{38}", ALNUM, 38, GL + "clickhouse.go",
             before=r"[A-Za-z0-9]"),
    prefixed("api-token", "Clojars", "CLOJARS_", "[a-z0-9]{60}", LOWER_ALNUM, 60, GL + "clojars.go", case_insensitive=True),
    prefixed("origin-ca-key", "Cloudflare", "v1\\.0-", "[a-f0-9]{24}-[a-f0-9]{146}", HEX, 24, GL + "cloudflare.go",
             example_body=sample(HEX, 24, "cf") + "-" + sample(HEX, 146, "cf2")),
    keyed("api-key", "Cloudflare", ("cloudflare",), "[a-z0-9_\\-]{40}", LOWER_ALNUM, 40, GL + "cloudflare.go"),
    prefixed("api-token", "Databricks", "dapi", "[a-f0-9]{32}(?:-[0-9])?", HEX, 32,
             "Databricks docs 'Personal access tokens' (dapi + 32 hex)", before=r"[A-Za-z0-9]"),
    prefixed("api-token", "Defined Networking", "dnkey-", "[a-z0-9=_\\-]{26}-[a-z0-9=_\\-]{52}", LOWER_ALNUM, 26,
             GL + "definednetworking.go", example_body=sample(LOWER_ALNUM, 26, "dn") + "-" + sample(LOWER_ALNUM, 52, "dn2")),
    prefixed("personal-access-token", "DigitalOcean", "do[por]_v1_", "[a-f0-9]{64}", HEX, 64,
             "DigitalOcean docs 'How to create a personal access token' (dop_v1_ / doo_v1_ / dor_v1_)", literal="dop_v1_"),
    prefixed("api-token", "Doppler", "dp\\.(?:pt|st|ct|sa|scim|audit)\\.", "[a-z0-9]{40,44}", LOWER_ALNUM, 43,
             "Doppler docs 'Token formats' (dp.pt. personal, dp.st. service, dp.ct. CLI, dp.sa. service account, "
             "dp.scim. SCIM, dp.audit. audit)", case_insensitive=True, literal="dp.pt."),
    prefixed("api-token", "Duffel", "duffel_(?:test|live)_", "[A-Za-z0-9_\\-=]{43}", URLSAFE, 43, GL + "duffel.go", literal="duffel_live_"),
    prefixed("api-token", "Dynatrace", "dt0c01\\.", "[A-Za-z0-9]{24}\\.[A-Za-z0-9]{64}", ALNUM, 24,
             "Dynatrace docs 'Access tokens' (dt0c01.<public 24>.<secret 64>)",
             example_body=sample(UPPER_ALNUM, 24, "dt") + "." + sample(UPPER_ALNUM, 64, "dt2")),
    prefixed("api-token", "EasyPost", "EZ[AT]K", "[A-Za-z0-9]{54}", ALNUM, 54, GL + "easypost.go", literal="EZAK"),
    prefixed("page-access-token", "Facebook", "EAA[MC]", "[A-Za-z0-9]{100,}", ALNUM, 120, GL + "facebook.go",
             before=r"[A-Za-z0-9]", literal="EAAM"),
    prefixed("secret-key", "Flutterwave", "FLW(?:SECK|PUBK)_TEST-", "[a-h0-9]{32}", HEX, 32, GL + "flutterwave.go", suffix="-X", literal="FLWSECK_TEST-"),
    prefixed("access-token", "Fly.io", "fo1_", "[A-Za-z0-9_\\-]{43}", URLSAFE, 43, GL + "flyio.go"),
    prefixed("api-token", "Frame.io", "fio-u-", "[A-Za-z0-9_\\-=]{64}", URLSAFE, 64, GL + "frameio.go"),
    prefixed("api-key", "Google Cloud", "AIza", "[A-Za-z0-9_\\-]{35}", URLSAFE, 35,
             "Google Cloud docs 'Manage API keys' (AIza + 35)"),
    prefixed("api-key", "Grafana", "eyJrIjoi", "[A-Za-z0-9]{70,400}={0,3}", ALNUM, 80, GL + "grafana.go"),
    prefixed("cloud-api-token", "Grafana", "glc_", "[A-Za-z0-9+/]{32,400}={0,3}", B64, 40, GL + "grafana.go"),
    prefixed("service-account-token", "Grafana", "glsa_", "[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}", ALNUM, 32,
             "Grafana docs 'Service accounts' (glsa_ + 32 + _ + 8 hex CRC)",
             example_body=sample(ALNUM, 32, "gs") + "_" + sample(HEX, 8, "gs2")),
    prefixed("api-key", "Harness", "(?:pat|sat)\\.", "[A-Za-z0-9_\\-]{22}\\.[A-Za-z0-9]{24}\\.[A-Za-z0-9]{20}",
             ALNUM, 22, GL + "harness.go",
             example_body=sample(ALNUM, 22, "h1") + "." + sample(ALNUM, 24, "h2") + "." + sample(ALNUM, 20, "h3"), literal="pat."),
    prefixed("terraform-api-token", "HashiCorp", "[A-Za-z0-9]{14}\\.atlasv1\\.", "[A-Za-z0-9_\\-=]{60,70}", URLSAFE, 64,
             "Terraform Cloud docs 'API tokens' (<14>.atlasv1.<64>)", case_insensitive=False, literal="Q7wRt2Yp9KzLmN.atlasv1."),
    prefixed("service-token", "HashiCorp Vault", "hvs\\.", "[A-Za-z0-9_\\-]{90,120}", URLSAFE, 95,
             "Vault docs 'Tokens' (hvs. service, hvb. batch)", before=r"[A-Za-z0-9]"),
    prefixed("batch-token", "HashiCorp Vault", "hvb\\.", "[A-Za-z0-9_\\-]{138,300}", URLSAFE, 140, "Vault docs 'Tokens'",
             before=r"[A-Za-z0-9]"),
    prefixed("api-key", "Heroku", "HRKU-AA", "[0-9A-Za-z_\\-]{58}", URLSAFE, 58, GL + "heroku.go"),
    keyed("api-key-legacy", "Heroku", ("heroku",),
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", HEX, 32, GL + "heroku.go (UUID)", example_value="3f2c9a1e-7b4d-4e8a-9c6f-2d1b8e5a7c30"),
    prefixed("api-token", "Infracost", "ico-", "[A-Za-z0-9]{32}", ALNUM, 32, GL + "infracost.go",
             before=r"[A-Za-z0-9_\-./]"),
    prefixed("api-key", "Linear", "lin_api_", "[A-Za-z0-9]{40}", ALNUM, 40, "Linear API docs 'Personal API keys'"),
    prefixed("api-key", "Mailgun", "key-", "[a-f0-9]{32}", HEX, 32, GL + "mailgun.go", before=r"[A-Za-z0-9_\-.]"),
    prefixed("secret-token", "Mapbox", "sk\\.eyJ", "[A-Za-z0-9_\\-]{50,120}\\.[A-Za-z0-9_\\-]{22}", URLSAFE, 60,
             "Mapbox docs 'Access tokens' (sk. secret tokens; pk. are public)",
             example_body=sample(URLSAFE, 60, "mb") + "." + sample(URLSAFE, 22, "mb2")),
    Rule(rule_id=f"SEC-{next(_ids)}", name="license-key", provider="MaxMind",
         pattern=r"(?<![A-Za-z0-9])([A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk)(?![A-Za-z0-9])", keywords=("_mmk",),
         example=sample(ALNUM, 6, "mm") + "_" + sample(ALNUM, 29, "mm2") + "_mmk",
         negatives=(sample(ALNUM, 6, "mm") + "_" + sample(ALNUM, 9, "mm2") + "_mmk",), doc=GL + "maxmind.go"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="teams-webhook", provider="Microsoft",
         pattern=r"(https://[a-z0-9]+\.webhook\.office\.com/webhookb2/[a-z0-9\-]{36}@[a-z0-9\-]{36}/IncomingWebhook/"
                 r"[a-z0-9]{32}/[a-z0-9\-]{36})", keywords=("webhook.office.com",), flags=re.IGNORECASE,
         example=("https://acme.webhook.office.com/webhookb2/" + sample(HEX, 36, "t1") + "@" + sample(HEX, 36, "t2")
                  + "/IncomingWebhook/" + sample(HEX, 32, "t3") + "/" + sample(HEX, 36, "t4")),
         negatives=("https://acme.webhook.office.com/webhookb2/",), doc=GL + "teams.go"),
    prefixed("user-api-key", "New Relic", "NRAK-", "[A-Za-z0-9]{27}", UPPER_ALNUM, 27, GL + "newrelic.go"),
    prefixed("insert-key", "New Relic", "NRII-", "[A-Za-z0-9\\-]{32}", UPPER_ALNUM, 32, GL + "newrelic.go"),
    prefixed("browser-api-token", "New Relic", "NRJS-", "[a-f0-9]{19}", HEX, 19, GL + "newrelic.go"),
    prefixed("api-token", "Notion", "ntn_", "[0-9]{11}[A-Za-z0-9]{35}", DIGITS, 11, GL + "notion.go",
             example_body=sample(DIGITS, 11, "nt") + sample(ALNUM, 35, "nt2")),
    prefixed("api-key", "Octopus Deploy", "API-", "[A-Z0-9]{26}", UPPER_ALNUM, 26, GL + "octopusdeploy.go",
             before=r"[A-Za-z0-9]"),
    prefixed("user-token", "OpenShift", "sha256~", "[A-Za-z0-9_\\-]{43}", URLSAFE, 43, GL + "openshift.go"),
    prefixed("api-key", "Perplexity", "pplx-", "[A-Za-z0-9]{48}", ALNUM, 48, GL + "perplexity.go"),
    prefixed("access-token", "Plaid", "access-(?:sandbox|development|production)-",
             "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", HEX, 8, GL + "plaid.go",
             example_body=f"{sample(HEX, 8, 'p1')}-{sample(HEX, 4, 'p2')}-{sample(HEX, 4, 'p3')}-{sample(HEX, 4, 'p4')}-{sample(HEX, 12, 'p5')}", literal="access-production-"),
    prefixed("token", "PlanetScale", "pscale_(?:tkn|oauth|pw)_", "[A-Za-z0-9=\\-_.]{32,64}", URLSAFE, 43, GL + "planetscale.go", literal="pscale_tkn_"),
    prefixed("api-token", "Postman", "PMAK-", "[a-f0-9]{24}-[a-f0-9]{34}", HEX, 24, GL + "postman.go",
             example_body=sample(HEX, 24, "pm") + "-" + sample(HEX, 34, "pm2")),
    prefixed("api-token", "Prefect", "pnu_", "[A-Za-z0-9]{36}", ALNUM, 36, GL + "prefect.go"),
    prefixed("access-token", "Pulumi", "pul-", "[a-f0-9]{40}", HEX, 40, "Pulumi docs 'Access tokens' (pul- + 40 hex)"),
    prefixed("api-token", "ReadMe", "rdme_", "[a-z0-9]{70}", LOWER_ALNUM, 70, GL + "readme.go"),
    prefixed("api-token", "RubyGems", "rubygems_", "[a-f0-9]{48}", HEX, 48, "RubyGems guides 'API key scopes' (rubygems_ + 48 hex)"),
    prefixed("api-token", "Scalingo", "tk-us-", "[A-Za-z0-9_\\-]{48}", URLSAFE, 48, GL + "scalingo.go"),
    prefixed("api-token", "Brevo (Sendinblue)", "xkeysib-", "[a-f0-9]{64}-[A-Za-z0-9]{16}", HEX, 64, GL + "sendinblue.go",
             example_body=sample(HEX, 64, "sib") + "-" + sample(ALNUM, 16, "sib2")),
    prefixed("user-token", "Sentry", "sntryu_", "[a-f0-9]{64}", HEX, 64, "Sentry docs 'Auth tokens' (sntryu_ user tokens)"),
    prefixed("org-token", "Sentry", "sntrys_eyJpYXQiO", "[A-Za-z0-9+/=_]{60,400}", B64, 80, "Sentry docs 'Auth tokens' (sntrys_)"),
    prefixed("access-token", "SettleMint", "sm_(?:aat|pat|sat)_", "[A-Za-z0-9]{16}", ALNUM, 16, GL + "settlemint.go", literal="sm_pat_"),
    prefixed("api-token", "Shippo", "shippo_(?:live|test)_", "[a-fA-F0-9]{40}", HEX, 40, GL + "shippo.go", literal="shippo_live_"),
    prefixed("access-token", "Shopify", "shp(?:at|ca|pa|ss)_", "[a-fA-F0-9]{32}", HEX, 32,
             "Shopify dev docs 'Access tokens' (shpat_/shpca_/shppa_/shpss_ + 32 hex)", literal="shpat_"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="sensitive-url", provider="Sidekiq",
         pattern=r"(?i)https?://([a-f0-9]{8}:[a-f0-9]{8})@(?:gems\.contribsys\.com|enterprise\.contribsys\.com)",
         keywords=("contribsys",), example=f"https://{sample(HEX, 8, 'sk1')}:{sample(HEX, 8, 'sk2')}@gems.contribsys.com/",
         negatives=("https://gems.contribsys.com/",), doc=GL + "sidekiq.go"),
    prefixed("access-token", "Sourcegraph", "sgp_", "(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}", HEX, 16, GL + "sourcegraph.go",
             example_body=sample(HEX, 16, "sg") + "_" + sample(HEX, 40, "sg2")),
    prefixed("api-token", "Typeform", "tfp_", "[A-Za-z0-9_\\-.=]{59}", URLSAFE, 59, GL + "typeform.go"),
    prefixed("api-key", "Yandex", "AQVN", "[A-Za-z0-9_\\-]{35,38}", URLSAFE, 36, GL + "yandex.go", before=r"[A-Za-z0-9]"),
    prefixed("aws-access-token", "Yandex", "YC", "[A-Za-z0-9_\\-]{38}", URLSAFE, 38, GL + "yandex.go", before=r"[A-Za-z0-9]"),
    # --- gitleaks' semi-generic providers (a provider word in the key) ------------------------------
    keyed("api-key", "Adafruit", ("adafruit",), "[a-z0-9_\\-]{32}", LOWER_ALNUM, 32, GL + "adafruit.go"),
    keyed("client-secret", "Adobe", ("adobe",), "p8e-[A-Za-z0-9]{32}|[a-f0-9]{32}", HEX, 32, GL + "adobe.go"),
    keyed("api-key", "Airtable", ("airtable",), "[a-z0-9]{17}", LOWER_ALNUM, 17, GL + "airtable.go"),
    keyed("api-key", "Algolia", ("algolia",), "[a-z0-9]{32}", LOWER_ALNUM, 32, GL + "algolia.go"),
    keyed("secret-key", "Alibaba Cloud", ("alibaba",), "[a-z0-9]{30}", LOWER_ALNUM, 30, GL + "alibaba.go"),
    keyed("client-secret", "Asana", ("asana",), "[a-z0-9]{32}", LOWER_ALNUM, 32, GL + "asana.go"),
    keyed("api-token", "Beamer", ("beamer",), "b_[a-z0-9=_\\-]{44}", LOWER_ALNUM, 44, GL + "beamer.go", example_value="b_" + sample(LOWER_ALNUM, 44, "bm")),
    keyed("client-secret", "Bitbucket", ("bitbucket",), "[a-z0-9=_\\-]{64}", LOWER_ALNUM, 64, GL + "bitbucket.go"),
    keyed("api-key", "Cisco Meraki", ("meraki",), "[0-9a-f]{40}", HEX, 40, GL + "cisco.go"),
    keyed("access-token", "Codecov", ("codecov",), "[a-z0-9]{32}", LOWER_ALNUM, 32, GL + "codecov.go"),
    keyed("api-token", "Cohere", ("cohere", "co_api_key"), "[A-Za-z0-9]{40}", ALNUM, 40, GL + "cohere.go"),
    keyed("secret-key", "Confluent", ("confluent",), "[a-z0-9]{64}", LOWER_ALNUM, 64, GL + "confluent.go"),
    keyed("delivery-api-token", "Contentful", ("contentful",), "[a-z0-9=_\\-]{43}", LOWER_ALNUM, 43, GL + "contentful.go"),
    keyed("access-token", "Datadog", ("datadog", "dd_api", "dd_app"), "[a-z0-9]{40}|[a-f0-9]{32}", LOWER_ALNUM, 40, GL + "datadog.go"),
    keyed("client-secret", "Discord", ("discord",), "[a-z0-9=_\\-]{32}", LOWER_ALNUM, 32, GL + "discord.go"),
    keyed("access-token", "Drone CI", ("droneci", "drone"), "[a-z0-9]{32}", LOWER_ALNUM, 32, GL + "droneci.go"),
    keyed("api-token", "Dropbox", ("dropbox",), "sl\\.[a-z0-9\\-=_]{135}", LOWER_ALNUM, 135, GL + "dropbox.go", example_value="sl." + sample(LOWER_ALNUM, 135, "db")),
    keyed("access-token", "Etsy", ("etsy",), "[a-z0-9]{24}", LOWER_ALNUM, 24, GL + "etsy.go"),
    keyed("secret", "Facebook", ("facebook",), "[a-f0-9]{32}", HEX, 32, GL + "facebook.go"),
    keyed("api-token", "Fastly", ("fastly",), "[a-z0-9=_\\-]{32}", LOWER_ALNUM, 32, GL + "fastly.go"),
    keyed("client-secret", "Finicity", ("finicity",), "[a-z0-9]{20}|[a-f0-9]{32}", LOWER_ALNUM, 20, GL + "finicity.go"),
    keyed("access-token", "Finnhub", ("finnhub",), "[a-z0-9]{20}", LOWER_ALNUM, 20, GL + "finnhub.go"),
    keyed("access-token", "Flickr", ("flickr",), "[a-z0-9]{32}", LOWER_ALNUM, 32, GL + "flickr.go"),
    keyed("access-token", "FreshBooks", ("freshbooks",), "[a-z0-9]{64}", LOWER_ALNUM, 64, GL + "freshbooks.go"),
    keyed("access-token", "Gitter", ("gitter",), "[a-z0-9_\\-]{40}", LOWER_ALNUM, 40, GL + "gitter.go"),
    keyed("api-token", "GoCardless", ("gocardless",), "live_[a-z0-9\\-_=]{40}", LOWER_ALNUM, 40, GL + "gocardless.go", example_value="live_" + sample(LOWER_ALNUM, 40, "gc")),
    keyed("api-key", "HubSpot", ("hubspot",),
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", HEX, 32, GL + "hubspot.go", example_value="3f2c9a1e-7b4d-4e8a-9c6f-2d1b8e5a7c30"),
    keyed("api-key", "Intercom", ("intercom",), "[a-z0-9=_\\-]{60}", LOWER_ALNUM, 60, GL + "intercom.go"),
    keyed("api-key", "JFrog", ("jfrog", "artifactory", "bintray", "xray"), "[a-z0-9]{73}|[a-z0-9]{64}", LOWER_ALNUM, 73,
          GL + "jfrog.go"),
    keyed("access-token", "Kraken", ("kraken",), "[a-z0-9/=_+\\-]{80,90}", LOWER_ALNUM, 86, GL + "kraken.go"),
    keyed("access-token", "KuCoin", ("kucoin",), "[a-f0-9]{24}", HEX, 24, GL + "kucoin.go"),
    keyed("access-token", "LaunchDarkly", ("launchdarkly",), "[a-z0-9=_\\-]{40}", LOWER_ALNUM, 40, GL + "launchdarkly.go"),
    keyed("client-secret", "LinkedIn", ("linkedin", "linked_in", "linked-in"), "[a-z0-9]{16}", LOWER_ALNUM, 16, GL + "linkedin.go"),
    keyed("api-key", "Lob", ("lob",), "(?:live|test)_[a-f0-9]{35}", HEX, 35, GL + "lob.go", example_value="live_" + sample(HEX, 35, "lob")),
    keyed("client-secret", "Looker", ("looker",), "[a-z0-9]{24}", LOWER_ALNUM, 24, GL + "looker.go"),
    keyed("access-token", "Mattermost", ("mattermost",), "[a-z0-9]{26}", LOWER_ALNUM, 26, GL + "mattermost.go"),
    keyed("api-token", "MessageBird", ("messagebird", "message-bird", "message_bird"), "[a-z0-9]{25}", LOWER_ALNUM, 25,
          GL + "messagebird.go"),
    keyed("access-token", "Netlify", ("netlify",), "[a-z0-9=_\\-]{40,46}", LOWER_ALNUM, 43, GL + "netlify.go"),
    keyed("access-token", "New York Times", ("nytimes", "new-york-times", "newyorktimes"), "[a-z0-9=_\\-]{32}", LOWER_ALNUM, 32,
          GL + "nytimes.go"),
    keyed("access-token", "Okta", ("okta",), "00[a-z0-9=_\\-]{40}", LOWER_ALNUM, 40, GL + "okta.go", example_value="00" + sample(LOWER_ALNUM, 40, "okta")),
    keyed("secret-key", "Plaid", ("plaid",), "[a-z0-9]{30}", LOWER_ALNUM, 30, GL + "plaid.go"),
    keyed("api-token", "RapidAPI", ("rapidapi",), "[a-z0-9_\\-]{50}", LOWER_ALNUM, 50, GL + "rapidapi.go"),
    keyed("access-token", "Sendbird", ("sendbird",), "[a-f0-9]{40}", HEX, 40, GL + "sendbird.go"),
    keyed("api-token", "Snyk", ("snyk",),
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", HEX, 32, GL + "snyk.go", example_value="3f2c9a1e-7b4d-4e8a-9c6f-2d1b8e5a7c30"),
    keyed("api-token", "SonarQube", ("sonar",), "(?:squ_|sqp_|sqa_)?[A-Za-z0-9=_\\-]{40}", LOWER_ALNUM, 40, GL + "sonar.go"),
    keyed("access-token", "Sumo Logic", ("sumo", "sumologic"), "[A-Za-z0-9]{64}", ALNUM, 64, GL + "sumologic.go"),
    keyed("access-id", "Sumo Logic", ("sumo", "sumologic"), "su[A-Za-z0-9]{12}", ALNUM, 12, GL + "sumologic.go",
          example_value="su" + sample(ALNUM, 12, "sumo"), severity=Severity.LOW),  # an id: half a credential
    keyed("access-token", "Facebook", ("facebook",), r"[0-9]{15,16}(?:\||%7C)[A-Za-z0-9\-_]{27,40}", ALNUM, 16,
          GL + "facebook.go (app id | app secret)", example_value=sample(DIGITS, 16, "fb") + "|" + sample(URLSAFE, 27, "fb2")),
    keyed("client-id", "MessageBird", ("messagebird", "message-bird", "message_bird"),
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", HEX, 32, GL + "messagebird.go",
          example_value="3f2c9a1e-7b4d-4e8a-9c6f-2d1b8e5a7c30", severity=Severity.LOW),  # a client id
    keyed("access-token", "Sourcegraph", ("sourcegraph",), "[A-Fa-f0-9]{40}", HEX, 40, GL + "sourcegraph.go"),
    prefixed("access-token-legacy", "Sourcegraph", "sgp_", "[a-fA-F0-9]{40}", HEX, 40, GL + "sourcegraph.go"),
    prefixed("client-secret", "42 Intra", "s-s4t2(?:ud|af)-", "[a-f0-9]{64}", HEX, 64, GL + "intra42.go",
             literal="s-s4t2ud-"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="gem-credentials", provider="Sidekiq",
         pattern=r"BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM[\"']?\s{0,3}[:=]\s{0,3}[\"']?([a-f0-9]{8}:[a-f0-9]{8})(?![a-f0-9])",
         keywords=("__contribsys__com",), example=f"BUNDLE_GEMS__CONTRIBSYS__COM={sample(HEX, 8, 'sq1')}:{sample(HEX, 8, 'sq2')}",
         negatives=("BUNDLE_GEMS__CONTRIBSYS__COM=${SIDEKIQ}",), doc=GL + "sidekiq.go"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="service-account-file", provider="Google Cloud",
         pattern=r"\"type\"\s{0,3}:\s{0,3}\"(service_account)\"", keywords=("service_account",),
         severity=Severity.MEDIUM, example='{"type": "service_account", "project_id": "p"}',
         negatives=('{"type": "authorized_user"}',),
         # the marker alone leaks nothing (redacted / example files carry it too): low unless the
         # document also holds key material (its private_key is then reported as critical, too)
         context=r"\"private_key\"\s{0,3}:\s{0,3}\"-----BEGIN [A-Z ]{0,20}PRIVATE KEY-----(?:\\n)?[A-Za-z0-9+/]{64}",
         doc="Google Cloud IAM docs 'Service account keys' (JSON key file; its private_key is reported as a key)"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="user-password", provider="curl", free_form=True,
         pattern=r"\bcurl\b(?:[^\n]|\\\n){0,300}?\s(?:-u|--user)(?:\s{1,3}|=)[\"']?[^\s\"':<>{}]{0,100}[\"']?:[\"']?([^\s\"'<>$][^\s\"'<>]{2,99})[\"']?(?=\s|$)",
         keywords=("curl",), example="curl -s --user 'api:" + sample(ALNUM, 16, "curl") + "' https://api.example.org",
         negatives=("curl -u <user:password> https://test.com/endpoint", "curl -u $USER:$PASS https://x.org",
                    'curl -u "${username}":"${password}"'),
         extra_examples=("curl --user kevin:'" + sample(ALNUM, 16, "curl2") + "' -X PATCH",
                         'curl -u "deploy":"' + sample(ALNUM, 14, "curl3") + '" https://x.org'),
         doc="curl manual '-u, --user <user:password>'; " + GL + "curl.go"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="authorization-header", provider="HTTP", free_form=True,
         pattern=r"(?i)\bauthorization[\"']?\s{0,3}:\s{0,3}[\"']?(?:(?:basic|bearer|token|api-token|apikey|digest)\s{1,3})?(?!(?:aws4|goog4)-(?:hmac|rsa)-sha256\b)([A-Za-z0-9._~+/=@\-]{16,500})(?![A-Za-z0-9._~+/=@\-])",
         # a CamelCase name after the word is a type (authorization: HTTPAuthorizationCredentials = ...), not a value;
         # the value may open a quoted string ({"Authorization": "Bearer <token>"}, a headers dict; session 13); a
         # SigV4 / GCS HMAC scheme name (AWS4-HMAC-SHA256 Credential=...) is no value: its signature is per request
         keywords=("authorization",), reject_identifiers=True,
         example="-H 'Authorization: Bearer " + sample(URLSAFE, 40, "authz") + "'",
         negatives=("Authorization: Bearer $TOKEN", "authorization: required"),
         doc="RFC 9110 section 11.6.2 (Authorization: <scheme> <credentials>); " + GL + "curl.go"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="service-client-key", provider="Authress",
         pattern=r"(?i)(?<![a-z0-9_])((?:sc|ext|scauth|authress)_[a-z0-9]{5,30}\.[a-z0-9]{4,6}\.acc[_\-][a-z0-9\-]{10,32}\.[a-z0-9+/_=\-]{30,120})",
         keywords=(".acc",), example=f"sc_{sample(LOWER_ALNUM, 10, 'au1')}.{sample(LOWER_ALNUM, 5, 'au2')}.acc_{sample(LOWER_ALNUM, 20, 'au3')}.{sample(URLSAFE, 40, 'au4')}",
         negatives=("sc_abc.def.acc_short.x",), doc=GL + "authress.go"),
    keyed("api-key", "Bittrex", ("bittrex",), "[a-z0-9]{32}", LOWER_ALNUM, 32, GL + "bittrex.go"),
    keyed("access-token", "Coinbase", ("coinbase",), "[a-z0-9_\\-]{64}", LOWER_ALNUM, 64, GL + "coinbase.go"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="secret-key", provider="Freemius",
         pattern=r"[\"']secret_key[\"']\s{0,3}=>\s{0,3}[\"'](sk_[^\s\"']{29})[\"']", keywords=("secret_key",),
         example=f"'secret_key' => 'sk_{sample(URLSAFE, 29, 'fm')}'", negatives=("'secret_key' => 'sk_short'",),
         doc=GL + "freemius.go (PHP SDK configuration array)"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="secret-manifest", provider="Kubernetes",
         pattern=r"(?s)\bkind:[ \t]*[\"']?Secret[\"']?\b.{0,300}?\n[ \t]*data:[ \t]*\n[ \t]+[\w.\-]{1,60}:[ \t]*[\"']?([A-Za-z0-9+/]{8,}={0,2})",
         keywords=("secret",), severity=Severity.MEDIUM,
         example=f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: {base64.b64encode(sample(ALNUM, 18, 'k8s').encode()).decode()}\n",
         negatives=("apiVersion: v1\nkind: ConfigMap\ndata:\n  mode: c2VydmluZw==\n",),
         doc="Kubernetes docs 'Secrets' (data values are base64); " + GL + "kubernetes.go"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="config-password", provider="NuGet",
         pattern=r"(?i)<add[ \t]+key=[\"'](?:ClearTextPassword|Password)[\"'][ \t]+value=[\"']([^\"'$%]{1,200})[\"']",
         keywords=("password",), example=f'<add key="ClearTextPassword" value="{sample(ALNUM, 16, "nuget")}" />',
         negatives=('<add key="ClearTextPassword" value="%NUGET_PASSWORD%" />',),
         doc="NuGet docs 'nuget.config reference: packageSourceCredentials'"),
    keyed("api-token", "Private AI", (r"private[_\-]?ai",), "[a-z0-9]{32}", LOWER_ALNUM, 32, GL + "privateai.go",
          word="private_ai", keywords=("private_ai", "privateai", "private-ai")),
    keyed("access-token", "Squarespace", ("squarespace",),
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", HEX, 32, GL + "squarespace.go",
          example_value="3f2c9a1e-7b4d-4e8a-9c6f-2d1b8e5a7c30"),
    prefixed("machine-token", "Fly.io", "fm[12][ar]?_", "[A-Za-z0-9+/]{100,}={0,3}", B64, 120, GL + "flyio.go",
             literal="fm2_", before=r"[A-Za-z0-9+/_\-]"),
    keyed("access-token", "Travis CI", ("travis",), "[a-z0-9]{22}", LOWER_ALNUM, 22, GL + "travisci.go"),
    keyed("api-token", "Twitch", ("twitch",), "[a-z0-9]{30}", LOWER_ALNUM, 30, GL + "twitch.go"),
    keyed("api-secret", "Twitter", ("twitter",), "[a-z0-9]{50}|[a-z0-9]{45}", LOWER_ALNUM, 50, GL + "twitter.go"),
    keyed("secret-key", "Zendesk", ("zendesk",), "[a-z0-9]{40}", LOWER_ALNUM, 40, GL + "zendesk.go"),
    keyed("signing-key", "Mailgun", ("mailgun",), "[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8}", HEX, 32, GL + "mailgun.go",
          example_value=sample(HEX, 32, "mg") + "-" + sample(HEX, 8, "mg2") + "-" + sample(HEX, 8, "mg3")),
        keyed("api-key", "Comet ML", ("comet",), "[A-Za-z0-9]{25}", ALNUM, 25, "Comet docs 'Configure Comet' (COMET_API_KEY)"),
    keyed("api-token", "Neptune", ("neptune",), "eyJ[A-Za-z0-9_\\-=]{40,400}", URLSAFE, 80,
          "Neptune docs 'Set your API token' (NEPTUNE_API_TOKEN, base64 JSON)",
          example_value="eyJ" + sample(URLSAFE, 80, "nep")),
    keyed("api-key", "Pinecone", ("pinecone",), "pcsk_[A-Za-z0-9_]{40,80}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
          ALNUM, 60, "Pinecone docs 'Authentication' (pcsk_ keys, legacy UUID keys)",
          example_value="pcsk_" + sample(ALNUM, 60, "pc")),
    keyed("api-key", "Cohere / Mistral / Groq", ("mistral", "groq", "together"), "[A-Za-z0-9]{32}|gsk_[A-Za-z0-9]{52}", ALNUM, 32,
          "Mistral / Groq / Together AI console docs (32-character keys, gsk_ Groq keys)"),
    prefixed("api-key", "Groq", "gsk_", "[A-Za-z0-9]{52}", ALNUM, 52, "Groq console docs 'API keys' (gsk_ + 52)"),
    prefixed("api-key", "xAI", "xai-", "[A-Za-z0-9]{80}", ALNUM, 80, "xAI docs 'API keys' (xai- + 80)"),
    prefixed("api-key", "Replicate", "r8_", "[A-Za-z0-9]{37}", ALNUM, 37, "Replicate docs 'API tokens' (r8_ + 37)"),
    prefixed("api-key", "LangSmith", "lsv2_(?:pt|sk)_", "[a-f0-9]{32}_[a-f0-9]{10}", HEX, 32,
             "LangSmith docs 'Create an API key' (lsv2_pt_/lsv2_sk_)",
             example_body=sample(HEX, 32, "ls") + "_" + sample(HEX, 10, "ls2"), literal="lsv2_sk_"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="basic-credentials", provider="HTTP", free_form=True,
         pattern=r"(?i)\bauthorization[\"']?\s{0,3}:\s{0,3}basic\s{1,3}([A-Za-z0-9+/]{6,500}={0,2})(?![A-Za-z0-9+/=])",
         keywords=("authorization",), check=_basic_pair,
         example="-H 'Authorization: Basic " + base64.b64encode(b"api:" + sample(ALNUM, 4, "basic").encode()).decode() + "'",
         negatives=("Authorization: Basic ...", "Authorization: Basic " + base64.b64encode(b"no colon").decode()),
         doc="RFC 7617 (Basic: base64 of user-id ':' password)"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="user-token", provider="curl", free_form=True,
         pattern=r"\bcurl\b(?:[^\n]|\\\n){0,300}?\s(?:-u|--user)(?:\s{1,3}|=)([\"'])((?=[^\s\"':]{0,99}[0-9])(?=[^\s\"':]{0,99}[A-Za-z])[^\s\"':<>{}$]{8,100}):\1",
         group=2, keywords=("curl",), min_entropy=2.5,
         example='curl -u "' + sample(ALNUM, 24, "curl-token") + ':" https://api.example.org',
         negatives=('curl -u "myusername" http://x.org', 'curl -u "admin:" http://x.org'),
         doc="curl manual '-u, --user' (an API key sent as the user name, empty password)"),
    # --- session 5: prefixed formats found missing on trufflehog's detector tests ------------------
    prefixed("api-key", "Pinecone", "pcsk_", "[A-Za-z0-9]{5,6}_[A-Za-z0-9]{63}", ALNUM, 0,
             "Pinecone docs 'Understanding API keys' (pcsk_ + key id + _ + secret); shape as in "
             "trufflehog pkg/detectors/pinecone (pcsk_ + 5-6 + _ + 63)",
             example_body=sample(ALNUM, 6, "pcsk") + "_" + sample(ALNUM, 63, "pcsk2")),
    prefixed("sdk-key", "LaunchDarkly", "(?:sdk|mob|api)-",
             "[a-z0-9]{8}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{12}", LOWER_ALNUM, 0,
             "LaunchDarkly docs 'Keys' (SDK keys sdk-, mobile keys mob-, API access tokens api-, each + a UUID); "
             "trufflehog pkg/detectors/launchdarkly", literal="sdk-", before=r"[A-Za-z0-9_\-/.]",
             example_body="-".join(sample(HEX, k, f"ld{i}") for i, k in enumerate((8, 4, 4, 4, 12)))),
    prefixed("api-access-token", "Buildkite", "bkua_", "[a-f0-9]{40}", HEX, 40,
             "Buildkite docs 'Managing API access tokens' (bkua_ + 40 hex)"),
    prefixed("personal-access-token", "Contentful", "CFPAT-", "[A-Za-z0-9_\\-]{43}", URLSAFE, 43,
             "Contentful docs 'Personal access tokens' (CFPAT- + 43)"),
    prefixed("api-key", "AWS AppSync", "da2-", "[a-z0-9]{26}", LOWER_ALNUM, 26,
             "AWS AppSync docs 'Authorization and authentication: API_KEY' (da2- + 26)"),
    # --- session 5: shapes found missing on the even half of Nosey Parker's rule examples ------------
    prefixed("admin-api-key", "New Relic", "NRAA-", "[a-f0-9]{27}", HEX, 27,
             "New Relic docs 'New Relic API keys' (admin keys NRAA-, legacy)"),
    keyed("personal-access-token", "Azure DevOps",
          (r"(?:ado|azure|devops)[_\-]?pat", r"azure[_\-]?devops", r"devops", r"vsts",
           r"personal[_\-]?access[_\-]?token"),
          "[a-z2-7]{52}", "abcdefghijklmnopqrstuvwxyz234567", 52,
          "Azure DevOps docs 'Use personal access tokens' (52 base32 characters)", word="ado_pat",
          keywords=("ado_pat", "azure_pat", "devops", "vsts", "personal_access", "personalaccess")),
    keyed("server-token", "Postmark", ("postmark",),
          "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", HEX, 32,
          "Postmark docs 'API tokens' (server and account tokens are UUIDs)",
          example_value="3f2c9a1e-7b4d-4e8a-9c6f-2d1b8e5a7c30"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="incoming-webhook-legacy", provider="Microsoft Teams",
         pattern=r"(https://outlook\.office(?:365)?\.com/webhook/[a-f0-9\-]{36}@[a-f0-9\-]{36}/IncomingWebhook/"
                 r"[a-f0-9]{32}/[a-f0-9\-]{36})", keywords=("outlook.office",), flags=re.IGNORECASE,
         example=("https://outlook.office.com/webhook/" + "-".join(sample(HEX, k, f"tw{i}") for i, k in enumerate((8, 4, 4, 4, 12)))
                  + "@" + "-".join(sample(HEX, k, f"tx{i}") for i, k in enumerate((8, 4, 4, 4, 12)))
                  + "/IncomingWebhook/" + sample(HEX, 32, "ty") + "/"
                  + "-".join(sample(HEX, k, f"tz{i}") for i, k in enumerate((8, 4, 4, 4, 12)))),
         negatives=("https://outlook.office.com/webhook/",),
         doc="Microsoft Learn 'Create an Incoming Webhook' (Office 365 connector URLs, outlook.office.com/webhook/...)"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="device-access-token", provider="ThingsBoard",
         pattern=r"/api/v1/([A-Za-z0-9]{20})/(?:telemetry|attributes|rpc|claim|provision)\b", keywords=("/api/v1/",),
         severity=Severity.MEDIUM, example="https://thingsboard.example.org/api/v1/" + sample(LOWER_ALNUM, 20, "tb") + "/telemetry",
         negatives=("https://thingsboard.example.org/api/v1/$ACCESS_TOKEN/telemetry",),
         doc="ThingsBoard docs 'HTTP Device API' (POST /api/v1/$ACCESS_TOKEN/telemetry; 20-character device tokens)"),
    prefixed("oauth-access-token", "Google", "ya29\\.", "[0-9A-Za-z_\\-]{60,2000}", URLSAFE, 150,
             "Google Identity docs 'Using OAuth 2.0' (access tokens ya29.; short-lived, a leak still grants "
             "its scopes until expiry)", before=r"[A-Za-z0-9_\-.]"),
    keyed("legacy-token", "HashiCorp Vault", ("vault",), "[sb]\\.[A-Za-z0-9_\\-]{24,200}", ALNUM, 24,
          "Vault docs 'Tokens' (service s. / batch b. tokens before the hvs. / hvb. prefixes of Vault 1.10)",
          example_value="s." + sample(ALNUM, 24, "vault")),
    # --- session 6: formats from the provider's own documentation or source ---------------------------
    prefixed("secret-key", "Django", "django-insecure-", "[a-z0-9!@#$%^&*(\\-_=+)]{50}", DJANGO_SECRET_CHARS, 50,
             "Django source django/core/management/utils.py get_random_secret_key() (50 characters of "
             "a-z0-9!@#$%^&*(-_=+)); 'startproject' writes 'django-insecure-' + that key into settings.py",
             after=r"(?![A-Za-z0-9!@#$%^&*(\-_=+)])"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="license-key", provider="New Relic",
         pattern=r"(?<![A-Za-z0-9])([a-f0-9]{36}NRAL)(?![A-Za-z0-9_\-])", keywords=("nral",),
         example=sample(HEX, 36, "nral") + "NRAL", negatives=(sample(HEX, 30, "nral") + "NRAL",),
         doc="New Relic docs 'New Relic API keys' (license key: 40 characters, ending in NRAL)"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="personal-access-token-84", provider="Azure DevOps",
         pattern=r"(?<![A-Za-z0-9])([A-Za-z0-9]{52}JQQJ[A-Za-z0-9]{20}AZDO[A-Za-z0-9]{4})(?![A-Za-z0-9])",
         keywords=("azdo",), example=sample(ALNUM, 52, "ado1") + "JQQJ" + sample(ALNUM, 20, "ado2") + "AZDO" + sample(ALNUM, 4, "ado3"),
         negatives=(sample(ALNUM, 52, "ado1") + "JQQJ" + sample(ALNUM, 20, "ado2") + "AZDX" + sample(ALNUM, 4, "ado3"),),
         doc="Microsoft DevBlogs 'New Azure DevOps PAT format' (2024: 84 characters, the fixed signature JQQJ "
             "at 52-55 and AZDO at 76-79)"),
    prefixed("api-key", "Tavily", "tvly-(?:dev-|prod-)?", "[A-Za-z0-9]{32,48}", ALNUM, 32,
             "Tavily docs 'API keys' (keys start tvly-; development keys tvly-dev-)", literal="tvly-"),
    prefixed("stream-key", "Twitch", "live_[0-9]{6,12}_", "[A-Za-z0-9]{30}", ALNUM, 30,
             "Twitch Help 'How to find your stream key' (Creator Dashboard: live_<channel id>_<30 characters>)",
             literal="live_123456789_"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="api-key", provider="TrueNAS",
         pattern=r"(?<![A-Za-z0-9\-])([0-9]{1,4}-[A-Za-z0-9]{64})(?![A-Za-z0-9_\-])",
         keywords=("truenas", "freenas", "login_with_api_key"),
         context=r"(?i)truenas|freenas|login_with_api_key",
         example='truenas_api_key = "7-' + sample(ALNUM, 64, "truenas") + '"',
         negatives=("7-" + sample(ALNUM, 40, "truenas"),),
         doc="TrueNAS docs 'API Keys' and middleware auth.login_with_api_key (<key id>-<64 alphanumerics>)"),
    prefixed("oauth-token", "Zoho", "1000\\.", "[a-f0-9]{32}\\.[a-f0-9]{32}", HEX, 32,
             "Zoho API docs 'OAuth 2.0: generate access and refresh tokens' (1000.<32 hex>.<32 hex>)",
             example_body=sample(HEX, 32, "zoho1") + "." + sample(HEX, 32, "zoho2"), before=r"[A-Za-z0-9.]"),
    prefixed("api-key", "Voiceflow", "VF\\.(?:DM|WS)\\.", "[a-f0-9]{24}\\.[A-Za-z0-9]{16}", HEX, 24,
             "Voiceflow docs 'Dialog Manager API: API keys' (VF.DM.<24 hex>.<16 characters>)", literal="VF.DM.",
             example_body=sample(HEX, 24, "vf1") + "." + sample(ALNUM, 16, "vf2")),
    Rule(rule_id=f"SEC-{next(_ids)}", name="webhook-url", provider="Discord",
         pattern=r"(https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api/(?:v\d{1,2}/)?webhooks/[0-9]{17,20}/[A-Za-z0-9_\-]{60,68})(?![A-Za-z0-9_\-])",
         keywords=("/webhooks/",),
         example="https://discord.com/api/webhooks/" + sample(DIGITS, 18, "dw1") + "/" + sample(URLSAFE, 68, "dw2"),
         negatives=("https://discord.com/api/webhooks/" + sample(DIGITS, 18, "dw1") + "/{webhook.token}",),
         doc="Discord developer docs 'Webhook resource' (POST /webhooks/{webhook.id}/{webhook.token})"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="session-id", provider="Salesforce",
         pattern=r"(?<![A-Za-z0-9])(00D[A-Za-z0-9]{12}![A-Za-z0-9_.]{80,120})(?![A-Za-z0-9_.])", keywords=("00d",),
         example="00D" + sample(ALNUM, 12, "sf1") + "!" + sample(ALNUM, 96, "sf2"),
         negatives=("00D" + sample(ALNUM, 12, "sf1") + "!" + sample(ALNUM, 30, "sf2"),),
         doc="Salesforce docs 'Session ID' / 'sf org display' (access token: the 15-character org id 00D..., "
             "'!', then the session secret)"),
    prefixed("public-api-token", "Segment", "sgp_", "[A-Za-z0-9]{64}", ALNUM, 64,
             "Segment docs 'Public API: authentication' (tokens start sgp_; 64 characters after it)"),
    prefixed("api-token", "Ubidots", "BBFF-", "[A-Za-z0-9]{30}", ALNUM, 30,
             "Ubidots docs 'Authentication' (account tokens BBFF- + 30 characters)"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="bot-token-in-context", provider="Telegram",
         pattern=r"(?<![A-Za-z0-9_:])([0-9]{8,10}:[A-Za-z0-9_\-]{35})(?![A-Za-z0-9_\-])",
         keywords=("telegram", "tgram"), context=r"(?i)telegram|tgram", reject_identifiers=True,
         example="telegram_bot_token = 1234567890:" + sample(URLSAFE, 35, "tgc"),
         negatives=("1234567890:" + sample(URLSAFE, 20, "tgc"),),
         doc="Telegram Bot API 'Authorizing your bot' (<bot id>:<35 characters>; the documented example "
             "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11 does not start with AA)"),
    prefixed("api-token", "Teamwork", "tkn\\.v1_", "[A-Za-z0-9+/_\\-]{60,120}={0,2}", ALNUM, 72,
             "mongodb/kingfisher data/rules/teamworkdesk.yml (Teamwork.com API tokens tkn.v1_ + base64)",
             literal="tkn.v1_", after=r"(?![A-Za-z0-9+/=_\-])"),
    # --- session 8 ------------------------------------------------------------------------------------
    prefixed("api-key", "Dependency-Track", "odt_", "(?:[A-Za-z0-9]{8}_)?[A-Za-z0-9]{32}", ALNUM, 32,
             "Dependency-Track docs 'Configuration' (alpine.api.key.prefix, default odt_ since v4.9.0) and Alpine "
             "alpine-model ApiKey.java (PREFIX + 8-character public id + '_' + 32-character key since Alpine 3.2.0; "
             "PREFIX + 32 before) with ApiKeyGeneratorTest (keys are 32 [A-Za-z0-9])"),
    Rule(rule_id=f"SEC-{next(_ids)}", name="shared-access-signature", provider="Azure",
         pattern=r"(?:(?<=[?&;\s\"'=])|^)sig=([A-Za-z0-9%+/]{40,120}={0,2})(?![A-Za-z0-9%+/=])", keywords=("sig=",),
         flags=re.MULTILINE, context=r"(?m)(?:[?&;\s\"'=]|^)sv=\d{4}-\d{2}-\d{2}|[?&]skn=|SharedAccessSignature ",
         example="https://acct.blob.core.windows.net/data?sv=2023-01-03&se=2030-01-01T00%3A00%3A00Z&sr=c&sp=r&sig="
                 + sample(ALNUM, 40, "sas") + "%3D",
         negatives=("https://acct.blob.core.windows.net/data?sv=2023-01-03&sr=c&sp=r&sig=" + sample(ALNUM, 12, "sas"),
                    "sv=2023-01-03&sig2=" + sample(ALNUM, 44, "sas")),
         doc="Microsoft Learn 'Create a service SAS' / 'Grant limited access with shared access signatures' (sv=<signed "
             "version>, sp, se, sr, sig=<HMAC-SHA256, base64, URL-encoded>) and Event Hubs / Service Bus "
             "'SharedAccessSignature sr=...&sig=...&se=...&skn=...'; without sv= / skn= in the text: low"),
    prefixed("api-token", "SpectralOps", "spu-", "[a-z0-9]{32}", LOWER_ALNUM, 32,
             "trufflehog pkg/detectors/spectralops (spu- + 32 lower-case alphanumerics; the provider publishes no "
             "format)"),
)
"""Every provider rule. Ids are assigned in table order from ``SEC-100``: add new rules at the end so
that released ids never move (``test_secrets_rules.py`` pins a sample of them)."""
