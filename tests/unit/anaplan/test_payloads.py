"""Payloads: row counts from details, task-start forms, unknown fields ignored, secrets hidden."""

from __future__ import annotations

import secrets

import pytest

from uam_events.anaplan.payloads import (
    RowCounts,
    TaskAnswer,
    TaskDetail,
    TaskResult,
    TaskStartAnswer,
    TaskStatus,
    TokenAnswer,
    parse_answer,
)
from uam_events.errors import AnaplanResponseError

POSTMAN_VALUES = [
    "hierarchyName", "Employees", "successRowCount", "90", "successCreateCount", "0",
    "successUpdateCount", "90", "warningsRowCount", "0", "warningsCreateCount", "0",
    "warningsUpdateCount", "0", "failedCount", "0", "ignoredCount", "5", "totalRowCount", "95",
]  # fmt: skip
"""The values list of Anaplan's "Monitor the import task" example."""


def test_counts_read_the_flat_key_value_list() -> None:
    """successRowCount, failedCount, ignoredCount and totalRowCount become row counts."""
    result = TaskResult.model_validate(
        {
            "successful": True,
            "details": [{"type": "hierarchyRowsProcessed", "values": POSTMAN_VALUES}],
        }
    )
    assert result.counts() == RowCounts(total=95, success=90, warnings=0, failed=0, ignored=5)


def test_counts_sum_over_details_and_skip_non_numbers() -> None:
    """Counts of several details add up; values that are not numbers are skipped."""
    result = TaskResult(
        successful=False,
        details=[
            TaskDetail(type="a", values=["failedCount", "2", "totalRowCount", "5"]),
            TaskDetail(type="b", values=["failedCount", "n/a", "totalRowCount", "3", "odd"]),
        ],
    )
    assert result.counts() == RowCounts(total=8, failed=2)


def test_total_of_adds_field_by_field() -> None:
    """RowCounts.total_of adds each field; of nothing it is all zeros."""
    a, b = RowCounts(total=2, success=1, failed=1), RowCounts(total=3, ignored=3)
    assert RowCounts.total_of([a, b]) == RowCounts(total=5, success=1, failed=1, ignored=3)
    assert RowCounts.total_of([]) == RowCounts()


@pytest.mark.parametrize(
    "answer", ['{"task": {"taskId": "T1"}}', '{"taskId": "T1"}', '{"taskId": "T1", "x": 1}']
)
def test_task_start_takes_either_form(answer: str) -> None:
    """The started task's id is read from either documented place."""
    assert parse_answer(TaskStartAnswer, answer.encode(), "start").id == "T1"


def test_task_state_outside_the_enum_is_refused() -> None:
    """A task state Anaplan does not document is a response error, not a silent loop."""
    with pytest.raises(AnaplanResponseError, match=r"task\.taskState"):
        parse_answer(TaskAnswer, b'{"task": {"taskId": "T1", "taskState": "PAUSED"}}', "poll")


def test_unknown_fields_are_ignored() -> None:
    """Fields Anaplan adds are ignored; ids stay strings."""
    status = TaskStatus.model_validate(
        {
            "taskId": "T1",
            "taskState": "COMPLETE",
            "cancelledBy": "x",
            "result": {"successful": True},
        }
    )
    assert status.successful
    assert status.terminal


def test_token_value_never_shows() -> None:
    """A token answer's repr and dump keep the token value hidden."""
    value = secrets.token_hex(12)
    answer = TokenAnswer.model_validate(
        {"tokenInfo": {"tokenValue": value, "expiresAt": 1, "refreshTokenId": value}}
    )
    assert value not in repr(answer)
    assert value not in str(answer.model_dump())
    assert answer.token_info.token_value.get_secret_value() == value
