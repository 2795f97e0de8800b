from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from ..auth import Principal, device_principal, get_context
from ..context import Context
from ..problems import PROBLEM_RESPONSES
from . import service

router = APIRouter(prefix="/sync", tags=["pull"])


class Catalogues(BaseModel):
    catalogues: list[dict[str, Any]]


class Enterprises(BaseModel):
    enterprises: list[dict[str, Any]]
    cursor: int
    more: bool


class Numbers(BaseModel):
    blocks: list[dict[str, Any]]


class Assignments(BaseModel):
    assignments: list[dict[str, Any]]


@router.get("/catalogues", response_model=Catalogues, responses=PROBLEM_RESPONSES)
def pull_catalogues(ctx: Context = Depends(get_context), who: Principal = Depends(device_principal)) -> dict:
    """Catalogue TOML files the county published."""
    return {"catalogues": service.catalogues(ctx)}


@router.get("/enterprises", response_model=Enterprises, responses=PROBLEM_RESPONSES)
def pull_enterprises(since: int = Query(0, ge=0, le=2**31 - 1), limit: int = Query(service.PAGE, ge=1, le=5000),
                     ctx: Context = Depends(get_context), who: Principal = Depends(device_principal)) -> dict:
    """Registry changes after the cursor `since`; pull again with the returned cursor while `more`."""
    return service.enterprises(ctx, since, limit)


@router.get("/numbers", response_model=Numbers, responses=PROBLEM_RESPONSES)
def pull_numbers(ctx: Context = Depends(get_context), who: Principal = Depends(device_principal)) -> dict:
    """This device's document-number blocks."""
    return {"blocks": service.numbers(ctx, who)}


@router.get("/assignments", response_model=Assignments, responses=PROBLEM_RESPONSES)
def pull_assignments(ctx: Context = Depends(get_context), who: Principal = Depends(device_principal)) -> dict:
    """Inspection tasks for this device's inspectors."""
    return {"assignments": service.assignments(ctx, who)}
