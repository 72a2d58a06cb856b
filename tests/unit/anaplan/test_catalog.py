"""The catalog: imports with their type and source, import metadata, processes, exports, status."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tests.unit.anaplan.fakes import MODEL, MODEL_PATH, WS, Script, reply
from uam_events.anaplan.catalog import (
    import_metadata,
    list_exports,
    list_files,
    list_imports,
    list_processes,
    model_status,
)
from uam_events.anaplan.client import AnaplanClient, ModelRef

R = TypeVar("R")
MakeClient = Callable[..., AnaplanClient]
REF = ModelRef(WS, MODEL)


def run(client: AnaplanClient, use: Callable[[AnaplanClient], Awaitable[R]]) -> R:
    """Run `use` on the client, then close it."""

    async def go() -> R:
        async with client:
            return await use(client)

    return asyncio.run(go())


def listing(key: str, items: list[dict[str, object]]) -> dict[str, object]:
    """Return a one-page list answer."""
    paging = {"currentPageSize": len(items), "offset": 0, "totalSize": len(items)}
    return {"meta": {"paging": paging}, "status": {"code": 200, "message": "Success"}, key: items}


def test_imports_carry_type_and_source_file(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """Listed imports give their importType and the file id they read."""
    entry = {
        "id": "112000000001",
        "name": "Users from uam",
        "importDataSourceId": "113000000001",
        "importType": "USERS",
    }
    script = signed_in(Script()).on(
        "GET", f"{MODEL_PATH}/imports", reply(200, listing("imports", [entry]))
    )
    (found,) = run(make_anaplan_client(script), lambda c: list_imports(c, REF))
    assert (found.id, found.import_type, found.import_data_source_id) == (
        "112000000001",
        "USERS",
        "113000000001",
    )


def test_import_metadata_gives_header_names(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """Import metadata gives the source's header names for `uam doctor` to compare."""
    answer = {
        "importMetadata": {
            "name": "Users from uam",
            "type": "FILE",
            "source": {
                "textEncoding": "UTF-8",
                "columnSeparator": ",",
                "textDelimiter": '"',
                "headerRow": 1,
                "firstDataRow": 2,
                "decimalSeparator": ".",
                "headerNames": ["Email Address", "Model Role", "Products Read"],
                "columnCount": 3,
            },
        }
    }
    script = signed_in(Script()).on("GET", f"{MODEL_PATH}/imports/112000000001", reply(200, answer))
    meta = run(make_anaplan_client(script), lambda c: import_metadata(c, REF, "112000000001"))
    assert meta.type == "FILE"
    assert meta.source is not None
    assert meta.source.header_names == ["Email Address", "Model Role", "Products Read"]


def test_processes_exports_and_files_are_listed(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """Processes, exports and files come from their list endpoints."""
    script = (
        signed_in(Script())
        .on(
            "GET",
            f"{MODEL_PATH}/processes",
            reply(200, listing("processes", [{"id": "118000000001", "name": "Refresh"}])),
        )
        .on(
            "GET",
            f"{MODEL_PATH}/exports",
            reply(
                200,
                listing(
                    "exports",
                    [{"id": "116000000001", "name": "Users", "exportFormat": "text/csv"}],
                ),
            ),
        )
        .on("GET", f"{MODEL_PATH}/files", reply(200, listing("files", [])))
    )

    async def use(c: AnaplanClient) -> tuple[list[str], list[str], int]:
        processes = [p.id for p in await list_processes(c, REF)]
        exports = [e.export_format or "" for e in await list_exports(c, REF)]
        return processes, exports, len(await list_files(c, REF))

    assert run(make_anaplan_client(script), use) == (["118000000001"], ["text/csv"], 0)


def test_model_status_has_no_envelope(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """`GET /models/{mid}/status` reads requestStatus: the running task and its progress."""
    answer = {
        "requestStatus": {
            "currentStep": "Processing ...",
            "progress": 0.25,
            "taskId": "1B1D84DDD53847BAA621810B593C3FC1",
            "tooltip": "The system is currently processing an Import: Users",
        }
    }
    script = signed_in(Script()).on("GET", f"/2/0/models/{MODEL}/status", reply(200, answer))
    status = run(make_anaplan_client(script), lambda c: model_status(c, REF))
    assert status.progress == 0.25
    assert status.task_id == "1B1D84DDD53847BAA621810B593C3FC1"
