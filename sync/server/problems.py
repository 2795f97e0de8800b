"""Every error answer is a JSON problem body with a stable code from sync/protocol."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from inspector_app.domain.messages import InspectorError
from sync.protocol import errors
from sync.protocol.errors import SyncError, problem
from sync.protocol.wire import PROBLEM_CONTENT_TYPE, TUS_VERSION

log = logging.getLogger("inspector.server")


class Problem(BaseModel):
    code: str
    message_zh: str
    message_en: str
    detail: Any = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_CONTENT_TYPE: {}}}
    for status in (400, 401, 403, 404, 409, 413, 415, 422)
}


def problem_response(status: int, body: dict, headers: dict[str, str] | None = None,
                     request: Request | None = None) -> JSONResponse:
    out = dict(headers or {})
    if request is not None and request.url.path.startswith("/api/v1/uploads"):
        out.setdefault("Tus-Resumable", TUS_VERSION)
    return JSONResponse(body, status_code=status, headers=out, media_type=PROBLEM_CONTENT_TYPE)


def _validation_detail(exc: RequestValidationError) -> list[dict]:
    out = []
    for err in exc.errors()[:20]:
        out.append({"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", ""))[:200]})
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(SyncError)
    async def _sync_error(request: Request, exc: SyncError):
        return problem_response(exc.status, exc.body(), exc.headers, request)

    @app.exception_handler(InspectorError)
    async def _inspector_error(request: Request, exc: InspectorError):
        from inspector_app.domain.messages import render

        body = {"code": exc.code, "message_zh": render(exc.code, "zh", **exc.params),
                "message_en": render(exc.code, "en", **exc.params), "detail": {k: str(v) for k, v in exc.params.items()}}
        return problem_response(422, body, request=request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        detail = _validation_detail(exc)
        first = detail[0] if detail else {"loc": [], "msg": "invalid"}
        reason = f"{'.'.join(first['loc'])}: {first['msg']}"
        return problem_response(400, problem(errors.MALFORMED, detail=detail, reason=reason), request=request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            body = problem(errors.NOT_FOUND, what=request.url.path)
        elif exc.status_code == 405:
            body = problem(errors.METHOD_NOT_ALLOWED)
        else:
            body = problem(errors.MALFORMED, reason=str(exc.detail))
        return problem_response(exc.status_code, body, getattr(exc, "headers", None), request)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        log.exception("internal error on %s %s", request.method, request.url.path)
        return problem_response(500, problem(errors.INTERNAL), request=request)
