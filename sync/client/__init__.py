"""The device side of sync: the durable queue (device-store tables of migration 0002), the
uploader and pusher (``SyncClient``), the background loop (``SyncWorker``) and `inspector sync`.
No Qt here: the app runs ``SyncWorker`` and turns its callbacks into signals."""
