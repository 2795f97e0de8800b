from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from ..auth import Principal, device_principal, get_context, principal
from ..context import Context
from ..problems import PROBLEM_RESPONSES
from . import service
from .schemas import PushRequest, PushResponse, RecordOut

router = APIRouter(tags=["records"])


@router.post("/records", response_model=PushResponse, status_code=201,
             responses={**PROBLEM_RESPONSES, 200: {"model": PushResponse, "description": "already stored: the same receipt"}})
def push_record(body: PushRequest, ctx: Context = Depends(get_context), who: Principal = Depends(device_principal)):
    """Push a signed record; 201 with a signed receipt, or 200 with the same receipt when stored before."""
    status, answer = service.push(ctx, who, body.record, [s.model_dump() for s in body.signatures])
    return JSONResponse(answer, status_code=status)


@router.get("/records/{record_hash}", response_model=RecordOut, responses=PROBLEM_RESPONSES)
def get_record(record_hash: Annotated[str, Path(pattern="^[0-9a-f]{64}$")], ctx: Context = Depends(get_context), who: Principal = Depends(principal)) -> dict:
    """The record, its signatures, status and receipt: to the device that pushed it, and to the admin."""
    return service.get(ctx, who, record_hash)
