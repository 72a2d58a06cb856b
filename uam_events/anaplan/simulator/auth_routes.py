"""The authentication service: `/token/authenticate`, `/refresh`, `/validate`, `/logout`.

Invariants: success answers carry Anaplan's envelopes (201 on sign-in, 200 on refresh and
validate, 204 on logout); failures answer `{"status": FAILURE_..., "statusMessage"}` with 400
for a malformed header (including `Bearer`, which these endpoints refuse) and 401 otherwise.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from uam_events.anaplan.simulator.access import simulation
from uam_events.anaplan.simulator.tokens import (
    CUSTOMER_GUID,
    SignInRefused,
    Token,
    basic_user,
    certificate_user,
)
from uam_events.anaplan.simulator.world import TenantUser, World

VALIDATION_URL = "https://auth.anaplan.com/token/validate"


def _failure(status_code: int, message: str) -> JSONResponse:
    """Return an authentication failure."""
    status = "FAILURE_BAD_HEADER" if status_code == 400 else "FAILURE_BAD_CREDENTIAL"
    return JSONResponse({"status": status, "statusMessage": message}, status_code=status_code)


def _success(token: Token, message: str, status_code: int) -> JSONResponse:
    """Return a token envelope."""
    body = {
        "meta": {"validationUrl": VALIDATION_URL},
        "status": "SUCCESS",
        "statusMessage": message,
        "tokenInfo": token.info(),
    }
    return JSONResponse(body, status_code=status_code)


async def authenticate(request: Request) -> Response:
    """Sign in with `Basic` credentials or a `CACertificate` and a signed payload."""
    sim = simulation(request)
    try:
        user = await _sign_in(request, sim.world)
    except SignInRefused as refused:
        return _failure(400 if refused.bad_header else 401, str(refused))
    return _success(sim.tokens.issue(user, sim.now()), "Login successful", 201)


async def _sign_in(request: Request, world: World) -> TenantUser:
    """Return the user an authenticate request identifies; raise SignInRefused otherwise."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme == "Basic":
        return basic_user(world, value.strip())
    if scheme == "CACertificate":
        return certificate_user(world, value.strip(), await _json(request))
    raise SignInRefused("Use Authorization: Basic or CACertificate", bad_header=True)


async def _json(request: Request) -> dict[str, Any]:
    """Return the request's JSON object body; refuse anything else as a bad header."""
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise SignInRefused("The body is not JSON", bad_header=True) from None
    if not isinstance(body, dict):
        raise SignInRefused("The body is not a JSON object", bad_header=True)
    return body


def _token(request: Request) -> Token | Response:
    """Return the live token of an `AnaplanAuthToken` header, or the failure to answer."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme != "AnaplanAuthToken" or not value.strip():
        return _failure(400, "Use Authorization: AnaplanAuthToken <token>")
    sim = simulation(request)
    token = sim.tokens.find(value.strip(), sim.now())
    return token if token is not None else _failure(401, "The token is expired or unknown")


async def refresh(request: Request) -> Response:
    """Move a token's expiry on, keeping its value."""
    token = _token(request)
    if isinstance(token, Response):
        return token
    sim = simulation(request)
    return _success(sim.tokens.refresh(token, sim.now()), "Token refreshed", 200)


async def validate(request: Request) -> Response:
    """Describe a live token and its user."""
    token = _token(request)
    if isinstance(token, Response):
        return token
    user = simulation(request).world.user(token.user)
    body: dict[str, Any] = {
        "meta": {"validationUrl": VALIDATION_URL},
        "status": "SUCCESS",
        "statusMessage": "Token validated",
        "tokenInfo": token.info(),
    }
    body["userInfo"] = {
        "userGuid": user.guid if user else "",
        "userId": token.user,
        "customerGuid": CUSTOMER_GUID,
    }
    return JSONResponse(body)


async def logout(request: Request) -> Response:
    """End a token at once."""
    token = _token(request)
    if isinstance(token, Response):
        return token
    simulation(request).tokens.logout(token)
    return Response(status_code=204)


ROUTES = [
    Route("/token/authenticate", authenticate, methods=["POST"]),
    Route("/token/refresh", refresh, methods=["POST"]),
    Route("/token/validate", validate, methods=["GET"]),
    Route("/token/logout", logout, methods=["POST"]),
]
