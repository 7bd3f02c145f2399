"""Issue 14: ``kill -9`` during ``artifact sign`` and ``data encrypt`` leaves no complete-looking output.

Each command runs as a real subprocess on a large sparse input (no disk used, seconds of work) and is
killed part-way. Afterwards the final output name either does not exist or holds a complete, valid
result (the run had finished): never a short file that reads as a signature or an encrypted file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from mlsecure.cli.main import main

SRC = Path(__file__).resolve().parents[2] / "src"
ENV = {**os.environ, "PYTHONPATH": str(SRC), "MLSECURE_DATA_KEY": "ab" * 32}


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


def _start(argv: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "mlsecure", *argv], cwd=cwd, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _kill_when(proc: subprocess.Popen[bytes], ready: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None and not ready():
        time.sleep(0.02)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_kill9_during_artifact_sign(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    _sparse(model / "weights.bin", 6 << 30)  # about 6 s of SHA-256 on this machine's cores
    key = tmp_path / "k"
    assert main(["artifact", "keygen", "--out", str(key)]) == 0
    sig = tmp_path / "model.sig.json"
    proc = _start(["artifact", "sign", str(model), "--key", str(key), "--no-scan", "-o", str(sig)], tmp_path)
    started = time.monotonic()
    _kill_when(proc, lambda: time.monotonic() - started > 1.5)
    if sig.exists():  # it finished before the kill: then the signature must be whole and valid
        assert main(["artifact", "verify", str(model), "--signature", str(sig), "--pub", f"{key}.pub"]) == 0
    else:
        assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("when", ["early", "late"])
def test_kill9_during_data_encrypt(tmp_path: Path, when: str) -> None:
    plain = _sparse(tmp_path / "big.bin", 2 << 30)
    out = tmp_path / "big.bin.mlse"
    proc = _start(["data", "encrypt", str(plain), "-o", str(out)], tmp_path)

    def partial_written() -> bool:  # the temporary file exists and holds some ciphertext
        parts = [p for p in tmp_path.iterdir() if p.name.startswith(".big.bin.mlse.") and p.name.endswith(".part")]
        threshold = 1 << 20 if when == "early" else 128 << 20
        return any(p.stat().st_size > threshold for p in parts)

    _kill_when(proc, partial_written)
    assert proc.returncode == -signal.SIGKILL, "the encryption finished before it could be killed"
    assert not out.exists()  # only a dot-named .part file may remain, never the final name
    for part in tmp_path.glob(".big.bin.mlse.*.part"):
        part.unlink()
