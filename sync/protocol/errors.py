"""The stable error codes of the sync protocol, shared by the server and the client.

Every error the server answers is a JSON problem body::

    {"code": "sync.bad_offset", "message_zh": "…", "message_en": "…", "detail": {…}}

with the HTTP status listed here. The texts live in the one message catalogue
(``inspector_app.domain.messages``) so the app shows them in Chinese; ``detail`` carries the
machine-readable facts (the expected offset, the missing hashes, the record problems…). Codes are
never renamed or reused: the client maps them to queue states, and old clients must keep working.

``RETRYABLE`` lists the codes a client may retry unchanged later (the server or the network was
not ready); every other code needs something to change first (an admin registering a key, a new
enrolment, a fixed record).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inspector_app.domain.messages import InspectorError, define

__all__ = [
    "ErrorCode", "CODES", "RETRYABLE", "SyncError", "problem", "status_of",
]


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int


CODES: dict[str, ErrorCode] = {}


def _code(code: str, status: int, zh: str, en: str) -> str:
    define(code, zh, en)
    CODES[code] = ErrorCode(code, status)
    return code


# --- request shape and size ---------------------------------------------------------------------
MALFORMED = _code("sync.malformed", 400, "请求格式不正确：{reason}", "Malformed request: {reason}")
TOO_LARGE = _code("sync.too_large", 413, "数据太大：{size} 字节，上限 {limit} 字节",
                  "Too large: {size} bytes, the limit is {limit} bytes")
NOT_FOUND = _code("sync.not_found", 404, "未找到 {what}", "Not found: {what}")
METHOD_NOT_ALLOWED = _code("sync.method_not_allowed", 405, "不支持此请求方法", "Method not allowed")
UNSUPPORTED_MEDIA = _code("sync.unsupported_media_type", 415, "内容类型应为 {expected}",
                          "The content type must be {expected}")
TUS_VERSION = _code("sync.tus_version", 412, "不支持的 tus 协议版本 {version}（支持 1.0.0）",
                    "Unsupported tus version {version} (1.0.0 is supported)")
# --- authentication -----------------------------------------------------------------------------
UNAUTHORISED = _code("sync.unauthorised", 401, "未授权：缺少或无效的访问令牌，请重新注册本设备",
                     "Unauthorised: the access token is missing or unknown; enrol this device again")
REVOKED = _code("sync.device_revoked", 401, "本设备已被县局服务器吊销，不能再同步",
                "This device was revoked by the county server and can no longer sync")
FORBIDDEN = _code("sync.forbidden", 403, "无权访问 {what}", "Not allowed to access {what}")
BAD_CODE = _code("sync.bad_enrolment_code", 401, "注册码无效、已使用或已过期",
                 "The enrolment code is unknown, used or expired")
DEVICE_EXISTS = _code("sync.device_exists", 409, "设备标识 {device_id} 已由另一台设备注册",
                      "Device id {device_id} is already enrolled by another device")
# --- records ------------------------------------------------------------------------------------
NOT_CANONICAL = _code("sync.not_canonical", 422, "记录的字节不是 RFC 8785 规范 JSON",
                      "The record's bytes are not RFC 8785 canonical JSON")
INVALID_RECORD = _code("sync.invalid_record", 422, "记录不符合格式要求：{first}",
                       "The record is not valid: {first}")
UNKNOWN_KEY = _code("sync.unknown_key", 422, "执法人员 {cert} 的公钥未在县局服务器登记",
                    "The public key of inspector {cert} is not registered on the county server")
BAD_SIGNATURE = _code("sync.bad_signature", 422, "记录的签名无效：{first}",
                      "The record's signatures are not valid: {first}")
WRONG_DEVICE = _code("sync.wrong_device", 403, "记录属于设备 {record_device}，而不是本设备 {device}",
                     "The record belongs to device {record_device}, not to this device {device}")
AUDIT_REGRESSED = _code("sync.audit_regressed", 409,
                        "记录的审计日志头（第 {seq} 条）早于本设备已报告的日志头（第 {last_seq} 条）",
                        "The record's audit head (entry {seq}) is before the head this device already "
                        "reported (entry {last_seq})")
CONFLICT = _code("sync.conflict", 409, "与已保存的 {what} 内容不同", "Differs from the stored {what}")
# --- uploads (tus) ------------------------------------------------------------------------------
BAD_OFFSET = _code("sync.bad_offset", 409, "上传偏移量 {given} 与服务器已收到的 {expected} 字节不符",
                   "Upload offset {given} does not match the {expected} bytes the server has")
CHECKSUM_MISMATCH = _code("sync.checksum_mismatch", 460, "分块校验和不符，该分块未保存",
                          "The chunk checksum does not match; the chunk was not kept")
CHECKSUM_ALGORITHM = _code("sync.checksum_algorithm", 400, "不支持的校验算法 {algorithm}（支持 {supported}）",
                           "Unsupported checksum algorithm {algorithm} (supported: {supported})")
HASH_MISMATCH = _code("sync.hash_mismatch", 422,
                      "上传内容的 SHA-256 为 {actual}，与声明的 {expected} 不符，已删除",
                      "The uploaded bytes hash to {actual}, not the declared {expected}; the upload was deleted")
UPLOAD_EXPIRED = _code("sync.upload_expired", 410, "上传已过期，请重新开始", "The upload expired; start again")
UPLOAD_BUSY = _code("sync.upload_busy", 423, "该上传正在被另一请求写入，请稍后重试",
                    "Another request is writing to this upload; retry shortly")
# --- server and client side ---------------------------------------------------------------------
INTERNAL = _code("sync.internal", 500, "服务器内部错误（已记录）", "Internal server error (logged)")
UNAVAILABLE = _code("sync.unavailable", 503, "服务器暂时不可用", "The server is temporarily unavailable")
OFFLINE = _code("sync.offline", 0, "无法连接县局服务器：{reason}", "Cannot reach the county server: {reason}")
BAD_RECEIPT = _code("sync.bad_receipt", 0, "服务器回执的签名或内容无效：{reason}",
                    "The server's receipt is not valid: {reason}")
NOT_ENROLLED = _code("sync.not_enrolled", 0, "本设备尚未在县局服务器注册：请用 --enrol 注册码 注册",
                     "This device is not enrolled with the county server: use --enrol CODE")
EVIDENCE_UNAVAILABLE = _code("sync.evidence_unavailable", 0, "无法读取证据 {sha256}：{reason}",
                             "Cannot read evidence {sha256}: {reason}")
EVIDENCE_MISSING = _code("sync.evidence_missing", 0, "服务器尚缺 {count} 份证据", "The server still lacks {count} evidence files")
BLOCKED = _code("sync.blocked", 0, "等待之前的记录 {record} 同步后再推送（审计日志顺序）",
                "Waiting for the earlier record {record} to sync first (audit-log order)")
SERVER_KEY_CHANGED = _code("sync.server_key_changed", 0, "服务器签名密钥与注册时不同，已停止同步",
                           "The server's signing key differs from the one pinned at enrolment; sync stopped")

RETRYABLE = frozenset({OFFLINE, INTERNAL, UNAVAILABLE, UPLOAD_BUSY, BAD_OFFSET, CHECKSUM_MISMATCH})


def status_of(code: str) -> int:
    found = CODES.get(code)
    return found.status if found else 500


def _safe_params(code: str, params: dict[str, Any]) -> dict[str, Any]:
    # A message is rendered with whatever the raiser gave; a missing placeholder must never turn
    # an error into a second error.
    class _Default(dict):
        def __missing__(self, key):
            return "?"

    return _Default(params)


def texts(code: str, params: dict[str, Any]) -> tuple[str, str]:
    from inspector_app.domain.messages import catalogue

    message = catalogue().get(code)
    if message is None:
        return code, code
    safe = _safe_params(code, params)
    return message.zh.format_map(safe), message.en.format_map(safe)


def problem(code: str, detail: Any = None, **params: Any) -> dict[str, Any]:
    """The JSON problem body for ``code``; ``params`` fill the message placeholders."""
    zh, en = texts(code, params)
    return {"code": code, "message_zh": zh, "message_en": en, "detail": detail if detail is not None else params}


class SyncError(InspectorError):
    """An error with a stable sync code, an HTTP status and a machine-readable detail."""

    def __init__(self, code: str, /, *, detail: Any = None, status: int | None = None,
                 headers: dict[str, str] | None = None, **params: Any):
        self.status = status if status is not None else status_of(code)
        self.detail = detail
        self.headers = dict(headers or {})
        zh, en = texts(code, params)
        self._zh, self._en = zh, en
        Exception.__init__(self, en)
        self.code = code
        self.params = params

    def text(self, lang: str = "zh") -> str:
        return self._zh if lang == "zh" else self._en

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE or self.status >= 500

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message_zh": self._zh, "message_en": self._en,
                "detail": self.detail if self.detail is not None else self.params}

    @classmethod
    def from_body(cls, status: int, body: Any) -> "SyncError":
        """Rebuild an error from a problem body received over the wire (client side)."""
        if isinstance(body, dict) and isinstance(body.get("code"), str):
            err = cls.__new__(cls)
            Exception.__init__(err, str(body.get("message_en", body["code"])))
            err.code = body["code"]
            err.params = {}
            err.status = status
            err.detail = body.get("detail")
            err.headers = {}
            zh, en = texts(body["code"], {})
            err._zh = str(body.get("message_zh") or zh)
            err._en = str(body.get("message_en") or en)
            return err
        code = INTERNAL if status >= 500 else MALFORMED
        return cls(code, status=status, reason=f"HTTP {status}")
