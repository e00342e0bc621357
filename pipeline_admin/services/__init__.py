"""Writes of the pipeline admin: files arriving (`receiving`, `direct`), their status (`uploads`) and
crawler control (`crawls`)."""

from .crawls import (
    NEW_DATA_STATUSES,
    crawl_auto_check,
    crawl_enqueue_failed,
    crawl_execute,
    crawl_request,
    crawl_runs_expire,
    crawl_scheduled,
    new_data_pending_since,
)
from .direct import (
    DirectRefused,
    DirectUpload,
    direct_abort,
    direct_begin,
    direct_complete,
    direct_expire,
    direct_part_urls,
    direct_refused_upload,
    staging_key,
)
from .receiving import (
    DuplicateUpload,
    FileOutcome,
    duplicate_outcome,
    mapping_metadata,
    refusals_record,
    safe_name,
    upload_create,
    upload_id_new,
    upload_refuse,
    uploads_receive,
)
from .reconcile import uploads_reconcile
from .uploads import MANIFEST_STATUS, SYNC_LOCK, dlq_keys, message_keys, uploads_sync

__all__ = [
    "DirectRefused",
    "DirectUpload",
    "direct_abort",
    "direct_begin",
    "direct_complete",
    "direct_expire",
    "direct_part_urls",
    "direct_refused_upload",
    "staging_key",
    "MANIFEST_STATUS",
    "NEW_DATA_STATUSES",
    "SYNC_LOCK",
    "DuplicateUpload",
    "FileOutcome",
    "crawl_auto_check",
    "crawl_execute",
    "crawl_request",
    "crawl_runs_expire",
    "crawl_enqueue_failed",
    "crawl_scheduled",
    "new_data_pending_since",
    "dlq_keys",
    "duplicate_outcome",
    "mapping_metadata",
    "message_keys",
    "refusals_record",
    "safe_name",
    "upload_create",
    "upload_id_new",
    "upload_refuse",
    "uploads_receive",
    "uploads_reconcile",
    "uploads_sync",
]
