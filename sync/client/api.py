"""The county server's HTTP API as seen from a device (httpx). Every failure is a SyncError with
a stable code: the server's own problem code, or sync.offline when it could not be reached."""
from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import httpx

from sync.protocol import errors, wire
from sync.protocol.errors import SyncError

TIMEOUT = httpx.Timeout(60.0, connect=10.0)
PIECE = 1024 * 1024


_BODILESS = {401: errors.UNAUTHORISED, 403: errors.FORBIDDEN, 404: errors.NOT_FOUND, 410: errors.UPLOAD_EXPIRED,
             412: errors.TUS_VERSION, 423: errors.UPLOAD_BUSY, 503: errors.UNAVAILABLE}


def _error(resp: httpx.Response) -> SyncError:
    try:
        body = resp.json()
    except ValueError:
        body = None
    if not (isinstance(body, dict) and isinstance(body.get("code"), str)):
        body = {"code": _BODILESS.get(resp.status_code, errors.INTERNAL if resp.status_code >= 500 else errors.MALFORMED)}
    return SyncError.from_body(resp.status_code, body)


class ServerAPI:
    def __init__(self, base_url: str, token: str | None = None, *, timeout: httpx.Timeout = TIMEOUT,
                 transport: httpx.BaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        headers = {"User-Agent": "inspector-sync/1"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout, transport=transport)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "ServerAPI":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _request(self, method: str, path: str, **kw) -> httpx.Response:
        try:
            return self.http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise SyncError(errors.OFFLINE, reason=f"{type(exc).__name__}: {exc}") from exc

    def _json(self, method: str, path: str, ok=(200,), **kw) -> tuple[int, Any]:
        resp = self._request(method, path, **kw)
        if resp.status_code not in ok:
            raise _error(resp)
        return resp.status_code, resp.json()

    def url(self, path: str) -> str:
        return urljoin(self.base_url + "/", path.lstrip("/")) if not path.startswith("http") else path

    # --- enrolment and keys ---
    def enrol(self, code: str, name: str, public_key: str, device_id: str) -> dict:
        return self._json("POST", f"{wire.API}/devices/enrol",
                          json={"code": code, "name": name, "public_key": public_key, "device_id": device_id})[1]

    def server_key(self) -> str:
        return self._json("GET", f"{wire.API}/server-key")[1]["public_key"]

    # --- records ---
    def push_record(self, record_b64: str, signatures: list[dict]) -> tuple[int, dict]:
        return self._json("POST", f"{wire.API}/records", ok=(200, 201),
                          json={"record": record_b64, "signatures": signatures})

    def get_record(self, record_hash: str) -> dict:
        return self._json("GET", f"{wire.API}/records/{record_hash}")[1]

    # --- evidence ---
    def evidence_exists(self, sha256: str) -> bool:
        resp = self._request("HEAD", f"{wire.API}/evidence/{sha256}")
        if resp.status_code == 200:
            return True
        if resp.status_code == 404:
            return False
        raise _error(resp)

    def _tus(self) -> dict[str, str]:
        return {"Tus-Resumable": wire.TUS_VERSION}

    def tus_create(self, sha256: str, length: int, metadata: dict[str, str] | None = None) -> tuple[bool, str, int]:
        """(already stored?, upload URL, offset)."""
        meta = dict(metadata or {}, sha256=sha256)
        resp = self._request("POST", f"{wire.API}/uploads/", headers={
            **self._tus(), "Upload-Length": str(length), "Upload-Metadata": wire.encode_metadata(meta)})
        if resp.status_code not in (200, 201):
            raise _error(resp)
        stored = resp.status_code == 200 and resp.headers.get(wire.EVIDENCE_STORED_HEADER) == "stored"
        return stored, self.url(resp.headers["Location"]), int(resp.headers.get("Upload-Offset", "0"))

    def tus_head(self, url: str) -> int:
        resp = self._request("HEAD", url, headers=self._tus())
        if resp.status_code != 200:
            raise _error(resp)
        return int(resp.headers["Upload-Offset"])

    def tus_patch(self, url: str, offset: int, data: bytes, checksum: tuple[str, str] | None) -> int:
        headers = {**self._tus(), "Upload-Offset": str(offset), "Content-Type": wire.UPLOAD_CONTENT_TYPE}
        if checksum is not None:
            headers["Upload-Checksum"] = f"{checksum[0]} {checksum[1]}"
        headers["Content-Length"] = str(len(data))
        view = memoryview(data)
        # Streamed in 1 MiB pieces: one huge write makes the server's HTTP parser (h11) crawl.
        pieces = (view[i:i + PIECE] for i in range(0, len(view), PIECE))
        resp = self._request("PATCH", url, headers=headers, content=pieces)
        if resp.status_code != 204:
            raise _error(resp)
        return int(resp.headers["Upload-Offset"])

    def tus_delete(self, url: str) -> None:
        resp = self._request("DELETE", url, headers=self._tus())
        if resp.status_code not in (204, 404):
            raise _error(resp)

    # --- pulls ---
    def pull(self, what: str, **params) -> dict:
        return self._json("GET", f"{wire.API}/sync/{what}", params=params)[1]
