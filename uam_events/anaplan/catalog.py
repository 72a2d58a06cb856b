"""What a model offers and what it is doing: imports, processes, exports, files, status.

Invariants: lists are read to their end, page by page; an empty list (Anaplan leaves its key
out, and answers 200 with nothing even for a model the user cannot see) is an empty list; the
model status call has no envelope.
"""

from __future__ import annotations

from uam_events.anaplan.client import AnaplanClient, ModelRef, segment
from uam_events.anaplan.payloads import (
    ExportInfo,
    FileInfo,
    ImportInfo,
    ImportMetadata,
    ImportMetadataAnswer,
    ModelStatus,
    ModelStatusAnswer,
    ProcessInfo,
)


async def list_imports(client: AnaplanClient, model: ModelRef) -> list[ImportInfo]:
    """Return the model's imports with their type and source file id."""
    return await client.get_list(ImportInfo, f"{model.path}/imports", "imports")


async def list_processes(client: AnaplanClient, model: ModelRef) -> list[ProcessInfo]:
    """Return the model's processes."""
    return await client.get_list(ProcessInfo, f"{model.path}/processes", "processes")


async def list_exports(client: AnaplanClient, model: ModelRef) -> list[ExportInfo]:
    """Return the model's exports."""
    return await client.get_list(ExportInfo, f"{model.path}/exports", "exports")


async def list_files(client: AnaplanClient, model: ModelRef) -> list[FileInfo]:
    """Return the model's files (import sources and export outputs)."""
    return await client.get_list(FileInfo, f"{model.path}/files", "files")


async def import_metadata(client: AnaplanClient, model: ModelRef, import_id: str) -> ImportMetadata:
    """Return an import's definition: its source's header names and layout."""
    path = f"{model.path}/imports/{segment(import_id)}"
    return (await client.get(ImportMetadataAnswer, path)).import_metadata


async def model_status(client: AnaplanClient, model: ModelRef) -> ModelStatus:
    """Return what the model is doing now (`GET /models/{modelId}/status`)."""
    path = f"/models/{segment(model.model_id)}/status"
    return (await client.get(ModelStatusAnswer, path)).request_status
