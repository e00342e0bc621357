"""What a run leaves in S3 besides the processed orders' bookkeeping: the uploaded outputs, and
the manifest of an attempt that failed."""

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from botocore.exceptions import BotoCoreError, ClientError

from . import storage
from .config import Config
from .events import ObjectEvent
from .manifest import Manifest
from .result import CleanResult

logger = logging.getLogger()
PARQUET = "application/vnd.apache.parquet"


def manifest_key(config: Config, source: str) -> str:
    return f"{config.manifest_prefix}{source}.json"


def record_failure(obj: ObjectEvent, config: Config, manifest: Manifest, exc: Exception) -> None:
    """Best effort: the file's manifest says what went wrong, so that when its event ends in the
    dead-letter queue the upload page can say why. A later successful attempt overwrites it."""
    if not manifest.source_id:
        return  # no ETag in the event and the object unreadable: its manifest key is unknown
    manifest.status, manifest.last_error = "processing", f"{type(exc).__name__}: {exc}"[:500]
    manifest.failed_at = datetime.now(UTC).isoformat()
    try:
        storage.write_manifest(obj.bucket, manifest_key(config, manifest.source_id), manifest.to_dict())
    except (ClientError, BotoCoreError, OSError):
        logger.warning("could not record the failure of %s in its manifest", obj.key)


def publish(result: CleanResult, obj: ObjectEvent, source: str, config: Config, manifest: Manifest) -> None:
    """Upload the local files (all at once) and remove months a previous run wrote but this one did
    not. The manifest names the outputs once they are uploaded."""
    outputs = [f"{config.processed_prefix}order_month={month}/{source}.parquet" for month in result.months]
    files = [(key, path, PARQUET) for key, path in zip(outputs, result.months.values())]
    rejected_key = f"{config.quarantine_prefix}{source}/rejected_rows.csv" if result.rejected_path else None
    stale_key = f"{config.quarantine_prefix}{source}/stale_orders.csv" if result.stale_path else None
    if rejected_key:
        files.append((rejected_key, result.rejected_path, "text/csv"))
    if stale_key:
        files.append((stale_key, result.stale_path, "text/csv"))
    with ThreadPoolExecutor(1) as beside:  # the listing of old months runs while the files go up
        prefix = config.processed_prefix
        old_months = beside.submit(storage.delete_stale_outputs, obj.bucket, prefix, source, set(outputs))
        storage.upload_files(obj.bucket, files)
        old_months.result()
    manifest.outputs += outputs
    manifest.rejected_key, manifest.stale_key = rejected_key, stale_key
