"""Building the sign-in from settings: secrets resolved once, key files checked, tokens kept."""

from __future__ import annotations

import secrets
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pydantic import SecretStr

from tests.conftest import make_certificate
from uam_events.anaplan.auth import BasicSignIn, CertificateSignIn, OAuthSignIn
from uam_events.anaplan.credentials import load_certificate, sign_in_for
from uam_events.errors import ConfigError
from uam_events.settings.anaplan import AnaplanSettings

MakeSettings = Callable[..., AnaplanSettings]


def write_pair(
    folder: Path, key: rsa.RSAPrivateKey, passphrase: bytes | None = None
) -> tuple[Path, Path]:
    """Write a certificate and its key into `folder`; return both paths."""
    cert_pem, key_pem, _ = make_certificate(key, passphrase)
    cert, key_file = folder / "cert.pem", folder / "key.pem"
    cert.write_bytes(cert_pem)
    key_file.write_bytes(key_pem)
    return cert, key_file


def test_basic_settings_give_basic_sign_in(make_anaplan_settings: MakeSettings) -> None:
    """Method basic gives a BasicSignIn for the configured user."""
    sign_in = sign_in_for(make_anaplan_settings())
    assert isinstance(sign_in, BasicSignIn)
    assert sign_in.user == "integration@example.com"


def test_missing_password_names_its_variable(make_anaplan_settings: MakeSettings) -> None:
    """Without a password the client cannot be built: ConfigError names the variable."""
    with pytest.raises(ConfigError, match="UAM_ANAPLAN__AUTH__PASSWORD"):
        sign_in_for(make_anaplan_settings(password=None))


def test_certificate_settings_sign_with_the_key(
    make_anaplan_settings: MakeSettings, tmp_path: Path, client_rsa_key: rsa.RSAPrivateKey
) -> None:
    """Method certificate loads both files; its signer verifies against the certificate."""
    cert, key = write_pair(tmp_path, client_rsa_key)
    settings = make_anaplan_settings(
        method="certificate", password=None, certificate_file=cert, private_key_file=key
    )
    assert isinstance(sign_in_for(settings), CertificateSignIn)
    pem, sign = load_certificate(settings.auth)
    assert pem == cert.read_bytes()
    data = secrets.token_bytes(150)
    client_rsa_key.public_key().verify(sign(data), data, padding.PKCS1v15(), hashes.SHA512())


def test_encrypted_key_opens_with_its_passphrase(
    make_anaplan_settings: MakeSettings, tmp_path: Path, client_rsa_key: rsa.RSAPrivateKey
) -> None:
    """An encrypted key is read with UAM_ANAPLAN__AUTH__PRIVATE_KEY_PASSPHRASE."""
    passphrase = secrets.token_urlsafe(12)
    cert, key = write_pair(tmp_path, client_rsa_key, passphrase.encode())
    settings = make_anaplan_settings(
        method="certificate",
        password=None,
        certificate_file=cert,
        private_key_file=key,
        private_key_passphrase=SecretStr(passphrase),
    )
    load_certificate(settings.auth)


@pytest.mark.parametrize("given", [None, "wrong"])
def test_encrypted_key_without_the_right_passphrase_is_a_config_error(
    make_anaplan_settings: MakeSettings,
    tmp_path: Path,
    client_rsa_key: rsa.RSAPrivateKey,
    given: str | None,
) -> None:
    """A missing or wrong passphrase names the variable, never a passphrase."""
    passphrase = secrets.token_urlsafe(12)
    cert, key = write_pair(tmp_path, client_rsa_key, passphrase.encode())
    settings = make_anaplan_settings(
        method="certificate",
        password=None,
        certificate_file=cert,
        private_key_file=key,
        private_key_passphrase=SecretStr(given) if given else None,
    )
    with pytest.raises(ConfigError, match="PRIVATE_KEY_PASSPHRASE") as caught:
        load_certificate(settings.auth)
    assert passphrase not in str(caught.value)


def test_key_of_another_certificate_is_refused(
    make_anaplan_settings: MakeSettings, tmp_path: Path, client_rsa_key: rsa.RSAPrivateKey
) -> None:
    """A private key that does not match the certificate is caught before any request."""
    cert, _ = write_pair(tmp_path, client_rsa_key)
    other = tmp_path / "other"
    other.mkdir()
    _, key = write_pair(other, rsa.generate_private_key(public_exponent=65537, key_size=1024))
    settings = make_anaplan_settings(
        method="certificate", password=None, certificate_file=cert, private_key_file=key
    )
    with pytest.raises(ConfigError, match="does not belong to certificate_file"):
        load_certificate(settings.auth)


def test_non_rsa_key_is_refused(
    make_anaplan_settings: MakeSettings, tmp_path: Path, client_rsa_key: rsa.RSAPrivateKey
) -> None:
    """An EC key cannot sign SHA512withRSA: ConfigError."""
    cert, key = write_pair(tmp_path, client_rsa_key)
    key.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings = make_anaplan_settings(
        method="certificate", password=None, certificate_file=cert, private_key_file=key
    )
    with pytest.raises(ConfigError, match="not an RSA key"):
        load_certificate(settings.auth)


@pytest.mark.parametrize("broken", ["missing", "not-pem"])
def test_unreadable_certificate_is_a_config_error(
    make_anaplan_settings: MakeSettings,
    tmp_path: Path,
    client_rsa_key: rsa.RSAPrivateKey,
    broken: str,
) -> None:
    """A missing file or one that is not a certificate names certificate_file."""
    cert, key = write_pair(tmp_path, client_rsa_key)
    if broken == "missing":
        cert.unlink()
    else:
        cert.write_text("hello", encoding="utf-8")
    settings = make_anaplan_settings(
        method="certificate", password=None, certificate_file=cert, private_key_file=key
    )
    with pytest.raises(ConfigError, match="certificate_file"):
        load_certificate(settings.auth)


def test_rotated_refresh_token_is_written_back_to_its_file(
    make_anaplan_settings: MakeSettings, tmp_path: Path
) -> None:
    """With refresh_token_file, a rotated token replaces the file's content, owner-only."""
    token_file = tmp_path / "refresh-token"
    old, new = secrets.token_hex(8), secrets.token_hex(8)
    token_file.write_text(old + "\n", encoding="utf-8")
    settings = make_anaplan_settings(
        method="oauth", password=None, client_id="client-1", refresh_token_file=token_file
    )
    sign_in = sign_in_for(settings)
    assert isinstance(sign_in, OAuthSignIn)
    sign_in._rotate(SecretStr(new))
    assert token_file.read_text(encoding="utf-8").strip() == new
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["refresh-token"]
