"""Checkpoints as C2SP signed notes: format, signature, parsing."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mlsecure.audit import Checkpoint, sign_checkpoint
from mlsecure.errors import InputError

WHEN = datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
ROOT = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")


def test_note_layout_and_key_hash(signing_key: Ed25519PrivateKey) -> None:
    cp = sign_checkpoint("mlsecure-audit/abc", 8, ROOT, signing_key, key_name="witness-test", timestamp=WHEN)
    note = cp.to_note()
    root_b64 = base64.b64encode(ROOT).decode()
    body = f"mlsecure-audit/abc\n8\n{root_b64}\ntimestamp 2026-05-06T07:08:09.123456Z\n"
    assert note.startswith(body + "\n\u2014 witness-test ")
    # C2SP signed-note key hash: SHA-256(name || "\n" || 0x01 || raw Ed25519 public key)[:4]
    raw = signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    blob = base64.b64decode(note.rstrip("\n").rsplit(" ", 1)[1])
    assert blob[:4] == hashlib.sha256(b"witness-test\n\x01" + raw).digest()[:4]
    signing_key.public_key().verify(blob[4:], body.encode())  # raises if the signature is wrong
    parsed = Checkpoint.from_note(note)
    assert parsed == cp and parsed.verify_signature(signing_key.public_key())


def test_altered_note_fails_signature(signing_key: Ed25519PrivateKey) -> None:
    note = sign_checkpoint("log", 8, ROOT, signing_key, timestamp=WHEN).to_note()
    forged = Checkpoint.from_note(note.replace("\n8\n", "\n7\n", 1))
    assert forged.tree_size == 7 and not forged.verify_signature(signing_key.public_key())
    other = Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key()
    assert not Checkpoint.from_note(note).verify_signature(other)


@pytest.mark.parametrize(("text", "message"), [
    ("log\n8\n", "blank line"),
    ("log\nx\nAAAA\ntimestamp 2026-01-01T00:00:00Z\n\n", "decimal"),
    ("log\n8\n!!\ntimestamp 2026-01-01T00:00:00Z\n\n", "base64"),
    ("log\n8\nAAAA\ntimestamp 2026-01-01T00:00:00Z\n\n", "32"),
    ("log\n8\nXcnaeacGWamtVZy3Ad7Zoqudgjqtl0lgz+Nw7/RgQyg=\ntimestamp 2026-01-01T00:00:00Z\n\nno sig\n",
     "no Ed25519 signature"),
])
def test_malformed_notes_are_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Checkpoint.from_note(text)
