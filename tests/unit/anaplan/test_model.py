"""A model through the client: push an import end to end, run a process, export and download."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest

from tests.unit.anaplan.fakes import (
    MODEL,
    MODEL_PATH,
    T0,
    WS,
    FakeClock,
    Script,
    raw,
    reply,
    token_answer,
)
from uam_events.anaplan.client import AnaplanClient
from uam_events.anaplan.model import AnaplanModel
from uam_events.anaplan.tasks import PollPolicy
from uam_events.errors import ImportTaskFailed

R = TypeVar("R")
MakeClient = Callable[..., AnaplanClient]
TASK = "1B1D84DDD53847BAA621810B593C3FC1"
FILE = "113000000001"
IMPORT = "112000000001"
PROCESS = "118000000001"
EXPORT = "116000000001"
DUMP = (
    b"_Status_,Email Address,Model Role,_Line_,_Error_1_\nE,ann@example.com,Boss,2,Unknown role\n"
)


def counts(success: int, failed: int, ignored: int = 0) -> list[str]:
    """Return a hierarchyRowsProcessed `values` list."""
    total = success + failed + ignored
    return [
        "hierarchyName", "Users", "successRowCount", str(success), "warningsRowCount", "0",
        "failedCount", str(failed), "ignoredCount", str(ignored), "totalRowCount", str(total),
    ]  # fmt: skip


def task(state: str, result: dict[str, Any] | None = None) -> httpx.Response:
    """Return a task poll answer."""
    status: dict[str, Any] = {"taskId": TASK, "taskState": state}
    if result is not None:
        status["result"] = result
    return reply(200, {"task": status})


def import_result(successful: bool, failed: int, object_id: str = IMPORT) -> dict[str, Any]:
    """Return an import task result with row counts."""
    return {
        "successful": successful,
        "failureDumpAvailable": failed > 0,
        "objectId": object_id,
        "details": [{"type": "hierarchyRowsProcessed", "values": counts(3, failed)}],
    }


def run(client: AnaplanClient, use: Callable[[AnaplanModel], Awaitable[R]]) -> R:
    """Run `use` on a model of the client, then close it."""

    async def go() -> R:
        async with client:
            return await use(AnaplanModel(client, WS, MODEL, chunk_size=16, poll=PollPolicy()))

    return asyncio.run(go())


def test_push_import_uploads_runs_polls_and_reads_failures(make_anaplan_client: MakeClient) -> None:
    """A push survives a 429 and an expired token, then reports counts and the failed row."""
    data = b"Email Address,Model Role\nann@example.com,Boss\n"
    imports = f"{MODEL_PATH}/imports/{IMPORT}/tasks"
    script = (
        Script()
        .on(
            "POST",
            "/token/authenticate",
            token_answer("tok-1", T0 + 1800),
            token_answer("tok-2", T0 + 3600),
        )
        .on("POST", f"{MODEL_PATH}/files/{FILE}", reply(200, {"file": {"id": FILE}}))
        .on(
            "PUT",
            rf"{MODEL_PATH}/files/{FILE}/chunks/\d",
            reply(204),
            reply(429, {}, **{"Retry-After": "2"}),
            reply(401),
            reply(204),
        )
        .on("POST", imports, reply(200, {"task": {"taskId": TASK}}))
        .on(
            "GET",
            f"{imports}/{TASK}",
            task("IN_PROGRESS"),
            task("COMPLETE", import_result(False, failed=1)),
        )
        .on("GET", f"{imports}/{TASK}/dump/chunks", reply(200, {"chunks": [{"id": "0"}]}))
        .on("GET", f"{imports}/{TASK}/dump/chunks/0", raw(DUMP))
    )
    clock = FakeClock()
    outcome = run(make_anaplan_client(script, clock), lambda m: m.push_import(FILE, IMPORT, data))
    assert not outcome.successful
    assert (outcome.counts.success, outcome.counts.failed, outcome.counts.total) == (3, 1, 4)
    (failure,) = outcome.failures
    assert (failure.line, failure.errors) == (2, ("Unknown role",))
    assert failure.columns["Email Address"] == "ann@example.com"
    chunks = [c for c in script.calls if c.method == "PUT"]
    assert [c.url.path[-1] for c in chunks] == ["0", "1", "1", "1", "2"]
    assert b"".join(gzip.decompress(chunks[i].content) for i in (0, 3, 4)) == data
    assert clock.sleeps[0] == 2.0
    assert chunks[-1].headers["Authorization"] == "AnaplanAuthToken tok-2"


def test_push_import_without_failures_reads_no_dump(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """A clean import is successful with its counts and asks for no dump."""
    imports = f"{MODEL_PATH}/imports/{IMPORT}/tasks"
    script = (
        signed_in(Script())
        .on("POST", f"{MODEL_PATH}/files/{FILE}", reply(200, {"file": {"id": FILE}}))
        .on("PUT", rf"{MODEL_PATH}/files/{FILE}/chunks/\d", reply(204))
        .on("POST", imports, reply(200, {"taskId": TASK}))
        .on("GET", f"{imports}/{TASK}", task("COMPLETE", import_result(True, failed=0)))
    )
    outcome = run(make_anaplan_client(script), lambda m: m.push_import(FILE, IMPORT, b"x\n"))
    assert outcome.successful
    assert outcome.failures == []
    assert not any("dump" in p for p in script.paths())


def test_process_collects_failures_of_each_nested_import(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """A process sums its actions' counts and reads the dump of each action that left one."""
    tasks = f"{MODEL_PATH}/processes/{PROCESS}/tasks"
    nested = [
        import_result(True, failed=0, object_id="112000000001"),
        import_result(False, failed=1, object_id="112000000002"),
    ]
    dump = f"{tasks}/{TASK}/dumps/112000000002/chunks"
    script = (
        signed_in(Script())
        .on("POST", tasks, reply(200, {"task": {"taskId": TASK}}))
        .on(
            "GET",
            f"{tasks}/{TASK}",
            task(
                "COMPLETE",
                {
                    "successful": False,
                    "objectId": PROCESS,
                    "failureDumpAvailable": True,
                    "nestedResults": nested,
                },
            ),
        )
        .on("GET", dump, reply(200, {"chunks": [{"id": "0"}]}))
        .on("GET", f"{dump}/0", raw(DUMP))
    )
    outcome = run(make_anaplan_client(script), lambda m: m.run_process(PROCESS))
    assert (outcome.counts.success, outcome.counts.failed) == (6, 1)
    assert [f.errors for f in outcome.failures] == [("Unknown role",)]


