"""Tasks: started in either answer form, polled to COMPLETE or CANCELLED, never past a limit."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest

from tests.unit.anaplan.fakes import MODEL, MODEL_PATH, WS, FakeClock, Script, body, reply
from uam_events.anaplan.client import AnaplanClient, ModelRef
from uam_events.anaplan.tasks import (
    MappingParameter,
    PollPolicy,
    cancel_task,
    require_success,
    run_task,
    start_task,
    wait_for_task,
)
from uam_events.errors import AnaplanResponseError, ImportTaskFailed, TaskStillRunning

R = TypeVar("R")
MakeClient = Callable[..., AnaplanClient]
REF = ModelRef(WS, MODEL)
IMPORT = "112000000001"
TASK = "1B1D84DDD53847BAA621810B593C3FC1"
TASKS = f"{MODEL_PATH}/imports/{IMPORT}/tasks"


def task(state: str, result: dict[str, Any] | None = None) -> httpx.Response:
    """Return a task poll answer in `state`, with `result` when given."""
    status: dict[str, Any] = {"taskId": TASK, "taskState": state, "progress": 0.5}
    if result is not None:
        status["result"] = result
    return reply(200, {"meta": {}, "status": {"code": 200}, "task": status})


def result(successful: bool, **extra: Any) -> dict[str, Any]:
    """Return a task result."""
    return {"successful": successful, "objectId": IMPORT, "failureDumpAvailable": False, **extra}


def run(client: AnaplanClient, use: Callable[[AnaplanClient], Awaitable[R]]) -> R:
    """Run `use` on the client, then close it."""

    async def go() -> R:
        async with client:
            return await use(client)

    return asyncio.run(go())


@pytest.mark.parametrize(
    "answer",
    [{"task": {"taskId": TASK}}, {"taskId": TASK}],
    ids=["wrapped", "bare"],
)
def test_start_accepts_both_answer_forms(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script], answer: dict[str, Any]
) -> None:
    """The task id is read from `task.taskId` or from a bare `taskId`."""
    script = signed_in(Script()).on("POST", TASKS, reply(200, answer))
    task_id = run(make_anaplan_client(script), lambda c: start_task(c, REF, "imports", IMPORT))
    assert task_id == TASK
    assert body(script.calls[-1]) == {"localeName": "en_US"}


def test_start_sends_mapping_parameters(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """Mapping parameters go in the start body with Anaplan's names."""
    script = signed_in(Script()).on("POST", TASKS, reply(200, {"task": {"taskId": TASK}}))
    mapping = [MappingParameter(entity_type="Versions", entity_name="Actual")]
    run(make_anaplan_client(script), lambda c: start_task(c, REF, "imports", IMPORT, mapping))
    assert body(script.calls[-1])["mappingParameters"] == [
        {"entityType": "Versions", "entityName": "Actual"}
    ]


