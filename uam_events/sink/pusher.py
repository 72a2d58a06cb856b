"""One run of one spoke: plan, guard, push through the Bulk API, settle, store.

Invariant: the store changes only after the imports ended, by `outcome.acknowledge` (rows the
spoke accepted become acknowledged, rejected ones are parked) in one atomic write; a run that
stops anywhere before that (a crash, `AnaplanBusy`, an unsuccessful import) leaves the store as
it was, so the next run plans the same rows again, and Anaplan's imports are idempotent. The
consumer committed the deltas' offsets once their desired states were stored, so nothing is
lost by a run that never settles. The caller must not fold into the spoke while a run is in
flight (docs/decisions/sink.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, TypeVar

from uam_events.anaplan.model import AnaplanModel, ImportRun
from uam_events.contract.audit import HeldPush, PushOutcome, QuarantinedRow
from uam_events.errors import ConfigError, SinkError
from uam_events.settings import GuardSettings, SpokeSettings
from uam_events.sink import guard
from uam_events.sink.guard import OPEN
from uam_events.sink.outcome import FileName, Outcome, Rejection, Settled, acknowledge
from uam_events.sink.outcome import audit_records as outcome_records
from uam_events.sink.planner import Push, plan
from uam_events.sink.store import SinkStore

log = logging.getLogger(__name__)

T = TypeVar("T")
Step = Literal["refresh", "users", "text"]
RunState = Literal["empty", "held", "pushed", "failed"]


class ImportObserver(Protocol):
    """Told of each import or process a run ran (the runner counts them as metrics)."""

    def __call__(self, spoke: str, step: Step, outcome: str, seconds: float) -> None:
        """Record one import's outcome (`success`, `rows_failed`, `unsuccessful`) and duration."""
        ...


@dataclass(slots=True)
class SpokeTarget:
    """What a run needs besides the store: the spoke, its model, and the run's settings."""

    spoke: SpokeSettings
    model: AnaplanModel
    guard: GuardSettings
    integration_user: str | None
    quarantine_after: int
    files: dict[str, str] = field(default_factory=dict)
    """The file each import reads (its `importDataSourceId`), looked up once."""

    async def source_file(self, import_id: str, setting: str) -> str:
        """Return the file id an import reads; ConfigError when the model has no such import."""
        if not self.files:
            listed = await self.model.imports()
            self.files = {i.id: i.import_data_source_id for i in listed if i.import_data_source_id}
        if import_id not in self.files:
            fix = "write the id of an import of the model (see `GET .../imports`)"
            where = f"spokes[{self.spoke.id}].{setting}"
            raise ConfigError([f"{where}: import {import_id} has no source file here; fix: {fix}"])
        return self.files[import_id]


@dataclass(slots=True)
class RunReport:
    """What a run did: its state, the push, what settled, and the audit records to publish."""

    state: RunState
    push: Push | None = None
    settled: Settled | None = None
    audit: list[PushOutcome | QuarantinedRow | HeldPush] = field(default_factory=list)


def _nobody(spoke: str, step: Step, outcome: str, seconds: float) -> None:
    """Observe nothing."""


async def run_spoke(
    target: SpokeTarget, store: SinkStore, at: datetime, observe: ImportObserver = _nobody
) -> RunReport:
    """Run one spoke once; raise AnaplanBusy (nothing acknowledged) when Anaplan pushes back."""
    spoke = target.spoke
    # 1. Plan: the rows from the acknowledged to the desired states, in DESIGN order.
    push = plan(spoke, store.users(), target.integration_user)
    if push.empty:
        return RunReport("empty", push)
    # 2. The accidental-deletion guard: a push that lowers too many users waits for a release.
    review = guard.review(push, target.guard, store.guard(), at)
    if not review.go:
        if review.record is not None:
            store.write({}, review.state)
            log.warning("spoke %s: push held as %s", spoke.id, review.record.push_id)
            return RunReport("held", push, audit=[review.record])
        return RunReport("held", push)
    # 3. Refresh the spoke's lists first (its process, if any), so that new items exist.
    if spoke.refresh_process_id is not None:
        refreshed = await _timed(
            observe, spoke.id, "refresh", target.model.run_process(spoke.refresh_process_id)
        )
        if not refreshed.successful:
            log.warning("spoke %s: the refresh process did not succeed; pushing anyway", spoke.id)
    # 4. The users import: None rows, then roles with Read/Write rows, applied in file order.
    imported: set[FileName] = set()
    rejections: list[Rejection] = []
    users = push.users_file()
    if users.rows:
        done = await _import(target, observe, "users", "users_import_id", users.text())
        if done is None:
            return RunReport("failed", push)
        imported.add("users")
        rejections += _rejections("users", done)
    # 5. The access-text import, once the users it names hold their roles.
    text = push.text_file()
    if text.rows:
        done = await _import(target, observe, "text", "access_text_import_id", text.text())
        if done is not None:
            imported.add("text")
            rejections += _rejections("text", done)
    # 6. Settle: accepted rows become acknowledged, rejected rows are parked or quarantined.
    settled = acknowledge(
        push,
        Outcome(frozenset(imported), tuple(rejections)),
        store.get,
        no_access_role=spoke.no_access_role,
        quarantine_after=target.quarantine_after,
    )
    # 7. Store the records, and the guard reopened (a release is spent), in one atomic write.
    store.write(settled.updates, OPEN)
    return RunReport("pushed", push, settled, list(outcome_records(push, settled, at)))


async def _timed(observe: ImportObserver, spoke: str, step: Step, call: Awaitable[T]) -> T:
    """Await an Anaplan call, then report its duration and outcome."""
    started = time.monotonic()
    result = await call
    if isinstance(result, ImportRun):
        observe(spoke, step, _outcome(result), time.monotonic() - started)
    return result


async def _import(
    target: SpokeTarget, observe: ImportObserver, step: Step, setting: str, text: str
) -> ImportRun | None:
    """Push one import file; return its run, or None when the import did not succeed."""
    spoke = target.spoke.id
    import_id: str = getattr(target.spoke, setting)
    file_id = await target.source_file(import_id, setting)
    log.info("spoke %s: %s import %s started", spoke, step, import_id)
    call = target.model.push_import(file_id, import_id, text.encode())
    done = await _timed(observe, spoke, step, call)
    log.info(
        "spoke %s: %s import %s ended: %d rows, %d failed",
        spoke,
        step,
        import_id,
        done.counts.total,
        done.counts.failed,
    )
    if not done.successful:
        log.error("spoke %s: the %s import %s did not succeed", spoke, step, import_id)
        return None
    return done


def _rejections(file: FileName, run: ImportRun) -> list[Rejection]:
    """Return the rows an import rejected (errors, not warnings), by file line."""
    rejected = []
    for failure in run.failures:
        if not failure.is_error:
            continue
        if failure.line is None:
            raise SinkError(
                f"the {file} import's failure dump has a row without a line number; fix: check "
                "that the import writes _Line_ in its dump"
            )
        rejected.append(Rejection(file, failure.line, "; ".join(failure.errors) or "rejected"))
    return rejected


def _outcome(run: ImportRun) -> str:
    """Return an import's outcome label: `success`, `rows_failed` or `unsuccessful`."""
    if not run.successful:
        return "unsuccessful"
    return "rows_failed" if run.counts.failed else "success"
