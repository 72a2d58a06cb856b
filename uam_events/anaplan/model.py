"""One Anaplan model seen through the client: the calls a spoke's pusher and `uam doctor` make.

Invariants: `push_import` runs the documented order (upload the chunks, start the import, poll
it to its end, read its failure dump) and reports a failed or partly failed import as a result
with per-row failures, never by raising; a dump that Anaplan no longer has reads as no rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from uam_events.anaplan import catalog, dumps, files, tasks
from uam_events.anaplan.client import AnaplanClient, ModelRef
from uam_events.anaplan.payloads import (
    ExportInfo,
    FileInfo,
    ImportInfo,
    ImportMetadata,
    ModelStatus,
    ProcessInfo,
    RowCounts,
    RowFailure,
    TaskStatus,
)
from uam_events.anaplan.tasks import ActionKind, MappingParameter, PollPolicy


@dataclass(frozen=True, slots=True)
class ImportRun:
    """What one import (or process) did: its final status, row counts and failed rows."""

    status: TaskStatus
    counts: RowCounts
    failures: list[RowFailure] = field(default_factory=list)

    @property
    def successful(self) -> bool:
        """Tell whether Anaplan reports the task COMPLETE and successful."""
        return self.status.successful


class AnaplanModel:
    """A model in a workspace, reached through one AnaplanClient."""

    def __init__(
        self,
        client: AnaplanClient,
        workspace_id: str,
        model_id: str,
        *,
        poll: PollPolicy | None = None,
        chunk_size: int = files.DEFAULT_CHUNK_SIZE,
    ) -> None:
        self.client = client
        self.ref = ModelRef(workspace_id, model_id)
        self.poll = poll or PollPolicy()
        self.chunk_size = chunk_size

    def __repr__(self) -> str:
        """Name the workspace and the model."""
        return f"AnaplanModel({self.ref.workspace_id!r}, {self.ref.model_id!r})"

    # --- pushing --------------------------------------------------------------------------------

    async def upload(self, file_id: str, data: bytes) -> FileInfo:
        """Upload `data` as the content of file `file_id`, in gzip chunks."""
        return await files.upload_file(self.client, self.ref, file_id, data, self.chunk_size)

    async def run(
        self, kind: ActionKind, action_id: str, mapping: Sequence[MappingParameter] = ()
    ) -> TaskStatus:
        """Run an import, process or export and return its final status."""
        return await tasks.run_task(
            self.client, self.ref, kind, action_id, poll=self.poll, mapping=mapping
        )

    async def push_import(self, file_id: str, import_id: str, data: bytes) -> ImportRun:
        """Upload the file, run the import, poll it, and read its failed rows."""
        await self.upload(file_id, data)
        status = await self.run("imports", import_id)
        result = status.result
        failures: list[RowFailure] = []
        if result is not None and result.failure_dump_available:
            failures = await self.import_failures(import_id, status.task_id)
        return ImportRun(status, result.counts() if result else RowCounts(), failures)

    async def run_process(self, process_id: str) -> ImportRun:
        """Run a process; its failures are those of every action that left a dump."""
        status = await self.run("processes", process_id)
        failures: list[RowFailure] = []
        counts = RowCounts()
        if status.result is not None:
            counts = RowCounts.total_of(r.counts() for r in status.result.nested_results)
            for action in status.result.nested_results:
                if action.failure_dump_available and action.object_id is not None:
                    failures += await self.process_failures(
                        process_id, status.task_id, action.object_id
                    )
        return ImportRun(status, counts, failures)

    async def cancel(self, kind: ActionKind, action_id: str, task_id: str) -> TaskStatus:
        """Ask Anaplan to cancel a running task."""
        return await tasks.cancel_task(self.client, self.ref, kind, action_id, task_id)

    # --- reading back ---------------------------------------------------------------------------

    async def import_failures(self, import_id: str, task_id: str) -> list[RowFailure]:
        """Return the failed rows of an import task (none when the dump is gone)."""
        data = await dumps.import_dump(self.client, self.ref, import_id, task_id)
        return dumps.parse_dump(data) if data else []

    async def process_failures(
        self, process_id: str, task_id: str, object_id: str
    ) -> list[RowFailure]:
        """Return the failed rows of one import inside a process task."""
        data = await dumps.process_dump(self.client, self.ref, process_id, task_id, object_id)
        return dumps.parse_dump(data) if data else []

    async def export_and_download(self, export_id: str) -> bytes:
        """Run an export and return the file it wrote; ImportTaskFailed when it failed."""
        status = await self.run("exports", export_id)
        tasks.require_success(status, "exports", export_id)
        return await files.download_file(self.client, self.ref, export_id)

    async def download(self, file_id: str) -> bytes:
        """Return a file's content."""
        return await files.download_file(self.client, self.ref, file_id)

    # --- discovery ------------------------------------------------------------------------------

    async def status(self) -> ModelStatus:
        """Return what the model is doing now."""
        return await catalog.model_status(self.client, self.ref)

    async def imports(self) -> list[ImportInfo]:
        """Return the model's imports."""
        return await catalog.list_imports(self.client, self.ref)

    async def import_metadata(self, import_id: str) -> ImportMetadata:
        """Return an import's definition (its header names)."""
        return await catalog.import_metadata(self.client, self.ref, import_id)

    async def processes(self) -> list[ProcessInfo]:
        """Return the model's processes."""
        return await catalog.list_processes(self.client, self.ref)

    async def exports(self) -> list[ExportInfo]:
        """Return the model's exports."""
        return await catalog.list_exports(self.client, self.ref)

    async def files(self) -> list[FileInfo]:
        """Return the model's files."""
        return await catalog.list_files(self.client, self.ref)
