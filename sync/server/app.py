"""The county server's ASGI app: resources mounted under /api/v1, errors as problem bodies."""
from __future__ import annotations

from fastapi import APIRouter, FastAPI

from sync.protocol.wire import API

from . import problems
from .context import Context
from .devices.routes import router as devices_router
from .evidence.routes import router as evidence_router
from .pulls.routes import router as pulls_router
from .records.routes import router as records_router
from .uploads.routes import router as uploads_router

DESCRIPTION = """The county server of Inspector: devices enrol, push signed records (answered with
signed receipts) and upload evidence over tus 1.0; they pull catalogues, the enterprise registry,
document-number blocks and assignments. Errors are JSON problem bodies with stable codes
(`code`, `message_zh`, `message_en`, `detail`); see docs/sync.md."""


def create_app(ctx: Context) -> FastAPI:
    app = FastAPI(title="Inspector county server", version="1", description=DESCRIPTION,
                  openapi_url="/openapi.json", docs_url="/docs", redoc_url=None)
    app.state.ctx = ctx
    problems.install(app)
    api = APIRouter(prefix=API)
    for router in (devices_router, records_router, uploads_router, evidence_router, pulls_router):
        api.include_router(router)
    app.include_router(api)
    from .limits import BodyLimit

    # base64 of the largest record, plus room for its signatures
    app.add_middleware(BodyLimit, limit=ctx.settings.max_record * 4 // 3 + 64 * 1024)

    @app.on_event("shutdown")
    def _close() -> None:  # pragma: no cover - process exit
        rt = ctx.runtime.get("uploads")
        if rt is not None:
            rt.pool.shutdown(wait=False)

    from .web import install as install_web

    install_web(app, ctx)  # the supervisors' pages and the public document check
    return app
