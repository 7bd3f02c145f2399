"""Small helpers shared by the red-team regression files: write bytes under a name, scan, and return what a
test asserts on (verdict, worst severity, issue titles)."""

from __future__ import annotations

import json
from pathlib import Path

from scan_corpus import gguf_bytes

from mlsecure.artifacts.scan import Verdict, scan_file
from mlsecure.findings import Severity


def scan_named(tmp_path: Path, name: str, data: bytes | str) -> tuple[Verdict, Severity, list[str]]:
    """Write ``data`` to ``tmp_path/name`` (parents made) and scan it as the CLI would."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    result = scan_file(path)
    return result.verdict, result.max_severity, [i.title for i in result.issues]


def chat_template_container(container: str, template: str) -> bytes:
    """``template`` as the chat template of ``container``: a GGUF's ``tokenizer.chat_template`` (llama-cpp-python
    renders it, CVE-2024-34359) or a ``tokenizer_config.json``'s ``chat_template``."""
    if container.endswith(".gguf"):
        return gguf_bytes({"general.architecture": "llama", "tokenizer.chat_template": template})
    return json.dumps({"chat_template": template, "bos_token": "<s>"}).encode()
