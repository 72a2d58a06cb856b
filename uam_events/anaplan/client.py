"""An async session with Anaplan's Integration API: sign-in, retries, errors, validation.

Invariants: every call carries a token that is not due for refresh; a 401 is answered by one
fresh sign-in and one resend; retryable answers are retried per the RetryPolicy; any other
non-2xx becomes AnaplanRequestError naming method, path and status; answers are validated as
pydantic models before anyone reads them. The transport is injected (STYLE item 8), so tests
use `httpx.MockTransport` or `httpx.ASGITransport(simulator)`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from json import loads
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from uam_events.anaplan.auth import SignIn, TokenKeeper
from uam_events.anaplan.credentials import sign_in_for
from uam_events.anaplan.payloads import Meta, parse_answer
from uam_events.anaplan.retry import RetryingSender, RetryPolicy, Timing
from uam_events.errors import AnaplanAuthError, AnaplanRequestError, AnaplanResponseError
from uam_events.settings.anaplan import AnaplanSettings

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

DEFAULT_TIMEOUT = httpx.Timeout(300.0, connect=15.0)
"""Generous reads: Anaplan holds calls to a busy model open until it is free."""
PAGE_SIZE = 5000

_HINTS = {
    400: "Anaplan rejected the request as malformed",
    403: "the integration user lacks the rights; it must be a workspace administrator",
    404: "unknown id, or the integration user has No Access to the model (Anaplan masks it)",
    422: "the model is archived; restore it in Anaplan or remove the spoke",
}


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A model in a workspace: the prefix of every model-scoped path."""

    workspace_id: str
    model_id: str

    @property
    def path(self) -> str:
        """Return `/workspaces/{wid}/models/{mid}`, ids escaped."""
        return f"/workspaces/{segment(self.workspace_id)}/models/{segment(self.model_id)}"


def segment(value: str) -> str:
    """Return an id escaped for use as one path segment."""
    return quote(value, safe="")


class AnaplanClient:
    """An async session with Anaplan; use `async with`, one per process."""

    def __init__(
        self,
        settings: AnaplanSettings,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        sign_in: SignIn | None = None,
        retry: RetryPolicy | None = None,
        timing: Timing | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        refresh_margin: float = 300.0,
    ) -> None:
        if sign_in is None:
            sign_in = sign_in_for(settings)
        self.api_url = settings.api_url
        self.timing = timing or Timing()
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout)
        self._sender = RetryingSender(self._http, retry or RetryPolicy(), self.timing)
        self._keeper = TokenKeeper(sign_in, self._sender, self.timing, refresh_margin)

    def __repr__(self) -> str:
        """Name the API and the sign-in, never a secret."""
        return f"AnaplanClient({self.api_url!r}, {self._keeper!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str | int] | None = None,
        idempotent: bool = True,
        absent: frozenset[int] = frozenset(),
    ) -> httpx.Response:
        """Send an authenticated call to `api_url + path` and return its answer.

        Statuses in `absent` (e.g. 404 for "no dump") come back as they are; other non-2xx
        answers raise.
        """
        request = self._http.build_request(
            method, self.api_url + path, json=json, content=content, headers=headers, params=params
        )
        for renewal in (False, True):
            response, used = await self._send_signed(request, idempotent)
            if response.status_code != 401:
                break
            if renewal:
                raise AnaplanAuthError(
                    f"{method} {path}: Anaplan refused a token it had just issued",
                    "that anaplan.auth_url and anaplan.api_url are in the same region",
                )
            log.info("anaplan %s %s answered 401; signing in again", method, path)
            await self._keeper.renew(used)
        if response.is_success or response.status_code in absent:
            return response
        hint = _HINTS.get(response.status_code, "Anaplan refused the request")
        raise AnaplanRequestError(method, path, response.status_code, hint)

    async def _send_signed(
        self, template: httpx.Request, idempotent: bool
    ) -> tuple[httpx.Response, str]:
        """Send a copy of `template` per attempt, each with the current token."""
        used = ""

        async def build() -> httpx.Request:
            """Copy the template with the current token, for each attempt."""
            nonlocal used
            used = await self._keeper.header()
            headers = {**template.headers, "Authorization": used}
            return httpx.Request(
                template.method, template.url, headers=headers, content=template.content
            )

        response = await self._sender.send(build, idempotent=idempotent)
        return response, used

    async def get(self, model: type[M], path: str, **params: str | int) -> M:
        """GET `path` and validate the answer as `model`."""
        response = await self.request("GET", path, params=params or None)
        return parse_answer(model, response.content, f"GET {path}")

    async def send_json(
        self, model: type[M], method: str, path: str, body: Any, *, idempotent: bool = True
    ) -> M:
        """Send a JSON body to `path` and validate the answer as `model`."""
        response = await self.request(method, path, json=body, idempotent=idempotent)
        return parse_answer(model, response.content, f"{method} {path}")

    async def get_bytes(self, path: str, *, absent: frozenset[int] = frozenset()) -> bytes | None:
        """GET `path` as raw bytes; None when the status is in `absent` or is 204."""
        response = await self.request("GET", path, absent=absent)
        if response.status_code in absent or response.status_code == 204:
            return None
        return response.content

    async def get_list(self, model: type[M], path: str, key: str) -> list[M]:
        """GET every page of a list answer and validate the entries under `key`."""
        adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
        items: list[M] = []
        while True:
            params: dict[str, str | int] = {"limit": PAGE_SIZE, "offset": len(items)}
            response = await self.request("GET", path, params=params)
            page, meta = _page(response, key, f"GET {path}")
            try:
                items += adapter.validate_python(page)
            except ValidationError:
                raise AnaplanResponseError(f"GET {path}: `{key}` entries malformed") from None
            paging = meta.paging
            if not page or paging is None or len(items) >= paging.total_size:
                return items


def _page(response: httpx.Response, key: str, what: str) -> tuple[list[Any], Meta]:
    """Split a list answer into its entries (absent key: none) and its `meta`."""
    try:
        body = loads(response.content)
        meta = Meta.model_validate(body.get("meta") or {})
    except (ValueError, AttributeError, ValidationError):
        raise AnaplanResponseError(f"{what}: the answer is not a list envelope") from None
    page = body.get(key, [])
    if not isinstance(page, list):
        raise AnaplanResponseError(f"{what}: `{key}` is not a list")
    return page, meta
