"""A model's files (`113...` import sources, `116...` export outputs) and their uploads.

Invariants: content is held per uploading user (an import reads the content of the user
running it); an upload with `chunkCount` N is complete once chunks 0..N-1 are all present, in
whatever order they came; one with -1 only after `complete`; a chunk count posted to an
unknown file id creates a new file with a new id.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field
from typing import Any

from uam_events.anaplan.simulator.world import key

MAX_CHUNK_BYTES = 50 * 1024 * 1024
GZIP_TYPES = frozenset({"application/x-gzip", "application/gzip"})


@dataclass(slots=True)
class Upload:
    """One user's content of a file: the declared chunk count and the chunks received."""

    chunk_count: int
    chunks: dict[int, bytes] = field(default_factory=dict)
    completed: bool = False

    @property
    def complete(self) -> bool:
        """Return whether the content can be read: all chunks, or `complete` after -1."""
        if self.chunk_count < 0:
            return self.completed
        return all(n in self.chunks for n in range(self.chunk_count))

    def content(self) -> bytes:
        """Return the chunks joined in index order."""
        return b"".join(self.chunks[n] for n in sorted(self.chunks))


@dataclass(slots=True)
class ModelFile:
    """A file of a model and each user's upload of it."""

    id: str
    name: str
    uploads: dict[str, Upload] = field(default_factory=dict)

    def upload_of(self, user: str) -> Upload | None:
        """Return a user's upload of this file."""
        return self.uploads.get(key(user))

    def body(self, user: str) -> dict[str, Any]:
        """Return the API's `file` object as `user` sees it."""
        upload = self.upload_of(user)
        count = 0 if upload is None else max(upload.chunk_count, len(upload.chunks))
        return {
            "id": self.id,
            "name": self.name,
            "chunkCount": count,
            "delimiter": '"',
            "encoding": "UTF-8",
            "firstDataRow": 2,
            "format": "txt",
            "headerRow": 1,
            "separator": ",",
        }


class ChunkRejected(ValueError):
    """A chunk cannot be stored: its index, size or gzip encoding is wrong."""


def decode_chunk(data: bytes, content_type: str) -> bytes:
    """Return a chunk's bytes, gunzipped when sent as `application/x-gzip`."""
    if len(data) > MAX_CHUNK_BYTES:
        raise ChunkRejected("a chunk may hold at most 50 MB")
    if content_type.split(";", maxsplit=1)[0].strip().lower() not in GZIP_TYPES:
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        raise ChunkRejected("the chunk is not valid gzip") from None


@dataclass(slots=True)
class FileStore:
    """The files of one model."""

    files: dict[str, ModelFile] = field(default_factory=dict)
    chunk_bytes: int = 1024 * 1024

    def declare(self, file_id: str, name: str) -> None:
        """Make a file known (an import's source or an export's output)."""
        self.files.setdefault(file_id, ModelFile(file_id, name))

    def set_chunk_count(self, file_id: str, user: str, count: int) -> ModelFile:
        """Start a user's upload; an unknown file id creates a new file named after it."""
        target = self.files.get(file_id)
        if target is None:
            target = ModelFile(self._next_id(), file_id)
            self.files[target.id] = target
        target.uploads[key(user)] = Upload(count)
        return target

    def put_chunk(self, file_id: str, user: str, index: int, data: bytes) -> None:
        """Store one chunk of a user's upload (an upload must have been started)."""
        upload = self.files[file_id].upload_of(user)
        if upload is None:
            raise ChunkRejected("set the chunk count first: POST the file with {chunkCount}")
        if index < 0 or 0 <= upload.chunk_count <= index:
            raise ChunkRejected(f"chunk {index} is outside 0..{upload.chunk_count - 1}")
        upload.chunks[index] = data

    def write(self, file_id: str, user: str, data: bytes) -> None:
        """Replace a user's content with `data`, cut into download-sized chunks."""
        size = self.chunk_bytes
        parts = [data[i : i + size] for i in range(0, len(data), size)] or [b""]
        upload = Upload(len(parts), dict(enumerate(parts)), completed=True)
        self.files[file_id].uploads[key(user)] = upload

    def complete(self, file_id: str, user: str) -> bool:
        """Mark a user's upload complete; return False when there is no upload to complete."""
        upload = self.files[file_id].upload_of(user)
        if upload is None:
            return False
        upload.completed = True
        if upload.chunk_count < 0:
            upload.chunk_count = len(upload.chunks)
        return True

    def content(self, file_id: str, user: str) -> bytes | None:
        """Return a user's complete content of a file, or None."""
        target = self.files.get(file_id)
        upload = None if target is None else target.upload_of(user)
        return upload.content() if upload is not None and upload.complete else None

    def delete(self, file_id: str, user: str) -> None:
        """Remove a user's private content; the file itself stays."""
        self.files[file_id].uploads.pop(key(user), None)

    def _next_id(self) -> str:
        """Return an unused `113...` id."""
        taken = [int(f[3:]) for f in self.files if f.startswith("113") and f[3:].isdigit()]
        return f"113{max(taken, default=0) + 1:09d}"
