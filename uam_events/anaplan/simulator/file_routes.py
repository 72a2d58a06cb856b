"""Files: list, upload whole or in chunks (any order, gzip allowed), complete, download.

Invariants: answers follow reference 2.3 (204 for a whole upload, a chunk or a delete; 200
with the `file` object for a chunk count or `complete`); content is the caller's own; a
download of content that is missing or incomplete is 404.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from uam_events.anaplan.simulator.access import caller, simulation, visible_model
from uam_events.anaplan.simulator.envelopes import chunk_list, ok, page
from uam_events.anaplan.simulator.files import ChunkRejected, FileStore, ModelFile, decode_chunk
from uam_events.anaplan.simulator.model_routes import model_routes

OCTETS = "application/octet-stream"


class ChunkCount(BaseModel):
    """The body that starts an upload: N chunks, or -1 when N is unknown."""

    model_config = ConfigDict(extra="allow")

    chunkCount: int = Field(ge=-1)  # noqa: N815 - Anaplan's field name


def _store(request: Request) -> tuple[str, FileStore]:
    """Return the caller and the files of the path's model."""
    email = caller(request)
    model = visible_model(request, email)
    return email, simulation(request).files[model.id]


def _file(store: FileStore, request: Request) -> ModelFile:
    """Return the path's file; raise 404 when the model has no such file."""
    found = store.files.get(request.path_params["fid"])
    if found is None:
        raise HTTPException(404)
    return found


async def list_files(request: Request) -> Response:
    """List a model's files as the caller sees them."""
    email, store = _store(request)
    return page(request, "files", [f.body(email) for f in store.files.values()])


async def set_chunk_count(request: Request) -> Response:
    """Start an upload; an unknown file id makes a new file with a new id."""
    email, store = _store(request)
    try:
        body = ChunkCount.model_validate_json(await request.body())
    except ValidationError:
        raise HTTPException(400, 'send {"chunkCount": N} with N >= -1') from None
    target = store.set_chunk_count(request.path_params["fid"], email, body.chunkCount)
    return ok("file", target.body(email))


async def put_whole(request: Request) -> Response:
    """Replace the caller's content with the body, as one chunk."""
    email, store = _store(request)
    target = _file(store, request)
    store.set_chunk_count(target.id, email, 1)
    store.put_chunk(target.id, email, 0, await request.body())
    return Response(status_code=204)


async def put_chunk(request: Request) -> Response:
    """Store one chunk (gunzipped when sent as application/x-gzip)."""
    email, store = _store(request)
    target = _file(store, request)
    index = request.path_params["n"]
    try:
        data = decode_chunk(await request.body(), request.headers.get("content-type", OCTETS))
        store.put_chunk(target.id, email, index, data)
    except ChunkRejected as rejected:
        raise HTTPException(400, str(rejected)) from None
    return Response(status_code=204)


async def complete(request: Request) -> Response:
    """Mark the caller's upload complete (needed after a chunk count of -1)."""
    email, store = _store(request)
    target = _file(store, request)
    if not store.complete(target.id, email):
        raise HTTPException(400, "start the upload with a chunk count first")
    return ok("file", target.body(email))


async def download(request: Request) -> Response:
    """Return the caller's whole content of a file."""
    email, store = _store(request)
    content = store.content(_file(store, request).id, email)
    if content is None:
        raise HTTPException(404)
    return Response(content, media_type=OCTETS)


async def list_chunks(request: Request) -> Response:
    """List the chunks of the caller's complete content."""
    email, store = _store(request)
    target = _file(store, request)
    upload = target.upload_of(email)
    count = len(upload.chunks) if upload is not None and upload.complete else 0
    return chunk_list(count)


async def get_chunk(request: Request) -> Response:
    """Return one chunk of the caller's complete content."""
    email, store = _store(request)
    upload = _file(store, request).upload_of(email)
    index = request.path_params["n"]
    if upload is None or not upload.complete or index not in upload.chunks:
        raise HTTPException(404)
    return Response(upload.chunks[index], media_type=OCTETS)


async def delete(request: Request) -> Response:
    """Remove the caller's content; the file stays."""
    email, store = _store(request)
    store.delete(_file(store, request).id, email)
    return Response(status_code=204)


ROUTES = [
    *model_routes("/files", list_files),
    *model_routes("/files/{fid}", set_chunk_count, ("POST",)),
    *model_routes("/files/{fid}", put_whole, ("PUT",)),
    *model_routes("/files/{fid}", download, ("GET",)),
    *model_routes("/files/{fid}", delete, ("DELETE",)),
    *model_routes("/files/{fid}/complete", complete, ("POST",)),
    *model_routes("/files/{fid}/chunks", list_chunks),
    *model_routes("/files/{fid}/chunks/{n:int}", get_chunk),
    *model_routes("/files/{fid}/chunks/{n:int}", put_chunk, ("PUT",)),
]
