"""Sign-in to Anaplan and a token that stays valid: basic, certificate or OAuth refresh token.

Invariants: a call gets a token that is not due for refresh (refreshed once a fifth of its life,
at most `margin` seconds, remains); a token Anaplan rejects with 401 is replaced once by a
fresh sign-in, shared by every call that saw the same token; secrets live in SecretStr and
only the Authorization header ever holds them in clear.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import httpx
from pydantic import SecretStr

from uam_events.anaplan.payloads import OAuthToken, TokenAnswer, parse_answer
from uam_events.anaplan.retry import RetryingSender, Timing
from uam_events.errors import AnaplanAuthError, AnaplanRequestError

log = logging.getLogger(__name__)

TOKEN_SCHEME = "AnaplanAuthToken"
BEARER_SCHEME = "Bearer"
PASSWORD_SETTING = "UAM_ANAPLAN__AUTH__PASSWORD and anaplan.auth.user"
REFRESH_TOKEN_SETTING = "UAM_ANAPLAN__AUTH__REFRESH_TOKEN or anaplan.auth.refresh_token_file"
CLIENT_SETTING = "anaplan.auth.client_id and UAM_ANAPLAN__AUTH__CLIENT_SECRET"
CERTIFICATE_SETTING = (
    "anaplan.auth.certificate_file is registered to anaplan.auth.user and signed by a CA Anaplan "
    "recognises"
)


@dataclass(frozen=True, slots=True)
class Token:
    """A bearer of access: its scheme, value and lifetime (epoch seconds)."""

    scheme: str
    value: SecretStr
    issued_at: float
    expires_at: float

    def header(self) -> str:
        """Return the Authorization header value; the only place the secret is in clear."""
        return f"{self.scheme} {self.value.get_secret_value()}"

    def due(self, now: float, margin: float) -> bool:
        """Tell whether the token should be refreshed before its next use."""
        lead = min(margin, (self.expires_at - self.issued_at) / 5)
        return now >= self.expires_at - lead


class SignIn(Protocol):
    """One way of obtaining and refreshing tokens."""

    async def authenticate(self, sender: RetryingSender, now: float) -> Token:
        """Sign in from the stored credentials and return a new token."""
        ...

    async def refresh(self, sender: RetryingSender, token: Token, now: float) -> Token:
        """Return a token with a later expiry for `token`; raise AnaplanAuthError if refused."""
        ...


class AnaplanTokenSignIn:
    """The Authentication Service's own tokens: `/token/authenticate` and `/token/refresh`."""

    def __init__(self, auth_url: str, setting: str) -> None:
        self.auth_url = auth_url
        self.setting = setting

    async def authenticate(self, sender: RetryingSender, now: float) -> Token:
        """Sign in at `/token/authenticate` (201, or 200 from lenient servers)."""
        path = f"{self.auth_url}/token/authenticate"
        response = await sender.send(lambda: self._sign_in_request(sender.http, path))
        return self._token(response, "/token/authenticate", now)

    async def refresh(self, sender: RetryingSender, token: Token, now: float) -> Token:
        """Extend `token` at `/token/refresh` (the same value comes back, expiring later)."""
        headers = {"Authorization": token.header()}
        url = f"{self.auth_url}/token/refresh"

        async def build() -> httpx.Request:
            """Build the request anew for each attempt."""
            return sender.http.build_request("POST", url, headers=headers)

        return self._token(await sender.send(build), "/token/refresh", now)

    async def _sign_in_request(self, http: httpx.AsyncClient, url: str) -> httpx.Request:
        """Build the sign-in request; each method adds its credentials."""
        raise NotImplementedError

    def _token(self, response: httpx.Response, path: str, now: float) -> Token:
        """Turn an authentication answer into a Token, or raise naming the setting to fix."""
        status = response.status_code
        if status in (400, 401, 403):
            raise AnaplanAuthError(
                f"POST {path}: Anaplan refused the sign-in ({status})", self.setting
            )
        if not response.is_success:
            raise AnaplanRequestError("POST", path, status, "the sign-in failed")
        info = parse_answer(TokenAnswer, response.content, f"POST {path}").token_info
        return Token(TOKEN_SCHEME, info.token_value, now, info.expires_at / 1000)


