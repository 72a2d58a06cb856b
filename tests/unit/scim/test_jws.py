"""Compact JWS SETs: claims read unverified without a key, verified against a configured key."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from uam_events.core.events import UserCreated, UserDeactivated
from uam_events.errors import ConfigError, InvalidInput, MalformedInput
from uam_events.scim import decode_scim

Payload = Callable[[str], Any]
SECRET = "a-shared-hmac-secret-of-at-least-32-bytes"


def public_pem(key: Any) -> str:
    """Return the PEM of a private key's public half."""
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def unsigned(claims: dict[str, Any]) -> str:
    """Return an `alg: none` token of `claims`, as PyJWT cannot sign with none on purpose."""
    return jwt.encode(claims, None, algorithm="none")


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    """Return an RSA key made for this test run (no key material is stored)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    """Return a P-256 key made for this test run."""
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def deactivate(payload: Payload) -> dict[str, Any]:
    """Return the claims of a deactivate SET."""
    claims: dict[str, Any] = payload("scim-events-set-deactivate-opaque.json")
    return claims


def test_no_key_reads_claims_unverified(deactivate: dict[str, Any]) -> None:
    """Without a verification key, even an unsigned token's claims are read."""
    events = decode_scim(unsigned(deactivate).encode(), None)
    assert events == [UserDeactivated("44f6142df96bd6ab61e7521d9")]


def test_rs256_token_verifies(payload: Payload, rsa_key: rsa.RSAPrivateKey) -> None:
    """A token signed with the configured RSA key decodes to its events."""
    token = jwt.encode(payload("scim-events-set-create-full.json"), rsa_key, algorithm="RS256")
    (event,) = decode_scim(token.encode(), None, verification_key=public_pem(rsa_key))
    assert isinstance(event, UserCreated)


def test_es256_and_hmac_tokens_verify(
    deactivate: dict[str, Any], ec_key: ec.EllipticCurvePrivateKey
) -> None:
    """EC keys verify ES256, shared secrets verify HS256."""
    token = jwt.encode(deactivate, ec_key, algorithm="ES256")
    assert decode_scim(token.encode(), None, verification_key=public_pem(ec_key))
    token = jwt.encode(deactivate, SECRET, algorithm="HS256")
    assert decode_scim(token.encode(), None, verification_key=SECRET)


def test_eddsa_token_verifies(deactivate: dict[str, Any]) -> None:
    """Ed25519 keys verify EdDSA."""
    key = ed25519.Ed25519PrivateKey.generate()
    token = jwt.encode(deactivate, key, algorithm="EdDSA")
    assert decode_scim(token.encode(), None, verification_key=public_pem(key))


def test_a_certificate_is_a_verification_key(
    deactivate: dict[str, Any], ec_key: ec.EllipticCurvePrivateKey
) -> None:
    """A PEM certificate verifies with its public key."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scim.example.com")])
    now = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ec_key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(ec_key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    token = jwt.encode(deactivate, ec_key, algorithm="ES256")
    assert decode_scim(token.encode(), None, verification_key=pem)


def test_time_claims_are_not_checked(deactivate: dict[str, Any]) -> None:
    """An expired token still decodes: a replay reads old tokens deterministically."""
    token = jwt.encode({**deactivate, "exp": 1, "nbf": 1}, SECRET, algorithm="HS256")
    assert decode_scim(token.encode(), None, verification_key=SECRET)


def test_unsigned_token_is_invalid_when_a_key_is_configured(deactivate: dict[str, Any]) -> None:
    """`alg: none` is refused once a key is configured."""
    with pytest.raises(InvalidInput) as error:
        decode_scim(unsigned(deactivate).encode(), None, verification_key=SECRET)
    assert error.value.field == "value"
    assert "unsigned" in error.value.problem


def test_bad_signature_is_invalid_and_names_no_key(
    deactivate: dict[str, Any], rsa_key: rsa.RSAPrivateKey
) -> None:
    """A token signed by another key is invalid; the message carries no key material."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(deactivate, other, algorithm="RS256")
    pem = public_pem(rsa_key)
    with pytest.raises(InvalidInput) as error:
        decode_scim(token.encode(), None, verification_key=pem)
    assert "signature" in error.value.problem
    assert "BEGIN" not in error.value.reason
    assert pem.splitlines()[1] not in error.value.reason


def test_tampered_hmac_token_is_invalid(deactivate: dict[str, Any]) -> None:
    """Swapping the payload of a signed token breaks its signature; the secret stays out."""
    header, _, signature = jwt.encode(deactivate, SECRET, algorithm="HS256").split(".")
    forged_claims = {**deactivate, "sub_id": {"format": "opaque", "id": "someone-else"}}
    forged_payload = jwt.encode(forged_claims, SECRET, algorithm="HS256").split(".")[1]
    token = ".".join([header, forged_payload, signature])
    with pytest.raises(InvalidInput) as error:
        decode_scim(token.encode(), None, verification_key=SECRET)
    assert "signature" in error.value.problem
    assert SECRET not in error.value.reason


def test_algorithm_the_key_cannot_verify_is_invalid(
    deactivate: dict[str, Any], rsa_key: rsa.RSAPrivateKey
) -> None:
    """An HS256 token against a PEM key is refused (no algorithm confusion)."""
    pem = public_pem(rsa_key)
    token = jwt.encode(deactivate, SECRET, algorithm="HS256")
    with pytest.raises(InvalidInput) as error:
        decode_scim(token.encode(), None, verification_key=pem)
    assert "HS256" in error.value.problem
    assert "RS256" in error.value.fix


def test_unsigned_json_claims_are_invalid_when_a_key_is_configured(
    deactivate: dict[str, Any],
) -> None:
    """JSON SET claims carry no signature, so a configured key refuses them."""
    with pytest.raises(InvalidInput, match="unsigned JSON"):
        decode_scim(json.dumps(deactivate).encode(), None, verification_key=SECRET)


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("eyJhbGciOiJIUzI1NiJ9.bm90LWpzb24.c2ln", "payload is not a JSON object"),
        ("bm90LWpzb24.e30.c2ln", "not a readable compact JWT"),
        ("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", "encrypted"),
    ],
)
def test_unreadable_tokens_are_malformed(token: str, problem: str) -> None:
    """A token whose parts are not base64url JSON, or a JWE, is malformed."""
    with pytest.raises(MalformedInput) as error:
        decode_scim(token.encode(), None)
    assert problem in error.value.problem


def test_a_key_that_is_not_a_public_key_is_a_config_error(deactivate: dict[str, Any]) -> None:
    """A broken PEM is the operator's problem: ConfigError, without the key in the message."""
    token = jwt.encode(deactivate, SECRET, algorithm="HS256")
    broken = "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n"
    with pytest.raises(ConfigError) as error:
        decode_scim(token.encode(), None, verification_key=broken)
    assert "bm90IGEga2V5" not in str(error.value)


def test_plain_operations_need_no_signature() -> None:
    """The key guards SETs only: a plain operation is not a token and is accepted."""
    value = json.dumps({"op": "delete", "id": "u-1"}).encode()
    assert decode_scim(value, None, verification_key=SECRET)[0].user_id == "u-1"
