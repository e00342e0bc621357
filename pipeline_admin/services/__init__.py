"""Writes of the pipeline admin: uploads (`uploads`) and crawler control (`crawls`)."""

from .crawls import (
    NEW_DATA_AT_KEY,
    NEW_DATA_STATUSES,
    crawl_after_new_data,
    crawl_auto_check,
    crawl_execute,
    crawl_request,
    crawl_runs_expire,
    crawl_start,
)
from .reconcile import uploads_reconcile
from .uploads import (
    MANIFEST_STATUS,
    SYNC_LOCK,
    DuplicateUpload,
    FileOutcome,
    dlq_keys,
    mapping_metadata,
    message_keys,
    safe_name,
    upload_create,
    upload_id_new,
    upload_refuse,
    uploads_receive,
    uploads_sync,
)

__all__ = [
    "MANIFEST_STATUS",
    "NEW_DATA_AT_KEY",
    "NEW_DATA_STATUSES",
    "SYNC_LOCK",
    "DuplicateUpload",
    "FileOutcome",
    "crawl_after_new_data",
    "crawl_auto_check",
    "crawl_execute",
    "crawl_request",
    "crawl_runs_expire",
    "crawl_start",
    "dlq_keys",
    "mapping_metadata",
    "message_keys",
    "safe_name",
    "upload_create",
    "upload_id_new",
    "upload_refuse",
    "uploads_receive",
    "uploads_reconcile",
    "uploads_sync",
]
