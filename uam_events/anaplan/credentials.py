"""Build the sign-in the configuration names, reading its secrets and key files once.

Invariants: a missing or unreadable secret, certificate or key is a ConfigError naming the
setting to fix, raised before any request; a rotated OAuth refresh token is written back to
`refresh_token_file` (atomically, owner-only) when one is configured, so a restart uses it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import SecretStr

from uam_events.anaplan.auth import BasicSignIn, CertificateSignIn, OAuthSignIn, SignIn
from uam_events.errors import ConfigError
from uam_events.settings.anaplan import AnaplanSettings, AuthSettings


def sign_in_for(settings: AnaplanSettings) -> SignIn:
    """Return the sign-in of `settings.auth.method`, its secrets resolved now."""
    auth = settings.auth
    if auth.method == "basic":
        return BasicSignIn(settings.auth_url, auth.user, auth.require_password())
    if auth.method == "certificate":
        certificate, sign = load_certificate(auth)
        return CertificateSignIn(settings.auth_url, certificate, sign)
    client_id = auth.client_id or ""
    on_rotate = _writer(auth.refresh_token_file) if auth.refresh_token_file else None
    return OAuthSignIn(
        settings.auth_url,
        client_id,
        auth.client_secret_value(),
        auth.require_refresh_token(),
        on_rotate,
    )


def load_certificate(auth: AuthSettings) -> tuple[bytes, Callable[[bytes], bytes]]:
    """Return the certificate's PEM bytes and a SHA512withRSA signer of its private key."""
    if auth.certificate_file is None or auth.private_key_file is None:
        raise ConfigError(["anaplan.auth: certificate_file and private_key_file are required"])
    pem = _read(auth.certificate_file, "anaplan.auth.certificate_file")
    try:
        certificate = x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise _bad("certificate_file", "not a PEM X.509 certificate") from None
    key = _private_key(auth)
    public = certificate.public_key()
    if not isinstance(public, rsa.RSAPublicKey) or public.public_numbers() != (
        key.public_key().public_numbers()
    ):
        raise _bad("private_key_file", "does not belong to certificate_file")

    def sign(data: bytes) -> bytes:
        """Sign `data` SHA512withRSA (PKCS#1 v1.5) with the private key."""
        return key.sign(data, padding.PKCS1v15(), hashes.SHA512())

    return pem, sign


def _private_key(auth: AuthSettings) -> rsa.RSAPrivateKey:
    """Load the RSA private key, decrypting it with the passphrase when one is set."""
    assert auth.private_key_file is not None
    data = _read(auth.private_key_file, "anaplan.auth.private_key_file")
    passphrase = auth.private_key_passphrase
    secret = passphrase.get_secret_value().encode() if passphrase is not None else None
    try:
        key = serialization.load_pem_private_key(data, secret)
    except TypeError:
        variable = "UAM_ANAPLAN__AUTH__PRIVATE_KEY_PASSPHRASE"
        state = "is encrypted" if secret is None else "is not encrypted"
        raise _bad("private_key_file", f"{state}; fix: set or unset {variable}") from None
    except (ValueError, UnsupportedAlgorithm):
        fix = "a PEM RSA key, and the right UAM_ANAPLAN__AUTH__PRIVATE_KEY_PASSPHRASE"
        raise _bad("private_key_file", f"cannot be read; fix: give {fix}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise _bad("private_key_file", "is not an RSA key (Anaplan signs SHA512withRSA)")
    return key


def _read(path: Path, setting: str) -> bytes:
    """Return a file's bytes, or raise ConfigError naming the setting."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            [f"{setting}: cannot read {path} ({exc.strerror}); fix: check the path"]
        ) from None


def _bad(field: str, problem: str) -> ConfigError:
    """Return a ConfigError for a certificate setting (the file, never its content)."""
    text = f"anaplan.auth.{field}: {problem}"
    return ConfigError([text if "fix:" in text else f"{text}; fix: check the file"])


def _writer(path: Path) -> Callable[[SecretStr], None]:
    """Return a callback that replaces the refresh-token file atomically, owner-only."""

    def write(token: SecretStr) -> None:
        """Replace the file's content with `token`."""
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".refresh-token-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(token.get_secret_value() + "\n")
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    return write
