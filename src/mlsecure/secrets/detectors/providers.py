"""Provider-specific credentials: a documented prefix and alphabet, a checksum where the format has one.

Sources for the formats: GitHub "Behind GitHub's new authentication token formats" (2021-04-05:
prefix, 30 base62 random characters, 6-character base62 CRC32 of the random part); AWS IAM
"Unique identifiers" (AKIA/ASIA + 16 base32 characters); Anthropic keys end in ``AA``; OpenAI keys
embed ``T3BlbkFJ`` (base64 of "OpenAI"); Hugging Face user tokens are ``hf_`` + 34 letters.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from collections.abc import Mapping
from typing import Any

from mlsecure.findings import Severity
from mlsecure.secrets.detectors.base import PatternDetector

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def github_checksum(random_part: str) -> str:
    """The 6-character base62 CRC32 GitHub appends to a token's 30 random characters."""
    value = binascii.crc32(random_part.encode("ascii"))
    digits = []
    while value:
        value, rest = divmod(value, 62)
        digits.append(BASE62[rest])
    return "".join(reversed(digits)).rjust(6, "0")

# a GitHub link up to the commit segment: raw.githubusercontent.com/<owner>/<repo>/, github.com/<owner>/<repo>/blob/
_GITHUB_COMMIT_PATH = re.compile(r"(?:raw\.githubusercontent\.com/[\w.\-]+/[\w.\-]+/|github\.com/[\w.\-]+/[\w.\-]+/"
                                 r"(?:blob|tree|raw|commit|blame)/)\Z")


class AwsAccessKeyId(PatternDetector):
    rule_id = "SEC-001"
    title = "AWS access key id"
    description = "An AWS IAM access key id (AKIA long-term, ASIA temporary) in a file."
    rotate = "Deactivate the key in IAM (aws iam update-access-key --status Inactive) and check CloudTrail for its use."
    severity = Severity.HIGH
    priority = 90
    reports_stand_ins = True
    keywords = ("akia", "asia", "abia", "acca", "a3t")
    # AWS IAM "Unique identifiers": AKIA (access key), ASIA (temporary access key), ABIA (STS service
    # bearer token), ACCA (context-specific credential), A3T* (legacy) + 16 base32 characters. AIDA /
    # AROA / AGPA ... name users, roles and groups: identifiers, not credentials.
    pattern = re.compile(r"(?<![A-Za-z0-9])((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9])")
    validated = True  # the 16 characters after the prefix must be base32

    def validate(self, secret: str, match: re.Match[str]) -> Mapping[str, Any] | None:
        return {"key_type": "temporary (STS)" if secret.startswith("ASIA") else "long-term"}


class AwsSecretAccessKey(PatternDetector):
    rule_id = "SEC-002"
    title = "AWS secret access key"
    description = "A 40-character AWS secret access key next to an AWS secret-key name."
    rotate = "Deactivate the key pair in IAM and check CloudTrail for its use."
    severity = Severity.CRITICAL
    priority = 85
    reports_stand_ins = True
    keywords = ("aws", "secret_access", "secretaccess")
    pattern = re.compile(
        r"(?i)(?:aws[\w.\-]{0,20}?(?:secret|sk|key|token)|secret.?access.?key)[\w.\-]{0,20}[\"']?\s*(?:=|:|:=|=>|,)\s*"
        r"[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])")


class GitHubToken(PatternDetector):
    rule_id = "SEC-003"
    title = "GitHub token"
    description = "A GitHub personal access / OAuth / app token whose CRC32 checksum is valid."
    rotate = "Revoke it at https://github.com/settings/tokens (GitHub also revokes tokens it finds public)."
    severity = Severity.CRITICAL
    priority = 90
    reports_stand_ins = True
    keywords = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")
    pattern = re.compile(r"(?<![A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36})(?![A-Za-z0-9_])")
    validated = True

    def validate(self, secret: str, match: re.Match[str]) -> Mapping[str, Any] | None:
        random_part, checksum = secret[4:34], secret[34:]
        if github_checksum(random_part) != checksum:
            return None  # GitHub never issues such a token: a made-up example
        kinds = {"p": "personal access", "o": "OAuth", "u": "user-to-server", "s": "server-to-server",
                 "r": "refresh"}
        return {"token_type": kinds[secret[2]], "checksum": "valid"}


class GitHubFineGrainedToken(PatternDetector):
    rule_id = "SEC-004"
    title = "GitHub fine-grained personal access token"
    description = "A GitHub fine-grained personal access token (github_pat_)."
    rotate = "Revoke it at https://github.com/settings/tokens?type=beta."
    severity = Severity.CRITICAL
    priority = 90
    reports_stand_ins = True
    keywords = ("github_pat_",)
    pattern = re.compile(r"(?<![A-Za-z0-9_])(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9_])")


