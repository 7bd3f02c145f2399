"""Issue 14: generated hostile files fed to every file-reading command of signing, encryption, audit,
gateway and dependency audit: never a traceback, never exit 0 for something that cannot be valid."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlsecure.cli.main import main

SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
JSONISH = st.recursive(SCALARS, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
                       max_leaves=10)


def _texts() -> st.SearchStrategy[bytes]:
    """Raw bytes, JSON documents (with NaN/Infinity as Python writes them), duplicate keys, deep nesting."""
    dumped = JSONISH.map(lambda v: json.dumps(v).encode())
    duplicated = st.text(max_size=4).map(lambda k: json.dumps(k).encode().join([b"{", b":1,", b":2}"]))
    deep = st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n)
    return st.binary(min_size=1, max_size=400) | dumped | duplicated | deep


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hostile")
    model = root / "model"
    model.mkdir()
    (model / "w.bin").write_bytes(os.urandom(256))
    assert main(["artifact", "keygen", "--out", str(root / "k")]) == 0
    assert main(["audit", "checkpoint", "--generate-key", str(root / "ck.pem")]) == 0
    db = root / "audit.db"
    from mlsecure.audit import AuditEvent, open_store

    with open_store(db, hmac_key=bytes(32)) as store:
        store.append(AuditEvent(event_type="auth", actor="a", action="login", resource="r", outcome="allowed"))
    (root / "hmac.key").write_text(bytes(32).hex())
    (root / "hmac.key").chmod(0o600)
    from mlsecure.serving.signing import ResponseSigner

    signer = ResponseSigner.from_file(root / "gw.pem", generate=True)
    (root / "gw.pub").write_text(signer.public_pem())
    (root / "sig").write_text(signer.sign(b'{"a":1}'))
    return {"root": root, "model": model, "db": db}


COMMANDS = {
    "artifact verify --pub": lambda w, f: ["artifact", "verify", str(w["model"]), "--signature", f,
                                           "--pub", str(w["root"] / "k.pub")],
    "artifact verify --hmac": lambda w, f: ["artifact", "verify", str(w["model"]), "--signature", f,
                                            "--hmac-key-env", "MLSECURE_TEST_HMAC"],
    "data verify": lambda w, f: ["data", "verify", f],
    "data inspect": lambda w, f: ["data", "inspect", f],
    "data decrypt": lambda w, f: ["data", "decrypt", f, "-o", f + ".out"],
    "audit verify --checkpoint": lambda w, f: ["audit", "verify", str(w["db"]), "--checkpoint", f,
                                               "--hmac-key-file", str(w["root"] / "hmac.key")],
    "audit verify --public-key": lambda w, f: ["audit", "verify", str(w["db"]), "--public-key", f,
                                               "--hmac-key-file", str(w["root"] / "hmac.key")],
    "artifact sign --key": lambda w, f: ["artifact", "sign", str(w["model"]), "--key", f, "--no-scan",
                                         "-o", f + ".sig"],
    "gateway verify-response": lambda w, f: ["gateway", "verify-response", "--public-key", str(w["root"] / "gw.pub"),
                                             "--signature", f"@{w['root'] / 'sig'}", "--body", f],
    "deps db build": lambda w, f: ["deps", "db", "build", "--from", f, "--output", f + ".zip"],
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_hostile_file_never_crashes_or_passes(name: str, world: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MLSECURE_TEST_HMAC", "h" * 32)
    monkeypatch.setenv("MLSECURE_DATA_KEY", "ab" * 32)
    counter = iter(range(10**9))

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(_texts())
    def run(content: bytes) -> None:
        path = world["root"] / f"input-{next(counter)}.json"
        path.write_bytes(content)
        code = main(COMMANDS[name](world, str(path)))  # anything but an MLSecureError escapes and fails
        out = capsys.readouterr()
        assert code in (1, 2), (content[:80], out.err[-300:])
        assert "Traceback" not in out.err

    run()
