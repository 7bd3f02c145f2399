"""A small OSV database in the real OSV schema (https://ossf.github.io/osv-schema/), written per test.

The records are trimmed copies of real advisories: GHSA-53q9-r3pm-6pq6 (torch.load weights_only RCE,
CVE-2025-32434, fixed in torch 2.6.0), PYSEC-2021-142 and its GitHub twin GHSA-8q59-q68h-6hv4 (PyYAML
full_load RCE, CVE-2020-14343, fixed in 5.4), GHSA-3863-2447-669p (transformers deserialization,
CVE-2023-6730, fixed in 4.36.0) and an unrelated Django record.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

RECORDS: list[dict[str, Any]] = [
    {
        "schema_version": "1.6.0", "id": "GHSA-53q9-r3pm-6pq6", "modified": "2025-04-18T15:00:00Z",
        "published": "2025-04-17T19:00:00Z", "aliases": ["CVE-2025-32434"],
        "summary": "PyTorch: `torch.load` with `weights_only=True` leads to remote code execution",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [{"package": {"ecosystem": "PyPI", "name": "torch", "purl": "pkg:pypi/torch"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.6.0"}]}]}],
        "references": [{"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/CVE-2025-32434"}],
        "database_specific": {"severity": "CRITICAL", "github_reviewed": True},
    },
    {
        "id": "PYSEC-2021-142", "modified": "2021-03-01T00:00:00Z", "published": "2021-02-09T21:15:00Z",
        "aliases": ["CVE-2020-14343", "GHSA-8q59-q68h-6hv4"],
        "details": "A vulnerability was discovered in the PyYAML library in versions before 5.4, where it is "
                   "susceptible to arbitrary code execution when it processes untrusted YAML files through the "
                   "full_load method or with the FullLoader loader.",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "PyYAML", "purl": "pkg:pypi/pyyaml"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "5.4"}]}],
                      "versions": ["5.1", "5.1.1", "5.1.2", "5.2", "5.3", "5.3.1"]}],
        "references": [{"type": "ADVISORY", "url": "https://bugzilla.redhat.com/show_bug.cgi?id=1860466"}],
    },
    {
        "id": "GHSA-8q59-q68h-6hv4", "modified": "2021-03-01T00:00:00Z", "aliases": ["CVE-2020-14343"],
        "summary": "Improper Input Validation in PyYAML",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [{"package": {"ecosystem": "PyPI", "name": "pyyaml"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "5.4"}]}]}],
    },
    {
        "id": "GHSA-3863-2447-669p", "modified": "2023-12-20T00:00:00Z", "aliases": ["CVE-2023-6730"],
        "summary": "Deserialization of Untrusted Data in Hugging Face transformers",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"}],
        "affected": [{"package": {"ecosystem": "PyPI", "name": "transformers"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "4.36.0"}]}]}],
    },
    {
        "id": "GHSA-xxxx-django-0001", "modified": "2024-01-01T00:00:00Z", "summary": "unrelated",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "django"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9.0"}]}]}],
    },
]


@pytest.fixture
def osv_dir(tmp_path: Path) -> Path:
    root = tmp_path / "osv" / "PyPI"
    root.mkdir(parents=True)
    for record in RECORDS:
        (root / f"{record['id']}.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    return root.parent


@pytest.fixture
def osv_zip(tmp_path: Path) -> Path:
    path = tmp_path / "all.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for record in RECORDS:
            archive.writestr(f"{record['id']}.json", json.dumps(record))
    return path