def test_start_answer_without_an_id_is_a_response_error(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """A start answer with neither form of the id is refused at the boundary."""
    script = signed_in(Script()).on("POST", TASKS, reply(200, {"task": {}}))
    with pytest.raises(AnaplanResponseError, match="POST"):
        run(make_anaplan_client(script), lambda c: start_task(c, REF, "imports", IMPORT))


def test_polls_until_complete_with_growing_waits(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """NOT_STARTED and IN_PROGRESS are polled again, waits growing by the factor to the cap."""
    script = (
        signed_in(Script())
        .on("POST", TASKS, reply(200, {"task": {"taskId": TASK}}))
        .on(
            "GET",
            f"{TASKS}/{TASK}",
            task("NOT_STARTED"),
            task("IN_PROGRESS"),
            task("IN_PROGRESS"),
            task("IN_PROGRESS"),
            task("COMPLETE", result(True)),
        )
    )
    clock = FakeClock()
    poll = PollPolicy(first=1.0, factor=2.0, cap=3.0)
    status = run(
        make_anaplan_client(script, clock), lambda c: run_task(c, REF, "imports", IMPORT, poll=poll)
    )
    assert status.task_state == "COMPLETE"
    assert status.successful
    assert clock.sleeps == [1.0, 2.0, 3.0, 3.0]


def test_cancelled_is_terminal(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """A CANCELLED task stops the polling and reports no success."""
    script = signed_in(Script()).on(
        "GET", f"{TASKS}/{TASK}", task("CANCELLING"), task("CANCELLED"), task("COMPLETE")
    )
    status = run(
        make_anaplan_client(script, FakeClock()),
        lambda c: wait_for_task(c, REF, "imports", IMPORT, TASK),
    )
    assert status.task_state == "CANCELLED"
    assert status.terminal
    assert not status.successful
    assert len(script.paths(method="GET")) == 2


def test_complete_but_unsuccessful_is_a_result_not_an_error(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """COMPLETE with successful:false comes back as a status; require_success raises."""
    script = signed_in(Script()).on(
        "GET", f"{TASKS}/{TASK}", task("COMPLETE", result(False, failureDumpAvailable=True))
    )
    status = run(
        make_anaplan_client(script), lambda c: wait_for_task(c, REF, "imports", IMPORT, TASK)
    )
    assert not status.successful
    assert status.result is not None
    assert status.result.failure_dump_available
    with pytest.raises(ImportTaskFailed, match="COMPLETE \\(unsuccessful\\)") as caught:
        require_success(status, "imports", IMPORT)
    assert caught.value.task_id == TASK


def test_require_success_passes_a_successful_task(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """A successful task passes require_success unchanged."""
    script = signed_in(Script()).on("GET", f"{TASKS}/{TASK}", task("COMPLETE", result(True)))
    status = run(
        make_anaplan_client(script), lambda c: wait_for_task(c, REF, "imports", IMPORT, TASK)
    )
    assert require_success(status, "imports", IMPORT) is status


def test_polling_gives_up_after_its_timeout(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """A task still running after `timeout` seconds raises TaskStillRunning naming it."""
    script = signed_in(Script()).on("GET", f"{TASKS}/{TASK}", task("IN_PROGRESS"))
    clock = FakeClock()
    poll = PollPolicy(first=4.0, factor=1.0, cap=4.0, timeout=10.0)
    with pytest.raises(TaskStillRunning) as caught:
        run(
            make_anaplan_client(script, clock),
            lambda c: wait_for_task(c, REF, "imports", IMPORT, TASK, poll=poll),
        )
    assert caught.value.task_id == TASK
    assert clock.sleeps == [4.0, 4.0, 2.0]
    assert caught.value.waited == 10.0


def test_cancel_deletes_the_task(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """Cancelling sends DELETE on the task and reads the status it answers."""
    script = signed_in(Script()).on("DELETE", f"{TASKS}/{TASK}", task("CANCELLING"))
    status = run(
        make_anaplan_client(script), lambda c: cancel_task(c, REF, "imports", IMPORT, TASK)
    )
    assert status.task_state == "CANCELLING"


def test_cancel_with_an_empty_answer_polls_the_task(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """A 204 to the cancel is followed by one poll for the task's state."""
    script = (
        signed_in(Script())
        .on("DELETE", f"{TASKS}/{TASK}", reply(204))
        .on("GET", f"{TASKS}/{TASK}", task("CANCELLED"))
    )
    status = run(
        make_anaplan_client(script), lambda c: cancel_task(c, REF, "imports", IMPORT, TASK)
    )
    assert status.task_state == "CANCELLED"


def test_poll_policy_rejects_nonsense() -> None:
    """A poll policy with no first wait or a shrinking factor is refused."""
    with pytest.raises(ValueError, match="first"):
        PollPolicy(first=0)
    with pytest.raises(ValueError, match="factor"):
        PollPolicy(factor=0.5)
