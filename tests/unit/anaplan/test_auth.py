"""Sign-in and token keeping: basic, certificate, OAuth; refresh before expiry; renew on 401."""

from __future__ import annotations

import asyncio
import base64
import secrets
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import SecretStr

from tests.conftest import make_certificate
from tests.unit.anaplan.fakes import (
    AUTH,
    T0,
    USER,
    FakeClock,
    Script,
    body,
    reply,
    token_answer,
)
from uam_events.anaplan.auth import (
    BasicSignIn,
    CertificateSignIn,
    OAuthSignIn,
    SignIn,
    Token,
    TokenKeeper,
)
from uam_events.anaplan.retry import RetryingSender, RetryPolicy
from uam_events.errors import AnaplanAuthError, AnaplanResponseError

R = TypeVar("R")


def run(script: Script, clock: FakeClock, use: Callable[[RetryingSender], Awaitable[R]]) -> R:
    """Run `use` with a RetryingSender on the script's transport and the fake clock."""

    async def go() -> R:
        async with httpx.AsyncClient(transport=script.transport()) as http:
            return await use(RetryingSender(http, RetryPolicy(attempts=3), clock.timing()))

    return asyncio.run(go())


def keeper_run(
    script: Script,
    clock: FakeClock,
    sign_in: SignIn,
    use: Callable[[TokenKeeper], Awaitable[R]],
) -> R:
    """Run `use` with a TokenKeeper (margin 300 s) over `sign_in`."""

    async def with_sender(sender: RetryingSender) -> R:
        return await use(TokenKeeper(sign_in, sender, clock.timing(), margin=300.0))

    return run(script, clock, with_sender)


def basic(client_password: SecretStr) -> BasicSignIn:
    """Return a basic sign-in for the test user."""
    return BasicSignIn(AUTH, USER, client_password)


# --- basic ------------------------------------------------------------------------------------


def test_basic_sign_in_sends_credentials_and_reads_the_token(client_password: SecretStr) -> None:
    """Basic sign-in posts `Basic base64(user:password)` and reads tokenInfo (expiry in ms)."""
    script = Script().on("POST", "/token/authenticate", token_answer("tok-1", T0 + 1800))
    token = run(script, FakeClock(), lambda s: basic(client_password).authenticate(s, T0))
    pair = f"{USER}:{client_password.get_secret_value()}".encode()
    assert script.calls[0].headers["Authorization"] == "Basic " + base64.b64encode(pair).decode()
    assert token.header() == "AnaplanAuthToken tok-1"
    assert token.expires_at == T0 + 1800
    assert token.issued_at == T0


def test_bad_credentials_name_the_setting_not_the_password(client_password: SecretStr) -> None:
    """A 401 at sign-in raises AnaplanAuthError naming the variable to fix, not its value."""
    refusal = {"status": "FAILURE_BAD_CREDENTIAL", "statusMessage": "Bad credentials"}
    script = Script().on("POST", "/token/authenticate", reply(401, refusal))
    with pytest.raises(AnaplanAuthError) as caught:
        run(script, FakeClock(), lambda s: basic(client_password).authenticate(s, T0))
    message = str(caught.value)
    assert "UAM_ANAPLAN__AUTH__PASSWORD" in message
    assert client_password.get_secret_value() not in message
    assert client_password.get_secret_value() not in repr(caught.value)


def test_malformed_token_answer_does_not_echo_the_token(client_password: SecretStr) -> None:
    """A token answer without expiresAt is a response error that does not show the token."""
    secret_token = secrets.token_hex(16)
    answer = reply(201, {"tokenInfo": {"tokenValue": secret_token}})
    script = Script().on("POST", "/token/authenticate", answer)
    with pytest.raises(AnaplanResponseError) as caught:
        run(script, FakeClock(), lambda s: basic(client_password).authenticate(s, T0))
    assert "tokenInfo.expiresAt" in str(caught.value)
    assert secret_token not in str(caught.value)


def test_sign_in_is_retried_when_the_auth_service_is_busy(client_password: SecretStr) -> None:
    """A 503 from the authentication service is retried like any other call."""
    script = Script().on(
        "POST", "/token/authenticate", reply(503), token_answer("tok-1", T0 + 1800)
    )
    token = run(script, FakeClock(), lambda s: basic(client_password).authenticate(s, T0))
    assert token.header() == "AnaplanAuthToken tok-1"


# --- certificate ----------------------------------------------------------------------------


