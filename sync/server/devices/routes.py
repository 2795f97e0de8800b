from __future__ import annotations

from fastapi import APIRouter, Depends

from inspector_app.crypto import signing

from ..auth import get_context
from ..context import Context
from ..problems import PROBLEM_RESPONSES
from . import service
from .schemas import EnrolRequest, EnrolResponse, ServerKey

router = APIRouter(tags=["devices"])


@router.post("/devices/enrol", response_model=EnrolResponse, responses=PROBLEM_RESPONSES)
def enrol(body: EnrolRequest, ctx: Context = Depends(get_context)) -> dict:
    """Exchange a one-time enrolment code for a device token (public)."""
    return service.enrol(ctx, code=body.code, label=body.name, public_key=body.public_key, device_id=body.device_id)


@router.get("/server-key", response_model=ServerKey, responses=PROBLEM_RESPONSES)
def server_key(ctx: Context = Depends(get_context)) -> dict:
    """The public key that signs receipts (public)."""
    key = ctx.settings.public_key
    return {"public_key": signing.b64(key), "algorithm": "Ed25519", "fingerprint": signing.fingerprint(key, full=True)}