class BasicSignIn(AnaplanTokenSignIn):
    """Email and password (`Authorization: Basic`); fragile where passwords expire."""

    def __init__(self, auth_url: str, user: str, password: SecretStr) -> None:
        super().__init__(auth_url, PASSWORD_SETTING)
        self.user = user
        self._password = password

    def __repr__(self) -> str:
        """Name the sign-in without its secrets."""
        return f"BasicSignIn(user={self.user!r})"

    async def _sign_in_request(self, http: httpx.AsyncClient, url: str) -> httpx.Request:
        """Build the sign-in request with this method's credentials."""
        pair = f"{self.user}:{self._password.get_secret_value()}".encode()
        headers = {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
        return http.build_request("POST", url, headers=headers)


class CertificateSignIn(AnaplanTokenSignIn):
    """A CA certificate: random bytes signed SHA512withRSA with its private key."""

    def __init__(
        self,
        auth_url: str,
        certificate_pem: bytes,
        sign: Callable[[bytes], bytes],
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        super().__init__(auth_url, CERTIFICATE_SETTING)
        self._certificate = base64.b64encode(certificate_pem).decode("ascii")
        self._sign = sign
        self._random_bytes = random_bytes

    def __repr__(self) -> str:
        """Name the sign-in without its secrets."""
        return "CertificateSignIn()"

    async def _sign_in_request(self, http: httpx.AsyncClient, url: str) -> httpx.Request:
        """Build the sign-in request with this method's credentials."""
        data = self._random_bytes(150)
        body = {
            "encodedData": base64.b64encode(data).decode("ascii"),
            "encodedSignedData": base64.b64encode(self._sign(data)).decode("ascii"),
        }
        headers = {"Authorization": f"CACertificate {self._certificate}"}
        return http.build_request("POST", url, headers=headers, json=body)


RotatedToken = Callable[[SecretStr], None]


class OAuthSignIn:
    """An OAuth refresh token traded at `/oauth/token`; a rotated one replaces it at once."""

    def __init__(
        self,
        oauth_url: str,
        client_id: str,
        client_secret: SecretStr | None,
        refresh_token: SecretStr,
        on_rotate: RotatedToken | None = None,
    ) -> None:
        self.oauth_url = oauth_url
        self.client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self._on_rotate = on_rotate

    def __repr__(self) -> str:
        """Name the sign-in without its secrets."""
        return f"OAuthSignIn(client_id={self.client_id!r})"

    async def authenticate(self, sender: RetryingSender, now: float) -> Token:
        """Trade the refresh token for an access token (the refresh-token grant)."""
        body = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "refresh_token": self._refresh_token.get_secret_value(),
        }
        if self._client_secret is not None:
            body["client_secret"] = self._client_secret.get_secret_value()
        url = f"{self.oauth_url}/oauth/token"

        async def build() -> httpx.Request:
            """Build the request anew for each attempt."""
            return sender.http.build_request("POST", url, json=body)

        response = await sender.send(build, idempotent=False)
        if response.status_code in (400, 401, 403):
            code = _oauth_error(response)
            setting = CLIENT_SETTING if "client" in code else REFRESH_TOKEN_SETTING
            raise AnaplanAuthError(f"POST /oauth/token: Anaplan refused ({code})", setting)
        if not response.is_success:
            raise AnaplanRequestError(
                "POST", "/oauth/token", response.status_code, "sign-in failed"
            )
        answer = parse_answer(OAuthToken, response.content, "POST /oauth/token")
        self._rotate(answer.refresh_token)
        return Token(BEARER_SCHEME, answer.access_token, now, now + answer.expires_in)

    async def refresh(self, sender: RetryingSender, token: Token, now: float) -> Token:
        """Obtain a new access token: OAuth has no extension of the old one."""
        return await self.authenticate(sender, now)

    def _rotate(self, new: SecretStr | None) -> None:
        """Keep a rotated refresh token, and hand it to `on_rotate` to persist."""
        if new is None or new.get_secret_value() == self._refresh_token.get_secret_value():
            return
        self._refresh_token = new
        if self._on_rotate is not None:
            self._on_rotate(new)
        else:
            log.warning("anaplan OAuth refresh token rotated; the new one is kept in memory only")


def _oauth_error(response: httpx.Response) -> str:
    """Return the RFC 6749 `error` code of an OAuth refusal (never its description)."""
    try:
        code = response.json().get("error")
    except (ValueError, AttributeError):
        return "no error code"
    return code if isinstance(code, str) and code.isidentifier() else "no error code"


class TokenKeeper:
    """Holds the current token: signs in lazily, refreshes before expiry, renews after 401."""

    def __init__(
        self, sign_in: SignIn, sender: RetryingSender, timing: Timing, margin: float = 300.0
    ) -> None:
        self._sign_in = sign_in
        self._sender = sender
        self._timing = timing
        self._margin = margin
        self._token: Token | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        """Name the sign-in without its secrets."""
        return f"TokenKeeper({self._sign_in!r})"

    async def header(self) -> str:
        """Return an Authorization header whose token is not due for refresh."""
        async with self._lock:
            now = self._timing.now()
            if self._token is None or now >= self._token.expires_at:
                self._token = await self._sign_in.authenticate(self._sender, now)
            elif self._token.due(now, self._margin):
                self._token = await self._refreshed(self._token, now)
            return self._token.header()

    async def renew(self, rejected: str) -> None:
        """Sign in again after Anaplan rejected the header `rejected` with 401.

        Calls that saw the same rejected token share one new sign-in.
        """
        async with self._lock:
            if self._token is not None and self._token.header() != rejected:
                return
            self._token = await self._sign_in.authenticate(self._sender, self._timing.now())

    async def _refreshed(self, token: Token, now: float) -> Token:
        """Refresh `token`, or sign in afresh when the refresh is refused."""
        try:
            return await self._sign_in.refresh(self._sender, token, now)
        except AnaplanAuthError:
            log.info("anaplan token refresh refused; signing in again")
            return await self._sign_in.authenticate(self._sender, now)