def test_certificate_sign_in_signs_random_bytes_with_the_key(
    client_rsa_key: rsa.RSAPrivateKey,
) -> None:
    """The CACertificate header carries the PEM; encodedSignedData verifies against it."""
    pem, _, key = make_certificate(client_rsa_key)

    def sign(data: bytes) -> bytes:
        return key.sign(data, padding.PKCS1v15(), hashes.SHA512())

    sign_in = CertificateSignIn(AUTH, pem, sign)
    script = Script().on("POST", "/token/authenticate", token_answer("tok-c", T0 + 1800))
    token = run(script, FakeClock(), lambda s: sign_in.authenticate(s, T0))
    request = script.calls[0]
    assert request.headers["Authorization"] == "CACertificate " + base64.b64encode(pem).decode()
    sent = body(request)
    data = base64.b64decode(sent["encodedData"])
    assert len(data) >= 100
    signature = base64.b64decode(sent["encodedSignedData"])
    key.public_key().verify(signature, data, padding.PKCS1v15(), hashes.SHA512())
    assert token.header() == "AnaplanAuthToken tok-c"


# --- OAuth ------------------------------------------------------------------------------------


def oauth_answer(access: str, refresh: str | None, expires_in: int = 2100) -> httpx.Response:
    """Return an `/oauth/token` answer."""
    payload = {"access_token": access, "expires_in": expires_in, "token_type": "Bearer"}
    if refresh is not None:
        payload["refresh_token"] = refresh
    return reply(200, payload)


def test_oauth_trades_the_refresh_token_for_a_bearer_token() -> None:
    """The refresh-token grant posts client id, secret and token, and returns a Bearer token."""
    refresh, client_secret = secrets.token_hex(8), SecretStr(secrets.token_hex(8))
    sign_in = OAuthSignIn(AUTH, "client-1", client_secret, SecretStr(refresh))
    script = Script().on("POST", "/oauth/token", oauth_answer("acc-1", None))
    token = run(script, FakeClock(), lambda s: sign_in.authenticate(s, T0))
    assert body(script.calls[0]) == {
        "grant_type": "refresh_token",
        "client_id": "client-1",
        "client_secret": client_secret.get_secret_value(),
        "refresh_token": refresh,
    }
    assert token.header() == "Bearer acc-1"
    assert token.expires_at == T0 + 2100


def test_oauth_keeps_and_hands_over_a_rotated_refresh_token() -> None:
    """A rotated refresh token is used next time and handed to `on_rotate`."""
    rotated: list[str] = []
    first, second = secrets.token_hex(8), secrets.token_hex(8)
    sign_in = OAuthSignIn(
        AUTH, "c", None, SecretStr(first), lambda t: rotated.append(t.get_secret_value())
    )
    script = Script().on(
        "POST", "/oauth/token", oauth_answer("a1", second), oauth_answer("a2", second)
    )

    async def twice(sender: RetryingSender) -> None:
        await sign_in.authenticate(sender, T0)
        await sign_in.authenticate(sender, T0 + 2000)

    run(script, FakeClock(), twice)
    assert [body(c)["refresh_token"] for c in script.calls] == [first, second]
    assert "client_secret" not in body(script.calls[0])
    assert rotated == [second]


@pytest.mark.parametrize(
    ("error", "setting"),
    [("invalid_grant", "REFRESH_TOKEN"), ("invalid_client", "CLIENT_SECRET")],
)
def test_oauth_refusal_names_what_to_fix(error: str, setting: str) -> None:
    """invalid_grant points at the refresh token, invalid_client at the client settings."""
    refresh = secrets.token_hex(8)
    sign_in = OAuthSignIn(AUTH, "c", None, SecretStr(refresh))
    script = Script().on("POST", "/oauth/token", reply(400, {"error": error}))
    with pytest.raises(AnaplanAuthError) as caught:
        run(script, FakeClock(), lambda s: sign_in.authenticate(s, T0))
    assert setting in str(caught.value)
    assert error in str(caught.value)
    assert refresh not in str(caught.value)


# --- keeping the token ------------------------------------------------------------------------


def test_token_is_reused_while_fresh(client_password: SecretStr) -> None:
    """Calls within a token's life share it: one sign-in for several headers."""
    script = Script().on("POST", "/token/authenticate", token_answer("tok-1", T0 + 1800))
    clock = FakeClock()

    async def use(keeper: TokenKeeper) -> list[str]:
        first = await keeper.header()
        clock.now += 600
        return [first, await keeper.header()]

    assert keeper_run(script, clock, basic(client_password), use) == ["AnaplanAuthToken tok-1"] * 2
    assert script.paths() == ["/token/authenticate"]