class GitLabToken(PatternDetector):
    rule_id = "SEC-005"
    title = "GitLab token"
    description = "A GitLab personal / deploy / runner / trigger / agent / OAuth / CI token."
    rotate = "Revoke it under GitLab User settings > Access tokens."
    severity = Severity.CRITICAL
    priority = 90
    reports_stand_ins = True
    keywords = ("glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "gloas-", "glsoat-", "glimt-", "glagent-", "gr1348941",
                "glft-", "glffct-", "glsoat-", "gltst-", "glcsrt-", "_gitlab_session=")
    # GitLab docs "Token overview > Token prefixes": glpat- (personal / project / group, 20 characters
    # or routable "glpat-<27+>.<2><7>"), gldt- deploy, glrt-/GR1348941 runner, glcbt- CI job, glptt-
    # pipeline trigger (40), glimt- incoming mail (25), glagent- Kubernetes agent (50+), gloas- OAuth
    # application secret (64), glft- feed, glffct- feature-flag client, glsoat- SCIM.
    pattern = re.compile(
        r"(?<![A-Za-z0-9_\-])("
        r"(?:glpat|gldt|glrt|glcbt|glft|glsoat|gltst|glcsrt|glffct)-[A-Za-z0-9_\-]{20,50}(?:\.[0-9a-z]{2}[0-9a-z]{7})?"
        r"|GR1348941[A-Za-z0-9_\-]{20,50}"
        r"|glptt-[A-Za-z0-9_\-]{40}|glimt-[A-Za-z0-9_\-]{25}|gloas-[A-Za-z0-9_\-]{64}"
        r"|glagent-[A-Za-z0-9_\-]{50,1024}"
        r"|_gitlab_session=[0-9a-z]{32}"
        r")(?![A-Za-z0-9_\-])")


class SlackToken(PatternDetector):
    rule_id = "SEC-006"
    title = "Slack token or webhook"
    description = "A Slack bot / user / app token or an incoming-webhook URL."
    rotate = "Regenerate it in the Slack app's OAuth & Permissions / Incoming Webhooks page."
    severity = Severity.HIGH
    priority = 90
    reports_stand_ins = True
    keywords = ("xox", "xapp-", "hooks.slack.com")
    pattern = re.compile(
        r"((?:xox[baprseo]-(?:[0-9]-)?(?:[0-9]{5,13}-){1,3}[A-Za-z0-9]{10,64})"
        # rotating tokens (Slack docs 'Using token rotation': "xoxe.xoxp-1-Mi0y..." access and "xoxe-1-My0x..."
        # refresh tokens, base64 bodies in both cases)
        r"|(?:xoxe(?:\.xox[bp])?-[0-9]-[A-Za-z0-9]{140,170})"
        r"|(?:xapp-\d-[A-Z0-9]{9,12}-\d{10,14}-[a-f0-9]{32,80})"
        r"|(?:xoxb-[0-9]{8,14}-[A-Za-z0-9]{18,26})"
        r"|(?:https?://hooks\.slack\.com/(?:services|workflows|triggers)/T[A-Z0-9]{7,12}/[A-Z0-9]{7,12}/"
        r"(?:[0-9]{10,20}/)?[A-Za-z0-9]{23,34}))")


class StripeKey(PatternDetector):
    rule_id = "SEC-007"
    title = "Stripe secret key"
    description = "A Stripe secret or restricted API key (test mode: medium; live: critical)."
    rotate = "Roll the key in the Stripe dashboard (Developers > API keys)."
    severity = Severity.CRITICAL
    priority = 90
    reports_stand_ins = True
    keywords = ("sk_live_", "rk_live_", "sk_test_", "rk_test_", "sk_prod_", "rk_prod_")
    pattern = re.compile(r"(?<![A-Za-z0-9_])((?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{24,247})(?![A-Za-z0-9_])")

    def validate(self, secret: str, match: re.Match[str]) -> Mapping[str, Any] | None:
        return {"mode": "test" if "_test_" in secret else "live"}

    def severity_of(self, secret: str) -> Severity:
        # a test-mode secret key reads and writes the account's test data and settings: medium
        return Severity.MEDIUM if "_test_" in secret else Severity.CRITICAL


class GoogleApiKey(PatternDetector):
    rule_id = "SEC-008"
    title = "Google API key"
    description = "A Google Cloud / Firebase API key (AIza + 35 characters)."
    rotate = "Regenerate or restrict the key in Google Cloud console > APIs & Services > Credentials."
    severity = Severity.HIGH
    priority = 90
    reports_stand_ins = True
    keywords = ("aiza",)
    pattern = re.compile(r"(?<![A-Za-z0-9_\-])(AIza[0-9A-Za-z_\-]{35})(?![A-Za-z0-9_\-])")


