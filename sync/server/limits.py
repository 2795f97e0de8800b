"""A request-size limit for every endpoint but the tus uploads (which enforce their own):
a declared Content-Length over the limit is refused before a byte is read, and a chunked body is
cut off as soon as it passes the limit. Either way: 413 sync.too_large."""
from __future__ import annotations

import json

from sync.protocol import errors
from sync.protocol.errors import problem
from sync.protocol.wire import API, PROBLEM_CONTENT_TYPE


class _TooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def _refuse(self, send, size: int) -> None:
        body = json.dumps(problem(errors.TOO_LARGE, size=size, limit=self.limit), ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", PROBLEM_CONTENT_TYPE.encode()), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(f"{API}/uploads"):
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.limit:
                    return await self._refuse(send, declared)
        seen = 0
        started = False

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send, seen)