def test_token_is_refreshed_shortly_before_expiry(client_password: SecretStr) -> None:
    """Within the margin of expiry the token is refreshed at /token/refresh, not re-issued."""
    script = (
        Script()
        .on("POST", "/token/authenticate", token_answer("tok-1", T0 + 1800))
        .on("POST", "/token/refresh", token_answer("tok-1", T0 + 3600, status=200))
    )
    clock = FakeClock()

    async def use(keeper: TokenKeeper) -> str:
        await keeper.header()
        clock.now = T0 + 1800 - 299
        return await keeper.header()

    assert keeper_run(script, clock, basic(client_password), use) == "AnaplanAuthToken tok-1"
    assert script.paths() == ["/token/authenticate", "/token/refresh"]
    assert script.calls[1].headers["Authorization"] == "AnaplanAuthToken tok-1"


def test_expired_token_is_replaced_by_a_new_sign_in(client_password: SecretStr) -> None:
    """Past its expiry a token is not refreshed (Anaplan would refuse): sign in again."""
    script = Script().on(
        "POST",
        "/token/authenticate",
        token_answer("tok-1", T0 + 1800),
        token_answer("tok-2", T0 + 5000),
    )
    clock = FakeClock()

    async def use(keeper: TokenKeeper) -> str:
        await keeper.header()
        clock.now = T0 + 1801
        return await keeper.header()

    assert keeper_run(script, clock, basic(client_password), use) == "AnaplanAuthToken tok-2"
    assert script.paths() == ["/token/authenticate", "/token/authenticate"]


def test_refused_refresh_falls_back_to_sign_in(client_password: SecretStr) -> None:
    """When /token/refresh answers 401, the keeper signs in afresh."""
    script = (
        Script()
        .on(
            "POST",
            "/token/authenticate",
            token_answer("tok-1", T0 + 1800),
            token_answer("tok-2", T0 + 3600),
        )
        .on("POST", "/token/refresh", reply(401, {"status": "FAILURE_BAD_CREDENTIAL"}))
    )
    clock = FakeClock()

    async def use(keeper: TokenKeeper) -> str:
        await keeper.header()
        clock.now = T0 + 1700
        return await keeper.header()

    assert keeper_run(script, clock, basic(client_password), use) == "AnaplanAuthToken tok-2"
    assert script.paths() == ["/token/authenticate", "/token/refresh", "/token/authenticate"]


def test_short_lived_tokens_refresh_at_four_fifths_of_their_life() -> None:
    """A 60 s token is due 12 s before expiry, not 300 s before (always)."""
    token = Token("AnaplanAuthToken", SecretStr("x"), T0, T0 + 60)
    assert not token.due(T0 + 47.9, margin=300.0)
    assert token.due(T0 + 48.0, margin=300.0)


def test_renew_signs_in_once_for_calls_that_saw_the_same_token(client_password: SecretStr) -> None:
    """Two calls rejected with the same token cause one new sign-in, not two."""
    script = Script().on(
        "POST",
        "/token/authenticate",
        token_answer("tok-1", T0 + 1800),
        token_answer("tok-2", T0 + 1800),
        token_answer("tok-3", T0 + 1800),
    )

    async def use(keeper: TokenKeeper) -> str:
        rejected = await keeper.header()
        await keeper.renew(rejected)
        await keeper.renew(rejected)
        return await keeper.header()

    assert keeper_run(script, FakeClock(), basic(client_password), use) == "AnaplanAuthToken tok-2"
    assert len(script.calls) == 2


def test_concurrent_first_calls_share_one_sign_in(client_password: SecretStr) -> None:
    """Parallel calls before any token exists wait for one sign-in."""
    script = Script().on("POST", "/token/authenticate", token_answer("tok-1", T0 + 1800))

    async def use(keeper: TokenKeeper) -> set[str]:
        return set(await asyncio.gather(*(keeper.header() for _ in range(5))))

    assert keeper_run(script, FakeClock(), basic(client_password), use) == {
        "AnaplanAuthToken tok-1"
    }
    assert len(script.calls) == 1


def test_reprs_show_no_secret(
    client_password: SecretStr, client_rsa_key: rsa.RSAPrivateKey
) -> None:
    """No sign-in, token or keeper shows a password, token, refresh token or key in its repr."""
    refresh = secrets.token_hex(8)
    token_value = secrets.token_hex(8)
    token = Token("AnaplanAuthToken", SecretStr(token_value), T0, T0 + 1)
    pem, key_pem, _ = make_certificate(client_rsa_key)
    things = [
        basic(client_password),
        OAuthSignIn(AUTH, "c", SecretStr(refresh), SecretStr(refresh)),
        CertificateSignIn(AUTH, pem, lambda data: data),
        token,
    ]
    text = " ".join(repr(t) for t in things) + str(token)
    for secret in (client_password.get_secret_value(), refresh, token_value, key_pem.decode()):
        assert secret not in text