class OpenAIKey(PatternDetector):
    rule_id = "SEC-009"
    title = "OpenAI API key"
    description = "An OpenAI API key (carries the T3BlbkFJ marker, base64 of 'OpenAI')."
    rotate = "Revoke it at https://platform.openai.com/api-keys."
    severity = Severity.CRITICAL
    priority = 90
    reports_stand_ins = True
    keywords = ("t3blbkfj",)
    pattern = re.compile(r"(?<![A-Za-z0-9_\-])(sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_\-]{20,80}"
                         r"T3BlbkFJ[A-Za-z0-9_\-]{20,80})(?![A-Za-z0-9_\-])")
    validated = True


class AnthropicKey(PatternDetector):
    rule_id = "SEC-010"
    title = "Anthropic API key"
    description = "An Anthropic API or admin key (sk-ant-api03- / sk-ant-admin01-, ending in AA)."
    rotate = "Revoke it in the Anthropic Console (Settings > API keys)."
    severity = Severity.CRITICAL
    priority = 90
    reports_stand_ins = True
    keywords = ("sk-ant-",)
    pattern = re.compile(r"(?<![A-Za-z0-9_\-])(sk-ant-(?:api03|admin01)-[A-Za-z0-9_\-]{93}AA)(?![A-Za-z0-9_\-])")
    validated = True


class HuggingFaceToken(PatternDetector):
    rule_id = "SEC-011"
    title = "Hugging Face token"
    description = "A Hugging Face user access token (hf_ + 34 letters) or organization API token."
    rotate = "Invalidate it at https://huggingface.co/settings/tokens; check model repos it could write."
    severity = Severity.HIGH
    priority = 90
    reports_stand_ins = True
    keywords = ("hf_", "api_org_")
    pattern = re.compile(r"(?<![A-Za-z0-9_])((?:hf_|api_org_)[A-Za-z]{34})(?![A-Za-z0-9_])")

    def validate(self, secret: str, match: re.Match[str]) -> Mapping[str, Any] | None:
        # a real token mixes cases; 34 letters of one case are an identifier (hf_some_long_name...)
        body = secret.split("_")[-1]
        if body.islower() or body.isupper():
            return None
        return {}


class WandbApiKey(PatternDetector):
    rule_id = "SEC-012"
    title = "Weights & Biases API key"
    description = "A 40-hex-digit Weights & Biases API key next to 'wandb' (code, env files, .netrc)."
    rotate = "Reset it at https://wandb.ai/authorize (User settings > API keys)."
    severity = Severity.HIGH
    priority = 80
    reports_stand_ins = True
    keywords = ("wandb",)
    # on the same line, or across the login / password lines of a .netrc "machine api.wandb.ai" entry
    pattern = re.compile(r"(?i:wandb)(?:[^\n]|\n(?=[ \t]*(?:login|password)\b)){0,80}?"
                         r"(?<![0-9a-fA-F])([0-9a-f]{40})(?![0-9a-fA-F])")

    def validate(self, secret: str, match: re.Match[str]) -> Mapping[str, Any] | None:
        # (session 14) a commit id in a GitHub link's path (raw.githubusercontent.com/wandb/wandb/<sha>/logo.png,
        # github.com/wandb/edu/blob/<sha>/...): 40 hex there name a commit, whatever repository the link names
        if _GITHUB_COMMIT_PATH.search(match.string, max(0, match.start(1) - 200), match.start(1)):
            return None
        return {}


class AzureStorageConnectionString(PatternDetector):
    rule_id = "SEC-013"
    title = "Azure storage account key"
    description = "An Azure storage connection string with an AccountKey (64 bytes, base64)."
    rotate = "Rotate the storage account key (az storage account keys renew); prefer SAS or Entra ID."
    severity = Severity.CRITICAL
    priority = 90
    reports_stand_ins = True
    keywords = ("accountkey",)
    pattern = re.compile(r"(?i)AccountKey\s*=\s*([A-Za-z0-9+/]{86}==)")
    validated = True

    def validate(self, secret: str, match: re.Match[str]) -> Mapping[str, Any] | None:
        try:
            raw = base64.b64decode(secret, validate=True)
        except (binascii.Error, ValueError):
            return None
        return {"key_bytes": len(raw)} if len(raw) == 64 else None


PROVIDER_DETECTORS: tuple[type[PatternDetector], ...] = (
    AwsAccessKeyId, AwsSecretAccessKey, GitHubToken, GitHubFineGrainedToken, GitLabToken, SlackToken,
    StripeKey, GoogleApiKey, OpenAIKey, AnthropicKey, HuggingFaceToken, WandbApiKey,
    AzureStorageConnectionString,
)
