"""Model signing: manifests of every file, in-toto statements in DSSE envelopes, Sigstore bundles in the
OpenSSF model-signing layout, and the guide's HMAC manifest done right.

Typical use::

    from mlsecure.artifacts.signing import generate_keypair, load_private_key, sign_model, verify_model

    signed = sign_model("model_dir", load_private_key("key"))
    result = verify_model("model_dir", signed.bundle, load_public_key("key.pub"))
    assert result.valid, [p.message for p in result.problems]
"""

from mlsecure.artifacts.signing.hashing import hash_model
from mlsecure.artifacts.signing.hmac_manifest import hmac_sign_model, hmac_verify_model, is_hmac_manifest
from mlsecure.artifacts.signing.keys import (
    KEY_ALGORITHMS,
    KeyAlgorithm,
    KeyPair,
    generate_keypair,
    key_hint,
    load_private_key,
    load_public_key,
)
from mlsecure.artifacts.signing.manifest import (
    DEFAULT_SHARD_SIZE,
    HASH_ALGORITHMS,
    LAYOUTS,
    Change,
    HashAlgorithm,
    Layout,
    Manifest,
    diff_manifests,
)
from mlsecure.artifacts.signing.sign import SignedModel, sign_model
from mlsecure.artifacts.signing.verify import Problem, VerificationResult, read_signature, verify_model

__all__ = [
    "DEFAULT_SHARD_SIZE",
    "HASH_ALGORITHMS",
    "KEY_ALGORITHMS",
    "LAYOUTS",
    "Change",
    "HashAlgorithm",
    "KeyAlgorithm",
    "KeyPair",
    "Layout",
    "Manifest",
    "Problem",
    "SignedModel",
    "VerificationResult",
    "diff_manifests",
    "generate_keypair",
    "hash_model",
    "hmac_sign_model",
    "hmac_verify_model",
    "is_hmac_manifest",
    "key_hint",
    "load_private_key",
    "load_public_key",
    "read_signature",
    "sign_model",
    "verify_model",
]
