"""Failure dumps: downloaded for imports and processes, read into rows with the csv module."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from tests.unit.anaplan.fakes import MODEL, MODEL_PATH, WS, Script, raw, reply
from uam_events.anaplan.client import AnaplanClient, ModelRef
from uam_events.anaplan.dumps import import_dump, parse_dump, process_dump

R = TypeVar("R")
MakeClient = Callable[..., AnaplanClient]
REF = ModelRef(WS, MODEL)
TASK = "1B1D84DDD53847BAA621810B593C3FC1"
IMPORT_DUMP = f"{MODEL_PATH}/imports/112000000001/tasks/{TASK}/dump/chunks"
PROCESS_DUMP = f"{MODEL_PATH}/processes/118000000001/tasks/{TASK}/dumps/112000000002/chunks"
DUMP = (
    b'"_Status_","Email Address","Model Role","Products Read","_Line_","_Error_1_"\n'
    b'"E","ann@example.com","Planner","PHONE","3","Item not found: PHONE"\n'
    b'"W","bob@example.com","Viewer","","7","Selective access None ignored, ""no access"""\n'
)


def run(client: AnaplanClient, use: Callable[[AnaplanClient], Awaitable[R]]) -> R:
    """Run `use` on the client, then close it."""

    async def go() -> R:
        async with client:
            return await use(client)

    return asyncio.run(go())


def test_parse_reads_status_line_errors_and_source_columns() -> None:
    """Each row gives its status, source line, error messages and source columns by name."""
    first, second = parse_dump(DUMP)
    assert first.status == "E"
    assert first.is_error
    assert first.line == 3
    assert first.errors == ("Item not found: PHONE",)
    assert first.columns == {
        "Email Address": "ann@example.com",
        "Model Role": "Planner",
        "Products Read": "PHONE",
    }
    assert not second.is_error
    assert second.line == 7
    assert second.errors == ('Selective access None ignored, "no access"',)


def test_parse_orders_several_error_columns_by_number() -> None:
    """`_Error_2_` follows `_Error_1_` whatever the column order; empty ones are dropped."""
    dump = (
        "\ufeff_Status_,Email Address,_Error_2_,_Line_,_Error_1_\r\n"
        "E,ann@example.com,second,12,first\r\n"
        "E,bob@example.com,,13,only\r\n"
    ).encode()
    first, second = parse_dump(dump)
    assert first.errors == ("first", "second")
    assert first.columns == {"Email Address": "ann@example.com"}
    assert second.errors == ("only",)


def test_parse_tolerates_short_rows_and_odd_lines() -> None:
    """A row shorter than the header is padded; a line that is not a number reads as None."""
    dump = b"_Status_,Email Address,_Line_,_Error_1_\nE,ann@example.com\nE,bob@example.com,x,bad\n"
    short, odd = parse_dump(dump)
    assert short.line is None
    assert short.errors == ()
    assert odd.line is None
    assert odd.errors == ("bad",)


@pytest.mark.parametrize("dump", [b"", b"_Status_,_Line_,_Error_1_\n"])
def test_parse_of_an_empty_dump_is_no_rows(dump: bytes) -> None:
    """An empty dump, or one with only its header, has no failures."""
    assert parse_dump(dump) == []


def test_import_dump_joins_its_chunks(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """An import's dump is listed at `.../dump/chunks` and its chunks joined in order."""
    half = len(DUMP) // 2
    script = (
        signed_in(Script())
        .on("GET", IMPORT_DUMP, reply(200, {"chunks": [{"id": "0"}, {"id": "1"}]}))
        .on("GET", f"{IMPORT_DUMP}/0", raw(DUMP[:half], content_type="text/plain"))
        .on("GET", f"{IMPORT_DUMP}/1", raw(DUMP[half:], content_type="text/plain"))
    )
    data = run(make_anaplan_client(script), lambda c: import_dump(c, REF, "112000000001", TASK))
    assert data == DUMP


@pytest.mark.parametrize("status", [404, 204])
def test_missing_import_dump_is_none(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script], status: int
) -> None:
    """A dump Anaplan no longer keeps (404) or never had (204) reads as None."""
    script = signed_in(Script()).on("GET", IMPORT_DUMP, reply(status))
    assert (
        run(make_anaplan_client(script), lambda c: import_dump(c, REF, "112000000001", TASK))
        is None
    )


def test_process_dump_reads_one_action(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """A process's dump is read per nested import at `.../dumps/{objectId}/chunks`."""
    script = (
        signed_in(Script())
        .on("GET", PROCESS_DUMP, reply(200, {"chunks": [{"id": "0", "name": "Chunk 0"}]}))
        .on("GET", f"{PROCESS_DUMP}/0", raw(DUMP))
    )
    data = run(
        make_anaplan_client(script),
        lambda c: process_dump(c, REF, "118000000001", TASK, "112000000002"),
    )
    assert data == DUMP
