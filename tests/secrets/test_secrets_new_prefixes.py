"""Session 5's provider formats (Pinecone, LaunchDarkly, Buildkite, Contentful, AWS AppSync, Google ya29., Vault s.,
New Relic NRAA-, Doppler dp.st.):
documented shapes in, near misses out."""

from __future__ import annotations

import pytest

from mlsecure.findings import Severity
from mlsecure.secrets import SecretScanner
from mlsecure.secrets.interface import FileKind

# made-up values in each documented shape (prefix + alphabet + length)
PINECONE = "pcsk_T5Afk6_" + "5qU9s3iLVFmaSaJtMat7gTHaT9fXa7ykiBk7iz4uUMuLGLemkdutTgwJevYhqtn"  # 5-6 + _ + 63
LAUNCHDARKLY = "sdk-3f2c9a1e-7b4d-4e8a-9c6f-2d1b8e5a7c30"


def _rules(text: str) -> list[str]:
    findings = SecretScanner().scan_text(text + "\n", path="settings.txt", kind=FileKind.TEXT)
    return [f.title.split(" ")[0] for f in findings if f.severity >= Severity.MEDIUM]


@pytest.mark.parametrize(("text", "provider"), [
    (f"index = connect({PINECONE!r})", "Pinecone"),
    (LAUNCHDARKLY, "LaunchDarkly"),
    (LAUNCHDARKLY.replace("sdk-", "mob-"), "LaunchDarkly"),
    ("bkua_" + "4f1c2a9be07d4c3f8a6e5d2b1c0f9e8d7a6b5c4d", "Buildkite"),
    ("CFPAT-" + "Q2mT7wLp3zR8Xk9vQ2mT7wLp3zR8Xk9vQ2mT7wLp3zR", "Contentful"),
    ("da2-" + "k9vq2mt7wlp3zr8xk9vq2mt7wl", "AWS"),
    ("access_token = 'ya29." + "A0ARrdaM-PV_87ebjywDJpXKb77NBFJl16meVUapYdfNv6W6ZzCu947fNaPaRjbDbOIIcp6f" + "49c'",
     "Google"),
    ("vault_token = s." + "CAESIP2jTxc9S3K7Z6CtcFWQv7", "HashiCorp"),
    ("NRAA-" + "4780f48c47df5882dbec3fd82c7", "New"),
    ("DOPPLER_TOKEN=dp.scim." + "bAqhcVzrhy5cRHkOlNTc0Ve6w5NUDCpcutm8vGE9myi", "Doppler"),
])
def test_documented_shapes_fail_a_scan(text: str, provider: str) -> None:
    assert _rules(text) == [provider]


@pytest.mark.parametrize("text", [
    PINECONE[:-1],  # one character short of 63
    "pcsk_T5Afk6_tooshort",
    "https://example.com/api-3f2c9a1e-7b4d-4e8a-9c6f-2d1b8e5a7c30",  # a UUID in a URL path
    "sdk-3f2c9a1e-7b4d-4e8a-9c6f",  # not a whole UUID
    "bkua_" + "4f1c2a9be07d4c3f8a6e",
    "da2-" + "k9vq2mt7wlp3zr8xk9vq2mt7w",  # 25, not 26
    "https://ya29.example.org/path",  # a host name, not a token
    "NRAA-" + "4780f48c47df5882dbec3fd82",  # 25 hex, not 27
])
def test_near_misses_do_not_fail(text: str) -> None:
    assert _rules(text) == []
