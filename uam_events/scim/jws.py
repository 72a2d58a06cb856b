"""Compact JWS Security Event Tokens: their claims, verified when a key is configured.

The key is a PEM public key or certificate (RSA: RS*/PS*, EC: ES*, Ed25519/Ed448: EdDSA) or an
HMAC secret (HS*); the algorithms follow from the key, never from the token (RFC 8725 2.1).
Time claims are not checked: replays read old tokens, and replay must stay deterministic.
Messages never carry key material.
"""

from __future__ import annotations

import functools
import re
from typing import TypeAlias, cast

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from jwt.types import Options

from uam_events.core.values import JsonObject
from uam_events.errors import ConfigError, InvalidInput, MalformedInput
from uam_events.scim.shapes import check_depth

COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
COMPACT_JWE = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){4}")
HMAC = ("HS256", "HS384", "HS512")
RSA = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
EC = ("ES256", "ES384", "ES512")
VerifyingKey: TypeAlias = (
    rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | ed448.Ed448PublicKey
)
NO_CLAIM_CHECKS: Options = {
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
    "verify_sub": False,
    "verify_jti": False,
}
SIGN_FIX = "sign the SET with the key uam-events is configured to trust"


def is_compact(text: str) -> bool:
    """Return whether `text` is a compact JWS or JWE (three or five base64url segments)."""
    return bool(COMPACT_JWS.fullmatch(text) or COMPACT_JWE.fullmatch(text))


def read_token(token: str, verification_key: str | None, field: str) -> JsonObject:
    """Return the claims of a compact SET; with a key, only of a token that key signed."""
    if COMPACT_JWE.fullmatch(token):
        raise MalformedInput(
            field, "the SET is encrypted (JWE), which is not supported", "send a signed SET (JWS)"
        )
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError:
        raise MalformedInput(
            field, "not a readable compact JWT", "send header.payload.signature in base64url"
        ) from None
    if verification_key is None:
        return _decode(token, None, (), field)
    algorithm = header.get("alg")
    if not isinstance(algorithm, str) or algorithm.lower() == "none":
        raise InvalidInput(
            field, "the SET is unsigned (alg none), and a verification key is configured", SIGN_FIX
        )
    key, algorithms = _verifier(verification_key)
    if algorithm not in algorithms:
        raise InvalidInput(
            field,
            f"the SET is signed with {algorithm}, which the configured key cannot verify",
            f"sign with {', '.join(algorithms)}",
        )
    return _decode(token, key, algorithms, field)


def _decode(
    token: str, key: VerifyingKey | bytes | None, algorithms: tuple[str, ...], field: str
) -> JsonObject:
    """Return the token's claims, checking the signature when `algorithms` is not empty."""
    options: Options = {**NO_CLAIM_CHECKS, "verify_signature": bool(algorithms)}
    try:
        claims = jwt.decode(token, key or b"", algorithms=list(algorithms), options=options)
    except RecursionError:
        raise MalformedInput(field, "the SET's claims nest too deeply", "flatten them") from None
    except jwt.InvalidSignatureError:
        raise InvalidInput(
            field, "the SET's signature does not match the configured key", SIGN_FIX
        ) from None
    except jwt.DecodeError:
        raise MalformedInput(
            field, "the SET's payload is not a JSON object", "send the claims as a JSON object"
        ) from None
    except jwt.PyJWTError:
        raise InvalidInput(
            field, "the SET cannot be verified with the configured key", SIGN_FIX
        ) from None
    check_depth(claims, field)
    return cast(JsonObject, claims)


@functools.lru_cache(maxsize=4)
def _verifier(verification_key: str) -> tuple[VerifyingKey | bytes, tuple[str, ...]]:
    """Return the key PyJWT verifies with and the algorithms that key allows."""
    if not verification_key.strip():
        raise ConfigError(["SCIM verification key: it is empty; configure a key or none"])
    if not verification_key.lstrip().startswith("-----BEGIN"):
        return verification_key.encode("utf-8"), HMAC
    pem = verification_key.strip().encode("utf-8")
    public: object
    try:
        if pem.startswith(b"-----BEGIN CERTIFICATE"):
            public = x509.load_pem_x509_certificate(pem).public_key()
        else:
            public = serialization.load_pem_public_key(pem)
    except ValueError:
        raise ConfigError(
            ["SCIM verification key: not a PEM public key or certificate; configure the public key"]
        ) from None
    if isinstance(public, rsa.RSAPublicKey):
        return public, RSA
    if isinstance(public, ec.EllipticCurvePublicKey):
        return public, EC
    if isinstance(public, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return public, ("EdDSA",)
    raise ConfigError(["SCIM verification key: use an RSA, EC or EdDSA public key"])
