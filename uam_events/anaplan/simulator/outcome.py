"""An action's source rows and what became of them: counts, result details and the dump.

Invariants: every source row is counted exactly once, as a success, a failure (`E`) or an
ignored row (`W`); the dump lists the failed and ignored rows in file order with `_Status_`,
the source columns, `_Line_` (the 1-based file line) and `_Error_1_`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

FIRST_DATA_LINE = 2
"""Line 1 is the header row."""


@dataclass(frozen=True, slots=True)
class SourceTable:
    """A CSV source file: its header and its data rows, in file order."""

    header: list[str]
    rows: list[list[str]]

    def cell(self, row: list[str], column: str) -> str:
        """Return a row's stripped value in a named column ('' when the column is absent)."""
        try:
            index = self.header.index(column)
        except ValueError:
            return ""
        return row[index].strip() if index < len(row) else ""


def read_table(content: bytes) -> SourceTable:
    """Parse comma-separated UTF-8 text (a BOM is dropped) into a header and rows."""
    text = content.decode("utf-8-sig", errors="replace")
    rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
    if not rows:
        return SourceTable([], [])
    return SourceTable([name.strip() for name in rows[0]], rows[1:])


@dataclass(frozen=True, slots=True)
class RowFailure:
    """A row that failed (`E`) or was ignored with a warning (`W`)."""

    status: str
    line: int
    row: list[str]
    message: str


@dataclass(slots=True)
class Outcome:
    """The result of one action: counts, failures and a fatal message when it could not run."""

    object_id: str
    object_name: str
    target: str
    header: list[str] = field(default_factory=list)
    total: int = 0
    failures: list[RowFailure] = field(default_factory=list)
    fatal: str | None = None

    @classmethod
    def refused(cls, object_id: str, object_name: str, message: str) -> Outcome:
        """Return the outcome of an action that could not run at all."""
        return cls(object_id, object_name, object_name, fatal=message)

    def fail(self, line: int, row: list[str], message: str) -> None:
        """Record a failed row."""
        self.failures.append(RowFailure("E", line, row, message))

    def warn(self, line: int, row: list[str], message: str) -> None:
        """Record a row ignored with a warning."""
        self.failures.append(RowFailure("W", line, row, message))

    @property
    def failed(self) -> int:
        """Return the number of failed rows."""
        return sum(1 for failure in self.failures if failure.status == "E")

    @property
    def ignored(self) -> int:
        """Return the number of rows ignored with a warning."""
        return sum(1 for failure in self.failures if failure.status == "W")

    @property
    def successful(self) -> bool:
        """Return whether the action ran; failed rows do not make it unsuccessful."""
        return self.fatal is None

    @property
    def dump_available(self) -> bool:
        """Return whether a dump exists: some rows failed or were ignored."""
        return self.fatal is None and bool(self.failures)

    def details(self) -> list[dict[str, Any]]:
        """Return the result's `details[]`: one `hierarchyRowsProcessed` entry, or the fatal."""
        if self.fatal is not None:
            return [{"type": "message", "localMessageText": self.fatal, "occurrences": 0}]
        success = self.total - self.failed - self.ignored
        values = [
            ("hierarchyName", self.target),
            ("successRowCount", success),
            ("successCreateCount", 0),
            ("successUpdateCount", success),
            ("warningsRowCount", self.ignored),
            ("ignoredCount", self.ignored),
            ("failedCount", self.failed),
            ("totalRowCount", self.total),
        ]
        text = f"{self.target}: {success} ({0}/{success}) rows successful, {self.ignored} ignored "
        return [
            {
                "type": "hierarchyRowsProcessed",
                "localMessageText": text,
                "occurrences": 0,
                "values": [str(part) for pair in values for part in pair],
            }
        ]

    def result(self) -> dict[str, Any]:
        """Return the task `result` body for this action."""
        return {
            "successful": self.successful,
            "failureDumpAvailable": self.dump_available,
            "objectId": self.object_id,
            "objectName": self.object_name,
            "details": self.details(),
        }

    def dump(self) -> bytes:
        """Return the failure dump as CSV: status, source columns, line and error."""
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(["_Status_", *self.header, "_Line_", "_Error_1_"])
        width = len(self.header)
        for failure in self.failures:
            cells = (failure.row + [""] * width)[:width]
            writer.writerow([failure.status, *cells, str(failure.line), failure.message])
        return out.getvalue().encode("utf-8")
