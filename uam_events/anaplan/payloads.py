"""What Anaplan's authentication and Integration APIs send, validated at the boundary.

Invariants: every id is a string; collections that Anaplan leaves out when empty default to
empty; fields this package does not read are ignored, so additions on Anaplan's side break
nothing; token values are SecretStr, so no repr or log shows them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from uam_events.errors import AnaplanResponseError

TaskState = Literal["NOT_STARTED", "IN_PROGRESS", "COMPLETE", "CANCELLING", "CANCELLED"]
TERMINAL_STATES: frozenset[str] = frozenset({"COMPLETE", "CANCELLED"})
M = TypeVar("M", bound=BaseModel)


class Payload(BaseModel):
    """An Anaplan answer: camelCase on the wire, snake_case here, read-only."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )


def parse_answer(model: type[M], content: bytes, what: str) -> M:
    """Validate an answer's JSON body as `model`; name the call, never echo the values."""
    try:
        return model.model_validate_json(content)
    except ValidationError as exc:
        where = ", ".join(".".join(str(p) for p in e["loc"]) or "(body)" for e in exc.errors())
        raise AnaplanResponseError(
            f"{what}: the answer does not have the documented shape (at {where})"
        ) from None


# --- authentication ---------------------------------------------------------------------------


class TokenInfo(Payload):
    """An AnaplanAuthToken: its value and when it expires (epoch milliseconds)."""

    token_value: SecretStr
    expires_at: int
    token_id: str | None = None
    refresh_token_id: SecretStr | None = None


class TokenAnswer(Payload):
    """The answer of `/token/authenticate` and `/token/refresh`."""

    token_info: TokenInfo
    status: str | None = None


class OAuthToken(BaseModel):
    """The answer of `/oauth/token` (RFC 6749 names, snake_case on the wire)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    access_token: SecretStr
    refresh_token: SecretStr | None = None
    expires_in: float = Field(gt=0)
    token_type: str = "Bearer"


# --- files --------------------------------------------------------------------------------------


class FileInfo(Payload):
    """A model's file: an import's data source (113...) or an export's output (116...)."""

    id: str
    name: str | None = None
    chunk_count: int | None = None


class FileAnswer(Payload):
    """The answer of setting a chunk count or completing an upload."""

    file: FileInfo


class Chunk(Payload):
    """One chunk of a file or a dump; `id` is its number as a string."""

    id: str
    name: str | None = None


class ChunkList(Payload):
    """The chunks of a file or a dump (the key is absent when there are none)."""

    chunks: list[Chunk] = []


# --- discovery ----------------------------------------------------------------------------------


class Paging(Payload):
    """Where a page of a list sits in the whole."""

    current_page_size: int = 0
    offset: int = 0
    total_size: int = 0


class Meta(Payload):
    """The envelope's `meta`: paging on list answers."""

    paging: Paging | None = None


class ImportInfo(Payload):
    """An import as listed: `import_data_source_id` is the file to upload to."""

    id: str
    name: str
    import_data_source_id: str | None = None
    import_type: str | None = None


class ImportSource(Payload):
    """How an import reads its source file: `header_names` are the columns it maps."""

    header_names: list[str] = []
    column_count: int | None = None
    text_encoding: str | None = None
    column_separator: str | None = None
    text_delimiter: str | None = None
    header_row: int | None = None
    first_data_row: int | None = None


class ImportMetadata(Payload):
    """An import's definition: its source file's layout (type FILE) or a model (MODEL)."""

    name: str
    type: str | None = None
    source: ImportSource | None = None


class ImportMetadataAnswer(Payload):
    """The answer of `GET .../imports/{importId}`."""

    import_metadata: ImportMetadata


class ProcessInfo(Payload):
    """A process as listed."""

    id: str
    name: str


class ExportInfo(Payload):
    """An export as listed; its output file id equals its id."""

    id: str
    name: str
    export_type: str | None = None
    export_format: str | None = None


class ModelStatus(Payload):
    """What a model is doing: progress -1.0 means idle."""

    current_step: str | None = None
    progress: float | None = None
    task_id: str | None = None
    tooltip: str | None = None
    creation_time: int | None = None
    export_task_type: str | None = None


