"""Upload a model's file in gzip chunks and download files chunk by chunk.

Invariants: chunks are sent in order, 0 to N-1, one at a time, each gzip-compressed with a
fixed header (mtime 0), so the same bytes always make the same requests; a known chunk count
is set first and needs no `/complete`, an unknown one (-1) is completed after the last chunk;
a chunk count answered with another file id (Anaplan created a new private file) raises
UnknownFile instead of uploading to a file no import reads.
"""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterable, Iterable

from uam_events.anaplan.client import AnaplanClient, ModelRef, segment
from uam_events.anaplan.payloads import Chunk, ChunkList, FileAnswer, FileInfo, parse_answer
from uam_events.errors import UnknownFile

MAX_CHUNK_SIZE = 50 * 1024 * 1024
"""Anaplan expects chunks of at most 50 MB."""
DEFAULT_CHUNK_SIZE = 10 * 1024 * 1024
GZIP = {"Content-Type": "application/x-gzip"}


def split(data: bytes, chunk_size: int) -> list[bytes]:
    """Cut `data` into chunks of `chunk_size` bytes; an empty file is one empty chunk."""
    if not 0 < chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(f"chunk_size must be between 1 and {MAX_CHUNK_SIZE} bytes")
    return [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)] or [b""]


def compress(chunk: bytes) -> bytes:
    """Gzip one chunk deterministically (no timestamp in the header)."""
    return gzip.compress(chunk, mtime=0)


def file_path(model: ModelRef, file_id: str) -> str:
    """Return the path of a model's file."""
    return f"{model.path}/files/{segment(file_id)}"


async def upload_file(
    client: AnaplanClient,
    model: ModelRef,
    file_id: str,
    data: bytes,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> FileInfo:
    """Upload `data` as the file's content: set the chunk count, then PUT each chunk."""
    chunks = split(data, chunk_size)
    info = await set_chunk_count(client, model, file_id, len(chunks))
    for number, chunk in enumerate(chunks):
        await put_chunk(client, model, file_id, number, chunk)
    return info


async def upload_stream(
    client: AnaplanClient,
    model: ModelRef,
    file_id: str,
    chunks: Iterable[bytes] | AsyncIterable[bytes],
) -> FileInfo:
    """Upload chunks of unknown number: chunk count -1, each chunk, then `/complete`."""
    await set_chunk_count(client, model, file_id, -1)
    number = 0
    if isinstance(chunks, AsyncIterable):
        async for chunk in chunks:
            await put_chunk(client, model, file_id, number, chunk)
            number += 1
    else:
        for chunk in chunks:
            await put_chunk(client, model, file_id, number, chunk)
            number += 1
    path = f"{file_path(model, file_id)}/complete"
    answer = await client.send_json(FileAnswer, "POST", path, {"id": file_id})
    return answer.file


async def set_chunk_count(
    client: AnaplanClient, model: ModelRef, file_id: str, count: int
) -> FileInfo:
    """Announce the number of chunks (-1: unknown); refuse a file Anaplan had to create."""
    path = file_path(model, file_id)
    answer = await client.send_json(FileAnswer, "POST", path, {"chunkCount": count})
    if answer.file.id != file_id:
        hint = (
            f"the model has no file {file_id}, so Anaplan created file {answer.file.id}; "
            "use the import's importDataSourceId (113...) as the file id"
        )
        raise UnknownFile("POST", path, 200, hint)
    return answer.file


async def put_chunk(
    client: AnaplanClient, model: ModelRef, file_id: str, number: int, chunk: bytes
) -> None:
    """PUT one chunk, gzip-compressed."""
    path = f"{file_path(model, file_id)}/chunks/{number}"
    await client.request("PUT", path, content=compress(chunk), headers=GZIP)


async def download_file(client: AnaplanClient, model: ModelRef, file_id: str) -> bytes:
    """Return a file's content, its chunks fetched in order and joined."""
    return await download_chunks(client, f"{file_path(model, file_id)}/chunks") or b""


async def download_chunks(
    client: AnaplanClient, chunks_path: str, *, absent: frozenset[int] = frozenset()
) -> bytes | None:
    """List the chunks at `chunks_path` and join them in number order.

    None when the listing answers a status in `absent` or 204 (nothing there).
    """
    response = await client.request("GET", chunks_path, absent=absent)
    if response.status_code in absent or response.status_code == 204 or not response.content:
        return None
    listing = parse_answer(ChunkList, response.content, f"GET {chunks_path}")
    parts: list[bytes] = []
    for chunk in sorted(listing.chunks, key=_chunk_order):
        content = await client.get_bytes(f"{chunks_path}/{segment(chunk.id)}")
        parts.append(content or b"")
    return b"".join(parts)


def _chunk_order(chunk: Chunk) -> tuple[int, str]:
    """Order chunks by their number, non-numbers last by text."""
    return (int(chunk.id), "") if chunk.id.isdigit() else (1 << 62, chunk.id)
