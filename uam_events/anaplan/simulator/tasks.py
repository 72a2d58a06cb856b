"""Import, export and process tasks: their state machine and one exclusive queue per model.

Invariants: a model runs at most one task at a time, the others wait as NOT_STARTED in start
order; a task moves NOT_STARTED -> IN_PROGRESS -> COMPLETE, or to CANCELLING -> CANCELLED
when cancelled (its changes are never applied); `result` exists only in a terminal state.
Time is passed in (seconds), so the board is pure and a test can step it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

TaskRunner = Callable[["Task"], dict[str, Any]]
"""Run a task's action when it completes; return its `result`."""


class TaskState(StrEnum):
    """Anaplan's task states."""

    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETE = "COMPLETE"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"


TERMINAL = frozenset({TaskState.COMPLETE, TaskState.CANCELLED})
KIND_LABEL = {"imports": "Import", "exports": "Export", "processes": "Process"}


@dataclass(slots=True)
class Task:
    """One task of an import, export or process."""

    id: str
    model_id: str
    kind: str
    object_id: str
    user: str
    created: float
    state: TaskState = TaskState.NOT_STARTED
    started: float | None = None
    result: dict[str, Any] | None = None
    cancelled_by: str | None = None

    def body(self, now: float, duration: float) -> dict[str, Any]:
        """Return the API's `task` object at time `now`."""
        body: dict[str, Any] = {
            "taskId": self.id,
            "taskState": self.state.value,
            "creationTime": int(self.created * 1000),
            "progress": self.progress(now, duration),
            "currentStep": self.step(),
        }
        if self.cancelled_by is not None:
            body["cancelledBy"] = {"guid": self.cancelled_by}
        if self.result is not None:
            body["result"] = self.result
        return body

    def progress(self, now: float, duration: float) -> float:
        """Return progress from 0.0 to 1.0."""
        if self.state in TERMINAL:
            return 1.0
        if self.started is None or duration <= 0:
            return 0.0
        return round(min(0.99, (now - self.started) / duration), 3)

    def step(self) -> str:
        """Return the task's current step as text."""
        return {
            TaskState.NOT_STARTED: "Waiting for the model to be free.",
            TaskState.IN_PROGRESS: f"Processing {KIND_LABEL[self.kind]}...",
            TaskState.COMPLETE: "Complete.",
            TaskState.CANCELLING: "Cancelling...",
            TaskState.CANCELLED: "Cancelled.",
        }[self.state]


@dataclass(slots=True)
class TaskBoard:
    """Every task, and per model the queue that lets one run at a time."""

    duration: float
    tasks: dict[str, Task] = field(default_factory=dict)
    queues: dict[str, list[str]] = field(default_factory=dict)
    free_at: dict[str, float] = field(default_factory=dict)

    def start(self, model_id: str, kind: str, object_id: str, user: str, now: float) -> Task:
        """Queue a new task on a model."""
        task = Task(uuid.uuid4().hex.upper(), model_id, kind, object_id, user, now)
        self.tasks[task.id] = task
        self.queues.setdefault(model_id, []).append(task.id)
        return task

    def cancel(self, task: Task, user_guid: str) -> None:
        """Stop a task: a waiting one at once, a running one at the next step; nothing applies."""
        if task.state in TERMINAL:
            return
        task.cancelled_by = user_guid
        task.state = TaskState.CANCELLING
        queue = self.queues[task.model_id]
        if task.started is None and queue[0] != task.id:
            queue.remove(task.id)
            task.state = TaskState.CANCELLED

    def advance(self, now: float, run: TaskRunner) -> None:
        """Bring every model's queue up to time `now`, running tasks that are due."""
        for model_id, queue in self.queues.items():
            while queue and self._step(model_id, queue, now, run):
                pass

    def running(self, model_id: str) -> Task | None:
        """Return the task at the head of a model's queue when it has started."""
        queue = self.queues.get(model_id, [])
        head = self.tasks[queue[0]] if queue else None
        return head if head is not None and head.started is not None else None

    def of(self, model_id: str, kind: str, object_id: str) -> list[Task]:
        """Return the tasks of one import, export or process, oldest first."""
        return [
            t
            for t in self.tasks.values()
            if (t.model_id, t.kind, t.object_id) == (model_id, kind, object_id)
        ]

    def _step(self, model_id: str, queue: list[str], now: float, run: TaskRunner) -> bool:
        """Move the head of a queue one state on; return whether anything changed."""
        head = self.tasks[queue[0]]
        if head.started is None:
            if head.state == TaskState.CANCELLING:
                return self._finish(model_id, queue, head, now, None)
            head.started = max(head.created, self.free_at.get(model_id, head.created))
            head.state = TaskState.IN_PROGRESS
            return head.started <= now
        if head.state == TaskState.CANCELLING:
            return self._finish(model_id, queue, head, now, None)
        end = head.started + self.duration
        if end > now:
            return False
        return self._finish(model_id, queue, head, end, run(head))

    def _finish(
        self, model_id: str, queue: list[str], task: Task, at: float, result: dict[str, Any] | None
    ) -> bool:
        """End a task (COMPLETE with a result, else CANCELLED) and free its model."""
        task.state = TaskState.COMPLETE if result is not None else TaskState.CANCELLED
        task.result = result
        queue.pop(0)
        self.free_at[model_id] = at
        return True
