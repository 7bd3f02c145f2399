"""DSSE envelopes (https://github.com/secure-systems-lab/dsse, protocol v1) and the Sigstore bundle v0.3
that carries one, in the exact shape OpenSSF model-signing reads with its strict parser.

The signature covers ``PAE(payloadType, payload)`` =
``b"DSSEv1 " + len(type) + b" " + type + b" " + len(payload) + b" " + payload`` (lengths in ASCII
decimal bytes), never the JSON text of the envelope, so re-serialising the envelope cannot break it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlsecure import strict_json
from mlsecure.artifacts.signing.keys import PrivateKey, PublicKey, key_hint, sign_bytes, verify_bytes
from mlsecure.errors import InputError
from mlsecure.strict_json import canonical_json

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE pre-authentication encoding."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def make_envelope(statement: Mapping[str, Any], key: PrivateKey) -> dict[str, Any]:
    """Sign an in-toto statement into a DSSE envelope."""
    payload = canonical_json(statement)
    signature = sign_bytes(key, pae(IN_TOTO_PAYLOAD_TYPE, payload))
    return {
        "payload": base64.b64encode(payload).decode("ascii"),
        "payloadType": IN_TOTO_PAYLOAD_TYPE,
        "signatures": [{"sig": base64.b64encode(signature).decode("ascii"), "keyid": ""}],
    }


@dataclass(frozen=True)
class Opened:
    """An envelope after its signature check: ``statement`` is only set when ``authentic``."""

    authentic: bool
    statement: Mapping[str, Any] | None
    reason: str = ""


def open_envelope(envelope: Any, key: PublicKey) -> Opened:
    """Check the envelope's signature with ``key`` and, only then, parse its statement."""
    if not isinstance(envelope, Mapping):
        raise InputError("signature: the DSSE envelope is not a JSON object")
    if envelope.get("payloadType") != IN_TOTO_PAYLOAD_TYPE:
        raise InputError(f"signature: payloadType is {envelope.get('payloadType')!r}, "
                         f"expected {IN_TOTO_PAYLOAD_TYPE!r}")
    payload = _b64(envelope.get("payload"), "payload")
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        return Opened(False, None, "the envelope carries no signature")
    message = pae(IN_TOTO_PAYLOAD_TYPE, payload)
    for entry in signatures:
        if isinstance(entry, Mapping) and verify_bytes(key, _b64(entry.get("sig"), "signature"), message):
            break
    else:
        return Opened(False, None, "the signature does not verify with this public key")
    statement = strict_json.loads(payload, what="signature: the signed payload")
    if not isinstance(statement, Mapping) or statement.get("_type") != STATEMENT_TYPE:
        raise InputError(f"signature: the payload is not an in-toto Statement v1 ({STATEMENT_TYPE})")
    return Opened(True, statement)


def make_bundle(envelope: Mapping[str, Any], key: PublicKey) -> dict[str, Any]:
    """A Sigstore bundle v0.3 around ``envelope`` with the public-key hint (no transparency log)."""
    return {
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": {"publicKey": {"hint": key_hint(key)}, "tlogEntries": []},
        "dsseEnvelope": dict(envelope),
    }


def bundle_parts(bundle: Any) -> tuple[Mapping[str, Any], str | None]:
    """The DSSE envelope and the key hint of a bundle, checking its media type and shape."""
    if not isinstance(bundle, Mapping):
        raise InputError("signature: not a JSON object")
    if bundle.get("mediaType") != BUNDLE_MEDIA_TYPE:
        raise InputError(f"signature: mediaType is {bundle.get('mediaType')!r}, expected {BUNDLE_MEDIA_TYPE!r}")
    envelope = bundle.get("dsseEnvelope")
    if not isinstance(envelope, Mapping):
        raise InputError("signature: the bundle has no dsseEnvelope")
    material = bundle.get("verificationMaterial")
    hint = None
    if isinstance(material, Mapping) and isinstance(material.get("publicKey"), Mapping):
        value = material["publicKey"].get("hint")
        hint = value if isinstance(value, str) else None
    return envelope, hint


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise InputError(f"signature: the envelope's {what} is missing")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"signature: the envelope's {what} is not valid base64") from None
