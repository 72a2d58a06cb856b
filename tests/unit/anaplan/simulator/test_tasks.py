"""The task board: one running task per model, queued starts, cancellation, progress."""

from __future__ import annotations

from typing import Any

from uam_events.anaplan.simulator.tasks import Task, TaskBoard, TaskState


def _runner(log: list[str]) -> Any:
    """Return a runner that records which tasks ran and answers a clean result."""

    def run(task: Task) -> dict[str, Any]:
        log.append(task.id)
        return {"successful": True, "objectId": task.object_id}

    return run


def test_a_model_runs_one_task_at_a_time_in_start_order() -> None:
    """A second task waits NOT_STARTED until the first completes, then runs."""
    board, log = TaskBoard(duration=1.0), []
    first = board.start("M", "imports", "112000000001", "a@x", now=0.0)
    second = board.start("M", "exports", "116000000001", "a@x", now=0.0)
    board.advance(0.5, _runner(log))
    assert (first.state, second.state) == (TaskState.IN_PROGRESS, TaskState.NOT_STARTED)
    assert first.progress(0.5, 1.0) == 0.5
    assert board.running("M") is first
    board.advance(1.5, _runner(log))
    assert (first.state, second.state) == (TaskState.COMPLETE, TaskState.IN_PROGRESS)
    assert second.started == 1.0
    board.advance(2.0, _runner(log))
    assert log == [first.id, second.id]
    assert second.result == {"successful": True, "objectId": "116000000001"}


def test_models_do_not_wait_for_each_other() -> None:
    """Tasks on two models run side by side."""
    board = TaskBoard(duration=1.0)
    one = board.start("M1", "imports", "112000000001", "a@x", now=0.0)
    two = board.start("M2", "imports", "112000000001", "a@x", now=0.0)
    board.advance(0.1, _runner([]))
    assert one.state == two.state == TaskState.IN_PROGRESS


def test_a_cancelled_running_task_ends_cancelled_and_never_runs() -> None:
    """Cancelling moves a running task to CANCELLING, then CANCELLED; its action never runs."""
    board, log = TaskBoard(duration=1.0), []
    task = board.start("M", "imports", "112000000001", "a@x", now=0.0)
    board.advance(0.1, _runner(log))
    board.cancel(task, "guid")
    assert task.state == TaskState.CANCELLING
    assert "result" not in task.body(0.2, 1.0)
    board.advance(5.0, _runner(log))
    assert task.state == TaskState.CANCELLED
    assert log == []
    assert task.body(5.0, 1.0)["cancelledBy"] == {"guid": "guid"}


def test_a_cancelled_waiting_task_leaves_the_queue_at_once() -> None:
    """A queued task cancelled before it starts is CANCELLED and the queue moves on."""
    board, log = TaskBoard(duration=1.0), []
    first = board.start("M", "imports", "112000000001", "a@x", now=0.0)
    second = board.start("M", "imports", "112000000001", "a@x", now=0.0)
    board.advance(0.1, _runner(log))
    board.cancel(second, "guid")
    assert second.state == TaskState.CANCELLED
    board.advance(2.0, _runner(log))
    assert log == [first.id]


def test_a_task_body_carries_a_result_only_when_terminal() -> None:
    """A waiting task has no result and progress 0; a complete one says Complete."""
    board = TaskBoard(duration=1.0)
    task = board.start("M", "imports", "112000000001", "a@x", now=0.0)
    body = task.body(0.0, 1.0)
    assert body["taskState"] == "NOT_STARTED"
    assert "result" not in body
    assert body["progress"] == 0.0
    assert len(body["taskId"]) == 32
    assert body["taskId"] == body["taskId"].upper()
    board.advance(1.0, _runner([]))
    done = task.body(1.0, 1.0)
    assert (done["taskState"], done["currentStep"], done["progress"]) == (
        "COMPLETE",
        "Complete.",
        1.0,
    )
    assert board.of("M", "imports", "112000000001") == [task]
