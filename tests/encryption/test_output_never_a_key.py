"""``mlsecure data encrypt|decrypt|rewrap -o`` never writes over a key file of the same command (session-5
audit: ``data encrypt in.csv -o k.key --key-file k.key --force`` replaced the only key with ciphertext)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlsecure.cli.main import main


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "k.key"
    assert main(["data", "keygen", str(path)]) == 0
    return path


@pytest.mark.parametrize("link", [False, True])
def test_encrypt_refuses_to_write_over_its_key_file(tmp_path: Path, key: Path, link: bool,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,2\n")
    target = key
    if link:
        target = tmp_path / "k.link"
        target.symlink_to(key)
    before = key.read_bytes()
    assert main(["data", "encrypt", str(data), "-o", str(target), "--key-file", str(key), "--force"]) == 2
    assert "refusing to write the output over the key file" in capsys.readouterr().err
    assert key.read_bytes() == before
    # and the key still opens what it encrypts
    assert main(["data", "encrypt", str(data), "-o", str(tmp_path / "d.mlse"), "--key-file", str(key)]) == 0
    assert main(["data", "decrypt", str(tmp_path / "d.mlse"), "-o", str(tmp_path / "back.csv"),
                 "--key-file", str(key)]) == 0
    assert (tmp_path / "back.csv").read_bytes() == data.read_bytes()


def test_rewrap_refuses_to_write_over_the_new_key(tmp_path: Path, key: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,2\n")
    sealed = tmp_path / "d.mlse"
    assert main(["data", "encrypt", str(data), "-o", str(sealed), "--key-file", str(key)]) == 0
    new = tmp_path / "new.key"
    assert main(["data", "keygen", str(new)]) == 0
    before = new.read_bytes()
    assert main(["data", "rewrap", str(sealed), "-o", str(new), "--key-file", str(key), "--new-key-file", str(new),
                 "--force"]) == 2
    assert new.read_bytes() == before
