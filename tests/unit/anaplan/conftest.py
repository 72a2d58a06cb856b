"""Factories for the client's unit tests: settings, a signed-in script, clients on a fake clock."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from tests.unit.anaplan.fakes import API, AUTH, T0, USER, FakeClock, Script, token_answer
from uam_events.anaplan.client import AnaplanClient
from uam_events.anaplan.retry import RetryPolicy
from uam_events.settings.anaplan import AnaplanSettings


@pytest.fixture
def client_password() -> SecretStr:
    """Return a fresh random password (never a literal in a committed file)."""
    return SecretStr(secrets.token_urlsafe(16))


@pytest.fixture
def make_anaplan_settings(client_password: SecretStr) -> Callable[..., AnaplanSettings]:
    """Return a factory of AnaplanSettings pointing at 127.0.0.1, basic auth by default."""

    def make(**auth: Any) -> AnaplanSettings:
        fields: dict[str, Any] = {"method": "basic", "user": USER, "password": client_password}
        fields.update(auth)
        return AnaplanSettings(auth_url=AUTH, api_url=API, auth=fields)  # type: ignore[arg-type]

    return make


@pytest.fixture
def signed_in() -> Callable[[Script], Script]:
    """Return a function scripting a basic sign-in that lasts an hour."""

    def script(s: Script) -> Script:
        return s.on("POST", "/token/authenticate", token_answer("tok-1", T0 + 3600))

    return script


@pytest.fixture
def make_anaplan_client(
    make_anaplan_settings: Callable[..., AnaplanSettings],
) -> Callable[..., AnaplanClient]:
    """Return a factory of clients on a script's transport and a fake clock."""

    def make(
        script: Script,
        clock: FakeClock | None = None,
        retry: RetryPolicy | None = None,
        **kwargs: Any,
    ) -> AnaplanClient:
        return AnaplanClient(
            make_anaplan_settings(),
            script.transport(),
            retry=retry or RetryPolicy(attempts=4, base=1.0, cap=8.0),
            timing=(clock or FakeClock()).timing(),
            **kwargs,
        )

    return make


@pytest.fixture(scope="session")
def client_rsa_key() -> rsa.RSAPrivateKey:
    """Return one RSA key for the session (generating keys is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
