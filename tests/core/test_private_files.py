"""Secret-holding files: written 0600 without a half-written moment, never silently replaced; read only
when other users cannot read them too."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlsecure.errors import ConfigError, InputError
from mlsecure.private_files import read_private_file, write_private_file


def test_write_then_read_private_file(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    assert write_private_file(path, b"first", what="the key file") is True
    assert path.stat().st_mode & 0o777 == 0o600
    assert write_private_file(path, b"second", what="the key file") is False  # exists: left alone
    assert read_private_file(path, what="the key file") == b"first"
    assert write_private_file(path, b"third", what="the key file", overwrite=True) is True
    assert read_private_file(path, what="the key file") == b"third"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.key"]  # no temporary file left behind


def test_read_private_file_refuses_shared_odd_and_large_files(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    path.write_bytes(b"x" * 100)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match=r"mode 0644.*chmod 600"):
        read_private_file(path, what="the key file")
    assert read_private_file(path, what="the key file", require_private=False) == b"x" * 100
    path.chmod(0o600)
    with pytest.raises(InputError, match="not the key file"):
        read_private_file(path, what="the key file", max_bytes=10)
    with pytest.raises(InputError, match="must be a regular file"):
        read_private_file(tmp_path, what="the key file")
    with pytest.raises(FileNotFoundError):
        read_private_file(tmp_path / "absent", what="the key file")
