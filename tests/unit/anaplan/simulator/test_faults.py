"""The fault book: matching by path and method, counts, Retry-After forms."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import pytest
from pydantic import ValidationError

from uam_events.anaplan.simulator.faults import FaultBook, FaultSpec


def test_a_fault_answers_its_count_then_disappears() -> None:
    """Two matching requests meet the fault; the third passes."""
    book = FaultBook()
    book.add(FaultSpec(path=r"/files/\d+/chunks", status=503, count=2, method="PUT"))
    assert book.take("GET", "/2/0/models/M/files/1/chunks/0") is None
    assert [book.take("PUT", "/2/0/models/M/files/1/chunks/0") is not None for _ in range(3)] == [
        True,
        True,
        False,
    ]


def test_retry_after_comes_as_seconds_or_an_http_date() -> None:
    """Seconds are written as an integer; a date is `now + retry_after` in GMT."""
    assert FaultSpec(path="x", status=429, retry_after=3).retry_header(0.0) == {"Retry-After": "3"}
    header = FaultSpec(path="x", status=429, retry_after=60, retry_after_form="date").retry_header(
        1_000_000.0
    )
    assert parsedate_to_datetime(header["Retry-After"]).timestamp() == 1_000_060.0
    assert FaultSpec(path="x", status=500).retry_header(0.0) == {}


def test_faults_are_tried_in_order_and_can_be_cleared() -> None:
    """The first armed match answers; clear disarms all."""
    book = FaultBook()
    book.add(FaultSpec(path="imports", status=409))
    book.add(FaultSpec(path="imports", status=423))
    first = book.take("POST", "/imports/1/tasks")
    assert first is not None
    assert first.status == 409
    assert [entry["status"] for entry in book.listing()] == [423]
    book.clear()
    assert book.take("POST", "/imports/1/tasks") is None


@pytest.mark.parametrize("fields", [{"status": 404}, {"status": 429, "count": 0}, {"path": "("}])
def test_impossible_faults_are_refused(fields: dict[str, object]) -> None:
    """Only 409, 422, 423, 429, 500 and 503, a positive count and a valid pattern are allowed."""
    with pytest.raises(ValidationError):
        FaultSpec.model_validate({"path": "x", "status": 500, **fields})
