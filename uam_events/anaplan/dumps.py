"""Download failure dumps of imports and processes and read them into per-row failures.

Invariants: a dump is read with the csv module (RFC 4180 quoting, as Anaplan writes it); each
row keeps its `_Status_`, its `_Line_` (the source line, None when unreadable), every
`_Error_N_` in order, and the source columns by name; a dump that is not there (204 or 404,
e.g. after a later clean run) is None, not an error.
"""

from __future__ import annotations

import csv
import io
import re

from uam_events.anaplan.client import AnaplanClient, ModelRef, segment
from uam_events.anaplan.files import download_chunks
from uam_events.anaplan.payloads import RowFailure

NOT_THERE = frozenset({404})
STATUS = "_Status_"
LINE = "_Line_"
_ERROR = re.compile(r"_Error_(\d+)_")


async def import_dump(
    client: AnaplanClient, model: ModelRef, import_id: str, task_id: str
) -> bytes | None:
    """Return the failure dump of an import task, or None when Anaplan has none."""
    path = f"{model.path}/imports/{segment(import_id)}/tasks/{segment(task_id)}/dump/chunks"
    return await download_chunks(client, path, absent=NOT_THERE)


async def process_dump(
    client: AnaplanClient, model: ModelRef, process_id: str, task_id: str, object_id: str
) -> bytes | None:
    """Return the failure dump of one import (`object_id`) inside a process task, or None."""
    task = f"{model.path}/processes/{segment(process_id)}/tasks/{segment(task_id)}"
    return await download_chunks(
        client, f"{task}/dumps/{segment(object_id)}/chunks", absent=NOT_THERE
    )


def parse_dump(data: bytes) -> list[RowFailure]:
    """Read a failure dump's CSV into one RowFailure per row, in file order."""
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return []
    errors = sorted(
        ((int(m.group(1)), i) for i, name in enumerate(header) if (m := _ERROR.fullmatch(name))),
    )
    error_columns = [i for _, i in errors]
    special = {i for i, name in enumerate(header) if name in (STATUS, LINE)} | set(error_columns)
    failures: list[RowFailure] = []
    for row in reader:
        if not row:
            continue
        cells = row + [""] * (len(header) - len(row))
        named = dict(zip(header, cells, strict=False))
        failures.append(
            RowFailure(
                status=named.get(STATUS, ""),
                line=_line(named.get(LINE, "")),
                errors=tuple(cells[i] for i in error_columns if cells[i]),
                columns={h: cells[i] for i, h in enumerate(header) if i not in special},
            )
        )
    return failures


def _line(text: str) -> int | None:
    """Return the source line number of a dump row, None when it is not a number."""
    text = text.strip()
    return int(text) if text.isdigit() else None