def test_export_and_download_returns_the_export_file(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """An export runs to COMPLETE, then its file (id = export id) is downloaded."""
    tasks = f"{MODEL_PATH}/exports/{EXPORT}/tasks"
    chunks = f"{MODEL_PATH}/files/{EXPORT}/chunks"
    script = (
        signed_in(Script())
        .on("POST", tasks, reply(200, {"task": {"taskId": TASK}}))
        .on("GET", f"{tasks}/{TASK}", task("COMPLETE", {"successful": True}))
        .on("GET", chunks, reply(200, {"chunks": [{"id": "0"}]}))
        .on("GET", f"{chunks}/0", raw(b"Email Address\nann@example.com\n"))
    )
    content = run(make_anaplan_client(script), lambda m: m.export_and_download(EXPORT))
    assert content == b"Email Address\nann@example.com\n"


def test_failed_export_raises_instead_of_downloading(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """An export that ends CANCELLED raises ImportTaskFailed and downloads nothing."""
    tasks = f"{MODEL_PATH}/exports/{EXPORT}/tasks"
    script = (
        signed_in(Script())
        .on("POST", tasks, reply(200, {"task": {"taskId": TASK}}))
        .on("GET", f"{tasks}/{TASK}", task("CANCELLED"))
    )
    with pytest.raises(ImportTaskFailed, match="CANCELLED"):
        run(make_anaplan_client(script), lambda m: m.export_and_download(EXPORT))
    assert not any("files" in p for p in script.paths())
