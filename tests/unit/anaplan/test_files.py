"""Files: chunk count first, gzip chunks in order, `/complete` only for unknown counts."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import pytest

from tests.unit.anaplan.fakes import MODEL, MODEL_PATH, WS, Script, body, raw, reply
from uam_events.anaplan.client import AnaplanClient, ModelRef
from uam_events.anaplan.files import (
    MAX_CHUNK_SIZE,
    compress,
    download_file,
    split,
    upload_file,
    upload_stream,
)
from uam_events.errors import UnknownFile

R = TypeVar("R")
MakeClient = Callable[..., AnaplanClient]
REF = ModelRef(WS, MODEL)
FILE = "113000000001"
FILE_PATH = f"{MODEL_PATH}/files/{FILE}"


def run(client: AnaplanClient, use: Callable[[AnaplanClient], Awaitable[R]]) -> R:
    """Run `use` on the client, then close it."""

    async def go() -> R:
        async with client:
            return await use(client)

    return asyncio.run(go())


def file_answer(file_id: str = FILE, count: int = 3) -> dict[str, object]:
    """Return the answer of setting a chunk count."""
    return {"file": {"id": file_id, "name": "users.csv", "chunkCount": count}}


def test_split_cuts_exact_chunks() -> None:
    """Data is cut into chunk_size pieces; an empty file is one empty chunk."""
    assert split(b"abcdefg", 3) == [b"abc", b"def", b"g"]
    assert split(b"", 3) == [b""]
    with pytest.raises(ValueError, match="chunk_size"):
        split(b"x", 0)
    with pytest.raises(ValueError, match="chunk_size"):
        split(b"x", MAX_CHUNK_SIZE + 1)


def test_compress_is_deterministic() -> None:
    """The same chunk always compresses to the same bytes (no timestamp)."""
    assert compress(b"row\n" * 100) == compress(b"row\n" * 100)
    assert gzip.decompress(compress(b"row\n")) == b"row\n"


def test_upload_sets_the_count_then_puts_gzip_chunks_in_order(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """chunkCount N is posted first, then chunks 0..N-1 gzip-compressed; no /complete."""
    data = b"Email Address,Model Role\n" + b"a@x.com,Viewer\n" * 5
    script = (
        signed_in(Script())
        .on("POST", FILE_PATH, reply(200, file_answer(count=3)))
        .on("PUT", rf"{FILE_PATH}/chunks/\d+", reply(204))
    )
    info = run(
        make_anaplan_client(script), lambda c: upload_file(c, REF, FILE, data, chunk_size=40)
    )
    assert info.id == FILE
    api = script.calls[1:]
    assert [c.method for c in api] == ["POST", "PUT", "PUT", "PUT"]
    assert body(api[0]) == {"chunkCount": 3}
    assert [c.url.path for c in api[1:]] == [f"{FILE_PATH}/chunks/{n}" for n in range(3)]
    assert {c.headers["Content-Type"] for c in api[1:]} == {"application/x-gzip"}
    assert b"".join(gzip.decompress(c.content) for c in api[1:]) == data
    assert [len(gzip.decompress(c.content)) for c in api[1:]] == [40, 40, len(data) - 80]


def test_unknown_file_id_is_refused_before_any_chunk(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """When Anaplan answers with another file id (it created one), nothing is uploaded."""
    script = signed_in(Script()).on("POST", FILE_PATH, reply(200, file_answer("113000000099")))
    with pytest.raises(UnknownFile, match="113000000099") as caught:
        run(make_anaplan_client(script), lambda c: upload_file(c, REF, FILE, b"x"))
    assert "importDataSourceId" in str(caught.value)
    assert script.paths(method="PUT") == []


def test_stream_upload_announces_minus_one_and_completes(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """Chunks of unknown number: chunkCount -1, each chunk in order, then POST /complete."""
    script = (
        signed_in(Script())
        .on("POST", FILE_PATH, reply(200, file_answer(count=-1)))
        .on("PUT", rf"{FILE_PATH}/chunks/\d+", reply(204))
        .on("POST", f"{FILE_PATH}/complete", reply(200, file_answer(count=2)))
    )

    async def chunks() -> AsyncIterator[bytes]:
        for part in (b"one\n", b"two\n"):
            yield part

    info = run(make_anaplan_client(script), lambda c: upload_stream(c, REF, FILE, chunks()))
    assert info.chunk_count == 2
    api = script.calls[1:]
    assert [c.url.path.removeprefix(FILE_PATH) for c in api] == [
        "",
        "/chunks/0",
        "/chunks/1",
        "/complete",
    ]
    assert body(api[0]) == {"chunkCount": -1}
    assert body(api[-1]) == {"id": FILE}
    assert [gzip.decompress(c.content) for c in api[1:3]] == [b"one\n", b"two\n"]


def test_stream_upload_takes_a_plain_iterable(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """A synchronous iterable of chunks uploads the same way."""
    script = (
        signed_in(Script())
        .on("POST", FILE_PATH, reply(200, file_answer(count=-1)))
        .on("PUT", rf"{FILE_PATH}/chunks/\d+", reply(204))
        .on("POST", f"{FILE_PATH}/complete", reply(200, file_answer(count=1)))
    )
    run(make_anaplan_client(script), lambda c: upload_stream(c, REF, FILE, [b"only\n"]))
    assert script.paths(method="PUT") == [f"{FILE_PATH}/chunks/0"]


def test_download_joins_chunks_in_number_order(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """A file's chunks are listed and fetched by number, then joined."""
    chunks = {"chunks": [{"id": "1", "name": "Chunk 1"}, {"id": "0", "name": "Chunk 0"}]}
    script = (
        signed_in(Script())
        .on("GET", f"{FILE_PATH}/chunks", reply(200, chunks))
        .on("GET", f"{FILE_PATH}/chunks/0", raw(b"a,b\n"))
        .on("GET", f"{FILE_PATH}/chunks/1", raw(b"1,2\n"))
    )
    assert run(make_anaplan_client(script), lambda c: download_file(c, REF, FILE)) == b"a,b\n1,2\n"
    assert script.paths(method="GET")[1:] == [f"{FILE_PATH}/chunks/0", f"{FILE_PATH}/chunks/1"]


def test_download_of_a_file_without_chunks_is_empty(
    make_anaplan_client: MakeClient, signed_in: Callable[[Script], Script]
) -> None:
    """A chunk listing without its key (no chunks) gives empty content."""
    script = signed_in(Script()).on("GET", f"{FILE_PATH}/chunks", reply(200, {"meta": {}}))
    assert run(make_anaplan_client(script), lambda c: download_file(c, REF, FILE)) == b""
