"""Run an import, process or export and poll its task to a terminal state.

Invariants: polling stops at COMPLETE or CANCELLED (never loops on a cancelled task); a
COMPLETE task with `successful: false` is a result the caller reads, not an exception; the
start tolerates both `{"task": {"taskId"}}` and a bare `{"taskId"}`; polling waits grow
geometrically up to a cap and give up with TaskStillRunning after `timeout` seconds, naming
the task so it can be polled again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from uam_events.anaplan.client import AnaplanClient, ModelRef, segment
from uam_events.anaplan.payloads import TaskAnswer, TaskStartAnswer, TaskStatus, parse_answer
from uam_events.errors import ImportTaskFailed, TaskStillRunning

log = logging.getLogger(__name__)

ActionKind = Literal["imports", "processes", "exports", "actions"]
LOCALE = "en_US"
"""The only locale the Integration API accepts when starting a task."""


class MappingParameter(BaseModel):
    """An answer to an import's runtime mapping prompt: which item of which dimension."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    entity_type: str = Field(serialization_alias="entityType")
    entity_name: str = Field(serialization_alias="entityName")


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How to poll a task: the first wait, its growth, its cap and the overall limit (s)."""

    first: float = 1.0
    factor: float = 1.5
    cap: float = 15.0
    timeout: float = 4 * 3600.0

    def __post_init__(self) -> None:
        """Refuse a policy that could not poll sensibly."""
        if self.first <= 0 or self.factor < 1 or self.cap < self.first or self.timeout < 0:
            raise ValueError("PollPolicy needs 0 < first <= cap, factor >= 1, timeout >= 0")


def action_path(model: ModelRef, kind: ActionKind, action_id: str) -> str:
    """Return the path of an action: `.../imports/{id}` and the like."""
    return f"{model.path}/{kind}/{segment(action_id)}"


async def start_task(
    client: AnaplanClient,
    model: ModelRef,
    kind: ActionKind,
    action_id: str,
    mapping: Sequence[MappingParameter] = (),
) -> str:
    """Start a task of the action and return its id."""
    body: dict[str, object] = {"localeName": LOCALE}
    if mapping:
        body["mappingParameters"] = [m.model_dump(by_alias=True) for m in mapping]
    path = f"{action_path(model, kind, action_id)}/tasks"
    answer = await client.send_json(TaskStartAnswer, "POST", path, body, idempotent=False)
    return answer.id


async def task_status(
    client: AnaplanClient, model: ModelRef, kind: ActionKind, action_id: str, task_id: str
) -> TaskStatus:
    """Return a task's state, and its result once it has ended."""
    path = f"{action_path(model, kind, action_id)}/tasks/{segment(task_id)}"
    return (await client.get(TaskAnswer, path)).task


async def cancel_task(
    client: AnaplanClient, model: ModelRef, kind: ActionKind, action_id: str, task_id: str
) -> TaskStatus:
    """Ask Anaplan to cancel a task; it passes through CANCELLING to CANCELLED."""
    path = f"{action_path(model, kind, action_id)}/tasks/{segment(task_id)}"
    response = await client.request("DELETE", path)
    if not response.content:
        return await task_status(client, model, kind, action_id, task_id)
    return parse_answer(TaskAnswer, response.content, f"DELETE {path}").task


async def wait_for_task(
    client: AnaplanClient,
    model: ModelRef,
    kind: ActionKind,
    action_id: str,
    task_id: str,
    *,
    poll: PollPolicy | None = None,
) -> TaskStatus:
    """Poll a task until it is COMPLETE or CANCELLED and return its last status."""
    poll = poll or PollPolicy()
    timing = client.timing
    started = timing.now()
    wait = poll.first
    while True:
        status = await task_status(client, model, kind, action_id, task_id)
        if status.terminal:
            return status
        waited = timing.now() - started
        if waited >= poll.timeout:
            raise TaskStillRunning(f"{kind[:-1]} {action_id}", task_id, waited)
        await timing.sleep(min(wait, max(poll.timeout - waited, 0.0)))
        wait = min(poll.cap, wait * poll.factor)


async def run_task(
    client: AnaplanClient,
    model: ModelRef,
    kind: ActionKind,
    action_id: str,
    *,
    poll: PollPolicy | None = None,
    mapping: Sequence[MappingParameter] = (),
) -> TaskStatus:
    """Start a task of the action, poll it to its end and return its final status."""
    task_id = await start_task(client, model, kind, action_id, mapping)
    log.info("anaplan %s %s started task %s", kind[:-1], action_id, task_id)
    status = await wait_for_task(client, model, kind, action_id, task_id, poll=poll)
    log.info(
        "anaplan %s %s task %s ended %s (successful: %s)",
        kind[:-1],
        action_id,
        task_id,
        status.task_state,
        status.successful,
    )
    return status


def require_success(status: TaskStatus, kind: ActionKind, action_id: str) -> TaskStatus:
    """Return `status` when the task succeeded; raise ImportTaskFailed otherwise."""
    if not status.successful:
        state = status.task_state if status.task_state != "COMPLETE" else "COMPLETE (unsuccessful)"
        raise ImportTaskFailed(f"{kind[:-1]} {action_id}", status.task_id, state)
    return status
