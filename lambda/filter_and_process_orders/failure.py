"""Where a file's manifest lives, and the manifest of an attempt that failed."""

import logging
from datetime import UTC, datetime

from botocore.exceptions import BotoCoreError, ClientError

from . import storage
from .config import Config
from .events import ObjectEvent
from .manifest import Manifest

logger = logging.getLogger()


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
