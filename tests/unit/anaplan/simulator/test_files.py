"""A model's files: per-user content, chunk order, -1 and complete, new ids, gzip."""

from __future__ import annotations

import gzip

import pytest

from uam_events.anaplan.simulator.files import ChunkRejected, FileStore, decode_chunk


def _store() -> FileStore:
    """Return a store knowing one source file."""
    store = FileStore(chunk_bytes=4)
    store.declare("113000000001", "users.csv")
    return store


def test_chunks_in_any_order_complete_the_file() -> None:
    """With chunkCount N the content is readable once every chunk arrived, joined in order."""
    store = _store()
    store.set_chunk_count("113000000001", "a@x", 3)
    store.put_chunk("113000000001", "a@x", 2, b"c")
    store.put_chunk("113000000001", "a@x", 0, b"a")
    assert store.content("113000000001", "a@x") is None
    store.put_chunk("113000000001", "a@x", 1, b"b")
    assert store.content("113000000001", "a@x") == b"abc"


def test_an_unknown_count_needs_complete() -> None:
    """With chunkCount -1 the content is readable only after complete."""
    store = _store()
    store.set_chunk_count("113000000001", "a@x", -1)
    store.put_chunk("113000000001", "a@x", 0, b"a")
    assert store.content("113000000001", "a@x") is None
    assert store.complete("113000000001", "a@x")
    assert store.content("113000000001", "a@x") == b"a"
    assert store.files["113000000001"].body("a@x")["chunkCount"] == 1


def test_content_belongs_to_the_uploading_user() -> None:
    """Another user does not see the upload."""
    store = _store()
    store.set_chunk_count("113000000001", "a@x", 1)
    store.put_chunk("113000000001", "a@x", 0, b"a")
    assert store.content("113000000001", "b@x") is None
    store.delete("113000000001", "a@x")
    assert store.content("113000000001", "a@x") is None


def test_a_chunk_count_on_an_unknown_id_creates_a_new_file() -> None:
    """The new file has the next 113 id and is named after the id sent."""
    store = _store()
    created = store.set_chunk_count("users-upload.csv", "a@x", 1)
    assert (created.id, created.name) == ("113000000002", "users-upload.csv")


def test_chunks_outside_the_count_or_before_it_are_refused() -> None:
    """A chunk index past N-1, or before any chunk count, is rejected."""
    store = _store()
    with pytest.raises(ChunkRejected, match="chunk count first"):
        store.put_chunk("113000000001", "a@x", 0, b"a")
    store.set_chunk_count("113000000001", "a@x", 1)
    with pytest.raises(ChunkRejected, match="outside"):
        store.put_chunk("113000000001", "a@x", 1, b"a")


def test_gzip_chunks_are_decoded_and_bad_gzip_refused() -> None:
    """application/x-gzip bodies are gunzipped; octet streams are kept as they are."""
    assert decode_chunk(gzip.compress(b"hello"), "application/x-gzip") == b"hello"
    assert decode_chunk(b"hello", "application/octet-stream") == b"hello"
    with pytest.raises(ChunkRejected, match="gzip"):
        decode_chunk(b"hello", "application/x-gzip")


def test_written_content_is_cut_into_download_chunks() -> None:
    """An export's output is split by the store's chunk size."""
    store = _store()
    store.write("113000000001", "a@x", b"abcdefghij")
    upload = store.files["113000000001"].upload_of("a@x")
    assert upload is not None
    assert [upload.chunks[n] for n in sorted(upload.chunks)] == [b"abcd", b"efgh", b"ij"]
