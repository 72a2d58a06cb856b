"""The Integration API's JSON envelopes: success with `meta` and `status`, pages, errors.

Invariants: an empty collection leaves its key out; `meta.paging.previous` appears only after
the first page; ids are strings; errors carry `status`, `path` and `timestamp` only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

SCHEMA = "https://api.anaplan.com/2/0/objects"
DEFAULT_PAGE = 5000
SUCCESS = {"code": 200, "message": "Success"}


def ok(key: str, payload: Any, status_code: int = 200) -> JSONResponse:
    """Return a success envelope carrying one object under `key`."""
    body = {"meta": {"schema": f"{SCHEMA}/{key}"}, "status": SUCCESS, key: payload}
    return JSONResponse(body, status_code=status_code)


def collection(key: str, items: list[dict[str, Any]]) -> JSONResponse:
    """Return an unpaged collection; an empty one leaves its key out."""
    body: dict[str, Any] = {"meta": {"schema": f"{SCHEMA}/{key}"}, "status": SUCCESS}
    if items:
        body[key] = items
    return JSONResponse(body)


def chunk_list(count: int) -> JSONResponse:
    """Return the `chunks` listing of a file or a dump with `count` chunks."""
    return collection("chunks", [{"id": str(n), "name": f"Chunk {n}"} for n in range(count)])


def page(request: Request, key: str, items: list[dict[str, Any]]) -> JSONResponse:
    """Return one page of a collection (`offset`, `limit` query parameters)."""
    offset = _number(request, "offset", 0)
    limit = _number(request, "limit", DEFAULT_PAGE) or DEFAULT_PAGE
    chosen = items[offset : offset + limit]
    paging: dict[str, Any] = {
        "currentPageSize": len(chosen),
        "offset": offset,
        "totalSize": len(items),
    }
    if offset + limit < len(items):
        paging["next"] = str(request.url.include_query_params(offset=offset + limit, limit=limit))
    if offset > 0:
        earlier = max(0, offset - limit)
        paging["previous"] = str(request.url.include_query_params(offset=earlier, limit=limit))
    body: dict[str, Any] = {"meta": {"paging": paging, "schema": f"{SCHEMA}/{key}"}}
    body["status"] = SUCCESS
    if chosen:
        body[key] = chosen
    return JSONResponse(body)


def error_body(code: int, path: str, now: float) -> dict[str, Any]:
    """Return the error envelope for a status code."""
    when = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")
    return {
        "status": {"code": code, "message": HTTPStatus(code).phrase},
        "path": path,
        "timestamp": when.replace("+00:00", "Z"),
    }


def _number(request: Request, name: str, default: int) -> int:
    """Return a non-negative integer query parameter, or its default when absent or bad."""
    text = request.query_params.get(name, "")
    return int(text) if text.isdigit() else default