class ModelStatusAnswer(Payload):
    """The answer of `GET /models/{modelId}/status` (no envelope)."""

    request_status: ModelStatus


# --- tasks --------------------------------------------------------------------------------------

_COUNT_KEYS = {
    "totalRowCount": "total",
    "successRowCount": "success",
    "warningsRowCount": "warnings",
    "failedCount": "failed",
    "ignoredCount": "ignored",
}


class RowCounts(BaseModel):
    """Rows an import processed, summed over its `details[]`."""

    model_config = ConfigDict(frozen=True)

    total: int = 0
    success: int = 0
    warnings: int = 0
    failed: int = 0
    ignored: int = 0

    @classmethod
    def total_of(cls, counts: Iterable[RowCounts]) -> RowCounts:
        """Add row counts field by field."""
        sums = dict.fromkeys(cls.model_fields, 0)
        for each in counts:
            for name in sums:
                sums[name] += getattr(each, name)
        return cls(**sums)


class TaskDetail(Payload):
    """One `details[]` entry: `values` alternates keys and values, all strings."""

    type: str
    local_message_text: str | None = None
    occurrences: int | None = None
    values: list[str] = []

    def pairs(self) -> dict[str, str]:
        """Return `values` as a mapping (a dangling last key is dropped)."""
        return dict(zip(self.values[::2], self.values[1::2], strict=False))


class TaskResult(Payload):
    """The end of a task: success, dump availability, details and per-action results."""

    successful: bool
    failure_dump_available: bool = False
    object_id: str | None = None
    object_name: str | None = None
    details: list[TaskDetail] = []
    nested_results: list[TaskResult] = []

    def counts(self) -> RowCounts:
        """Return the row counts of this result's details (not of nested results)."""
        sums = dict.fromkeys(_COUNT_KEYS.values(), 0)
        for detail in self.details:
            for key, value in detail.pairs().items():
                name = _COUNT_KEYS.get(key)
                if name is not None and value.strip().isdigit():
                    sums[name] += int(value)
        return RowCounts(**sums)


class TaskStatus(Payload):
    """A task as polled; `result` is present only in a terminal state."""

    task_id: str
    task_state: TaskState
    creation_time: int | None = None
    current_step: str | None = None
    progress: float | None = None
    result: TaskResult | None = None

    @property
    def terminal(self) -> bool:
        """Tell whether the task has ended (COMPLETE or CANCELLED)."""
        return self.task_state in TERMINAL_STATES

    @property
    def successful(self) -> bool:
        """Tell whether the task completed and Anaplan calls it successful."""
        return self.task_state == "COMPLETE" and self.result is not None and self.result.successful


class TaskAnswer(Payload):
    """The answer of polling or cancelling a task."""

    task: TaskStatus


class TaskRef(Payload):
    """The id of a task just started."""

    task_id: str


class TaskStartAnswer(Payload):
    """The answer of starting a task: `{"task": {"taskId"}}`, or a bare `{"taskId"}`."""

    task: TaskRef | None = None
    task_id: str | None = None

    @model_validator(mode="after")
    def _has_an_id(self) -> TaskStartAnswer:
        """Require the task id in one of its two documented places."""
        if self.task is None and self.task_id is None:
            raise ValueError("neither task.taskId nor taskId is present")
        return self

    @property
    def id(self) -> str:
        """Return the started task's id, from whichever form Anaplan sent."""
        return self.task.task_id if self.task is not None else str(self.task_id)


# --- failure dumps ------------------------------------------------------------------------------


class RowFailure(BaseModel):
    """One row of a failure dump: status E (error) or W (warning), line, errors, source row."""

    model_config = ConfigDict(frozen=True)

    status: str
    line: int | None
    errors: tuple[str, ...]
    columns: dict[str, str]

    @property
    def is_error(self) -> bool:
        """Tell whether Anaplan rejected the row (E) rather than warned about it (W)."""
        return self.status.upper() == "E"
