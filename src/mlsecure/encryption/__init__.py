"""Encryption at rest for datasets, models and checkpoints (guide section 16.1).

- ``stream``: the ``MLSENC`` v1 streaming AEAD file format (STREAM construction, AES-256-GCM or
  ChaCha20-Poly1305, constant memory, atomic output) and ``rewrap_file`` for KEK rotation.
- ``keys``: key-encryption keys for envelope encryption (key file, environment, scrypt passphrase) and
  the ``KeyEncryptionKey`` interface a cloud KMS implements.
- ``pipeline_policy``: lint a data pipeline config (YAML/TOML/JSON) for encryption at rest and in
  transit, temp storage, masking, access logging and inline credentials; returns ``Finding``s.
"""

from mlsecure.encryption.keys import (
    Envelope,
    KekKind,
    KeyEncryptionKey,
    KeyId,
    KeyUnwrapError,
    LocalKey,
    PassphraseKey,
    generate_key_file,
)
from mlsecure.encryption.pipeline_policy import PipelinePolicyResult, check_document, check_pipeline
from mlsecure.encryption.stream import (
    Algorithm,
    AuthenticationError,
    Header,
    StreamResult,
    decrypt_file,
    decrypt_stream,
    encrypt_file,
    encrypt_stream,
    read_file_header,
    rewrap_file,
    verify_file,
)

__all__ = [
    "Algorithm",
    "AuthenticationError",
    "Envelope",
    "Header",
    "KekKind",
    "KeyEncryptionKey",
    "KeyId",
    "KeyUnwrapError",
    "LocalKey",
    "PassphraseKey",
    "PipelinePolicyResult",
    "StreamResult",
    "check_document",
    "check_pipeline",
    "decrypt_file",
    "decrypt_stream",
    "encrypt_file",
    "encrypt_stream",
    "generate_key_file",
    "read_file_header",
    "rewrap_file",
    "verify_file",
]
