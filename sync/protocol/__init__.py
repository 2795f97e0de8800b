"""Wire messages and error codes shared by the sync client and the county server (no Qt, no ORM)."""
from .errors import CODES, RETRYABLE, SyncError, problem, status_of  # noqa: F401
from . import wire  # noqa: F401
