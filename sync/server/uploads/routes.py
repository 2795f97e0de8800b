"""tus 1.0 at /api/v1/uploads/: handlers only translate HTTP to the upload service."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import Response

from ..auth import Principal, device_principal, get_context
from ..context import Context
from ..problems import PROBLEM_RESPONSES
from . import service

router = APIRouter(tags=["uploads (tus 1.0)"])
UploadId = Annotated[str, Path(pattern="^[0-9a-f]{32}$")]
TUS_RESPONSES = {**PROBLEM_RESPONSES, 410: {"description": "upload expired"}, 412: {"description": "tus version"},
                 423: {"description": "busy"}, 460: {"description": "checksum mismatch"}}


@router.options("/uploads/", status_code=204)
def tus_options(ctx: Context = Depends(get_context)) -> Response:
    """tus discovery (public): version, extensions, maximum size, checksum algorithms."""
    return Response(status_code=204, headers=service.capabilities(ctx))


@router.post("/uploads/", status_code=201, responses={**TUS_RESPONSES, 200: {"description": "already stored"}})
def tus_create(
    ctx: Context = Depends(get_context), who: Principal = Depends(device_principal),
    tus_resumable: str | None = Header(None), upload_length: str | None = Header(None),
    upload_metadata: str | None = Header(None), upload_defer_length: str | None = Header(None),
) -> Response:
    """Create an upload (tus creation). Upload-Metadata must carry sha256; 200 instead of 201 with
    `Inspector-Evidence: stored` when the server already holds that blob (nothing to send)."""
    status, headers = service.create(ctx, who, tus_resumable=tus_resumable, upload_length=upload_length,
                                     upload_metadata=upload_metadata, defer_length=upload_defer_length)
    return Response(status_code=status, headers=headers)


@router.head("/uploads/{upload_id}", responses=TUS_RESPONSES)
def tus_head(upload_id: UploadId, ctx: Context = Depends(get_context), who: Principal = Depends(device_principal),
             tus_resumable: str | None = Header(None)) -> Response:
    """The acknowledged offset of an upload (resume from here)."""
    return Response(status_code=200, headers=service.head(ctx, who, upload_id, tus_resumable))


@router.patch("/uploads/{upload_id}", status_code=204, responses=TUS_RESPONSES)
async def tus_patch(
    upload_id: UploadId, request: Request, ctx: Context = Depends(get_context),
    who: Principal = Depends(device_principal), tus_resumable: str | None = Header(None),
    upload_offset: str | None = Header(None), upload_checksum: str | None = Header(None),
    content_type: str | None = Header(None),
) -> Response:
    """Append bytes at Upload-Offset (application/offset+octet-stream; optional Upload-Checksum)."""
    headers = await service.patch(
        ctx, who, upload_id, tus_resumable=tus_resumable, content_type=content_type, upload_offset=upload_offset,
        content_length=request.headers.get("content-length"), upload_checksum=upload_checksum, body=request.stream())
    return Response(status_code=204, headers=headers)


@router.delete("/uploads/{upload_id}", status_code=204, responses=TUS_RESPONSES)
def tus_delete(upload_id: UploadId, ctx: Context = Depends(get_context), who: Principal = Depends(device_principal),
               tus_resumable: str | None = Header(None)) -> Response:
    """Abandon an unfinished upload (tus termination)."""
    service.delete(ctx, who, upload_id, tus_resumable)
    return Response(status_code=204, headers={"Tus-Resumable": "1.0.0"})
