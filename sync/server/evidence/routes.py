from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response, StreamingResponse

from ..auth import Principal, get_context, principal
from ..context import Context
from ..problems import PROBLEM_RESPONSES
from . import service

router = APIRouter(tags=["evidence"])
Sha256 = Annotated[str, Path(pattern="^[0-9a-f]{64}$", description="hex sha256 of the original")]
BLOCK = 1024 * 1024


@router.head("/evidence/{sha256}", responses=PROBLEM_RESPONSES)
def evidence_head(sha256: Sha256, ctx: Context = Depends(get_context), who: Principal = Depends(principal)) -> Response:
    """Is this evidence original stored (verified) on the server? 200 with its size, or 404."""
    blob = service.exists_for(ctx, who, sha256)
    return Response(status_code=200, headers={"Content-Length": str(blob.size), "ETag": f'"{blob.sha256}"',
                                              "Content-Type": "application/octet-stream"})


@router.get("/evidence/{sha256}", responses={**PROBLEM_RESPONSES, 200: {"content": {"application/octet-stream": {}}}})
def evidence_get(sha256: Sha256, ctx: Context = Depends(get_context), who: Principal = Depends(principal)):
    """The original bytes, to the admin and to devices that uploaded it or listed it in a record."""
    blob = service.readable(ctx, who, sha256)
    handle = ctx.blobs.open(sha256)

    def chunks():
        with handle:
            while block := handle.read(BLOCK):
                yield block

    return StreamingResponse(chunks(), media_type="application/octet-stream",
                             headers={"Content-Length": str(blob.size), "ETag": f'"{blob.sha256}"'})
