"""AnaplanAuthToken issuing: basic and certificate sign-in, refresh, validate, logout.

Invariants: a token is valid until its expiry or its logout, whichever comes first; refresh
keeps the token value and its refresh id and moves the expiry on; an inactive user never
signs in; secrets (passwords, token values) never appear in a repr.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from uam_events.anaplan.simulator.world import TenantUser, World, guid

MIN_ENCODED_BYTES = 100
CUSTOMER_GUID = guid("uam-events simulated customer")


class SignInRefused(ValueError):
    """A sign-in fails: `bad_header` (400) or bad credentials (401); the text is safe to show."""

    def __init__(self, message: str, bad_header: bool = False) -> None:
        self.bad_header = bad_header
        super().__init__(message)


@dataclass(slots=True)
class Token:
    """An issued token; its value stays out of the repr."""

    value: str = field(repr=False)
    user: str
    expires_at: float
    token_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    refresh_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def info(self) -> dict[str, Any]:
        """Return the `tokenInfo` object (expiry in epoch milliseconds)."""
        return {
            "expiresAt": int(self.expires_at * 1000),
            "tokenId": self.token_id,
            "tokenValue": self.value,
            "refreshTokenId": self.refresh_id,
        }


def basic_user(world: World, credentials: str) -> TenantUser:
    """Return the active user a `Basic` credential names; raise SignInRefused otherwise."""
    try:
        email, sep, password = base64.b64decode(credentials, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise SignInRefused(
            "The Basic credentials are not base64 of email:password", True
        ) from None
    if not sep:
        raise SignInRefused("The Basic credentials are not base64 of email:password", True)
    user = world.user(email)
    known = user.password if user is not None and user.password is not None else ""
    if user is None or not user.active or not hmac.compare_digest(known, password) or not known:
        raise SignInRefused("Bad credentials")
    return user


def certificate_user(world: World, encoded_pem: str, body: dict[str, Any]) -> TenantUser:
    """Return the active user a registered certificate and a valid signature identify."""
    try:
        pem = base64.b64decode(encoded_pem, validate=True)
        certificate = x509.load_pem_x509_certificate(pem)
    except (binascii.Error, ValueError):
        raise SignInRefused(
            "The CACertificate header is not a base64 PEM certificate", True
        ) from None
    data, signature = _signed_payload(body)
    der = certificate.public_bytes(Encoding.DER)
    for user in world.users.values():
        if user.certificate_pem is None or not user.active:
            continue
        registered = x509.load_pem_x509_certificate(user.certificate_pem.encode())
        if registered.public_bytes(Encoding.DER) == der:
            _verify(certificate, data, signature)
            return user
    raise SignInRefused("The certificate is not registered to an active user")


def _signed_payload(body: dict[str, Any]) -> tuple[bytes, bytes]:
    """Return the decoded `encodedData` and `encodedSignedData` of a certificate sign-in."""
    try:
        data = base64.b64decode(str(body["encodedData"]), validate=True)
        signature = base64.b64decode(str(body["encodedSignedData"]), validate=True)
    except KeyError as missing:
        raise SignInRefused(f"The body needs {missing.args[0]}", True) from None
    except binascii.Error:
        raise SignInRefused("encodedData and encodedSignedData must be base64", True) from None
    if len(data) < MIN_ENCODED_BYTES:
        raise SignInRefused(f"encodedData must hold at least {MIN_ENCODED_BYTES} bytes", True)
    return data, signature


def _verify(certificate: x509.Certificate, data: bytes, signature: bytes) -> None:
    """Check a SHA512withRSA (PKCS#1 v1.5) signature against the certificate's key."""
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignInRefused("The certificate's key is not RSA")
    try:
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA512())
    except InvalidSignature:
        raise SignInRefused("The signature does not match the certificate") from None


@dataclass(slots=True)
class TokenStore:
    """The tokens issued so far, by value."""

    ttl: float
    tokens: dict[str, Token] = field(default_factory=dict, repr=False)

    def issue(self, user: TenantUser, now: float) -> Token:
        """Issue a new token to a user."""
        token = Token(secrets.token_urlsafe(32), user.email, now + self.ttl)
        self.tokens[token.value] = token
        return token

    def find(self, value: str, now: float) -> Token | None:
        """Return the live token with this value, or None once expired or logged out."""
        token = self.tokens.get(value)
        return token if token is not None and token.expires_at > now else None

    def refresh(self, token: Token, now: float) -> Token:
        """Move a token's expiry on, keeping its value."""
        token.expires_at = now + self.ttl
        return token

    def logout(self, token: Token) -> None:
        """End a token at once."""
        self.tokens.pop(token.value, None)
